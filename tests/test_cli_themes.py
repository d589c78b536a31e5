"""The theme commands (rivers, mines, ranches) on the demo files: wiring, outputs, one-line errors.

The measurements themselves are checked against independent computations in
test_rivers.py, test_mines.py and test_ranches.py; here the command's figures
are compared with direct pandas/shapely computations on the same files.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ecozone._resources import dataset_dir
from ecozone.cli import main

D = dataset_dir("yantai")


def invoke(*args: str):
    return CliRunner().invoke(main, ["-q", *args], catch_exceptions=False)


def rows(path):
    return json.loads(path.read_text("utf-8"))["rows"]


def test_rivers_buffers_writes_polygons_and_widths_apply(tmp_path):
    out = tmp_path / "buffers.gpkg"
    r = invoke("rivers", "buffers", "--rivers", str(D / "rivers.geojson"), "--width", "干流=60", "-o", str(out))
    assert r.exit_code == 0, r.output
    zones = gpd.read_file(out)
    rivers = gpd.read_file(D / "rivers.geojson").to_crs(zones.crs)
    trunk = rivers[rivers["level"] == "trunk"].iloc[0]
    got = zones[zones["id"] == trunk["id"]].iloc[0]
    # a buffer of a smooth line: 2·w·L plus the round caps' disc, less what bends fold over
    expected = 2 * 60 * trunk.geometry.length + shapely.Point(0, 0).buffer(60).area
    assert got["width_m"] == 60 and got.geometry.area == pytest.approx(expected, rel=0.01)
    assert got["buffer_ha"] == pytest.approx(got.geometry.area / 1e4, rel=1e-9)


def test_rivers_encroachment_and_designation(tmp_path):
    r = invoke("rivers", "encroachment", "--rivers", str(D / "rivers.geojson"), "--check", f"projects={D / 'projects.geojson'}",
               "-o", str(tmp_path / "e.json"))
    assert r.exit_code == 0, r.output
    found = rows(tmp_path / "e.json")
    assert [(f["feature_id"], f["against_name"]) for f in found] == [("J03", "门楼水库")]
    # the road's area inside the reservoir's 100 m zone (water included), directly
    rivers = gpd.read_file(D / "rivers.geojson").to_crs(4549)
    road = gpd.read_file(D / "projects.geojson").to_crs(4549).set_index("id").geometry["J03"]
    zone = rivers.set_index("id").geometry["L01"].buffer(100)
    assert found[0]["overlap_ha"] == pytest.approx(road.intersection(zone).area / 1e4, rel=1e-3)

    r = invoke("rivers", "designation", "--rivers", str(D / "rivers.geojson"), "--zones", str(D / "districts.geojson"),
               "--undesignated", "-o", str(tmp_path / "u.csv"))
    assert r.exit_code == 0, r.output
    listed = pd.read_csv(tmp_path / "u.csv", encoding="utf-8-sig")
    source = gpd.read_file(D / "rivers.geojson")
    assert sorted(listed["id"]) == sorted(source.loc[source["designation"].isna(), "id"])


def test_mines_restoration_and_in_view(tmp_path):
    r = invoke("mines", "restoration", "--mines", str(D / "mines.geojson"), "-o", str(tmp_path / "m.json"))
    assert r.exit_code == 0, r.output
    got = {row["status"]: row for row in rows(tmp_path / "m.json")}
    mines = gpd.read_file(D / "mines.geojson")
    for status, grp in mines.groupby("status"):
        assert got[status]["mines"] == len(grp)
        assert got[status]["rate_by_count"] == pytest.approx((grp["restoration"] == "restored").mean())

    r = invoke("mines", "in-view", "--mines", str(D / "mines.geojson"), "--line", f"road={D / 'transport.geojson'}",
               "--distance", "road=1500", "-o", str(tmp_path / "v.csv"))
    assert r.exit_code == 0, r.output
    view = pd.read_csv(tmp_path / "v.csv", encoding="utf-8-sig")
    m = mines.to_crs(4549)
    roads = gpd.read_file(D / "transport.geojson").to_crs(4549).geometry.union_all()
    expected = sorted(m.loc[m.geometry.distance(roads) <= 1500, "id"])
    assert sorted(view.loc[view["in_view"], "id"]) == expected and expected


@pytest.mark.parametrize(
    "args, words",
    [
        (["mines", "in-view", "--mines", str(D / "mines.geojson")], "no lines or areas"),
        (["mines", "in-view", "--mines", str(D / "mines.geojson"), "--line", "road=nowhere.gpkg"], "nowhere.gpkg"),
        (["mines", "in-view", "--mines", str(D / "mines.geojson"), "--line", f"road={D / 'transport.geojson'}",
          "--distance", "river=300"], "river"),
        (["mines", "in-view", "--mines", str(D / "mines.geojson"), "--line", f"road={D / 'transport.geojson'}",
          "--distance", "far"], "not a number"),
        (["rivers", "buffers", "--rivers", str(D / "rivers.geojson"), "--width", "canal=5"], "canal"),
        (["ranches", "--ranches", str(D / "marine_ranches.geojson"), "--zones", str(D / "bays.geojson"), "--by", "colour"], "colour"),
        (["mines", "restoration", "--mines", str(D / "rivers.geojson")], "status"),
    ],
)
def test_theme_commands_bad_input_one_line_exit_2(args, words):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.startswith("ecozone: error:")]
    assert len(lines) == 1 and words in lines[0]


def test_mine_with_unknown_status_lists_allowed_values(tmp_path):
    mines = gpd.read_file(D / "mines.geojson")
    mines.loc[3, "status"] = "open pit"
    bad = tmp_path / "mines.gpkg"
    mines.to_file(bad)
    r = CliRunner().invoke(main, ["mines", "restoration", "--mines", str(bad)])
    assert r.exit_code == 2
    assert "'open pit'" in r.output and "historic (历史遗留矿山), production (生产矿山), closed (关闭矿山)" in r.output
    assert "M004" in r.output  # the feature is named


def test_ranches_command(tmp_path):
    out = tmp_path / "r.json"
    r = invoke("ranches", "--ranches", str(D / "marine_ranches.geojson"), "--zones", str(D / "bays.geojson"), "--by", "level",
               "--redline", str(D / "redline_marine.geojson"), "--wind-farms", str(D / "wind_farms.geojson"), "-o", str(out))
    assert r.exit_code == 0, r.output
    got = rows(out)
    totals = {row["level"]: row for row in got if row["zone"] == "total"}
    ranches = gpd.read_file(D / "marine_ranches.geojson")
    assert {k: v["ranches"] for k, v in totals.items()} == ranches["level"].value_counts().to_dict()
    # the reef ranch MR04 is the one in the marine red line of a type not allowed there
    assert sum(v["not_allowed_in_redline"] for v in totals.values()) == 1
    red = gpd.read_file(D / "redline_marine.geojson").to_crs(4549).geometry.union_all()
    inside = ranches.to_crs(4549).geometry.intersection(red).area > 0
    assert sum(v["in_marine_redline"] for v in totals.values()) == int(inside.sum()) == 3
    assert sum(v["redline_overlap_ha"] for v in totals.values()) == pytest.approx(
        ranches.to_crs(4549).geometry.union_all().intersection(red).area / 1e4, rel=1e-6)
    wind = gpd.read_file(D / "wind_farms.geojson").to_crs(4549).geometry.union_all()
    sharing = ranches.to_crs(4549).geometry.intersection(wind).area > 0
    assert sum(v["with_wind_farm"] for v in totals.values()) == int(sharing.sum()) == 2
