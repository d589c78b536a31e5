"""Land use per zone and class from the land survey (土地利用现状统计): 地类图斑 → area by 地类.

:func:`land_use` sums a survey's 地类图斑 (``DLTB``) by zone and 地类 (``DLBM``; its 一级 class at
``level=1``), net of the 田坎 deduction (``KCMJ``/``TKMJ``, else ``KCXS``/``TKXS`` × the area), whose
area is a row of its own (``1203`` 田坎, or the ``KCDLBM`` the survey gives).  With zones, areas come
from the geometry, each 图斑 cut by the zones and its deduction pro-rated by the area inside; without,
rows per district (``ZLDWDM[:6]``) or township (``ZLDWDM[:9]``) carry the survey's own figures
(``TBDLMJ``, what the official statistics sum) with the geometry's area beside them.  Areas are
ellipsoidal by default (on CGCS2000, as ``TBMJ``: :mod:`ecozone.crs.ellipsoidal`) or planar.
When the survey carries ``TBMJ``, the 图斑 whose geometry disagrees with it by more than 0.1 % are
counted in ``attrs["tbmj_check"]`` (a finding about the data, not an error).

Example
-------
>>> import geopandas as gpd, shapely
>>> survey = gpd.GeoDataFrame({"DLBM": ["0101", "0301"], "KCXS": [0.1, 0.0], "ZLDWDM": ["3706020010010000000"] * 2},
...                           geometry=[shapely.box(500000, 4150000, 500100, 4150100),
...                                     shapely.box(500100, 4150000, 500200, 4150100)], crs=4549)
>>> t = land_use(survey, area_method="planar")
>>> t[["zone", "class", "class_name", "area_ha", "gross_area_ha"]].to_dict("records")[0]
{'zone': '370602', 'class': '0101', 'class_name': '水田', 'area_ha': 0.9, 'gross_area_ha': 1.0}
>>> t["class"].tolist(), round(float(t["area_ha"].sum()), 6)
(['0101', '0301', '1203'], 2.0)
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import reproject_frame, short_label
from ..crs.ellipsoidal import METHOD_LABELS, centre_lonlat, check_area_method, ellipsoidal_areas, equal_area_crs
from ..errors import SchemaError
from ..features import describe_features
from ..land_classes import DEDUCTION_CLASS, LAND_CLASSES, class_name, level1
from ..land_survey import read_survey, read_xzq, xzq_names
from ..prepare import as_frame, check_input, measurement_target, note, repair_notes, repaired
from ..units import M2_PER_HA, M2_PER_MU
from ..validate import validate_layer

__all__ = ["land_use", "TBMJ_TOLERANCE", "check_survey"]

#: Relative disagreement between a 图斑's geometry and its TBMJ reported as a data-quality finding.
TBMJ_TOLERANCE = 0.001
_UNIT_LENGTH = {False: 6, True: 9}  # ZLDWDM digits of a district, a township


def land_use(
    survey: gpd.GeoDataFrame | str | os.PathLike,
    zones: gpd.GeoDataFrame | str | os.PathLike | None = None,
    *,
    level: int = 2,
    area_method: str = "ellipsoidal",
    zone_field: str = "name",
    by_township: bool = False,
    xzq: pd.DataFrame | str | os.PathLike | None = None,
    wetland: bool = True,
) -> pd.DataFrame:
    """Area of each 地类 per zone (土地利用现状): ha, mu and share, net of 田坎, with the gross beside it.

    Parameters
    ----------
    survey : the 地类图斑 layer (a GeoDataFrame, or a FileGDB / GeoPackage / Shapefile: its ``DLTB``)
    zones : polygons to sum in (named by ``zone_field``); None: per district or township of ``ZLDWDM``
    level : 2 for the DLBM classes, 1 for their 一级 classes
    area_method : ``"ellipsoidal"`` (on CGCS2000, as TBMJ) or ``"planar"`` (the Gauss-Krüger zone)
    zone_field : the zones' field naming them
    by_township : without zones, rows per township (``ZLDWDM[:9]``) rather than district (``[:6]``)
    xzq : the survey's XZQ layer (or a table of ``XZQDM``, ``XZQMC``) naming the districts/townships
    wetland : at level 1, the 三调 湿地 group (``00``: 0303, 0304, 0306, 0402, 0603, 1105, 1106, 1108) as a
        class of its own (the 三调 statistics); False: each under its GB/T 21010 一级 class

    Returns
    -------
    DataFrame with ``zone``, ``class``, ``class_name``, ``area_ha`` (net), ``area_mu``, ``share`` (of the
    zone's surveyed area, 0–1) and ``gross_area_ha`` (classes with a deduction; else empty); without zones
    also ``zone_code`` and ``geometry_area_ha`` (the geometry's net area beside the survey's figures).
    ``attrs``: ``notes``, ``area_method``, ``tbmj_check`` and ``surveyed_area_ha`` (per zone: the classes'
    sum).
    """
    check_area_method(area_method)
    if level not in (1, 2):
        raise SchemaError(f"land_use: level {level!r} is unknown; fix: use level=1 (一级 classes) or level=2 (DLBM)")
    notes: list[str] = []
    survey = read_survey(survey) if isinstance(survey, (str, os.PathLike)) else survey
    survey = check_survey(survey)  # a copy of its own (validate_layer's), reprojected in place below
    notes.extend(survey.attrs.get("read_notes", []))
    zones = as_frame(zones) if zones is not None else None
    if zones is not None:
        check_input(zones, "zones")
        zones, empty, invalid = repaired(zones)
        repair_notes("zones", empty, invalid, notes)
        if zone_field not in zones.columns:
            have = ", ".join(str(c) for c in zones.columns if c != zones.geometry.name) or "none"
            raise SchemaError(f"zones: no field '{zone_field}' to name the zones (fields: {have}); fix: pass zone_field=NAME")
    target = _target(survey, zones, area_method)
    for name, frame in (("survey", survey), ("zones", zones)):
        if frame is not None and not frame.crs.equals(target):
            note(notes, f"{name} reprojected from {short_label(frame.crs)} to {_label(target, area_method)} for measuring")
    # the survey is check_survey's own copy: reprojected in place, a slice at a time, never held twice
    tb = reproject_frame(survey, target, in_place=True) if not survey.crs.equals(target) else survey
    geoms = tb.geometry.values
    area = shapely.area(geoms)
    check = _tbmj_check(tb, area if area_method == "ellipsoidal" else None, survey)
    if check["disagree"]:
        note(notes, f"{check['disagree']} of {check['checked']} 图斑 differ from their TBMJ by more than "
                    f"{TBMJ_TOLERANCE:.1%} (first: {', '.join(map(str, check['first']))}): a finding about the data")
    fraction = _deduction_fraction(tb, area, notes)
    keys = _class_keys(tb["DLBM"], level, wetland)
    ded_class = _deduction_classes(tb)
    if zones is not None:
        zt = reproject_frame(zones, target) if not zones.crs.equals(target) else zones
        zone_names = zt[zone_field].astype(str).to_numpy()
        zi, tj, piece = _pieces(zt.geometry.values, geoms, area)
        rows = pd.DataFrame({"zone": zone_names[zi], "class": keys[tj], "gross": piece,
                             "deducted": piece * fraction[tj], "ded_class": ded_class[tj]})
        table = _table(rows, [*dict.fromkeys(zone_names)])
    else:
        table = _by_unit(tb, keys, area, fraction, ded_class, by_township, xzq, notes)
    table.insert(table.columns.get_loc("class") + 1, "class_name", [class_name(c) for c in table["class"]])
    table.attrs["notes"] = notes
    table.attrs["area_method"] = area_method
    table.attrs["area_method_label"] = METHOD_LABELS[area_method]
    table.attrs["tbmj_check"] = check
    table.attrs["surveyed_area_ha"] = {str(z): float(v) for z, v in table.groupby("zone", sort=False)["area_ha"].sum().items()}
    return table


def _class_keys(dlbm: pd.Series, level: int, wetland: bool) -> np.ndarray:
    """The class of each 图斑 (its DLBM, or its 一级 class), as an object array of a few shared strings."""
    codes, uniques = pd.factorize(dlbm.astype(object), use_na_sentinel=False)
    names = [str(u) for u in uniques]
    if level == 1:
        names = [u if u[:4] == DEDUCTION_CLASS else level1(u, wetland=wetland) for u in names]
    return np.array(names + [None], dtype=object)[codes]


def check_survey(survey: gpd.GeoDataFrame, source: str | None = None) -> gpd.GeoDataFrame:
    """A 地类图斑 layer checked as its kind: DLBM known (one line naming the first feature and the fix), areas
    and coefficients numbers, geometries repaired.  Raises the first error."""
    source = source or survey.attrs.get("source", "survey")
    if "DLBM" in survey.columns or "地类编码" in survey.columns:
        col = "DLBM" if "DLBM" in survey.columns else "地类编码"
        values = survey[col]
        if values.dtype.kind in "iuf":  # read by something else than read_survey: 101 for 0101
            from ..land_survey import as_text_codes

            survey = as_text_codes(survey.rename(columns={col: "DLBM"}))
            col = "DLBM"
            values = survey[col]
        text = values.astype("string").str.strip()
        known = text.str.casefold().isin(list(LAND_CLASSES.lookup()))
        bad = np.flatnonzero(~known.fillna(False).to_numpy(dtype=bool))
        if len(bad):
            named = _name_feature(survey, int(bad[0]))
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise SchemaError(f"{source}: {named}: DLBM {values.iloc[int(bad[0])]!r} is no 地类编码{more}; fix: use "
                              f"{LAND_CLASSES.describe()}")
    clean, report = validate_layer(survey, "land_survey", source=source)
    if report.errors:
        raise report.errors[0].exception()
    clean.attrs.update(survey.attrs)
    return clean


def _name_feature(gdf: pd.DataFrame, pos: int) -> str:
    for col in ("BSM", "TBBH"):
        if col in gdf.columns and pd.notna(gdf[col].iloc[pos]):
            return f"feature {pos} ({col}={gdf[col].iloc[pos]})"
    return describe_features(gdf, [pos])


def _target(survey: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, area_method: str) -> Any:
    base = zones if zones is not None else survey
    if area_method == "ellipsoidal":
        return equal_area_crs(*centre_lonlat(base.geometry.values, base.crs))
    return measurement_target(base)


def _label(crs: Any, area_method: str) -> str:
    return "CGCS2000 Lambert azimuthal equal-area (ellipsoidal areas)" if area_method == "ellipsoidal" else short_label(crs)


def _tbmj_check(tb: gpd.GeoDataFrame, ellipsoidal: np.ndarray | None, survey: gpd.GeoDataFrame) -> dict[str, Any]:
    """The 图斑 whose ellipsoidal area differs from TBMJ by more than :data:`TBMJ_TOLERANCE`."""
    out: dict[str, Any] = {"field": "TBMJ", "tolerance": TBMJ_TOLERANCE, "checked": 0, "disagree": 0, "first": []}
    if "TBMJ" not in tb.columns:
        return out
    tbmj = pd.to_numeric(tb["TBMJ"], errors="coerce").to_numpy(dtype="float64")
    if ellipsoidal is None:
        ellipsoidal = ellipsoidal_areas(survey.geometry.values, survey.crs)
    given = np.isfinite(tbmj) & (tbmj > 0)
    off = given & (np.abs(ellipsoidal - np.where(given, tbmj, 0)) > TBMJ_TOLERANCE * np.where(given, tbmj, 0))
    pos = np.flatnonzero(off)
    ident = next((c for c in ("BSM", "TBBH") if c in tb.columns), None)
    first = [str(tb[ident].iloc[p]) if ident else f"feature {p}" for p in pos[:10]]
    out.update(checked=int(given.sum()), disagree=int(len(pos)), first=first, id_field=ident or "row")
    return out


def _deduction_fraction(tb: gpd.GeoDataFrame, area: np.ndarray, notes: list[str]) -> np.ndarray:
    """The share of each 图斑's area deducted (田坎): KCMJ/TKMJ over TBMJ (or the geometry's area), else KCXS/TKXS."""
    n = len(tb)
    fraction = np.full(n, np.nan)
    tbmj = _numbers(tb, "TBMJ", n)
    whole = np.where(np.isfinite(tbmj) & (tbmj > 0), tbmj, area)
    for col in ("KCMJ", "TKMJ"):
        m2 = _numbers(tb, col, n)
        use = np.isnan(fraction) & np.isfinite(m2)
        fraction[use] = np.divide(m2[use], whole[use], out=np.zeros(int(use.sum())), where=whole[use] > 0)
    for col in ("KCXS", "TKXS"):
        xs = _numbers(tb, col, n)
        if np.nanmax(xs, initial=0) > 1:  # given in per cent
            note(notes, f"{col} holds values above 1: read as per cent")
            xs = xs / 100
        use = np.isnan(fraction) & np.isfinite(xs)
        fraction[use] = xs[use]
    fraction = np.nan_to_num(fraction, nan=0.0)
    if ((fraction < 0) | (fraction > 1)).any():
        note(notes, f"{int(((fraction < 0) | (fraction > 1)).sum())} 图斑 deduct less than nothing or more than all: "
                    "clipped to 0–100 %")
    return np.clip(fraction, 0.0, 1.0)


def _numbers(tb: pd.DataFrame, col: str, n: int) -> np.ndarray:
    if col not in tb.columns:
        return np.full(n, np.nan)
    return pd.to_numeric(tb[col], errors="coerce").to_numpy(dtype="float64")


def _deduction_classes(tb: gpd.GeoDataFrame) -> np.ndarray:
    """Where each 图斑's deduction goes: its KCDLBM when a known 地类, else 1203 田坎."""
    if "KCDLBM" not in tb.columns:
        return np.full(len(tb), DEDUCTION_CLASS, dtype=object)
    positions, uniques = pd.factorize(tb["KCDLBM"].astype("string").str.strip().str.upper())
    known = set(LAND_CLASSES.codes)
    table = [str(u) if str(u) in known else DEDUCTION_CLASS for u in uniques] + [DEDUCTION_CLASS]
    return np.array(table, dtype=object)[positions]  # -1 (missing) -> the last: 1203


def _pieces(zones: np.ndarray, geoms: np.ndarray, area: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(zone, 图斑, area)`` of the pieces of 图斑 inside zones.  The zones are first cut into parts of at most
    :data:`_PART_VERTICES` vertices (a district's boundary has thousands): 图斑 wholly inside a part keep their
    area, the others are intersected with the small parts they meet.  A 图斑 across parts of one zone gives a
    piece per part (their areas add up to its area inside the zone)."""
    parts, owner = _subdivide(np.asarray(zones, dtype=object))
    tree = shapely.STRtree(geoms)
    pi, tj = tree.query(parts, predicate="intersects")
    shapely.prepare(parts)
    inside = shapely.contains_properly(parts[pi], geoms[tj])
    piece = area[tj].astype("float64")
    cut = np.flatnonzero(~inside)
    if len(cut):
        piece[cut] = shapely.area(shapely.intersection(parts[pi[cut]], geoms[tj[cut]]))
    keep = piece > 0
    return owner[pi[keep]], tj[keep], piece[keep]


_PART_VERTICES = 256


def _subdivide(zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each zone cut in halves along its longer side until every part has at most :data:`_PART_VERTICES`
    vertices; the parts and the zone each belongs to (together they are the zone, exactly)."""
    parts, owner = [], []
    stack = [(g, i, 0) for i, g in enumerate(zones)]
    while stack:
        g, i, depth = stack.pop()
        if g is None or g.is_empty or shapely.area(g) == 0:
            continue
        if shapely.get_num_coordinates(g) <= _PART_VERTICES or depth >= 24:
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
    return np.array(parts + [None], dtype=object)[:-1], np.array(owner, dtype=np.int64)


def _polygonal(g: Any) -> Any:
    """The polygons of an intersection (a half's edge may leave a line or a point beside them)."""
    if g.geom_type in ("Polygon", "MultiPolygon") or g.is_empty:
        return g
    polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _table(rows: pd.DataFrame, order: list[str], official: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows ``zone, class, gross, deducted, ded_class`` (m²) summed into the table: net area per class, the
    deductions in their own classes' rows."""
    net = rows.assign(net=rows["gross"] - rows["deducted"]).groupby(["zone", "class"], sort=False)
    own = net.agg(area=("net", "sum"), gross=("gross", "sum"), deducted=("deducted", "sum"))
    moved = rows[rows["deducted"] > 0].groupby(["zone", "ded_class"], sort=False)["deducted"].sum()
    moved.index = moved.index.set_names(["zone", "class"])
    table = own[["area"]].add(moved.to_frame("area"), fill_value=0.0).reset_index()
    gross = own["gross"].where(own["deducted"] > 0)
    table["gross"] = [gross.get((z, c), np.nan) for z, c in zip(table["zone"], table["class"])]
    rank = {z: i for i, z in enumerate(order)}
    table = table.assign(_r=table["zone"].map(rank)).sort_values(["_r", "class"], kind="stable").drop(columns="_r")
    totals = table.groupby("zone", sort=False)["area"].transform("sum").to_numpy()
    a = table["area"].to_numpy()
    out = pd.DataFrame({
        "zone": table["zone"].to_numpy(),
        "class": table["class"].to_numpy(),
        "area_ha": a / M2_PER_HA,
        "area_mu": a / M2_PER_MU,
        "share": np.divide(a, totals, out=np.zeros_like(a), where=totals > 0),
        "gross_area_ha": table["gross"].to_numpy(dtype="float64") / M2_PER_HA,
    })
    return out.reset_index(drop=True)


def _by_unit(tb: gpd.GeoDataFrame, keys: np.ndarray, area: np.ndarray, fraction: np.ndarray, ded_class: np.ndarray,
             by_township: bool, xzq: Any, notes: list[str]) -> pd.DataFrame:
    """Rows per district or township of ZLDWDM: the survey's TBDLMJ / TBMJ sums, the geometry's beside them."""
    n = _UNIT_LENGTH[by_township]
    if "ZLDWDM" not in tb.columns:
        raise SchemaError(f"{tb.attrs.get('source', 'survey')}: no ZLDWDM (座落单位代码) to sum the 图斑 by "
                          f"{'township' if by_township else 'district'}; fix: give zones (--zones) or a survey with ZLDWDM")
    codes = tb["ZLDWDM"].astype("string").str.strip()
    short = (codes.str.len().fillna(0) < n) | ~codes.str[:n].str.isdigit().fillna(False)
    if short.any():
        pos = int(np.flatnonzero(short.to_numpy(dtype=bool))[0])
        raise SchemaError(f"{tb.attrs.get('source', 'survey')}: {_name_feature(tb, pos)}: ZLDWDM {codes.iloc[pos]!r} "
                          f"has no {n}-digit {'township' if by_township else 'district'} code; fix: give the 19-character "
                          "座落单位代码 (county 6, township 9, village 12 digits)")
    positions, uniques = pd.factorize(codes.str.slice(0, n))
    unit = np.array([str(u) for u in uniques], dtype=object)[positions]  # a few shared strings, not a million
    tbmj, tbdlmj = _numbers(tb, "TBMJ", len(tb)), _numbers(tb, "TBDLMJ", len(tb))
    official_gross = np.where(np.isfinite(tbmj), tbmj, area)
    official_net = np.where(np.isfinite(tbdlmj), tbdlmj, official_gross * (1 - fraction))
    if not np.isfinite(tbdlmj).all():
        note(notes, f"{int((~np.isfinite(tbdlmj)).sum())} 图斑 without TBDLMJ: their figures from "
                    + ("TBMJ" if np.isfinite(tbmj).any() else "the geometry") + " less the deduction")
    official = _table(pd.DataFrame({"zone": unit, "class": keys, "gross": official_gross,
                                    "deducted": official_gross - official_net, "ded_class": ded_class}),
                      sorted(set(unit)))
    geometric = _table(pd.DataFrame({"zone": unit, "class": keys, "gross": area, "deducted": area * fraction,
                                     "ded_class": ded_class}), sorted(set(unit)))
    merged = official.merge(geometric[["zone", "class", "area_ha"]].rename(columns={"area_ha": "geometry_area_ha"}),
                            on=["zone", "class"], how="outer", sort=False)
    merged = merged.fillna({"area_ha": 0.0, "area_mu": 0.0, "share": 0.0})
    names = xzq_names(read_xzq(xzq) if isinstance(xzq, (str, os.PathLike)) else xzq, n)
    merged.insert(1, "zone_code", merged["zone"])
    merged["zone"] = [names.get(z, z) for z in merged["zone_code"]]
    return merged
