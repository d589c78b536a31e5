"""The summary ``ecozone demo`` prints (演示摘要): the demo's report, as the lines a reader sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .measure.conflicts import share_of
from .report import status_line

__all__ = ["summary_lines"]


def summary_lines(report: dict[str, Any], out: Path) -> list[str]:
    """The lines summing up the demo's ``report`` (as :func:`ecozone.demo.run_demo` returns it), written to ``out``.

    Every figure is the report's; nothing is measured here.  ``ecozone demo`` prints these lines.
    """
    lines: list[str] = []
    line = lines.append
    ds = report["dataset"]
    line(f"{ds['title'] or ds['name']}")
    line(f"measurement CRS: EPSG:{report['measurement_crs']['epsg']} ({report['measurement_crs']['name']})")
    line("layers:")
    for layer in report["layers"]:
        flag = "  [illustrative]" if layer["illustrative"] else ""
        line(f"  {layer['layer']:<18} {layer['kind']:<13} {layer['features']:>5} features{flag}")
    line("district areas (km²):")
    for row in report["district_areas"]:
        line(f"  {row['district']:<6} {row['area_km2']:>10,.1f}")
    line(f"  {'全市 total':<6} {report['city_area_km2']:>10,.1f}")
    if "redline_land_coverage" in report:
        red = report["redline_land_coverage"][-1]
        line(f"land red line (illustrative): {red['covered_km2']:,.1f} km², {red['covered_share']:.1%} of the city")
    if "coastline_retention" in report:
        c = report["coastline_retention"]
        line(
            f"natural-coastline retention, mainland (illustrative classes): {c['retention']:.1%} "
            f"({c['natural_km']:,.1f} of {c['total_km']:,.1f} km)"
        )
    if "coastline_change_simulated" in report:
        c = report["coastline_change_simulated"]
        line(
            f"  a SIMULATED later survey: retention {c['retention_before']:.1%} → {c['retention_after']:.1%} "
            f"(natural lost {c['lost_km']:,.1f} km, restored {c['gained_km']:,.1f} km)"
        )
    if "setback_zones" in report:
        area = {z["zone"]: z["area_ha"] for z in report["setback_zones"]}
        inside = sorted({f["feature_id"] for f in report["setback_findings"]})
        line(
            f"coastal setback zones (illustrative widths): core {area['core']:,.0f} ha, general control zone beyond it "
            f"{area['general']:,.0f} ha (core not included; both {area['core'] + area['general']:,.0f} ha); "
            f"inside them: {', '.join(inside) or 'nothing'}"
        )
    if "marine_coverage" in report:
        total = report["marine_coverage"][-1]
        seas = ", ".join(
            f"{name} {total[name + '_covered_km2']:,.1f} km²" for name in ("redline_marine", "marine_ranches", "bays")
            if name + "_covered_km2" in total
        )
        sea_km2 = sum(z["area_km2"] for z in report["sea_zones"])
        line(f"at sea, in {len(report['sea_zones'])} approximate sea zones of {sea_km2:,.0f} km² (land and the neighbours' "
             f"side left out; illustrative layers): {seas}")
    if "restoration_progress" in report:
        p = report["restoration_progress"]
        verdict = "met" if p["met"] else "NOT met"
        line(
            f"restoration target (illustrative): {p['type']} ≥ {p['target_ha']:g} ha by {p['until']}: "
            f"{p['achieved_ha']:,.1f} ha from {p['projects']} completed projects — {verdict}"
            + (f" (overlaps of {p['overlap_ha']:,.1f} ha counted once)" if p["overlap_ha"] > 0 else "")
        )
    if "river_designation" in report:
        total = report["river_designation"][-1]
        line(
            f"rivers (illustrative): {total['designated_share']:.1%} of {total['river_km']:,.1f} km designated 美丽幸福河湖; "
            f"not yet: {', '.join(r['name'] for r in report['rivers_undesignated']) or 'none'}; "
            f"{len(report['river_encroachment'])} feature(s) inside the buffer zones"
        )
    if "mine_restoration" in report:
        rates = {r["status"]: r for r in report["mine_restoration"] if r["zone"] == "total"}
        for status, label in (("historic", "historic"), ("production", "production")):
            if status in rates:
                r = rates[status]
                line(f"{label} mines restored (illustrative): {r['rate_by_count']:.1%} by count ({r['restored']}/{r['mines']}), "
                     f"{r['rate_by_area']:.1%} by area")
        if "mine_restoration_in_view" in report:
            seen = {r["status"]: r for r in report["mine_restoration_in_view"] if r["zone"] == "total"}
            h = seen.get("historic")
            in_view = sum(1 for m in report["mines_in_view"] if m["in_view"])
            line(f"  in the 三区两线 visible range (1 km, DEM line of sight): {in_view} mines"
                 + (f"; historic ones restored {h['rate_by_count']:.1%} by count, {h['rate_by_area']:.1%} by area" if h else ""))
    if "ranches_by_sea_zone" in report:
        rows = [r for r in report["ranches_by_sea_zone"] if r["zone"] == "total"]
        national = sum(r["ranches"] for r in rows if r["level"] == "national")
        line(
            f"marine ranches (illustrative): {sum(r['ranches'] for r in rows)} ({national} national), "
            f"{sum(r['area_km2'] for r in rows):,.1f} km²; in the marine red line: "
            f"{sum(r['in_marine_redline'] for r in rows)} ({sum(r['not_allowed_in_redline'] for r in rows)} of a type not allowed); "
            f"sharing a wind farm (风渔融合): {sum(r['with_wind_farm'] for r in rows)}"
        )
    counts = report["conflicts"]["counts"]
    line(
        f"conflicts (illustrative): {counts['violation']} violations, "
        f"{counts['warning']} warnings, {counts['info']} for information"
    )
    for f in report["conflicts"]["findings"]:
        if f["severity"] == "violation":
            line(f"  {f['feature_id']} {f['feature_name']} — {f['against_name']}: {f['overlap_ha']:,.1f} ha "
                 f"({f['share']:.0%} {share_of(f['rule'])})")
    if "audit" in report:
        a = report["audit"]
        line(f"audit against the targets of {a['config']['path']} (preset {a['config']['preset']}; illustrative data): "
             f"{a['summary']['pass']} pass, {a['summary']['fail']} fail, {a['summary']['not_applicable']} n/a")
        for i in a["indicators"]:
            line(f"  {status_line(i)}")
    val = report["validation"]
    line(f"validation: {val['errors']} errors, {val['warnings']} warnings")
    line(f"wrote {out / 'report.json'}, report.html, report.md and the tables beside it (CSV)")
    line(f"maps (offline HTML, open in a browser): {', '.join(str(out / p) for p in report['maps'])}")
    line(f"exports for QGIS/ArcGIS: {len(report['exports']) - 1} GeoJSON layers and {out / report['exports'][-1]} "
         f"(layers and result layers)")
    mon = report.get("monitoring") or {}
    if mon.get("coastline_retention"):
        rows, s = mon["coastline_retention"], mon["summary"]
        trend = " → ".join(f"{r['label'] or r['date']} {r['retention']:.1%}" for r in rows)
        line(f"monitoring (SIMULATED history, {out / mon['store']}): retention {trend}; natural lost "
             f"{s.get('natural_lost_km', 0):,.1f} km, new artificial {s.get('new_artificial_km', 0):,.1f} km; "
             f"red line {s.get('redline_first_ha', 0):,.0f} → {s.get('redline_last_ha', 0):,.0f} ha; "
             f"report {out / mon['report']}")
    return lines
