"""Audit reports (审计报告): JSON-ready values, the Markdown and HTML pages, status lines, the written files.

Oracles: the standard library (``json.dumps(allow_nan=False)`` and ``json.loads``, ``html.parser``
for what a browser would see as markup), markdown-it-py's rendering of the Markdown, the files on disk, and shapely
lengths of the layers written here (the retention figure).  Only public names of
``ecozone.report`` and ``ecozone.audit``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from ecozone.audit import load_config, run_audit
from ecozone.report import (
    FORMATS,
    html_page,
    json_ready,
    json_records,
    json_value,
    markdown,
    report_dict,
    report_files,
    status_line,
    write_report,
)

HOSTILE = "<img src=x onerror=alert(1)>"
X, Y = 500_000.0, 4_100_000.0


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "value, want",
    [
        (np.float64(1.23456789), 1.234568),
        (np.int64(7), 7),
        (np.bool_(True), True),
        (float("nan"), None),
        (float("inf"), None),
        (-np.inf, None),
        (np.float32("nan"), None),
        (None, None),
        (pd.NA, None),
        (pd.NaT, None),
        (np.datetime64("NaT"), None),
        (pd.Timestamp("2024-05-01 12:00"), "2024-05-01T12:00:00"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (np.datetime64("2024-05-01"), "2024-05-01T00:00:00"),
        ("芝罘区", "芝罘区"),
    ],
)
def test_json_value(value, want):
    got = json_value(value, 6)
    assert got == want and type(got) is type(want)
    json.dumps(got, allow_nan=False)  # the standard library accepts it without NaN


def test_json_value_rounds_only_when_asked():
    assert json_value(1 / 3) == 1 / 3
    assert json_value(1 / 3, 2) == 0.33


def test_json_ready_nested_never_writes_nan():
    doc = {"a": [np.float64("nan"), np.int32(3), (np.inf, 1.0)], 5: {"b": np.float32(2.5), "c": pd.NA}}
    ready = json_ready(doc)
    text = json.dumps(ready, allow_nan=False)  # raises on NaN/Infinity
    assert json.loads(text) == {"a": [None, 3, [None, 1.0]], "5": {"b": 2.5, "c": None}}
    assert "NaN" not in text and "Infinity" not in text


def test_json_records():
    table = pd.DataFrame({"zone": ["甲区", "乙区"], "share": [1 / 3, np.nan], "n": np.array([1, 2], dtype="int64")})
    rows = json_records(table, 3)
    assert rows == [{"zone": "甲区", "share": 0.333, "n": 1}, {"zone": "乙区", "share": None, "n": 2}]
    assert all(type(r["n"]) is int for r in rows)
    json.dumps(rows, allow_nan=False)


# ---------------------------------------------------------------- status lines


def indicator(**kw):
    base = {"id": "forest_share", "status": "fail", "value": 20.954, "unit": "%", "target": 40.0, "operator": ">=",
            "details": {}}
    return {**base, **kw}


def test_status_line_formats():
    assert status_line(indicator()) == "FAIL  forest_share: 20.95 % (target >= 40)"
    assert status_line(indicator(status="pass", value=1234.5, unit="ha", target=None)) == "pass  forest_share: 1,234.50 ha"
    assert status_line(indicator(status="not_applicable", value=None, target=None)) == "n/a   forest_share: —"
    # a count is a whole number without a unit
    assert status_line(indicator(status="pass", unit="count", value=7.0, target=5, operator="<=")) == \
        "pass  forest_share: 7 (target <= 5)"
    assert status_line(indicator(details={"coastline": "mainland"})).endswith(" [mainland coastline]")


# ---------------------------------------------------------------- a real audit, with hostile text from the files


@pytest.fixture()
def audit_result(tmp_path: Path):
    """A small audit whose title, district name and coastline ids carry markup; 15 km natural of 20 km."""
    gpd.GeoDataFrame({"name": [HOSTILE, "乙区"]},
                     geometry=[box(X, Y, X + 10_000, Y + 10_000), box(X + 10_000, Y, X + 20_000, Y + 10_000)],
                     crs=4549).to_file(tmp_path / "districts.gpkg")
    gpd.GeoDataFrame({"id": ["C1", "C2"], "class": ["基岩", "人工"]},
                     geometry=[LineString([(X, Y), (X + 15_000, Y)]), LineString([(X + 15_000, Y), (X + 20_000, Y)])],
                     crs=4549).to_file(tmp_path / "coast.gpkg")
    (tmp_path / "audit.toml").write_text(textwrap.dedent(f"""\
        title = "审计 <script>alert(1)</script> *x* [a](javascript:alert(1))"
        [layers.districts]
        file = "districts.gpkg"
        kind = "district"
        [layers.coastline]
        file = "coast.gpkg"
        kind = "coastline"
        [indicators.coastline_retention]
        target = 70
        [indicators.retention_hostile]
        indicator = "coastline_retention"
        zone = "{HOSTILE}"
        target = 90
        """), encoding="utf-8")
    return run_audit(load_config(tmp_path / "audit.toml"))


class Markup(HTMLParser):
    """The tags and the text a browser would see."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_report_dict_is_json_and_its_figures_are_right(audit_result):
    doc = report_dict(audit_result)
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    back = json.loads(text)
    got = {i["id"]: i for i in back["indicators"]}
    assert got["coastline_retention"]["value"] == pytest.approx(15 / 20 * 100)  # shapely: 15 km of 20 km natural
    assert got["coastline_retention"]["status"] == "pass"
    assert got["retention_hostile"]["value"] == pytest.approx(100.0) and got["retention_hostile"]["status"] == "pass"
    assert back["measurement_crs"]["epsg"] == 4549
    assert back["summary"]["pass"] + back["summary"]["fail"] + back["summary"]["not_applicable"] == 2


def test_html_page_shows_hostile_text_as_text(audit_result):
    doc = report_dict(audit_result)
    page = html_page(doc, "zh")
    parsed = Markup()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags  # no markup from the files
    seen = "".join(parsed.text)
    assert "<script>alert(1)</script>" in seen and HOSTILE in seen  # shown as text
    assert "<script" not in page and "<img" not in page
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "span", "table", "tr",
                                "th", "td", "br", "ul", "li", "code"}
    assert "达标" in seen


def test_markdown_escapes_hostile_text(audit_result):
    doc = report_dict(audit_result)
    md = markdown(doc, "en")
    assert "<script" not in md and "<img" not in md
    assert md.startswith("# ") and "| indicator | value | target | status |" in md
    # what a Markdown renderer that passes raw HTML through makes of it (markdown-it-py, rich's dependency)
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    parsed = Markup()
    parsed.feed(rendered)
    assert not {"script", "img", "a"} & set(parsed.tags)  # no markup, no link from the files
    assert "table" in parsed.tags and "h1" in parsed.tags
    seen = "".join(parsed.text)
    assert "<script>alert(1)</script> *x* [a](javascript:alert(1))" in seen and HOSTILE in seen  # shown as written


def test_write_report_writes_the_files_it_lists(audit_result, tmp_path: Path):
    out = tmp_path / "out"
    written = write_report(audit_result, out)
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    names = {p.name for p in written}
    assert set(report_files()) <= names
    assert {"report.json", "report.md", "report.html", "indicators.csv"} <= names
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} >= names
    doc = json.loads((out / "report.json").read_text("utf-8"))
    assert doc == json.loads(json.dumps(json_ready(report_dict(audit_result)), allow_nan=False)) | {
        "generated_at": doc["generated_at"]}
    csv = pd.read_csv(out / "indicators.csv")
    assert sorted(csv["id"]) == ["coastline_retention", "retention_hostile"]


def test_write_report_only_the_formats_asked(audit_result, tmp_path: Path):
    written = write_report(audit_result, tmp_path / "json_only", ["json"])
    assert [p.name for p in written] == ["report.json"] == report_files(["json"])
    assert FORMATS == ("json", "csv", "md", "html")


def test_write_report_refuses_an_unknown_format(audit_result, tmp_path: Path):
    from ecozone import InputError

    with pytest.raises(InputError, match="'pdf'"):
        write_report(audit_result, tmp_path / "x", ["pdf"])
    assert not (tmp_path / "x" / "report.json").exists()


def test_report_json_has_no_nan_even_when_a_figure_is_nan(audit_result, tmp_path: Path):
    audit_result.indicators[0]["value"] = float("nan")  # an indicator that could not be measured
    audit_result.tables["extra"] = pd.DataFrame({"v": [np.nan, np.inf, 1.5]})
    write_report(audit_result, tmp_path / "nan", ["json"])
    text = (tmp_path / "nan" / "report.json").read_text("utf-8")
    doc = json.loads(text)
    assert doc["indicators"][0]["value"] is None
    assert doc["tables"]["extra"] == [{"v": None}, {"v": None}, {"v": 1.5}]
    assert "NaN" not in text and "Infinity" not in text and not any(
        isinstance(v, float) and not math.isfinite(v) for v in (r["v"] for r in doc["tables"]["extra"]))


def test_inputs_carry_their_sha256_and_feature_counts(audit_result):
    import hashlib

    doc = report_dict(audit_result)
    root = audit_result.config.path.parent
    by_path = {i["path"]: i for i in doc["inputs"]}
    assert set(by_path) == {"audit.toml", "districts.gpkg", "coast.gpkg"}
    for name, features in (("audit.toml", None), ("districts.gpkg", 2), ("coast.gpkg", 2)):
        assert by_path[name]["sha256"] == hashlib.sha256((root / name).read_bytes()).hexdigest()
        assert by_path[name]["features"] == features


def test_the_report_is_the_same_from_run_to_run_apart_from_the_time(audit_result):
    again = run_audit(load_config(audit_result.config.path))
    first, second = report_dict(audit_result), report_dict(again)
    first.pop("generated_at"), second.pop("generated_at")
    assert json.dumps(first, ensure_ascii=False, allow_nan=False) == json.dumps(second, ensure_ascii=False, allow_nan=False)


def test_html_page_cuts_long_tables_and_says_where_the_rest_is(audit_result):
    audit_result.tables["long <b>table</b>"] = pd.DataFrame({"zone": [f"z{i}" for i in range(5)], "v": np.arange(5.0)})
    page = html_page(report_dict(audit_result), "en", max_rows=2)
    parsed = Markup()
    parsed.feed(page)
    seen = "".join(parsed.text)
    assert "long <b>table</b> (5 rows)" in seen and "b" not in parsed.tags
    assert "z1" in seen and "z2" not in seen and "… 3 more rows" in seen
