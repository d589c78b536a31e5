"""Lines of sight on a DEM (通视分析): the terrain machinery behind the 三区两线 visible range.

- :func:`line_of_sight`: for two-point lines, whether the terrain leaves the view open.
- :class:`Terrain`: a DEM opened for sight lines drawn in another (measurement) CRS;
  :class:`Grid`: a window of it, interpolated bilinearly between cell centres.

Heights drop by ``curvature_coeff · d² / (2a)`` with the distance d from the
observer, as ``gdal_viewshed -cc``; DEM nodata never blocks.  Used by
:func:`ecozone.measure.mines.mines_in_view`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from .. import crs as _crs
from ..errors import CRSError, InputError, SchemaError

__all__ = ["DEFAULT_CURVATURE_COEFF", "MAX_SAMPLES_PER_MINE", "Grid", "Terrain", "check_sight", "line_of_sight"]

#: Earth curvature and refraction coefficient of the line of sight, as ``gdal_viewshed -cc``: heights drop by
#: ``coeff · d² / (2a)`` at a distance d from the observer; 0.85714 = 1 - 1/7 (standard refraction).
DEFAULT_CURVATURE_COEFF = 0.85714

_WINDOW_CELLS = 4_000_000  # largest DEM window read at once for a batch of sight lines
_SAMPLES_PER_BATCH = 1_000_000  # DEM samples of the sight lines checked at once
MAX_SAMPLES_PER_MINE = 30_000_000  # beyond, every few observer points of a mine are tried (noted)


def check_sight(**values: float) -> None:
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
    check_sight(observer_m=observer_m, target_m=target_m, curvature_coeff=curvature_coeff)
    segments = np.asarray(segments, dtype=object)
    if not len(segments):
        return np.zeros(0, dtype=bool)
    coords = [shapely.get_coordinates(s) for s in segments]
    targets = np.array([c[0] for c in coords])
    observers = np.array([c[-1] for c in coords])
    terrain = Terrain(dem, crs, notes)
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


class Terrain:
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

    def grid(self, u: np.ndarray, v: np.ndarray) -> Grid:
        """The DEM window holding every cell needed to interpolate at pixel positions u, v."""
        from rasterio.windows import Window

        h, w = self.ds.height, self.ds.width
        ok = np.isfinite(u) & np.isfinite(v)
        if not ok.any():
            return Grid(np.zeros((0, 0)), 0, 0, h, w)
        c0 = int(np.clip(np.floor(u[ok].min()) - 1, 0, w))
        c1 = int(np.clip(np.floor(u[ok].max()) + 2, 0, w))
        r0 = int(np.clip(np.floor(v[ok].min()) - 1, 0, h))
        r1 = int(np.clip(np.floor(v[ok].max()) + 2, 0, h))
        if c1 <= c0 or r1 <= r0:
            return Grid(np.zeros((0, 0)), r0, c0, h, w)
        block = self.ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
        return Grid(block.astype(float).filled(np.nan), r0, c0, h, w)

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
        step = max(int(np.ceil(per.sum() / MAX_SAMPLES_PER_MINE)), 1)
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


class Grid:
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


def _sight(grid: Grid, uo, vo, ut, vt, length, *, observer_m: float, target_m: float, cc: float,
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
