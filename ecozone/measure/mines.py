"""Mines (历史遗留矿山, 绿色矿山): restoration rates and the 三区两线 visible range.

- :func:`mine_restoration`: restoration rate by count **and** by area (the
  plans publish both), per district and mine status (historic, production,
  closed), with untreated / in_progress / restored counts.  The rate counts
  restored mines only (治理完成); mines in progress are listed, not counted.
- :func:`mines_in_view`: mines within a set distance of main roads and
  railways, rivers and the coastline (两线, Shandong adds the coastline), and
  of nature reserves, scenic areas and residential areas (三区).  No national
  distance exists: the default of 1 km per class is a convention, a setting.
  With a DEM, a mine stays in view only with a line of sight from the nearest
  point of the line or area (observer height a setting).  The restoration rate
  of the mines in view is the plans' 可视范围内历史遗留矿山治理率.

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

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .. import crs as _crs
from ..errors import CRSError, InputError, SchemaError
from ..schema import MINE_RESTORATION, MINE_STATUS
from ..units import M2_PER_HA
from ..validate import coded_field
from .coverage import OUTSIDE, TOTAL, prepare_layers, projected

__all__ = ["DEFAULT_VIEW_DISTANCE_M", "mine_restoration", "mines_in_view", "atlas_mines_in_view", "line_of_sight"]

#: Distance (m) within which a mine counts as in the visible range, per class unless set: a convention.
DEFAULT_VIEW_DISTANCE_M = 1000.0

_RESTORATION = MINE_RESTORATION.codes  # untreated, in_progress, restored


def mine_restoration(
    mines: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    zone_field: str = "name",
) -> pd.DataFrame:
    """Restoration rate of mines by count and by area, per zone and status (矿山治理率).

    Parameters
    ----------
    mines : mine polygons (or points: counted, area 0) with ``status``
        (historic/历史遗留, production/生产, closed/关闭) and ``restoration``
        (untreated/未治理, in_progress/治理中, restored/已治理)
    zones : districts; a mine belongs to the zone holding its representative
        point (``outside`` when none does).  None: one row per status.

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
            raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass --zone-field NAME")
        zones_p, moved = prepare_layers(zones, {"mines": mines}, notes, polygons=False, zone_field=zone_field)
        gdf = moved["mines"]
        zone = _zone_of(gdf.geometry.values, zones_p.geometry.values, zones_p[zone_field].astype(str).to_numpy())
        if len(gdf) < len(mines):  # empty geometries were dropped: keep codes aligned
            keep = mines.index.isin(gdf.index)
            status, state = status[keep], state[keep]
    else:
        gdf = projected(mines, "mines", notes)
        zone = np.full(len(gdf), TOTAL, dtype=object)
    area = shapely.area(gdf.geometry.values)
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


def mines_in_view(
    mines: gpd.GeoDataFrame,
    lines: Mapping[str, gpd.GeoDataFrame] | None = None,
    areas: Mapping[str, gpd.GeoDataFrame] | None = None,
    distance: float | Mapping[str, float] = DEFAULT_VIEW_DISTANCE_M,
    *,
    dem: Any = None,
    observer_m: float = 1.7,
    target_m: float = 0.0,
    id_field: str = "id",
    name_field: str = "name",
) -> gpd.GeoDataFrame:
    """Mines in the 三区两线 visible range (三区两线可视范围内的矿山).

    Parameters
    ----------
    mines : mine polygons or points (status and restoration fields are kept)
    lines : ``{class: layer}`` of lines seen from: main roads and railways,
        rivers, the coastline, e.g. ``{"expressway": …, "railway": …, "river": …}``
    areas : ``{class: layer}`` of areas: nature reserves, scenic areas,
        residential areas (a mine inside one is at distance 0)
    distance : metres, one for every class or ``{class: metres}`` (classes not
        named keep :data:`DEFAULT_VIEW_DISTANCE_M`); a mine exactly at the
        distance is in range
    dem : a DEM (path or open rasterio dataset, any CRS): keep only mines with
        a line of sight from the nearest point of a class in range
    observer_m : observer's eye height above the ground at that point
    target_m : height above the ground of the point of the mine looked at

    Returns
    -------
    GeoDataFrame of every mine (measurement CRS) with ``in_range`` (within the
    distance of some class), ``classes`` in range (``;``-separated),
    ``nearest_class``, ``nearest_name``, ``distance_m`` (to the nearest feature
    of any class), ``line_of_sight`` (True/False; missing without a DEM or out
    of range) and ``in_view`` (in range, and seen when a DEM is given).
    ``attrs["notes"]`` says what was reprojected, and which DEM was used.
    """
    classes = {**(lines or {}), **(areas or {})}
    if not classes:
        raise SchemaError("mines_in_view: no lines or areas given; fix: give main roads, rivers, coastline or reserves")
    overlap = set(lines or {}) & set(areas or {})
    if overlap:
        raise SchemaError(f"mines_in_view: class {sorted(overlap)[0]!r} given as both a line and an area; fix: rename one")
    limits = _limits(distance, classes)
    notes: list[str] = []
    mines_p, moved = prepare_layers(mines, classes, notes, polygons=False, zones_polygons=False, zones_name="mines")
    geoms = mines_p.geometry.values
    n = len(mines_p)
    best_d = np.full(n, np.inf)
    best_cls = np.full(n, None, dtype=object)
    best_name = np.full(n, None, dtype=object)
    in_range_classes: list[list[str]] = [[] for _ in range(n)]
    candidates: list[tuple[int, str, shapely.Geometry]] = []  # (mine, class, nearest feature geometry) in range
    for cls, layer in moved.items():
        lgeoms = layer.geometry.values
        if not len(lgeoms):
            continue
        tree = shapely.STRtree(lgeoms)
        mi, fi = tree.query_nearest(geoms, return_distance=False, all_matches=False)
        d = shapely.distance(geoms[mi], lgeoms[fi])
        names = layer[name_field].tolist() if name_field in layer.columns else [None] * len(layer)
        for m, f, dist in zip(mi, fi, d):
            if dist < best_d[m]:
                best_d[m], best_cls[m], best_name[m] = dist, cls, names[f]
            if dist <= limits[cls] + 1e-6:  # a mine exactly at the distance is in range
                in_range_classes[m].append(cls)
                candidates.append((int(m), cls, lgeoms[f]))
    in_range = np.array([bool(c) for c in in_range_classes])
    sight = pd.array([pd.NA] * n, dtype="boolean")
    if dem is not None:
        seen = np.zeros(n, dtype=bool)
        checked = np.zeros(n, dtype=bool)
        pairs = [(m, g) for m, _, g in candidates]
        if pairs:
            ends = shapely.shortest_line(np.array([geoms[m] for m, _ in pairs]), np.array([g for _, g in pairs]))
            ok = line_of_sight(ends, dem, mines_p.crs, observer_m=observer_m, target_m=target_m, notes=notes)
            for (m, _), v in zip(pairs, ok):
                checked[m] = True
                seen[m] |= bool(v)
        sight[checked] = seen[checked]
        in_view = in_range & seen
    else:
        in_view = in_range
    out = mines_p.drop(columns=[c for c in mines_p.columns if c.startswith("_")]).copy()
    out["in_range"] = in_range
    out["classes"] = [";".join(c) for c in in_range_classes]
    out["nearest_class"] = best_cls
    out["nearest_name"] = best_name
    out["distance_m"] = np.where(np.isfinite(best_d), best_d, np.nan)
    out["line_of_sight"] = sight
    out["in_view"] = in_view
    out.attrs["notes"] = notes
    out.attrs["distance_m"] = limits
    return out


def atlas_mines_in_view(
    atlas,
    distance: float | Mapping[str, float] = DEFAULT_VIEW_DISTANCE_M,
    *,
    dem: bool | str = True,
    observer_m: float = 1.7,
) -> gpd.GeoDataFrame:
    """:func:`mines_in_view` on an atlas's layers: its transport lines by class (expressway,
    national_road, railway), rivers, mainland coastline, and sensitive areas by class
    (nature_reserve, scenic_area, residential); with ``dem=True`` its first DEM, if any
    (or the named one)."""
    from ..schema import SENSITIVE_AREA_CLASSES, TRANSPORT_CLASSES

    def by_class(kind: str, codes: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
        layer = atlas.of_kind(kind) if atlas.names(kind) else None
        return {c: layer[layer["class"] == c] for c in codes if layer is not None and (layer["class"] == c).any()}

    lines = by_class("transport", TRANSPORT_CLASSES.codes)
    if atlas.names("river"):
        lines["river"] = atlas.of_kind("river")
    if atlas.names("coastline"):
        coast = atlas.of_kind("coastline")
        lines["coastline"] = coast[~coast["island"].fillna(False).astype(bool)] if "island" in coast.columns else coast
    areas = by_class("sensitive_area", SENSITIVE_AREA_CLASSES.codes)
    mines = pd.concat([atlas[n] for n in atlas.names("mine")]) if atlas.names("mine") else None
    if mines is None:
        raise SchemaError(f"atlas {atlas.name!r} has no mine layer; fix: add one (kind = \"mine\")")
    if isinstance(distance, Mapping):
        distance = {k: v for k, v in distance.items() if k in lines or k in areas}
    dem_path = None
    if dem:
        names = atlas.raster_names("dem")
        dem_path = atlas.rasters[dem].path if isinstance(dem, str) else (atlas.rasters[names[0]].path if names else None)
    return mines_in_view(gpd.GeoDataFrame(mines, crs=atlas.crs), lines, areas, distance, dem=dem_path, observer_m=observer_m)


def _limits(distance: float | Mapping[str, float], classes: Mapping[str, Any]) -> dict[str, float]:
    if isinstance(distance, Mapping):
        unknown = set(distance) - set(classes)
        if unknown:
            raise SchemaError(f"mines_in_view: distance for {sorted(unknown)[0]!r}, which is not a class given; "
                              f"fix: use one of {', '.join(classes)}")
        limits = {c: float(distance.get(c, DEFAULT_VIEW_DISTANCE_M)) for c in classes}
    else:
        limits = {c: float(distance) for c in classes}
    for c, v in limits.items():
        if not v >= 0:
            raise SchemaError(f"mines_in_view: distance for {c} is {v}; fix: give metres ≥ 0")
    return limits


def line_of_sight(
    segments: Any,
    dem: Any,
    crs: Any,
    *,
    observer_m: float = 1.7,
    target_m: float = 0.0,
    refraction: float = 0.13,
    notes: list[str] | None = None,
) -> np.ndarray:
    """For each two-point line (target → observer), whether the terrain leaves the view open (通视).

    The observer stands ``observer_m`` above the ground at the line's last
    point and looks at the point ``target_m`` above the ground at its first.
    The DEM is sampled along the line every half cell (nearest cell); the view
    is blocked when the terrain between rises above the sight line, the
    Earth's curvature and standard refraction (k = 0.13) included.  DEM
    nodata never blocks.  ``crs`` is the segments' CRS; a DEM in another CRS is
    sampled at the transformed points (noted).
    """
    segments = np.asarray(segments, dtype=object)
    if not len(segments):
        return np.zeros(0, dtype=bool)
    ds, close = _open(dem)
    try:
        if ds.crs is None:
            raise CRSError(f"{ds.name}: DEM has no CRS; fix: assign one (gdal_edit.py -a_srs EPSG:4549 {ds.name})")
        to_dem = None
        dem_crs = CRS.from_user_input(ds.crs.to_wkt())
        if not dem_crs.equals(CRS.from_user_input(crs)):
            to_dem = Transformer.from_crs(crs, dem_crs, always_xy=True)
            if notes is not None:
                notes.append(f"DEM {ds.name} is in {_crs.short_label(dem_crs)}: sight lines reprojected to it for sampling")
        step = _step_m(ds, crs)
        coords = [shapely.get_coordinates(s) for s in segments]
        lengths = np.array([np.hypot(*(c[-1] - c[0])) for c in coords])
        counts = np.maximum(np.ceil(lengths / step).astype(int), 1) + 1
        t = np.concatenate([np.linspace(0.0, 1.0, k) for k in counts])
        owner = np.repeat(np.arange(len(segments)), counts)
        start = np.array([c[0] for c in coords])[owner]
        end = np.array([c[-1] for c in coords])[owner]
        xy = start + (end - start) * t[:, None]
        sx, sy = (to_dem.transform(xy[:, 0], xy[:, 1]) if to_dem else (xy[:, 0], xy[:, 1]))
        z = _sample(ds, np.asarray(sx), np.asarray(sy))
    finally:
        if close:
            ds.close()
    result = np.ones(len(segments), dtype=bool)
    bounds = np.r_[0, np.cumsum(counts)]
    blind = np.add.reduceat(np.isnan(z), bounds[:-1]) > 0
    if blind.any() and notes is not None:
        notes.append(f"{int(blind.sum())} sight line(s) leave the DEM or cross nodata: those parts never block the view")
    earth = 6_371_000.0
    for i in range(len(segments)):
        zs = z[bounds[i]:bounds[i + 1]]
        if len(zs) < 3 or np.isnan(zs[0]) or np.isnan(zs[-1]):
            continue
        ts = t[bounds[i]:bounds[i + 1]]
        d = ts * lengths[i]  # distance from the target; the observer is at lengths[i]
        dist_obs = lengths[i] - d
        # drop of the ground below the observer's horizontal plane, curvature with refraction
        drop = dist_obs**2 * (1.0 - refraction) / (2.0 * earth)
        eye = zs[-1] + observer_m
        aim = zs[0] + target_m - drop[0]
        sight_line = aim + (eye - aim) * ts
        inner = slice(1, len(zs) - 1)
        ground = zs[inner] - drop[inner]
        result[i] = not np.any(ground[~np.isnan(ground)] > sight_line[inner][~np.isnan(ground)] + 1e-6)
    return result


def _open(dem):
    import rasterio

    if hasattr(dem, "read") and hasattr(dem, "transform"):
        return dem, False
    try:
        return rasterio.open(dem), True
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{dem}: cannot open the DEM ({str(err).splitlines()[0]}); fix: give a GeoTIFF or another GDAL raster") from None


def _step_m(ds, crs) -> float:
    """Half a DEM cell in the segments' units (metres)."""
    res = min(abs(ds.transform.a), abs(ds.transform.e))
    if ds.crs.is_geographic:  # degrees: the shorter side of a cell at the DEM's mid-latitude
        lat = (ds.bounds.bottom + ds.bounds.top) / 2.0
        res *= 111_320.0 * max(np.cos(np.radians(lat)), 0.01)
    return max(res / 2.0, 1.0)


def _sample(ds, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nearest-cell values at points (NaN outside the DEM and at nodata), reading only the window needed."""
    from rasterio.windows import Window

    rows, cols = _index(ds, x, y)
    inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
    z = np.full(len(x), np.nan)
    if not inside.any():
        return z
    r0, r1 = int(rows[inside].min()), int(rows[inside].max()) + 1
    c0, c1 = int(cols[inside].min()), int(cols[inside].max()) + 1
    block = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
    values = block.astype(float).filled(np.nan)
    z[inside] = values[rows[inside] - r0, cols[inside] - c0]
    return z


def _index(ds, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the cell holding each point (may be outside the raster)."""
    inv = ~ds.transform
    col = inv.a * x + inv.b * y + inv.c
    row = inv.d * x + inv.e * y + inv.f
    return np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
