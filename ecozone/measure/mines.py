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
  view is the plans' 可视范围内历史遗留矿山治理率.

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

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .. import crs as _crs
from ..errors import CRSError, InputError, SchemaError
from ..geometry import is_polygonal
from ..schema import MINE_RESTORATION, MINE_STATUS
from ..units import M2_PER_HA
from ..validate import coded_field
from ..prepare import OUTSIDE, TOTAL, prepare_layers, projected

__all__ = ["DEFAULT_VIEW_DISTANCE_M", "DEFAULT_CURVATURE_COEFF", "mine_restoration", "mines_in_view", "atlas_mines_in_view",
           "line_of_sight"]

#: Distance (m) within which a mine counts as in the visible range, per class unless set: a convention.
DEFAULT_VIEW_DISTANCE_M = 1000.0
#: Earth curvature and refraction coefficient of the line of sight, as ``gdal_viewshed -cc``: heights drop by
#: ``coeff · d² / (2a)`` at a distance d from the observer; 0.85714 = 1 - 1/7 (standard refraction).
DEFAULT_CURVATURE_COEFF = 0.85714

_MAX_VERTICES = 64  # vertices of one mine looked at (evenly spread beyond)
_MAX_CELLS = 256  # DEM cells of one mine looked at (evenly spread beyond)
_WINDOW_CELLS = 4_000_000  # largest DEM window read at once for a batch of sight lines
_SAMPLES_PER_BATCH = 1_000_000  # DEM samples of the sight lines checked at once
_MAX_SAMPLES_PER_MINE = 30_000_000  # beyond, every few observer points of a mine are tried (noted)
_MAX_AREA_OBSERVERS = 2_000  # the grid inside areas is no finer than this many points within the distance of a mine

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
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    observer_spacing_m: float | None = None,
    id_field: str = "id",
    name_field: str = "name",
) -> gpd.GeoDataFrame:
    """Mines in the 三区两线 visible range (三区两线可视范围内的矿山).

    A mine is in range within the distance of a class; with a DEM it is in view
    when **some** observer point of a class within that class's distance of the
    mine sees **some** point of the mine (as a union of viewsheds from along
    the road would say).  Observer points: every ``observer_spacing_m`` along
    the lines, over the areas (their outline and a grid inside), and the point
    of each class nearest the mine.  Points of the mine: its vertices and the
    DEM cell centres inside it (its centroid when it holds none; a large mine
    is thinned to 256 cells and 64 vertices, evenly).  Each sight line runs
    from ``observer_m`` above the ground to ``target_m`` above it; the DEM is
    interpolated bilinearly where the line crosses the rows and columns of
    cell centres, and the observer's and the target's own cells never block.
    Heights drop by ``curvature_coeff · d² / (2a)`` with the distance d from
    the observer (a: the DEM ellipsoid's semi-major axis), as ``gdal_viewshed
    -cc`` does; 0.85714 is the Earth's curvature less standard refraction.
    Nearest observer points are tried first; the first clear sight line decides.

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
    dem : a DEM (path or open rasterio dataset, any CRS): keep only mines seen
        from some observer point within the distance
    observer_m : observer's eye height above the ground (m)
    target_m : height above the ground of the points of the mine looked at (m)
    curvature_coeff : Earth curvature and refraction coefficient, as
        ``gdal_viewshed -cc`` (default 0.85714; 0 leaves the Earth flat)
    observer_spacing_m : spacing of the observer points along the lines and
        over the areas (m); default one DEM cell

    Returns
    -------
    GeoDataFrame of every mine (measurement CRS) with ``in_range`` (within the
    distance of some class), ``classes`` in range (``;``-separated),
    ``nearest_class``, ``nearest_name``, ``distance_m`` (to the nearest feature
    of any class), ``line_of_sight`` (a clear sight line between the nearest
    points of the mine and of a class in range; missing without a DEM or out
    of range), ``seen_from`` (the class of the nearest observer point that sees
    the mine; without a DEM the nearest class in range), ``seen_at_m`` (that
    observer point's distance to the mine), ``in_view`` (in range, and seen
    when a DEM is given) and ``view_checked`` (with a DEM, for mines in range:
    False when no sight line could be sampled on the DEM — the mine or every
    observer point off it or on nodata — so the mine counts as seen by the rule
    that nodata never blocks, and ``line_of_sight`` is missing; else True).  ``attrs["notes"]`` says what was reprojected, the
    sight-line method and its parameters.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, box
    >>> road = gpd.GeoDataFrame({"name": ["G18"]}, geometry=[LineString([(0, 0), (2000, 0)])], crs=4549)
    >>> mines = gpd.GeoDataFrame({"id": ["M1", "M2"]}, geometry=[box(500, 300, 600, 400), box(500, 1500, 600, 1600)], crs=4549)
    >>> out = mines_in_view(mines, {"expressway": road})
    >>> out["in_view"].tolist(), out["seen_from"][0], out["seen_at_m"].tolist()[0]
    ([True, False], 'expressway', 300.0)
    """
    classes = {**(lines or {}), **(areas or {})}
    if not classes:
        raise SchemaError("mines_in_view: no lines or areas given; fix: give main roads, rivers, coastline or reserves")
    overlap = set(lines or {}) & set(areas or {})
    if overlap:
        raise SchemaError(f"mines_in_view: class {sorted(overlap)[0]!r} given as both a line and an area; fix: rename one")
    limits = _limits(distance, classes)
    _check_sight(observer_m=observer_m, target_m=target_m, curvature_coeff=curvature_coeff)
    if observer_spacing_m is not None and not (np.isfinite(observer_spacing_m) and observer_spacing_m > 0):
        raise SchemaError(f"mines_in_view: observer_spacing_m is {observer_spacing_m}; fix: give metres > 0")
    notes: list[str] = []
    mines_p, moved = prepare_layers(mines, classes, notes, polygons=False, zones_polygons=False, zones_name="mines")
    geoms = mines_p.geometry.values
    n = len(mines_p)
    best_d = np.full(n, np.inf)
    best_cls = np.full(n, None, dtype=object)
    best_name = np.full(n, None, dtype=object)
    in_range_classes: list[list[str]] = [[] for _ in range(n)]
    near_d: list[list[float]] = [[] for _ in range(n)]  # distance of each class in range, as in_range_classes
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
                near_d[m].append(float(dist))
                candidates.append((int(m), cls, lgeoms[f]))
    in_range = np.array([bool(c) for c in in_range_classes], dtype=bool)
    sight = pd.array([pd.NA] * n, dtype="boolean")
    checked = pd.array([pd.NA] * n, dtype="boolean")
    seen_from = np.full(n, None, dtype=object)
    seen_at = np.full(n, np.nan)
    if dem is not None:
        terrain = _Terrain(dem, mines_p.crs, notes)
        try:
            spacing = float(observer_spacing_m) if observer_spacing_m is not None else terrain.cell_m
            if spacing < terrain.cell_m / 100:  # finer says nothing more of the DEM, and the work has no bound
                raise SchemaError(f"mines_in_view: observer_spacing_m is {spacing:g} m, under a hundredth of the DEM's "
                                  f"{terrain.cell_m:g} m cells; fix: give at least {terrain.cell_m / 100:g} m (default: "
                                  "one cell)")
            sight, seen, seen_from, seen_at, checked = _views(geoms, moved, areas or {}, limits, in_range_classes, candidates,
                                                     terrain, spacing, observer_m, target_m, curvature_coeff, notes)
        finally:
            terrain.close()
        in_view = in_range & seen
    else:
        in_view = in_range
        for m in np.flatnonzero(in_range):
            k = int(np.argmin(near_d[m]))
            seen_from[m], seen_at[m] = in_range_classes[m][k], near_d[m][k]
    out = mines_p.drop(columns=[c for c in mines_p.columns if c.startswith("_")]).copy()
    out["in_range"] = in_range
    out["classes"] = [";".join(c) for c in in_range_classes]
    out["nearest_class"] = best_cls
    out["nearest_name"] = best_name
    out["distance_m"] = np.where(np.isfinite(best_d), best_d, np.nan)
    out["line_of_sight"] = sight
    out["seen_from"] = np.where(in_view, seen_from, None)
    out["seen_at_m"] = np.where(in_view, seen_at, np.nan)
    out["in_view"] = in_view
    out["view_checked"] = checked
    out.attrs["notes"] = notes
    out.attrs["distance_m"] = limits
    return out


def _views(geoms, layers, areas, limits, in_range_classes, candidates, terrain, spacing, observer_m, target_m, cc, notes):
    """Sight lines of the mines in range: (line_of_sight, seen, seen_from, seen_at_m) per mine."""
    n = len(geoms)
    sight = pd.array([pd.NA] * n, dtype="boolean")
    seen = np.zeros(n, dtype=bool)
    seen_from = np.full(n, None, dtype=object)
    seen_at = np.full(n, np.nan)
    on_dem = pd.array([pd.NA] * n, dtype="boolean")  # view_checked: some sight line sampled on the DEM
    params = dict(observer_m=observer_m, target_m=target_m, cc=cc)
    # the nearest pair of each class in range: the line_of_sight column, and the first sight lines tried
    near_m = np.array([m for m, _, _ in candidates], dtype=np.int64)
    near_cls = np.array([c for _, c, _ in candidates], dtype=object)
    if len(candidates):
        ends = shapely.get_coordinates(shapely.shortest_line(geoms[near_m], np.array([g for _, _, g in candidates])))
        near_t, near_o = ends[0::2], ends[1::2]  # mine side, feature side
        near_dist = np.hypot(*(near_o - near_t).T)
        clear, known = terrain.sight_lines(near_o, near_t, **params)
        ok = clear | ~known  # nodata never blocks
        for m in np.unique(near_m):
            mine = near_m == m
            if known[mine].any():  # else no sight line was sampled on the DEM: not known (NA), never "clear"
                sight[m] = bool(ok[mine & known].any())
    # observer points of each class within its distance of the mines in range
    obs: list[list[np.ndarray]] = [[] for _ in range(n)]  # per mine: rows (x, y, class index, distance)
    names = list(layers)
    for ci, cls in enumerate(names):
        targets = np.array([m for m in range(n) if cls in in_range_classes[m]], dtype=np.int64)
        if not len(targets):
            continue
        pts = _observer_points(layers[cls].geometry.values, cls in areas, geoms[targets], limits[cls], spacing)
        if not len(pts):
            continue
        pgeoms = shapely.points(pts)
        ti, pi = shapely.STRtree(pgeoms).query(geoms[targets], predicate="dwithin", distance=limits[cls] + 1e-6)
        dist = shapely.distance(geoms[targets[ti]], pgeoms[pi])
        order = np.argsort(targets[ti], kind="stable")
        ti, pi, dist = ti[order], pi[order], dist[order]
        for m, rows in _groups(targets[ti]):
            obs[m].append(np.column_stack([pts[pi[rows]], np.full(len(rows), ci), dist[rows]]))
    unknown = thinned = sparse = 0
    near_seen = clear & known if len(candidates) else np.zeros(0, dtype=bool)
    for m in np.flatnonzero([bool(c) for c in in_range_classes]):
        mine_near = np.flatnonzero(near_m == m)
        any_known = bool(known[mine_near].any()) if len(candidates) else False
        best: tuple[float, str] | None = None  # (distance, class) of the nearest observer point that sees the mine
        if near_seen[mine_near].any():
            k = mine_near[near_seen[mine_near]][np.argmin(near_dist[mine_near][near_seen[mine_near]])]
            best = (float(near_dist[k]), str(near_cls[k]))
        o = np.concatenate(obs[m]) if obs[m] else np.zeros((0, 4))
        o = o[np.argsort(o[:, 3], kind="stable")]  # nearest observer points first
        if best is not None:
            o = o[o[:, 3] < best[0]]  # only a nearer observer point can change the answer
        if len(o):
            points = _mine_points(geoms[m], terrain)
            thinned += points.thinned
            hit, checked, step = terrain.first_clear(o[:, :2], points.xy, **params)
            any_known |= checked
            sparse += step > 1
            if hit is not None:
                best = (float(o[hit, 3]), names[int(o[hit, 2])])
        on_dem[m] = any_known
        if best is not None:
            seen[m], (seen_at[m], seen_from[m]) = True, best
        elif not any_known:  # no sight line on the DEM: nodata never blocks
            unknown += 1
            seen[m] = True
            k = mine_near[np.argmin(near_dist[mine_near])]
            seen_from[m], seen_at[m] = near_cls[k], float(near_dist[k])
    a = terrain.semi_major
    notes.append(
        f"line of sight on {terrain.label}: from observer points every {spacing:g} m along the lines and over the areas "
        f"within the distance of each mine (and the nearest point of each class) to the mine's vertices and the DEM "
        f"cell centres inside it (its centroid when smaller than a cell); heights interpolated bilinearly, the "
        f"observer's and the target's own cells never block; observer {observer_m:g} m, target {target_m:g} m above "
        f"the ground; Earth curvature and refraction: heights lowered by {cc:g}·d²/{2 * a:.0f} m (gdal_viewshed -cc "
        f"{cc:g}); a mine is in view when one sight line from within the distance is clear")
    if thinned:
        notes.append(f"{thinned} large mine(s): sight lines to {_MAX_CELLS} of their DEM cells and {_MAX_VERTICES} "
                     f"of their vertices, evenly spread")
    if sparse:
        notes.append(f"{sparse} mine(s) with very many observer points within the distance: every few of them tried, "
                     f"nearest first, to keep the work under {_MAX_SAMPLES_PER_MINE:,} DEM samples a mine")
    if unknown:
        notes.append(f"{unknown} mine(s) have no sight line on the DEM (outside it or on nodata): counted as seen, as "
                     f"nodata never blocks the view")
    return sight, seen, seen_from, seen_at, on_dem


def _groups(keys: np.ndarray):
    """(key, positions) for each run of equal keys in a sorted array."""
    if not len(keys):
        return
    cuts = np.flatnonzero(np.diff(keys)) + 1
    for rows in np.split(np.arange(len(keys)), cuts):
        yield int(keys[rows[0]]), rows


def _observer_points(geoms: np.ndarray, area: bool, mines: np.ndarray, limit: float, spacing: float) -> np.ndarray:
    """Observer points of a class near the mines: vertices every ``spacing`` along the lines (area outlines),
    and for areas a grid of that spacing (coarser for a long distance, see _MAX_AREA_OBSERVERS) inside the
    parts within ``limit`` of the mines."""
    near = np.unique(shapely.STRtree(geoms).query(mines, predicate="dwithin", distance=limit + 1e-6)[1])
    if not len(near):
        return np.zeros((0, 2))
    geoms = geoms[near]
    outline = shapely.boundary(geoms) if area else geoms
    parts = [shapely.get_coordinates(shapely.segmentize(outline, spacing))]
    if area:
        # a grid at whole multiples of the step inside the part of the areas within the distance of each mine
        # (the same points for neighbouring mines); no finer than _MAX_AREA_OBSERVERS points a mine
        step = max(spacing, limit * np.sqrt(np.pi / _MAX_AREA_OBSERVERS))
        polys = shapely.union_all(geoms[is_polygonal(geoms)])
        pieces = shapely.intersection(polys, shapely.buffer(mines, limit))
        for piece in pieces[~shapely.is_empty(pieces)]:
            x0, y0, x1, y1 = shapely.bounds(piece)
            gx, gy = np.meshgrid(np.arange(np.floor(x0 / step), np.ceil(x1 / step) + 1) * step,
                                 np.arange(np.floor(y0 / step), np.ceil(y1 / step) + 1) * step)
            gx, gy = gx.ravel(), gy.ravel()
            inside = shapely.contains_xy(piece, gx, gy)
            parts.append(np.column_stack([gx[inside], gy[inside]]))
    pts = np.concatenate(parts)
    return np.unique(pts[np.isfinite(pts).all(axis=1)], axis=0)


class _MinePoints:
    def __init__(self, xy: np.ndarray, thinned: bool):
        self.xy, self.thinned = xy, thinned


def _mine_points(geom, terrain: _Terrain) -> _MinePoints:
    """The points of a mine looked at: its vertices and the DEM cell centres inside it (its centroid when none)."""
    verts = np.unique(shapely.get_coordinates(geom), axis=0)
    thinned = len(verts) > _MAX_VERTICES
    if thinned:
        verts = verts[np.linspace(0, len(verts) - 1, _MAX_VERTICES).round().astype(int)]
    cells = np.zeros((0, 2))
    if is_polygonal(geom):
        cells = terrain.cell_centres_in(geom)
        if len(cells) > _MAX_CELLS:
            thinned = True
            cells = cells[np.linspace(0, len(cells) - 1, _MAX_CELLS).round().astype(int)]
    if not len(cells):
        cells = shapely.get_coordinates(shapely.centroid(geom))
    return _MinePoints(np.concatenate([cells, verts]), thinned)


def atlas_mines_in_view(
    atlas,
    distance: float | Mapping[str, float] = DEFAULT_VIEW_DISTANCE_M,
    *,
    dem: bool | str = True,
    observer_m: float = 1.7,
    target_m: float = 0.0,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    observer_spacing_m: float | None = None,
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
    return mines_in_view(gpd.GeoDataFrame(mines, crs=atlas.crs), lines, areas, distance, dem=dem_path, observer_m=observer_m,
                         target_m=target_m, curvature_coeff=curvature_coeff, observer_spacing_m=observer_spacing_m)


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


def _check_sight(**values: float) -> None:
    for name, v in values.items():
        if not (np.isfinite(v) and v >= 0):
            raise SchemaError(f"line of sight: {name} is {v}; fix: give a number ≥ 0")


_UNSET: Any = object()


def line_of_sight(
    segments: Any,
    dem: Any,
    crs: Any,
    *,
    observer_m: float = 1.7,
    target_m: float = 0.0,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    refraction: Any = _UNSET,
    notes: list[str] | None = None,
) -> np.ndarray:
    """For each two-point line (target → observer), whether the terrain leaves the view open (通视).

    The observer stands ``observer_m`` above the ground at the line's last
    point and looks at the point ``target_m`` above the ground at its first.
    The DEM is interpolated bilinearly where the line crosses the rows and
    columns of cell centres; the view is blocked when the terrain between rises
    above the sight line, except in the observer's and the target's own cells.
    Heights drop by ``curvature_coeff · d² / (2a)`` with the distance d from
    the observer (a: the semi-major axis of the DEM's ellipsoid), as
    ``gdal_viewshed -cc`` (0.85714: curvature less standard refraction).  DEM
    nodata never blocks, and a line with an end off the DEM is open.  ``crs`` is
    the segments' CRS; a DEM in another CRS is sampled at the transformed
    points (noted).  ``refraction=k`` (deprecated) means ``curvature_coeff=1 - k``.
    """
    if refraction is not _UNSET and refraction is not None:
        warnings.warn("line_of_sight(refraction=k) is deprecated: pass curvature_coeff=1 - k (gdal_viewshed -cc; "
                      "default 0.85714)", DeprecationWarning, stacklevel=2)
        curvature_coeff = 1.0 - float(refraction)
    _check_sight(observer_m=observer_m, target_m=target_m, curvature_coeff=curvature_coeff)
    segments = np.asarray(segments, dtype=object)
    if not len(segments):
        return np.zeros(0, dtype=bool)
    coords = [shapely.get_coordinates(s) for s in segments]
    targets = np.array([c[0] for c in coords])
    observers = np.array([c[-1] for c in coords])
    terrain = _Terrain(dem, crs, notes)
    try:
        clear, known = terrain.sight_lines(observers, targets, observer_m=observer_m, target_m=target_m, cc=curvature_coeff)
    finally:
        terrain.close()
    if (~known).any() and notes is not None:
        notes.append(f"{int((~known).sum())} sight line(s) have an end off the DEM or on nodata: counted as open")
    return clear | ~known


def _open(dem):
    import rasterio

    if hasattr(dem, "read") and hasattr(dem, "transform"):
        return dem, False
    try:
        return rasterio.open(dem), True
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{dem}: cannot open the DEM ({str(err).splitlines()[0]}); fix: give a GeoTIFF or another GDAL raster") from None


class _Terrain:
    """A DEM opened for sight lines drawn in another (measurement) CRS.

    Points are carried to the DEM's pixel space (column, row; cell centres at
    ``+0.5``); sight lines are sampled where they cross the lines of cell centres,
    read a window of the DEM at a time."""

    def __init__(self, dem, crs, notes: list[str] | None):
        self.ds, self._close = _open(dem)
        ds = self.ds
        try:
            if ds.crs is None:
                raise CRSError(f"{ds.name}: DEM has no CRS; fix: assign one (gdal_edit.py -a_srs EPSG:4549 {ds.name})")
            dem_crs = CRS.from_user_input(ds.crs.to_wkt())
            self.to_dem = self.from_dem = None
            if not dem_crs.equals(CRS.from_user_input(crs)):
                self.to_dem = Transformer.from_crs(crs, dem_crs, always_xy=True)
                self.from_dem = Transformer.from_crs(dem_crs, crs, always_xy=True)
                if notes is not None:
                    notes.append(f"DEM {ds.name} is in {_crs.short_label(dem_crs)}: sight lines reprojected to it for sampling")
        except Exception:
            self.close()
            raise
        ellipsoid = dem_crs.ellipsoid
        self.semi_major = float(ellipsoid.semi_major_metre) if ellipsoid is not None else 6_378_137.0
        self.cell_m = _cell_m(ds)
        self.label = Path(str(ds.name)).name
        self.inv = ~ds.transform

    def close(self) -> None:
        if self._close:
            self.ds.close()

    def pixels(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Column and row (continuous) of points in the measurement CRS."""
        x, y = xy[:, 0], xy[:, 1]
        if self.to_dem is not None:
            x, y = (np.asarray(a) for a in self.to_dem.transform(x, y))
        inv = self.inv
        return inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f

    def grid(self, u: np.ndarray, v: np.ndarray) -> _Grid:
        """The DEM window holding every cell needed to interpolate at pixel positions u, v."""
        from rasterio.windows import Window

        h, w = self.ds.height, self.ds.width
        ok = np.isfinite(u) & np.isfinite(v)
        if not ok.any():
            return _Grid(np.zeros((0, 0)), 0, 0, h, w)
        c0 = int(np.clip(np.floor(u[ok].min()) - 1, 0, w))
        c1 = int(np.clip(np.floor(u[ok].max()) + 2, 0, w))
        r0 = int(np.clip(np.floor(v[ok].min()) - 1, 0, h))
        r1 = int(np.clip(np.floor(v[ok].max()) + 2, 0, h))
        if c1 <= c0 or r1 <= r0:
            return _Grid(np.zeros((0, 0)), r0, c0, h, w)
        block = self.ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
        return _Grid(block.astype(float).filled(np.nan), r0, c0, h, w)

    def cell_centres_in(self, geom) -> np.ndarray:
        """Centres of the DEM cells whose centre lies inside a polygon, in the measurement CRS."""
        g = shapely.transform(geom, lambda c: np.column_stack(self.to_dem.transform(c[:, 0], c[:, 1]))) \
            if self.to_dem is not None else geom
        x0, y0, x1, y1 = shapely.bounds(g)
        inv = self.inv
        corners = np.array([(x0, y0), (x0, y1), (x1, y0), (x1, y1)])
        u = inv.a * corners[:, 0] + inv.b * corners[:, 1] + inv.c
        v = inv.d * corners[:, 0] + inv.e * corners[:, 1] + inv.f
        cols = np.arange(max(int(np.floor(u.min())), 0), min(int(np.ceil(u.max())), self.ds.width))
        rows = np.arange(max(int(np.floor(v.min())), 0), min(int(np.ceil(v.max())), self.ds.height))
        if not len(cols) or not len(rows):
            return np.zeros((0, 2))
        cc, rr = np.meshgrid(cols + 0.5, rows + 0.5)
        t = self.ds.transform
        x = t.a * cc.ravel() + t.b * rr.ravel() + t.c
        y = t.d * cc.ravel() + t.e * rr.ravel() + t.f
        shapely.prepare(g)
        inside = shapely.contains_xy(g, x, y)
        x, y = x[inside], y[inside]
        if self.from_dem is not None and len(x):
            x, y = (np.asarray(a) for a in self.from_dem.transform(x, y))
        return np.column_stack([x, y])

    def sight_lines(self, observers: np.ndarray, targets: np.ndarray, **params) -> tuple[np.ndarray, np.ndarray]:
        """(clear, known) for each pair of points; a window of the DEM at a time."""
        uo, vo = self.pixels(observers)
        ut, vt = self.pixels(targets)
        length = np.hypot(*(targets - observers).T)
        clear = np.zeros(len(observers), dtype=bool)
        known = np.zeros(len(observers), dtype=bool)

        def solve(idx: np.ndarray) -> None:
            us, vs = np.r_[uo[idx], ut[idx]], np.r_[vo[idx], vt[idx]]
            ok = np.isfinite(us) & np.isfinite(vs)
            span = (np.ptp(us[ok]) + 3) * (np.ptp(vs[ok]) + 3) if ok.any() else 0.0
            if span > _WINDOW_CELLS and len(idx) > 1:  # far-apart lines: split along the longer side
                mid = ((uo + ut) / 2)[idx] if np.ptp(us[ok]) >= np.ptp(vs[ok]) else ((vo + vt) / 2)[idx]
                order = idx[np.argsort(mid, kind="stable")]
                solve(order[: len(order) // 2])
                solve(order[len(order) // 2:])
                return
            grid = self.grid(us, vs)
            clear[idx], known[idx] = _sight(grid, uo[idx], vo[idx], ut[idx], vt[idx], length[idx],
                                            diameter=2 * self.semi_major, **params)

        solve(np.arange(len(observers)))
        return clear, known

    def first_clear(self, observers: np.ndarray, targets: np.ndarray, **params) -> tuple[int | None, bool, int]:
        """The first observer point (in the order given) with a clear sight line to one of the targets (None when
        none has), whether any sight line could be checked on the DEM, and the step through the observer points
        (1: all; more when there are so many that every few are tried, the work per mine being bounded)."""
        uo, vo = self.pixels(observers)
        ut, vt = self.pixels(targets)
        nt = len(targets)
        # DEM samples per observer point, about: crossings of columns and rows to the targets' middle, and the ends
        per = nt * (np.abs(ut.mean() - uo) + np.abs(vt.mean() - vo) + 3.0)
        step = max(int(np.ceil(per.sum() / _MAX_SAMPLES_PER_MINE)), 1)
        keep = np.arange(0, len(observers), step)
        cost = np.cumsum(per[keep])
        grid = self.grid(np.r_[uo[keep], ut], np.r_[vo[keep], vt])
        start, done, budget, any_known = 0, 0.0, 4_096.0, False
        while start < len(keep):
            stop = max(int(np.searchsorted(cost, done + budget, side="right")), start + 1)
            oi = np.repeat(keep[start:stop], nt)
            ti = np.tile(np.arange(nt), stop - start)
            length = np.hypot(*(targets[ti] - observers[oi]).T)
            clear, known = _sight(grid, uo[oi], vo[oi], ut[ti], vt[ti], length, diameter=2 * self.semi_major, **params)
            any_known |= bool(known.any())
            hits = np.flatnonzero(clear)
            if len(hits):
                return int(oi[hits[0]]), True, step
            done, start, budget = cost[stop - 1], stop, min(budget * 4, _SAMPLES_PER_BATCH)
        return None, any_known, step


class _Grid:
    """A window of a DEM (rows r0…, columns c0… of a raster of h × w cells), NaN at nodata."""

    def __init__(self, values: np.ndarray, r0: int, c0: int, h: int, w: int):
        self.values, self.r0, self.c0, self.h, self.w = values, r0, c0, h, w
        self.flat = values.ravel()
        self.holes = bool(np.isnan(values).any())

    def heights(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Bilinear interpolation between cell centres at pixel positions (NaN off the raster; nodata
        corners left out, NaN when all four are)."""
        z = np.full(len(u), np.nan)
        gh, gw = self.values.shape
        inside = (u >= 0) & (u <= self.w) & (v >= 0) & (v <= self.h)
        if not gh or not gw or not inside.any():
            return z
        # window coordinates of the point, cell centres at whole numbers, held to the outer centres
        x = np.clip(u[inside] - 0.5, 0, self.w - 1) - self.c0
        y = np.clip(v[inside] - 0.5, 0, self.h - 1) - self.r0
        np.clip(x, 0, gw - 1, out=x)
        np.clip(y, 0, gh - 1, out=y)
        x0 = np.minimum(x.astype(np.int64), max(gw - 2, 0))
        y0 = np.minimum(y.astype(np.int64), max(gh - 2, 0))
        fx, fy = np.minimum(x - x0, 1.0), np.minimum(y - y0, 1.0)
        dx, dy = int(gw > 1), int(gh > 1) * gw
        i = y0 * gw + x0
        corners = (self.flat[i], self.flat[i + dx], self.flat[i + dy], self.flat[i + dy + dx])
        weights = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
        if not self.holes:
            z[inside] = sum(c * w for c, w in zip(corners, weights))
            return z
        num = np.zeros(len(x))
        den = np.zeros(len(x))
        for val, wt in zip(corners, weights):
            ok = ~np.isnan(val)
            num += np.where(ok, val, 0.0) * wt
            den += np.where(ok, wt, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            z[inside] = np.where(den > 1e-12, num / den, np.nan)
        return z


def _crossings(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where segments from a to b (one coordinate) cross whole numbers: (segment, fraction along it)."""
    lo, hi = np.ceil(np.minimum(a, b)), np.floor(np.maximum(a, b))
    count = np.where(a != b, np.maximum(hi - lo + 1, 0), 0).astype(np.int64)
    owner = np.repeat(np.arange(len(a)), count)
    k = lo[owner] + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    return owner, (k - a[owner]) / (b - a)[owner]


def _sight(grid: _Grid, uo, vo, ut, vt, length, *, observer_m: float, target_m: float, cc: float,
           diameter: float) -> tuple[np.ndarray, np.ndarray]:
    """(clear, known) for sight lines between pixel positions (observer o, target t) ``length`` metres apart."""
    zo, zt = grid.heights(uo, vo), grid.heights(ut, vt)
    known = ~np.isnan(zo) & ~np.isnan(zt)
    # samples where the line crosses a column or a row of cell centres: bilinear there is linear between two centres
    oc, tc = _crossings(uo - 0.5, ut - 0.5)
    orr, tr = _crossings(vo - 0.5, vt - 0.5)
    owner, t = np.r_[oc, orr], np.r_[tc, tr]
    us = uo[owner] + (ut - uo)[owner] * t
    vs = vo[owner] + (vt - vo)[owner] * t
    z = grid.heights(us, vs)
    col, row = np.floor(us), np.floor(vs)
    own = ((col == np.floor(uo)[owner]) & (row == np.floor(vo)[owner])) | \
          ((col == np.floor(ut)[owner]) & (row == np.floor(vt)[owner]))
    k = cc / diameter  # heights drop by k·d² with the distance d from the observer
    eye = zo + observer_m
    aim = zt + target_m - k * length**2
    line = eye[owner] + (aim - eye)[owner] * t
    ground = z - k * (t * length[owner]) ** 2
    block = (ground > line + 1e-9) & ~own  # NaN (nodata) never blocks
    blocked = np.bincount(owner[block], minlength=len(uo)) > 0
    return known & ~blocked, known


def _cell_m(ds) -> float:
    """The shorter side of a DEM cell in metres."""
    res = min(abs(ds.transform.a), abs(ds.transform.e)) or max(abs(ds.transform.b), abs(ds.transform.d))
    if ds.crs.is_geographic:  # degrees: at the DEM's mid-latitude
        lat = (ds.bounds.bottom + ds.bounds.top) / 2.0
        res *= 111_320.0 * max(np.cos(np.radians(lat)), 0.01)
    return max(res, 0.01)
