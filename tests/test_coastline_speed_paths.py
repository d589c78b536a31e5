"""The fast paths of coastline retention against direct, row-by-row oracles (issue 19, part 2).

* the duplicate-segment check (a numpy pre-filter before GEOS) finds exactly the pairs whose
  ``shapely.intersection(a, b).length`` exceeds 1 m, and says so in the same words as the check
  that ran GEOS on every box-candidate pair;
* class codes mapped per distinct value give what the per-row lookup gave;
* numpy bool / int / float fields coerced without a loop give what the loop gave;
* geometry types from type ids are GeoSeries.geom_type.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.ops import substring

from ecozone.codes import COASTLINE_CLASSES, code_array, normalise_code, normalise_codes
from ecozone.errors import GeometryError
from ecozone.fields import coerce, isnull
from ecozone import line_overlaps
from ecozone.measure import coastline as cl
from ecozone.schema import KINDS

X0, Y0 = 500_000.0, 4_100_000.0


def _walk(rng, n: int, step: float, start=(X0, Y0)) -> np.ndarray:
    """``n`` vertices on a grid of 1/4 m (exact in binary): points at k/64 of an edge lie exactly on it."""
    return np.cumsum(rng.integers(-4, 5, (n, 2)) * step, axis=0) + start


def _on(p, q, k: int) -> tuple[float, float]:
    """The point k/64 of the way from p to q (exactly on the edge for grid vertices)."""
    return (p[0] + (q[0] - p[0]) * k / 64, p[1] + (q[1] - p[1]) * k / 64)


def _stretch(rng, g: shapely.LineString) -> shapely.LineString | None:
    """A stretch of ``g`` from a point on one edge to a point on the same or a later edge, exactly on ``g``."""
    xy = list(g.coords)
    i, j = sorted(rng.integers(0, len(xy) - 1, 2))
    k1 = int(rng.integers(0, 64))
    k2 = int(rng.integers(k1 + 1, 65)) if i == j else int(rng.integers(1, 65))
    piece = [_on(xy[i], xy[i + 1], k1), *xy[i + 1 : j + 1], _on(xy[j], xy[j + 1], k2)]
    line = shapely.LineString(piece)
    return line if line.length > 0 and shapely.is_valid(line) else None


def _random_lines(seed: int) -> list:
    """Chains, multi-vertex lines, duplicates (exact, reversed, partial — within an edge and along several
    edges), crossings, near-parallel neighbours, collinear pieces meeting end to end, a MultiLineString."""
    rng = np.random.default_rng(seed)
    dups = seed % 3 != 0  # a third of the sets has no duplicate at all
    lines = []
    # a chain of two-point segments: neighbours share an end point
    xy = _walk(rng, 12, 2.0)
    lines += [shapely.LineString(xy[i : i + 2]) for i in range(len(xy) - 1)]
    # a straight seawall cut into collinear pieces meeting end to end
    d = rng.integers(1, 5, 2) * 0.25
    t = np.sort(rng.choice(np.arange(0, 60), 5, replace=False))
    lines += [shapely.LineString([(X0 + a * d[0], Y0 + a * d[1]), (X0 + b * d[0], Y0 + b * d[1])]) for a, b in zip(t[:-1], t[1:])]
    # multi-vertex lines, one densely digitised (edges under 1 m: a shared 2 m runs along several)
    multi = [shapely.LineString(_walk(rng, int(rng.integers(3, 7)), 2.5)) for _ in range(6)]
    dense = shapely.LineString(_walk(rng, 25, 0.25, (X0 + 5, Y0 + 5)))
    lines += multi + [dense]
    if dups:
        lines.append(shapely.MultiLineString([multi[0].coords[:], [(X0 - 50, Y0 - 50), (X0 - 10, Y0 - 70)]]))
    else:
        lines.append(shapely.MultiLineString([[(X0 - 60, Y0 + 80), (X0 - 20, Y0 + 90)], [(X0 - 50, Y0 - 50), (X0 - 10, Y0 - 70)]]))
    pool = [g for g in lines if g.geom_type == "LineString" and g.length > 0]
    for _ in range(14):
        g = pool[rng.integers(len(pool))]
        what = rng.integers(6) if dups else rng.integers(3, 6)
        if what == 0:  # drawn twice, either way
            lines.append(shapely.LineString(g.coords if rng.random() < 0.5 else g.coords[::-1]))
        elif what in (1, 2):  # a stretch of it (shorter or longer than 1 m), either way
            piece = _stretch(rng, g)
            if piece is not None:
                lines.append(piece if rng.random() < 0.5 else piece.reverse())
        elif what == 3:  # beside it, a little off
            off = rng.choice([1e-6, 1e-3, 0.01, 0.5])
            lines.append(shapely.affinity.translate(g, off, -off))
        elif what == 4:  # crossing it
            c = g.interpolate(0.5, normalized=True)
            ang = rng.uniform(0, np.pi)
            lines.append(shapely.LineString([(c.x - 20 * np.cos(ang), c.y - 20 * np.sin(ang)), (c.x + 20 * np.cos(ang), c.y + 20 * np.sin(ang))]))
        else:  # carrying it on from its end, collinear, touching only there
            (x1, y1), (x2, y2) = g.coords[-2], g.coords[-1]
            lines.append(shapely.LineString([(x2, y2), (2 * x2 - x1, 2 * y2 - y1)]))
    return lines


def _frame(lines) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame({"id": [f"S{i}" for i in range(len(lines))]}, geometry=lines, crs=4549)
    gdf["_row"] = np.arange(len(gdf))
    return gdf


def _oracle_pairs(lines, tol=1.0) -> set[tuple[int, int]]:
    """Brute force: every pair whose intersection is longer than ``tol``."""
    return {(i, j) for i, j in itertools.combinations(range(len(lines)), 2) if shapely.intersection(lines[i], lines[j]).length > tol}


def _refused_pairs(lines, tol=1.0) -> set[tuple[int, int]]:
    """Brute force, the check's meaning: interiors sharing a line (relate) and an intersection longer than ``tol``.

    It differs from :func:`_oracle_pairs` only where GEOS's overlay falls back to snapping: a self-crossing
    line and its copy moved by 1e-6 m touch in points (relate) but intersect along their length (overlay)."""
    return {(i, j) for i, j in _oracle_pairs(lines, tol) if shapely.relate_pattern(lines[i], lines[j], "1********")}


def _old_check(lines: gpd.GeoDataFrame, source: str, tolerance_m: float = 1.0) -> None:
    """The check as it was: GEOS relate on every box-candidate pair."""
    geoms = lines.geometry.values
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms)
    keep = a < b
    a, b = a[keep], b[keep]
    along = shapely.relate_pattern(geoms[a], geoms[b], "1********")
    a, b = a[along], b[along]
    if not len(a):
        return
    shared = shapely.length(shapely.intersection(geoms[a], geoms[b]))
    dup = shared > tolerance_m
    if dup.any():
        pairs = [(int(i), int(j), float(s)) for i, j, s in zip(a[dup], b[dup], shared[dup])]
        rows = lines["_row"].to_numpy()
        label = cl.feature_label
        shown = "; ".join(f"{label(lines, i, rows[i])} and {label(lines, j, rows[j])} share {s:,.0f} m" for i, j, s in pairs[:3])
        more = f" (and {len(pairs) - 3} more pairs)" if len(pairs) > 3 else ""
        raise GeometryError(
            f"{source}: {len(pairs)} pair(s) of segments overlap — they would count twice: {shown}{more}; "
            "fix: delete the duplicate segments (or dissolve the coastline per class)"
        )


def _message(check, frame) -> str | None:
    try:
        check(frame, "coast.gpkg")
    except GeometryError as e:
        return str(e)
    return None


@pytest.mark.parametrize("seed", range(40))
def test_duplicate_check_finds_what_intersection_finds(seed):
    lines = _random_lines(seed)
    frame = _frame(lines)
    expected = _refused_pairs(lines)
    # the pre-filter keeps every pair whose intersection is longer than 1 m, whatever pairs it is given
    a, b = (np.array(v, dtype=np.int64) for v in zip(*itertools.combinations(range(len(lines)), 2)))
    kept = line_overlaps.lines_may_share(np.asarray(frame.geometry.values), a, b, 1.0)
    assert _oracle_pairs(lines) <= {(int(i), int(j)) for i, j in zip(a[kept], b[kept])}
    # and the check refuses exactly those pairs, in the words of the check without the pre-filter
    message = _message(cl._check_duplicates, frame)
    assert message == _message(_old_check, frame)
    if expected:
        assert message.startswith(f"coast.gpkg: {len(expected)} pair(s) of segments overlap")
    else:
        assert message is None


@pytest.mark.parametrize("seed", range(10))
def test_duplicate_check_two_point_segments(seed):
    """The all-two-point path (the bench's case): a chain with duplicates, reversed and partial ones."""
    rng = np.random.default_rng(100 + seed)
    xy = _walk(rng, 300, 10.0)
    segs = [shapely.LineString(xy[i : i + 2]) for i in range(len(xy) - 1) if (xy[i] != xy[i + 1]).any()]
    for i in rng.choice(len(segs), 12, replace=False):
        (x1, y1), (x2, y2) = segs[i].coords
        # a stretch k1/64 … k2/64 of it: just under or over 1 m, a few metres, or all of it
        want = rng.choice([0.95, 1.05, 2.0, 3.0, segs[i].length])
        k1 = int(rng.integers(0, 40))
        k2 = min(64, k1 + max(1, int(round(want / segs[i].length * 64))))
        piece = shapely.LineString([_on((x1, y1), (x2, y2), k1), _on((x1, y1), (x2, y2), k2)])
        segs.append(piece if rng.random() < 0.5 else piece.reverse())
    frame = _frame(segs)
    expected = _oracle_pairs(segs)
    assert expected == _refused_pairs(segs)
    # the grid shortcut says "apart" only when nothing is shared; with the duplicates taken out, it says so
    assert line_overlaps.segments_apart(np.asarray(frame.geometry.values), 1.0) == (not expected)
    assert line_overlaps.segments_apart(np.asarray(frame.geometry.values[:299]), 1.0) == (not _oracle_pairs(segs[:299]))
    message = _message(cl._check_duplicates, frame)
    assert message == _message(_old_check, frame)
    assert (message is None) == (not expected)
    if expected:
        assert f": {len(expected)} pair(s)" in message


@pytest.mark.parametrize("seed", range(60))
def test_grid_pairs_include_every_pair_of_meeting_boxes(seed):
    """The grid that spares the tree when no pair can share a stretch: every pair of boxes that meet is in it
    (short and long segments, zero-length and flat ones, far from the origin or around it)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 200))
    start = rng.uniform(-50, 50, (n, 2)) * rng.choice([1, 10, 1000]) + rng.choice([0.0, 4e6, -3e5])
    length = rng.exponential(rng.choice([1, 5, 30]), n)
    length[rng.random(n) < 0.05] *= 50
    length[rng.random(n) < 0.05] = 0
    angle = rng.uniform(0, 2 * np.pi, n)
    end = start + np.column_stack([length * np.cos(angle), length * np.sin(angle)])
    if seed % 5 == 0:
        end[:, 1] = start[:, 1]  # flat boxes
    if seed % 7 == 0:
        end[: n // 2] = start[: n // 2] + (rng.choice([-1, 1], (n // 2, 2)) * 16.0)  # boxes as wide as the cells
    lo, hi = np.minimum(start, end), np.maximum(start, end)
    meet = {(i, j) for i, j in itertools.combinations(range(n), 2) if (lo[i] <= hi[j]).all() and (lo[j] <= hi[i]).all()}
    i, j = line_overlaps.box_pairs(start, end)
    assert (i < j).all()
    assert meet <= set(zip(i.tolist(), j.tolist()))


def test_a_long_segment_is_not_paired_with_itself():
    """A segment over 8 times the median length is paired through a tree of its own: never with itself (its whole
    length would read as shared), so a layer without duplicates is told apart by the grid alone."""
    xy = np.column_stack([X0 + np.arange(50) * 10.0, np.full(50, Y0)])
    segs = [shapely.LineString(xy[i : i + 2]) for i in range(49)]
    segs.append(shapely.LineString([(X0, Y0 + 100.0), (X0 + 500.0, Y0 + 100.0)]))  # 50 times the others, apart
    geoms = np.asarray(_frame(segs).geometry.values)
    assert not _oracle_pairs(segs)
    assert line_overlaps.segments_apart(geoms, 1.0)
    # and drawn twice (half of it again), it is found
    segs.append(shapely.LineString([(X0 + 100.0, Y0 + 100.0), (X0 + 350.0, Y0 + 100.0)]))
    assert _oracle_pairs(segs)
    assert not line_overlaps.segments_apart(np.asarray(_frame(segs).geometry.values), 1.0)


def test_chain_of_touching_segments_passes():
    xy = np.column_stack([X0 + np.arange(50) * 10.0, np.full(50, Y0)])  # collinear, end to end
    frame = _frame([shapely.LineString(xy[i : i + 2]) for i in range(49)])
    cl._check_duplicates(frame, "coast.gpkg")


# ---------------------------------------------------------------------------------------------- codes

VALUES = ["bedrock", " Sandy ", "砂质", "沙质岸线", "人工", "ROCK", "gravel", "", None, np.nan, pd.NA, np.float32("nan"),
          pd.NaT, 1, 1.0, True, "estuary", "河口岸线", "mangrove"]


def _old_normalise_codes(codes, values):
    values = list(values)
    known = {v: normalise_code(codes, v) for v in set(v for v in values if v is not None and v == v)}
    return [known.get(v) if v is not None and v == v else None for v in values]


@pytest.mark.parametrize(
    "values",
    [
        VALUES,
        [v for v in VALUES if isinstance(v, str)] * 3,
        pd.Series(["sandy", "人工", None, "gravel", "sandy"], index=[10, 3, 7, 1, 0]),
        pd.Series(["sandy", "人工", None, "gravel", "Rock "], dtype="str"),
        pd.Series(["sandy", "人工", None, "gravel"], dtype="string[pyarrow]"),
        np.array(["sandy", "artificial", "seawall"], dtype=object),
        [],
    ],
)
def test_codes_per_distinct_value_match_row_by_row(values):
    rows = list(values)
    # the validation's rule: isnull for missing, the lookup for the rest
    out, missing = code_array(COASTLINE_CLASSES, values, isnull)
    assert missing.tolist() == [isnull(v) for v in rows]
    assert out.tolist() == [None if isnull(v) else normalise_code(COASTLINE_CLASSES, v) for v in rows]
    # normalise_codes as before (pd.NA, which made it fail, is missing now)
    if not any(v is pd.NA for v in rows):
        assert normalise_codes(COASTLINE_CLASSES, values) == _old_normalise_codes(COASTLINE_CLASSES, rows)


def test_code_field_messages_unchanged():
    from ecozone.validate import validate_layer

    gdf = gpd.GeoDataFrame(
        {"class": ["sandy", "gravel", None, "人工", "mud", "Gravel", np.nan, "silt"]},
        geometry=[shapely.LineString([(X0 + i, Y0), (X0 + i, Y0 + 1)]) for i in range(8)],
        crs=4549,
    )
    clean, report = validate_layer(gdf, "coastline", source="c.gpkg")
    text = [str(i) for i in report.issues]
    assert any("class values 'Gravel', 'gravel', 'silt' not in the coastline class list" in t for t in text), text
    assert any("required field 'class' (岸线类型) is empty" in t for t in text), text
    assert clean["class"].tolist() == ["sandy", None, None, "artificial", "muddy", None, None, None]


# ---------------------------------------------------------------------------------------------- coerce

def _coerce_by_loop(series, f):
    return coerce(series.astype(object), f)


@pytest.mark.parametrize("dtype", ["bool", "int", "float"])
@pytest.mark.parametrize(
    "values",
    [np.array([True, False, True]), np.array([0, 5, -3], dtype=np.int64), np.array([1.5, np.nan, -0.0, 3.0]),
     np.array([1, 2], dtype=np.uint8), np.array([], dtype=bool)],
)
def test_numpy_columns_coerce_as_the_loop_does(dtype, values):
    f = next(f for kind in KINDS.values() for f in kind.fields if f.dtype == dtype and f.codes is None)
    series = pd.Series(values, index=np.arange(len(values))[::-1])
    fast, bad = coerce(series, f)
    slow, slow_bad = _coerce_by_loop(series, f)
    assert bad == slow_bad
    pd.testing.assert_series_equal(fast, slow)


def test_geometry_types_from_ids_are_geom_type():
    from ecozone.checks import _geom_types

    g = gpd.GeoSeries([shapely.Point(0, 0), None, shapely.LinearRing([(0, 0), (1, 0), (1, 1), (0, 0)]),
                       shapely.LineString([(0, 0), (1, 1)]), shapely.box(0, 0, 1, 1), shapely.MultiPoint([(0, 0)]),
                       shapely.MultiLineString([[(0, 0), (1, 1)]]), shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]),
                       shapely.GeometryCollection([shapely.Point(0, 0)]), shapely.Point()])
    pd.testing.assert_series_equal(pd.Series(_geom_types(g.values)), pd.Series(g.geom_type.to_numpy()))


def _east_chain(seed: int, n: int = 400) -> list:
    """A chain going east: neighbours meet end to end, nothing is drawn twice."""
    rng = np.random.default_rng(seed)
    xy = np.column_stack([X0 + np.cumsum(rng.uniform(5, 15, n)), Y0 + np.cumsum(rng.normal(0, 5, n))])
    return [shapely.LineString(xy[i : i + 2]) for i in range(len(xy) - 1)]


def _coast(segs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"S{i}" for i in range(len(segs))], "class": "bedrock"}, geometry=segs, crs=4549)


def _answered() -> None:
    """Wait for the background thread's answer."""
    import time

    for _ in range(500):
        if line_overlaps._answers and all(f.done() for f in line_overlaps._answers.values()):
            return
        time.sleep(0.01)


def test_validation_asks_the_drawn_twice_check_once_for_the_measure(monkeypatch):
    """Validating a coastline layer for a retention measure (drawn_twice_ahead) starts the measure's drawn-twice
    check on the background thread; the measure then finds the answer (the numpy test runs once, there), and with
    segments drawn twice it still refuses them with the pairs.  Without the flag, validation starts nothing."""
    import threading

    from ecozone.validate import validate_layer

    asked = []
    real = line_overlaps._apart
    monkeypatch.setattr(line_overlaps, "_apart", lambda *a: asked.append(threading.current_thread().name) or real(*a))
    monkeypatch.setattr(line_overlaps, "_answers", {})
    segs = _east_chain(7)
    assert not _oracle_pairs(segs)
    clean, report = validate_layer(_coast(segs), "coastline")
    assert not report.errors
    assert asked == [] and not line_overlaps._answers  # not asked for
    clean, report = validate_layer(_coast(segs), "coastline", drawn_twice_ahead=True)
    _answered()
    result = cl.coastline_retention(clean)
    assert asked == ["ecozone-drawn-twice"]  # once, in the background: the measure found the answer
    assert result.total_km == pytest.approx(sum(s.length for s in segs) / 1000, rel=1e-12)
    # drawn twice: the background answer is "ask on", and the measure names the pair
    twice = segs + [segs[10]]
    clean, _ = validate_layer(_coast(twice), "coastline", drawn_twice_ahead=True)
    with pytest.raises(GeometryError, match=r"1 pair\(s\) of segments overlap"):
        cl.coastline_retention(clean)


def test_a_failed_background_answer_is_computed_again_by_the_measure(monkeypatch):
    """The background thread fails (out of memory, say) while the measure waits for it: the measure computes the
    answer itself, and a failing owner never forgets another caller's answer."""
    import threading

    segs = _east_chain(8, 60)
    geoms = np.asarray(_coast(segs).geometry.values)
    real = line_overlaps._apart
    started, release = threading.Event(), threading.Event()

    def failing(*a):
        if threading.current_thread().name == "ecozone-drawn-twice":
            started.set()
            release.wait(5)
            raise MemoryError("simulated")
        return real(*a)

    monkeypatch.setattr(line_overlaps, "_apart", failing)
    monkeypatch.setattr(line_overlaps, "_answers", {})
    line_overlaps.ask_in_background(geoms)
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()  # fails while the measure waits for it
    assert line_overlaps.segments_apart(geoms, 1.0) is True
    # an owner that fails after its entry was evicted and asked again does not remove the new owner's entry
    monkeypatch.setattr(line_overlaps, "_answers", {})
    release.clear()
    started.clear()
    line_overlaps.ask_in_background(geoms)
    assert started.wait(5)
    for k in range(1, 6):  # other layers push the first entry out of the memo
        other = np.asarray(_coast([shapely.affinity.translate(g, 10_000.0 * k) for g in segs]).geometry.values)
        assert line_overlaps.segments_apart(other, 1.0)
    assert line_overlaps.segments_apart(geoms, 1.0) is True  # a new owner, answered
    kept = dict(line_overlaps._answers)
    release.set()
    for t in threading.enumerate():
        if t.name == "ecozone-drawn-twice":
            t.join(5)
    assert line_overlaps._answers == kept


def test_the_search_ends_at_the_first_batch_with_a_shared_stretch(monkeypatch):
    """One overlap test in flight at a time, and the first batch with a pair drawn twice ends the search."""
    segs = [shapely.LineString([(X0, Y0), (X0 + 10, Y0)]), shapely.LineString([(X0 + 2, Y0), (X0 + 8, Y0)]),
            shapely.LineString([(X0, Y0 + 50), (X0 + 10, Y0 + 50)])]
    made = []

    def batches(start, end, batch=1 << 18):
        made.append(0)
        yield np.array([0]), np.array([1])  # shares 6 m
        for _ in range(50):
            made.append(1)
            yield np.array([0]), np.array([2])

    monkeypatch.setattr(line_overlaps, "_pair_batches", batches)
    monkeypatch.setattr(line_overlaps, "_answers", {})
    assert line_overlaps.segments_apart(np.asarray(_coast(segs).geometry.values), 1.0) is False
    assert len(made) <= 2


