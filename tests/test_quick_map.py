"""``ecozone map --layer [KIND=]FILE``: a quick map of any files, no manifest or preset (issue 19, part 3)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from ecozone.maps.canvas import CANVAS_THRESHOLD
from ecozone.maps.labels import value_label
from ecozone.maps.quick import PALETTE, QuickLayer, name_field, quick_map

from .test_maps import page


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecozone", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def one_line_error(r: subprocess.CompletedProcess, *expect: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("ecozone: error: ") and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    for e in expect:
        assert e in r.stderr, (e, r.stderr)


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """A polygon GeoPackage (EPSG:4549, Chinese names and a category), a line GeoJSON and a point GeoJSON (lon/lat)."""
    x0, y0 = 600000.0, 4150000.0
    polys = gpd.GeoDataFrame(
        {"名称": ["芝罘地块", "福山地块", "莱山地块", "牟平地块"], "用途": ["耕地", "林地", "耕地", "水域"], "面积": [1.5, 2.0, 3.25, 4.0]},
        geometry=[box(x0 + i * 1000, y0, x0 + i * 1000 + 900, y0 + 900) for i in range(4)], crs=4549)
    lines = gpd.GeoDataFrame({"name": ["一号路", "二号路"], "kind": ["主干道", "支路"]},
                             geometry=[LineString([(121.40, 37.50), (121.45, 37.52)]), LineString([(121.41, 37.49), (121.44, 37.47)])],
                             crs=4326)
    points = gpd.GeoDataFrame({"label": ["井A", "井B", "井C"]},
                              geometry=[Point(121.42, 37.51), Point(121.43, 37.50), Point(121.44, 37.49)], crs=4326)
    out = {"polys": tmp_path / "parcels.gpkg", "lines": tmp_path / "roads.geojson", "points": tmp_path / "wells.geojson"}
    polys.to_file(out["polys"])
    lines.to_file(out["lines"])
    points.to_file(out["points"])
    return out


def geojson_layers(html: str) -> list[dict]:
    """The FeatureCollections folium embedded (``geo_json_…_add({...})``)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", html)]


def test_files_of_every_geometry_family(files, tmp_path):
    out = tmp_path / "map.html"
    r = cli("map", "--layer", files["polys"], "--layer", files["lines"], "--layer", files["points"], "--offline", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "offline" in r.stdout
    html = out.read_text("utf-8")
    text = page(html)
    layers = geojson_layers(html)
    assert [len(fc["features"]) for fc in layers] == [4, 2, 3]
    # default tooltips: a name-like field of each file
    assert [sorted(set(fc["features"][0]["properties"]) - {"_k"}) for fc in layers] == [["名称"], ["name"], ["label"]]
    for name in ("芝罘地块", "一号路", "井A", "parcels", "roads", "wells"):
        assert name in text, name
    assert "L.EcozoneCanvas" not in html  # small layers stay folium GeoJSON
    assert not re.search(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)


def test_a_known_kind_gets_its_style_and_labels(tmp_path):
    mines = gpd.GeoDataFrame({"id": ["M1", "M2"], "name": ["一号矿", "二号矿"], "status": ["historic"] * 2,
                              "restoration": ["untreated", "restored"]},
                             geometry=[box(121.0, 37.0, 121.01, 37.01), box(121.02, 37.0, 121.03, 37.01)], crs=4326)
    mines.to_file(tmp_path / "mines.geojson")
    neutral = cli("map", "--layer", tmp_path / "mines.geojson", "-o", tmp_path / "n.html")
    known = cli("map", "--layer", f"mine={tmp_path / 'mines.geojson'}", "-o", tmp_path / "k.html")
    assert neutral.returncode == 0 and known.returncode == 0, (neutral.stderr, known.stderr)
    n, k = page((tmp_path / "n.html").read_text("utf-8")), page((tmp_path / "k.html").read_text("utf-8"))
    # the kind's colours by restoration status (the overview preset's) and its coded values in Chinese
    assert "#c62828" in k and "#2e7d32" in k and "#c62828" not in n
    assert value_label("mine", "restoration", "untreated", "zh") in k
    assert value_label("mine", "restoration", "untreated", "zh") not in n  # no kind guessed from the file's name


def test_color_by_makes_a_categorical_legend(files, tmp_path):
    out = tmp_path / "c.html"
    r = cli("map", "--layer", files["polys"], "--color-by", "用途", "--title", "地块用途", "-o", out)
    assert r.returncode == 0, r.stderr
    html = out.read_text("utf-8")
    text = page(html)
    legend = re.search(r'"ecozone-legend"\);\s*div\.innerHTML = ("(?:[^"\\]|\\.)*")', html)
    legend = json.loads(legend.group(1))
    for value in ("耕地", "林地", "水域"):
        assert value in legend, value
    styles = {f["properties"]["_k"] for f in geojson_layers(html)[0]["features"]}
    assert styles == {"耕地", "林地", "水域"}
    assert sum(c in text for c in PALETTE[:3]) == 3
    assert "<title>地块用途</title>" in html
    # the field coloured by is in the default tooltip
    props = geojson_layers(html)[0]["features"][0]["properties"]
    assert set(props) == {"_k", "名称", "用途"}


def test_tooltip_fields(files, tmp_path):
    out = tmp_path / "t.html"
    r = cli("map", "--layer", files["polys"], "--tooltip", "名称,面积", "-o", out)
    assert r.returncode == 0, r.stderr
    props = geojson_layers(out.read_text("utf-8"))[0]["features"]
    assert [(p["properties"]["名称"], p["properties"]["面积"]) for p in props] == [
        ("芝罘地块", "1.50"), ("福山地块", "2"), ("莱山地块", "3.25"), ("牟平地块", "4")]
    one_line_error(cli("map", "--layer", files["polys"], "--tooltip", "名称,nope", "-o", tmp_path / "x.html"),
                   "--tooltip nope", "名称")
    one_line_error(cli("map", "--layer", files["polys"], "--color-by", "nope", "-o", tmp_path / "x.html"), "--color-by nope")
    assert not (tmp_path / "x.html").exists()


def test_refusals_are_one_line(files, tmp_path):
    one_line_error(cli("map", "overview", "--layer", files["polys"], "-o", tmp_path / "x.html"), "--layer", "PRESET")
    one_line_error(cli("map", "-o", tmp_path / "x.html"), "--layer FILE")
    one_line_error(cli("map", "--layer", f"parcel={files['polys']}", "-o", tmp_path / "x.html"), "no layer kind")
    one_line_error(cli("map", "--layer", files["polys"], "--atlas", tmp_path, "-o", tmp_path / "x.html"), "--atlas")
    one_line_error(cli("map", "overview", "--atlas", tmp_path, "--color-by", "x"), "--color-by")
    # a file without a CRS: refused, naming the way to declare it
    nocrs = gpd.read_file(files["points"]).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):
        nocrs.to_file(tmp_path / "nocrs.shp", engine="pyogrio")
    assert not (tmp_path / "nocrs.prj").exists()
    one_line_error(cli("map", "--layer", tmp_path / "nocrs.shp", "-o", tmp_path / "x.html"), "--layer-crs")
    # the output may not be an input
    before = files["polys"].read_bytes()
    one_line_error(cli("map", "--layer", files["polys"], "-o", files["polys"], "--overwrite"), "is also an input")
    assert files["polys"].read_bytes() == before
    assert not (tmp_path / "x.html").exists()
    # declared, it is read
    r = cli("map", "--layer", tmp_path / "nocrs.shp", "--layer-crs", "EPSG:4326", "-o", tmp_path / "x.html")
    assert r.returncode == 0, r.stderr
    # exists: refused without --overwrite
    one_line_error(cli("map", "--layer", files["points"], "-o", tmp_path / "x.html"), "--overwrite")


def test_a_layer_that_is_not_a_district_layer_is_not_checked_as_a_mosaic(tmp_path):
    overlapping = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.05, 37.05, 121.15, 37.15)],
                                   crs=4326)
    overlapping.to_file(tmp_path / "o.geojson")
    r = cli("map", "--layer", tmp_path / "o.geojson", "-o", tmp_path / "o.html")
    assert r.returncode == 0 and "overlap" not in r.stderr, r.stderr
    r = cli("map", "--layer", f"district={tmp_path / 'o.geojson'}", "-o", tmp_path / "d.html")
    assert "overlap" in r.stderr  # a district layer is checked as the mosaic it should be


def test_a_big_file_is_drawn_on_one_canvas(tmp_path):
    n = CANVAS_THRESHOLD + 1
    gdf = gpd.GeoDataFrame({"name": [f"点{i}" for i in range(n)]},
                           geometry=gpd.points_from_xy(121 + np.arange(n) % 100 * 1e-3, 37 + np.arange(n) // 100 * 1e-3), crs=4326)
    gdf.to_file(tmp_path / "p.gpkg")
    r = cli("map", "--layer", tmp_path / "p.gpkg", "--offline", "-o", tmp_path / "p.html")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "p.html").read_text("utf-8")
    assert "new L.EcozoneCanvas(" in html and not geojson_layers(html)
    assert "点5000" in html


def test_quick_map_in_python(files):
    layers = [QuickLayer("地块", gpd.read_file(files["polys"]), None, str(files["polys"]))]
    m = quick_map(layers, color_by="用途", lang="en")
    assert isinstance(m, folium.Map) and m.ecozone_notes == []
    assert name_field(["id", "NAME", "x"]) == "NAME" and name_field(["id", "river_name"]) == "river_name"
    assert name_field(["id", "code"]) is None
