"""``ecozone map``: an HTML map of an atlas (or an audit) from a preset in ``maps/``, or a quick map of any files
(``--layer [KIND=]FILE``, no manifest or preset)."""

from __future__ import annotations

import warnings
from pathlib import Path

import click


from ._inputs import reads
from ._progress import say

_EXAMPLE = "ecozone map overview --atlas my_city/ (ecozone demo writes the demo's maps)"
_QUICK = "ecozone map --layer parcels.gpkg -o parcels.html"


@click.command("map")
@click.argument("preset", required=False)
@click.option("--layer", "layer_files", multiple=True, metavar="[KIND=]FILE",
              help="A quick map of any file (repeatable; no preset): KIND=FILE styles it as that layer kind "
                   "(district, redline, mine …), a bare FILE gets a neutral style.")
@click.option("--color-by", default=None, metavar="FIELD",
              help="--layer maps: colour each layer that has FIELD by its values (a legend lists them).")
@click.option("--tooltip", default=None, metavar="FIELD,…",
              help="--layer maps: the fields shown on hover (default: the kind's, or a name-like field).")
@click.option("--title", default=None, help="--layer maps: the map's title (default: the layers' names).")
@click.option("--atlas", "atlas_dir", type=click.Path(path_type=Path), default=None,
              help="Folder with manifest.toml (or the manifest file) whose layers the map shows.")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="An audit config: its layers, and its conflict findings on the conflicts map.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: PRESET.html, or the first --layer file's name .html).")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--offline", is_flag=True, help="Inline Leaflet: the file opens with no network (tiles aside).")
@click.option("--basemap", default="none", show_default=True,
              help="none, osm, tianditu, tianditu-img, amap (GCJ-02: layers shifted for display) or a tile URL "
                   "template such as http://intranet/tiles/{z}/{x}/{y}.png.")
@click.option("--tianditu-key", default=None, envvar="ECOZONE_TIANDITU_KEY", show_envvar=True,
              help="Tianditu's tk key for --basemap tianditu.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the labels.")
@click.option("--earlier", type=click.Path(path_type=Path), default=None,
              help="An earlier coastline survey: the coastline map draws the segments whose class changed since.")
@reads("--layer")
@click.pass_context
def map_command(ctx, preset, layer_files, color_by, tooltip, title, atlas_dir, config, out, overwrite, offline, basemap,
                tianditu_key, lang, earlier, inputs):
    """Write the PRESET map (overview, coastline, coverage, conflicts, or a preset .toml) as HTML, or a quick map of
    files given with --layer."""
    from ..errors import InputError
    from ..maps import load_preset, render_map, resolve_basemap
    from ._common import check_one_source, check_output, load_layers

    if layer_files:
        if preset is not None:
            raise InputError(f"a preset ({preset}) and --layer: a map is of a preset's layers or of the files given; "
                             f"fix: drop PRESET for a quick map ({_QUICK}), or --layer for the preset's")
        for flag, given in (("--atlas", atlas_dir), ("--config", config), ("--earlier", earlier)):
            if given is not None:
                raise InputError(f"{flag} with --layer: a quick map draws only the files given; fix: give the layers as "
                                 f"--layer FILE, or drop --layer for a preset map ({_EXAMPLE})")
        _quick(ctx, layer_files, color_by, tooltip, title, out, overwrite, offline, basemap, tianditu_key, lang, inputs)
        return
    if preset is None:
        raise InputError(f"no map to make: give a PRESET (overview, coastline, coverage, conflicts, or a .toml) or "
                         f"--layer FILE; fix: e.g. {_EXAMPLE}, or {_QUICK}")
    quick_only = [f for f, v in (("--color-by", color_by), ("--tooltip", tooltip), ("--title", title),
                                 ("--input-crs", inputs.input_crs), ("--layer-crs", inputs.declared["--layer"])) if v is not None]
    if quick_only:
        raise InputError(f"{quick_only[0]}: only for a quick map of files (--layer FILE); fix: drop {quick_only[0]}, or "
                         "set it in a copy of the preset")
    check_one_source(atlas_dir, config, _EXAMPLE)
    chosen = load_preset(preset)
    resolve_basemap(basemap, tianditu_key)  # a bad basemap or a missing key is said before any work
    out = out or Path(f"{chosen.name}.html")
    inputs = [p for p in (atlas_dir, config, earlier) if p is not None]
    check_output(out, inputs, overwrite=overwrite)
    atlas, audit, read = load_layers(atlas_dir, config, _EXAMPLE)
    changes = None
    if earlier is not None and not any(spec["source"] == "coastline_change" for spec in chosen.layers):
        say(f"--earlier: the {chosen.name} map shows no coastline change; ignored")
        earlier = None
    if earlier is not None:
        from ..io import read_layer
        from ..measure.change import coastline_change

        coast = atlas.names("coastline")
        if not coast:
            raise InputError(f"--earlier {earlier}: the atlas has no coastline layer to compare with; fix: drop --earlier")
        from ..validate import validate_layer

        before = read_layer(earlier)
        if before.empty:
            raise InputError(f"--earlier {earlier}: no features; fix: give the earlier survey's coastline")
        before, checked = validate_layer(before, "coastline", name="earlier", source=str(earlier))
        if checked.errors:
            raise checked.errors[0].exception()
        _, changes = coastline_change(before, atlas[coast[0]])
    # the output may be none of the files read: the manifest, a layer, a raster, the config, the preset
    check_output(out, [chosen.path, *inputs, *read], overwrite=True)
    m = render_map(chosen, atlas, audit=audit, changes=changes, basemap=basemap, tianditu_key=tianditu_key,
                   lang=lang, offline=offline)
    _write(ctx, m, out, offline)


def _write(ctx, m, out: Path, offline: bool) -> None:
    """The page written (over a file only as checked before), its warnings and notes on stderr, one line on stdout."""
    from ..maps import MapSizeWarning, write_map

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MapSizeWarning)
        path = write_map(m, out, overwrite=True)
    quiet = ctx.obj.get("quiet")
    for w in caught:
        say(str(w.message), warning=True)
    if not quiet:
        for note in m.ecozone_notes:
            say(note)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB{', offline' if offline else ''})")



def _layer_arg(value: str) -> tuple[str | None, Path]:
    """``KIND=FILE`` or ``FILE``: a prefix that is no layer kind is refused, unless the whole is a file that exists."""
    from ..errors import InputError
    from ..schema import KINDS

    kind, sep, path = value.partition("=")
    if not sep:
        return None, Path(value)
    if kind in KINDS:
        if not path:
            raise InputError(f"--layer {value!r}: no file after {kind}=; fix: e.g. --layer {kind}=FILE")
        return kind, Path(path)
    if Path(value).exists():
        return None, Path(value)
    raise InputError(f"--layer {value!r}: {kind!r} is no layer kind (kinds: {', '.join(KINDS)}); fix: --layer KIND=FILE "
                     "with one of those kinds, or --layer FILE for a neutral style")


def _quick(ctx, layer_files, color_by, tooltip, title, out, overwrite, offline, basemap, tianditu_key, lang, inputs) -> None:
    """``ecozone map --layer [KIND=]FILE …``: each file read as every command reads its inputs, then drawn."""
    from ..errors import InputError
    from ..maps import resolve_basemap
    from ..maps.quick import QuickLayer, quick_map
    from ._common import check_output

    given = [_layer_arg(v) for v in layer_files]
    fields = None
    if tooltip is not None:
        fields = [f.strip() for f in tooltip.split(",") if f.strip()]
        if not fields:
            raise InputError(f"--tooltip {tooltip!r}: no field named; fix: --tooltip FIELD,FIELD")
    resolve_basemap(basemap, tianditu_key)  # a bad basemap or a missing key is said before any work
    out = out or Path(f"{given[0][1].stem}.html")
    check_output(out, [path for _, path in given], overwrite=overwrite)
    layers = []
    for kind, path in given:
        if kind is None:
            frame = inputs.read(path, "--layer", None)
        else:  # checked against its kind; a district layer as a mosaic too, no other
            frame = inputs.read(path, "--layer", kind, need=(), mosaic=kind == "district")
        layers.append(QuickLayer(path.stem, frame, kind, str(path)))
    m = quick_map(layers, color_by=color_by, tooltip=fields, title=title, lang=lang, offline=offline, basemap=basemap,
                  tianditu_key=tianditu_key)
    _write(ctx, m, out, offline)
