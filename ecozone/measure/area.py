"""Area of each feature of a polygon layer (面积), in ha, km² and mu."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .._renamed import renamed
from ..crs import check_measurement_crs
from ..crs.ellipsoidal import check_area_method, ellipsoidal_areas
from ..errors import CRSError
from ..units import M2_PER_HA, M2_PER_KM2, M2_PER_MU

__all__ = ["area_table"]


@renamed(name_field="zone_field")
def area_table(layer: gpd.GeoDataFrame, *, zone_field: str = "name", zone_label: str = "zone",
               area_method: str = "planar") -> pd.DataFrame:
    """Area of each feature (面积统计): planar, in the layer's projected CRS, or on the ellipsoid.

    With ``area_method="planar"`` (the default) the layer must be in a projected CRS in metres (an Atlas
    layer is); geographic and Web Mercator CRSs are refused.  ``area_method="ellipsoidal"`` measures on the
    CGCS2000 ellipsoid, as the land survey's TBMJ (:mod:`ecozone.crs.ellipsoidal`), from any CRS.  The
    method is in ``attrs["area_method"]``.

    Returns a DataFrame with ``zone``, ``id``, ``area_ha``, ``area_km2``,
    ``area_mu``, and a ``share`` of the total (0–1).

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(0, 0, 1000, 1000)], crs=4549)
    >>> area_table(gdf)[["zone", "area_ha", "area_mu"]].to_dict("records")
    [{'zone': 'a', 'area_ha': 100.0, 'area_mu': 1500.0}]
    """
    if layer.crs is None:
        raise CRSError("area_table: the layer has no CRS; fix: set one or load it through an Atlas")
    if check_area_method(area_method) == "ellipsoidal":
        m2 = ellipsoidal_areas(layer.geometry.values, layer.crs)
    else:
        check_measurement_crs(layer.crs)
        m2 = layer.geometry.area.to_numpy()
    names = layer[zone_field] if zone_field in layer.columns else pd.Series(range(1, len(layer) + 1))
    total = m2.sum()
    out = pd.DataFrame(
        {
            zone_label: names.to_numpy(),
            "id": layer["id"].to_numpy() if "id" in layer.columns else range(1, len(layer) + 1),
            "area_ha": m2 / M2_PER_HA,
            "area_km2": m2 / M2_PER_KM2,
            "area_mu": m2 / M2_PER_MU,
            "share": m2 / total if total > 0 else 0.0,
        }
    )
    out.attrs["area_method"] = area_method
    return out
