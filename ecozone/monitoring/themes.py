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
            row["lost_ha"] = float(lost["lost_ha"].sum()) if len(lost) else 0.0
            for rec in lost.to_dict("records"):
                lost_rows.append({"from_date": previous.date, "to_date": s.date, "from_survey": previous.id,
                                  "to_survey": s.id, **rec})
        rows.append(row)
        previous = s
        notes += [f"{s.name}: {n}" for n in notes_here]
    return {"redline_area": pd.DataFrame(rows), "redline_lost": pd.DataFrame(lost_rows), "notes": notes}


def restoration_history(survey, frame: gpd.GeoDataFrame, *, target: dict[str, Any] | None = None) -> dict[str, Any]:
    """``restoration_by_year`` from the current restoration survey: per project year the union area of that
    year's projects (all statuses) and the cumulative area of completed projects up to that year (of the
    target's restoration type, when the audit config gives one), with the target."""
    by_year = restoration(frame, None, by=("year",))
    by_year = by_year[by_year["zone"] == "total"]
    years = sorted({int(y) for y in years_in(frame, "year").dropna()})
    kind = (target or {}).get("type")
    rows = []
    for y in years:
        done = restoration_progress(frame, float((target or {}).get("target_ha") or 0.0), restoration_type=kind, until=y)
        this = by_year[pd.to_numeric(by_year["year"], errors="coerce") == y]
        rows.append({"survey": survey.id, "date": survey.date, "year": y,
                     "projects": int(this["projects"].sum()), "area_ha": float(this["area_ha"].sum()),
                     "completed_cumulative_ha": done["achieved_ha"], "cumulative_type": kind or "all",
                     "target_ha": (target or {}).get("target_ha"), "target_until": (target or {}).get("until")})
    return {"restoration_by_year": pd.DataFrame(rows)}
