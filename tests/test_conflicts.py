"""Conflict findings against direct shapely computations."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import ecozone
from ecozone.errors import SchemaError
from ecozone.measure.conflicts import FINDING_COLUMNS, RULES

CRS = "EPSG:4549"
RED = gpd.GeoDataFrame(
    {"id": ["R1", "R2"], "name": ["山林红线", "海岸红线"], "type": ["biodiversity", "coastal_stability"], "realm": ["land", "marine"]},
    geometry=[box(0, 0, 1000, 1000), box(5000, 0, 6000, 1000)],
    crs=CRS,
)


def test_mines_in_the_red_line_by_status():
    mines = gpd.GeoDataFrame(
        {"id": ["M1", "M2", "M3", "M4"], "name": ["采石场", "金矿", "远矿", "点矿"],
         "status": ["生产", "historic", "production", "production"], "restoration": ["untreated"] * 4},
        geometry=[box(800, 800, 1200, 1200), box(100, 100, 300, 300), box(3000, 3000, 3100, 3100), Point(500, 500)],
        crs=CRS,
    )
    found = ecozone.conflicts(mines, RED, "mine_in_redline").set_index("feature_id")
    assert list(found.reset_index().columns) == ["feature_id"] + [c for c in FINDING_COLUMNS if c != "feature_id"]
    assert set(found.index) == {"M1", "M2", "M4"}  # M3 far away; marine red line not used for mines
    m1 = found.loc["M1"]
    direct = mines.geometry[0].intersection(RED.geometry[0]).area
    assert m1["severity"] == "violation" and m1["relation"] == "partly_inside"
    assert m1["overlap_ha"] == pytest.approx(direct / 1e4)
    assert m1["share"] == pytest.approx(direct / mines.geometry[0].area)
    assert m1["against_id"] == "R1" and m1["against_name"] == "山林红线" and m1["feature_name"] == "采石场"
    assert found.loc["M2", "severity"] == "warning" and found.loc["M2", "relation"] == "inside"
    assert found.loc["M4", "share"] == 1.0 and found.loc["M4", "overlap_ha"] == 0.0


def test_projects_touching_and_near_the_red_line():
    projects = gpd.GeoDataFrame(
        {"id": ["J1", "J2", "J3", "J4"], "name": ["度假区", "物流园", "道路", "远项目"]},
        geometry=[
            box(900, 900, 1100, 1100),
            box(1400, 0, 1600, 200),  # 400 m east of R1
            LineString([(-500, 500), (1500, 500)]),  # crosses R1: 1000 m of 2000 inside
            box(2500, 0, 2600, 100),  # 1500 m away: beyond the search radius
        ],
        crs=CRS,
    )
    found = ecozone.conflicts(projects, RED, "project_in_redline", search_m=1000).set_index("feature_id")
    assert set(found.index) == {"J1", "J2", "J3"}
    assert found.loc["J2", "relation"] == "near" and found.loc["J2", "severity"] == "warning"
    assert found.loc["J2", "distance_m"] == pytest.approx(shapely.distance(projects.geometry[1], RED.geometry[0]))
    assert found.loc["J3", "overlap_m"] == pytest.approx(1000.0) and found.loc["J3", "share"] == pytest.approx(0.5)
    assert found.loc["J1", "severity"] == "violation"
    wider = ecozone.conflicts(projects, RED, "project_in_redline", search_m=2000)
    assert "J4" in set(wider["feature_id"])
    # sorted: violations first
    assert ecozone.conflicts(projects, RED, "project_in_redline")["severity"].tolist()[:2] == ["violation", "violation"]


def test_ranches_only_against_the_marine_red_line():
    ranches = gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "level": ["national"] * 3, "type": ["投礁型", "stock_enhancement", "reef"]},
        geometry=[box(5500, 500, 6500, 1500), box(5100, 100, 5200, 200), box(500, 500, 600, 600)],
        crs=CRS,
    )
    found = ecozone.conflicts(ranches, RED, "ranch_in_marine_redline").set_index("feature_id")
    assert set(found.index) == {"A", "B"}  # C lies in the land red line only
    assert found.loc["A", "severity"] == "violation" and found.loc["B", "severity"] == "info"
    assert found.loc["A", "feature_name"] is None  # no name field: empty, not invented


def test_default_rule_reports_every_overlap_and_errors():
    layer = gpd.GeoDataFrame(geometry=[box(900, 900, 1100, 1100)], crs=CRS).to_crs(4326)
    found = ecozone.conflicts(layer, RED)
    assert found["rule"].tolist() == ["overlap"] and found["feature_id"].tolist() == ["0"]
    assert found["overlap_ha"].iloc[0] == pytest.approx(1.0, rel=1e-3)
    with pytest.raises(SchemaError, match="unknown conflict rule"):
        ecozone.conflicts(layer, RED, "no_such_rule")
    with pytest.raises(SchemaError, match="needs the field 'status'"):
        ecozone.conflicts(layer, RED, "mine_in_redline")
    assert len(ecozone.conflicts(layer.iloc[0:0], RED)) == 0
    assert set(RULES) >= {"mine_in_redline", "ranch_in_marine_redline", "project_in_redline"}


def test_demo_conflicts(demo_atlas):
    found = ecozone.atlas_conflicts(demo_atlas)
    violations = found[found["severity"] == "violation"]
    assert set(violations["feature_id"]) == {"M037", "J01", "J03", "J05", "MR04"}  # J05: hotel in the coastal shelterbelt
    near = found[found["relation"] == "near"].set_index("feature_id")
    assert near.loc["J02", "against_name"] == "罗山水源涵养红线" and 350 < near.loc["J02", "distance_m"] < 450
    j02 = demo_atlas["projects"].set_index("id").geometry["J02"]
    red = demo_atlas["redline_land"].set_index("id").geometry[near.loc["J02", "against_id"]]
    assert near.loc["J02", "distance_m"] == pytest.approx(j02.distance(red))
