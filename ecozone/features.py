"""Features as messages name them, and what makes their coordinates unmeasurable (要素).

The bottom of the read → validate path: :mod:`ecozone.io` (on reading), :mod:`ecozone.validate`
(on checking) and :mod:`ecozone.dates` (on reading dates) name features and refuse NaN/Inf
coordinates the same way.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame({"id": ["M1", "M2"]}, geometry=[Point(0, 0), Point(float("nan"), 1)])
>>> describe_features(gdf, nonfinite_positions(gdf.geometry.values))
'feature 1 (id=M2)'
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["ROW", "describe_feature", "describe_features", "finite_extent", "nonfinite_positions", "nonfinite_message",
           "without_zm"]

#: Column that keeps each feature's position in its source file.
ROW = "_row"


def describe_feature(gdf: pd.DataFrame, pos: int) -> str:
    """``feature 3 (id=M4, name=甲矿)``: a feature as messages name it, by its row in the file."""
    row = gdf.iloc[pos]
    parts = []
    for col in ("id", "name"):
        if col in gdf.columns and pd.notna(row[col]) and str(row[col]) != "":
            parts.append(f"{col}={row[col]}")
    n = int(row[ROW]) if ROW in gdf.columns else pos
    return f"feature {n}" + (f" ({', '.join(parts)})" if parts else "")


def describe_features(gdf: pd.DataFrame, positions: Any, limit: int = 3) -> str:
    """``feature 3 (id=M4, name=甲矿), feature 7 and 2 more``: how messages name features (by their row in the file)."""
    positions = [int(p) for p in positions]
    text = ", ".join(describe_feature(gdf, p) for p in positions[:limit])
    if len(positions) > limit:
        text += f" and {len(positions) - limit} more"
    return text


def nonfinite_positions(geoms: Any, chunk: int = 65_536) -> np.ndarray:
    """Positions of the geometries with a NaN or infinite coordinate (checked chunk by chunk)."""
    return finite_extent(geoms, chunk)[0]


def finite_extent(geoms: Any, chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the geometries with a NaN or infinite coordinate, [xmin, ymin, xmax, ymax] of the finite
    coordinates — ``total_bounds`` when all are finite; NaN when none): one pass over the coordinates."""
    geoms = np.asarray(geoms, dtype=object)
    bad, lows, highs = [], [], []
    for start in range(0, len(geoms), chunk):
        coords = shapely.get_coordinates(geoms[start:start + chunk])
        if not np.isfinite(coords).all():
            coords, index = shapely.get_coordinates(geoms[start:start + chunk], return_index=True)
            finite = np.isfinite(coords).all(axis=1)
            bad.append(np.unique(index[~finite]) + start)
            coords = coords[finite]
        if len(coords):  # column by column: numpy reduces an (n, 2) array along axis 0 ten times slower
            x, y = coords[:, 0], coords[:, 1]
            lows.append((x.min(), y.min()))
            highs.append((x.max(), y.max()))
    extent = (np.concatenate([np.min(lows, axis=0), np.max(highs, axis=0)]) if lows else np.full(4, np.nan))
    return (np.concatenate(bad) if bad else np.empty(0, dtype=np.int64)), extent


def nonfinite_message(positions: Any) -> tuple[str, str]:
    """(problem, fix) for features with NaN/Inf coordinates."""
    n = len(positions)
    return (f"NaN or infinite coordinates ({n} feature{'s' if n > 1 else ''}): no length, area or place can be measured",
            "redraw or delete these features (a NaN often comes from an empty cell of a table turned into points)")


def without_zm(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer with Z and M coordinates dropped (ecozone measures in 2D), and a note saying so, or None."""
    geoms = gdf.geometry.values
    if (np.asarray(shapely.get_coordinate_dimension(geoms)) <= 2).all():  # one pass: none has Z or M
        return gdf, None
    z = np.asarray(shapely.has_z(geoms))
    m = np.asarray(shapely.has_m(geoms)) if hasattr(shapely, "has_m") else np.zeros(len(geoms), bool)
    if not (z.any() or m.any()):
        return gdf, None
    dims = "/".join(d for d, flag in (("Z", z.any()), ("M", m.any())) if flag)
    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(shapely.force_2d(np.asarray(geoms, dtype=object)), index=gdf.index, crs=gdf.crs)
    n = int((z | m).sum())
    return out, (f"{dims} coordinates of {n} feature(s) dropped: areas and lengths are measured in 2D "
                 "(on the map plane, not along the terrain)")
