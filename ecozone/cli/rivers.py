"""``ecozone rivers``: river buffer zones, encroachment into them, designation coverage (美丽河湖)."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from ..errors import SchemaError
from ._common import TABLE_FORMATS, check_output, echo_notes, named_numbers, named_paths, out_option, write_table
from ._inputs import YEAR, reads

_rivers = click.option("--rivers", type=click.Path(path_type=Path), required=True,
                       help="Rivers (lines) and lakes/reservoirs (polygons) with a level field.")
_widths = click.option("--width", "widths", multiple=True, metavar="LEVEL=M",
                       help="Buffer width per level (trunk/干流, tributary/支流, lake/湖泊, reservoir/水库), repeatable; "
                       "defaults trunk=50 tributary=20 lake=50 reservoir=100 (a convention). A buffer_m field overrides.")


def _read_rivers(inputs, rivers):
    """The rivers, checked as an atlas's river layer; features of one river may share an id (their buffers are one zone)."""
    return inputs.read(rivers, "--rivers", "river", need=("level",), unique_ids=False)


def _width_table(widths):
    table = named_numbers(widths, "--width")
    if isinstance(table, float):
        from ..errors import InputError

        raise InputError(f"--width {widths[0]}: give LEVEL=M; fix: e.g. --width trunk=50 --width tributary=20")
    return table


@click.group()
def rivers():
    """Rivers and lakes: buffer zones, encroachment, designation (美丽幸福河湖)."""


@rivers.command()
@_rivers
@_widths
@click.option("--width-field", default="buffer_m", show_default=True, help="Per-feature width field (m) that overrides the level's.")
@reads("--rivers")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="FILE.gpkg / FILE.geojson for the buffer polygons, or FILE.csv / FILE.json for the table; default: print.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def buffers(ctx, rivers, widths, width_field, inputs, out, overwrite):
    """Buffer zones on both banks, dissolved per river; lakes with their own width (water included)."""
    from ..io import write_layer
    from ..measure.rivers import river_buffers

    check_output(out, [rivers], overwrite=overwrite, formats=(".gpkg", ".geojson", *TABLE_FORMATS))
    table = _width_table(widths)
    layer = _read_rivers(inputs, rivers)
    if width_field not in layer.columns and ctx.get_parameter_source("width_field") == ParameterSource.COMMANDLINE:
        raise SchemaError(f"{rivers}: no field {width_field!r} for --width-field (fields: "
                          f"{', '.join(str(c) for c in layer.columns if c != layer.geometry.name)}); "
                          "fix: name the column of widths in metres, or leave --width-field out")
    zones = river_buffers(layer, table, width_field=width_field)
    echo_notes(ctx, zones)
    if out is not None and out.suffix.lower() in (".gpkg", ".geojson"):
        write_layer(zones, out, overwrite=overwrite)
        return
    write_table(zones.drop(columns=zones.geometry.name), out, overwrite=overwrite)


@rivers.command()
@_rivers
@_widths
@click.option("--check", "checks", multiple=True, required=True, metavar="[NAME=]FILE",
              help="Layer to check against the buffers (mines, projects, any polygons/lines/points), repeatable.")
@reads("--rivers", "--check")
@out_option
@click.pass_context
def encroachment(ctx, rivers, widths, checks, inputs, out, overwrite):
    """Features inside the river buffer zones: feature, river, overlap (ha) and share."""
    from ..measure.rivers import river_buffers, river_encroachment

    layers = named_paths(checks, "--check")
    check_output(out, [rivers, *layers.values()], overwrite=overwrite, formats=TABLE_FORMATS)
    widths_m = _width_table(widths)
    zones = river_buffers(_read_rivers(inputs, rivers), widths_m)
    table = river_encroachment(zones, {name: inputs.read(p, "--check") for name, p in layers.items()})
    echo_notes(ctx, zones)
    write_table(table, out, overwrite=overwrite)


@rivers.command()
@_rivers
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Districts to split river length by.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--field", default="designation", show_default=True, help="Field holding the designation (level) when designated.")
@click.option("--until", type=YEAR, default=None, help="Count designations of this year or earlier (designation_year).")
@click.option("--undesignated", is_flag=True, help="List the rivers and lakes not designated instead.")
@reads("--rivers", "--zones")
@out_option
@click.pass_context
def designation(ctx, rivers, zones, zone_field, field, until, undesignated, inputs, out, overwrite):
    """Share of river length designated 美丽幸福河湖 per district (or the undesignated list)."""
    from ..measure.rivers import river_designation

    check_output(out, [rivers, zones], overwrite=overwrite, formats=TABLE_FORMATS)
    by_zone, missing = river_designation(
        _read_rivers(inputs, rivers),
        inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")}, mosaic=True),
        zone_field=zone_field, designation_field=field, until=until)
    echo_notes(ctx, by_zone)
    write_table(missing if undesignated else by_zone, out, overwrite=overwrite)
