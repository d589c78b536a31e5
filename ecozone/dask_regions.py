"""Regions of the plane for the dask engine (希尔伯特分区): grid cells taken in Hilbert-curve order and cut
into runs of equal feature counts — compact, disjoint, together covering the plane.

Example
-------
>>> grid = Regions.balanced((0, 0, 10, 10), np.array([[1, 1], [9, 9], [1, 9], [9, 1]]), 2)
>>> grid.count
2
>>> rows, region, owner = grid.assign(np.array([[0.5, 0.5, 1.5, 1.5]]))
>>> owner.tolist()
[True]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["hilbert_index", "Regions"]


def hilbert_index(level: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Position of cells ``(x, y)`` along the Hilbert curve through a ``2**level`` square grid.

    >>> hilbert_index(1, np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0])).tolist()
    [0, 1, 2, 3]
    """
    n = 1 << level
    x, y = np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x[flip] = n - 1 - x[flip]
        y[flip] = n - 1 - y[flip]
        swap = ~ry
        x[swap], y[swap] = y[swap], x[swap].copy()
        s >>= 1
    return d


@dataclass
class Regions:
    """Disjoint regions covering the plane: runs of grid cells along a Hilbert curve.

    ``cell_region[iy, ix]`` is the region of a cell.  Cells on the grid's edge
    reach ten extents beyond it, so that nothing lies outside every region.
    """

    bounds: tuple[float, float, float, float]
    cell_region: np.ndarray
    geometries: list = field(default_factory=list)

    @classmethod
    def balanced(cls, bounds, centres: np.ndarray, count: int) -> Regions:
        """``count`` regions holding about as many of the sampled ``centres`` (n × 2) each."""
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1.0)
        # a hair beyond the extent, so the extent's own edge lies inside the grid
        bounds = (minx - 1e-6 * span, miny - 1e-6 * span, maxx + 1e-6 * span, maxy + 1e-6 * span)
        level = int(min(9, max(1, math.ceil(math.log(max(count, 1) * 16, 4)))))
        n = 1 << level
        grid = cls(bounds, np.zeros((n, n), dtype=np.int64))
        ix, iy = grid._cells(centres[:, 0], centres[:, 1])
        weight = np.bincount(iy * n + ix, minlength=n * n).astype(float) + 1e-3  # empty cells still spread
        cx, cy = np.meshgrid(np.arange(n), np.arange(n))
        order = np.argsort(hilbert_index(level, cx.ravel(), cy.ravel()))
        before = np.cumsum(weight[order]) - weight[order]
        region = np.minimum((before / weight.sum() * count).astype(np.int64), count - 1)
        _, region = np.unique(region, return_inverse=True)  # no empty region numbers
        cell_region = np.empty(n * n, dtype=np.int64)
        cell_region[order] = region
        grid.cell_region = cell_region.reshape(n, n)
        grid.geometries = [grid._geometry(k) for k in range(int(region.max()) + 1)]
        return grid

    @property
    def count(self) -> int:
        return len(self.geometries)

    def _cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.cell_region.shape[0]
        minx, miny, maxx, maxy = self.bounds
        ix = np.clip(np.floor((x - minx) / (maxx - minx) * n), 0, n - 1).astype(np.int64)
        iy = np.clip(np.floor((y - miny) / (maxy - miny) * n), 0, n - 1).astype(np.int64)
        return ix, iy

    def _geometry(self, k: int) -> shapely.Geometry:
        n = self.cell_region.shape[0]
        minx, miny, maxx, maxy = self.bounds
        iy, ix = np.nonzero(self.cell_region == k)
        xs = minx + (maxx - minx) * np.arange(n + 1) / n
        ys = miny + (maxy - miny) * np.arange(n + 1) / n
        pad = 10 * max(maxx - minx, maxy - miny)
        xs[0], xs[-1], ys[0], ys[-1] = xs[0] - pad, xs[-1] + pad, ys[0] - pad, ys[-1] + pad
        boxes = shapely.box(xs[ix], ys[iy], xs[ix + 1], ys[iy + 1])
        return shapely.union_all(boxes)

    def assign(self, bboxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For features with these bounding boxes (n × 4): ``(feature, region, owner)`` for every
        region a feature's box meets; ``owner`` marks the region of its box's centre."""
        n = len(bboxes)
        span = max(self.bounds[2] - self.bounds[0], self.bounds[3] - self.bounds[1])
        eps = 1e-9 * span  # a box on a cell line meets both cells: clipped, never lost
        ix0, iy0 = self._cells(bboxes[:, 0] - eps, bboxes[:, 1] - eps)
        ix1, iy1 = self._cells(bboxes[:, 2] + eps, bboxes[:, 3] + eps)
        cx, cy = self._cells((bboxes[:, 0] + bboxes[:, 2]) / 2, (bboxes[:, 1] + bboxes[:, 3]) / 2)
        own = self.cell_region[cy, cx]
        rows, regions = [np.arange(n)], [own]
        small = (ix1 - ix0 <= 1) & (iy1 - iy0 <= 1)  # its corners' cells are all its cells
        idx = np.flatnonzero(small & ((ix0 != ix1) | (iy0 != iy1)))
        seen = [own[idx]]
        for cy_, cx_ in ((iy0, ix0), (iy0, ix1), (iy1, ix0), (iy1, ix1)):
            r = self.cell_region[cy_[idx], cx_[idx]]
            new = np.all([r != s for s in seen], axis=0)
            rows.append(idx[new])
            regions.append(r[new])
            seen.append(r)
        for i in np.flatnonzero(~small):  # large features: every cell under the box
            for r in np.unique(self.cell_region[iy0[i] : iy1[i] + 1, ix0[i] : ix1[i] + 1]):
                if r != own[i]:
                    rows.append(np.array([i]))
                    regions.append(np.array([r]))
        rows_, regions_ = np.concatenate(rows), np.concatenate(regions)
        owner = np.zeros(len(rows_), dtype=bool)
        owner[:n] = True
        return rows_, regions_, owner


# --------------------------------------------------------------------------- the two passes
