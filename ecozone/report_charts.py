"""The charts of an audit's ``report.html`` (报告图表): per-district bars against the target line.

:func:`chart_specs` turns the per-district figures behind an audit's city-wide indicators
(:func:`ecozone.audit.districts.district_figures`: natural-coastline retention, red-line coverage)
into chart specifications, plain data; :func:`charts_html` draws them with
:func:`ecozone.charts.bar_svg` as the "图表 / Charts" section of the page, inline SVG, nothing to
fetch.  No such figures, no section.

Example
-------
>>> spec = {"title": "大陆自然岸线保有率 · 各区县", "y_label": "保有率 (%)", "categories": ["芝罘区", "栖霞市"],
...         "series": {"大陆自然岸线保有率": [52.9, None]}, "target": 37.0, "target_label": "目标 ≥ 37%",
...         "percent": True, "note": "虚线: 全市目标"}
>>> section = charts_html([spec], "zh")
>>> section.startswith('<h2 id="charts">图表</h2>') and "芝罘区</text>" in section
True
>>> charts_html([], "zh")
''
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["chart_specs", "charts_html", "target_label"]

_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "~": "≈"}
_WORDS = {
    "zh": {"charts": "图表", "by_district": "各区县", "target": "目标", "city": "全市",
           "coastline_retention": "保有率 (%)", "redline_coverage": "占区县面积 (%)",
           "dashed": "虚线: 全市目标 (各区县仅作对照)", "gap": "—: 该区县无此项 (如无岸线)"},
    "en": {"charts": "Charts", "by_district": "by district", "target": "target", "city": "city",
           "coastline_retention": "retention (%)", "redline_coverage": "share of the district (%)",
           "dashed": "dashed line: the city-wide target (the districts for comparison)",
           "gap": "—: none in the district (e.g. no coastline)"},
}


def target_label(operator: str, target: float, *, unit: str = "%", tolerance: float | None = None,
                 lang: str = "zh") -> str:
    """``目标 ≥ 37%`` (zh) or ``target ≥ 37%`` (en); with ``~`` (左右) its tolerance: ``目标 ≈ 60% ± 2``."""
    spread = f" ± {tolerance:g}" if operator == "~" and tolerance is not None else ""
    return f"{_WORDS[lang]['target']} {_SYMBOL.get(operator, operator)} {target:g}{unit}{spread}"


def chart_specs(result, lang: str = "zh") -> list[dict[str, Any]]:
    """One bar chart per city-wide indicator of ``result`` with per-district figures: its districts' values
    (percent, None where a district has none) and, when the indicator has a target, the target line."""
    from .audit.districts import district_figures

    w = _WORDS[lang]
    specs = []
    for found in district_figures(result):
        ind = found["indicator"]
        label = ind["label_zh"] if lang == "zh" else ind["label_en"]
        target = None if ind["target"] is None else float(ind["target"])
        city = f"{w['city']} {ind['value']:.1f}%"
        specs.append({
            "title": f"{label} · {w['by_district']} ({city})" if lang == "zh" else f"{label} {w['by_district']} ({city})",
            "y_label": w[ind["indicator"]],
            "categories": found["zones"],
            "series": {label: found["values"]},
            "target": target,
            "target_label": None if target is None else target_label(ind["operator"], target, tolerance=ind.get("tolerance"), lang=lang),
            "percent": True,
            "note": " · ".join(([w["dashed"]] if target is not None else []) + ([w["gap"]] if None in found["values"] else [])),
        })
    return specs


def charts_html(specs: list[dict[str, Any]], lang: str = "zh") -> str:
    """The "图表 / Charts" section: a heading, then each chart as a ``<figure>`` of inline SVG with its note;
    empty when there is no chart."""
    from .charts import bar_svg

    if not specs:
        return ""
    out = [f'<h2 id="charts">{html.escape(_WORDS[lang]["charts"])}</h2>']
    for spec in specs:
        svg = bar_svg(spec["categories"], spec["series"], title=spec["title"], y_label=spec["y_label"],
                      target=spec["target"], target_label=spec["target_label"], percent=spec["percent"])
        note = f'<figcaption class="note">{html.escape(spec["note"])}</figcaption>' if spec.get("note") else ""
        out.append(f'<figure class="chart">{svg}{note}</figure>')
    return "\n".join(out)
