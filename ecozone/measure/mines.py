"""Mines (历史遗留矿山, 绿色矿山): restoration rates and the 三区两线 visible range.

- :func:`mine_restoration`: restoration rate by count **and** by area (the
  plans publish both), per district and mine status (historic, production,
  closed), with untreated / in_progress / restored counts.  The rate counts
  restored mines only (治理完成); mines in progress are listed, not counted.
- :func:`mines_in_view`: mines within a set distance of main roads and
  railways, rivers and the coastline (两线, Shandong adds the coastline), and
  of nature reserves, scenic areas and residential areas (三区).  No national
  distance exists: the default of 1 km per class is a convention, a setting.
  With a DEM, a mine stays in view only when some point of a line or area
  within the distance sees some point of the mine (sight lines on the DEM
  interpolated bilinearly, observer and target heights, Earth curvature and
  refraction as ``gdal_viewshed -cc``).  The restoration rate of the mines in
  view is the plans' 可视范围内历史遗留矿山治理率.  It lives in
  :mod:`ecozone.measure.visible_range`, its sight lines (:func:`line_of_sight`)
  in :mod:`ecozone.measure.sight`; both are importable from here.

Mines inside the red line are conflicts: :func:`ecozone.conflicts` with rule
``mine_in_redline`` (production mines are violations).

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> mines = gpd.GeoDataFrame({"id": ["M1", "M2", "M3"], "status": ["历史遗留", "historic", "生产"],
...                           "restoration": ["已治理", "untreated", "治理中"]},
...                          geometry=[box(0, 0, 100, 100), box(200, 0, 500, 100), box(600, 0, 700, 100)], crs=4549)
>>> table = mine_restoration(mines)
>>> table[["status", "mines", "restored", "rate_by_count", "rate_by_area"]].values.tolist()
[['historic', 2, 1, 0.5, 0.25], ['production', 1, 0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..crs.ellipsoidal import check_area_method, ellipsoidal_areas
from ..prepare import OUTSIDE, TOTAL, prepare_layers, projected
from ..schema import MINE_RESTORATION, MINE_STATUS
from ..units import M2_PER_HA
from ..validate import coded_field
from .sight import DEFAULT_CURVATURE_COEFF, line_of_sight
from .visible_range import DEFAULT_VIEW_DISTANCE_M, atlas_mines_in_view, mines_in_view

__all__ = ["DEFAULT_VIEW_DISTANCE_M", "DEFAULT_CURVATURE_COEFF", "mine_restoration", "mines_in_view", "atlas_mines_in_view",
           "line_of_sight"]

_RESTORATION = MINE_RESTORATION.codes  # untreated, in_progress, restored


def mine_restoration(
    mines: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    zone_field: str = "name",
    area_method: str = "planar",
) -> pd.DataFrame:
    """Restoration rate of mines by count and by area, per zone and status (矿山治理率).

    Parameters
    ----------
    mines : mine polygons (or points: counted, area 0) with ``status``
        (historic/历史遗留, production/生产, closed/关闭) and ``restoration``
        (untreated/未治理, in_progress/治理中, restored/已治理)
    zones : districts; a mine belongs to the zone holding its representative
        point (``outside`` when none does).  None: one row per status.
    area_method : ``"planar"`` or ``"ellipsoidal"`` (on the CGCS2000 ellipsoid), as for :func:`ecozone.coverage`;
        in ``attrs["area_method"]``

    Returns
    -------
    DataFrame: ``zone`` (with zones), ``status``, ``mines``, ``untreated``,
    ``in_progress``, ``restored``, ``rate_by_count`` (restored ÷ mines),
    ``area_ha``, ``restored_ha``, ``rate_by_area`` (restored area ÷ area; NaN
    for point mines).  With zones, rows per zone then a ``total`` row per status.
    """
    source = mines.attrs.get("source", "mines")
    status = coded_field(mines, "mine", "status", source=source)
    state = coded_field(mines, "mine", "restoration", source=source)
    notes: list[str] = []
    if zones is not None:
        if zone_field not in zones.columns:
            raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass zone_field=NAME")
        zones_p, moved = prepare_layers(zones, {"mines": mines}, notes, polygons=False, zone_field=zone_field)
        gdf = moved["mines"]
        zone = _zone_of(gdf.geometry.values, zones_p.geometry.values, zones_p[zone_field].astype(str).to_numpy())
        if len(gdf) < len(mines):  # empty geometries were dropped: keep codes aligned
            keep = mines.index.isin(gdf.index)
            status, state = status[keep], state[keep]
    else:
        gdf = projected(mines, "mines", notes)
        zone = np.full(len(gdf), TOTAL, dtype=object)
    geoms = gdf.geometry.values
    area = ellipsoidal_areas(geoms, gdf.crs) if check_area_method(area_method) == "ellipsoidal" else shapely.area(geoms)
    frame = pd.DataFrame({"zone": zone, "status": status, "state": state, "area": area})
    rows = [_rates(z, s, grp) for (z, s), grp in frame.groupby(["zone", "status"], sort=False)]
    if zones is not None:
        rows += [_rates(TOTAL, s, grp) for s, grp in frame.groupby("status", sort=False)]
    table = pd.DataFrame(rows, columns=["zone", "status", "mines", *_RESTORATION, "rate_by_count", "area_ha",
                                        "restored_ha", "rate_by_area"])
    order_z = {z: i for i, z in enumerate([*(zones_p[zone_field].astype(str) if zones is not None else []), OUTSIDE, TOTAL])}
    order_s = {s: i for i, s in enumerate(MINE_STATUS.codes)}
    table = table.sort_values(["zone", "status"], key=lambda c: c.map(order_z if c.name == "zone" else order_s), kind="stable")
    if zones is None:
        table = table.drop(columns="zone")
    table = table.reset_index(drop=True)
    table.attrs["notes"] = notes
    table.attrs["area_method"] = area_method
    return table


def _rates(zone: str, status: str, grp: pd.DataFrame) -> dict[str, Any]:
    counts = {s: int((grp["state"] == s).sum()) for s in _RESTORATION}
    area = float(grp["area"].sum())
    restored_area = float(grp.loc[grp["state"] == "restored", "area"].sum())
    return {
        "zone": zone,
        "status": status,
        "mines": len(grp),
        **counts,
        "rate_by_count": counts["restored"] / len(grp),
        "area_ha": area / M2_PER_HA,
        "restored_ha": restored_area / M2_PER_HA,
        "rate_by_area": restored_area / area if area > 0 else float("nan"),
    }


def _zone_of(geoms: np.ndarray, zone_geoms: np.ndarray, zone_names: np.ndarray) -> np.ndarray:
    points = shapely.point_on_surface(geoms)
    tree = shapely.STRtree(zone_geoms)
    pi, zi = tree.query(points, predicate="intersects")
    order = np.lexsort((zi, pi))  # the tree returns zones in its own order: sort so "first" means the zones' order
    pi, zi = pi[order], zi[order]
    zone = np.full(len(geoms), OUTSIDE, dtype=object)
    zone[pi[::-1]] = zone_names[zi[::-1]]  # on a shared border: the first zone
    return zone
