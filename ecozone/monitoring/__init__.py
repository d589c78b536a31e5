"""Monitoring over time (动态监测): the figures of every survey date in a store, and their changes.

:func:`monitor` reads the current version of each survey in a store (:mod:`ecozone.store`) and gives, per
date, natural-coastline retention (city, district, bay), the change since the previous coastline survey
(natural km lost and gained, new artificial coast, new shore: possible reclamation), DSAS rates over every
coastline survey (with a baseline), the red-line area with the polygons lost since the previous version,
and restoration area per year.  An audit config (``--config audit.toml``) gives the settings (islands,
estuarine class) and the targets drawn as the charts' target lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from .coast import coastline_history
from .themes import redline_history, restoration_history

__all__ = ["monitor", "MonitorResult", "targets_of"]


@dataclass
class MonitorResult:
    """What :func:`monitor` measured: ``tables`` (name → DataFrame), ``layers`` (the last interval's changed
    coastline and lost red line, for the map), ``targets``, ``settings``, ``surveys`` (every version), ``notes``."""

    store: str
    surveys: list
    tables: dict[str, pd.DataFrame]
    layers: dict[str, gpd.GeoDataFrame]
    targets: dict[str, Any]
    settings: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def targets_of(config) -> dict[str, Any]:
    """The targets a monitoring report draws, from a loaded audit config: city retention (%), per-bay and
    per-district retention (%), and the restoration-area target (ha, type, year, statuses, district): the first
    one; the others are named in ``restoration_not_drawn`` (one chart draws one target line)."""
    out: dict[str, Any] = {"retention": None, "retention_source": None, "retention_by_bay": {}, "retention_by_district": {},
                           "restoration": None, "restoration_not_drawn": []}
    if config is None:
        return out
    for key, spec in config.indicators.items():
        indicator = spec.get("indicator", key)
        if spec.get("target") is None:
            continue
        if indicator == "coastline_retention":
            if spec.get("bay"):
                out["retention_by_bay"][str(spec["bay"])] = float(spec["target"])
            elif spec.get("district") or spec.get("zone"):
                out["retention_by_district"][str(spec.get("district") or spec.get("zone"))] = float(spec["target"])
            else:
                out["retention"], out["retention_source"] = float(spec["target"]), spec.get("source")
        elif indicator == "restoration_area" and out["restoration"] is None:
            out["restoration"] = {"target_ha": float(spec["target"]), "type": spec.get("type"), "until": spec.get("until"),
                                  "source": spec.get("source"), "zone": spec.get("zone"),
                                  "status": spec.get("status") or "completed", "indicator": key}
        elif indicator == "restoration_area":
            out["restoration_not_drawn"].append(key)
    return out


def monitor(store, *, zones: gpd.GeoDataFrame | None = None, bays: gpd.GeoDataFrame | None = None,
            baseline: gpd.GeoDataFrame | None = None, config=None, zone_field: str = "name", bay_field: str = "name",
            reclamation_m: float = 100.0, baseline_side: str = "offshore") -> MonitorResult:
    """Measure every current survey of ``store`` (an :class:`ecozone.store.Store`) date by date.

    Parameters
    ----------
    store : the store (its current versions are measured; superseded ones are listed, not measured)
    zones, bays : districts and bay polygons for retention per district and per bay
    baseline : a baseline line for DSAS rates over every coastline survey
    baseline_side : where the baseline lies, ``"offshore"`` (seaward of the shorelines) or ``"onshore"``
    config : a loaded audit config (:func:`ecozone.audit.load_config`): its settings and targets

    Returns
    -------
    :class:`MonitorResult`
    """
    settings = {"include_islands": False, "estuarine": "artificial"}
    if config is not None:
        settings.update({k: config.settings[k] for k in settings if k in config.settings})
    targets = targets_of(config)
    surveys = store.surveys()
    current = [s for s in surveys if s.current]
    listed = pd.DataFrame([{**s.to_dict(), "current": s.current} for s in surveys]).drop(columns=["crs", "layer"], errors="ignore")
    for col in ("supersedes", "superseded_by"):
        if col in listed:
            listed[col] = listed[col].astype("Int64")
    tables: dict[str, pd.DataFrame] = {"surveys": listed}
    layers: dict[str, gpd.GeoDataFrame] = {}
    notes: list[str] = []
    coast = [s for s in current if s.kind == "coastline"]
    if coast:
        frames = {s.id: store.load(s) for s in coast}
        found = coastline_history(coast, frames, zones=zones, bays=bays, baseline=baseline, zone_field=zone_field,
                                  bay_field=bay_field, reclamation_m=reclamation_m,
                                  baseline_side=baseline_side, **settings)
        layers["coastline_latest"] = frames[coast[-1].id]  # the map's context
        last = found.pop("coastline_changes_last")
        if last is not None:
            layers["coastline_changes_last"] = last
            tables["coastline_changes_last"] = pd.DataFrame(last.drop(columns=last.geometry.name))
        rates = found.pop("shoreline_rates", None)
        if rates is not None:
            layers["shoreline_transects"] = rates
            tables["shoreline_rates"] = pd.DataFrame(rates.drop(columns=rates.geometry.name))
        notes += found.pop("notes")
        summary_rates = found.pop("shoreline_rates_summary", None)
        tables.update({k: v for k, v in found.items() if len(v.columns)})  # no empty table for bays not given
    else:
        summary_rates = None
    red = [s for s in current if s.kind in ("redline", "redline_baseline")]
    if red:
        frames = {s.id: store.load(s) for s in red}
        found = redline_history(red, frames)
        notes += found.pop("notes")
        tables.update(found)
        if len(red) >= 2 and len(found["redline_lost"]):
            prev = frames[red[-2].id]
            ids = set(found["redline_lost"].loc[found["redline_lost"]["to_survey"] == red[-1].id, "id"])
            if "id" in prev.columns and ids:
                layers["redline_lost_last"] = prev[prev["id"].isin(ids)].assign(from_date=red[-2].date, to_date=red[-1].date)
    restored = [s for s in current if s.kind == "restoration"]
    if restored:
        found = restoration_history(restored[-1], store.load(restored[-1]), target=targets["restoration"], zones=zones,
                                    zone_field=zone_field)
        notes += found.pop("notes")
        tables.update(found)
        if targets["restoration_not_drawn"]:
            notes.append("restoration targets not drawn (the chart draws the first one, "
                         f"{targets['restoration']['indicator']}): {', '.join(targets['restoration_not_drawn'])}")
        if len(restored) > 1:
            notes.append(f"restoration per year is measured on the latest restoration survey, {restored[-1].name}")
    summary = _summary(tables, summary_rates, current)
    return MonitorResult(store=store.location, surveys=surveys, tables=tables, layers=layers, targets=targets,
                         settings={**settings, "reclamation_m": reclamation_m, "baseline": baseline is not None,
                                   "baseline_side": baseline_side if baseline is not None else None,
                                   "zones": zones is not None, "bays": bays is not None},
                         summary=summary, notes=notes)


def _summary(tables: dict[str, pd.DataFrame], rates: dict[str, Any] | None, current: list) -> dict[str, Any]:
    out: dict[str, Any] = {"surveys": {k: sum(1 for s in current if s.kind == k) for k in sorted({s.kind for s in current})}}
    ret = tables.get("coastline_retention")
    if ret is not None and len(ret):
        out["retention_first"] = {"date": ret["date"].iloc[0], "retention": float(ret["retention"].iloc[0])}
        out["retention_last"] = {"date": ret["date"].iloc[-1], "retention": float(ret["retention"].iloc[-1])}
    change = tables.get("coastline_change")
    if change is not None and len(change):
        out["natural_lost_km"] = float(change["natural_lost_km"].sum())
        out["natural_gained_km"] = float(change["natural_gained_km"].sum())
        out["new_artificial_km"] = float(change["new_artificial_km"].sum())
    red = tables.get("redline_area")
    if red is not None and len(red):
        out["redline_first_ha"], out["redline_last_ha"] = float(red["area_ha"].iloc[0]), float(red["area_ha"].iloc[-1])
        out["redline_polygons_lost"] = int(pd.to_numeric(red["polygons_lost"], errors="coerce").fillna(0).sum())
    if rates is not None:
        out["shoreline_rates"] = rates
    return out

