"""Overlay kernels: numpy arrays of shapely geometries in, numpy arrays out.

These are the fast, pure pieces behind coverage, restoration and conflicts:

* :func:`dissolve` turns a polygon layer into pieces that do not overlap, so
  no place is counted twice.  A layer that already tiles without overlaps
  (parcels, a land survey) is recognised cheaply with a coverage union and
  kept as it is; only a layer that really overlaps itself is unioned.
* :func:`covered_area` measures, for each zone, the area of the pieces inside
  it.  Pieces that a zone contains properly — most parcels — are measured
  without any intersection; only pieces crossing a zone's edge are clipped.

Example
-------
>>> import numpy as np, shapely
>>> zones = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)])
>>> layer = np.array([shapely.box(5, 0, 15, 10), shapely.box(6, 0, 14, 10)])   # overlapping
>>> covered_area(zones, dissolve(layer)).tolist()
[50.0, 50.0]
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["dissolve", "covered_area", "overlapping_pairs"]


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[keep]
    types = shapely.get_type_id(geoms)
    return geoms[(types == 3) | (types == 6)]  # Polygon, MultiPolygon


def dissolve(geoms: np.ndarray, *, grid_size: float | None = None) -> np.ndarray:
    """Return polygons covering the same ground as ``geoms`` with no two overlapping (融合).

    Layers that do not overlap themselves come back unchanged (their areas
    already add up); the check is a coverage union whose area must equal the
    sum of the areas.  Otherwise the layer is unioned and split into parts.
    """
    geoms = _polygonal(geoms)
    if len(geoms) <= 1:
        return geoms
    if not is_non_overlapping(geoms):
        union = shapely.union_all(geoms, grid_size=grid_size)
        geoms = shapely.get_parts(union)
        geoms = geoms[shapely.get_type_id(geoms) == 3]
    return geoms


def is_non_overlapping(geoms: np.ndarray, *, rtol: float = 1e-9) -> bool:
    """True when no two polygons share interior area (their areas add up to their union's).

    Fast path: ``coverage_union_all`` dissolves matching edges in linear time;
    on a layer without overlaps its result is valid and its area is the sum of
    the parts.  Overlaps leave unmatched, crossing or duplicated edges, which
    make the result invalid or change its area.  When the fast path cannot
    decide, the exact pairwise test decides.
    """
    geoms = _polygonal(geoms)
    if len(geoms) <= 1:
        return True
    total = float(shapely.area(geoms).sum())
    try:
        union = shapely.coverage_union_all(geoms)
        if shapely.is_valid(union) and abs(union.area - total) <= rtol * max(total, 1.0):
            return True
    except shapely.errors.GEOSException:
        pass
    left, _ = overlapping_pairs(geoms)
    return len(left) == 0


def overlapping_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of polygons whose interiors intersect (an area overlap)."""
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms)
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return left, right
    hit = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    return left[hit], right[hit]


def covered_area(
    zones: np.ndarray,
    pieces: np.ndarray,
    *,
    grid_size: float | None = None,
    return_pairs: bool = False,
):
    """Area of ``pieces`` inside each zone; pieces must not overlap each other.

    Returns an array of one area per zone (in the CRS's square units).  With
    ``return_pairs=True`` also returns ``(zone_index, piece_index, area)`` for
    every zone/piece pair that shares area.
    """
    zones = np.asarray(zones, dtype=object)
    pieces = np.asarray(pieces, dtype=object)
    out = np.zeros(len(zones))
    empty_pairs = (np.array([], dtype=int), np.array([], dtype=int), np.array([], dtype=float))
    if len(zones) == 0 or len(pieces) == 0:
        return (out, empty_pairs) if return_pairs else out
    tree = shapely.STRtree(pieces)
    zi, pj = tree.query(zones)  # bounding boxes only: cheap
    if len(zi) == 0:
        return (out, empty_pairs) if return_pairs else out
    shapely.prepare(zones)
    try:
        zg, pg = zones[zi], pieces[pj]
        inside = shapely.contains_properly(zg, pg)
        area = np.zeros(len(zi))
        area[inside] = shapely.area(pg[inside])
        rest = np.flatnonzero(~inside)
        if len(rest):
            touching = shapely.intersects(zg[rest], pg[rest])
            rest = rest[touching]
            if len(rest):
                clipped = shapely.intersection(zg[rest], pg[rest], grid_size=grid_size)
                area[rest] = shapely.area(clipped)
    finally:
        shapely.destroy_prepared(zones)
    out = np.bincount(zi, weights=area, minlength=len(zones))
    if return_pairs:
        keep = area > 0
        return out, (zi[keep], pj[keep], area[keep])
    return out
