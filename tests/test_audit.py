"""ecozone audit / validate: configs in, reports and exit codes out; the red-line 面积不减少 check.

Figures are checked against direct computations on layers built here (boxes in
EPSG:4549 with known areas and lengths); the exit codes and one-line errors
against the contract of the issue (0 all pass, 1 a target missed, 2 bad input).
"""

from __future__ import annotations

import json
import textwrap

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, box

from ecozone.audit import INDICATORS, PRESETS, load_config, redline_loss, run_audit
from ecozone.cli import main
from ecozone.errors import ConfigError

CRS = 4549
X, Y = 500_000.0, 4_100_000.0


@pytest.fixture()
def city(tmp_path):
    """Two districts side by side (10 km × 10 km each), a coastline along their south edge
    (15 km natural + 5 km artificial), a land red line, a baseline red line, restoration projects."""
    gpd.GeoDataFrame({"name": ["甲区", "乙区"]}, geometry=[box(X, Y, X + 10_000, Y + 10_000), box(X + 10_000, Y, X + 20_000, Y + 10_000)],
                     crs=CRS).to_file(tmp_path / "districts.gpkg")
    gpd.GeoDataFrame({"id": ["C1", "C2"], "岸线类型": ["基岩", "人工"]},
                     geometry=[LineString([(X, Y), (X + 15_000, Y)]), LineString([(X + 15_000, Y), (X + 20_000, Y)])],
                     crs=CRS).to_file(tmp_path / "coast.gpkg")
    current = [box(X + 1000, Y + 1000, X + 3000, Y + 3000), box(X + 12_000, Y + 1000, X + 14_000, Y + 2000)]
    gpd.GeoDataFrame({"id": ["R1", "R2"], "type": ["水源涵养", "水土保持"], "realm": ["land", "land"]}, geometry=current,
                     crs=CRS).to_file(tmp_path / "redline.gpkg")
    # the baseline: R1 as now, R2 was 1 km taller, R3 has gone
    baseline = [current[0], box(X + 12_000, Y + 1000, X + 14_000, Y + 3000), box(X + 5000, Y + 5000, X + 6000, Y + 6000)]
    gpd.GeoDataFrame({"id": ["R1", "R2", "R3"], "name": ["一", "二", "三"], "type": ["水源涵养", "水土保持", "水土保持"]},
                     geometry=baseline, crs=CRS).to_file(tmp_path / "redline_2020.gpkg")
    gpd.GeoDataFrame({"id": ["P1", "P2"], "type": ["滨海湿地", "滨海湿地"], "status": ["已完成", "已完成"], "year": [2021, 2023]},
                     geometry=[box(X, Y + 100, X + 1000, Y + 1100), box(X + 500, Y + 100, X + 1500, Y + 1100)],
                     crs=CRS).to_file(tmp_path / "projects.gpkg")
    return tmp_path


def write_config(folder, indicators: str, *, preset: str | None = None, extra: str = "") -> str:
    text = textwrap.dedent(f"""\
        title = "测试审计"
        {'preset = "' + preset + '"' if preset else ''}
        [layers.districts]
        file = "districts.gpkg"
        kind = "district"
        [layers.coastline]
        file = "coast.gpkg"
        kind = "coastline"
        fields = {{ class = "岸线类型" }}
        [layers.redline]
        file = "redline.gpkg"
        kind = "redline"
        [layers.redline_2020]
        file = "redline_2020.gpkg"
        kind = "redline_baseline"
        [layers.projects]
        file = "projects.gpkg"
        kind = "restoration"
        {extra}
        """) + textwrap.dedent(indicators)
    path = folder / "audit.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


PASSING = """
[indicators.coastline_retention]
target = 70
[indicators.wetland]
indicator = "restoration_area"
type = "coastal_wetland"
target = 150
[indicators.share_jia]
indicator = "redline_coverage"
zone = "甲区"
target = 4
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_all_targets_pass_exit_0_and_figures_match_direct_computation(city):
    out = city / "out"
    r = run("audit", write_config(city, PASSING), "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "report.json").read_text("utf-8"))
    got = {i["id"]: i for i in doc["indicators"]}
    assert got["coastline_retention"]["value"] == pytest.approx(75.0)  # 15 of 20 km natural
    assert got["wetland"]["value"] == pytest.approx(150.0 / 100 * 100 * 1.0)  # union of two 1 km² boxes sharing 0.5 km²: 1.5 km² = 150 ha
    assert got["share_jia"]["value"] == pytest.approx(4.0)  # 4 km² of red line in a 100 km² district
    assert {i["status"] for i in doc["indicators"]} == {"pass"} and doc["summary"]["exit_code"] == 0
    for key in ("ecozone", "generated_at", "measurement_crs", "inputs", "indicators", "tables"):
        assert key in doc
    for i in doc["indicators"]:
        assert {"value", "unit", "target", "operator", "status"} <= set(i)
    inputs = {i["name"]: i for i in doc["inputs"]}
    assert inputs["districts"]["features"] == 2 and inputs["districts"]["path"] == "districts.gpkg"
    assert len(inputs["districts"]["sha256"]) == 64
    for name in ("report.md", "report.html", "indicators.csv"):
        assert (out / name).stat().st_size > 0
    html = (out / "report.html").read_text("utf-8")
    assert "<script" not in html and "达标" in html


def test_missed_target_exit_1_names_the_indicator(city):
    r = run("audit", write_config(city, PASSING.replace("target = 70", "target = 80")), "-o", str(city / "out"))
    assert r.exit_code == 1
    assert "FAIL  coastline_retention: 75.00 %" in r.output
    assert "1 of 3 indicators failed: coastline_retention" in r.output


def test_preset_targets_and_override(city):
    cfg = load_config(write_config(city, "[indicators.coastline_retention]\ntarget = 80\n", preset="shandong-city-2025"))
    assert cfg.indicators["coastline_retention"]["target"] == 80 and "source" not in cfg.indicators["coastline_retention"]
    wetland = cfg.indicators["coastal_wetland_restoration"]
    assert wetland["target"] == 120 and wetland["source"] == PRESETS["shandong-city-2025"]["source"]
    result = run_audit(cfg)
    assert {i["id"]: i["status"] for i in result.indicators} == {"coastline_retention": "fail", "coastal_wetland_restoration": "pass"}


def test_redline_loss_lists_exactly_the_lost_polygons(city):
    baseline = gpd.read_file(city / "redline_2020.gpkg")
    current = gpd.read_file(city / "redline.gpkg")
    lost = redline_loss(baseline, current)
    assert lost["id"].tolist() == ["R2", "R3"]  # R1 is kept whole
    assert lost["lost_ha"].tolist() == pytest.approx([200.0, 100.0])  # 2 km × 1 km gone from R2; R3 (1 km²) gone
    assert lost["lost_share"].tolist() == pytest.approx([0.5, 1.0])
    r = run("audit", write_config(city, '[indicators.redline_not_reduced]\nbaseline = "redline_2020"\n'), "-o", str(city / "o"))
    assert r.exit_code == 1 and "redline_not_reduced: 300.00 ha" in r.output
    doc = json.loads((city / "o" / "report.json").read_text("utf-8"))
    assert [row["id"] for row in doc["tables"]["redline_lost"]] == ["R2", "R3"]
    assert doc["indicators"][0]["details"]["change_ha"] == pytest.approx(-300.0)


def test_two_runs_give_the_same_report_but_the_time(city):
    config = write_config(city, PASSING)
    docs = []
    for out in ("a", "b"):
        assert run("audit", config, "-o", str(city / out), "-f", "json").exit_code == 0
        doc = json.loads((city / out / "report.json").read_text("utf-8"))
        doc.pop("generated_at")
        docs.append(doc)
    assert docs[0] == docs[1]
    assert not (city / "a" / "report.html").exists()  # -f json writes only the JSON


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda t: t.replace('title = "测试审计"', 'title = "测试审计'), "not valid TOML"),
        (lambda t: t.replace('title = "测试审计"', 'title = "测试审计"\ncolour = "red"'), "colour (line 2): unknown key"),
        (lambda t: t.replace('file = "coast.gpkg"', 'file = "missing.gpkg"'), "missing.gpkg"),
        (lambda t: t.replace('kind = "coastline"', 'kind = "coast"'), "kind 'coast' is unknown"),
        (lambda t: t.replace('fields = { class = "岸线类型" }', 'fields = { class = "类型" }'), "类型"),
        (lambda t: t + "[indicators.share_jia]\nindicator = \"redline_coverage\"\nzone = \"丙区\"\n", "丙区"),
        (lambda t: t + "[indicators.x]\nindicator = \"coastline_retention\"\ntarget = \"high\"\n", "[indicators.x] target"),
        (lambda t: t + "[indicators.y]\nindicator = \"coastline_retention\"\nbays = \"四十里湾\"\n", "[indicators.y] bays"),
    ],
)
def test_bad_config_exit_2_one_line_naming_key_or_file(city, mutate, words):
    path = city / "audit.toml"
    write_config(city, "[indicators.coastline_retention]\ntarget = 35\n")
    path.write_text(mutate(path.read_text("utf-8")), encoding="utf-8")
    for command in ("audit", "validate"):
        r = run(command, str(path), *(["-o", str(city / "out")] if command == "audit" else []))
        if command == "validate" and "丙区" in words:
            continue  # a zone name is checked when measuring
        assert r.exit_code == 2, (command, r.output)
        errors = [line for line in r.output.splitlines() if line.startswith("ecozone: error:")]
        assert len(errors) == 1 and words in errors[0], r.output
    assert not (city / "out" / "report.json").exists()  # nothing half-written


def test_validate_ok_and_catalogue_is_complete(city):
    r = run("validate", write_config(city, PASSING))
    assert r.exit_code == 0 and "ok — 5 layers" in r.output
    for ind in INDICATORS.values():
        assert ind.zh and ind.en and ind.unit and ind.formula and ind.operator in (">=", "<=")
    for preset in PRESETS.values():
        assert preset["source"] and preset["indicators"]
    with pytest.raises(ConfigError, match="preset"):
        load_config(write_config(city, "", preset="atlantis"))


def test_demo_config_runs_through_the_audit_path(demo_run):
    """The embedded demo's audit: indicators against direct computations on its files."""
    import numpy as np
    import rasterio
    from rasterio.features import geometry_mask

    from ecozone._resources import dataset_dir

    d = dataset_dir("yantai")
    tmp_path, report = demo_run
    got = {i["id"]: i for i in report["audit"]["indicators"]}
    assert report["audit"]["summary"]["fail"] >= 1 and (tmp_path / "report.html").exists() and (tmp_path / "report.md").exists()
    mines = gpd.read_file(d / "mines.geojson")
    historic = mines[mines["status"] == "historic"]
    assert got["historic_mine_restoration"]["value"] == pytest.approx((historic["restoration"] == "restored").mean() * 100)
    assert got["coastal_wetland_restoration"]["value"] == pytest.approx(report["restoration_progress"]["achieved_ha"])
    # forest share: cell-centre count over the city (fractional coverage differs only at the edge)
    with rasterio.open(d / "landcover.tif") as ds:
        cover = ds.read(1)
        city = gpd.read_file(d / "districts.geojson").to_crs(ds.crs).geometry.union_all()
        inside = ~geometry_mask([city], out_shape=cover.shape, transform=ds.transform)
    valid = inside & (cover != 0)
    assert got["forest_share"]["value"] == pytest.approx((cover[valid] == 1).mean() * 100, abs=0.3)
    # the lost red line: the dropped baseline polygon in full, and the ring 大基山 lost
    lost = {row["id"]: row for row in report["redline_lost"]}
    assert set(lost) == {"RL08", "RL11"} and lost["RL11"]["lost_share"] == pytest.approx(1.0)
    assert np.isclose(got["redline_not_reduced"]["value"], sum(r["lost_ha"] for r in lost.values()), rtol=1e-6)


def test_a_layer_in_a_filegdb_is_audited_and_hashed(city):
    # the audit hashed its inputs with read_bytes(), which a FileGDB (a folder) refused: exit 2 on any .gdb
    import hashlib

    import pyogrio

    for name in ("districts", "redline"):
        pyogrio.write_dataframe(gpd.read_file(city / f"{name}.gpkg"), city / "city.gdb", layer=name.upper(),
                                driver="OpenFileGDB", append=name == "redline")
    text = (
        '[layers.districts]\nfile = "city.gdb"\nlayer = "DISTRICTS"\nkind = "district"\n'
        '[layers.redline]\nfile = "city.gdb"\nlayer = "REDLINE"\nkind = "redline"\n'
        '[indicators.share_jia]\nindicator = "redline_coverage"\nzone = "甲区"\ntarget = 4\n')
    (city / "gdb.toml").write_text(text, encoding="utf-8")
    r = run("audit", str(city / "gdb.toml"), "-o", str(city / "out_gdb"))
    assert r.exit_code == 0, r.output
    doc = json.loads((city / "out_gdb" / "report.json").read_text("utf-8"))
    assert {i["id"]: i["value"] for i in doc["indicators"]}["share_jia"] == pytest.approx(4.0)
    inputs = {i["name"]: i for i in doc["inputs"]}
    assert len(inputs["districts"]["sha256"]) == 64 and inputs["districts"]["path"] == "city.gdb"
    # a plain file keeps the hash sha256sum prints
    assert hashlib.sha256((city / "gdb.toml").read_bytes()).hexdigest() == doc["inputs"][0]["sha256"]
