"""``ecozone mines``: restoration rates and the 三区两线 visible range (历史遗留矿山)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TABLE_FORMATS, area_method_option, check_output, echo_notes, named_numbers, named_paths, out_option, write_table
from ._progress import say
from ._inputs import NON_NEGATIVE, POSITIVE, reads

_mines = click.option("--mines", type=click.Path(path_type=Path), required=True,
                      help="Mine polygons or points with status (historic/production/closed) and restoration "
                      "(untreated/in_progress/restored), in English or Chinese.")
_zones = click.option("--zones", type=click.Path(path_type=Path), default=None, help="Districts to break the rates down by.")
_zone_field = click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")


def _read_zones(inputs, zones, zone_field):
    return None if zones is None else inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")},
                                                  mosaic=True)


@click.group()
def mines():
    """Mines: restoration rate by count and by area; mines in the visible range."""


@mines.command()
@_mines
@_zones
@_zone_field
@area_method_option()
@reads("--mines", "--zones")
@out_option
@click.pass_context
def restoration(ctx, mines, zones, zone_field, area_method, inputs, out, overwrite):
    """Restoration rate by count and by area, per district and status (restored only; in progress listed)."""
    from ..measure.mines import mine_restoration

    check_output(out, [p for p in (mines, zones) if p], overwrite=overwrite, formats=TABLE_FORMATS)
    table = mine_restoration(inputs.read(mines, "--mines", "mine"), _read_zones(inputs, zones, zone_field), zone_field=zone_field,
                             area_method=area_method)
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra={"notes": table.attrs.get("notes", []), "area_method": area_method})


@mines.command("in-view")
@_mines
@click.option("--line", "lines", multiple=True, metavar="CLASS=FILE",
              help="Lines mines are seen from: main roads, railways, rivers, coastline (e.g. expressway=roads.gpkg), repeatable.")
@click.option("--area", "areas", multiple=True, metavar="CLASS=FILE",
              help="Areas: nature reserves, scenic areas, residential areas (e.g. nature_reserve=reserves.shp), repeatable.")
@click.option("--distance", "distances", multiple=True, metavar="[CLASS=]M",
              help="Distance in metres, for all classes or per class (repeatable); default 1000, a convention, not a national rule.")
@click.option("--dem", type=click.Path(path_type=Path), default=None,
              help="DEM: keep only mines seen from some point of a line or area within the distance (sight lines on the "
              "DEM, interpolated bilinearly).")
@click.option("--observer-m", type=NON_NEGATIVE, default=1.7, show_default=True, help="Observer's eye height above the ground (m).")
@click.option("--target-m", type=NON_NEGATIVE, default=0.0, show_default=True,
              help="Height above the ground of the points of the mine looked at (m), as gdal_viewshed -tz.")
@click.option("--observer-spacing-m", type=POSITIVE, default=None,
              help="Spacing of the observer points along the lines and over the areas (m; default: one DEM cell).")
@click.option("--curvature-coeff", type=NON_NEGATIVE, default=0.85714, show_default=True,
              help="Earth curvature and refraction coefficient, as gdal_viewshed -cc: heights drop by coeff·d²/(2a) "
              "at d metres from the observer (0.85714: standard refraction; 0: a flat Earth).")
@click.option("--rates", is_flag=True, help="Output the restoration rates of the mines in view (可视范围内治理率) instead.")
@_zones
@_zone_field
@reads("--mines", "--line", "--area", "--zones")
@out_option
@click.pass_context
def in_view(ctx, mines, lines, areas, distances, dem, observer_m, target_m, observer_spacing_m, curvature_coeff, rates, zones,
            zone_field, inputs, out, overwrite):
    """Mines within sight of main roads, railways, rivers, coastline, reserves, scenic and residential areas."""
    from ..measure.mines import DEFAULT_VIEW_DISTANCE_M, mine_restoration, mines_in_view

    line_paths, area_paths = named_paths(lines, "--line"), named_paths(areas, "--area")
    files = [mines, *line_paths.values(), *area_paths.values(), *(p for p in (dem, zones) if p)]
    check_output(out, files, overwrite=overwrite, formats=TABLE_FORMATS)
    distance = named_numbers(distances, "--distance")
    zone_gdf = _read_zones(inputs, zones, zone_field) if rates else None
    # rates need the restoration status; the visible range alone does not
    table = mines_in_view(inputs.read(mines, "--mines", "mine", need=("status", "restoration") if rates else ()),
                          {k: inputs.read(p, "--line") for k, p in line_paths.items()},
                          {k: inputs.read(p, "--area", None, families=("polygon",)) for k, p in area_paths.items()},
                          DEFAULT_VIEW_DISTANCE_M if distance is None else distance, dem=dem, observer_m=observer_m,
                          target_m=target_m, curvature_coeff=curvature_coeff, observer_spacing_m=observer_spacing_m)
    echo_notes(ctx, table)
    if not ctx.obj.get("quiet"):
        say(f"{int(table['in_view'].sum())} of {len(table)} mines in the visible range"
            + (" (line of sight checked on the DEM)" if dem else ""))
    if rates:
        table = mine_restoration(table[table["in_view"]], zone_gdf, zone_field=zone_field)
    else:
        table = table.drop(columns=table.geometry.name)
    write_table(table, out, overwrite=overwrite)
