"""The ecozone command: version, help, demo, and one-line errors with exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecozone
from ecozone._resources import dataset_dir
from ecozone.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_version_and_help():
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and ecozone.__version__ in r.output
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0 and "demo" in r.output
    r = CliRunner().invoke(main, ["--show-versions"])
    assert r.exit_code == 0
    for name in ("geopandas", "shapely", "pyproj", "pyogrio", "GDAL", "PROJ", "GEOS"):
        assert name in r.output


def test_demo_writes_report(tmp_path):
    out = tmp_path / "out"
    r = run("demo", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "EPSG:4549" in r.stdout and "芝罘区" in r.stdout
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["measurement_crs"]["epsg"] == 4549
    assert report["conflicts"]["counts"]["violation"] == 5 and "5 violations" in r.stdout
    assert report["restoration_progress"]["met"] is True and "coastal_wetland ≥ 120 ha by 2025" in r.stdout
    change = report["coastline_change_simulated"]
    assert change["lost_km"] > 0 and change["gained_km"] > 0 and "SIMULATED" in r.stdout
    assert report["marine_coverage"][-1]["zone"] == "total" and all(z["approximate"] for z in report["sea_zones"])
    # labels that say what a figure is (issue 17): a count is a whole number, a share says of what, the
    # general setback zone says it leaves the core out, the sea zones that land is left out
    assert "national_ranches: 7\n" in r.stdout and "7.00 count" not in r.stdout
    assert "% of the mine inside the red line)" in r.stdout and "% of the construction project inside the red line)" in r.stdout
    assert "general control zone beyond it" in r.stdout and "(core not included;" in r.stdout
    assert "land and the neighbours' side left out" in r.stdout and "[mainland coastline]" in r.stdout
    assert (out / "bay_report.csv").read_text("utf-8-sig").splitlines()[0].startswith("bay,area_ha,coastline,coast_km")
    for name in ("conflicts", "restoration", "marine_coverage", "sea_zones", "redline_land_coverage"):
        assert (out / f"{name}.csv").read_text("utf-8-sig").count("\n") >= 2, name
    assert len(report["district_areas"]) == 11
    assert report["validation"]["ok"] is True
    # the printed total is the union of the districts, the sum of their areas (they tile)
    total = sum(d["area_km2"] for d in report["district_areas"])
    assert report["city_area_km2"] == pytest.approx(total, rel=1e-6)
    csv = (out / "district_areas.csv").read_text("utf-8-sig").splitlines()
    assert csv[0].startswith("district,id,area_ha,area_km2,area_mu,share") and len(csv) == 12


def test_demo_on_damaged_copy_exits_2_with_one_line(tmp_path):
    data = tmp_path / "yantai"
    shutil.copytree(dataset_dir("yantai"), data)
    text = (data / "mines.geojson").read_text("utf-8").replace('"status":"historic"', '"status":"abandoned-ish"', 1)
    (data / "mines.geojson").write_text(text, "utf-8")
    out = tmp_path / "out"
    r = run("demo", "--data", str(data), "--out", str(out))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "mines.geojson" in lines[0] and "'abandoned-ish'" in lines[0] and "historic (历史遗留矿山)" in lines[0]
    assert not out.exists()  # nothing half-written


def test_demo_with_missing_layer_file_exits_2(tmp_path):
    data = tmp_path / "yantai"
    shutil.copytree(dataset_dir("yantai"), data)
    (data / "bays.geojson").unlink()
    r = run("demo", "--data", str(data), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "bays.geojson: file not found; fix:" in r.stderr


def test_import_pulls_in_no_optional_dependency():
    code = "import sys, ecozone; print(sorted(m for m in ('folium', 'rasterio', 'dask', 'distributed', 'playwright') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_coverage_command_csv_json_and_overwrite(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "cov.csv"
    args = ["coverage", "--zones", str(d / "districts.geojson"), "--layer", str(d / "redline_land.geojson"), "--by", "type"]
    r = run(*args, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "reprojected from EPSG:4326 to EPSG:4549" in r.stderr
    header = out.read_text("utf-8-sig").splitlines()[0]
    assert header == "zone,type,zone_area_ha,covered_ha,covered_km2,covered_mu,covered_share,zone_overlaps"
    r = run(*args, "-o", str(out))
    assert r.returncode == 2 and "exists already; fix:" in r.stderr and r.stderr.count("\n") == 1
    r = run("-q", *args[:-2], "-o", str(tmp_path / "cov.json"))
    assert r.returncode == 0 and r.stderr == ""
    doc = json.loads((tmp_path / "cov.json").read_text("utf-8"))
    assert doc["rows"][-1]["zone"] == "total" and doc["notes"]
    r = run("coverage", "--zones", str(d / "districts.geojson"), "--layer", str(d / "redline_land.geojson"), "-o", str(d / "districts.geojson"))
    assert r.returncode == 2 and "is also an input" in r.stderr


def test_coverage_command_gcj02_input(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from ecozone.crs import from_wgs84_geometries

    zones = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(121.0, 37.0, 121.1, 37.1)], crs=4326)
    layer = gpd.GeoDataFrame(geometry=[box(121.0, 37.0, 121.05, 37.1)], crs=4326)
    for gdf, name in ((zones, "z.geojson"), (layer, "l.geojson")):
        gdf.assign(geometry=from_wgs84_geometries(gdf.geometry.values, "gcj02")).to_file(tmp_path / name)
    r = run("coverage", "--zones", str(tmp_path / "z.geojson"), "--layer", str(tmp_path / "l.geojson"),
            "--input-crs", "gcj02", "-o", str(tmp_path / "o.json"))
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / "o.json").read_text("utf-8"))["rows"]
    z, l = zones.to_crs(4549).geometry.iloc[0], layer.to_crs(4549).geometry.iloc[0]
    direct = z.intersection(l).area / z.area  # the straight edges cut differently once projected
    assert rows[0]["covered_share"] == pytest.approx(direct, rel=1e-6)


def test_conflicts_command_fail_on_and_bad_rule(tmp_path):
    d = dataset_dir("yantai")
    args = ["conflicts", "--layer", str(d / "mines.geojson"), "--against", str(d / "redline_land.geojson"), "--rule", "mine_in_redline"]
    r = run(*args, "-o", str(tmp_path / "c.csv"))
    assert r.returncode == 0, r.stderr
    assert "1 violation, 3 warning, 0 info" in r.stderr
    header = (tmp_path / "c.csv").read_text("utf-8-sig").splitlines()[0]
    assert header.startswith("rule,severity,feature_layer,feature_id,feature_name")
    assert run(*args, "--fail-on", "violation").returncode == 1
    # no land project lies in the marine red line: a planner sees "(no rows)", not a pandas dump
    far = run("conflicts", "--layer", str(d / "projects.geojson"), "--against", str(d / "redline_marine.geojson"))
    assert far.returncode == 0 and far.stdout.splitlines()[-1] == "(no rows)"
    r = run(*args[:-1], "no_such_rule")
    assert r.returncode == 2 and "no_such_rule" in r.stderr


def test_restoration_command_with_target(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "r.json"
    r = run("restoration", "--projects", str(d / "restoration.geojson"), "--zones", str(d / "districts.geojson"),
            "--by", "type", "--target-ha", "120", "--type", "滨海湿地", "--until", "2025", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "target 120 ha met" in r.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["progress"]["project_ids"] == ["P01", "P02", "P03", "P04"]
    totals = {row["type"]: row for row in doc["rows"] if row["zone"] == "total"}
    assert set(totals) == {"coastal_wetland", "coastline", "mine", "forest"}
    assert list(doc["rows"][0]) == ["zone", "type", "projects", "area_ha", "area_km2", "area_mu", "overlap_ha"]


def test_sea_zones_command_writes_a_layer_once(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "sea.geojson"
    args = ["sea-zones", "--districts", str(d / "districts.geojson"), "--coastline", str(d / "coastline.geojson"), "-o", str(out)]
    r = run(*args)
    assert r.returncode == 0, r.stderr
    zones = ecozone.read_layer(out)
    assert zones.crs.to_epsg() == 4326 and zones["approximate"].all() and len(zones) == 10
    assert '"crs"' not in out.read_text("utf-8")  # RFC 7946: no crs member
    assert "land outside the districts may be counted as sea" in r.stderr  # no --land: warned
    r = run(*args)
    assert r.returncode == 2 and "exists already" in r.stderr
    # --land: the GSHHG land polygons (neighbours, islands) are never sea, and no warning
    with_land = tmp_path / "sea_land.geojson"
    r = run(*args[:-1], str(with_land), "--land", str(d / "land.geojson"))
    assert r.returncode == 0, r.stderr
    assert "may be counted as sea" not in r.stderr
    land = ecozone.read_layer(d / "land.geojson").to_crs(4549).union_all()
    assert ecozone.read_layer(with_land).to_crs(4549).intersection(land).area.max() < 10_000  # 0.01 km²


def test_a_table_output_of_unknown_format_is_refused_before_any_input_is_read(tmp_path):
    # the zones file does not even exist: the format is told first, in one line, exit 2 (it was told after measuring)
    r = run("coverage", "--zones", str(tmp_path / "missing.gpkg"), "--layer", str(tmp_path / "missing.gpkg"),
            "-o", str(tmp_path / "big.xlsx"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "unknown output format .xlsx" in r.stderr and "missing.gpkg" not in r.stderr
    assert not (tmp_path / "big.xlsx").exists()


def test_messages_stay_one_inert_line_whatever_a_files_names_hold():
    from ecozone.cli import _one_line

    # a right-to-left override or a NUL from a layer's name, in an error or a GDAL warning, is written as an escape
    assert _one_line("layer 'a\u202eb'\nnext\x00 中文") == "layer 'a\\u202eb' next\\x00 中文"
