"""Zonal statistics' pass over the raster (分区统计的分块读取): the zones' sums, a block of neighbouring zones at a time.

:func:`measure_zones` groups neighbouring zones into blocks of the raster
(bounded memory, a large zone in strips of rows), reads them in a second
thread while the first one computes, and adds each covered cell (its exact
fraction from :mod:`ecozone.measure.cell_fractions`) to its zone's sums
(:class:`Measured`).  Used by :func:`ecozone.measure.zonal.zonal`.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from ..errors import InputError
from .cell_fractions import covered_runs, outline_pieces
from .raster_grid import RasterGrid, nodata_cells, zone_areas

__all__ = ["BLOCK_CELLS", "Measured", "measure_zones"]

#: Cells read at once: neighbouring zones up to this many, a larger zone in strips of rows.
BLOCK_CELLS = 1 << 22
#: Cells of the tiles read through one dataset handle before it is reopened (dropping GDAL's cached tiles).
_REOPEN_CELLS = 1 << 24


@dataclass
class Measured:
    """Per-zone sums (arrays over the zones), and class areas for a categorical raster."""

    zone_m2: np.ndarray
    nodata_m2: np.ndarray
    count: np.ndarray
    sum: np.ndarray
    wsum: np.ndarray  # Σ fraction × cell area over valid cells
    wvsum: np.ndarray  # Σ value × fraction × cell area
    min: np.ndarray
    max: np.ndarray
    classes: list[dict] | None  # per zone {class: [count, m²]}


def measure_zones(grid: RasterGrid, geoms: np.ndarray, categorical: bool, notes: list[str]) -> Measured:
    """The sums of each zone (polygons in the raster's CRS): areas, nodata, and the covered cells' values."""
    n = len(geoms)
    if grid.geodesic:
        notes.append(
            f"raster in {grid.label()} ({'geographic' if grid.crs.is_geographic else 'Mercator'}): cell areas are "
            "geodesic (pyproj.Geod, one per row), zone areas too; the mean weights cells by covered area "
            "(exactextract's by coverage fraction only)"
        )
    m = Measured(
        zone_m2=zone_areas(geoms, grid),
        nodata_m2=np.zeros(n),
        count=np.zeros(n),
        sum=np.zeros(n),
        wsum=np.zeros(n),
        wvsum=np.zeros(n),
        min=np.full(n, np.nan),
        max=np.full(n, np.nan),
        classes=[{} for _ in range(n)] if categorical else None,
    )
    bounds = grid.bounds
    shapely.prepare(bounds)
    hits = ~shapely.is_empty(geoms) & shapely.intersects(bounds, geoms)
    clipped = geoms.copy()
    cross = np.flatnonzero(hits & ~shapely.contains(bounds, geoms))
    if len(cross):
        clipped[cross] = shapely.intersection(geoms[cross], bounds)
        inside_m2 = zone_areas(clipped[cross], grid)
        hits[cross] = shapely.area(clipped[cross]) > 0  # not just touching the raster's edge
        m.nodata_m2[cross] = np.maximum(m.zone_m2[cross] - inside_m2, 0.0)
        partly = int(hits[cross].sum())
        if partly:
            notes.append(f"{partly} zone(s) partly outside the raster: the part outside counts as nodata")
    outside = ~hits & ~shapely.is_empty(geoms)
    if outside.any():
        notes.append(f"{int(outside.sum())} zone(s) wholly outside the raster: count 0, no statistics, all nodata")
        m.nodata_m2[outside] = m.zone_m2[outside]

    todo = np.flatnonzero(hits)
    if len(todo) == 0:
        return m
    # pixel coordinates: column, row (fractional); clamped to the grid against rounding
    t = grid.transform
    pix = shapely.transform(clipped[todo], lambda xy: (xy - (t.c, t.f)) / (t.a, t.e))
    pix = shapely.transform(pix, lambda xy: np.clip(xy, 0.0, (grid.width, grid.height)))
    b = shapely.bounds(pix)
    windows = np.column_stack(
        [np.floor(b[:, 1]), np.ceil(b[:, 3]), np.floor(b[:, 0]), np.ceil(b[:, 2])]
    ).astype(np.int64)
    windows[:, 1] = np.maximum(windows[:, 1], windows[:, 0] + 1)
    windows[:, 3] = np.maximum(windows[:, 3], windows[:, 2] + 1)
    row_m2 = None  # geodesic: area of a cell of each row (NaN for rows no zone reaches)
    if grid.geodesic:
        r_lo, r_hi = int(windows[:, 0].min()), int(windows[:, 1].max())
        row_m2 = np.full(grid.height, np.nan)
        row_m2[r_lo:r_hi] = grid.row_areas(r_lo, r_hi)
    # spatial order: bands of 256 rows, then along the band, so that a block of neighbours is compact
    order = np.lexsort((windows[:, 2], windows[:, 0] // 256))
    with contextlib.closing(_prefetched(grid, _blocks(windows, order))) as blocks:  # no read after an error
        for block, values in blocks:
            _measure_block(grid, block, values, pix, windows, todo, row_m2, m)
    nodata_only = hits & (m.count == 0)
    if nodata_only.any():
        notes.append(f"{int(nodata_only.sum())} zone(s) with no valid cell (nodata or masked only)")
    return m


def _measure_block(
    grid: RasterGrid,
    block: tuple,
    values: tuple[np.ndarray, np.ndarray | None],
    pix: np.ndarray,
    windows: np.ndarray,
    todo: np.ndarray,
    row_m2: np.ndarray | None,
    m: Measured,
) -> None:
    """Add the cells of one block read (see :func:`_blocks`) to the sums of its zones."""
    top, bottom, left, _, positions, strip = block
    data, mask = values
    outlines = pix[positions]
    if strip:  # one large zone, a strip of rows at a time
        outlines = shapely.intersection(outlines, shapely.box(0, top, grid.width, bottom))
    zone_of, rows, cols, own, right = outline_pieces(outlines)
    starts = np.searchsorted(zone_of, np.arange(len(positions) + 1))
    for k, pos in enumerate(positions):
        r0, r1, c0, c1 = (int(v) for v in windows[pos])
        r0, r1 = max(r0, top), min(r1, bottom)
        sel = slice(starts[k], starts[k + 1])
        row, col, length, frac = covered_runs(rows[sel] - r0, cols[sel] - c0, own[sel], right[sel], r1 - r0, c1 - c0)
        # the covered cells, as positions in the block read
        first = (row + (r0 - top)) * data.shape[1] + col + (c0 - left)
        offset = np.cumsum(length) - length
        cells = np.repeat(first - offset, length) + np.arange(int(length.sum()))
        f, v = np.repeat(frac, length), data.ravel().take(cells)
        cell = grid.cell_m2 if row_m2 is None else np.repeat(row_m2[row + r0], length)
        bad = nodata_cells(grid, v, None if mask is None else mask.ravel().take(cells))
        zi = todo[pos]
        if bad is not None:
            m.nodata_m2[zi] += float(np.sum(f[bad] * (cell if row_m2 is None else cell[bad])))
            good = ~bad
            f, v = f[good], v[good]
            cell = cell if row_m2 is None else cell[good]
        if f.size:
            _add(m, zi, f, v, cell)


def _blocks(windows: np.ndarray, order: np.ndarray) -> Iterator[tuple]:
    """Group neighbouring zones (in ``order``) into blocks of the raster read at once.

    Yields ``(top, bottom, left, right, positions, strip)``: the block's rows
    and columns and its zones.  A block spans at most ``BLOCK_CELLS`` cells,
    so memory stays bounded, and beyond 65,536 cells (a 256 × 256 tile) at
    most twice the cells its zones' windows need, so that scattered zones do
    not read the whole raster.  A
    zone whose own window is larger is a block of its own, cut into strips of
    rows (``strip`` True).
    """
    group: list[int] = []
    top = bottom = left = right = need = 0
    for pos in order.tolist():
        r0, r1, c0, c1 = (int(v) for v in windows[pos])
        cells = (r1 - r0) * (c1 - c0)
        if cells > BLOCK_CELLS:
            step = max(1, BLOCK_CELLS // (c1 - c0))
            for s0 in range(r0, r1, step):
                yield s0, min(r1, s0 + step), c0, c1, [pos], True
            continue
        if group:
            t, b, lo, hi = min(top, r0), max(bottom, r1), min(left, c0), max(right, c1)
            union = (b - t) * (hi - lo)
            if union <= BLOCK_CELLS and (union <= 1 << 16 or union <= 2 * (need + cells)):
                group.append(pos)
                top, bottom, left, right, need = t, b, lo, hi, need + cells
                continue
            yield top, bottom, left, right, group, False
        group, top, bottom, left, right, need = [pos], r0, r1, c0, c1, cells
    if group:
        yield top, bottom, left, right, group, False


def _prefetched(grid: RasterGrid, blocks: Iterator[tuple], depth: int = 3) -> Iterator[tuple]:
    """Each block with its values, the next ``depth`` blocks being read in a second thread meanwhile.

    GDAL decompresses outside the GIL, so reading overlaps the numpy work.
    Only that thread reads (a rasterio dataset must not be used by two
    threads at once).
    """
    pending: deque = deque()
    reader = _Reader(grid)
    with ThreadPoolExecutor(1) as pool:
        try:
            for block in blocks:
                pending.append((block, pool.submit(reader.read, *block[:4])))
                if len(pending) > depth:
                    block, values = pending.popleft()
                    yield block, values.result()
            while pending:
                block, values = pending.popleft()
                yield block, values.result()
        finally:  # closed early (an error): read no more, wait for the read under way
            for _, values in pending:
                values.cancel()
            pool.submit(reader.close).result()


class _Reader:
    """Reads blocks through a handle of its own, reopened after ``_REOPEN_CELLS`` cells of tiles.

    GDAL keeps every block it decompresses in its cache (up to 5 % of RAM by
    default) until the dataset is closed; the blocks are read in order and
    seldom needed twice, so closing the handle now and then bounds memory.
    A dataset that cannot be reopened by name (an in-memory VRT) is read as given.
    """

    def __init__(self, grid: RasterGrid):
        self.grid = grid
        self.ds: Any = None
        self.cells = 0

    def read(self, top: int, bottom: int, left: int, right: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The values of a block, and its mask (0: no data) when the raster has a mask band or alpha."""
        from rasterio.errors import RasterioIOError
        from rasterio.windows import Window

        if self.ds is None or (self.cells > _REOPEN_CELLS and self.ds is not self.grid.dataset):
            self.close()
            self.ds = self._open()
        # what GDAL decompresses and caches: the whole tiles (or strips) the window touches
        bh, bw = self.ds.block_shapes[self.grid.band - 1]
        self.cells += (-(-bottom // bh) - top // bh) * bh * (-(-right // bw) - left // bw) * bw
        window = Window(left, top, right - left, bottom - top)
        try:
            data = self.ds.read(self.grid.band, window=window)
            mask = self.ds.read_masks(self.grid.band, window=window) if self.grid.mask_read else None
        except RasterioIOError as exc:
            reason = " ".join(str(exc).split())
            raise InputError(
                f"{self.grid.dataset.name}: rows {top}–{bottom}, columns {left}–{right} cannot be read ({reason}); "
                "fix: check the file with gdalinfo -checksum, or rewrite it with gdal_translate"
            ) from exc
        return data, mask

    def _open(self) -> Any:
        import rasterio
        from rasterio.errors import RasterioIOError

        self.cells = 0
        try:
            return rasterio.open(self.grid.dataset.name)
        except RasterioIOError:
            return self.grid.dataset

    def close(self) -> None:
        if self.ds is not None and self.ds is not self.grid.dataset:
            self.ds.close()
        self.ds = None


def _add(m: Measured, zi: int, f: np.ndarray, v: np.ndarray, cell: float | np.ndarray) -> None:
    """Add valid cells (fractions ``f``, values ``v``, cell areas ``cell``) to zone ``zi``'s sums."""
    if m.classes is not None:
        classes, inv = np.unique(v, return_inverse=True)
        counts, areas = np.bincount(inv, f), np.bincount(inv, f * cell)
        found = m.classes[zi]
        for c, cnt, area in zip(classes.tolist(), counts.tolist(), areas.tolist()):
            got = found.setdefault(c, [0.0, 0.0])
            got[0] += cnt
            got[1] += area
        m.count[zi] += float(counts.sum())
        return
    v = v.astype(np.float64, copy=False)
    count, total = float(f.sum()), float(v @ f)
    m.count[zi] += count
    m.sum[zi] += total
    if np.isscalar(cell):  # planar: one cell area
        m.wsum[zi] += count * cell
        m.wvsum[zi] += total * cell
    else:
        wa = f * cell
        m.wsum[zi] += float(wa.sum())
        m.wvsum[zi] += float(v @ wa)
    lo, hi = float(v.min()), float(v.max())
    m.min[zi] = lo if np.isnan(m.min[zi]) else min(m.min[zi], lo)
    m.max[zi] = hi if np.isnan(m.max[zi]) else max(m.max[zi], hi)
