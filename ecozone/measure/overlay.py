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

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from ..geometry import only_polygons, polygon_parts
from ..parallel import threaded, workers

__all__ = ["dissolve", "zones_union", "covered_area", "overlapping_pairs"]


def dissolve(geoms: np.ndarray, *, grid_size: float | None = None, merge: bool = False) -> np.ndarray:
    """Return polygons covering the same ground as ``geoms`` with no two overlapping (融合).

    Layers that do not overlap themselves come back unchanged (their areas
    already add up); the check is a coverage union whose area must equal the
    sum of the areas.  With ``merge=True`` such a layer comes back as the
    parts of that union instead: a million parcels become the few polygons
    they tile, which zones then clip far faster than they test each parcel.

    A layer that overlaps itself is unioned group by group: polygons that
    overlap no other stay as they are, and each group of mutually overlapping
    polygons is unioned on its own and split into parts.  The pieces are the
    parts of the whole layer's union, without the cost of one union of
    everything (≈ 10× faster on 100k overlapping ellipses).
    """
    geoms = only_polygons(geoms)
    if len(geoms) <= 1:
        return geoms
    union = _coverage_union(geoms)
    if union is not None:
        return polygon_parts(union) if merge else geoms
    tree = shapely.STRtree(geoms)
    if _dense(geoms, tree):
        # densely overlapping (buffers around points, years of footprints piled up): nearly everything falls
        # into one group, so proving each overlap first costs more than the union it leads to
        return polygon_parts(_chunked_union(geoms, grid_size=grid_size))
    left, right = _overlapping(geoms, *_box_pairs(geoms, tree))
    if len(left) == 0:
        return geoms
    return _union_groups(geoms, left, right, grid_size=grid_size)


def zones_union(geoms: np.ndarray, *, grid_size: float | None = None, overlapping: bool = False) -> shapely.Geometry:
    """The union of zone polygons (the city behind a totals row), as ``shapely.union_all`` gives it.

    Zones that tile without overlapping (districts) are unioned by a coverage union, checked as in
    :func:`dissolve` (valid, and area equal to the sum of the areas): the 11 Yantai districts in 4 ms, where
    ``union_all`` takes 34 ms.  Zones that overlap, or whose shared edges do not match vertex for vertex,
    and any union on a precision grid, go to ``union_all``; so do zones known to overlap (``overlapping``),
    without the attempt.  Missing and empty geometries are left out, as ``union_all`` leaves them.
    """
    geoms = np.asarray(geoms, dtype=object)
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if grid_size is None and not overlapping and len(present) > 1:
        union = _coverage_union(present)
        if union is not None:
            return union
    return shapely.union_all(geoms, grid_size=grid_size)


def is_non_overlapping(geoms: np.ndarray, *, rtol: float = 1e-9) -> bool:
    """True when no two polygons share interior area (their areas add up to their union's).

    Fast path: ``coverage_union_all`` dissolves matching edges in linear time;
    on a layer without overlaps its result is valid and its area is the sum of
    the parts.  Overlaps leave unmatched, crossing or duplicated edges, which
    make the result invalid or change its area.  When the fast path cannot
    decide, the exact pairwise test decides.
    """
    geoms = only_polygons(geoms)
    if len(geoms) <= 1:
        return True
    if _coverage_union(geoms, rtol=rtol) is not None:
        return True
    left, _ = overlapping_pairs(geoms)
    return len(left) == 0


#: Features per coverage union in :func:`_coverage_union`.  Small enough that
#: an overlapping layer is given up on after one cheap chunk (a coverage union
#: of overlapping polygons is slow: 12 s for 100k ellipses, 0.3 s for 4k) and
#: that GEOS's working memory stays small (+850 MB for one union of 1M parcels).
_CHUNK = 4_096


def _coverage_union(geoms: np.ndarray, *, rtol: float = 1e-9) -> shapely.Geometry | None:
    """The union of a layer proven by a coverage union not to overlap itself, else None.

    The layer is put in spatial order (strips across x, each sorted along y)
    and unioned chunk by chunk, then the chunks' unions are unioned: unions
    of non-overlapping pieces do not overlap either, so the same check applies
    at every level (valid, and area equal to the sum of the areas).  The first
    chunk that fails ends the attempt.
    """
    order = _spatial_order(geoms, _CHUNK)
    chunks = [order[start : start + _CHUNK] for start in range(0, len(geoms), _CHUNK)]
    total = 0.0  # the sum of the areas, chunk by chunk

    def union_of(idx: np.ndarray) -> tuple[shapely.Geometry | None, float]:
        part, area = shapely.coverage_union_all(geoms[idx]), float(shapely.area(geoms[idx]).sum())
        return (part if _adds_up(part, area, rtol) else None), area

    try:
        first, total = union_of(chunks[0])  # alone: an overlapping layer is given up on here
        if first is None or len(chunks) == 1:
            return first
        unions = [first]
        with ThreadPoolExecutor(workers()) as pool:  # GEOS runs outside the GIL
            for union, area in pool.map(union_of, chunks[1:]):
                if union is None:
                    pool.shutdown(cancel_futures=True)
                    return None
                unions.append(union)
                total += area
        union = shapely.coverage_union_all(np.array(unions, dtype=object))
    except shapely.errors.GEOSException:
        return None
    return union if _adds_up(union, total, rtol) else None


def _adds_up(union: shapely.Geometry, total: float, rtol: float) -> bool:
    return bool(shapely.is_valid(union)) and abs(union.area - total) <= rtol * max(total, 1.0)


def _spatial_order(geoms: np.ndarray, chunk: int) -> np.ndarray:
    """Indices putting ``geoms`` in runs of ``chunk`` that are compact on the ground.

    The bounding-box centres are cut into about sqrt(n / chunk) strips of
    equal width across x and sorted along y inside each strip, so consecutive
    chunks are roughly square blocks (cheap to union, with short outlines)
    whatever order the file had.  One sort of an integer key: strip, then y
    on a 2^32 grid.
    """
    n = len(geoms)
    if n <= chunk:
        return np.arange(n)
    # bounding-box centres (doubled), a slice at a time, and in place from
    # here on: this runs beside a million geometries
    x, y = np.empty(n), np.empty(n)
    for start in range(0, n, 65_536):
        bounds = shapely.bounds(geoms[start : start + 65_536])
        np.add(bounds[:, 0], bounds[:, 2], out=x[start : start + 65_536])
        np.add(bounds[:, 1], bounds[:, 3], out=y[start : start + 65_536])
    strips = max(1, int(np.sqrt(n / chunk)))
    x -= x.min()
    x *= strips / max(float(x.max()), 1e-9)
    np.clip(x, 0, strips - 1, out=x)
    y -= y.min()
    y *= (2**32 - 1) / max(float(y.max()), 1e-9)
    key = x.astype(np.uint64)
    key <<= np.uint64(32)
    key |= y.astype(np.uint64)
    return np.argsort(key)


def _union_groups(
    geoms: np.ndarray, left: np.ndarray, right: np.ndarray, *, grid_size: float | None = None
) -> np.ndarray:
    """Union each group of polygons linked by overlaps (``left[k]`` overlaps ``right[k]``).

    Polygons of different groups share no interior, so the groups' unions
    do not overlap each other and their parts are the parts of the whole union.
    """
    label = _components(len(geoms), left, right)
    order = np.argsort(label, kind="stable")
    first = np.flatnonzero(np.r_[True, label[order][1:] != label[order][:-1]])
    size = np.diff(np.r_[first, len(order)])
    alone = geoms[order[first[size == 1]]]
    if grid_size is not None:
        alone = shapely.set_precision(alone, grid_size)
    pairs = first[size == 2]  # the commonest group: one vectorised call for all of them
    unions = [threaded(lambda a, b: shapely.union(a, b, grid_size=grid_size), geoms[order[pairs]], geoms[order[pairs + 1]])]

    def union_each(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
        return np.array(
            [shapely.union_all(geoms[order[s : s + c]], grid_size=grid_size) for s, c in zip(starts, counts)],
            dtype=object,
        )

    unions.append(threaded(union_each, first[size > 2], size[size > 2], min_size=1_000))
    pieces = np.concatenate([alone, polygon_parts(np.concatenate(unions))])
    return pieces[~shapely.is_empty(pieces)]


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of the graph on ``range(n)`` with edges ``left``–``right``.

    Returns, for each node, the smallest node of its component.  Vectorised
    hook-and-compress: every root linked to a smaller root is hooked under it,
    then pointers are jumped until each node points at its root.
    """
    label = np.arange(n)
    while True:
        a, b = label[left], label[right]
        differ = a != b
        if not differ.any():
            return label
        lo, hi = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
        np.minimum.at(label, hi, lo)  # hi is a root: it now points at a smaller node
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


#: Above this many bounding-box candidate pairs per feature a layer counts as densely overlapping: it is
#: unioned at once, in spatial chunks on every core, instead of first proving which pairs overlap (100k
#: ellipses with 1.6M overlapping pairs: 2.1M candidates, 21 per feature; parcels and sparse overlaps: under 4).
DENSE_PAIRS_PER_FEATURE = 8


def _dense(geoms: np.ndarray, tree: shapely.STRtree) -> bool:
    """True when the features' boxes meet more than :data:`DENSE_PAIRS_PER_FEATURE` others each, on average
    (estimated from an evenly spread sample of 2,000: the full query of a dense layer is itself costly)."""
    sample = geoms[:: max(1, len(geoms) // 2_000)]
    left, _ = tree.query(sample)
    return (len(left) - len(sample)) / 2 > DENSE_PAIRS_PER_FEATURE * len(sample)


def _box_pairs(geoms: np.ndarray, tree: shapely.STRtree | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) whose bounding boxes intersect."""
    left, right = (tree or shapely.STRtree(geoms)).query(geoms)
    keep = left < right
    return left[keep], right[keep]


def _overlapping(geoms: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs whose interiors intersect."""
    if len(left) == 0:
        return left, right
    hit = threaded(lambda a, b: shapely.relate_pattern(a, b, "2********"), geoms[left], geoms[right])
    return left[hit], right[hit]


def overlapping_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of polygons whose interiors intersect (an area overlap)."""
    geoms = np.asarray(geoms, dtype=object)
    return _overlapping(geoms, *_box_pairs(geoms))


def _chunked_union(geoms: np.ndarray, *, grid_size: float | None = None) -> shapely.Geometry:
    """The union of ``geoms``: spatially compact chunks unioned on every core, then their unions unioned
    (one ``union_all`` of everything runs on one core: 3.5 s for 100k dense ellipses, 1.8 s this way on 2)."""
    chunk = int(np.clip(len(geoms) // (4 * workers()), 2_048, 16_384))
    order = _spatial_order(geoms, chunk)
    chunks = [order[start : start + chunk] for start in range(0, len(geoms), chunk)]
    if len(chunks) == 1:
        return shapely.union_all(geoms, grid_size=grid_size)
    with ThreadPoolExecutor(workers()) as pool:  # GEOS runs outside the GIL
        unions = list(pool.map(lambda idx: shapely.union_all(geoms[idx], grid_size=grid_size), chunks))
    return shapely.union_all(np.array(unions, dtype=object), grid_size=grid_size)


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
                # on all CPUs even for a few pairs: a zone against a merged layer is a big overlay
                clipped = threaded(lambda a, b: shapely.intersection(a, b, grid_size=grid_size), zg[rest], pg[rest], min_size=8)
                area[rest] = shapely.area(clipped)
    finally:
        shapely.destroy_prepared(zones)
    out = np.bincount(zi, weights=area, minlength=len(zones))
    if return_pairs:
        keep = area > 0
        return out, (zi[keep], pj[keep], area[keep])
    return out
