"""``ecozone map``: an HTML map of an atlas (or an audit) from a preset in ``maps/``."""

from __future__ import annotations

import warnings
from pathlib import Path

import click


_EXAMPLE = "ecozone map overview --atlas my_city/ (ecozone demo writes the demo's maps)"


@click.command("map")
@click.argument("preset")
@click.option("--atlas", "atlas_dir", type=click.Path(path_type=Path), default=None,
              help="Folder with manifest.toml (or the manifest file) whose layers the map shows.")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="An audit config: its layers, and its conflict findings on the conflicts map.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: PRESET.html).")
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
@click.pass_context
def map_command(ctx, preset, atlas_dir, config, out, overwrite, offline, basemap, tianditu_key, lang, earlier):
    """Write the PRESET map (overview, coastline, coverage, conflicts, or a preset .toml) as HTML."""
    from ..errors import InputError
    from ..maps import MapSizeWarning, load_preset, render_map, resolve_basemap, write_map
    from ._common import check_one_source, check_output, load_layers

    check_one_source(atlas_dir, config, _EXAMPLE)
    chosen = load_preset(preset)
    resolve_basemap(basemap, tianditu_key)  # a bad basemap or a missing key is said before any work
    out = out or Path(f"{chosen.name}.html")
    inputs = [p for p in (atlas_dir, config, earlier) if p is not None]
    check_output(out, inputs, overwrite=overwrite)
    atlas, audit, read = load_layers(atlas_dir, config, _EXAMPLE)
    changes = None
    if earlier is not None and not any(spec["source"] == "coastline_change" for spec in chosen.layers):
        click.echo(f"ecozone: --earlier: the {chosen.name} map shows no coastline change; ignored", err=True)
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MapSizeWarning)
        path = write_map(m, out, overwrite=True)
    quiet = ctx.obj.get("quiet")
    for w in caught:
        click.echo(f"ecozone: warning: {w.message}", err=True)
    if not quiet:
        for note in m.ecozone_notes:
            click.echo(f"ecozone: {note}", err=True)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB{', offline' if offline else ''})")

