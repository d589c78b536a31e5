"""Mine restoration rates and the 三区两线 visible range against hand-computed counts, areas,
distances and sight lines (small GeoTIFF DEMs written here), and pyproj.Geod."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod, Transformer
from affine import Affine
from shapely.geometry import LineString, Point, box

from ecozone.errors import CRSError, InputError, SchemaError
from ecozone.measure.mines import line_of_sight, mine_restoration, mines_in_view

from .conftest import GK_CRS as CRS
from .conftest import GK_X0 as X0
from .conftest import GK_Y0 as Y0
from .conftest import square_zones_m

DISTRICTS = square_zones_m(("甲区", "乙区"))


def mines(items) -> gpd.GeoDataFrame:
    """items: (id, status, restoration, geometry) in metres from (X0, Y0)."""
    return gpd.GeoDataFrame(
        {"id": [i for i, *_ in items], "name": [f"矿{i}" for i, *_ in items],
         "status": [s for _, s, _, _ in items], "restoration": [r for _, _, r, _ in items]},
        geometry=[shapely.affinity.translate(g, X0, Y0) for *_, g in items],
        crs=CRS,
    )


# --- mine_restoration ----------------------------------------------------------------------------

MIXED = [
    ("A1", "historic", "restored", box(0, 0, 100, 100)),  # 甲区, 1 ha
    ("A2", "历史遗留", "治理中", box(200, 0, 400, 100)),  # 甲区, 2 ha, in progress: not restored
    ("A3", "historic", "未治理", box(500, 0, 600, 300)),  # 甲区, 3 ha
    ("A4", "生产", "已治理", box(700, 700, 800, 800)),  # 甲区, 1 ha
    ("B1", "historic", "restored", box(1200, 0, 1400, 200)),  # 乙区, 4 ha
    ("B2", "关闭", "restored", Point(1500, 500)),  # 乙区, a point
    ("B3", "closed", "untreated", Point(1600, 500)),  # 乙区, a point
    ("C1", "historic", "untreated", box(3000, 0, 3100, 100)),  # in no district, 1 ha
]


def test_rates_by_count_and_by_area_per_district_and_total():
    table = mine_restoration(mines(MIXED), DISTRICTS)
    assert list(zip(table["zone"], table["status"])) == [
        ("甲区", "historic"), ("甲区", "production"), ("乙区", "historic"), ("乙区", "closed"),
        ("outside", "historic"), ("total", "historic"), ("total", "production"), ("total", "closed"),
    ]
    rows = table.set_index(["zone", "status"])
    # zone, status: mines, untreated, in_progress, restored, area ha, restored ha
    expected = {
        ("甲区", "historic"): (3, 1, 1, 1, 6.0, 1.0),
        ("甲区", "production"): (1, 0, 0, 1, 1.0, 1.0),
        ("乙区", "historic"): (1, 0, 0, 1, 4.0, 4.0),
        ("乙区", "closed"): (2, 1, 0, 1, 0.0, 0.0),
        ("outside", "historic"): (1, 1, 0, 0, 1.0, 0.0),
        ("total", "historic"): (5, 2, 1, 2, 11.0, 5.0),
        ("total", "production"): (1, 0, 0, 1, 1.0, 1.0),
        ("total", "closed"): (2, 1, 0, 1, 0.0, 0.0),
    }
    for key, (n, untreated, progress, restored, ha, restored_ha) in expected.items():
        row = rows.loc[key]
        assert (row["mines"], row["untreated"], row["in_progress"], row["restored"]) == (n, untreated, progress, restored), key
        assert row["rate_by_count"] == pytest.approx(restored / n)
        assert row["area_ha"] == pytest.approx(ha) and row["restored_ha"] == pytest.approx(restored_ha)
        if ha > 0:
            assert row["rate_by_area"] == pytest.approx(restored_ha / ha)
        else:  # point mines have no area: no area rate
            assert math.isnan(row["rate_by_area"])
    # in progress is listed, not counted: 甲区's historic rate is 1 of 3, not 2 of 3
    assert rows.loc[("甲区", "historic"), "rate_by_count"] == pytest.approx(1 / 3)


def test_without_zones_one_row_per_status():
    table = mine_restoration(mines(MIXED))
    assert "zone" not in table.columns
    assert table["status"].tolist() == ["historic", "production", "closed"]
    row = table.set_index("status").loc["historic"]
    assert row["mines"] == 5 and row["restored"] == 2
    assert row["rate_by_area"] == pytest.approx(5 / 11)


def test_a_mine_on_a_shared_border_goes_to_the_first_district():
    table = mine_restoration(mines([("P1", "historic", "restored", Point(1000, 500))]), DISTRICTS)
    assert table["zone"].tolist() == ["甲区", "total"]


def test_a_mine_on_a_demo_district_border_goes_to_the_first_of_them(demo_atlas):
    # a vertex that 蓬莱区 and 龙口市 share (the spatial index returns 龙口市 first here)
    districts = demo_atlas["districts"]
    geoms = districts.set_index("name").geometry
    shared = shapely.intersection(geoms["蓬莱区"].boundary, geoms["龙口市"].boundary)
    vertex = Point(shapely.get_coordinates(shared)[len(shapely.get_coordinates(shared)) // 2])
    assert vertex.intersects(geoms["蓬莱区"]) and vertex.intersects(geoms["龙口市"])
    assert list(districts["name"]).index("蓬莱区") < list(districts["name"]).index("龙口市")
    frame = gpd.GeoDataFrame({"status": ["historic"], "restoration": ["untreated"]}, geometry=[vertex], crs=districts.crs)
    assert mine_restoration(frame, districts)["zone"].tolist() == ["蓬莱区", "total"]


def test_lonlat_mine_area_against_geod():
    geod = Geod(ellps="GRS80")
    poly = box(121.10, 37.50, 121.11, 37.505)
    lonlat = gpd.GeoDataFrame({"status": ["historic"], "restoration": ["restored"]}, geometry=[poly], crs="EPSG:4326")
    table = mine_restoration(lonlat)
    assert table["area_ha"].iloc[0] * 1e4 == pytest.approx(abs(geod.geometry_area_perimeter(poly)[0]), rel=1e-3)
    assert any("reprojected" in n for n in table.attrs["notes"])


def test_unknown_status_names_the_allowed_values():
    bad = mines([("X1", "open", "restored", box(0, 0, 10, 10))])
    with pytest.raises(SchemaError) as err:
        mine_restoration(bad)
    message = str(err.value)
    assert "'open'" in message
    for code in ("historic", "production", "closed"):
        assert code in message
    with pytest.raises(SchemaError, match="in_progress"):
        mine_restoration(mines([("X2", "historic", "half done", box(0, 0, 10, 10))]))
    with pytest.raises(SchemaError, match="zone"):
        mine_restoration(mines(MIXED), DISTRICTS, zone_field="district")


def test_demo_totals_equal_direct_counts(demo_atlas):
    frame = demo_atlas["mines"]
    table = mine_restoration(frame, demo_atlas["districts"])
    totals = table[table["zone"] == "total"].set_index("status")
    counts = frame["status"].value_counts()
    assert totals["mines"].to_dict() == counts.to_dict()
    states = pd.crosstab(frame["status"], frame["restoration"])
    area = pd.Series(shapely.area(frame.geometry.values), index=frame.index)
    for status, row in totals.iterrows():
        for state in ("untreated", "in_progress", "restored"):
            assert row[state] == (states.loc[status, state] if state in states.columns else 0)
        own = frame["status"] == status
        assert row["area_ha"] * 1e4 == pytest.approx(area[own].sum(), rel=1e-9)
        assert row["restored_ha"] * 1e4 == pytest.approx(area[own & (frame["restoration"] == "restored")].sum(), rel=1e-9)
        assert row["rate_by_count"] == pytest.approx(row["restored"] / counts[status])
    # the district rows add up to the totals (the demo's mines all lie in a district)
    per_zone = table[table["zone"] != "total"].groupby("status")["mines"].sum()
    assert per_zone.to_dict() == counts.to_dict()


# --- mines_in_view: distances --------------------------------------------------------------------

ROAD = gpd.GeoDataFrame({"id": ["G1"], "name": ["沈海高速"]},
                        geometry=[LineString([(X0, Y0), (X0 + 5000, Y0)])], crs=CRS)


def view_mines(geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"M{i}" for i in range(len(geoms))], "status": ["historic"] * len(geoms),
                             "restoration": ["untreated"] * len(geoms)}, geometry=list(geoms), crs=CRS)


def test_a_mine_at_the_distance_is_in_range_a_metre_beyond_is_not():
    frame = view_mines([
        box(X0 + 1000, Y0 + 1000, X0 + 1100, Y0 + 1100),  # exactly 1000 m north of the road
        box(X0 + 2000, Y0 + 1001, X0 + 2100, Y0 + 1101),  # 1001 m
        Point(X0 + 3000, Y0 - 1000),  # a point mine exactly 1000 m south
        Point(X0 + 3000, Y0 - 1001),
    ])
    out = mines_in_view(frame, {"expressway": ROAD}, distance_m=1000)
    assert out["distance_m"].tolist() == pytest.approx([1000.0, 1001.0, 1000.0, 1001.0], abs=1e-9)
    assert out["in_range"].tolist() == [True, False, True, False]
    assert out["in_view"].tolist() == [True, False, True, False]
    assert out["classes"].tolist() == ["expressway", "", "expressway", ""]
    assert set(out["nearest_class"]) == {"expressway"} and set(out["nearest_name"]) == {"沈海高速"}
    assert out["line_of_sight"].isna().all()  # no DEM
    assert out.attrs["distance_m"] == {"expressway": 1000.0}
    # mines_in_view keeps the mines' own fields and order
    assert out["id"].tolist() == ["M0", "M1", "M2", "M3"] and set(out["status"]) == {"historic"}


def test_distance_per_class():
    river = gpd.GeoDataFrame({"id": ["H1"], "name": ["五龙河"]},
                             geometry=[LineString([(X0, Y0 + 2300), (X0 + 5000, Y0 + 2300)])], crs=CRS)
    rail = gpd.GeoDataFrame({"id": ["T1"], "name": ["蓝烟铁路"]},
                            geometry=[LineString([(X0 + 4000, Y0 - 5000), (X0 + 4000, Y0 + 5000)])], crs=CRS)
    frame = view_mines([Point(X0 + 1000, Y0 + 800), Point(X0 + 3200, Y0 + 1600)])
    # M0: 800 m from the road, 1500 m from the river, 3000 m from the railway
    # M1: 1600 m from the road, 700 m from the river, 800 m from the railway
    out = mines_in_view(frame, {"expressway": ROAD, "river": river, "railway": rail},
                        distance_m={"expressway": 500, "river": 2000}).set_index("id")
    assert out.attrs["distance_m"] == {"expressway": 500.0, "river": 2000.0, "railway": 1000.0}  # railway: default
    assert out.loc["M0", "classes"] == "river"  # the road is nearer but beyond its 500 m
    assert out.loc["M0", "nearest_class"] == "expressway" and out.loc["M0", "distance_m"] == pytest.approx(800.0)
    assert out.loc["M1", "classes"] == "river;railway"
    assert out.loc["M1", "nearest_class"] == "river" and out.loc["M1", "nearest_name"] == "五龙河"
    assert out.loc["M1", "distance_m"] == pytest.approx(700.0)
    assert out["in_view"].all()
    with pytest.raises(SchemaError, match="coastline"):
        mines_in_view(frame, {"expressway": ROAD}, distance_m={"coastline": 500})
    with pytest.raises(SchemaError, match="≥ 0"):
        mines_in_view(frame, {"expressway": ROAD}, distance_m=-1)
    with pytest.raises(SchemaError, match="no lines or areas"):
        mines_in_view(frame)
    with pytest.raises(SchemaError, match="both"):
        mines_in_view(frame, {"river": river}, {"river": DISTRICTS})


def test_a_mine_inside_a_reserve_is_at_distance_zero():
    reserve = gpd.GeoDataFrame({"id": ["N1"], "name": ["昆嵛山自然保护区"]},
                               geometry=[box(X0 + 10_000, Y0, X0 + 12_000, Y0 + 2000)], crs=CRS)
    frame = view_mines([box(X0 + 10_500, Y0 + 500, X0 + 10_600, Y0 + 600), Point(X0 + 12_300, Y0 + 1000)])
    out = mines_in_view(frame, {"expressway": ROAD}, {"nature_reserve": reserve}, distance_m={"nature_reserve": 200})
    assert out["distance_m"].tolist() == pytest.approx([0.0, 300.0])
    assert out["in_range"].tolist() == [True, False]
    assert out["classes"].tolist() == ["nature_reserve", ""]
    assert out["nearest_name"].tolist() == ["昆嵛山自然保护区", "昆嵛山自然保护区"]
    # the road is 5 km and more away: 1000 m by default does not reach either mine
    assert "expressway" not in ";".join(out["classes"])


def test_lonlat_distance_against_geod():
    geod = Geod(ellps="GRS80")
    road = gpd.GeoDataFrame({"name": ["国道"]}, geometry=[LineString([(121.1, 37.0), (121.1, 37.1)])], crs="EPSG:4326")
    lon = 121.1 + 0.0105  # ≈ 930 m east of the road at 37.05°N
    frame = gpd.GeoDataFrame({"id": ["M1"], "status": ["historic"], "restoration": ["untreated"]},
                             geometry=[Point(lon, 37.05)], crs="EPSG:4326")
    out = mines_in_view(frame, {"national_road": road})
    expected = geod.inv(121.1, 37.05, lon, 37.05)[2]
    assert 900 < expected < 1000
    assert out["distance_m"].iloc[0] == pytest.approx(expected, rel=1e-3)
    assert bool(out["in_range"].iloc[0])
    assert out.crs.is_projected


# --- mines_in_view and line_of_sight with a DEM --------------------------------------------------

K, R_EARTH = 0.13, 6_371_000.0
BASE = 50.0  # flat ground at 50 m
RIDGE = (480.0, 520.0)  # a north-south ridge 480–520 m east of the road (metres from X0)
CELL = 10.0
# the road runs north-south at X0; mine M0 lies 1000–1040 m east of it (behind the ridge), M1 300 m east
SIGHT_ROAD = gpd.GeoDataFrame({"id": ["G1"], "name": ["荣乌高速"]},
                              geometry=[LineString([(X0, Y0 - 1000), (X0, Y0 + 1000)])], crs=CRS)
SIGHT_MINES = gpd.GeoDataFrame(
    {"id": ["M0", "M1"], "status": ["historic", "historic"], "restoration": ["untreated", "restored"]},
    geometry=[box(X0 + 1000, Y0 - 20, X0 + 1040, Y0 + 20), Point(X0 + 300, Y0)],
    crs=CRS,
)


def sight_threshold(length: float, band: tuple[float, float], observer_m: float = 1.7, target_m: float = 0.0) -> float:
    """The lowest ridge height (above sea level) that blocks the view, by hand.

    Target (the mine) at distance 0, observer (on the road) at ``length``; a point at distance d
    from the target is ``length - d`` from the observer. With curvature and refraction, the ground
    there drops by c·(length-d)² below the observer's horizontal, c = (1-k)/2R, and the target by
    c·length². The sight line runs straight from the target to the eye; the ridge blocks where
    ridge - c·(length-d)² rises above it.
    """
    c = (1 - K) / (2 * R_EARTH)
    eye = BASE + observer_m
    aim = BASE + target_m - c * length**2
    d = np.linspace(band[0], band[1], 401)
    sight = aim + (eye - aim) * d / length
    return float(np.min(sight + c * (length - d) ** 2))


def ridge_height(x_from_road: np.ndarray, height: float, band=RIDGE) -> np.ndarray:
    return np.where((x_from_road >= band[0]) & (x_from_road <= band[1]), height, BASE)


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


def write_dem(path, data: np.ndarray, transform, crs, nodata=None) -> str:
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=nodata) as ds:
        ds.write(data.astype("float32"), 1)
    return str(path)


def dem_4549(path, ridge: float | None, nodata=None) -> str:
    """10 m cells from X0-200 to X0+1300 (east), Y0-200 to Y0+200 (north), in EPSG:4549."""
    cols, rows = 150, 40
    x = X0 - 200 + CELL * (np.arange(cols) + 0.5) - X0  # cell centres, metres east of the road
    data = np.tile(ridge_height(x, ridge) if ridge is not None else np.full(cols, BASE), (rows, 1))
    if nodata is not None:
        data[:, (x >= RIDGE[0]) & (x <= RIDGE[1])] = nodata
    return write_dem(path, data, from_origin(X0 - 200, Y0 + 200, CELL, CELL), CRS, nodata)


def dem_other_crs(path, crs: str, ridge: float, res: float) -> str:
    """The same terrain on a grid in another CRS: each cell's height from its centre's EPSG:4549 position."""
    to_other = Transformer.from_crs(CRS, crs, always_xy=True)
    xs, ys = to_other.transform([X0 - 200, X0 + 1300, X0 - 200, X0 + 1300], [Y0 - 200, Y0 - 200, Y0 + 200, Y0 + 200])
    left, right, bottom, top = min(xs) - 2 * res, max(xs) + 2 * res, min(ys) - 2 * res, max(ys) + 2 * res
    cols, rows = int(math.ceil((right - left) / res)), int(math.ceil((top - bottom) / res))
    cx, cy = np.meshgrid(left + res * (np.arange(cols) + 0.5), top - res * (np.arange(rows) + 0.5))
    back = Transformer.from_crs(crs, CRS, always_xy=True)
    x4549, _ = back.transform(cx.ravel(), cy.ravel())
    data = ridge_height(np.asarray(x4549) - X0, ridge).reshape(rows, cols)
    return write_dem(path, data, from_origin(left, top, res, res), crs)


def test_sight_threshold_by_hand_is_about_the_straight_line():
    # without the Earth's curvature the sight line 480 m from the mine would stand 1.7 × 0.48 m above the ground
    t = sight_threshold(1000.0, RIDGE)
    assert t - BASE == pytest.approx(1.7 * 0.48, abs=0.06)


def test_flat_dem_keeps_the_mines_in_view(tmp_path):
    out = mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500, dem=dem_4549(tmp_path / "flat.tif", None))
    assert out["line_of_sight"].tolist() == [True, True]
    assert out["in_view"].tolist() == [True, True]


@pytest.mark.parametrize("margin, seen", [(0.3, False), (-0.3, True)])
def test_a_ridge_above_the_sight_line_blocks_the_view(tmp_path, margin, seen):
    height = sight_threshold(1000.0, RIDGE) + margin
    out = mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500, dem=dem_4549(tmp_path / "ridge.tif", height))
    assert out["in_range"].tolist() == [True, True]
    assert out["line_of_sight"].tolist() == [seen, True]  # M1 is in front of the ridge
    assert out["in_view"].tolist() == [seen, True]
    assert not [n for n in out.attrs["notes"] if "reprojected" in n]  # same CRS: nothing reprojected
    assert [n for n in out.attrs["notes"] if n.startswith("line of sight on ridge.tif")]  # the method, in the notes


def test_nodata_never_blocks(tmp_path):
    out = mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500,
                        dem=dem_4549(tmp_path / "holes.tif", None, nodata=-9999.0))
    assert out["line_of_sight"].tolist() == [True, True]


def test_a_mine_off_the_dem_is_not_claimed_checked(tmp_path):
    """A mine (and every observer point near it) off the DEM: counted as seen by the rule that nodata never
    blocks, but never reported as a clear line of sight — line_of_sight missing, view_checked False."""
    off = gpd.GeoDataFrame({"id": ["M9"], "status": ["historic"], "restoration": ["untreated"]},
                           geometry=[box(X0 + 9000, Y0 + 9000, X0 + 9040, Y0 + 9040)], crs=CRS)
    road = gpd.GeoDataFrame({"id": ["G2"]}, geometry=[LineString([(X0 + 8500, Y0 + 8000), (X0 + 8500, Y0 + 10_000)])], crs=CRS)
    mines = gpd.GeoDataFrame(pd.concat([SIGHT_MINES, off], ignore_index=True), crs=CRS)
    roads = gpd.GeoDataFrame(pd.concat([SIGHT_ROAD, road], ignore_index=True), crs=CRS)
    out = mines_in_view(mines, {"expressway": roads}, distance_m=1500, dem=dem_4549(tmp_path / "flat.tif", None))
    assert out["in_view"].tolist() == [True, True, True]
    assert out["view_checked"].tolist() == [True, True, False]
    assert out["line_of_sight"].isna().tolist() == [False, False, True]
    assert any("no sight line on the DEM" in n for n in out.attrs["notes"])


def test_an_observer_spacing_finer_than_the_dem_can_say_is_refused(tmp_path):
    with pytest.raises(SchemaError, match="under a hundredth of the DEM's 10 m cells; fix: give at least 0.1 m"):
        mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500,
                      dem=dem_4549(tmp_path / "flat.tif", None), observer_spacing_m=1e-9)


@pytest.mark.parametrize("crs, res", [("EPSG:32651", 10.0), ("EPSG:4326", 0.0001)])
@pytest.mark.parametrize("margin, seen", [(0.3, False), (-0.3, True)])
def test_a_dem_in_another_crs_gives_the_same_answer(tmp_path, crs, res, margin, seen):
    # the ridge edge is jagged by a cell on the other grid: test against the band widened by 10 m
    height = sight_threshold(1000.0, (RIDGE[0] - 10, RIDGE[1] + 10)) + margin
    path = dem_other_crs(tmp_path / "other.tif", crs, height, res)
    out = mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500, dem=path)
    assert out["line_of_sight"].tolist() == [seen, True]
    assert out["in_view"].tolist() == [seen, True]
    notes = [n for n in out.attrs["notes"] if "reprojected" in n]
    assert len(notes) == 1 and "DEM" in notes[0]


def test_beyond_the_horizon_on_flat_ground(tmp_path):
    # horizon of an eye h above flat ground with refraction: sqrt(2 R h / (1 - k)) ≈ 4990 m for 1.7 m
    horizon = math.sqrt(2 * R_EARTH * 1.7 / (1 - K))
    assert 4900 < horizon < 5100
    data = np.full((4, 130), BASE)
    path = write_dem(tmp_path / "plain.tif", data, from_origin(X0 - 100, Y0 + 100, 50.0, 50.0), CRS)
    segments = [LineString([(X0 + d, Y0), (X0, Y0)]) for d in (4500.0, 5500.0)]
    assert line_of_sight(segments, path, CRS).tolist() == [True, False]
    # a 3 m eye sees to sqrt(2 R 3 / (1 - k)) ≈ 6.6 km
    assert line_of_sight(segments, path, CRS, observer_m=3.0).tolist() == [True, True]
    with rasterio.open(path) as ds:  # an open dataset works as well as a path
        assert line_of_sight(segments, ds, CRS).tolist() == [True, False]
    assert len(line_of_sight([], path, CRS)) == 0


def test_refraction_keyword_still_works_as_curvature_coeff(tmp_path):
    """line_of_sight(refraction=k) was the API before the GDAL-style coefficient: it means curvature_coeff = 1 - k."""
    data = np.full((4, 130), BASE)
    path = write_dem(tmp_path / "plain.tif", data, from_origin(X0 - 100, Y0 + 100, 50.0, 50.0), CRS)
    # between the horizons of a 1.7 m eye with k = 0.13 (≈ 4.99 km) and without refraction (≈ 4.66 km)
    segments = [LineString([(X0 + d, Y0), (X0, Y0)]) for d in (4500.0, 4800.0)]
    with pytest.warns(DeprecationWarning, match="curvature_coeff"):
        old = line_of_sight(segments, path, CRS, refraction=0.13)
    assert old.tolist() == line_of_sight(segments, path, CRS, curvature_coeff=0.87).tolist() == [True, True]
    assert line_of_sight(segments, path, CRS, curvature_coeff=1.0).tolist() == [True, False]


def test_a_dem_without_crs_or_file_is_an_error(tmp_path):
    data = np.full((40, 150), BASE)
    path = write_dem(tmp_path / "nocrs.tif", data, from_origin(X0 - 200, Y0 + 200, CELL, CELL), None)
    with pytest.raises(CRSError, match="no CRS"):
        mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500, dem=path)
    with pytest.raises(InputError, match="cannot open"):
        mines_in_view(SIGHT_MINES, {"expressway": SIGHT_ROAD}, distance_m=1500, dem=tmp_path / "missing.tif")


def test_the_old_distance_keyword_still_works_with_a_warning():
    frame = view_mines([box(X0 + 100, Y0 + 10, X0 + 200, Y0 + 50)])
    with pytest.warns(DeprecationWarning, match=r"mines_in_view\(distance=…\) is deprecated; use distance_m=…"):
        old = mines_in_view(frame, {"expressway": ROAD}, distance=1000)
    assert old["in_range"].tolist() == mines_in_view(frame, {"expressway": ROAD}, distance_m=1000)["in_range"].tolist()
    with pytest.raises(TypeError, match="both distance= and distance_m="):
        mines_in_view(frame, {"expressway": ROAD}, distance=1000, distance_m=1000)


def test_ellipsoidal_mine_areas_are_geodesic():
    # the restored share by area is the same either way; the areas are pyproj.Geod's on the ellipsoid
    from ecozone.measure.mines import mine_restoration

    to_lonlat = Transformer.from_crs(4549, 4490, always_xy=True)
    x, y = 620_000, 4_160_000
    shapes = [shapely.box(x, y, x + 300, y + 200), shapely.box(x + 1_000, y, x + 1_500, y + 400)]
    mines = gpd.GeoDataFrame({"id": ["m1", "m2"], "status": "historic", "restoration": ["restored", "untreated"]},
                             geometry=shapes, crs=4549)

    def geod_ha(g):
        g = shapely.transform(shapely.segmentize(g, 10), lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
        return abs(Geod(ellps="GRS80").geometry_area_perimeter(g)[0]) / 1e4

    table = mine_restoration(mines, area_method="ellipsoidal")
    assert table["area_ha"].iloc[0] == pytest.approx(geod_ha(shapes[0]) + geod_ha(shapes[1]), rel=1e-7)
    assert table["restored_ha"].iloc[0] == pytest.approx(geod_ha(shapes[0]), rel=1e-7)
    assert table.attrs["area_method"] == "ellipsoidal"
    planar = mine_restoration(mines)
    assert planar["area_ha"].iloc[0] == pytest.approx((60_000 + 200_000) / 1e4)
