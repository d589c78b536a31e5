"""Land cover by zone (土地覆盖): class areas and shares of an atlas land-cover raster per zone."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = ["land_cover_table"]


def land_cover_table(raster, zones: gpd.GeoDataFrame, zone_field: str = "name") -> pd.DataFrame:
    """Class areas and shares per zone of an atlas land-cover raster, and for the union of the zones
    (zone ``total``); ``land_cover`` names each cell value's class (forest, cropland …)."""
    from ..prepare import TOTAL
    from .overlay import zones_union
    from .zonal import zonal

    union = gpd.GeoDataFrame({zone_field: [TOTAL]}, geometry=[zones_union(zones.geometry.values)], crs=zones.crs)
    table = pd.concat([zonal(raster.path, zones, categorical=True, zone_field=zone_field),
                       zonal(raster.path, union, categorical=True, zone_field=zone_field)], ignore_index=True)
    classes = raster.classes or {}
    table.insert(2, "land_cover", [classes.get(int(v), str(int(v))) if pd.notna(v) else None for v in table["class"]])
    return table
