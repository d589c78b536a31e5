"""Raster zonal statistics (分区统计): a raster's values summarised inside each zone.

A continuous raster (slope, NDVI, elevation) gives per zone the count, mean,
min, max and sum of its cells; a categorical one (land cover) gives the area
and share of each class per zone — e.g. the forest share behind 林木绿化率.

Every cell counts with the exact fraction of its area that lies inside the
zone, as exactextract does, so a zone smaller than a cell or thinner than a
cell is measured, not missed.  The fractions come from one pass over the
zone's outline: each edge is cut where it crosses a grid line, and each piece
adds the area between itself and the right edge of its cell; a running sum
along the row then gives every cell's covered area (the exact area integral
of the polygon, holes included).  The raster is read a block of neighbouring
zones at a time (bounded memory), in a second thread while the first one
computes.  The kernel lives in :mod:`ecozone.measure.cell_fractions`, the pass
over the raster in :mod:`ecozone.measure.zonal_blocks`, the raster's grid in
:mod:`ecozone.measure.raster_grid`.

Example
-------
>>> import tempfile, pathlib, numpy as np, rasterio, geopandas as gpd
>>> from rasterio.transform import Affine
>>> from shapely.geometry import box
>>> path = pathlib.Path(tempfile.mkdtemp()) / "slope.tif"
>>> profile = dict(driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:4549",
...                transform=Affine(10, 0, 500000, 0, -10, 4150040), nodata=-1)  # 10 m cells
>>> with rasterio.open(path, "w", **profile) as dst:
...     dst.write(np.arange(16, dtype="float32").reshape(4, 4), 1)
>>> zones = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(500000, 4150020, 500015, 4150040)], crs=4549)
>>> zonal(path, zones).round(4).to_dict("records")
[{'zone': '甲', 'zone_area_ha': 0.03, 'nodata_ha': 0.0, 'nodata_share': 0.0, 'count': 3.0, 'mean': 2.3333, 'min': 0.0, 'max': 5.0, 'sum': 7.0}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import crs as _crs
from ..errors import CRSError, SchemaError
from ..prepare import refuse_non_polygons
from ..units import M2_PER_HA
from ..validate import repair
from .raster_grid import RasterGrid, opened_raster
from .zonal_blocks import Measured, measure_zones

__all__ = ["zonal", "STATS"]

#: The statistics of a continuous raster, in their default order.
STATS = ("count", "mean", "min", "max", "sum")


def zonal(
    raster: Any,
    zones: gpd.GeoDataFrame,
    stats: str | Sequence[str] = STATS,
    categorical: bool = False,
    *,
    band: int = 1,
    zone_field: str | None = None,
) -> pd.DataFrame:
    """Statistics of a raster inside each zone, with exact partial-cell coverage (分区统计).

    Parameters
    ----------
    raster : path of a raster file (GeoTIFF …) or an open rasterio dataset
    zones : polygons (districts, bays …); reprojected to the raster's CRS
    stats : any of ``count``, ``mean``, ``min``, ``max``, ``sum`` (a list, or
        one comma-separated string); ignored when ``categorical``
    categorical : the raster holds class codes (land cover): report the area
        and share of each class instead of statistics of the values
    band : band number, from 1
    zone_field : column naming the zones; default ``name``, else ``id``, else
        the row index of ``zones``

    Returns
    -------
    DataFrame, one row per zone (continuous) with ``zone``, ``zone_area_ha``
    (the zone's area), ``nodata_ha`` and ``nodata_share`` (the part of the
    zone with no value: nodata or masked cells, or outside the raster) and
    the requested statistics:

    * ``count``: Σ coverage fraction of the valid cells (fractional: a zone of
      a quarter cell has count 0.25);
    * ``mean``: Σ value × w / Σ w with w = fraction × cell area;
    * ``min`` / ``max``: over valid cells with any part in the zone;
    * ``sum``: Σ value × fraction.

    With ``categorical=True``: one row per zone and class, ``zone``, ``class``,
    ``count`` (Σ fraction), ``area_ha``, ``share`` (of the zone's area with
    data: the shares of a zone add up to 1), ``zone_area_ha``, ``nodata_ha``,
    ``nodata_share``.  A zone without any valid cell has one row with an empty
    ``class``, so it does not vanish.

    ``table.attrs["notes"]`` says what was reprojected, repaired or missed.

    Raises
    ------
    InputError : the raster file is missing or unreadable
    CRSError : the raster or the zones have no CRS
    SchemaError : no such band, statistic or zone field
    GeometryError : zones that are not polygons

    Notes
    -----
    A cell has no data when it holds the band's nodata value or NaN, or is
    masked by a mask band or alpha band (exactextract 0.3 honours the nodata
    value only).  On a projected raster every cell has the area ``|a·e|`` of
    the transform, and count, mean, min, max and sum equal exactextract's.  On a geographic
    raster (EPSG:4326/4490), and on a Mercator one (which inflates areas by
    1/cos²φ), cell areas are geodesic (``pyproj.Geod``, one per row) and the
    zone's area is geodesic too; there ``mean`` weights cells by their
    covered area, where exactextract weights by coverage fraction only (its
    mean leans towards the poleward cells, whose area is smaller).
    """
    stat_list = _check_stats(stats) if not categorical else []
    notes: list[str] = []
    with opened_raster(raster) as ds:
        grid = RasterGrid.of(ds, band)
        ids = _zone_ids(zones, zone_field)
        geoms = _zone_geometries(zones, grid, notes)
        measured = measure_zones(grid, geoms, categorical, notes)
    zone_m2, nodata_m2 = measured.zone_m2, measured.nodata_m2
    share = np.divide(nodata_m2, zone_m2, out=np.full(len(zone_m2), np.nan), where=zone_m2 > 0)
    base = pd.DataFrame(
        {"zone": ids, "zone_area_ha": zone_m2 / M2_PER_HA, "nodata_ha": nodata_m2 / M2_PER_HA, "nodata_share": share}
    )
    table = _class_table(base, measured, grid) if categorical else _stats_table(base, measured, stat_list)
    table.attrs["notes"] = notes
    return table


# ------------------------------------------------------------------ inputs


def _check_stats(stats: str | Sequence[str]) -> list[str]:
    names = [s.strip() for s in stats.split(",")] if isinstance(stats, str) else [str(s).strip() for s in stats]
    names = [s for s in names if s]
    unknown = [s for s in names if s not in STATS]
    if unknown:
        raise SchemaError(f"zonal: unknown statistic '{unknown[0]}'; fix: choose from {', '.join(STATS)}")
    if not names:
        raise SchemaError(f"zonal: no statistic asked for; fix: choose from {', '.join(STATS)}")
    return list(dict.fromkeys(names))


def _zone_ids(zones: gpd.GeoDataFrame, zone_field: str | None) -> np.ndarray:
    """The zone names: ``zone_field``, else ``name``, else ``id``, else the index (values, never positions)."""
    if zone_field is None:
        zone_field = next((f for f in ("name", "id") if f in zones.columns), None)
        if zone_field is None:
            return zones.index.to_numpy()
    if zone_field not in zones.columns:
        have = ", ".join(str(c) for c in zones.columns if c != zones.geometry.name) or "none"
        source = zones.attrs.get("source", "zones")
        raise SchemaError(f"{source}: no field '{zone_field}' to name the zones (fields: {have}); fix: pass zone_field=NAME")
    return zones[zone_field].to_numpy()


def _zone_geometries(zones: gpd.GeoDataFrame, grid: RasterGrid, notes: list[str]) -> np.ndarray:
    """The zones' polygons in the raster's CRS, repaired; missing and empty ones as empty polygons."""
    source = zones.attrs.get("source", "zones")
    if zones.crs is None:
        raise CRSError(f"{source}: zones have no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)")
    geoms = np.asarray(zones.geometry.values, dtype=object)
    refuse_non_polygons(geoms, source, "zonal statistics need polygons",
                        "buffer lines or points first if their surroundings are meant")
    if not grid.crs.equals(zones.crs, ignore_axis_order=True):
        notes.append(f"zones reprojected from {_crs.short_label(zones.crs)} to {grid.label()} (the raster's CRS)")
        geoms = np.asarray(zones.to_crs(grid.crs).geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        notes.append(f"{int(empty.sum())} zone(s) without geometry: no cells, no statistics")
        geoms = geoms.copy()
        geoms[empty] = shapely.Polygon()
    invalid = ~shapely.is_valid(geoms) & ~empty
    if invalid.any():
        notes.append(f"{int(invalid.sum())} invalid zone polygon(s) repaired with make_valid")
        geoms = geoms.copy()
        geoms[invalid] = repair(geoms[invalid], "polygon")
    return geoms


# ------------------------------------------------------------------ tables


def _stats_table(base: pd.DataFrame, m: Measured, stats: list[str]) -> pd.DataFrame:
    columns = {
        "count": m.count,
        "mean": np.divide(m.wvsum, m.wsum, out=np.full(len(m.count), np.nan), where=m.wsum > 0),
        "min": m.min,  # NaN where no valid cell
        "max": m.max,
        "sum": m.sum,
    }
    return base.assign(**{s: columns[s] for s in stats})


def _class_table(base: pd.DataFrame, m: Measured, grid: RasterGrid) -> pd.DataFrame:
    pos, cls, count, area = [], [], [], []
    for i, found in enumerate(m.classes or []):
        if not found:
            pos.append(i)
            cls.append(None)
            count.append(0.0)
            area.append(0.0)
            continue
        for c in sorted(found):
            pos.append(i)
            cls.append(c)
            count.append(found[c][0])
            area.append(found[c][1])
    pos_a, area_a = np.asarray(pos, dtype=np.int64), np.asarray(area)
    valid = np.bincount(pos_a, area_a, minlength=len(base))[pos_a]
    dtype = "Int64" if grid.dtype.kind in "iub" else "Float64"
    table = base.iloc[pos_a].reset_index(drop=True)
    table.insert(1, "class", pd.array(cls, dtype=dtype))
    table.insert(2, "count", np.asarray(count))
    table.insert(3, "area_ha", area_a / M2_PER_HA)
    table.insert(4, "share", np.divide(area_a, valid, out=np.full(len(area_a), np.nan), where=valid > 0))
    return table
