"""The coastline over the survey dates (岸线动态监测): retention per date (city, district, bay), the change
since the previous survey, and DSAS rates over every survey.

Nothing is measured here that ecozone does not measure elsewhere: retention is
:func:`~ecozone.measure.coastline.coastline_retention`, the change between two surveys
:func:`~ecozone.measure.change.coastline_change`, the rates
:func:`~ecozone.measure.shoreline.shoreline_change`, on the surveys as stored.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..measure.change import coastline_change, shoreline_change
from ..measure.coastline import coastline_retention

__all__ = ["coastline_history", "DATE_FIELD"]

#: The date column given to the DSAS measurement (each survey's own date).
DATE_FIELD = "survey_date"


def _who(s) -> dict[str, Any]:
    return {"survey": s.id, "date": s.date, "label": s.label, "simulated": s.simulated}


def coastline_history(surveys: list, frames: dict[int, gpd.GeoDataFrame], *, zones: gpd.GeoDataFrame | None = None,
                      bays: gpd.GeoDataFrame | None = None, baseline: gpd.GeoDataFrame | None = None,
                      include_islands: bool = False, estuarine: str = "artificial", zone_field: str = "name",
                      bay_field: str = "name", reclamation_m: float = 100.0, baseline_side: str = "offshore") -> dict[str, Any]:
    """Tables of the coastline surveys (oldest first): ``coastline_retention``, ``coastline_retention_by_district``,
    ``coastline_retention_by_bay``, ``coastline_change`` (one row per interval), ``coastline_changes_last`` (the
    last interval's changed stretches, a layer), ``shoreline_rates`` (DSAS per transect, with a baseline) and
    ``shoreline_rates_summary``; ``notes``."""
    out: dict[str, Any] = {"notes": []}
    city, districts, bay_rows, intervals = [], [], [], []
    settings = {"include_islands": include_islands, "estuarine": estuarine}
    for s in surveys:
        r = coastline_retention(frames[s.id], zones=zones, bays=bays, zone_field=zone_field, bay_field=bay_field, **settings)
        city.append({**_who(s), "total_km": r.total_km, "natural_km": r.natural_km, "retention": r.retention})
        for table, rows in ((r.by_zone, districts), (r.by_bay, bay_rows)):
            if table is not None:
                for rec in table.to_dict("records"):
                    rows.append({**_who(s), **{k: v for k, v in rec.items() if k != "coastline"}})
        out["notes"] += [f"{s.name}: {n}" for n in r.notes]
    last = None
    for prev, cur in zip(surveys, surveys[1:]):
        summary, changes = coastline_change(frames[prev.id], frames[cur.id], **settings)
        intervals.append({"from_survey": prev.id, "to_survey": cur.id, "from_date": prev.date, "to_date": cur.date,
                          "simulated": prev.simulated or cur.simulated,
                          "retention_before": summary["retention_before"], "retention_after": summary["retention_after"],
                          "natural_lost_km": summary["lost_km"], "natural_gained_km": summary["gained_km"],
                          "new_shore_km": summary["new_km"], "removed_km": summary["removed_km"],
                          "new_artificial_km": _new_artificial_km(changes)})
        last = changes.assign(from_date=prev.date, to_date=cur.date)
    out["coastline_retention"] = pd.DataFrame(city)
    out["coastline_retention_by_district"] = pd.DataFrame(districts)
    out["coastline_retention_by_bay"] = pd.DataFrame(bay_rows)
    out["coastline_change"] = pd.DataFrame(intervals)
    out["coastline_changes_last"] = last
    if baseline is not None and len(surveys) >= 2:
        rates, summary, per_interval = _rates(surveys, frames, baseline, reclamation_m, baseline_side)
        out["shoreline_rates"], out["shoreline_rates_summary"] = rates, summary
        if len(out["coastline_change"]):
            out["coastline_change"]["reclamation_transects"] = [per_interval.get((r["from_date"], r["to_date"]), 0)
                                                                for r in intervals]
        out["notes"] += list(rates.attrs.get("notes", []))
    elif baseline is not None:
        out["notes"].append("DSAS rates need two coastline surveys or more")
    return out


def _new_artificial_km(changes: gpd.GeoDataFrame) -> float:
    """Artificial coast that was not artificial before: natural lost to artificial, and new artificial shore."""
    if not len(changes):
        return 0.0
    mask = (changes["class_after"] == "artificial") & (changes["class_before"] != "artificial")
    return float(changes.loc[mask.fillna(False).astype(bool), "length_m"].sum() / 1000.0)


def _rates(surveys: list, frames: dict[int, gpd.GeoDataFrame], baseline: gpd.GeoDataFrame,
           reclamation_m: float, baseline_side: str = "offshore") -> tuple[gpd.GeoDataFrame, dict[str, Any], dict[tuple[str, str], int]]:
    """DSAS over every coastline survey, each dated by the survey; per interval, the transects whose shoreline
    moved seaward more than ``reclamation_m`` (possible reclamation, 围填海?)."""
    layers = []
    for s in surveys:
        frame = frames[s.id]
        layer = gpd.GeoDataFrame({DATE_FIELD: [s.date] * len(frame)}, geometry=frame.geometry.values, crs=frame.crs)
        layer.attrs["source"] = frame.attrs.get("source", s.name)
        layers.append(layer)
    rates = shoreline_change(layers, baseline, date_field=DATE_FIELD, reclamation_m=reclamation_m,
                             baseline_side=baseline_side)
    positions = rates.attrs["positions"]
    per_interval: dict[tuple[str, str], int] = {}
    if len(positions):
        wide = positions.pivot_table(index="transect", columns="date", values="distance_m", aggfunc="first")
        dates = sorted(wide.columns)
        for d0, d1 in zip(dates, dates[1:]):
            moved = (wide[d1] - wide[d0]).to_numpy()
            key = (pd.Timestamp(d0).strftime("%Y-%m-%d"), pd.Timestamp(d1).strftime("%Y-%m-%d"))
            per_interval[key] = int(np.sum(np.nan_to_num(moved, nan=0.0) > reclamation_m))
    measured = rates[rates["dates"] >= 2]

    def mean(col: str) -> float | None:
        return float(measured[col].mean()) if len(measured) and measured[col].notna().any() else None

    summary = {"transects": int(len(rates)), "measured": int(len(measured)), "mean_nsm_m": mean("nsm_m"),
               "mean_epr_m_yr": mean("epr_m_yr"), "mean_lrr_m_yr": mean("lrr_m_yr"),
               "possible_reclamation": int(rates["possible_reclamation"].sum()), "reclamation_m": reclamation_m,
               "baseline_side": baseline_side}
    return rates, summary, per_interval
