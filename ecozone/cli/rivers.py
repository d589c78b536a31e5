"""``ecozone rivers``: river buffer zones, encroachment into them, designation coverage (美丽河湖)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import check_output, echo_notes, input_crs_option, named_numbers, named_paths, out_option, write_table

_rivers = click.option("--rivers", type=click.Path(path_type=Path), required=True,
                       help="Rivers (lines) and lakes/reservoirs (polygons) with a level field.")
_widths = click.option("--width", "widths", multiple=True, metavar="LEVEL=M",
                       help="Buffer width per level (trunk/干流, tributary/支流, lake/湖泊, reservoir/水库), repeatable; "
                       "defaults trunk=50 tributary=20 lake=50 reservoir=100 (a convention). A buffer_m field overrides.")


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
@input_crs_option
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="FILE.gpkg / FILE.geojson for the buffer polygons, or FILE.csv / FILE.json for the table; default: print.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def buffers(ctx, rivers, widths, width_field, input_crs, out, overwrite):
    """Buffer zones on both banks, dissolved per river; lakes with their own width (water included)."""
    from ..io import read_layer, write_layer
    from ..measure.rivers import river_buffers

    check_output(out, [rivers], overwrite=overwrite)
    zones = river_buffers(read_layer(rivers, declared_crs=input_crs), _width_table(widths), width_field=width_field)
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
@input_crs_option
@out_option
@click.pass_context
def encroachment(ctx, rivers, widths, checks, input_crs, out, overwrite):
    """Features inside the river buffer zones: feature, river, overlap (ha) and share."""
    from ..io import read_layer
    from ..measure.rivers import river_buffers, river_encroachment

    layers = named_paths(checks, "--check")
    check_output(out, [rivers, *layers.values()], overwrite=overwrite)
    zones = river_buffers(read_layer(rivers, declared_crs=input_crs), _width_table(widths))
    table = river_encroachment(zones, {name: read_layer(p, declared_crs=input_crs) for name, p in layers.items()})
    echo_notes(ctx, zones)
    write_table(table, out, overwrite=overwrite)


@rivers.command()
@_rivers
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Districts to split river length by.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--field", default="designation", show_default=True, help="Field holding the designation (level) when designated.")
@click.option("--until", type=int, default=None, help="Count designations of this year or earlier (designation_year).")
@click.option("--undesignated", is_flag=True, help="List the rivers and lakes not designated instead.")
@input_crs_option
@out_option
@click.pass_context
def designation(ctx, rivers, zones, zone_field, field, until, undesignated, input_crs, out, overwrite):
    """Share of river length designated 美丽幸福河湖 per district (or the undesignated list)."""
    from ..io import read_layer
    from ..measure.rivers import river_designation

    check_output(out, [rivers, zones], overwrite=overwrite)
    by_zone, missing = river_designation(read_layer(rivers, declared_crs=input_crs), read_layer(zones, declared_crs=input_crs),
                                         zone_field=zone_field, field=field, until=until)
    echo_notes(ctx, by_zone)
    write_table(missing if undesignated else by_zone, out, overwrite=overwrite)
