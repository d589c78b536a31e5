"""Marine ranch counts and areas per sea zone against hand-computed boxes, direct shapely unions and pyproj.Geod."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box

import ecozone
from ecozone.errors import SchemaError
from ecozone.measure.ranches import ranch_summary

from .conftest import GK_CRS as CRS
from .conftest import GK_X0 as X0
from .conftest import GK_Y0 as Y0
from .conftest import square_districts, square_zones_m

SEAS = square_zones_m(("甲海域", "乙海域"))


def ranches(items) -> gpd.GeoDataFrame:
    """items: (id, level, type, (xmin, ymin, xmax, ymax) in metres from (X0, Y0))."""
    return gpd.GeoDataFrame(
        {"id": [i for i, *_ in items], "name": [f"{i}牧场" for i, *_ in items],
         "level": [lv for _, lv, _, _ in items], "type": [t for _, _, t, _ in items]},
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for *_, (a, b, c, d) in items],
        crs=CRS,
    )


def row(table, zone, **keys):
    sel = table["zone"] == zone
    for k, v in keys.items():
        sel &= table[k] == v
    assert sel.sum() == 1, (zone, keys)
    return table[sel].iloc[0]


def test_half_inside_the_marine_red_line_reef_not_allowed_stock_enhancement_allowed():
    red = gpd.GeoDataFrame(
        {"id": ["H1", "L1"], "name": ["海岸生态红线", "陆域红线"], "type": ["coastal_stability", "water_conservation"],
         "realm": ["marine", "land"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 500), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=CRS,
    )
    frame = ranches([
        ("MR1", "国家级", "投礁型", (100, 250, 300, 750)),  # 10 ha, half in the marine red line
        ("MR2", "省级", "增殖型", (500, 250, 700, 750)),  # 10 ha, half in
        ("MR3", "national", "围海养殖", (1200, 100, 1400, 300)),  # under the land red line only
    ])
    table = ranch_summary(frame, SEAS, redline=red)
    reef = row(table, "甲海域", level="national", type="reef")
    assert reef["ranches"] == 1 and reef["area_ha"] == pytest.approx(10.0)
    assert reef["in_marine_redline"] == 1 and reef["not_allowed_in_redline"] == 1
    assert reef["redline_overlap_ha"] == pytest.approx(10.0 / 2)
    stock = row(table, "甲海域", level="provincial", type="stock_enhancement")
    assert stock["in_marine_redline"] == 1 and stock["not_allowed_in_redline"] == 0
    assert stock["redline_overlap_ha"] == pytest.approx(5.0)
    enclosed = row(table, "乙海域", level="national", type="enclosed")
    assert (enclosed["in_marine_redline"], enclosed["not_allowed_in_redline"], enclosed["redline_overlap_ha"]) == (0, 0, 0.0)
    total = table[table["zone"] == "total"]
    assert total["ranches"].sum() == 3 and total["in_marine_redline"].sum() == 2 and total["not_allowed_in_redline"].sum() == 1
    # the ranch-by-ranch list behind the counts
    found = ecozone.conflicts(frame, red, "ranch_in_marine_redline").set_index("feature_id")
    assert set(found.index) == {"MR1", "MR2"}
    assert found.loc["MR1", "severity"] == "violation" and found.loc["MR2", "severity"] == "info"
    assert found.loc["MR1", "share"] == pytest.approx(0.5)


def test_red_line_overlap_is_measured_on_unions():
    # two marine red-line polygons overlapping each other, two ranches overlapping each other
    red = gpd.GeoDataFrame({"id": ["H1", "H2"], "type": ["coastal_stability", "biodiversity"]},
                           geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0, Y0, X0 + 500, Y0 + 500)], crs=CRS)
    frame = ranches([("MR1", "national", "reef", (0, 0, 100, 100)), ("MR2", "national", "reef", (50, 0, 150, 100))])
    table = ranch_summary(frame, SEAS, redline=red)
    union_ha = shapely.union_all(frame.geometry.values).area / 1e4  # 1.5 ha, all inside the red line
    for zone in ("甲海域", "total"):
        r = row(table, zone)
        assert r["area_ha"] == pytest.approx(union_ha)
        assert r["redline_overlap_ha"] == pytest.approx(union_ha)  # not 4 × 1 ha summed pair by pair
        assert r["in_marine_redline"] == 2 and r["not_allowed_in_redline"] == 2


def test_a_ranch_counts_once_but_its_area_splits_across_zones():
    frame = ranches([
        ("MR1", "national", "reef", (400, 0, 1400, 500)),  # 30 ha in 甲, 20 ha in 乙: counted in 甲
        ("MR2", "national", "reef", (1300, 0, 1800, 500)),  # 25 ha in 乙, 5 ha of it shared with MR1
    ])
    table = ranch_summary(frame, SEAS)
    assert table["zone"].tolist() == ["甲海域", "乙海域", "total"]
    west, east, total = (row(table, z) for z in ("甲海域", "乙海域", "total"))
    assert (west["ranches"], east["ranches"], total["ranches"]) == (1, 1, 2)
    assert west["area_ha"] == pytest.approx(30.0)
    assert east["area_ha"] == pytest.approx(40.0)  # the union 1000–1800 m × 500 m, not 20 + 25
    assert total["area_ha"] == pytest.approx(shapely.union_all(frame.geometry.values).area / 1e4)
    assert total["area_ha"] == pytest.approx(70.0) and total["area_km2"] == pytest.approx(0.70)
    # MR1 alone: its zone row counts it, the other zone's row holds its area with no ranch
    alone = ranch_summary(frame.iloc[:1], SEAS, by=())
    assert alone[["zone", "ranches"]].values.tolist() == [["甲海域", 1], ["乙海域", 0], ["total", 1]]
    assert alone["area_ha"].tolist() == pytest.approx([30.0, 20.0, 50.0])


def test_a_ranch_outside_every_zone():
    frame = ranches([
        ("MR1", "provincial", "reef", (5000, 0, 5500, 400)),  # 20 ha, in no zone
        ("MR2", "provincial", "reef", (1700, 0, 2100, 500)),  # 15 ha in 乙, 5 ha beyond it
    ])
    table = ranch_summary(frame, SEAS, by=("level",))
    assert table["zone"].tolist() == ["乙海域", "outside", "total"]
    assert row(table, "outside")["ranches"] == 1
    assert row(table, "outside")["area_ha"] == pytest.approx(20.0 + 5.0)
    assert row(table, "乙海域")["ranches"] == 1 and row(table, "乙海域")["area_ha"] == pytest.approx(15.0)
    assert row(table, "total")["ranches"] == 2 and row(table, "total")["area_ha"] == pytest.approx(40.0)


def test_wind_farms_shared_sites_are_information():
    frame = ranches([
        ("MR1", "national", "reef", (0, 0, 400, 400)),
        ("MR2", "national", "reef", (500, 0, 900, 400)),  # only touches the wind farm's edge
        ("MR3", "city", "leisure", (1200, 0, 1600, 400)),
    ])
    wind = gpd.GeoDataFrame({"id": ["W1", "W2"], "name": ["莱州风电", "海阳风电"], "capacity_mw": [300.0, 500.0]},
                            geometry=[box(X0 + 300, Y0 + 300, X0 + 500, Y0 + 900), box(X0 + 1500, Y0, X0 + 1900, Y0 + 300)],
                            crs=CRS)
    table = ranch_summary(frame, SEAS, wind_farms=wind)
    assert row(table, "甲海域", level="national", type="reef")["with_wind_farm"] == 1
    assert row(table, "乙海域", level="city", type="leisure")["with_wind_farm"] == 1
    assert table.loc[table["zone"] == "total", "with_wind_farm"].sum() == 2
    found = ecozone.conflicts(frame, wind, "ranch_wind_farm")
    shared = found[found["relation"] != "touches"]
    assert set(shared["feature_id"]) == {"MR1", "MR3"} and set(shared["severity"]) == {"info"}
    assert shared.set_index("feature_id").loc["MR1", "overlap_ha"] == pytest.approx(100 * 100 / 1e4)


def test_lonlat_areas_against_geod():
    geod = Geod(ellps="GRS80")
    zones = square_districts()  # 甲区 121.0–121.1°E, 乙区 121.1–121.2°E, 37.0–37.1°N
    ranch = box(121.08, 37.02, 121.13, 37.05)
    frame = gpd.GeoDataFrame({"id": ["MR1"], "level": ["国家级"], "type": ["增殖型"]}, geometry=[ranch], crs="EPSG:4326")
    table = ranch_summary(frame, zones)
    west = abs(geod.geometry_area_perimeter(box(121.08, 37.02, 121.1, 37.05))[0])
    east = abs(geod.geometry_area_perimeter(box(121.1, 37.02, 121.13, 37.05))[0])
    assert row(table, "甲区")["area_ha"] * 1e4 == pytest.approx(west, rel=1e-3)
    assert row(table, "乙区")["area_ha"] * 1e4 == pytest.approx(east, rel=1e-3)
    assert row(table, "total")["area_ha"] * 1e4 == pytest.approx(abs(geod.geometry_area_perimeter(ranch)[0]), rel=1e-3)
    assert row(table, "乙区")["ranches"] == 1 and row(table, "甲区")["ranches"] == 0  # 乙区 holds 3/5 of it
    assert any("reprojected" in n for n in table.attrs["notes"])


def test_bad_fields_raise():
    frame = ranches([("MR1", "national", "reef", (0, 0, 100, 100))])
    with pytest.raises(SchemaError, match="zone"):
        ranch_summary(frame, SEAS, zone_field="district")
    with pytest.raises(SchemaError, match="year"):
        ranch_summary(frame, SEAS, by=("level", "year"))
    with pytest.raises(SchemaError, match="reef"):
        ranch_summary(frame.assign(type=["网箱"]), SEAS)


def test_demo_ranches_by_bay(demo_atlas):
    frame = demo_atlas["marine_ranches"]
    bays = demo_atlas["bays"]
    table = ranch_summary(frame, bays, by=())
    total = row(table, "total")
    assert total["ranches"] == len(frame)
    assert total["area_ha"] * 1e4 == pytest.approx(shapely.union_all(frame.geometry.values).area, rel=1e-9)
    assert table["ranches"].sum() == 2 * len(frame)  # each ranch once in a zone (or outside), once in total
    union = shapely.union_all(frame.geometry.values)
    for name, geom in zip(bays["name"], bays.geometry):
        inside = union.intersection(geom).area / 1e4
        got = table.loc[table["zone"] == name, "area_ha"]
        assert (float(got.iloc[0]) if len(got) else 0.0) == pytest.approx(inside, rel=1e-9, abs=1e-9)


def test_ellipsoidal_ranch_areas_are_geodesic(tmp_path):
    # two overlapping ranches 120 km east of the central meridian (the plane overstates areas by 3.6e-4) in one
    # sea zone: the union's area on the ellipsoid is pyproj.Geod's; the CLI's JSON says which method it used
    import json
    import subprocess
    import sys

    import numpy as np
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(4549, 4490, always_xy=True)
    x, y = 620_000, 4_160_000
    shapes = [box(x, y, x + 2_000, y + 1_000), box(x + 1_000, y + 500, x + 3_000, y + 1_500)]
    ranches = gpd.GeoDataFrame({"id": ["a", "b"], "level": "national", "type": "reef"}, geometry=shapes, crs=4549)
    zones = gpd.GeoDataFrame({"name": ["海域"]}, geometry=[box(x - 500, y - 500, x + 4_000, y + 2_000)], crs=4549)
    union = shapely.transform(shapely.segmentize(shapely.union_all(shapes), 10),
                              lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    geodesic_ha = abs(Geod(ellps="GRS80").geometry_area_perimeter(union)[0]) / 1e4
    table = ranch_summary(ranches, zones, by=(), area_method="ellipsoidal")
    assert table.loc[table["zone"] == "total", "area_ha"].iloc[0] == pytest.approx(geodesic_ha, rel=1e-7)
    planar = ranch_summary(ranches, zones, by=())
    assert planar.loc[planar["zone"] == "total", "area_ha"].iloc[0] == pytest.approx(shapely.union_all(shapes).area / 1e4)
    ranches.to_file(tmp_path / "r.gpkg")
    zones.to_file(tmp_path / "z.gpkg")
    r = subprocess.run([sys.executable, "-m", "ecozone", "ranches", "--ranches", str(tmp_path / "r.gpkg"), "--zones",
                        str(tmp_path / "z.gpkg"), "--by", "", "--area-method", "ellipsoidal", "-o", str(tmp_path / "t.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert doc["area_method"] == "ellipsoidal"
    assert [row["area_ha"] for row in doc["rows"] if row["zone"] == "total"][0] == pytest.approx(geodesic_ha, rel=1e-7)
