"""The charts of report.html in a real headless Chromium (Debian's /usr/bin/chromium through playwright).

Skipped only when Chromium is missing and CI is unset (the ``browser`` fixture).  Screenshots go
to test-artifacts/charts/ (ECOZONE_ARTIFACTS overrides the folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecozone.report_charts import charts_html

from .conftest import REPO
from .test_maps_browser import XSS, Visit, non_blank

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("ECOZONE_ARTIFACTS", REPO / "test-artifacts")) / "charts"

#: every <text> of every chart: its text, its box on the page, and the box of its chart
TEXTS_JS = """() => [...document.querySelectorAll('figure.chart svg')].map((svg, k) => {
  const outer = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter(t => t.getAttribute('visibility') !== 'hidden').map(t => {
    const r = t.getBoundingClientRect();
    return {chart: k, text: t.textContent, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom,
            ox0: outer.left, ox1: outer.right, oy0: outer.top, oy1: outer.bottom,
            tick: !!t.closest('g[id*="xtick_"]')};
  });
})"""


def test_demo_report_shows_its_charts_with_chinese_labels(browser, demo_run):
    out, _ = demo_run
    path = out / "report.html"
    v = Visit(browser)
    try:
        v.open(path)
        assert v.errors == []
        assert v.requests == [path.resolve().as_uri()]  # nothing fetched: the charts are inline
        assert v.page.locator("h2#charts").inner_text() == "图表"
        figures = v.page.locator("figure.chart")
        assert figures.count() == 2
        charts = v.page.evaluate(TEXTS_JS)
        titles = [t["text"] for t in charts[0] if t["text"].startswith("大陆自然岸线保有率")]
        assert titles and "生态保护红线面积占比" in charts[1][0]["text"] + "".join(t["text"] for t in charts[1])
        for texts in charts:
            shown = {t["text"]: t for t in texts}
            for name in ("芝罘区", "栖霞市", "海阳市"):
                box = shown[name]
                assert box["x1"] - box["x0"] > 10 and box["y1"] - box["y0"] > 5, box  # rendered, not empty
            for t in texts:  # nothing cut off at the chart's edge
                assert t["ox0"] - 1 <= t["x0"] and t["x1"] <= t["ox1"] + 1 and t["oy0"] - 1 <= t["y0"] and t["y1"] <= t["oy1"] + 1, t
            ticks = sorted((t for t in texts if t["tick"]), key=lambda t: t["x0"])
            assert len(ticks) == 11
            for a, b in zip(ticks, ticks[1:]):  # the district names do not overlap
                assert a["x1"] <= b["x0"], (a["text"], b["text"])
        assert "目标 ≥ 37%" in {t["text"] for t in charts[0]}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for k in range(2):
            png = figures.nth(k).screenshot(path=str(ARTIFACTS / f"demo-report-chart-{k + 1}.png"))
            colours, drawn = non_blank(png)
            assert colours > 20 and drawn > 0.05, (colours, drawn)
    finally:
        v.close()


def test_hostile_district_names_show_as_text(browser, tmp_path):
    spec = {"title": "{{7*7}} · 各区县", "y_label": "保有率 (%)", "categories": [*XSS, "{{7*7}}", "芝罘区"],
            "series": {"<img src=x onerror=alert(3)>": [40.0, 20.0, None, 50.0, 60.0]}, "target": 37.0,
            "target_label": "目标 ≥ 37%", "percent": True, "note": XSS[0]}
    page = tmp_path / "charts.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{charts_html([spec], "zh")}</body></html>',
                    "utf-8")
    v = Visit(browser)
    try:
        v.open(page)
        assert v.errors == [] and v.dialogs == []
        assert v.page.evaluate("() => window.__pwned === undefined")
        assert v.page.evaluate("() => document.querySelectorAll('img, script, foreignObject').length") == 0
        shown = [t["text"] for t in v.page.evaluate(TEXTS_JS)[0]]
        for name in ["<img src=x onerror=alert(1)>", "{{7*7}}", "芝罘区", "{{7*7}} · 各区县"]:
            assert name in shown, name
        assert v.page.locator("figcaption").inner_text() == XSS[0]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        v.page.locator("figure.chart").screenshot(path=str(ARTIFACTS / "hostile-names.png"))
    finally:
        v.close()


def test_many_names_stay_readable(browser, tmp_path):
    """40 township names: every one shown, none over another, none cut off at the chart's edge."""
    names = [f"第{i}街道办事处" for i in range(40)]
    spec = {"title": "覆盖率 · 各街道", "y_label": "%", "categories": names, "series": {"s": [float(i % 7) * 9 for i in range(40)]},
            "target": 30.0, "target_label": "目标 ≥ 30%", "percent": True}
    page = tmp_path / "many.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{charts_html([spec], "zh")}</body></html>',
                    "utf-8")
    v = Visit(browser)
    try:
        v.open(page)
        assert v.errors == []
        texts = v.page.evaluate(TEXTS_JS)[0]
        ticks = sorted((t for t in texts if t["tick"]), key=lambda t: t["x0"])
        assert [t["text"] for t in ticks] == names
        for a, b in zip(ticks, ticks[1:]):
            assert a["x1"] <= b["x0"] + 0.5, (a["text"], b["text"])
        for t in texts:
            assert t["x1"] > t["x0"] and t["ox0"] - 1 <= t["x0"] and t["x1"] <= t["ox1"] + 1 and t["y1"] <= t["oy1"] + 1, t
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        v.page.locator("figure.chart").screenshot(path=str(ARTIFACTS / "many-names.png"))
    finally:
        v.close()
