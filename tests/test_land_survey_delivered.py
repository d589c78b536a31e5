"""The land survey as departments deliver it, not as the standard draws it (a review of issue 21 found each case
giving a silent wrong figure): coefficients in per cent, codes stored as numbers, lower-case or GBK-cut field names,
a TBDLMJ without KCXS/KCMJ, a TBMJ of 0, a long district edge.  Oracles: hand arithmetic, shapely, pyproj.Geod."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import ecozone
from ecozone.errors import SchemaError

from .test_land_survey import CRS, X0, Y0, geod_area

HA = 10_000.0


def boxes(n: int, **fields) -> gpd.GeoDataFrame:
    """``n`` 图斑 of 100 m × 100 m (1 ha) in a row, DLBM 0103 (旱地) in 芝罘区 unless ``fields`` say otherwise."""
    geoms = [shapely.box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(n)]
    columns = {"BSM": [f"B{i}" for i in range(n)], "DLBM": "0103", "ZLDWDM": "3706020010010000000", **fields}
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=CRS)


def test_coefficients_in_per_cent_are_told_from_the_whole_field_not_batch_by_batch():
    # 1 % on every 图斑 but the last, 8 % there: read as per cent whatever the batches (it was 100 % in a batch of 1s)
    kcxs = [1.0] * 9 + [8.0]
    survey = boxes(10, KCXS=kcxs)
    want_ded = sum(k / 100 for k in kcxs) * HA  # each 图斑 1 ha
    for size in (1, 3, 100):
        table = ecozone.land_use(survey, area_method="planar", batch_size=size)
        ded = table.loc[table["class"] == "1203", "area_ha"].sum() * HA
        assert ded == pytest.approx(want_ded, rel=1e-12)
        assert table["area_ha"].sum() == pytest.approx(10.0, rel=1e-12)
    assert any("per cent" in n for n in table.attrs["notes"])


def test_a_coefficient_out_of_its_fields_range_is_refused_naming_the_tuban():
    # fractions (0.1) and one 12: a 12 % typed into a field of fractions; it deducted 100 % of the 图斑 before
    survey = boxes(3, KCXS=[0.1, 0.1, 12.0])
    with pytest.raises(SchemaError, match=r"feature 2 \(BSM=B2\): KCXS 12 is outside .*fix: correct the KCXS"):
        ecozone.land_use(survey, area_method="planar")


def test_zldwdm_stored_as_a_number_keeps_its_districts(tmp_path):
    # a DBF numeric 370602001001 is no code that lost a zero: padded to 19 it became district 000000
    survey = boxes(2, ZLDWDM=[370602001001, 370613001001])
    path = tmp_path / "numeric.shp"
    pyogrio.write_dataframe(survey, path, encoding="GBK")
    table = ecozone.land_use(path, area_method="planar")
    assert sorted(table["zone_code"]) == ["370602", "370613"]
    assert table["area_ha"].tolist() == pytest.approx([1.0, 1.0], rel=1e-12)


def test_a_first_level_code_stored_as_a_number_is_two_characters(tmp_path):
    survey = boxes(2, DLBM=[9, 103])  # 09 特殊用地 (三调, no second level) and 0103
    path = tmp_path / "numeric.shp"
    pyogrio.write_dataframe(survey, path, encoding="GBK")
    table = ecozone.land_use(path, area_method="planar")
    assert sorted(table["class"]) == ["0103", "09"]


def test_tbdlmj_without_kcxs_or_kcmj_gives_the_deduction_with_zones_too():
    # TBMJ 1 ha, TBDLMJ 0.85 ha: 15 % 田坎; with zones (areas from the geometry) the same share is deducted
    survey = boxes(2, TBMJ=[HA, HA], TBDLMJ=[0.85 * HA, HA])
    zones = gpd.GeoDataFrame({"name": ["Z"]}, geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 210, Y0 + 110)], crs=CRS)
    table = ecozone.land_use(survey, zones, area_method="planar", level=2).set_index("class")
    assert table.loc["0103", "area_ha"] == pytest.approx(2 - 0.15, rel=1e-12)
    assert table.loc["1203", "area_ha"] == pytest.approx(0.15, rel=1e-12)
    assert any("TBMJ − TBDLMJ" in n for n in table.attrs["notes"])
    # without zones the geometry's net area beside the official one says the same
    by_district = ecozone.land_use(survey, area_method="planar").set_index("class")
    assert by_district.loc["0103", "geometry_area_ha"] == pytest.approx(1.85, rel=1e-12)


def test_a_tbmj_of_zero_is_a_finding_not_a_silent_pass():
    survey = boxes(2, TBMJ=[0.0, HA])
    table = ecozone.land_use(survey, area_method="planar")
    check = table.attrs["tbmj_check"]
    assert check["checked"] == 2 and check["disagree"] >= 1 and "B0" in check["first"]


def test_lower_case_and_gbk_cut_chinese_field_names(tmp_path):
    standard = boxes(3, KCXS=[0.1, 0.2, 0.0])
    want = ecozone.land_use(standard, area_method="planar")
    lower = standard.rename(columns={"BSM": "bsm", "DLBM": "dlbm", "ZLDWDM": "zldwdm", "KCXS": "kcxs"})
    lower.to_file(tmp_path / "lower.gpkg")
    got = ecozone.land_use(tmp_path / "lower.gpkg", area_method="planar")
    assert got["area_ha"].tolist() == pytest.approx(want["area_ha"].tolist(), rel=1e-12)
    chinese = standard.rename(columns={"BSM": "标识码", "DLBM": "地类编码", "ZLDWDM": "座落单位代码", "KCXS": "扣除地类系数"})
    pyogrio.write_dataframe(chinese, tmp_path / "zh.shp", encoding="GBK")  # the DBF keeps 10 bytes: 座落单位代, 扣除地类系
    fields = pyogrio.read_info(tmp_path / "zh.shp", encoding="GBK")["fields"].tolist()
    assert "座落单位代" in fields and "扣除地类系" in fields
    got = ecozone.land_use(tmp_path / "zh.shp", area_method="planar")
    assert got["area_ha"].tolist() == pytest.approx(want["area_ha"].tolist(), rel=1e-12)
    assert got.loc[got["class"] == "1203", "area_ha"].sum() == pytest.approx(0.3, rel=1e-12)


def test_ellipsoidal_areas_keep_a_long_district_edge_where_it_was_drawn():
    # a 40 km edge 120 km off the central meridian across a row of 20 m 图斑: moved by its ends only it bowed by metres
    zone = shapely.box(X0 - 20_000, Y0 - 20_000, X0 + 20_000, Y0)
    strip = [shapely.box(X0 + k * 100, Y0 - 10, X0 + (k + 1) * 100, Y0 + 10) for k in range(-5, 5)]
    survey = gpd.GeoDataFrame({"BSM": [f"t{k}" for k in range(10)], "DLBM": "0101", "ZLDWDM": "3706020010010000000"},
                              geometry=strip, crs=CRS)
    table = ecozone.land_use(survey, gpd.GeoDataFrame({"name": ["Z"]}, geometry=[zone], crs=CRS))
    want = sum(geod_area(shapely.segmentize(g.intersection(zone), 10)) for g in strip)
    assert table["area_ha"].sum() * HA == pytest.approx(want, rel=1e-5)


def test_cli_on_a_per_cent_survey(tmp_path):
    boxes(4, KCXS=[5.0, 5.0, 5.0, 20.0]).to_file(tmp_path / "s.gpkg")
    r = subprocess.run([sys.executable, "-m", "ecozone", "land-use", "--survey", str(tmp_path / "s.gpkg"), "--area-method",
                        "planar", "-o", str(tmp_path / "t.json")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = {row["class"]: row for row in json.loads((tmp_path / "t.json").read_text("utf-8"))["rows"]}
    assert rows["1203"]["area_ha"] == pytest.approx(0.35, rel=1e-12) and rows["0103"]["area_ha"] == pytest.approx(3.65)
    assert np.isclose(sum(r["area_ha"] for r in rows.values()), 4.0)


def test_two_townships_of_one_name_stay_two_and_an_xzq_layer_is_picked_by_name(tmp_path):
    survey = boxes(2, ZLDWDM=["3706020010010000000", "3706130010010000000"])
    survey.to_file(tmp_path / "s.gpkg", layer="DLTB")
    xzq = gpd.GeoDataFrame({"XZQDM": ["370602001", "370613001"], "XZQMC": ["新城街道", "新城街道"]},
                           geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
                           crs=CRS)
    xzq.to_file(tmp_path / "s.gpkg", layer="XZQ_2023")
    r = subprocess.run([sys.executable, "-m", "ecozone", "land-use", "--survey", str(tmp_path / "s.gpkg"), "--by-township",
                        "--xzq", str(tmp_path / "s.gpkg"), "--xzq-layer", "XZQ_2023", "--area-method", "planar",
                        "-o", str(tmp_path / "t.json")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert sorted(row["zone"] for row in doc["rows"]) == ["新城街道 (370602001)", "新城街道 (370613001)"]
    assert doc["surveyed_area_ha"] == {"新城街道 (370602001)": pytest.approx(1.0), "新城街道 (370613001)": pytest.approx(1.0)}


def test_zones_the_survey_does_not_reach_are_named_in_a_note():
    far = gpd.GeoDataFrame({"name": ["远区", "近区"]}, geometry=[shapely.box(X0 + 50_000, Y0, X0 + 51_000, Y0 + 1000),
                                                              shapely.box(X0 - 10, Y0 - 10, X0 + 150, Y0 + 110)], crs=CRS)
    table = ecozone.land_use(boxes(2), far, area_method="planar")
    assert set(table["zone"]) == {"近区"} and table["area_ha"].sum() == pytest.approx(1.5)  # one box and half the next
    assert any("1 of 2 zones hold no 图斑" in n and "远区" in n for n in table.attrs["notes"])
