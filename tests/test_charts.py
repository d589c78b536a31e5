"""The charts (ecozone/charts.py) and the charts of an audit's report.html (report_charts.py).

Oracles: the SVG's own geometry read back with ElementTree (bar heights against the values they
were given, the target line at the height its value gives, tick labels at their values, points
spaced by their dates); the red-line coverage of the demo's districts measured here with shapely
directly.  Hostile names must come out as text.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
import shapely

from ecozone.charts import FONT_FAMILY, bar_svg, line_svg
from ecozone.report import html_page
from ecozone.report_charts import chart_specs, charts_html, target_label

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
DISTRICTS = ["芝罘区", "福山区", "牟平区", "栖霞市", "海阳市"]
VALUES = [52.9, 61.9, 20.0, None, 33.3]
HOSTILE = ["<img src=x onerror=alert(1)>", "{{7*7}}", "$x^2$", "a\x00b\x1bc", "长" * 40,
           '"/><script>alert(1)</script>', "</text><foreignObject>x</foreignObject>"]


def root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_id(svg_root: ET.Element, suffix: str) -> ET.Element | None:
    """The element whose id ends with ``-suffix`` (every id carries the chart's prefix)."""
    found = [n for n in svg_root.iter() if n.get("id", "").endswith("-" + suffix)]
    assert len(found) <= 1, suffix
    return found[0] if found else None


def points(d: str) -> list[tuple[float, float]]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return list(zip(nums[::2], nums[1::2]))


def bar_box(svg_root: ET.Element, s: int, i: int) -> tuple[float, float]:
    """(top y, bottom y) of bar ``i`` of series ``s`` (SVG y grows downwards)."""
    path = by_id(svg_root, f"bar-{s}-{i}").find(f"{SVG}path")
    ys = [y for _, y in points(path.get("d"))]
    return min(ys), max(ys)


def texts(svg_root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg_root.iter(f"{SVG}text")]


def y_ticks(svg_root: ET.Element) -> dict[str, float]:
    """Each y tick label's text → the y of its tick mark."""
    out = {}
    for g in svg_root.iter(f"{SVG}g"):
        if re.search(r"-ytick_\d+$", g.get("id", "")):
            use = next(g.iter(f"{SVG}use"))
            out["".join(next(g.iter(f"{SVG}text")).itertext())] = float(use.get("y"))
    return out


def value_of(svg_root: ET.Element):
    """y → value, from two tick marks and their labels (the axis's own scale)."""
    ticks = {float(k.rstrip("%").replace(",", "")): y for k, y in y_ticks(svg_root).items()}
    (v0, y0), (v1, y1) = sorted(ticks.items())[:2]
    return lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def test_bar_heights_are_the_values_and_the_target_line_sits_at_its_value():
    svg = bar_svg(DISTRICTS, {"自然岸线保有率": VALUES}, title="大陆自然岸线保有率 · 各区县", y_label="保有率 (%)",
                  target=37, target_label="目标 ≥ 37%", percent=True)
    r = root(svg)
    boxes = {i: bar_box(r, 0, i) for i, v in enumerate(VALUES) if v is not None}
    base = {bottom for _, bottom in boxes.values()}
    assert len(base) == 1  # every bar stands on one baseline
    base = base.pop()
    scale = {i: (base - top) / VALUES[i] for i, (top, _) in boxes.items()}
    assert max(scale.values()) == pytest.approx(min(scale.values()), rel=1e-4)  # height ∝ value
    k = sum(scale.values()) / len(scale)
    line = points(by_id(r, "target").find(f"{SVG}path").get("d"))
    assert len({round(y, 3) for _, y in line}) == 1  # horizontal
    assert (base - line[0][1]) / k == pytest.approx(37, rel=1e-4)
    assert "dasharray" in by_id(r, "target").find(f"{SVG}path").get("style")
    # the axis says the same: "40%" is where 40 would be
    ticks = y_ticks(r)
    assert {"0%", "20%", "40%", "60%"} <= set(ticks)
    assert ticks["40%"] == pytest.approx(base - 40 * k, abs=0.01)
    # no bar for None, a dash instead; the figures above the bars
    assert by_id(r, "bar-0-3") is None and by_id(r, "gap-0-3") is not None
    shown = texts(r)
    assert {"52.9%", "61.9%", "20.0%", "33.3%"} <= set(shown)


def test_labels_are_text_in_a_cjk_font_and_the_chart_is_labelled():
    svg = bar_svg(DISTRICTS, {"保有率": VALUES}, title="大陆自然岸线保有率", y_label="保有率 (%)",
                  target=35, target_label="目标 ≥ 35%", percent=True)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    r = root(svg)
    shown = texts(r)
    for name in [*DISTRICTS, "大陆自然岸线保有率", "保有率 (%)", "目标 ≥ 35%"]:
        assert name in shown, name
    assert r.get("role") == "img" and r.get("aria-label") == "大陆自然岸线保有率"
    assert "".join(r.find(f"{SVG}title").itertext()) == "大陆自然岸线保有率"
    assert "芝罘区 52.9%" in "".join(r.find(f"{SVG}desc").itertext())
    for t in r.iter(f"{SVG}text"):
        family = re.search(r"font-family:\s*([^;]+)", t.get("style")).group(1)
        assert family.startswith("'Noto Sans CJK SC'"), family
        assert "'Microsoft YaHei'" in family and "'PingFang SC'" in family
    assert FONT_FAMILY[0] == "Noto Sans CJK SC"


def test_line_points_are_placed_by_date_and_value_with_gaps():
    x = ["2026-03-31", "2026-06-30", "2026-09-30", "2026Q4"]
    svg = line_svg(x, {"全市": [50.0, 45.0, None, 40.0], "四十里湾": [30.0, 29.0, 28.5, 28.0]},
                   title="自然岸线保有率", y_label="%", target=35, target_label="目标 ≥ 35%", percent=True)
    r = root(svg)
    value = value_of(r)
    city = [(float(u.get("x")), float(u.get("y"))) for u in by_id(r, "line-0").iter(f"{SVG}use")]
    assert len(city) == 3  # the gap has no marker
    assert [value(y) for _, y in city] == pytest.approx([50.0, 45.0, 40.0], abs=1e-3)
    # the line itself breaks at the gap: two pieces
    assert by_id(r, "line-0").find(f"{SVG}path").get("d").count("M") == 2
    bay = [(float(u.get("x")), float(u.get("y"))) for u in by_id(r, "line-1").iter(f"{SVG}use")]
    days = [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31)]
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    steps = [b[0] - a[0] for a, b in zip(bay, bay[1:])]
    assert [s / steps[0] for s in steps] == pytest.approx([g / gaps[0] for g in gaps], rel=1e-4)
    target_y = points(by_id(r, "target").find(f"{SVG}path").get("d"))[0][1]
    assert value(target_y) == pytest.approx(35, abs=1e-3)
    assert {"2026-03-31", "2026Q4", "全市", "四十里湾", "目标 ≥ 35%"} <= set(texts(r))


def test_labels_that_are_not_dates_are_one_step_apart():
    svg = line_svg(["一期", "二期", "三期"], {"面积": [1.0, 2.0, 4.0]}, title="修复面积", y_label="公顷")
    xs = [float(u.get("x")) for u in by_id(root(svg), "line-0").iter(f"{SVG}use")]
    assert xs[2] - xs[1] == pytest.approx(xs[1] - xs[0])


def test_grouped_bars_keep_their_scale_and_negative_values_hang_down():
    svg = bar_svg(["2024", "2025"], {"滨海湿地": [20.0, -10.0], "森林": [40.0, 5.0]}, title="变化", y_label="公顷")
    r = root(svg)
    top0, bottom0 = bar_box(r, 0, 0)
    top1, bottom1 = bar_box(r, 1, 0)
    assert bottom0 == pytest.approx(bottom1)
    assert (bottom1 - top1) / (bottom0 - top0) == pytest.approx(2.0, rel=1e-4)
    neg_top, neg_bottom = bar_box(r, 0, 1)
    assert neg_top == pytest.approx(bottom0)  # from the baseline down
    assert (neg_bottom - neg_top) / (bottom0 - top0) == pytest.approx(0.5, rel=1e-4)
    assert {"滨海湿地", "森林"} <= set(texts(r))  # the legend


@pytest.mark.parametrize("draw", [bar_svg, line_svg])
def test_hostile_names_are_text_and_nothing_can_run(draw):
    # a line shows every label only when they fit: two at a time
    chunks = [HOSTILE] if draw is bar_svg else [HOSTILE[i:i + 2] for i in range(0, len(HOSTILE), 2)]
    shown, raw = [], []
    for names in chunks:
        svg = draw(names, {"<b onmouseover=alert(1)>系列</b>": [1.0] * len(names), "b": [2.0] * len(names)},
                   title="<script>alert(1)</script>{{7*7}}", y_label="\"onload=alert(1)", target=0.5,
                   target_label="<img src=x onerror=alert(2)>")
        r = root(svg)  # well-formed: no control character survived
        for node in r.iter():
            tag = node.tag.rsplit("}", 1)[-1]
            assert tag not in ("script", "foreignObject", "iframe", "a", "image", "img"), tag
            for name, value in node.attrib.items():
                assert not name.rsplit("}", 1)[-1].lower().startswith("on"), (tag, name)
                if name.endswith("href"):
                    assert value.startswith("#")
        assert "<script" not in svg.lower() and "<img" not in svg.lower() and "<foreignobject" not in svg.lower()
        assert not re.search(r"<[^>]*\son\w+\s*=", svg)  # no on…= inside any tag
        assert r.get("aria-label") == "<script>alert(1)</script>{{7*7}}"
        shown += texts(r)
        raw.append(svg)
    assert "<img src=x onerror=alert(1)>" in shown and "&lt;img src=x onerror=alert(1)&gt;" in "".join(raw)
    assert "{{7*7}}" in shown and "49" not in shown
    assert "$x^2$" in shown  # not parsed as math
    assert "a b c" in shown  # control characters dropped
    assert "长" * 31 + "…" in shown  # cut
    assert '"/><script>alert(1)</script>' in shown
    assert "<script>alert(1)</script>{{7*7}}" in shown and "<img src=x onerror=alert(2)>" in shown
    assert "<b onmouseover=alert(1)>系列</b>" in shown  # the legend


def test_two_charts_share_no_id_and_every_reference_stays_inside_its_chart():
    a = bar_svg(DISTRICTS, {"a": VALUES}, title="甲", y_label="%", target=37, percent=True)
    b = bar_svg(DISTRICTS, {"a": VALUES}, title="乙", y_label="%", target=37, percent=True)
    ids = []
    for svg in (a, b):
        r = root(svg)
        mine = {n.get("id") for n in r.iter() if n.get("id")}
        refs = set(re.findall(r"url\(#([^)]+)\)", svg)) | {n.get(XLINK)[1:] for n in r.iter() if n.get(XLINK)}
        assert refs and refs <= mine
        ids.append(mine)
    assert ids[0].isdisjoint(ids[1])
    # the chart's stylesheet applies to the chart only
    assert re.search(r"<style[^>]*>#ez[0-9a-f]{10}-svg \*\{", a)
    assert bar_svg(DISTRICTS, {"a": VALUES}, title="甲", y_label="%", target=37, percent=True) == a  # reproducible


def test_nothing_of_matplotlib_is_left_changed():
    import matplotlib

    before = dict(matplotlib.rcParams)
    empty = [line_svg(["2026-01-01"], {"x": [None]}, title="空", y_label="%", percent=True),
             bar_svg([], {}, title="空", y_label="%"),
             line_svg([], {"x": []}, title="空", y_label="%", target=35, percent=True)]
    assert dict(matplotlib.rcParams) == before
    for svg in empty:  # no data: a chart that says so
        assert "—" in texts(root(svg)) and "空" in texts(root(svg))


def test_values_that_do_not_match_the_labels_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_svg(["a", "b", "c"], {"s": [1.0, 2.0]}, title="t", y_label="y")


def test_target_label_reads_as_the_plan_does():
    assert target_label(">=", 37.0) == "目标 ≥ 37%"
    assert target_label("~", 60.0, tolerance=2.5, lang="en") == "target ≈ 60% ± 2.5"


# --- the audit's report.html ------------------------------------------------------------------


def test_report_page_has_a_charts_section_only_with_charts():
    spec = {"title": "大陆自然岸线保有率 · 各区县", "y_label": "保有率 (%)", "categories": ["<img src=x onerror=alert(1)>"],
            "series": {"s": [40.0]}, "target": 37.0, "target_label": "目标 ≥ 37%", "percent": True, "note": "<b>x</b>"}
    section = charts_html([spec], "zh")
    assert section.count("<svg") == 1 and "&lt;b&gt;x&lt;/b&gt;" in section and "<b>" not in section
    assert charts_html([], "en") == ""


@pytest.fixture(scope="module")
def demo_audit():
    from ecozone._resources import dataset_dir
    from ecozone.audit import run_audit

    return run_audit(dataset_dir("yantai") / "audit.toml")


def test_demo_report_charts_coverage_and_retention_against_shapely(demo_audit):
    from ecozone.report import report_dict

    specs = {s["y_label"]: s for s in chart_specs(demo_audit, "zh")}
    assert set(specs) == {"保有率 (%)", "占区县面积 (%)"}
    retention, coverage = specs["保有率 (%)"], specs["占区县面积 (%)"]
    config = {i["id"]: i for i in demo_audit.indicators}
    assert retention["target"] == config["coastline_retention"]["target"] == 37
    assert retention["target_label"] == "目标 ≥ 37%"
    assert coverage["target"] is None and coverage["target_label"] is None  # the demo gives this one no target
    # the oracle: each district's share of the dissolved land red line, measured here with shapely
    atlas = demo_audit.atlas
    districts = atlas["districts"]
    red = shapely.union_all(atlas["redline_land"].geometry.values)
    expected = {n: shapely.intersection(g, red).area / g.area * 100 for n, g in zip(districts["name"], districts.geometry)}
    got = dict(zip(coverage["categories"], next(iter(coverage["series"].values()))))
    assert set(got) == set(expected)
    for name, share in expected.items():
        assert got[name] == pytest.approx(share, abs=1e-6), name
    # the retention bars are the district rows the audit measured; an inland district has no bar
    values = dict(zip(retention["categories"], next(iter(retention["series"].values()))))
    assert values["栖霞市"] is None and "—" in retention["note"]
    # read back from the page's SVG: the bars' heights are those values
    page = html_page(report_dict(demo_audit), "zh", charts=list(specs.values()))
    svg = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svg) == 2 and '<h2 id="charts">图表</h2>' in page
    r = root(svg[0])
    value = value_of(r)
    for i, name in enumerate(retention["categories"]):
        if values[name] is None:
            assert by_id(r, f"bar-0-{i}") is None
            continue
        top, bottom = bar_box(r, 0, i)
        assert value(top) - value(bottom) == pytest.approx(values[name], abs=1e-3), name
        assert name in texts(r)
    target_y = points(by_id(r, "target").find(f"{SVG}path").get("d"))[0][1]
    assert value(target_y) == pytest.approx(37, abs=1e-3)
    assert "目标 ≥ 37%" in texts(r)


def test_an_audit_without_district_figures_has_no_charts(demo_audit):
    from dataclasses import replace

    from ecozone.report import report_dict

    only = [i for i in demo_audit.indicators if i["indicator"] not in ("coastline_retention", "redline_coverage")]
    result = replace(demo_audit, indicators=only)
    assert chart_specs(result, "zh") == []
    page = html_page(report_dict(result), "zh", charts=chart_specs(result, "zh"))
    assert "<svg" not in page and "图表" not in page
