"""Lines drawn twice (重复岸线): which segments of a line layer run along each other.

The coastline's duplicate check asks GEOS only about the pairs these numpy tests cannot rule out:
:func:`segments_apart` settles the usual case (two-point segments, none along another) without a tree,
:func:`lines_may_share` filters box-candidate pairs down to those with collinear stretches.

:func:`segments_apart` remembers its answer for the segments it was asked about (by a digest of their
coordinates), and a second caller asking while the first computes waits for that answer: validation asks on
another core (:func:`ask_in_background`) while it checks the rest of a coastline layer, and the measure then
finds the answer (a million segments: 0.45 s of numpy, out of the measure's way).
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import shapely

__all__ = ["COLLINEAR_M", "DRAWN_TWICE_M", "segments_apart", "ask_in_background", "lines_may_share",
           "two_point_ends", "collinear_eps", "box_pairs", "collinear_overlap"]

#: Edges this far (m) from each other's line count as collinear in :func:`lines_may_share`: far above the
#: rounding of coordinates and of GEOS's snapping fallback (about 1e-12 of their size), far below a metre.
COLLINEAR_M = 1e-3

#: Segments sharing more than this (m) of line are drawn twice (the coastline's check).
DRAWN_TWICE_M = 1.0

_answers: dict[tuple[bytes, float], Future] = {}  # the last few layers asked about: digest → answer
_answers_lock = threading.Lock()
_REMEMBERED = 4


def segments_apart(geoms: np.ndarray, tolerance_m: float) -> bool:
    """True when every geometry is a line of two points and no two whose boxes meet run along each other for
    more than ``tolerance_m`` (:func:`collinear_overlap` on the pairs of :func:`box_pairs`); False: ask on."""
    coords = _two_point_coordinates(geoms)
    if coords is None:
        return False
    key = (hashlib.blake2b(memoryview(coords).cast("B"), digest_size=20).digest(), float(tolerance_m))
    with _answers_lock:
        known = _answers.get(key)
        if known is None:
            _answers[key] = mine = Future()
            while len(_answers) > _REMEMBERED:
                del _answers[next(iter(_answers))]
    if known is not None:
        try:
            return known.result()  # told already, or being told on another thread
        except Exception:  # that thread failed (memory, say): asked again here
            return _apart(coords[0::2], coords[1::2], tolerance_m)
    try:
        answer = _apart(coords[0::2], coords[1::2], tolerance_m)
    except BaseException as exc:
        with _answers_lock:
            if _answers.get(key) is mine:  # not another caller's, asking after this one was forgotten
                del _answers[key]
        mine.set_exception(exc)
        raise
    mine.set_result(answer)
    return answer


def ask_in_background(geoms: np.ndarray, tolerance_m: float = DRAWN_TWICE_M) -> None:
    """:func:`segments_apart` of ``geoms`` on a background thread, for a later caller to find answered.

    A daemon thread: nothing waits for it but a caller asking about the same segments, which computes the
    answer itself if this one fails."""

    def ask() -> None:
        try:
            segments_apart(geoms, tolerance_m)
        except Exception:  # whoever asks next computes it
            pass

    threading.Thread(target=ask, name="ecozone-drawn-twice", daemon=True).start()


def _apart(start: np.ndarray, end: np.ndarray, tolerance_m: float) -> bool:
    eps, least, edges = collinear_eps(start, end), tolerance_m - _slack(tolerance_m), _edges(start, end)

    def shares(i: np.ndarray, j: np.ndarray) -> bool:
        return bool((_overlap(*edges, i, j, eps) > least).any())

    # the pairs of one batch are tested (numpy outside the GIL) while the next batch is made (under it): one
    # test in flight, and the first batch with a shared stretch ends the search
    with ThreadPoolExecutor(1) as pool:
        pending = None
        for i, j in _pair_batches(start, end):
            test = pool.submit(shares, i, j)
            if pending is not None and pending.result():
                test.cancel()
                return False
            pending = test
        return not (pending is not None and pending.result())


def _slack(tolerance_m: float) -> float:  # what overlaps may fall short of tolerance_m by and still be asked about
    return COLLINEAR_M + 1e-9 * tolerance_m


def lines_may_share(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Which pairs (``geoms[a]``, ``geoms[b]``) may share more than ``tolerance_m`` of line: a sound pre-filter.

    A shared stretch is made of edges (straight pieces between vertices) of one line lying on edges of the
    other.  Kept: the pairs whose edges collinear to within :data:`COLLINEAR_M` overlap by more than
    ``tolerance_m`` in all (less a millimetre), so every pair whose intersection is longer; not segments
    meeting end to end (along a chain), crossing, or side by side.  Two-point segments are tested pair by
    pair; when a line has more vertices or parts, each edge against the edges whose boxes meet it."""
    n = len(geoms)
    if not len(a):
        return np.zeros(0, dtype=bool)
    slack, ends = _slack(tolerance_m), two_point_ends(geoms)
    if ends is not None:
        return collinear_overlap(*ends, a, b, collinear_eps(*ends)) > tolerance_m - slack
    # lines of more vertices or parts: edge by edge
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    xy, at = shapely.get_coordinates(parts, return_index=True)
    same = at[1:] == at[:-1]
    start, end, owner = xy[:-1][same], xy[1:][same], part_of[at[:-1][same]]
    edges = shapely.linestrings(np.stack([start, end], axis=1))
    e, f = shapely.STRtree(edges).query(edges)
    keep = owner[e] < owner[f]
    e, f = e[keep], f[keep]
    overlap = collinear_overlap(start, end, e, f, collinear_eps(xy))
    hit = overlap > 0
    key = owner[e][hit].astype(np.int64) * n + owner[f][hit]
    keys, where = np.unique(key, return_inverse=True)
    total = np.bincount(where.ravel(), weights=overlap[hit], minlength=len(keys))
    return np.isin(a.astype(np.int64) * n + b, keys[total > tolerance_m - slack])


def two_point_ends(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(starts, ends) when every geometry is a line of two points, else None."""
    coords = _two_point_coordinates(geoms)
    return None if coords is None else (coords[0::2], coords[1::2])


def _two_point_coordinates(geoms: np.ndarray) -> np.ndarray | None:
    if not ((shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING).all() and (shapely.get_num_coordinates(geoms) == 2).all()):
        return None
    return np.ascontiguousarray(shapely.get_coordinates(geoms))


def collinear_eps(*coords: np.ndarray) -> float:
    """How far from each other's line edges count as collinear: :data:`COLLINEAR_M`, more for huge coordinates."""
    return COLLINEAR_M + 1e-9 * max(float(np.abs(c).max(initial=0.0)) for c in coords)


def box_pairs(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of segments that include every pair whose boxes meet, from a grid, not a tree: cells as wide as
    the longest box but for the few over 8 times the median (paired through a tree of their own)."""
    batches = list(_pair_batches(start, end))
    i = np.concatenate([i for i, _ in batches]) if batches else np.zeros(0, np.int64)
    j = np.concatenate([j for _, j in batches]) if batches else np.zeros(0, np.int64)
    keep = i != j
    return np.minimum(i, j)[keep], np.maximum(i, j)[keep]


def _pair_batches(start: np.ndarray, end: np.ndarray, batch: int = 1 << 18):
    """:func:`box_pairs` a batch of segments at a time (either way round, some twice): memory stays small."""
    lox, loy = np.minimum(start[:, 0], end[:, 0]), np.minimum(start[:, 1], end[:, 1])
    side = np.maximum(np.abs(end[:, 0] - start[:, 0]), np.abs(end[:, 1] - start[:, 1]))
    long = side > 8 * np.median(side)
    short = np.flatnonzero(~long)
    if len(short):
        span = max(float(np.ptp(start[:, 0])), float(np.ptp(start[:, 1]))) + float(side.max())
        size = max(float(side[short].max()), span * 1e-7, 1e-9) * (1 + 1e-6)  # a hair wider: rounding in the floor
        lx, ly = lox[short], loy[short]
        cy = np.floor((ly - ly.min()) / size).astype(np.int64)
        rows = int(cy.max()) + 3
        key = np.floor((lx - lx.min()) / size).astype(np.int64) * rows + cy
        order = np.argsort(key, kind="stable")
        sorted_key, member = key[order], short[order]
        del lx, ly, cy, key, order
        # each pair of cells once: the rest of a segment's own cell and the cell above it (keys k … k+1), then
        # the three cells to its right (k+rows-1 … k+rows+1); the needles are sorted, so searchsorted runs in order
        for s0 in range(0, len(sorted_key), batch):
            here = sorted_key[s0:s0 + batch]
            for first, stop in ((np.arange(s0 + 1, s0 + len(here) + 1), np.searchsorted(sorted_key, here + 2)),
                                (np.searchsorted(sorted_key, here + (rows - 1)), np.searchsorted(sorted_key, here + (rows + 2)))):
                count = np.maximum(stop - first, 0)
                src = np.repeat(np.arange(s0, s0 + len(here)), count)
                offset = np.arange(len(src)) - np.repeat(np.cumsum(count) - count, count)
                yield member[src], member[np.repeat(first, count) + offset]
    if long.any():
        boxes = shapely.box(lox, loy, np.maximum(start[:, 0], end[:, 0]), np.maximum(start[:, 1], end[:, 1]))
        tall = np.flatnonzero(long)
        q, t = shapely.STRtree(boxes[tall]).query(boxes)
        keep = q != tall[t]  # not a long segment with itself: that would share its whole length
        yield q[keep], tall[t][keep]


def collinear_overlap(start: np.ndarray, end: np.ndarray, i: np.ndarray, j: np.ndarray, eps: float,
                      chunk: int = 1 << 18) -> np.ndarray:
    """Length over which edge ``j`` runs along edge ``i`` (edges ``start[k]``–``end[k]``), pair by pair: 0 unless
    both ends of the shorter edge lie within ``eps`` of the longer edge's line.  ``chunk`` pairs at a time."""
    edges = _edges(start, end)
    parts = [_overlap(*edges, i[k:k + chunk], j[k:k + chunk], eps) for k in range(0, len(i), chunk)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _edges(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    sx, sy = np.ascontiguousarray(start[:, 0]), np.ascontiguousarray(start[:, 1])
    dx, dy = end[:, 0] - sx, end[:, 1] - sy
    return sx, sy, dx, dy, np.hypot(dx, dy)


def _overlap(sx, sy, dx, dy, length, i, j, eps) -> np.ndarray:
    swap = length[j] > length[i]  # measure along the longer edge: its direction is the surer
    ref, other = np.where(swap, j, i), np.where(swap, i, j)
    px, py, rdx, rdy, size = sx[ref], sy[ref], dx[ref], dy[ref], length[ref]
    ax, ay = sx[other] - px, sy[other] - py  # the other edge's ends, from the reference's start
    bx, by = ax + dx[other], ay + dy[other]
    # distances of the other edge's ends from the reference's line: |d × r| / |d|
    bound = eps * size
    near = (np.abs(rdx * ay - rdy * ax) <= bound) & (np.abs(rdx * by - rdy * bx) <= bound) & (size > 0)
    out = np.zeros(len(i))
    k = np.flatnonzero(near)  # few: the rest share no stretch
    ux, uy = rdx[k] / size[k], rdy[k] / size[k]
    t0, t1 = ux * ax[k] + uy * ay[k], ux * bx[k] + uy * by[k]
    out[k] = np.maximum(np.minimum(size[k], np.maximum(t0, t1)) - np.maximum(0.0, np.minimum(t0, t1)), 0.0)
    return out
