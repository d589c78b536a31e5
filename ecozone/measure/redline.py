"""Red-line area not reduced (生态保护红线面积不减少): which baseline red-line polygons the current
red line no longer wholly holds, and how much of each is lost."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..prepare import prepare_layers
from ..units import M2_PER_HA

__all__ = ["redline_loss"]


def redline_loss(baseline: gpd.GeoDataFrame, current: gpd.GeoDataFrame, *, tolerance_m2: float = 1.0) -> pd.DataFrame:
    """The baseline red-line polygons not wholly kept in the current red line (面积不减少 check).

    Returns one row per baseline polygon that lost more than ``tolerance_m2``:
    ``id``, ``name``, ``type``, ``baseline_ha``, ``lost_ha``, ``lost_share``
    (0–1).  Both layers are measured in the baseline's (projected) CRS.
    """
    notes: list[str] = []
    base, moved = prepare_layers(baseline, {"current": current}, notes, zones_name="baseline")
    kept = shapely.union_all(moved["current"].geometry.values)
    geoms = base.geometry.values
    lost = shapely.area(shapely.difference(geoms, kept))
    area = shapely.area(geoms)
    mask = lost > tolerance_m2
    out = pd.DataFrame(
        {
            "id": base["id"].to_numpy()[mask] if "id" in base.columns else np.flatnonzero(mask),
            "name": base["name"].to_numpy()[mask] if "name" in base.columns else None,
            "type": base["type"].to_numpy()[mask] if "type" in base.columns else None,
            "baseline_ha": area[mask] / M2_PER_HA,
            "lost_ha": lost[mask] / M2_PER_HA,
            "lost_share": lost[mask] / np.where(area[mask] > 0, area[mask], 1.0),
        }
    )
    return out.reset_index(drop=True)
