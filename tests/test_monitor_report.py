"""``ecozone monitor report``: the figures of a hand-built history against direct shapely computations and
arithmetic (tests/monitor_data.py), the same report from a GeoPackage and from PostGIS, and hostile text."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from ecozone.cli import main

from . import monitor_data as data

HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = '=HYPERLINK("x")'


def cli(*args: str):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r


def build(store: str, folder: Path, *, hostile: bool = False) -> None:
    assert cli("monitor", "init", store).exit_code == 0
    for i, (kind, path, day, label) in enumerate(data.write_history(folder)):
        extra = ["--label", HOSTILE_LABEL if hostile and i == 0 else label]
        if hostile and i == 0:
            extra += ["--note", HOSTILE_NOTE]
        if hostile and i == 1:
            extra = ["--label", "{{7*7}}"]
        r = cli("monitor", "add", store, "--kind", kind, path, "--date", day, *extra)
        assert r.exit_code == 0, r.output


def report(store: str, folder: Path, out: Path, *extra: str) -> dict:
    r = cli("monitor", "report", store, "--zones", folder / "districts.geojson", "--bays", folder / "bays.geojson",
            "--baseline", folder / "baseline.geojson", "-o", out, *extra)
    assert r.exit_code == 0, r.output
    return json.loads((out / "report.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def gpkg_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor")
    build(str(root / "m.gpkg"), root / "in")
    return root, report(str(root / "m.gpkg"), root / "in", root / "out")


def _natural_km(frame, clip=None) -> float:
    """Natural length, straight from shapely (the oracle)."""
    lines = frame[frame["class"] != "artificial"].geometry.values
    if clip is not None:
        lines = shapely.intersection(lines, clip)
    return float(shapely.length(lines).sum()) / 1000


def test_retention_per_date_city_district_bay_equal_direct_lengths(gpkg_run):
    _, doc = gpkg_run
    t = doc["tables"]
    coasts = data.coastlines()
    city = t["coastline_retention"]
    assert [r["date"] for r in city] == list(data.DATES)
    for row, frame in zip(city, coasts):
        total = float(shapely.length(frame.geometry.values).sum()) / 1000
        assert row["total_km"] == pytest.approx(total, abs=1e-6)
        assert row["natural_km"] == pytest.approx(_natural_km(frame), abs=1e-6)
    assert [round(r["retention"], 6) for r in city] == [0.55, 0.5, 0.5]
    districts = {(r["date"], r["zone"]): r for r in t["coastline_retention_by_district"]}
    west, east = data.districts().geometry.values
    for day, frame in zip(data.DATES, coasts):
        for name, poly in (("甲区", west), ("乙区", east)):
            half = shapely.box(*poly.bounds).buffer(400, cap_style="flat")  # the district's own stretch of coast
            cut = shapely.box(poly.bounds[0], 0, poly.bounds[2], 1e8)
            assert districts[(day, name)]["natural_km"] == pytest.approx(_natural_km(frame, cut), abs=1e-6), (day, name)
            assert half is not None
    assert districts[("2026-06-30", "甲区")]["retention"] == pytest.approx(0.7)
    assert districts[("2026-06-30", "乙区")]["retention"] == pytest.approx(0.3)
    bay = data.bays().geometry.iloc[0].buffer(500)  # the bay and its 500 m tolerance
    for row, frame in zip(t["coastline_retention_by_bay"], coasts):
        assert row["natural_km"] == pytest.approx(_natural_km(frame, bay), abs=0.05)  # one 50 m piece


def test_change_since_previous_survey(gpkg_run):
    _, doc = gpkg_run
    q1_q2, q2_q3 = doc["tables"]["coastline_change"]
    assert (q1_q2["from_date"], q1_q2["to_date"]) == ("2026-03-31", "2026-06-30")
    assert q1_q2["natural_lost_km"] == pytest.approx(3.0, abs=1e-6)  # 乙 10–13 km bedrock → artificial
    assert q1_q2["natural_gained_km"] == pytest.approx(2.0, abs=1e-6)  # 甲 5–7 km restored
    assert q1_q2["new_artificial_km"] == pytest.approx(3.0, abs=1e-6)
    assert q1_q2["new_shore_km"] == 0 and q1_q2["reclamation_transects"] == 0
    assert q2_q3["natural_lost_km"] == 0 and q2_q3["natural_gained_km"] == 0
    assert q2_q3["new_shore_km"] == pytest.approx(4.0, abs=1e-6)  # 300 m seaward, beyond the 100 m match
    # the earlier 16–20 km stretch is gone, except its first 100 m: within the 100 m match of the unmoved
    # shore's end at 16 km (0.1 km), so 3.9 km removed
    end = shapely.Point(data.X0 + 16_000, data.COAST_Y)
    kept = sum(50 for m in range(16_025, 20_000, 50) if shapely.Point(data.X0 + m, data.COAST_Y).distance(end) <= 100)
    assert q2_q3["removed_km"] == pytest.approx(4.0 - kept / 1000, abs=1e-6) == 3.9
    assert q2_q3["new_artificial_km"] == pytest.approx(4.0, abs=1e-6)


def test_dsas_rates_over_every_survey_by_arithmetic(gpkg_run):
    _, doc = gpkg_run
    rates = doc["tables"]["shoreline_rates"]
    n = 3000 // 50 + 1  # transects every 50 m along a 3 km baseline
    assert len(rates) == n
    years = (date(2026, 9, 30) - date(2026, 3, 31)).days / 365
    for r in rates:
        assert r["dates"] == 3 and r["nsm_m"] == pytest.approx(300.0, abs=1e-6)
        assert r["epr_m_yr"] == pytest.approx(300.0 / years, rel=1e-9)
        assert r["possible_reclamation"] is True
    summary = doc["summary"]["shoreline_rates"]
    assert summary["possible_reclamation"] == n and summary["mean_nsm_m"] == pytest.approx(300.0)
    assert doc["tables"]["coastline_change"][1]["reclamation_transects"] == n


def test_redline_area_per_date_and_polygons_lost(gpkg_run):
    _, doc = gpkg_run
    v1, v2 = data.redlines()
    area = doc["tables"]["redline_area"]
    assert [r["area_ha"] for r in area] == [pytest.approx(shapely.union_all(v.geometry.values).area / 1e4) for v in (v1, v2)]
    assert area[1]["polygons_lost"] == 2 and area[1]["lost_ha"] == pytest.approx(200.0)
    lost = {r["id"]: r for r in doc["tables"]["redline_lost"]}
    kept = shapely.union_all(v2.geometry.values)
    for _, row in v1.iterrows():
        assert lost[row["id"]]["lost_ha"] == pytest.approx(row.geometry.difference(kept).area / 1e4)
    assert lost["RL2"]["lost_share"] == pytest.approx(1.0)


def test_restoration_area_per_year_counts_overlap_once(gpkg_run):
    _, doc = gpkg_run
    rows = {r["year"]: r for r in doc["tables"]["restoration_by_year"]}
    p = data.restoration().set_index("id").geometry
    assert rows[2023]["area_ha"] == pytest.approx(p["R1"].area / 1e4)
    assert rows[2024]["area_ha"] == pytest.approx(shapely.union(p["R2"], p["R3"]).area / 1e4)
    assert rows[2023]["completed_cumulative_ha"] == pytest.approx(100.0)
    assert rows[2024]["completed_cumulative_ha"] == pytest.approx(shapely.union(p["R1"], p["R2"]).area / 1e4)  # 150


def test_files_of_the_report(gpkg_run):
    root, doc = gpkg_run
    out = root / "out"
    names = {p.name for p in out.iterdir()}
    assert {"report.json", "report.md", "report.html", "changes_map.html", "coastline_retention.csv",
            "coastline_change.csv", "redline_area.csv", "redline_lost.csv", "restoration_by_year.csv",
            "shoreline_rates.csv", "surveys.csv"} <= names
    md = (out / "report.md").read_text("utf-8")
    assert "## 自然岸线保有率 (全市) (3 行)" in md and "## 红线减少图斑 (与上一版相比) (2 行)" in md
    assert "50.00%" in md.split("## 概况")[1].split("##")[0]  # the summary: retention 55.00% → 50.00%


def _comparable(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    for key in ("generated_at", "store"):
        doc.pop(key)
    for row in doc["tables"]["surveys"]:
        row.pop("added_at")
    return doc


def test_same_history_same_report_from_geopackage_and_postgis(gpkg_run, postgis_url, tmp_path):
    root, from_gpkg = gpkg_run
    build(postgis_url, tmp_path / "in")
    from_pg = report(postgis_url, tmp_path / "in", tmp_path / "out")
    assert _comparable(from_pg) == _comparable(from_gpkg)
    for csv_file in (root / "out").glob("*.csv"):
        if csv_file.name != "surveys.csv":
            assert (tmp_path / "out" / csv_file.name).read_bytes() == csv_file.read_bytes(), csv_file.name


def test_hostile_labels_and_notes_are_text(tmp_path):
    store = str(tmp_path / "m.gpkg")
    build(store, tmp_path / "in", hostile=True)
    out = tmp_path / "out"
    report(store, tmp_path / "in", out)
    with open(out / "surveys.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = next(r for r in rows if r["id"] == "1")
    assert first["note"] == "'" + HOSTILE_NOTE and first["label"] == HOSTILE_LABEL  # neutralised: a spreadsheet shows it, never runs it
    page = (out / "report.html").read_text("utf-8")
    assert HOSTILE_LABEL not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    md = (out / "report.md").read_text("utf-8")
    assert HOSTILE_LABEL not in md and "{{7\\*7}}" in md


@pytest.mark.browser
def test_report_html_in_chromium_shows_hostile_text_as_text(browser, tmp_path):
    store = str(tmp_path / "m.gpkg")
    build(store, tmp_path / "in", hostile=True)
    out = tmp_path / "out"
    report(store, tmp_path / "in", out)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "report.html").resolve().as_uri())
    page.wait_for_timeout(1500)
    assert errors == []
    assert page.locator("img").count() == 0  # the label made no element
    body = page.inner_text("body")
    assert HOSTILE_LABEL in body
    labels = page.locator("#surveys td").all_inner_texts()
    assert "{{7*7}}" in labels and "49" not in labels
    assert page.locator("iframe.map").count() == 1
    frame = page.frame_locator("iframe.map")
    assert frame.locator(".leaflet-container").count() == 1
    page.close()
