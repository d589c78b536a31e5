"""The land-survey indicators of the audit (issue 21): 耕地保有量, 森林覆盖率, 林木绿化率, 湿地, measured on the
demo's illustrative 地类图斑 and checked against pyproj.Geod (GRS80, the CGCS2000 ellipsoid) applied 图斑 by 图斑
— the oracle, independent of ecozone's equal-area projection and zone cutting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod

from ecozone.audit import load_config, run_audit

DEMO = Path(__file__).resolve().parents[1] / "layers" / "yantai"
M2_PER_MU = 10_000 / 15


@pytest.fixture(scope="module")
def indicators():
    result = run_audit(load_config(DEMO / "audit.toml"))
    return {i["id"]: i for i in result.indicators}


@pytest.fixture(scope="module")
def parcels():
    survey = pyogrio.read_dataframe(DEMO / "land_survey.gpkg", layer="DLTB").to_crs(4490)
    geod = Geod(ellps="GRS80")
    area = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in survey.geometry.values])
    districts = pyogrio.read_dataframe(DEMO / "districts.geojson").to_crs(4490)
    city = shapely.union_all(districts.geometry.values)
    inside = shapely.within(shapely.point_on_surface(survey.geometry.values), city)
    keep = np.asarray(survey["KCXS"].fillna(0.0), dtype=float)
    return survey.assign(geod_m2=area, net_m2=area * (1 - keep), inside=inside)


def value(indicators, key):
    return indicators[key]["value"]


def test_cultivated_land_and_wetland_equal_geod_sums(indicators, parcels):
    code = parcels["DLBM"].astype(str).str[:4]
    inside = parcels[parcels["inside"]]
    code_in = code[parcels["inside"]]
    cultivated_mu = inside.loc[code_in.isin(["0101", "0102", "0103"]), "net_m2"].sum() / M2_PER_MU
    wetland = ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"]
    wetland_ha = inside.loc[code_in.isin(wetland), "net_m2"].sum() / 10_000
    assert value(indicators, "cultivated_land") == pytest.approx(cultivated_mu, rel=1e-4)
    assert value(indicators, "wetland_area") == pytest.approx(wetland_ha, rel=1e-4)


def test_forest_and_tree_cover_are_shares_of_the_surveyed_area(indicators, parcels):
    inside = parcels[parcels["inside"]]
    code = inside["DLBM"].astype(str).str[:4]
    total = inside["geod_m2"].sum()  # the classes, 田坎 included, add up to the surveyed area
    forest = inside.loc[code.isin(["0301", "0302", "0303", "0304"]), "net_m2"].sum()
    tree = inside.loc[code.isin(["0301", "0302", "0303", "0304", "0305"]), "net_m2"].sum()
    assert value(indicators, "forest_cover") == pytest.approx(forest / total * 100, rel=1e-4)
    assert value(indicators, "tree_cover") == pytest.approx(tree / total * 100, rel=1e-4)
    assert value(indicators, "tree_cover") >= value(indicators, "forest_cover")


def test_area_share_of_sponge_city_in_the_built_up_area(tmp_path):
    """海绵城市建设面积占建成区面积比例: the sponge-city areas (overlapping, partly outside) inside the built-up
    area ÷ the built-up area, against a direct shapely computation; a later year is left out with until."""
    import geopandas as gpd

    built = [shapely.box(500_000, 4_150_000, 503_000, 4_152_000), shapely.box(503_000, 4_150_000, 504_000, 4_151_000)]
    sponge = [shapely.box(499_000, 4_150_500, 501_000, 4_151_500), shapely.box(500_500, 4_150_000, 502_000, 4_151_000),
              shapely.box(503_200, 4_150_200, 503_800, 4_150_800)]
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=built, crs=4549).to_file(tmp_path / "built.geojson")
    gpd.GeoDataFrame({"name": ["s1", "s2", "s3"], "year": [2022, 2023, 2026]}, geometry=sponge,
                     crs=4549).to_file(tmp_path / "sponge.geojson")
    gpd.GeoDataFrame({"name": ["d"]}, geometry=[shapely.box(498_000, 4_149_000, 506_000, 4_153_000)],
                     crs=4549).to_file(tmp_path / "districts.geojson")
    (tmp_path / "audit.toml").write_text(
        '[layers.districts]\nfile = "districts.geojson"\nkind = "district"\n'
        '[layers.built]\nfile = "built.geojson"\nkind = "built_up_area"\n'
        '[layers.sponge]\nfile = "sponge.geojson"\nkind = "sponge_city"\n'
        '[indicators.area_share]\ntarget = 25\n'
        '[indicators.sponge_2025]\nindicator = "area_share"\nuntil = 2025\ntarget = 25\n', "utf-8")
    got = {i["id"]: i for i in run_audit(load_config(tmp_path / "audit.toml")).indicators}
    boundary = shapely.union_all(built)
    every = shapely.intersection(shapely.union_all(sponge), boundary).area / boundary.area * 100
    early = shapely.intersection(shapely.union_all(sponge[:2]), boundary).area / boundary.area * 100
    assert got["area_share"]["value"] == pytest.approx(every, rel=1e-9)
    # the details say which area is which: the sponge city's inside the built-up area, and the built-up area's
    details = got["area_share"]["details"]
    assert details["area_ha"] == pytest.approx(shapely.intersection(shapely.union_all(sponge), boundary).area / 1e4)
    assert details["within_ha"] == pytest.approx(boundary.area / 1e4) and details["within"] == "built_up_area"
    assert got["sponge_2025"]["value"] == pytest.approx(early, rel=1e-9) and early < every


def test_plan_targets_for_the_land_survey_run_in_the_audit(tmp_path):
    """耕地保有量 in 亩 and 森林覆盖率 from a plan's sentences: ecozone targets maps them, and the audit measures them
    on the demo's land survey (a pass or a fail, never not applicable)."""
    from ecozone.plans import plan_targets, targets_toml

    text = "到2025年，全市耕地保有量不低于100474亩，森林覆盖率达到42%。"
    (tmp_path / "targets.toml").write_text(targets_toml(plan_targets(text)), "utf-8")
    (tmp_path / "audit.toml").write_text(
        f'manifest = "{(DEMO / "manifest.toml").as_posix()}"\ninclude = ["targets.toml"]\n'
        f'[layers.land_survey]\nfile = "{(DEMO / "land_survey.gpkg").as_posix()}"\nlayer = "DLTB"\nkind = "land_survey"\n',
        "utf-8")
    got = {i["id"]: i for i in run_audit(load_config(tmp_path / "audit.toml")).indicators}
    assert got["cultivated_land"]["target"] == 100474 and got["cultivated_land"]["status"] == "pass"
    assert got["forest_cover"]["target"] == 42 and got["forest_cover"]["status"] == "fail"
    assert "耕地保有量不低于100474亩" in got["cultivated_land"]["source"]


def test_an_atlas_reads_a_survey_whose_codes_were_stored_as_numbers(tmp_path):
    """A DLTB exported with DLBM as a number (0101 → 101) loads in an atlas as '0101', and is noted."""
    import geopandas as gpd

    from ecozone import Atlas

    gpd.GeoDataFrame({"DLBM": [101, 301], "KCXS": [0.1, 0.0]},
                     geometry=[shapely.box(500_000, 4_150_000, 500_100, 4_150_100),
                               shapely.box(500_100, 4_150_000, 500_200, 4_150_100)], crs=4549).to_file(tmp_path / "dltb.gpkg")
    (tmp_path / "manifest.toml").write_text('[layers.survey]\nfile = "dltb.gpkg"\nkind = "land_survey"\n', "utf-8")
    atlas = Atlas.from_manifest(tmp_path)
    assert atlas["survey"]["DLBM"].tolist() == ["0101", "0301"]
    assert any("leading zeros" in n for layer in atlas.report.layers for n in layer.notes)
