"""The 三区两线 visible range of mines (三区两线可视范围): :func:`mines_in_view` and :func:`atlas_mines_in_view`.

Mines within a set distance of main roads and railways, rivers and the
coastline (两线, Shandong adds the coastline), and of nature reserves, scenic
areas and residential areas (三区).  No national distance exists: the default
of 1 km per class is a convention, a setting.  With a DEM, a mine stays in view
only when some point of a line or area within the distance sees some point of
the mine (sight lines of :mod:`ecozone.measure.sight`).  Importable from
:mod:`ecozone.measure.mines` as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._renamed import renamed
from ..errors import SchemaError
from ..geometry import is_polygonal
from ..prepare import prepare_layers
from .sight import DEFAULT_CURVATURE_COEFF, MAX_SAMPLES_PER_MINE, Terrain, check_sight

__all__ = ["DEFAULT_VIEW_DISTANCE_M", "mines_in_view", "atlas_mines_in_view"]

#: Distance (m) within which a mine counts as in the visible range, per class unless set: a convention.
DEFAULT_VIEW_DISTANCE_M = 1000.0

_MAX_VERTICES = 64  # vertices of one mine looked at (evenly spread beyond)
_MAX_CELLS = 256  # DEM cells of one mine looked at (evenly spread beyond)
_MAX_AREA_OBSERVERS = 2_000  # the grid inside areas is no finer than this many points within the distance of a mine


@renamed(distance="distance_m")
def mines_in_view(
    mines: gpd.GeoDataFrame,
    lines: Mapping[str, gpd.GeoDataFrame] | None = None,
    areas: Mapping[str, gpd.GeoDataFrame] | None = None,
    distance_m: float | Mapping[str, float] = DEFAULT_VIEW_DISTANCE_M,
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
    distance_m : metres, one for every class or ``{class: metres}`` (classes not
        named keep :data:`DEFAULT_VIEW_DISTANCE_M`); a mine exactly at the
        distance is in range (the old keyword ``distance=`` still works, with a warning)
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
    sight-line method and its parameters; ``attrs["method"]`` is how the visible range was decided, in one sentence
    (the distance, and with a DEM the sight-line method), as reports print it.

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
    limits = _limits(distance_m, classes)
    check_sight(observer_m=observer_m, target_m=target_m, curvature_coeff=curvature_coeff)
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
    distances = ", ".join(f"{c} {d:g} m" for c, d in limits.items()) if len(set(limits.values())) > 1 else \
        f"{next(iter(limits.values()), 0):g} m"
    method = f"within {distances} of a class; no DEM: distance only"
    if dem is not None:
        terrain = Terrain(dem, mines_p.crs, notes)
        try:
            spacing = float(observer_spacing_m) if observer_spacing_m is not None else terrain.cell_m
            if spacing < terrain.cell_m / 100:  # finer says nothing more of the DEM, and the work has no bound
                raise SchemaError(f"mines_in_view: observer_spacing_m is {spacing:g} m, under a hundredth of the DEM's "
                                  f"{terrain.cell_m:g} m cells; fix: give at least {terrain.cell_m / 100:g} m (default: "
                                  "one cell)")
            sight, seen, seen_from, seen_at, checked, sight_method = _views(
                geoms, moved, areas or {}, limits, in_range_classes, candidates, terrain, spacing, observer_m, target_m,
                curvature_coeff, notes)
            method = f"within {distances} of a class; {sight_method}"
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
    out.attrs["method"] = method
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
    method = (
        f"line of sight on {terrain.label}: from observer points every {spacing:g} m along the lines and over the areas "
        f"within the distance of each mine (and the nearest point of each class) to the mine's vertices and the DEM "
        f"cell centres inside it (its centroid when smaller than a cell); heights interpolated bilinearly, the "
        f"observer's and the target's own cells never block; observer {observer_m:g} m, target {target_m:g} m above "
        f"the ground; Earth curvature and refraction: heights lowered by {cc:g}·d²/{2 * a:.0f} m (gdal_viewshed -cc "
        f"{cc:g}); a mine is in view when one sight line from within the distance is clear")
    notes.append(method)
    if thinned:
        notes.append(f"{thinned} large mine(s): sight lines to {_MAX_CELLS} of their DEM cells and {_MAX_VERTICES} "
                     f"of their vertices, evenly spread")
    if sparse:
        notes.append(f"{sparse} mine(s) with very many observer points within the distance: every few of them tried, "
                     f"nearest first, to keep the work under {MAX_SAMPLES_PER_MINE:,} DEM samples a mine")
    if unknown:
        notes.append(f"{unknown} mine(s) have no sight line on the DEM (outside it or on nodata): counted as seen, as "
                     f"nodata never blocks the view")
    return sight, seen, seen_from, seen_at, on_dem, method


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


def _mine_points(geom, terrain: Terrain) -> _MinePoints:
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


@renamed(distance="distance_m")
def atlas_mines_in_view(
    atlas,
    distance_m: float | Mapping[str, float] = DEFAULT_VIEW_DISTANCE_M,
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
    if isinstance(distance_m, Mapping):
        distance_m = {k: v for k, v in distance_m.items() if k in lines or k in areas}
    dem_path = None
    if dem:
        names = atlas.raster_names("dem")
        dem_path = atlas.rasters[dem].path if isinstance(dem, str) else (atlas.rasters[names[0]].path if names else None)
    return mines_in_view(gpd.GeoDataFrame(mines, crs=atlas.crs), lines, areas, distance_m, dem=dem_path, observer_m=observer_m,
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

