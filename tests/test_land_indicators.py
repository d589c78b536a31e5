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
