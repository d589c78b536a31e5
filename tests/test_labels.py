"""Labels that say what a figure is: counts as whole numbers, a conflict's share says of what, the
land-cover indicator does not pass for 林木绿化率, every retention figure names its coastline."""

from __future__ import annotations

import shutil

import pytest

import ecozone
from ecozone._resources import dataset_dir
from ecozone.audit import INDICATORS, run_audit
from ecozone.measure.conflicts import share_of
from ecozone.report import markdown, report_dict, status_line


def _indicator(**kw):
    return {"id": "x", "status": "pass", "value": 7.0, "unit": "count", "operator": ">=", "target": None,
            "params": {}, "details": {}, **kw}


def test_counts_print_as_whole_numbers_without_a_unit():
    assert status_line(_indicator(id="national_ranches")) == "pass  national_ranches: 7"
    assert status_line(_indicator(id="violations", status="fail", value=5.0, operator="<=", target=0)) == \
        "FAIL  violations: 5 (target <= 0)"
    assert status_line(_indicator(unit="%", value=50.4812, target=37)) == "pass  x: 50.48 % (target >= 37)"


def test_a_conflict_share_says_what_it_is_a_share_of():
    assert share_of("mine_in_redline") == "of the mine inside the red line"
    assert share_of("ranch_in_marine_redline") == "of the ranch inside the marine red line"
    assert share_of("project_in_redline") == "of the construction project inside the red line"


def test_land_cover_share_does_not_pass_for_the_official_forest_rate():
    ind = INDICATORS["land_cover_share"]
    assert "林木绿化率" not in ind.zh and "森林/林地覆盖" in ind.zh
    assert "not the official 林木绿化率" in ind.formula and "灌木林地" in ind.formula and "total land area" in ind.formula


@pytest.fixture(scope="module")
def demo_audit():
    return run_audit(dataset_dir("yantai") / "audit.toml")


def test_retention_figures_name_their_coastline(demo_audit, tmp_path):
    doc = report_dict(demo_audit)
    rows = {i["id"]: i for i in doc["indicators"]}
    for key in ("coastline_retention", "retention_sishili_bay"):
        assert rows[key]["details"]["coastline"] == "mainland"
        assert "coastline=mainland" in markdown(doc)
        assert status_line(rows[key]).endswith("[mainland coastline]")
    assert status_line(rows["national_ranches"]) == "n/a   national_ranches: 7"
    # with the islands counted the label loses the plans' 大陆 and says so
    d = tmp_path / "yantai"
    shutil.copytree(dataset_dir("yantai"), d)
    config = d / "audit.toml"
    config.write_text(config.read_text("utf-8").replace("include_islands = false", "include_islands = true"), "utf-8")
    rows = {i["id"]: i for i in report_dict(run_audit(config))["indicators"]}
    assert rows["coastline_retention"]["label_zh"] == "自然岸线保有率(大陆及海岛岸线)"
    assert rows["coastline_retention"]["details"]["coastline"] == "mainland and islands"


def test_audit_settings_reach_the_line_of_sight(tmp_path):
    """target_m and curvature_coeff in [settings] are the CLI's --target-m and --curvature-coeff: out of range is
    one line naming the key; a 30 m target on the demo sees at least as many mines as one on the ground."""
    from ecozone.errors import ConfigError

    d = tmp_path / "yantai"
    shutil.copytree(dataset_dir("yantai"), d)
    config = d / "audit.toml"
    base = config.read_text("utf-8")
    config.write_text(base.replace("view_distance_m = 1000", "view_distance_m = 1000\ncurvature_coeff = -1"), "utf-8")
    with pytest.raises(ConfigError, match="curvature_coeff"):
        run_audit(config)
    config.write_text(base.replace("view_distance_m = 1000", "view_distance_m = 1000\ntarget_m = 30\ncurvature_coeff = 0"),
                      "utf-8")
    high = run_audit(config)
    ground = run_audit(dataset_dir("yantai") / "audit.toml")
    # the report says how the visible range was decided, with the parameters used
    method = {i["id"]: i for i in report_dict(high)["indicators"]}["visible_mine_restoration"]["details"]["visible_range"]
    assert method.startswith("within 1000 m of a class; line of sight on dem.tif")
    assert "target 30 m above the ground" in method and "gdal_viewshed -cc 0)" in method
    default = {i["id"]: i for i in report_dict(ground)["indicators"]}["visible_mine_restoration"]["details"]["visible_range"]
    assert "target 0 m above the ground" in default and "gdal_viewshed -cc 0.85714)" in default
    assert f"visible_mine_restoration: {default}" in markdown(report_dict(ground)).replace("\\", "")
