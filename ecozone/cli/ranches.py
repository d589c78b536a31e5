"""``ecozone ranches``: marine ranches per sea zone or bay, level and type (海洋牧场)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import check_output, echo_notes, input_crs_option, out_option, write_table


@click.command()
@click.option("--ranches", type=click.Path(path_type=Path), required=True, help="Marine ranch polygons with level and type.")
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Sea zones (ecozone sea-zones), districts or bays.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--by", default="level,type", show_default=True, help="Ranch fields to break down by, comma-separated.")
@click.option("--redline", type=click.Path(path_type=Path), default=None, help="Marine red line: count ranches in it, and those of a type not allowed.")
@click.option("--wind-farms", type=click.Path(path_type=Path), default=None, help="Offshore wind farms: count ranches sharing them (风渔融合).")
@input_crs_option
@out_option
@click.pass_context
def ranches(ctx, ranches, zones, zone_field, by, redline, wind_farms, input_crs, out, overwrite):
    """Count and area of marine ranches per zone, level and type; red line and wind farms."""
    from ..io import read_layer
    from ..measure.ranches import ranch_summary

    check_output(out, [p for p in (ranches, zones, redline, wind_farms) if p], overwrite=overwrite)
    read = lambda p: read_layer(p, declared_crs=input_crs) if p else None  # noqa: E731
    table = ranch_summary(read(ranches), read(zones), zone_field=zone_field,
                          by=tuple(f.strip() for f in by.split(",") if f.strip()), redline=read(redline), wind_farms=read(wind_farms))
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite)
