"""The demo's monitoring history: a GeoPackage store of SIMULATED surveys in ``monitoring/`` and its report, with
the charts and the map in Chromium."""

from __future__ import annotations

import json

import pytest

from ecozone.demo_monitor import QUARTERS
from ecozone.store import open_store


def test_demo_writes_a_store_of_simulated_surveys_and_its_report(demo_run):
    out, report = demo_run
    mon = report["monitoring"]
    assert mon["store"] == "monitoring/monitor.gpkg" and (out / "monitoring" / "report.html").is_file()
    store = open_store(out / "monitoring" / "monitor.gpkg")
    surveys = store.surveys()
    coast = [s for s in surveys if s.kind == "coastline"]
    assert [(s.date, s.label) for s in coast] == list(QUARTERS)
    assert len([s for s in surveys if s.kind == "redline"]) == 2
    assert all(s.simulated for s in surveys)  # every survey of the demo's history says it is simulated
    doc = json.loads((out / "monitoring" / "report.json").read_text("utf-8"))
    assert len(doc["simulated_surveys"]) == len(surveys)
    rows = doc["tables"]["coastline_retention"]
    # the history shows the retention falling quarter by quarter, still above the 37 % target
    assert rows[0]["retention"] > rows[1]["retention"] > rows[2]["retention"] > 0.37
    assert len(store.load(coast[0])) == len(store.load(coast[2]))  # reclassified and moved, none added or dropped
    change = doc["tables"]["coastline_change"]
    assert change[0]["natural_lost_km"] > 0 and change[1]["new_shore_km"] > 0  # Q3 moved a segment seaward
    assert doc["tables"]["redline_area"][1]["polygons_lost"] == 2


@pytest.mark.browser
def test_demo_monitoring_page_charts_and_map_in_chromium(browser, demo_run):
    out, _ = demo_run
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "monitoring" / "report.html").resolve().as_uri())
    page.wait_for_timeout(2000)
    assert errors == []
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests  # offline
    charts = page.locator("figure.chart svg")
    assert charts.count() == 5
    texts = " ".join(page.locator("figure.chart svg text").all_text_contents())
    for label in ("自然岸线保有率", "目标 ≥ 37%", "芝罘区", "年度修复面积", "目标 ≥ 120 公顷 (2025)", "生态保护红线面积"):
        assert label in texts, label
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 150  # drawn, not an empty element
    text_box = page.locator("figure.chart svg text", has_text="芝罘区").first.bounding_box()
    assert text_box["width"] > 20  # the browser drew the Chinese label with a font of its own (not an empty box)
    frame = page.frame_locator("iframe.map")
    assert frame.locator(".leaflet-container").count() == 1
    assert frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() > 0
    page.close()
