"""Land use per zone and class from the land survey (土地利用现状统计): 地类图斑 → area by 地类.

:func:`land_use` sums a survey's 地类图斑 (``DLTB``) by zone and 地类 (``DLBM``; its 一级 class at
``level=1``), net of the 田坎 deduction (``KCMJ``/``TKMJ``, else ``KCXS``/``TKXS`` × the area), whose
area is a row of its own (``1203`` 田坎, or the ``KCDLBM`` the survey gives).  With zones, areas come
from the geometry, each 图斑 cut by the zones and its deduction pro-rated by the area inside; without,
rows per district (``ZLDWDM[:6]``) or township (``ZLDWDM[:9]``) carry the survey's own figures
(``TBDLMJ``, what the official statistics sum) with the geometry's area beside them.  Areas are
ellipsoidal by default (on CGCS2000, as ``TBMJ``: :mod:`ecozone.crs.ellipsoidal`) or planar.
When the survey carries ``TBMJ``, the 图斑 whose geometry disagrees with it by more than 0.1 % are
counted in ``attrs["tbmj_check"]`` (a finding about the data, not an error).  A survey given as a file
is read and measured a batch of 图斑 at a time (:class:`ecozone.land_survey.SurveySource`): a province's
ten million never sit in memory at once; the per-图斑 figures are in :mod:`ecozone.measure.land_parcels`.

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
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._options import resolve_engine
from ..crs import reproject_frame, short_label
from ..crs.ellipsoidal import (METHOD_LABELS, centre_lonlat, check_area_method, ellipsoidal_areas, equal_area_crs,
                               to_equal_area)
from ..errors import SchemaError
from ..land_classes import class_name
from ..land_survey import SurveySource, field_values, read_xzq, xzq_names
from ..prepare import as_frame, check_input, measurement_target, note, repair_notes, repaired
from ..units import M2_PER_HA, M2_PER_MU
from .land_parcels import (COEFFICIENTS, TBMJ_TOLERANCE, check_survey, class_keys, deduction_classes, deduction_fraction,
                           name_feature, numbers, per_cent_fields, pieces, subdivide, tbmj_findings)

__all__ = ["land_use", "TBMJ_TOLERANCE", "BATCH"]

#: 图斑 measured at a time.
BATCH = 100_000
_UNIT_LENGTH = {False: 6, True: 9}  # ZLDWDM digits of a district, a township
_KEYS = ["zone", "class", "ded_class"]


def land_use(
    survey: gpd.GeoDataFrame | SurveySource | str | os.PathLike,
    zones: gpd.GeoDataFrame | str | os.PathLike | None = None,
    *,
    level: int = 2,
    area_method: str = "ellipsoidal",
    zone_field: str = "name",
    by_township: bool = False,
    xzq: pd.DataFrame | str | os.PathLike | None = None,
    wetland: bool = True,
    batch_size: int = BATCH,
    engine: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Area of each 地类 per zone (土地利用现状): ha, mu and share, net of 田坎, with the gross beside it.

    Parameters
    ----------
    survey : the 地类图斑 layer: a GeoDataFrame, or a FileGDB / GeoPackage / Shapefile (its ``DLTB``; read a
        batch at a time), or a :class:`ecozone.land_survey.SurveySource` (a layer, a declared CRS)
    zones : polygons to sum in (named by ``zone_field``); None: per district or township of ``ZLDWDM``
    level : 2 for the DLBM classes, 1 for their 一级 classes
    area_method : ``"ellipsoidal"`` (on CGCS2000, as TBMJ) or ``"planar"`` (the Gauss-Krüger zone)
    zone_field : the zones' field naming them
    by_township : without zones, rows per township (``ZLDWDM[:9]``) rather than district (``[:6]``)
    xzq : the survey's XZQ layer (or a table of ``XZQDM``, ``XZQMC``) naming the districts/townships
    wetland : at level 1, the 三调 湿地 group (``00``: 0303, 0304, 0306, 0402, 0603, 1105, 1106, 1108) as a
        class of its own (the 三调 statistics); False: each under its GB/T 21010 一级 class
    batch_size : 图斑 measured at a time
    engine : ``"geopandas"`` (one process, a batch at a time) or ``"dask"``: each task reads its own range of
        rows of the survey file (whole batches, GDAL skipping to the first) and sums it by the same kernel,
        the partial sums added up; default :data:`ecozone.options.engine <ecozone.options.Options.engine>`
    client, partitions, progress : for the dask engine: a ``distributed.Client`` or a scheduler address
        (default: dask's current Client, else its local scheduler), the number of row ranges (default: one
        per 250,000 图斑 and at least one per worker), a progress bar on stderr

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
    if isinstance(survey, (str, os.PathLike)):
        survey = SurveySource(survey)
    notes: list[str] = []
    zones = as_frame(zones) if zones is not None else None
    if zones is not None:
        check_input(zones, "zones")
        zones, empty, invalid = repaired(zones)
        repair_notes("zones", empty, invalid, notes)
        if zone_field not in zones.columns:
            have = ", ".join(str(c) for c in zones.columns if c != zones.geometry.name) or "none"
            raise SchemaError(f"zones: no field '{zone_field}' to name the zones (fields: {have}); fix: pass zone_field=NAME")
    run = _Run(level, wetland, area_method, by_township, notes)
    if resolve_engine(engine) == "dask":
        _on_dask(run, survey, zones, zone_field, batch_size, client=client, partitions=partitions, progress=progress)
    else:
        offset = 0
        for batch in _batches(survey, batch_size):
            rows, batch = len(batch), check_survey(batch, offset=offset, warnings=run.warnings)
            offset += rows
            if run.target is None:
                run.start(batch, survey, zones, zone_field)
            run.add(batch)
    if run.target is None:
        raise SchemaError(f"{getattr(survey, 'source', 'survey')}: no 图斑 to measure; fix: give the DLTB with its features")
    table = run.table(xzq)
    table.insert(table.columns.get_loc("class") + 1, "class_name", [class_name(c) for c in table["class"]])
    table.attrs["notes"] = run.said()
    table.attrs["area_method"] = area_method
    table.attrs["area_method_label"] = METHOD_LABELS[area_method]
    table.attrs["tbmj_check"] = run.tbmj
    table.attrs["surveyed_area_ha"] = {str(z): float(v) for z, v in table.groupby("zone", sort=False)["area_ha"].sum().items()}
    return table


def _on_dask(run: _Run, survey: Any, zones: gpd.GeoDataFrame | None, zone_field: str, size: int, *, client: Any,
             partitions: int | None, progress: bool) -> None:
    """The dask engine: the survey's rows cut into ranges of whole batches, each range read (from the file, by the
    worker) and summed by :func:`_measure_rows`, the partial sums added into ``run``."""
    from ..dask_engine import require_dask, row_ranges, summed_by_rows

    require_dask()
    if isinstance(survey, SurveySource):
        count, first = survey.count(), next(iter(survey.batches(1)), None)
    else:
        count, first = len(survey), survey.iloc[:1]
        first.attrs.update(survey.attrs)
    if not count or first is None:
        return
    run.start(first, survey, zones, zone_field)
    if isinstance(survey, SurveySource):
        pieces = [(survey, a, b) for a, b in row_ranges(count, size, partitions, client)]
    else:  # a frame in memory: its rows go to the workers
        pieces = [(_rows(survey, a, b), a, b) for a, b in row_ranges(count, size, partitions, client)]
    for part in summed_by_rows(_measure_rows, (run, size), pieces, client=client, progress=progress):
        run.absorb(part)


def _measure_rows(shared: tuple[_Run, int], piece: tuple[Any, int, int]) -> dict[str, Any]:
    """One task of the dask engine: the rows ``start`` to ``stop`` of the survey (a SurveySource: read here; or a
    frame's rows), a batch at a time, checked and summed as the one-process engine does; their partial sums."""
    run, size = shared
    mine = run.fresh()
    what, start, stop = piece
    batches = what.batches(size, start, stop) if isinstance(what, SurveySource) else _batches(what, size)
    offset = start
    for batch in batches:
        rows, batch = len(batch), check_survey(batch, offset=offset, warnings=mine.warnings)
        offset += rows
        mine.add(batch)
    return mine.partial()


def _batches(survey: Any, size: int) -> Iterator[gpd.GeoDataFrame]:
    if isinstance(survey, SurveySource):
        yield from survey.batches(size)
        return
    for start in range(0, max(len(survey), 1), size):
        yield _rows(survey, start, start + size)


def _rows(survey: gpd.GeoDataFrame, start: int, stop: int) -> gpd.GeoDataFrame:
    part = survey.iloc[start:stop]
    part.attrs.update(survey.attrs)
    return part


class _Run:
    """One measurement: its settings, its CRS and zone parts (set by the first batch), and the sums so far."""

    def __init__(self, level: int, wetland: bool, area_method: str, by_township: bool, notes: list[str]):
        self.level, self.wetland, self.method, self.by_township, self.notes = level, wetland, area_method, by_township, notes
        self.target: Any = None
        self.zone_names: np.ndarray | None = None
        self.warnings: list[str] = []
        self.said_: dict[str, Any] = {}
        self.tbmj: dict[str, Any] = {"field": "TBMJ", "tolerance": TBMJ_TOLERANCE, "checked": 0, "disagree": 0, "first": []}
        self.partials: list[pd.DataFrame] = []
        self.missing_tbdlmj = 0
        self.source = "survey"
        self.per_cent: set[str] = set()

    def fresh(self) -> _Run:
        """A run with these settings, CRS and zones (their parts its own) and nothing summed: a dask task's."""
        other = _Run(self.level, self.wetland, self.method, self.by_township, [])
        other.target, other.zone_names, other.source, other.per_cent = self.target, self.zone_names, self.source, self.per_cent
        if self.zone_names is not None:
            other.parts, other.owner = shapely.from_wkb(shapely.to_wkb(self.parts)), self.owner
            shapely.prepare(other.parts)
        return other

    def partial(self) -> dict[str, Any]:
        """What this run summed, for :meth:`absorb`: the sums per zone and class and what is said about the data."""
        rows = (pd.concat(self.partials, ignore_index=True).groupby(_KEYS, sort=False, as_index=False).sum()
                if self.partials else None)
        return {"rows": rows, "notes": self.notes, "warnings": self.warnings, "said": self.said_, "tbmj": self.tbmj,
                "missing_tbdlmj": self.missing_tbdlmj}

    def absorb(self, part: dict[str, Any]) -> None:
        """Add a dask task's :meth:`partial` (in row order) into this run."""
        if part["rows"] is not None:
            self.partials.append(part["rows"])
        self.notes.extend(part["notes"])
        self.warnings.extend(part["warnings"])
        self.missing_tbdlmj += part["missing_tbdlmj"]
        said = part["said"]
        self.said_.setdefault("per_cent", set()).update(said.get("per_cent", ()))
        self.said_["clipped"] = self.said_.get("clipped", 0) + said.get("clipped", 0)
        self.said_["from_tbdlmj"] = self.said_.get("from_tbdlmj", 0) + said.get("from_tbdlmj", 0)
        self.said_["tbmj_given"] = self.said_.get("tbmj_given", False) or said.get("tbmj_given", False)
        t, found = self.tbmj, part["tbmj"]
        t["checked"] += found["checked"]
        t["disagree"] += found["disagree"]
        t["first"] = (t["first"] + found["first"])[:10]
        if "id_field" in found:
            t["id_field"] = found["id_field"]

    def start(self, batch: gpd.GeoDataFrame, survey: Any, zones: gpd.GeoDataFrame | None, zone_field: str) -> None:
        """The measurement CRS (from the zones, else the survey's extent), the zones' parts in it, and the
        coefficient fields given in per cent (told from the whole survey's values)."""
        self.source = batch.attrs.get("source", "survey")
        self.per_cent = per_cent_fields(field_values(survey, COEFFICIENTS))
        extent = survey.extent() if isinstance(survey, SurveySource) else (survey.crs, tuple(survey.total_bounds))
        crs, bounds = extent if extent is not None else (batch.crs, tuple(batch.total_bounds))
        base = zones if zones is not None else gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=crs)
        if self.method == "ellipsoidal":
            self.target = equal_area_crs(*centre_lonlat(base.geometry.values, base.crs))
        else:
            self.target = measurement_target(base)
        label = ("CGCS2000 Lambert azimuthal equal-area (ellipsoidal areas)" if self.method == "ellipsoidal"
                 else short_label(self.target))
        for name, frame in (("survey", batch), ("zones", zones)):
            if frame is not None and not frame.crs.equals(self.target):
                note(self.notes, f"{name} reprojected from {short_label(frame.crs)} to {label} for measuring")
        if zones is not None:
            if zones.crs.equals(self.target):
                zt = zones
            elif self.method == "ellipsoidal":  # long district edges cut first: they stay where they were drawn
                zt = to_equal_area(zones, self.target)
            else:
                zt = reproject_frame(zones, self.target)
            self.zone_names = zt[zone_field].astype(str).to_numpy()
            self.parts, self.owner = subdivide(zt.geometry.values)

    def add(self, tb: gpd.GeoDataFrame) -> None:
        """Sum one checked batch (its own frame: reprojected in place)."""
        self.notes.extend(tb.attrs.get("read_notes", []))
        if not tb.crs.equals(self.target):
            tb = (to_equal_area(tb, self.target, in_place=True) if self.method == "ellipsoidal"
                  else reproject_frame(tb, self.target, in_place=True))
        geoms = tb.geometry.values
        area = shapely.area(geoms)
        tbmj_findings(tb, area if self.method == "ellipsoidal" else ellipsoidal_areas(geoms, tb.crs), self.tbmj)
        fraction = deduction_fraction(tb, area, self.said_, self.per_cent, self.source)
        keys = class_keys(tb["DLBM"], self.level, self.wetland)
        ded = deduction_classes(tb)
        if self.zone_names is not None:
            zi, tj, piece = pieces(self.parts, self.owner, geoms, area)
            rows = pd.DataFrame({"zone": self.zone_names[zi], "class": keys[tj], "ded_class": ded[tj], "gross": piece,
                                 "deducted": piece * fraction[tj]})
        else:
            unit = self._units(tb)
            tbmj, tbdlmj = numbers(tb, "TBMJ"), numbers(tb, "TBDLMJ")
            gross = np.where(np.isfinite(tbmj) & (tbmj > 0), tbmj, area)  # a TBMJ of 0: the geometry's (and a finding)
            net = np.where(np.isfinite(tbdlmj), tbdlmj, gross * (1 - fraction))
            self.missing_tbdlmj += int((~np.isfinite(tbdlmj)).sum())
            self.said_["tbmj_given"] = self.said_.get("tbmj_given", False) or bool(np.isfinite(tbmj).any())
            rows = pd.DataFrame({"zone": unit, "class": keys, "ded_class": ded, "gross": gross, "deducted": gross - net,
                                 "g_gross": area, "g_deducted": area * fraction})
        self.partials.append(rows.groupby(_KEYS, sort=False, as_index=False).sum())

    def _units(self, tb: gpd.GeoDataFrame) -> np.ndarray:
        n = _UNIT_LENGTH[self.by_township]
        what = "township" if self.by_township else "district"
        if "ZLDWDM" not in tb.columns:
            raise SchemaError(f"{self.source}: no ZLDWDM (座落单位代码) to sum the 图斑 by {what}; fix: give zones to sum in, "
                              "or a survey with ZLDWDM")
        codes = tb["ZLDWDM"].astype("string").str.strip()
        short = (codes.str.len().fillna(0) < n) | ~codes.str.slice(0, n).str.isdigit().fillna(False)
        if short.any():
            pos = int(np.flatnonzero(short.to_numpy(dtype=bool))[0])
            raise SchemaError(f"{self.source}: {name_feature(tb, pos)}: ZLDWDM {codes.iloc[pos]!r} has no {n}-digit {what} "
                              "code; fix: give the 19-character 座落单位代码 (county 6, township 9, village 12 digits)")
        positions, uniques = pd.factorize(codes.str.slice(0, n))
        return np.array([str(u) for u in uniques], dtype=object)[positions]  # a few shared strings, not a million

    def table(self, xzq: Any) -> pd.DataFrame:
        rows = pd.concat(self.partials, ignore_index=True).groupby(_KEYS, sort=False, as_index=False).sum()
        if self.zone_names is not None:
            table = _table(rows, [*dict.fromkeys(self.zone_names)])
            bare = [z for z in dict.fromkeys(self.zone_names) if z not in set(table["zone"])]
            if bare:  # never a silent empty table: the zones no 图斑 reaches are named
                note(self.notes, f"{len(bare)} of {len(set(self.zone_names))} zones hold no 图斑 of the survey "
                                 f"({', '.join(bare[:5])}{' …' if len(bare) > 5 else ''}): no rows for them")
            return table
        order = sorted(set(rows["zone"]))
        official = _table(rows, order)
        geometric = _table(rows.drop(columns=["gross", "deducted"]).rename(columns={"g_gross": "gross",
                                                                                   "g_deducted": "deducted"}), order)
        merged = official.merge(geometric[["zone", "class", "area_ha"]].rename(columns={"area_ha": "geometry_area_ha"}),
                                on=["zone", "class"], how="outer", sort=False)
        merged = merged.fillna({"area_ha": 0.0, "area_mu": 0.0, "share": 0.0})
        names = xzq_names(read_xzq(xzq) if isinstance(xzq, (str, os.PathLike)) else xzq, _UNIT_LENGTH[self.by_township])
        merged.insert(1, "zone_code", merged["zone"])
        shown = {code: names.get(code, code) for code in order}
        twice = {name for name, n in pd.Series(list(shown.values())).value_counts().items() if n > 1}
        # two townships of one name (新城街道 in two districts) stay two rows and two totals: named with their codes
        merged["zone"] = [f"{shown[z]} ({z})" if shown[z] in twice else shown[z] for z in merged["zone_code"]]
        return merged

    def said(self) -> list[str]:
        """The notes: what was read, reprojected, repaired, deduced, and the TBMJ finding."""
        out = list(self.notes)
        out += [f"survey: {w}" for w in dict.fromkeys(self.warnings)][:10]
        for col in sorted(self.said_.get("per_cent", ())):
            out.append(f"{col} holds per cent (its values' median is 1 or more): read as per cent")
        if self.said_.get("from_tbdlmj"):
            out.append(f"{self.said_['from_tbdlmj']} 图斑 without KCMJ or KCXS: their deduction (田坎) is TBMJ − TBDLMJ")
        if self.said_.get("clipped"):
            out.append(f"{self.said_['clipped']} 图斑 deduct less than nothing or more than all: clipped to 0–100 %")
        if self.missing_tbdlmj:
            out.append(f"{self.missing_tbdlmj} 图斑 without TBDLMJ: their figures from "
                       + ("TBMJ" if self.said_.get("tbmj_given") else "the geometry") + " less the deduction")
        t = self.tbmj
        if t["disagree"]:
            out.append(f"{t['disagree']} of {t['checked']} 图斑 differ from their TBMJ by more than {TBMJ_TOLERANCE:.1%} "
                       f"(first: {', '.join(t['first'])}): a finding about the data")
        return list(dict.fromkeys(out))


def _table(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
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
