"""The exact fractional-cell coverage kernel of zonal statistics (精确部分像元覆盖率).

Every cell counts with the exact fraction of its area that lies inside the
zone, as exactextract does.  The fractions come from one pass over the zone's
outline: :func:`outline_pieces` cuts each edge where it crosses a grid line,
and each piece adds the area between itself and the right edge of its cell;
:func:`covered_runs` runs a sum along the rows, giving every cell's covered
area (the exact area integral of the polygon, holes included) as runs of cells
that share one fraction.  Pure numpy on pixel coordinates, no raster I/O.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import GeometryType

__all__ = ["outline_pieces", "covered_runs"]

#: Coverage fractions below this are rounding noise of the running sum, not area.
_EPS = 1e-9


def outline_pieces(pix: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cut the outlines of polygons (pixel coordinates) where they cross grid lines.

    Returns, per piece, in the order of the zones: the zone (position in
    ``pix``), the cell's row and column, and the piece's contributions to a
    row accumulator: ``own`` to its cell and ``right`` to the next cell.  A
    piece that spans ``dy`` rows at mean distance ``xm`` from its cell's left
    edge covers ``dy × (1 − xm)`` of its cell and all of every cell to its
    right over ``dy``; with ``dy`` signed by the ring's direction (exterior
    rings one way, holes the other), the running sum of the contributions
    along a row is the area of each cell inside the polygon.
    """
    parts, part_zone = shapely.get_parts(pix, return_index=True)
    polygon = shapely.get_type_id(parts) == GeometryType.POLYGON  # clipping at the raster's edge may leave lines too
    parts, part_zone = parts[polygon], part_zone[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]  # consecutive vertices of one ring: a segment
    x0, y0, x1, y1 = xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
    seg_ring = ring[:-1][same]
    # orient: exterior rings one way, holes the other, whatever the file's winding
    twice_area = np.bincount(seg_ring, x0 * y1 - x1 * y0, minlength=len(rings))
    seg_sign = np.where(exterior, -1.0, 1.0) * np.sign(twice_area)
    seg_zone = part_zone[ring_part]
    # horizontal segments add nothing; cut the others at rows, then at columns
    live = y0 != y1
    x0, y0, x1, y1, seg_ring = x0[live], y0[live], x1[live], y1[live], seg_ring[live]
    x0, y0, x1, y1, parent = _cut(x0, y0, x1, y1, along_x=False)
    live = y0 != y1
    x0, y0, x1, y1, parent = x0[live], y0[live], x1[live], y1[live], parent[live]
    x0, y0, x1, y1, parent2 = _cut(x0, y0, x1, y1, along_x=True)
    seg = seg_ring[parent[parent2]]
    h = (y1 - y0) * seg_sign[seg]
    xm = 0.5 * (x0 + x1)
    col = np.floor(xm)
    xr = xm - col
    row = np.floor(0.5 * (y0 + y1)).astype(np.int64)
    return seg_zone[seg], row, col.astype(np.int64), h * (1.0 - xr), h * xr


def _cut(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, *, along_x: bool) -> tuple[np.ndarray, ...]:
    """Cut segments where they cross whole-number x (``along_x``) or y; keep their order.

    Returns the sub-segments' ends, in travel order within each segment, and
    for each the index of the segment it came from.
    """
    a0, a1 = (x0, x1) if along_x else (y0, y1)
    f0, f1 = np.floor(a0), np.floor(a1)
    k = np.abs(f1 - f0).astype(np.int64)  # grid lines crossed
    n, total = len(a0), int(k.sum())
    if total == 0:
        return x0, y0, x1, y1, np.arange(n)
    seg = np.repeat(np.arange(n), k)
    first = np.repeat(np.cumsum(k) - k, k)
    step = np.arange(total) - first  # 0 .. k-1 within each segment
    # lines in travel order: up from floor(a0) + 1, or down from floor(a0)
    line = np.where((a1 > a0)[seg], f0[seg] + 1 + step, f0[seg] - step)
    t = (line - a0[seg]) / (a1 - a0)[seg]
    cx = x0[seg] + t * (x1 - x0)[seg]
    cy = y0[seg] + t * (y1 - y0)[seg]
    if along_x:
        cx = line
    else:
        cy = line
    # segment s becomes k[s] + 1 sub-segments at offsets off[s] ..
    size = k + 1
    off = np.cumsum(size) - size
    at = off[seg] + step  # the sub-segment a crossing ends (the next one starts there)
    sx, sy, ex, ey = (np.empty(n + total) for _ in range(4))
    sx[off], sy[off] = x0, y0
    ex[off + k], ey[off + k] = x1, y1
    sx[at + 1], sy[at + 1] = cx, cy
    ex[at], ey[at] = cx, cy
    return sx, sy, ex, ey, np.repeat(np.arange(n), size)


def covered_runs(rows: np.ndarray, cols: np.ndarray, own: np.ndarray, right: np.ndarray, h: int, w: int) -> tuple[np.ndarray, ...]:
    """Covered cells of an ``h × w`` window, from the outline's pieces in it (see :func:`outline_pieces`).

    Returns runs of cells along a row that share one coverage fraction:
    row, first column, length and fraction (> 0).  Between two pieces the
    running sum is constant (a polygon's interior: 1), so the runs come from
    the pieces' entries sorted along the rows, without touching every cell.
    """
    stride = w + 1  # one spare column: contributions right of the last cell
    idx = rows * stride + cols
    key = np.concatenate([idx, idx + 1])
    order = np.argsort(key)
    key = key[order]
    running = np.cumsum(np.concatenate([own, right])[order])
    last = np.ones(len(key), dtype=bool)  # the running sum after all of a cell's entries
    last[:-1] = key[1:] != key[:-1]
    start, frac = key[last], running[last]  # a closed outline adds up to 0 across a row: no carry
    end = np.append(start[1:], h * stride)
    keep = frac > _EPS
    start, end, frac = start[keep], end[keep], np.minimum(frac[keep], 1.0)
    row = start // stride
    col = start - row * stride
    length = np.minimum(end, row * stride + w) - start  # never into the spare column
    keep = length > 0
    return row[keep], col[keep], length[keep], frac[keep]
