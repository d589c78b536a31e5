"""Display copies: the geometries a map embeds (simplified, WGS84, GCJ-02 on AMap tiles, rounded)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..crs import from_wgs84_geometries
from ..geometry import LINEAL, PUNTAL

__all__ = ["display_geometries", "geometry_family"]


def display_geometries(frame: gpd.GeoDataFrame, tolerance_m: float, mosaic: bool, shift: str | None) -> np.ndarray:
    """Simplify in the projected CRS, reproject to WGS84, shift for GCJ-02 tiles, round to 6 decimals."""
    geoms = frame.geometry.values
    if tolerance_m > 0 and frame.crs is not None and frame.crs.is_projected:
        geoms = np.asarray(geoms, dtype=object)
        if mosaic:
            geoms = shapely.coverage_simplify(geoms, tolerance_m)
        else:
            geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(4326).values
    if shift:
        out = from_wgs84_geometries(out, shift)
    return shapely.transform(np.asarray(out, dtype=object), lambda c: np.round(c, 6))


def geometry_family(frame: gpd.GeoDataFrame) -> str:
    """``point``, ``line`` or ``polygon``: how the layer is drawn (polygon when its types are mixed)."""
    kinds = set(shapely.get_type_id(frame.geometry.values).tolist()) - {-1}
    if kinds <= set(PUNTAL):
        return "point"
    if kinds <= set(LINEAL):
        return "line"
    return "polygon"
