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
>>> progress = ecozone.restoration_progress(atlas["restoration"], target_ha=120, type="coastal_wetland", until=2025)
>>> progress["met"], progress["projects"]
(True, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..schema import KINDS, normalise_code
from ..units import M2_PER_HA, M2_PER_KM2, M2_PER_MU
from .coastline import _extent
from .coverage import OUTSIDE, TOTAL, prepare_layers
from .overlay import covered_area, dissolve

__all__ = ["restoration", "restoration_progress", "OUTSIDE"]

_SPEC = KINDS["restoration"]


def restoration(
    projects: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    by: str | Sequence[str] = ("type", "status", "year"),
    *,
    zone_field: str = "name",
    status: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Union area of restoration projects by type, status and year, per zone and in total (修复面积).

    Parameters
    ----------
    projects : restoration project polygons with ``type``, ``status``, ``year``
        (codes in English or Chinese: 滨海湿地, 已完成 …)
    zones : optional zones (districts); without them only ``total`` rows
    by : project field(s) to group by; ``()`` for one group of all projects
    zone_field : column of ``zones`` naming each zone
    status : keep only projects of this status / these statuses (e.g. ``"completed"``)

    Returns
    -------
    DataFrame with ``zone``, the ``by`` fields, ``projects`` (number of projects
    with area in the zone), ``area_ha``, ``area_km2``, ``area_mu`` (union area)
    and ``overlap_ha`` (sum of the projects' areas minus the union: what plain
    addition would have counted twice).  Per zone, then ``outside`` (area
    outside every zone, when zones are given and there is some) and ``total``.
    """
    by_fields = [by] if isinstance(by, str) else list(by)
    notes: list[str] = []
    projects = _normalised(projects, by_fields, status)
    if zones is not None:
        if zone_field not in zones.columns:
            raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass --zone-field NAME")
        zones, layers = prepare_layers(zones, {"restoration": projects}, notes)
        projects = layers["restoration"]
        zone_geoms = zones.geometry.values
        zone_names = list(zones[zone_field].astype(str))
    else:
        _, layers = prepare_layers(_extent(projects), {"restoration": projects}, notes, zones_name="projects' extent")
        projects = layers["restoration"]
        zone_geoms = np.array([], dtype=object)
        zone_names = []
    geoms = projects.geometry.values
    zone_union = shapely.union_all(zone_geoms) if len(zone_geoms) else None

    if by_fields:
        keys = projects[by_fields]
        groups = sorted(projects.groupby([keys[f] for f in by_fields], sort=False, dropna=False).indices.items(), key=_sort_key)
    else:
        groups = [((), np.arange(len(projects)))]
    rows = []
    for key, idx in groups:
        key = key if isinstance(key, tuple) else (key,)
        labels = dict(zip(by_fields, key))
        own = geoms[idx]
        pieces = dissolve(own)
        union_m2 = float(shapely.area(pieces).sum())
        sum_m2 = float(shapely.area(own).sum())
        if len(zone_geoms):
            zone_m2 = covered_area(zone_geoms, pieces)
            zone_sum, counts = _summed(zone_geoms, own)
            for name, area, summed, n in zip(zone_names, zone_m2, zone_sum, counts):
                if n:
                    rows.append({"zone": name, **labels, "projects": n, "area": area, "overlap": summed - area})
            inside = float(covered_area(np.array([zone_union]), pieces)[0])
            if union_m2 - inside > 1e-6 * max(union_m2, 1.0):
                inside_sum = float(_summed(np.array([zone_union]), own)[0][0])
                n_out = int((~shapely.within(own, zone_union)).sum())
                rows.append({"zone": OUTSIDE, **labels, "projects": n_out, "area": union_m2 - inside,
                             "overlap": (sum_m2 - inside_sum) - (union_m2 - inside)})
        rows.append({"zone": TOTAL, **labels, "projects": len(idx), "area": union_m2, "overlap": sum_m2 - union_m2})

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
    return table


def restoration_progress(
    projects: gpd.GeoDataFrame,
    target_ha: float,
    *,
    type: str | None = None,
    until: int | None = None,
    status: str | Sequence[str] = ("completed",),
    zones: gpd.GeoDataFrame | None = None,
    zone: str | None = None,
    zone_field: str = "name",
) -> dict[str, Any]:
    """Restored area against a target, e.g. coastal wetland ≥ 120 ha by 2025 (修复目标完成情况).

    Counts projects of ``type`` whose ``status`` is one of ``status`` (completed
    only, unless asked) and whose ``year`` is ``until`` or earlier, on their
    union.  With ``zones`` and ``zone``, only the area inside that zone counts.

    Returns a dict: ``type``, ``status`` (the statuses counted), ``until``,
    ``target_ha``, ``achieved_ha``, ``share`` (achieved ÷ target), ``met``,
    ``projects`` (ids of the projects counted, or their number) and
    ``overlap_ha`` (area counted once although several projects cover it).
    """
    statuses = [status] if isinstance(status, str) else list(status)
    chosen = _normalised(projects, ["type", "status", "year"], statuses)
    if type is not None:
        wanted = normalise_code(_SPEC.field("type").codes, type) or type
        chosen = chosen[chosen["type"] == wanted]
    if until is not None:
        chosen = chosen[pd.to_numeric(chosen["year"], errors="coerce") <= until]
    table = restoration(chosen, zones, by=(), zone_field=zone_field)
    row_zone = zone if zone is not None else TOTAL
    row = table[table["zone"] == row_zone]
    achieved = float(row["area_ha"].sum())
    overlap = float(row["overlap_ha"].sum())
    ids = chosen["id"].astype(str).tolist() if "id" in chosen.columns else None
    return {
        "type": type,
        "zone": row_zone,
        "status": [normalise_code(_SPEC.field("status").codes, s) or s for s in statuses],
        "until": until,
        "target_ha": float(target_ha),
        "achieved_ha": achieved,
        "share": achieved / target_ha if target_ha > 0 else float("nan"),
        "met": bool(achieved >= target_ha),
        "projects": len(chosen),
        "project_ids": ids if ids is not None else [],
        "overlap_ha": overlap,
    }


def _normalised(projects: gpd.GeoDataFrame, fields: Sequence[str], status) -> gpd.GeoDataFrame:
    """Check the fields exist; map coded values (滨海湿地, 已完成 …) to their English codes; filter status."""
    source = projects.attrs.get("source", "restoration")
    missing = [f for f in fields if f not in projects.columns]
    if status is not None and "status" not in projects.columns:
        missing.append("status")
    if missing:
        have = ", ".join(str(c) for c in projects.columns if c != projects.geometry.name) or "none"
        raise SchemaError(f"{source}: no field '{missing[0]}' (fields: {have}); fix: rename the column or choose --by from those")
    out = projects.copy()
    for f in {*fields, *(["status"] if status is not None else [])}:
        spec = _SPEC.field(f) if f in {x.name for x in _SPEC.fields} else None
        if spec is not None and spec.codes is not None:
            codes = spec.codes
            out[f] = [normalise_code(codes, v) or v for v in out[f]]
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        codes = _SPEC.field("status").codes
        wanted = {normalise_code(codes, s) or s for s in wanted}
        out = out[out["status"].isin(wanted)]
    out.attrs = dict(projects.attrs)
    return out


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
