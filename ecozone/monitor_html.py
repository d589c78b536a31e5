"""``report.html`` of a monitoring report: one self-contained page (inline CSS, inline SVG charts, no script),
every value escaped, and ``changes_map.html`` (the last interval's changes, offline) shown in it."""

from __future__ import annotations

import html
from typing import Any

from .report import CSS

__all__ = ["monitor_html", "changes_map", "chart_figures", "summary_lines", "shown_value", "TITLES"]

#: Each table's heading (zh / en) in report.md and report.html, in report order.
TITLES = {
    "surveys": ("监测数据 (全部版本)", "surveys (every version)"),
    "coastline_retention": ("自然岸线保有率 (全市)", "natural-coastline retention, city"),
    "coastline_retention_by_district": ("自然岸线保有率 (区县)", "retention per district"),
    "coastline_retention_by_bay": ("自然岸线保有率 (海湾)", "retention per bay"),
    "coastline_change": ("岸线变化 (与上一期相比)", "coastline change since the previous survey"),
    "coastline_changes_last": ("最近一期变化岸段", "the last interval's changed stretches"),
    "shoreline_rates": ("岸线变化速率 (DSAS)", "shoreline change rates (DSAS)"),
    "redline_area": ("生态保护红线面积", "red-line area per date"),
    "redline_lost": ("红线减少图斑 (与上一版相比)", "red-line polygons lost since the previous version"),
    "restoration_by_year": ("年度修复面积", "restoration area per year"),
}

_WORDS = {
    "zh": {"title": "动态监测报告", "store": "监测库", "generated": "生成时间", "simulated": "模拟数据 (非实测)",
           "targets": "目标", "notes": "说明", "rows": "行", "summary": "概况", "none": "无"},
    "en": {"title": "monitoring report", "store": "store", "generated": "generated", "simulated": "simulated (not surveyed)",
           "targets": "targets", "notes": "notes", "rows": "rows", "summary": "summary", "none": "none"},
}

_EXTRA_CSS = """
.simulated{background:#fff4d6}.chart{margin:1em 0;max-width:900px}
iframe.map{width:100%;max-width:1000px;height:560px;border:1px solid #ccc}
"""


def summary_lines(doc: dict[str, Any], lang: str = "zh", *, simulated: bool = True) -> list[str]:
    """What the history shows, in a few lines (the report's summary, ``ecozone monitor report``'s output)."""
    s = doc["summary"]
    zh = lang == "zh"
    lines = []
    counts = ", ".join(f"{k} {v}" for k, v in s.get("surveys", {}).items())
    lines.append(("当前监测数据: " if zh else "current surveys: ") + (counts or "—"))
    if "retention_first" in s:
        a, b = s["retention_first"], s["retention_last"]
        target = doc["targets"].get("retention")
        lines.append((f"自然岸线保有率 {a['date']} {a['retention']:.2%} → {b['date']} {b['retention']:.2%}" if zh else
                      f"natural-coastline retention {a['date']} {a['retention']:.2%} → {b['date']} {b['retention']:.2%}")
                     + (f" ({'目标' if zh else 'target'} ≥ {target:g} %)" if target is not None else ""))
    if "natural_lost_km" in s:
        lines.append((f"自然岸线减少 {s['natural_lost_km']:.2f} km, 恢复 {s['natural_gained_km']:.2f} km, 新增人工岸线 "
                      f"{s['new_artificial_km']:.2f} km" if zh else
                      f"natural coastline lost {s['natural_lost_km']:.2f} km, gained {s['natural_gained_km']:.2f} km, new "
                      f"artificial coast {s['new_artificial_km']:.2f} km"))
    if "redline_first_ha" in s:
        lines.append((f"生态保护红线 {s['redline_first_ha']:,.1f} → {s['redline_last_ha']:,.1f} 公顷, 减少图斑 "
                      f"{s['redline_polygons_lost']} 个" if zh else
                      f"red line {s['redline_first_ha']:,.1f} → {s['redline_last_ha']:,.1f} ha, "
                      f"{s['redline_polygons_lost']} polygons lost"))
    rates = s.get("shoreline_rates")
    if rates:
        side = {"offshore": "离岸", "onshore": "向陆"}.get(rates.get("baseline_side"), "") if zh else rates.get("baseline_side")
        lines.append(f"DSAS ({'基线' if zh else 'baseline'} {side or 'offshore'}): "
                     f"{rates['measured']}/{rates['transects']} transects, mean NSM "
                     f"{_num(rates['mean_nsm_m'])} m, EPR {_num(rates['mean_epr_m_yr'])} m/yr, "
                     f"possible reclamation {rates['possible_reclamation']}")
    if simulated and doc["simulated_surveys"]:
        lines.append(f"{_WORDS[lang]['simulated']}: {', '.join(doc['simulated_surveys'])}")
    return lines


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:,.2f}"


def changes_map(result, lang: str = "zh"):
    """A folium map (offline) of the last interval's changed coastline (coloured by change) and the red-line
    polygons lost since the previous version; None when there is nothing to draw."""
    from .maps.quick import QuickLayer, quick_map

    layers, spans = [], []
    latest = result.layers.get("coastline_latest")
    last = result.layers.get("coastline_changes_last")
    if latest is not None and last is not None and len(last):
        context = latest[[latest.geometry.name]]  # grey, under the changes: where they are, not what it is
        layers.append(QuickLayer("最新岸线" if lang == "zh" else "latest coastline", context,
                                 style={"color": "#9e9e9e", "weight": 1.5}))
    if last is not None and len(last):
        layers.append(QuickLayer("岸线变化" if lang == "zh" else "coastline change", last, style={"weight": 5}))
        spans.append(f"{last['from_date'].iloc[0]} → {last['to_date'].iloc[0]}")
    lost = result.layers.get("redline_lost_last")
    if lost is not None and len(lost):
        layers.append(QuickLayer("红线减少图斑" if lang == "zh" else "red-line polygons lost", lost, kind="redline"))
        spans.append(f"{lost['from_date'].iloc[0]} → {lost['to_date'].iloc[0]}")
    if not layers:
        return None
    title = ("最近一期变化 " if lang == "zh" else "last interval's changes ") + " · ".join(dict.fromkeys(spans))
    if any(s.simulated for s in result.surveys if s.current):
        title += " (模拟数据)" if lang == "zh" else " (simulated)"
    colour = "change" if any("change" in layer.frame.columns for layer in layers) else None
    return quick_map(layers, color_by=colour, title=title, lang=lang, offline=True)


def _pct(v: Any) -> float | None:
    return None if v is None else float(v) * 100


def chart_figures(doc: dict[str, Any], lang: str = "zh") -> list[tuple[str, str]]:
    """The report's charts as ``(svg, note)``: retention over time against the target line (city and bays),
    retention per district at the first and the last date, the change per interval, the red-line area per date
    and the restoration area per year against the restoration target.  Inline SVG (:mod:`ecozone.charts`)."""
    from .charts import bar_svg, line_svg

    zh = lang == "zh"
    t, targets, out = doc["tables"], doc["targets"], []
    goal = targets.get("retention")
    goal_label = None if goal is None else f"{'目标' if zh else 'target'} ≥ {goal:g}%"
    city = t.get("coastline_retention") or []
    if city:
        series = {("全市" if zh else "city"): [_pct(r["retention"]) for r in city]}
        dates = [r["date"] for r in city]
        at = {r["survey"]: i for i, r in enumerate(city)}  # each value at its own survey (never the date's first)
        for r in t.get("coastline_retention_by_bay") or []:
            if r["survey"] in at:
                series.setdefault(str(r["bay"]), [None] * len(dates))[at[r["survey"]]] = _pct(r["retention"])
        out.append((line_svg(dates, series, title="自然岸线保有率 (大陆岸线)" if zh else "natural-coastline retention (mainland)",
                             y_label="保有率 (%)" if zh else "retention (%)", target=goal, target_label=goal_label,
                             percent=True), "虚线: 全市目标" if zh and goal is not None else ""))
    districts = t.get("coastline_retention_by_district") or []
    if districts:
        first, last = districts[0]["date"], districts[-1]["date"]
        zones = list(dict.fromkeys(r["zone"] for r in districts))
        series = {}
        for day in dict.fromkeys((first, last)):
            by = {r["zone"]: _pct(r["retention"]) for r in districts if r["date"] == day}
            series[day] = [by.get(z) for z in zones]
        out.append((bar_svg(zones, series, title="自然岸线保有率 · 各区县" if zh else "retention by district",
                            y_label="保有率 (%)" if zh else "retention (%)", target=goal, target_label=goal_label,
                            percent=True), "—: 该区县无岸线" if zh else "—: no coastline in the district"))
    change = t.get("coastline_change") or []
    if change:
        spans = [f"{r['from_date']}→{r['to_date']}" for r in change]
        names = (("natural_lost_km", "自然岸线减少", "natural lost"), ("natural_gained_km", "自然岸线恢复", "natural gained"),
                 ("new_artificial_km", "新增人工岸线", "new artificial"), ("new_shore_km", "新岸线(疑似围填海)", "new shore"))
        series = {(zh_name if zh else en): [r[key] for r in change] for key, zh_name, en in names}
        out.append((bar_svg(spans, series, title="岸线变化 (与上一期相比)" if zh else "coastline change per interval",
                            y_label="km"), ""))
    red = t.get("redline_area") or []
    if red:
        out.append((bar_svg([r["date"] for r in red], {("红线面积" if zh else "red line"): [r["area_ha"] for r in red]},
                            title="生态保护红线面积" if zh else "red-line area", y_label="公顷" if zh else "ha"),
                    "面积不减少: 与上一版相比减少的图斑见下表" if zh else "polygons lost: see the table below"))
    years = t.get("restoration_by_year") or []
    if years:
        target = targets.get("restoration") or {}
        first = years[0]
        kind, status = first["cumulative_type"], first.get("cumulative_status") or "completed"
        where = first.get("cumulative_zone") or "city"
        where_zh = "全市" if where == "city" else where
        status_zh = "+".join({"completed": "已完成", "ongoing": "实施中", "planned": "规划"}.get(x, x) for x in status.split("+"))
        series = {("当年项目面积 (全市)" if zh else "projects of the year (city)"): [r["area_ha"] for r in years],
                  (f"累计 ({where_zh})" if zh else f"cumulative ({where})"):
                      [r["completed_cumulative_ha"] for r in years]}
        until = f" ({target['until']})" if target.get("until") else ""
        whose = "" if where == "city" else f"{where} "
        label = (f"{whose}{'目标' if zh else 'target'} ≥ {target['target_ha']:g} {'公顷' if zh else 'ha'}{until}"
                 if target and years[0].get("target_ha") is not None else None)
        out.append((bar_svg([str(r["year"]) for r in years], series, title="年度修复面积" if zh else "restoration area per year",
                            y_label="公顷" if zh else "ha", target=years[0].get("target_ha"), target_label=label),
                    f"并集面积, 重叠不重复计算; 累计: {kind}, {status_zh}, {where_zh}" if zh else
                    f"union areas: overlaps counted once; cumulative: {kind}, {status}, {where}"))
    return out


def shown_value(v: Any) -> str:
    """A table cell's value as text: empty for None, ✓ for True, floats with four decimals."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "✓" if v else ""
    if isinstance(v, float):
        return f"{v:,.4f}"
    return str(v)


def _table(rows: list[dict[str, Any]], max_rows: int) -> str:
    e = html.escape
    if not rows:
        return "<p class=\"note\">—</p>"
    cols = list(rows[0])
    out = ["<table><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in cols) + "</tr>"]
    for row in rows[:max_rows]:
        cls = ' class="simulated"' if row.get("simulated") is True else ""
        out.append(f"<tr{cls}>" + "".join(
            f'<td class="num">{e(shown_value(v))}</td>' if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{e(shown_value(v))}</td>" for v in row.values()) + "</tr>")
    out.append("</table>")
    if len(rows) > max_rows:
        out.append(f'<p class="note">… {len(rows) - max_rows} more rows: see the CSV</p>')
    return "\n".join(out)


def monitor_html(result, doc: dict[str, Any], lang: str = "zh", *, map_name: str | None = None,
                 max_rows: int = 200) -> str:
    """The page: title, store (masked), summary, charts, the map of the last interval, then every table."""
    e = html.escape
    zh = lang == "zh"
    title = "动态监测报告" if zh else "monitoring report"
    out = [f'<!DOCTYPE html><html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{CSS}{_EXTRA_CSS}</style></head><body>", f"<h1>{e(title)}</h1>",
           f'<p class="note">{"监测库" if zh else "store"}: {e(doc["store"])} · {"生成时间" if zh else "generated"}: '
           f'{e(doc["generated_at"])} · ecozone {e(doc["ecozone"])}</p>',
           "<ul>" + "".join(f"<li>{e(line)}</li>" for line in summary_lines(doc, lang, simulated=False)) + "</ul>"]
    if doc["simulated_surveys"]:
        out.append(f'<p class="note simulated">{"模拟数据 (非实测, 仅演示)" if zh else "simulated surveys (not surveyed)"}: '
                   f'{e(", ".join(doc["simulated_surveys"]))}</p>')
    figures = chart_figures(doc, lang)
    if figures:
        out.append(f'<h2 id="charts">{"图表" if zh else "Charts"}</h2>')
        for svg, note in figures:
            out.append(f'<figure class="chart">{svg}' + (f'<figcaption class="note">{e(note)}</figcaption>' if note else "")
                       + "</figure>")
    if map_name:
        heading = "最近一期变化图" if zh else "map of the last interval's changes"
        out.append(f'<h2>{e(heading)}</h2><iframe class="map" src="{e(map_name)}" title="{e(heading)}"></iframe>'
                   f'<p class="note"><a href="{e(map_name)}">{e(map_name)}</a></p>')
    for name, rows in doc["tables"].items():
        zh_title, en_title = TITLES.get(name, (name, name))
        out.append(f'<section id="{e(name)}"><h2>{e(zh_title if zh else en_title)} ({len(rows)})</h2>')
        out.append(_table(rows, max_rows) + "</section>")
    if doc["notes"]:
        out.append(f"<h2>{'说明' if zh else 'notes'}</h2><ul class=\"note\">"
                   + "".join(f"<li>{e(n)}</li>" for n in doc["notes"]) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
