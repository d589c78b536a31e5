"""River buffers, encroachment and designation against hand-computed areas and lengths, and pyproj.Geod."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, box

from ecozone.errors import SchemaError
from ecozone.measure.rivers import DEFAULT_WIDTHS, river_buffers, river_designation, river_encroachment

from .conftest import square_districts

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 4_150_000.0


def rivers(geoms, **cols) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {"id": [f"R{i}" for i in range(n)], "name": [f"河{i}" for i in range(n)], "level": ["trunk"] * n, **cols}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=CRS)


def strip(length: float, width: float) -> float:
    """Both-bank buffer of a straight line: a 2w × L strip plus the two half-disc caps (one disc)."""
    return 2 * width * length + math.pi * width**2


def east(x: float, y: float, length: float) -> LineString:
    return LineString([(X0 + x, Y0 + y), (X0 + x + length, Y0 + y)])


# --- river_buffers -------------------------------------------------------------------------------


def test_straight_line_buffer_is_strip_plus_disc():
    zone = river_buffers(rivers([east(0, 0, 2000)], level=["干流"]))
    row = zone.iloc[0]
    assert row["level"] == "trunk" and row["width_m"] == DEFAULT_WIDTHS["trunk"] == 50.0
    assert row["length_km"] == pytest.approx(2.0)
    assert row["water_ha"] == 0.0
    # the round caps are polygons (64-gon disc: 0.16 % less than π w²): 2 w L + π w² within 0.1 %
    assert row["buffer_ha"] * 1e4 == pytest.approx(strip(2000, 50), rel=1e-3)
    assert row["buffer_ha"] * 1e4 == pytest.approx(row.geometry.area, rel=1e-12)
    assert zone.crs.to_epsg() == 4549


def test_long_line_buffer_is_two_w_l():
    # 20 km with 20 m on each bank: the caps are 0.16 % of the area, so 2 w L within 0.5 %
    zone = river_buffers(rivers([east(0, 0, 20_000)], level=["支流"]))
    assert zone["width_m"].iloc[0] == 20.0
    assert zone["buffer_ha"].iloc[0] * 1e4 == pytest.approx(2 * 20 * 20_000, rel=5e-3)
    assert zone["length_km"].iloc[0] == pytest.approx(20.0)


def test_widths_by_chinese_level_name_and_per_feature_override():
    lines = rivers(
        [east(0, 0, 1000), east(0, 5000, 1000), east(0, 10_000, 1000), east(0, 15_000, 1000)],
        level=["干流", "支流", "支流", "trunk"],
        buffer_m=[np.nan, 10.0, None, 5.0],
    )
    zone = river_buffers(lines, {"干流": 80, "支流": 30}).set_index("id")
    expected = {"R0": 80.0, "R1": 10.0, "R2": 30.0, "R3": 5.0}  # R1 and R3: their own buffer_m wins
    for rid, w in expected.items():
        assert zone.loc[rid, "width_m"] == w
        assert zone.loc[rid, "buffer_ha"] * 1e4 == pytest.approx(strip(1000, w), rel=1e-3)
    # a level not given keeps its default; English and Chinese names of one level are the same level
    same = river_buffers(rivers([east(0, 0, 1000)], level=["tributary"]), {"trunk": 80})
    assert same["width_m"].iloc[0] == DEFAULT_WIDTHS["tributary"]


def test_lake_buffer_includes_the_water():
    side, w = 400.0, 50.0
    lake = rivers([box(X0, Y0, X0 + side, Y0 + side)], level=["湖泊"])
    zone = river_buffers(lake).iloc[0]
    assert zone["level"] == "lake" and zone["width_m"] == DEFAULT_WIDTHS["lake"] == w
    assert zone["water_ha"] * 1e4 == pytest.approx(side**2)
    assert zone["length_km"] == 0.0
    # the water, four strips along the shore and four quarter discs at the corners
    assert zone["buffer_ha"] * 1e4 == pytest.approx(side**2 + 4 * side * w + math.pi * w**2, rel=1e-3)
    reservoir = river_buffers(rivers([box(X0, Y0, X0 + side, Y0 + side)], level=["水库"])).iloc[0]
    assert reservoir["buffer_ha"] * 1e4 == pytest.approx(side**2 + 4 * side * 100 + math.pi * 100**2, rel=1e-3)


def test_features_with_one_id_are_one_river_and_overlaps_count_once():
    w = 50.0
    # two reaches of one river meeting end to end, and a side channel crossing the first reach
    reaches = rivers(
        [east(0, 0, 1000), east(1000, 0, 1000), LineString([(X0 + 500, Y0 - 300), (X0 + 500, Y0 + 300)])],
        id=["R1", "R1", "R1"], name=["甲河", "甲河", "甲河"],
    )
    zone = river_buffers(reaches)
    assert len(zone) == 1 and zone["id"].iloc[0] == "R1" and zone["name"].iloc[0] == "甲河"
    assert zone["length_km"].iloc[0] == pytest.approx(2.6)
    # main stem 2 km: one strip + one disc; the side channel adds its 600 m strip minus the 100 m × 100 m
    # square it shares with the main stem's strip, plus its own disc
    expected = strip(2000, w) + (2 * w * 600 - (2 * w) ** 2) + math.pi * w**2
    assert zone["buffer_ha"].iloc[0] * 1e4 == pytest.approx(expected, rel=2e-3)
    summed = strip(1000, w) * 2 + strip(600, w)
    assert zone["buffer_ha"].iloc[0] * 1e4 < summed - 0.9 * ((2 * w) ** 2 + math.pi * w**2)
    # without ids, features with one name are one river too
    by_name = river_buffers(reaches.drop(columns="id"))
    assert len(by_name) == 1 and by_name["buffer_ha"].iloc[0] == pytest.approx(zone["buffer_ha"].iloc[0])


def test_lonlat_river_buffer_against_geod():
    geod = Geod(ellps="GRS80")
    line = LineString([(121.0, 37.05), (121.2, 37.05)])
    lonlat = gpd.GeoDataFrame({"id": ["R1"], "name": ["甲河"], "level": ["干流"]}, geometry=[line], crs="EPSG:4326")
    zone = river_buffers(lonlat, {"干流": 100})
    length = geod.geometry_length(line)
    assert zone["length_km"].iloc[0] * 1000 == pytest.approx(length, rel=1e-3)
    assert zone["buffer_ha"].iloc[0] * 1e4 == pytest.approx(strip(length, 100), rel=1e-3)
    assert any("reprojected" in n for n in zone.attrs["notes"])


def test_bad_widths_and_levels_raise():
    with pytest.raises(SchemaError, match="negative"):
        river_buffers(rivers([east(0, 0, 100)], buffer_m=[-5.0]))
    with pytest.raises(SchemaError, match="unknown"):
        river_buffers(rivers([east(0, 0, 100)]), {"canal": 10})
    with pytest.raises(SchemaError, match="≥ 0"):
        river_buffers(rivers([east(0, 0, 100)]), {"trunk": -1})
    with pytest.raises(SchemaError, match="trunk"):
        river_buffers(rivers([east(0, 0, 100)], level=["运河"]))


# --- river_encroachment --------------------------------------------------------------------------


def test_encroachment_reports_the_feature_the_river_and_the_overlap():
    zone = river_buffers(rivers([east(0, 0, 2000), east(0, 5000, 2000)], id=["R1", "R2"], name=["甲河", "乙河"]))
    mines = gpd.GeoDataFrame(
        {"id": ["M1", "M2", "M3", "M4"], "name": ["半入矿", "全入矿", "贴边矿", "远矿"]},
        geometry=[
            box(X0 + 500, Y0, X0 + 600, Y0 + 100),  # half of its 1 ha inside R1's 50 m strip
            box(X0 + 1000, Y0 + 4980, X0 + 1040, Y0 + 5020),  # wholly inside R2's
            box(X0 + 800, Y0 + 50, X0 + 900, Y0 + 150),  # touches the strip's edge: no area in common
            box(X0 + 800, Y0 + 1000, X0 + 900, Y0 + 1100),
        ],
        crs=CRS,
    )
    road = gpd.GeoDataFrame({"id": ["P1"], "name": ["跨河路"]},
                            geometry=[LineString([(X0 + 1500, Y0 - 200), (X0 + 1500, Y0 + 200)])], crs=CRS)
    found = river_encroachment(zone, {"mines": mines, "projects": road})
    assert set(zip(found["feature_layer"], found["feature_id"])) == {("mines", "M1"), ("mines", "M2"), ("projects", "P1")}
    assert set(found["rule"]) == {"river_buffer_encroachment"} and set(found["severity"]) == {"warning"}
    m1 = found.set_index("feature_id").loc["M1"]
    assert m1["against_id"] == "R1" and m1["against_name"] == "甲河" and m1["feature_name"] == "半入矿"
    assert m1["relation"] == "partly_inside"
    assert m1["overlap_ha"] == pytest.approx(100 * 50 / 1e4)
    assert m1["share"] == pytest.approx(0.5)
    m2 = found.set_index("feature_id").loc["M2"]
    assert m2["against_id"] == "R2" and m2["relation"] == "inside" and m2["share"] == pytest.approx(1.0)
    assert m2["overlap_ha"] == pytest.approx(40 * 40 / 1e4)
    p1 = found.set_index("feature_id").loc["P1"]
    assert p1["overlap_m"] == pytest.approx(100.0) and p1["share"] == pytest.approx(100 / 400)


def test_no_encroachment_is_an_empty_findings_table():
    zone = river_buffers(rivers([east(0, 0, 1000)]))
    far = gpd.GeoDataFrame({"id": ["M9"]}, geometry=[box(X0, Y0 + 500, X0 + 10, Y0 + 510)], crs=CRS)
    found = river_encroachment(zone, {"mines": far})
    assert len(found) == 0 and "overlap_ha" in found.columns


# --- river_designation ---------------------------------------------------------------------------

DISTRICTS = gpd.GeoDataFrame(
    {"name": ["甲区", "乙区"]},
    geometry=[box(X0, Y0 - 5000, X0 + 1000, Y0 + 5000), box(X0 + 1000, Y0 - 5000, X0 + 3000, Y0 + 5000)],
    crs=CRS,
)


def designated_rivers() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["R1", "R2", "R3", "L1", "L2"],
            "name": ["甲河", "乙河", "丙河", "丁湖", "戊库"],
            "level": ["干流", "支流", "trunk", "湖泊", "水库"],
            "designation": ["省级美丽幸福河湖", None, "市级美丽幸福河湖", "市级美丽幸福河湖", "  "],
            "designation_year": [2022, None, 2024, 2021, None],
        },
        geometry=[
            east(-500, 0, 3000),  # 500 m west of 甲区, 1000 m in 甲区, 1500 m in 乙区
            east(500, 1000, 2000),  # 500 m in 甲区, 1500 m in 乙区
            east(1500, -1000, 1000),  # 1000 m in 乙区
            box(X0 + 200, Y0 + 2000, X0 + 400, Y0 + 2200),  # a lake in 甲区
            box(X0 + 900, Y0 + 3000, X0 + 1100, Y0 + 3200),  # a reservoir across the border
        ],
        crs=CRS,
    )


def test_designation_splits_length_by_district():
    by_zone, undesignated = river_designation(designated_rivers(), DISTRICTS)
    rows = by_zone.set_index("zone")
    assert list(by_zone["zone"]) == ["甲区", "乙区", "total"]
    # 甲区: R1 1000 m (designated) + R2 500 m; 乙区: R1 1500 + R2 1500 + R3 1000 (designated)
    assert rows.loc["甲区", "river_km"] == pytest.approx(1.5)
    assert rows.loc["甲区", "designated_km"] == pytest.approx(1.0)
    assert rows.loc["甲区", "designated_share"] == pytest.approx(1.0 / 1.5)
    assert rows.loc["乙区", "river_km"] == pytest.approx(4.0)
    assert rows.loc["乙区", "designated_km"] == pytest.approx(2.5)
    assert rows.loc["乙区", "designated_share"] == pytest.approx(2.5 / 4.0)
    # the total is the length inside the union of the districts (R1's 500 m outside is not counted)
    assert rows.loc["total", "river_km"] == pytest.approx(5.5)
    assert rows.loc["total", "designated_km"] == pytest.approx(3.5)
    # lakes are counted: L1 in 甲区 (designated), L2 on the border in both, a blank designation is none
    assert rows.loc["甲区", ["lakes", "lakes_designated"]].tolist() == [2, 1]
    assert rows.loc["乙区", ["lakes", "lakes_designated"]].tolist() == [1, 0]
    assert rows.loc["total", ["lakes", "lakes_designated"]].tolist() == [2, 1]
    un = undesignated.set_index("id")
    assert list(un.index) == ["R2", "L2"]
    assert un.loc["R2", "zones"] == "甲区、乙区" and un.loc["R2", "length_km"] == pytest.approx(2.0)
    assert un.loc["R2", "level"] == "tributary" and un.loc["R2", "name"] == "乙河"
    assert un.loc["L2", "zones"] == "甲区、乙区" and un.loc["L2", "length_km"] == 0.0


def test_designation_until_a_year():
    by_zone, undesignated = river_designation(designated_rivers(), DISTRICTS, until=2023)
    rows = by_zone.set_index("zone")
    # R3 was designated in 2024: not yet in 2023
    assert rows.loc["乙区", "designated_km"] == pytest.approx(1.5)
    assert rows.loc["total", "designated_km"] == pytest.approx(2.5)
    assert rows.loc["total", "designated_share"] == pytest.approx(2.5 / 5.5)
    assert rows.loc["total", "lakes_designated"] == 1  # L1, 2021
    assert list(undesignated["id"]) == ["R2", "R3", "L2"]
    assert undesignated.set_index("id").loc["R3", "zones"] == "乙区"
    early, _ = river_designation(designated_rivers(), DISTRICTS, until=2020)
    assert early["designated_km"].tolist() == [0.0, 0.0, 0.0] and early["lakes_designated"].sum() == 0


def test_designation_in_lonlat_against_geod():
    geod = Geod(ellps="GRS80")
    districts = square_districts()  # 甲区 121.0–121.1°E, 乙区 121.1–121.2°E
    line = LineString([(121.05, 37.05), (121.18, 37.05)])
    lonlat = gpd.GeoDataFrame({"id": ["R1"], "name": ["甲河"], "level": ["干流"], "designation": ["省级"]},
                              geometry=[line], crs="EPSG:4326")
    by_zone, undesignated = river_designation(lonlat, districts)
    rows = by_zone.set_index("zone")
    west = geod.inv(121.05, 37.05, 121.1, 37.05)[2]
    east_ = geod.inv(121.1, 37.05, 121.18, 37.05)[2]
    assert rows.loc["甲区", "river_km"] * 1000 == pytest.approx(west, rel=1e-3)
    assert rows.loc["乙区", "river_km"] * 1000 == pytest.approx(east_, rel=1e-3)
    assert rows.loc["total", "river_km"] * 1000 == pytest.approx(geod.geometry_length(line), rel=1e-3)
    assert rows["designated_share"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert len(undesignated) == 0


def test_designation_fields_missing_raise():
    with pytest.raises(SchemaError, match="designation"):
        river_designation(designated_rivers().drop(columns="designation"), DISTRICTS)
    with pytest.raises(SchemaError, match="designation_year"):
        river_designation(designated_rivers().drop(columns="designation_year"), DISTRICTS, until=2023)
    with pytest.raises(SchemaError, match="zone"):
        river_designation(designated_rivers(), DISTRICTS, zone_field="district")


def test_demo_total_river_km_is_the_clipped_length(demo_atlas):
    lines = demo_atlas["rivers"]
    districts = demo_atlas["districts"]
    by_zone, undesignated = river_designation(lines, districts)
    is_line = np.asarray(shapely.get_dimensions(lines.geometry.values) == 1)
    union = shapely.union_all(districts.geometry.values)
    clipped = shapely.intersection(lines.geometry.values[is_line], union)
    total = by_zone.set_index("zone").loc["total"]
    assert total["river_km"] * 1000 == pytest.approx(float(shapely.length(clipped).sum()), rel=1e-9)
    designated = lines["designation"].notna().to_numpy()[is_line]
    assert total["designated_km"] * 1000 == pytest.approx(float(shapely.length(clipped[designated]).sum()), rel=1e-9)
    for name, geom in zip(districts["name"], districts.geometry):
        inside = float(shapely.length(shapely.intersection(lines.geometry.values[is_line], geom)).sum())
        assert by_zone.set_index("zone").loc[name, "river_km"] * 1000 == pytest.approx(inside, rel=1e-9, abs=1e-6)
    assert set(undesignated["id"]) == set(lines.loc[lines["designation"].isna(), "id"])
    # each undesignated river names the districts it touches, in the districts' order; with until=2022,
    # those designated later are undesignated too
    _, undesignated_2022 = river_designation(lines, districts, until=2022)
    year = pd.to_numeric(lines["designation_year"], errors="coerce")
    later = lines.loc[lines["designation"].isna() | ~(year <= 2022), "id"]
    assert set(undesignated_2022["id"]) == set(later) and len(later) > len(undesignated)
    for _, river in undesignated_2022.iterrows():
        geom = lines.set_index("id").geometry[river["id"]]
        assert river["zones"] == "、".join(n for n, g in zip(districts["name"], districts.geometry) if geom.intersects(g))


def test_the_old_field_keyword_still_works_with_a_warning():
    with pytest.warns(DeprecationWarning, match=r"river_designation\(field=…\) is deprecated; use designation_field=…"):
        old, _ = river_designation(designated_rivers(), DISTRICTS, field="designation")
    new, _ = river_designation(designated_rivers(), DISTRICTS, designation_field="designation")
    assert old.equals(new)
