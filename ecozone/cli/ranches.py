"""``ecozone ranches``: marine ranches per sea zone or bay, level and type (海洋牧场)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TABLE_FORMATS, area_method_option, check_output, echo_notes, out_option, write_table
from ._inputs import reads


@click.command()
@click.option("--ranches", type=click.Path(path_type=Path), required=True, help="Marine ranch polygons with level and type.")
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Sea zones (ecozone sea-zones), districts or bays.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--by", default="level,type", show_default=True, help="Ranch fields to break down by, comma-separated.")
@click.option("--redline", type=click.Path(path_type=Path), default=None, help="Marine red line: count ranches in it, and those of a type not allowed.")
@click.option("--wind-farms", type=click.Path(path_type=Path), default=None, help="Offshore wind farms: count ranches sharing them (风渔融合).")
@area_method_option()
@reads("--ranches", "--zones", "--redline", "--wind-farms")
@out_option
@click.pass_context
def ranches(ctx, ranches, zones, zone_field, by, redline, wind_farms, area_method, inputs, out, overwrite):
    """Count and area of marine ranches per zone, level and type; red line and wind farms."""
    from ..measure.ranches import ranch_summary

    check_output(out, [p for p in (ranches, zones, redline, wind_farms) if p], overwrite=overwrite, formats=TABLE_FORMATS)
    by_fields = tuple(f.strip() for f in by.split(",") if f.strip())
    # the ranch type decides what the red line allows; the level and type are needed when broken down by
    need = tuple({*(f for f in by_fields if f in ("level", "type")), *(["type"] if redline else [])})
    table = ranch_summary(
        inputs.read(ranches, "--ranches", "marine_ranch", need=need),
        inputs.read(zones, "--zones", "sea_zone", fields={"name": (zone_field, "--zone-field")}),
        zone_field=zone_field, by=by_fields,
        redline=None if redline is None else inputs.read(redline, "--redline", "redline", need=()),
        wind_farms=None if wind_farms is None else inputs.read(wind_farms, "--wind-farms", "wind_farm"),
        area_method=area_method)
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra={"notes": table.attrs.get("notes", []), "area_method": area_method})
