"""Red lines and restoration over the survey dates: red-line area per date with the polygons lost since the
previous version (面积不减少), restoration area per year (年度修复面积)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..dates import years_in
from ..measure.redline import redline_loss
from ..measure.restoration import restoration, restoration_progress
from ..prepare import extent_frame, prepare_layers
from ..units import M2_PER_HA, M2_PER_KM2

__all__ = ["redline_history", "restoration_history"]


def redline_history(surveys: list, frames: dict[int, gpd.GeoDataFrame]) -> dict[str, Any]:
    """``redline_area`` (per date: features, union area in ha and km², the change since the previous
    version) and ``redline_lost`` (the previous version's polygons the next no longer wholly holds)."""
    rows, lost_rows, notes = [], [], []
    previous = None
    for s in surveys:
        notes_here: list[str] = []
        _, moved = prepare_layers(extent_frame(frames[s.id]), {s.name: frames[s.id]}, notes_here, zones_name="red line extent")
        area = float(shapely.union_all(moved[s.name].geometry.values).area)
        row = {"survey": s.id, "date": s.date, "label": s.label, "simulated": s.simulated, "features": len(frames[s.id]),
               "area_ha": area / M2_PER_HA, "area_km2": area / M2_PER_KM2, "change_ha": None, "polygons_lost": None,
               "lost_ha": None}
        if previous is not None:
            lost = redline_loss(frames[previous.id], frames[s.id])
            row["change_ha"] = row["area_ha"] - rows[-1]["area_ha"]
            row["polygons_lost"] = int(len(lost))
            row["lost_ha"] = _lost_m2(frames[previous.id], frames[s.id]) / M2_PER_HA
            for rec in lost.to_dict("records"):
                lost_rows.append({"from_date": previous.date, "to_date": s.date, "from_survey": previous.id,
                                  "to_survey": s.id, **rec})
        rows.append(row)
        previous = s
        notes += [f"{s.name}: {n}" for n in notes_here]
    return {"redline_area": pd.DataFrame(rows), "redline_lost": pd.DataFrame(lost_rows), "notes": notes}


def _lost_m2(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> float:
    """Area of the earlier red line the later one no longer covers, on unions (overlapping polygons count once):
    area(union(before) − union(after)), in the earlier version's projected CRS (as :func:`redline_loss`)."""
    base, moved = prepare_layers(before, {"after": after}, [], zones_name="earlier red line")
    return float(shapely.area(shapely.difference(shapely.union_all(base.geometry.values),
                                                 shapely.union_all(moved["after"].geometry.values))))


def restoration_history(survey, frame: gpd.GeoDataFrame, *, target: dict[str, Any] | None = None,
                        zones: gpd.GeoDataFrame | None = None, zone_field: str = "name") -> dict[str, Any]:
    """``restoration_by_year`` from the current restoration survey: per project year (read as years:
    ``2021``, ``"2021年"``, ``"2021-05-01"`` are one year) the union area of that year's projects (all statuses,
    the whole city) and the cumulative area the target counts up to that year — of its restoration type, of its
    statuses (completed unless it says otherwise) and, for a district's target (``zone = "东区"``), inside that
    district of ``zones`` only —, with the target.  ``notes``: a target left out, and why."""
    target = dict(target or {})
    notes: list[str] = []
    zone = target.get("zone")
    if zone is not None and (zones is None or str(zone) not in set(zones[zone_field].astype(str))):
        notes.append(f"restoration target of district {zone!r} not drawn: "
                     + ("no --zones given" if zones is None else f"no district {zone!r} in --zones ({zone_field})"))
        target = {}
    years_of_rows = years_in(frame, "year")
    by_year = restoration(frame.assign(year=years_of_rows.astype("float64")), None, by=("year",))
    by_year = by_year[by_year["zone"] == "total"]
    years = sorted({int(y) for y in years_of_rows.dropna()})
    kind = target.get("type")
    status = target.get("status") or "completed"
    statuses = [status] if isinstance(status, str) else list(status)
    rows = []
    for y in years:
        done = restoration_progress(frame, float(target.get("target_ha") or 0.0), restoration_type=kind, until=y,
                                    status=statuses, zones=zones if target.get("zone") else None,
                                    zone=target.get("zone"), zone_field=zone_field)
        this = by_year[pd.to_numeric(by_year["year"], errors="coerce") == y]
        rows.append({"survey": survey.id, "date": survey.date, "year": y,
                     "projects": int(this["projects"].sum()), "area_ha": float(this["area_ha"].sum()),
                     "completed_cumulative_ha": done["achieved_ha"], "cumulative_type": kind or "all",
                     "cumulative_status": "+".join(done["status"]), "cumulative_zone": target.get("zone") or "city",
                     "target_ha": target.get("target_ha"), "target_until": target.get("until")})
    return {"restoration_by_year": pd.DataFrame(rows), "notes": notes}
