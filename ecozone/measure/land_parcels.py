"""The figures of each 地类图斑 that :func:`ecozone.land_use` sums, a batch of 图斑 at a time.

:func:`check_survey` checks a batch as its kind (DLBM known, numbers numbers, geometries repaired);
:func:`class_keys`, :func:`deduction_fraction` and :func:`deduction_classes` give each 图斑's class, the
share of its area deducted (田坎) and where the deduction goes; :func:`tbmj_findings` the 图斑 whose
ellipsoidal area differs from ``TBMJ``; :func:`pieces` the pieces of 图斑 inside zones, the zones first cut
by :func:`subdivide` into parts of a few hundred vertices.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..features import ROW
from ..land_classes import DEDUCTION_CLASS, LAND_CLASSES, level1
from ..validate import validate_layer

__all__ = ["TBMJ_TOLERANCE", "PART_VERTICES", "check_survey", "class_keys", "deduction_fraction", "deduction_classes",
           "tbmj_findings", "numbers", "name_feature", "pieces", "subdivide"]

#: Relative disagreement between a 图斑's geometry and its TBMJ reported as a data-quality finding.
TBMJ_TOLERANCE = 0.001
#: The most vertices a part of a zone keeps (a district's boundary has thousands).
PART_VERTICES = 256


def check_survey(survey: gpd.GeoDataFrame, source: str | None = None, *, offset: int = 0,
                 warnings: list[str] | None = None) -> gpd.GeoDataFrame:
    """A batch of 图斑 checked as a ``land_survey`` layer: DLBM known (one line naming the first unknown by its
    BSM and the fix), areas and coefficients numbers, geometries repaired (said in ``warnings``).  Raises the
    first error.  ``offset``: the batch's first row in the file (messages name features by their row)."""
    source = source or survey.attrs.get("source", "survey")
    attrs = dict(survey.attrs)
    survey = survey.copy()
    if ROW not in survey.columns:
        survey[ROW] = np.arange(offset, offset + len(survey))
    if "DLBM" not in survey.columns and "地类编码" in survey.columns:
        survey = survey.rename(columns={"地类编码": "DLBM"})
    if "DLBM" in survey.columns:
        if survey["DLBM"].dtype.kind in "iuf":  # read by something else than read_survey: 101 for 0101
            from ..land_survey import as_text_codes

            survey = as_text_codes(survey)
        values = survey["DLBM"]
        known = values.astype("string").str.strip().str.casefold().isin(list(LAND_CLASSES.lookup()))
        bad = np.flatnonzero(~known.fillna(False).to_numpy(dtype=bool))
        if len(bad):
            more = f" (and {len(bad) - 1} more in this batch)" if len(bad) > 1 else ""
            raise SchemaError(f"{source}: {name_feature(survey, int(bad[0]))}: DLBM {values.iloc[int(bad[0])]!r} is no "
                              f"地类编码{more}; fix: use {LAND_CLASSES.describe()}")
    clean, report = validate_layer(survey, "land_survey", source=source)
    if report.errors:
        raise report.errors[0].exception()
    if warnings is not None:
        warnings.extend(str(i) for i in report.warnings)
    clean.attrs.update(attrs)
    return clean


def name_feature(gdf: pd.DataFrame, pos: int) -> str:
    """``feature 12 (BSM=370600000012)``: a 图斑 as messages name it."""
    row = int(gdf[ROW].iloc[pos]) if ROW in gdf.columns else pos
    for col in ("BSM", "TBBH"):
        if col in gdf.columns and pd.notna(gdf[col].iloc[pos]):
            return f"feature {row} ({col}={gdf[col].iloc[pos]})"
    return f"feature {row}"


def class_keys(dlbm: pd.Series, level: int, wetland: bool) -> np.ndarray:
    """The class of each 图斑 (its DLBM, or its 一级 class; 1203 田坎 its own), as an object array of a few
    shared strings."""
    codes, uniques = pd.factorize(dlbm.astype(object), use_na_sentinel=False)
    names = [str(u) for u in uniques]
    if level == 1:
        names = [u if u[:4] == DEDUCTION_CLASS else level1(u, wetland=wetland) for u in names]
    return np.array(names + [None], dtype=object)[codes]


def numbers(tb: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric field as floats (NaN where missing or absent)."""
    if col not in tb.columns:
        return np.full(len(tb), np.nan)
    return pd.to_numeric(tb[col], errors="coerce").to_numpy(dtype="float64")


#: The deduction coefficients (扣除系数): a fraction of the 图斑 (0.08), or in some deliveries per cent (8).
COEFFICIENTS = ("KCXS", "TKXS")


def per_cent_fields(values: dict[str, np.ndarray]) -> set[str]:
    """The coefficient fields given in per cent, told from every value of the field at once (never batch by batch,
    which made the figures depend on where batches were cut): the median of the positive values 1 or more (田坎
    coefficients run from a few per cent to a few tens; a coefficient of 1, all of the 图斑, is no 田坎 at all)."""
    out = set()
    for col, xs in values.items():
        positive = xs[np.isfinite(xs) & (xs > 0)]
        if len(positive) and float(np.median(positive)) >= 1:
            out.add(col)
    return out


def deduction_fraction(tb: pd.DataFrame, area: np.ndarray, said: dict[str, Any], per_cent: set[str],
                       source: str) -> np.ndarray:
    """The share of each 图斑's area deducted (田坎): KCMJ/TKMJ over TBMJ (or the geometry's area), else KCXS/TKXS
    (per cent for the fields in ``per_cent``), else (TBMJ − TBDLMJ) ÷ TBMJ where the survey gives both.  A
    coefficient outside 0–1 (0–100 per cent) is refused, naming the 图斑.  ``said`` collects what was done:
    ``per_cent`` (fields read as per cent), ``clipped`` (a count), ``from_tbdlmj`` (a count)."""
    fraction = np.full(len(tb), np.nan)
    tbmj = numbers(tb, "TBMJ")
    whole = np.where(np.isfinite(tbmj) & (tbmj > 0), tbmj, area)
    for col in ("KCMJ", "TKMJ"):
        m2 = numbers(tb, col)
        use = np.isnan(fraction) & np.isfinite(m2)
        fraction[use] = np.divide(m2[use], whole[use], out=np.zeros(int(use.sum())), where=whole[use] > 0)
    for col in COEFFICIENTS:
        xs = numbers(tb, col)
        scale = 100.0 if col in per_cent else 1.0
        bad = np.flatnonzero(np.isfinite(xs) & ((xs < 0) | (xs > scale)))
        if len(bad):
            unit = "per cent: 0–100" if scale == 100 else "a fraction: 0–1"
            raise SchemaError(f"{source}: {name_feature(tb, int(bad[0]))}: {col} {xs[bad[0]]:g} is outside the range of "
                              f"the field's other values ({unit}){f' (and {len(bad) - 1} more)' if len(bad) > 1 else ''};"
                              f" fix: correct the {col} of those 图斑")
        if col in per_cent:
            said.setdefault("per_cent", set()).add(col)
        use = np.isnan(fraction) & np.isfinite(xs)
        fraction[use] = xs[use] / scale
    tbdlmj = numbers(tb, "TBDLMJ")
    use = np.isnan(fraction) & np.isfinite(tbmj) & (tbmj > 0) & np.isfinite(tbdlmj)
    fraction[use] = (tbmj[use] - tbdlmj[use]) / tbmj[use]
    said["from_tbdlmj"] = said.get("from_tbdlmj", 0) + int((use & (fraction != 0)).sum())
    fraction = np.nan_to_num(fraction, nan=0.0)
    said["clipped"] = said.get("clipped", 0) + int(((fraction < 0) | (fraction > 1)).sum())
    return np.clip(fraction, 0.0, 1.0)


def deduction_classes(tb: pd.DataFrame) -> np.ndarray:
    """Where each 图斑's deduction goes: its KCDLBM when a known 地类, else 1203 田坎."""
    if "KCDLBM" not in tb.columns:
        return np.full(len(tb), DEDUCTION_CLASS, dtype=object)
    positions, uniques = pd.factorize(tb["KCDLBM"].astype("string").str.strip().str.upper())
    known = set(LAND_CLASSES.codes)
    table = [str(u) if str(u) in known else DEDUCTION_CLASS for u in uniques] + [DEDUCTION_CLASS]
    return np.array(table, dtype=object)[positions]  # -1 (missing) -> the last: 1203


def tbmj_findings(tb: pd.DataFrame, ellipsoidal: np.ndarray, found: dict[str, Any]) -> None:
    """Add to ``found`` (``checked``, ``disagree``, ``first``: up to 10 ids) the 图斑 whose ellipsoidal area differs
    from their TBMJ by more than :data:`TBMJ_TOLERANCE`."""
    if "TBMJ" not in tb.columns:
        return
    tbmj = numbers(tb, "TBMJ")
    given = np.isfinite(tbmj)  # a TBMJ of 0 (or less) on a 图斑 with an area disagrees with it too
    off = given & (np.abs(ellipsoidal - np.where(given, tbmj, 0)) > TBMJ_TOLERANCE * np.abs(np.where(given, tbmj, 0)))
    pos = np.flatnonzero(off)
    ident = next((c for c in ("BSM", "TBBH") if c in tb.columns), None)
    found["id_field"] = ident or "row"
    found["checked"] += int(given.sum())
    found["disagree"] += int(len(pos))
    for p in pos[: max(0, 10 - len(found["first"]))]:
        found["first"].append(str(tb[ident].iloc[p]) if ident else f"feature {int(tb[ROW].iloc[p])}")


def pieces(parts: np.ndarray, owner: np.ndarray, geoms: np.ndarray, area: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(zone, 图斑, area)`` of the pieces of 图斑 inside the zones' ``parts`` (from :func:`subdivide`, prepared):
    图斑 wholly inside a part keep their area, the others are intersected with the small parts they meet.  A
    图斑 across parts of one zone gives a piece per part (their areas add up to its area inside the zone)."""
    tree = shapely.STRtree(geoms)
    pi, tj = tree.query(parts, predicate="intersects")
    inside = shapely.contains_properly(parts[pi], geoms[tj])
    piece = area[tj].astype("float64")
    cut = np.flatnonzero(~inside)
    if len(cut):
        piece[cut] = shapely.area(shapely.intersection(parts[pi[cut]], geoms[tj[cut]]))
    keep = piece > 0
    return owner[pi[keep]], tj[keep], piece[keep]


def subdivide(zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each zone cut in halves along its longer side until every part has at most :data:`PART_VERTICES`
    vertices: the parts (prepared) and the zone each belongs to (together they are the zone, exactly)."""
    parts, owner = [], []
    stack = [(g, i, 0) for i, g in enumerate(zones)]
    while stack:
        g, i, depth = stack.pop()
        if g is None or g.is_empty or shapely.area(g) == 0:
            continue
        if shapely.get_num_coordinates(g) <= PART_VERTICES or depth >= 24:
            parts.append(g)
            owner.append(i)
            continue
        x0, y0, x1, y1 = g.bounds
        if x1 - x0 >= y1 - y0:
            xm = (x0 + x1) / 2
            halves = (shapely.box(x0 - 1, y0 - 1, xm, y1 + 1), shapely.box(xm, y0 - 1, x1 + 1, y1 + 1))
        else:
            ym = (y0 + y1) / 2
            halves = (shapely.box(x0 - 1, y0 - 1, x1 + 1, ym), shapely.box(x0 - 1, ym, x1 + 1, y1 + 1))
        for half in halves:
            stack.append((_polygonal(shapely.intersection(g, half)), i, depth + 1))
    out = np.array(parts + [None], dtype=object)[:-1]
    shapely.prepare(out)
    return out, np.array(owner, dtype=np.int64)


def _polygonal(g: Any) -> Any:
    """The polygons of an intersection (a half's edge may leave a line or a point beside them)."""
    if g.geom_type in ("Polygon", "MultiPolygon") or g.is_empty:
        return g
    polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()
