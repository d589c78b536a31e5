"""``ecozone zonal``: statistics of a raster per zone, or class areas and shares of a land-cover raster."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TABLE_FORMATS, check_output, echo_notes, out_option, write_table
from ._inputs import reads


@click.command()
@click.option("--raster", type=click.Path(path_type=Path), required=True, help="Raster file (GeoTIFF …) with a CRS.")
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Zone polygons (districts, bays …).")
@click.option("--categorical", is_flag=True, help="The raster holds class codes: report area (ha) and share per class.")
@click.option("--stats", default="count,mean,min,max,sum", show_default=True, help="Statistics, comma-separated.")
@click.option("--band", type=click.IntRange(min=1), default=1, show_default=True, help="Band number, from 1.")
@click.option("--zone-field", default=None, help="Field naming the zones [default: name, else id, else the feature number].")
@reads("--zones")
@out_option
@click.pass_context
def zonal(ctx, raster, zones, categorical, stats, band, zone_field, inputs, out, overwrite):
    """Raster statistics per zone with exact partial-cell coverage (分区统计).

    Continuous rasters give count, mean, min, max and sum per zone; with
    --categorical, one row per zone and class with its area (ha) and share
    (e.g. forest share for 林木绿化率).  Zones are reprojected to the
    raster's CRS; --input-crs and --zones-crs apply to the zones (give the
    raster a CRS with gdal_edit.py -a_srs).
    """
    from ..measure.zonal import zonal as measure

    check_output(out, [raster, zones], overwrite=overwrite, formats=TABLE_FORMATS)
    zone_gdf = inputs.read(zones, "--zones", None, families=("polygon",),
                           fields=None if zone_field is None else {"zone name": (zone_field, "--zone-field")})
    table = measure(raster, zone_gdf, stats=stats, categorical=categorical, band=band, zone_field=zone_field)
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra={"notes": table.attrs.get("notes", [])})
