"""Restoration area (生态修复面积): union area of restoration projects, and progress to a target.

Projects overlap — a second phase on the same wetland, a forest project over
a mine's slope — so areas are measured on the union of each group of
projects, never summed: ``overlap_ha`` says how much a plain sum would have
counted twice.  Coastal projects lie partly outside the land districts
(tidal flats), so the table has an ``outside`` row besides the zones and a
``total`` row measured on the whole union.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> progress = ecozone.restoration_progress(atlas["restoration"], target_ha=120, restoration_type="coastal_wetland", until=2025)
>>> progress["met"], progress["projects"]
(True, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..dates import years_in
from ..crs.ellipsoidal import check_area_method
from ..errors import SchemaError
from .._options import resolve_engine
from ..schema import KINDS, normalise_code
from ..units import M2_PER_HA, M2_PER_KM2, M2_PER_MU
from .._renamed import renamed
from ..prepare import OUTSIDE, TOTAL, as_frame, extent_frame, prepare_layers
from .overlay import covered_area, dissolve, zones_union

__all__ = ["restoration", "restoration_progress", "OUTSIDE"]

_SPEC = KINDS["restoration"]


def restoration(
    projects: Any,
    zones: gpd.GeoDataFrame | None = None,
    by: str | Sequence[str] = ("type", "status", "year"),
    *,
    zone_field: str = "name",
    status: str | Sequence[str] | None = None,
    engine: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    progress: bool = False,
    area_method: str = "planar",
) -> pd.DataFrame:
    """Union area of restoration projects by type, status and year, per zone and in total (修复面积).

    Parameters
    ----------
    projects : restoration project polygons with ``type``, ``status``, ``year``
        (codes in English or Chinese: 滨海湿地, 已完成 …), or their file; with
        ``engine="dask"`` also a dask-geopandas GeoDataFrame or (Geo)Parquet path
    zones : optional zones (districts); without them only ``total`` rows
    by : project field(s) to group by; ``()`` for one group of all projects
    zone_field : column of ``zones`` naming each zone
    status : keep only projects of this status / these statuses (e.g. ``"completed"``)
    engine, client, partitions, progress : as for :func:`ecozone.coverage`
    area_method : ``"planar"`` or ``"ellipsoidal"`` (on the CGCS2000 ellipsoid), as for :func:`ecozone.coverage`;
        in ``attrs["area_method"]``

    Returns
    -------
    DataFrame with ``zone``, the ``by`` fields, ``projects`` (number of projects
    with area in the zone), ``area_ha``, ``area_km2``, ``area_mu`` (union area)
    and ``overlap_ha`` (sum of the projects' areas minus the union: what plain
    addition would have counted twice).  Per zone, then ``outside`` (area
    outside every zone, when zones are given and there is some) and ``total``.
    """
    by_fields = [by] if isinstance(by, str) else list(by)
    select = partial(_normalised, fields=by_fields, status=status)
    return _restoration(projects, zones, by_fields, zone_field, select, engine=engine, client=client,
                        partitions=partitions, progress=progress, area_method=area_method)[0]


def _restoration(projects, zones, by_fields, zone_field, select, *, engine, client, partitions, progress,
                 id_field=None, area_method="planar") -> tuple[pd.DataFrame, list[str]]:
    """The restoration table of the projects ``select`` keeps, and their ids (``id_field``) in file order."""
    dask = resolve_engine(engine) == "dask"
    check_area_method(area_method)
    if dask and area_method != "planar":
        raise SchemaError("restoration: area_method='ellipsoidal' runs on the geopandas engine only; fix: leave "
                          "engine= at geopandas, or measure planar areas on the dask engine")
    notes: list[str] = []
    zones = as_frame(zones)
    if zones is not None and zone_field not in zones.columns:
        raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass zone_field=NAME")
    if dask:
        from ..dask_engine import partitioned, restoration_figures

        big = partitioned(projects, "restoration", partitions=partitions)
        select(big.meta)  # the fields are checked before any work
        if zones is not None:
            zones, _ = prepare_layers(zones, {}, notes, zone_field=zone_field)
        zone_geoms = zones.geometry.values if zones is not None else np.array([], dtype=object)
        figures, ids = restoration_figures(big, zone_geoms, None if zones is None else zones.crs, by_fields, select,
                                           notes, kernel=restoration_by_group, id_field=id_field, client=client, partitions=partitions, progress=progress)
    else:
        projects = select(as_frame(projects))
        if zones is not None:
            zones, layers = prepare_layers(zones, {"restoration": projects}, notes, zone_field=zone_field,
                                           area_method=area_method)
        else:
            _, layers = prepare_layers(extent_frame(projects), {"restoration": projects}, notes, zones_name="projects' extent",
                                       area_method=area_method)
        projects = layers["restoration"]
        zone_geoms = zones.geometry.values if zones is not None else np.array([], dtype=object)
        figures = restoration_by_group(projects, projects, zone_geoms, by_fields)
        ids = projects[id_field].astype(str).tolist() if id_field and id_field in projects.columns else []
    zone_names = list(zones[zone_field].astype(str)) if zones is not None else []
    rows = []
    for key in sorted(figures, key=lambda k: _sort_key((k, None))):
        f = figures[key]
        labels = dict(zip(by_fields, key))
        if len(zone_geoms):
            for name, area, summed, n in zip(zone_names, f["zone_m2"], f["zone_sum"], f["zone_count"]):
                if n:
                    rows.append({"zone": name, **labels, "projects": int(n), "area": area, "overlap": _overlap(summed, area)})
            if f["union_m2"] - f["inside"] > 1e-6 * max(f["union_m2"], 1.0):
                rows.append({"zone": OUTSIDE, **labels, "projects": int(f["n_out"]), "area": f["union_m2"] - f["inside"],
                             "overlap": _overlap(f["sum_m2"] - f["inside_sum"], f["union_m2"] - f["inside"])})
        rows.append({"zone": TOTAL, **labels, "projects": int(f["n"]), "area": f["union_m2"],
                     "overlap": _overlap(f["sum_m2"], f["union_m2"])})

    table = pd.DataFrame(rows, columns=["zone", *by_fields, "projects", "area", "overlap"])
    order = {z: i for i, z in enumerate([*zone_names, OUTSIDE, TOTAL])}
    table = table.assign(_order=table["zone"].map(order)).sort_values("_order", kind="stable").drop(columns="_order")
    area = table.pop("area").to_numpy(dtype=float)
    overlap = np.clip(table.pop("overlap").to_numpy(dtype=float), 0.0, None)
    table["projects"] = table["projects"].astype(int)
    table["area_ha"] = area / M2_PER_HA
    table["area_km2"] = area / M2_PER_KM2
    table["area_mu"] = area / M2_PER_MU
    table["overlap_ha"] = overlap / M2_PER_HA
    table = table.reset_index(drop=True)
    table.attrs["notes"] = notes
    table.attrs["area_method"] = area_method
    return table, ids


def restoration_by_group(
    union_part: gpd.GeoDataFrame, own: gpd.GeoDataFrame, zone_geoms: np.ndarray, by_fields: Sequence[str]
) -> dict[tuple, dict[str, Any]]:
    """The restoration kernel: per group of ``by_fields`` values, the figures the table is made of.

    ``union_part`` is what the union is measured on, ``own`` the projects
    counted one by one (plain sums, numbers of projects).  In memory both are
    the whole layer; the dask engine runs this on each spatial partition with
    the projects reaching into it clipped to it as ``union_part`` and the
    projects it owns as ``own``, and adds the figures up.

    Figures (m² and counts): ``union_m2``, ``sum_m2``, ``n``, per zone
    ``zone_m2``, ``zone_sum``, ``zone_count``, and against the zones' union
    ``inside``, ``inside_sum``, ``n_out``.
    """
    zone_union = zones_union(zone_geoms) if len(zone_geoms) else None
    zeros = np.zeros(len(zone_geoms))
    out: dict[tuple, dict[str, Any]] = {}
    for key, (u_idx, o_idx) in _paired_groups(union_part, own, by_fields).items():
        pieces = dissolve(union_part.geometry.values[u_idx])
        geoms = own.geometry.values[o_idx]
        f = {"union_m2": float(shapely.area(pieces).sum()), "sum_m2": float(shapely.area(geoms).sum()), "n": len(geoms),
             "zone_m2": zeros, "zone_sum": zeros, "zone_count": zeros.astype(int), "inside": 0.0, "inside_sum": 0.0, "n_out": 0}
        if zone_union is not None:
            f["zone_m2"] = covered_area(zone_geoms, pieces)
            f["zone_sum"], f["zone_count"] = _summed(zone_geoms, geoms)
            f["inside"] = float(covered_area(np.array([zone_union]), pieces)[0])
            f["inside_sum"] = float(_summed(np.array([zone_union]), geoms)[0][0])
            f["n_out"] = int((~shapely.within(geoms, zone_union)).sum()) if len(geoms) else 0
        out[key] = f
    return out


def _paired_groups(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, by_fields: Sequence[str]) -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
    """``{key: (positions in a, positions in b)}`` for every group of ``by_fields`` values in either frame."""
    def groups(frame):
        if not by_fields:  # one group, even of no projects: a total row of zeros
            return {(): np.arange(len(frame))}
        items = frame.groupby([frame[f] for f in by_fields], sort=False, dropna=False).indices.items()
        return {(k if isinstance(k, tuple) else (k,)): v for k, v in items}

    ga, gb = groups(a), groups(b)
    empty = np.array([], dtype=int)
    return {k: (ga.get(k, empty), gb.get(k, empty)) for k in {**ga, **gb}}


@renamed(type="restoration_type")
def restoration_progress(
    projects: gpd.GeoDataFrame,
    target_ha: float,
    *,
    restoration_type: str | None = None,
    until: int | None = None,
    status: str | Sequence[str] = ("completed",),
    zones: gpd.GeoDataFrame | None = None,
    zone: str | None = None,
    zone_field: str = "name",
    engine: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    progress: bool = False,
    area_method: str = "planar",
) -> dict[str, Any]:
    """Restored area against a target, e.g. coastal wetland ≥ 120 ha by 2025 (修复目标完成情况).

    Counts projects of ``restoration_type`` (the projects' ``type`` field; the old keyword ``type=``
    still works, with a DeprecationWarning) whose ``status`` is one of ``status`` (completed
    only, unless asked) and whose ``year`` is ``until`` or earlier, on their
    union.  With ``zones`` and ``zone``, only the area inside that zone counts.

    Returns a dict: ``type``, ``status`` (the statuses counted), ``until``,
    ``target_ha``, ``achieved_ha``, ``share`` (achieved ÷ target), ``met``,
    ``projects`` (ids of the projects counted, or their number) and
    ``overlap_ha`` (area counted once although several projects cover it), ``area_method``.
    ``engine``, ``area_method`` and the rest as for :func:`ecozone.coverage`.
    """
    statuses = [status] if isinstance(status, str) else list(status)
    select = partial(_chosen, statuses=statuses, type=restoration_type, until=until)
    table, ids = _restoration(projects, zones, [], zone_field, select, engine=engine, client=client,
                              partitions=partitions, progress=progress, id_field="id", area_method=area_method)
    row_zone = zone if zone is not None else TOTAL
    row = table[table["zone"] == row_zone]
    achieved = float(row["area_ha"].sum())
    overlap = float(row["overlap_ha"].sum())
    counted = int(table.loc[table["zone"] == TOTAL, "projects"].sum())
    return {
        "type": restoration_type,
        "zone": row_zone,
        "status": [_asked("status", s) for s in statuses],
        "until": until,
        "target_ha": float(target_ha),
        "achieved_ha": achieved,
        "share": achieved / target_ha if target_ha > 0 else float("nan"),
        "met": bool(achieved >= target_ha),
        "projects": counted,
        "project_ids": ids,
        "overlap_ha": overlap,
        "area_method": area_method,
    }


def _chosen(projects: gpd.GeoDataFrame, *, statuses: list[str], type: str | None, until: int | None) -> gpd.GeoDataFrame:
    """The projects a target counts: of these statuses, of ``type``, of ``until`` or earlier."""
    chosen = _normalised(projects, ["type", "status", "year"], statuses)
    if type is not None:
        chosen = chosen[chosen["type"] == _asked("type", type)]
    if until is not None:
        chosen = chosen[(years_in(chosen, "year") <= until).fillna(False).to_numpy(dtype=bool)]
    return chosen


def _normalised(projects: gpd.GeoDataFrame, fields: Sequence[str], status) -> gpd.GeoDataFrame:
    """Check the fields exist; map coded values (滨海湿地, 已完成 …) to their English codes; filter status."""
    source = projects.attrs.get("source", "restoration")
    missing = [f for f in fields if f not in projects.columns]
    if status is not None and "status" not in projects.columns:
        missing.append("status")
    if missing:
        have = ", ".join(str(c) for c in projects.columns if c != projects.geometry.name) or "none"
        raise SchemaError(f"{source}: no field '{missing[0]}' (fields: {have}); fix: rename the column or choose by= from those")
    out = projects.copy()
    for f in {*fields, *(["status"] if status is not None else [])}:
        spec = _SPEC.field(f) if f in {x.name for x in _SPEC.fields} else None
        if spec is not None and spec.codes is not None:
            codes = spec.codes
            out[f] = [normalise_code(codes, v) or v for v in out[f]]
    if status is not None:
        wanted = {_asked("status", s) for s in ([status] if isinstance(status, str) else list(status))}
        out = out[out["status"].isin(wanted)]
    out.attrs = dict(projects.attrs)
    return out


def _asked(field: str, value: Any) -> str:
    """The code of a ``type`` / ``status`` a caller asks for (English or Chinese): an unknown one is refused, never
    a filter that silently matches nothing."""
    codes = _SPEC.field(field).codes
    code = normalise_code(codes, value)
    if code is None:
        raise SchemaError(f"restoration {field} {value!r} unknown; fix: use one of {codes.describe()}")
    return code


def _overlap(summed: float, union: float) -> float:
    """What a plain sum counts twice; rounding noise (below 1e-9 of the sum) is none."""
    return 0.0 if summed - union <= 1e-9 * abs(summed) else summed - union


def _summed(zones: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per zone, the plain sum of each geometry's area inside it (overlaps counted every time)
    and how many geometries share area with it."""
    if not len(geoms):
        return np.zeros(len(zones)), np.zeros(len(zones), dtype=int)
    summed, (zi, _, _) = covered_area(zones, geoms, return_pairs=True)
    return summed, np.bincount(zi, minlength=len(zones))


def _sort_key(item):
    key = item[0] if isinstance(item[0], tuple) else (item[0],)
    return tuple((0, v) if isinstance(v, (int, float, np.integer, np.floating)) and v == v else (1, str(v)) for v in key)
