"""Raster zonal statistics: every figure against an independent oracle.

Oracles: hand-computed answers on small synthetic rasters written here; a
brute-force shapely computation (each cell's box intersected with the zone);
exactextract (the same definitions, computed on the same files; its coverage
fractions are single precision, so agreement is ~1e-7 relative); rasterstats
(the cell-centre rule: a cell counts wholly when its centre is inside, else
not at all — so its counts differ from exact coverage only in the cells the
zone's boundary crosses, and by less than one per such cell); the closed-form
area of a latitude/longitude cell on the ellipsoid; and ``pyproj.Geod``.
"""

from __future__ import annotations

import json
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from pyproj import Geod
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from shapely.geometry import LineString, Polygon, box

from ecozone.cli import main
from ecozone.errors import CRSError, GeometryError, InputError, SchemaError
from ecozone.measure import zonal_blocks
from ecozone.measure.zonal import zonal

X0, Y0, CELL = 500_000.0, 4_150_000.0, 10.0  # EPSG:4549 near Yantai, 10 m cells
H, W = 20, 30
STATS = ["count", "mean", "min", "max", "sum"]


# ------------------------------------------------------------------ helpers


def from_origin(west: float, north: float, xres: float, yres: float) -> Affine:
    """rasterio's from_origin, without its PendingDeprecationWarning."""
    return Affine(xres, 0.0, west, 0.0, -yres, north)


def write_raster(path, array, *, transform=None, crs="EPSG:4549", nodata=None, mask=None):
    """A one-band GeoTIFF; ``mask`` (bool, True = valid) is written as an internal mask band."""
    transform = transform or from_origin(X0, Y0, CELL, CELL)
    profile = dict(driver="GTiff", width=array.shape[1], height=array.shape[0], count=1, dtype=array.dtype,
                   crs=crs, transform=transform, nodata=nodata)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
        if mask is not None:
            dst.write_mask(np.where(mask, 255, 0).astype("uint8"))
    return path


def values(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 100, (H, W)).astype("float32")


def cell_box(row: int, col: int, *, rows: int = 1, cols: int = 1):
    """The ground box of ``rows × cols`` cells from (row, col) of the test grid."""
    return box(X0 + col * CELL, Y0 - (row + rows) * CELL, X0 + (col + cols) * CELL, Y0 - row * CELL)


def zones_of(*geoms, crs="EPSG:4549", **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns or {"name": [f"z{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs=crs)


def brute_fractions(zone, transform, shape) -> np.ndarray:
    """Fraction of each cell inside ``zone``: its box intersected with the zone, by shapely."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    x0, y0 = transform.c + transform.a * cols, transform.f + transform.e * rows
    x1, y1 = x0 + transform.a, y0 + transform.e
    boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
    return shapely.area(shapely.intersection(boxes, zone)) / shapely.area(boxes)


def brute_stats(zone, array, valid=None, transform=None) -> dict:
    f = brute_fractions(zone, transform or from_origin(X0, Y0, CELL, CELL), array.shape)
    f = np.where(valid if valid is not None else True, f, 0.0)
    v = array.astype(float)
    hit = f > 1e-12
    return {
        "count": f.sum(),
        "sum": (v * f).sum(),
        "mean": (v * f).sum() / f.sum() if f.sum() > 0 else np.nan,
        "min": v[hit].min() if hit.any() else np.nan,
        "max": v[hit].max() if hit.any() else np.nan,
    }


def boundary_cells(zone, transform, shape) -> int:
    """Cells whose box the zone's boundary crosses: the only cells where the centre rule can err."""
    f = brute_fractions(zone, transform, shape)
    return int(((f > 0) & (f < 1)).sum())


def exact_extract_table(raster, zones, ops=STATS):
    ee = pytest.importorskip("exactextract")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ee.exact_extract(str(raster), zones, ops, output="pandas")


def rasterstats_table(raster, zones, **kw):
    rs = pytest.importorskip("rasterstats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rs.zonal_stats(zones, str(raster), **kw)


def assert_matches_exactextract(table, raster, zones, rel=1e-6):
    ee = exact_extract_table(raster, zones)
    for stat in STATS:
        ours = table[stat].to_numpy(float)
        theirs = ee[stat].to_numpy(float)
        np.testing.assert_allclose(ours, theirs, rtol=rel, atol=1e-9, equal_nan=True, err_msg=stat)


def one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


# ------------------------------------------------------------------ continuous


def test_cell_aligned_square_equals_direct_sum_exactextract_and_rasterstats(tmp_path):
    arr = values()
    raster = write_raster(tmp_path / "v.tif", arr)
    zones = zones_of(cell_box(2, 3, rows=4, cols=5))
    table = zonal(raster, zones)
    block = arr[2:6, 3:8].astype(float)
    row = table.iloc[0]
    assert row["count"] == pytest.approx(20, abs=1e-9)
    assert row["mean"] == pytest.approx(block.mean(), rel=1e-12)
    assert (row["min"], row["max"]) == (block.min(), block.max())
    assert row["sum"] == pytest.approx(block.sum(), rel=1e-12)
    assert row["zone_area_ha"] == pytest.approx(20 * CELL * CELL / 10_000)
    assert (row["nodata_ha"], row["nodata_share"]) == (0.0, 0.0)
    assert table.columns.tolist() == ["zone", "zone_area_ha", "nodata_ha", "nodata_share", *STATS]
    assert table.attrs["notes"] == []
    assert_matches_exactextract(table, raster, zones)
    # every cell is wholly in or out: the cell-centre rule counts the same cells
    rs = rasterstats_table(raster, zones, stats="count mean min max sum")[0]
    assert rs["count"] == 20
    assert rs["mean"] == pytest.approx(row["mean"], rel=1e-6) and rs["sum"] == pytest.approx(row["sum"], rel=1e-6)


def test_zone_smaller_than_a_cell_gets_a_fractional_count(tmp_path):
    arr = values()
    raster = write_raster(tmp_path / "v.tif", arr)
    # 2 m × 3 m in the corner of cell (7, 11), away from its centre
    x, y = X0 + 11 * CELL + 1, Y0 - 8 * CELL + 1
    zones = zones_of(box(x, y, x + 2, y + 3))
    row = zonal(raster, zones).iloc[0]
    assert row["count"] == pytest.approx(6 / (CELL * CELL), rel=1e-12)
    assert row["mean"] == pytest.approx(float(arr[7, 11]), rel=1e-12)
    assert row["min"] == row["max"] == float(arr[7, 11])
    assert row["sum"] == pytest.approx(0.06 * float(arr[7, 11]), rel=1e-12)
    assert row["zone_area_ha"] == pytest.approx(6e-4)
    assert_matches_exactextract(zonal(raster, zones), raster, zones)
    # the cell-centre rule misses the zone altogether
    assert rasterstats_table(raster, zones, stats="count")[0]["count"] == 0


def test_half_cell_offset_zone_weights_edge_cells_by_half(tmp_path):
    arr = values(1)
    raster = write_raster(tmp_path / "v.tif", arr)
    # 3 × 3 cells of area, shifted half a cell right and down: 4 × 4 cells touched
    zone = shapely.affinity.translate(cell_box(4, 6, rows=3, cols=3), CELL / 2, -CELL / 2)
    table = zonal(raster, zones_of(zone))
    w = np.outer([0.5, 1, 1, 0.5], [0.5, 1, 1, 0.5])  # by hand: halves on the edges, quarters in the corners
    block = arr[4:8, 6:10].astype(float)
    row = table.iloc[0]
    assert row["count"] == pytest.approx(9, abs=1e-12)
    assert row["sum"] == pytest.approx((w * block).sum(), rel=1e-12)
    assert row["mean"] == pytest.approx((w * block).sum() / 9, rel=1e-12)
    assert (row["min"], row["max"]) == (block.min(), block.max())
    assert_matches_exactextract(table, raster, zones_of(zone))


def test_thin_zone_is_measured_not_missed(tmp_path):
    arr = values(2)
    raster = write_raster(tmp_path / "v.tif", arr)
    # a 0.5 m wide diagonal strip across 25 cells, between the cell centres
    a, b = (X0 + 3, Y0 - 3), (X0 + 251, Y0 - 187)
    zone = LineString([a, b]).buffer(0.25, cap_style="flat")
    zones = zones_of(zone)
    table = zonal(raster, zones)
    expected = brute_stats(zone, arr)
    row = table.iloc[0]
    assert row["count"] == pytest.approx(zone.area / (CELL * CELL), rel=1e-9)
    for stat in STATS:
        assert row[stat] == pytest.approx(expected[stat], rel=1e-9), stat
    assert_matches_exactextract(table, raster, zones)
    # the centre rule sees at most the cells whose centre the strip happens to cover
    rs = rasterstats_table(raster, zones, stats="count")[0]["count"]
    assert abs(rs - row["count"]) <= boundary_cells(zone, from_origin(X0, Y0, CELL, CELL), arr.shape)


def test_fractions_equal_shapely_cell_by_cell_on_awkward_polygons(tmp_path):
    """A raster whose every cell is its own class: a class's count is that cell's coverage fraction."""
    ids = np.arange(H * W, dtype="int32").reshape(H, W)
    raster = write_raster(tmp_path / "ids.tif", ids)
    rng = np.random.default_rng(7)
    centre = (X0 + 150, Y0 - 100)
    ring = shapely.Point(centre).buffer(80, quad_segs=3)
    geoms = [
        ring.difference(shapely.Point(centre).buffer(23.7)),  # a hole
        shapely.reverse(ring),  # clockwise exterior
        shapely.MultiPolygon([cell_box(1, 1, rows=2, cols=2), box(X0 + 203.3, Y0 - 151.1, X0 + 287.9, Y0 - 111.4)]),
        Polygon([(X0 + 5, Y0 - 5), (X0 + 295, Y0 - 7), (X0 + 5, Y0 - 9)]),  # a sliver across the raster
        Polygon(rng.uniform((X0 + 10, Y0 - 190), (X0 + 290, Y0 - 10), (7, 2))).convex_hull,
        box(X0 + 100, Y0 - 100, X0 + 100.5, Y0 - 20),  # on grid lines and half a metre wide
    ]
    zones = zones_of(*geoms)
    table = zonal(raster, zones, categorical=True)
    t = from_origin(X0, Y0, CELL, CELL)
    for i, geom in enumerate(geoms):
        expected = brute_fractions(geom, t, (H, W)).ravel()
        rows = table[table["zone"] == f"z{i}"]
        got = np.zeros(H * W)
        got[rows["class"].to_numpy(int)] = rows["count"].to_numpy()
        np.testing.assert_allclose(got, expected, atol=1e-9, err_msg=f"zone {i}")
        assert rows["area_ha"].sum() == pytest.approx(geom.area / 10_000, rel=1e-9)


def test_random_zones_agree_with_exactextract_and_rasterstats_within_boundary_cells(tmp_path):
    """rasterstats counts a cell wholly when its centre is inside (else not at all).

    Cells wholly inside or outside a zone count the same either way; only the
    cells its boundary crosses differ, each by less than one.  So the counts
    differ by at most the number of boundary cells, and sums by at most the
    sum of |value| over them.
    """
    arr = values(3)
    raster = write_raster(tmp_path / "v.tif", arr)
    rng = np.random.default_rng(11)
    geoms = [  # inside the raster (rasterstats counts cells beyond its edge when no nodata is set)
        shapely.Point(rng.uniform(X0 + 70, X0 + 230), rng.uniform(Y0 - 130, Y0 - 70)).buffer(rng.uniform(3, 60), quad_segs=4)
        for _ in range(25)
    ]
    zones = zones_of(*geoms)
    table = zonal(raster, zones)
    assert_matches_exactextract(table, raster, zones)
    t = from_origin(X0, Y0, CELL, CELL)
    rs = rasterstats_table(raster, zones, stats="count sum")
    differ = 0
    for geom, ours, theirs in zip(geoms, table.itertuples(), rs):
        f = brute_fractions(geom, t, arr.shape)
        edge = (f > 0) & (f < 1)
        assert abs(theirs["count"] - ours.count) <= edge.sum()
        assert abs((theirs["sum"] or 0.0) - ours.sum) <= np.abs(arr[edge]).sum() + 1e-6
        differ += theirs["count"] != pytest.approx(ours.count)
    assert differ > 0  # the rules do differ on round zones


def test_zone_outside_the_raster_gets_count_0_and_a_note(tmp_path):
    arr = values()
    raster = write_raster(tmp_path / "v.tif", arr)
    outside = box(X0 - 500, Y0 + 100, X0 - 400, Y0 + 200)
    half_out = cell_box(0, 28, rows=2, cols=4)  # two of its four columns lie east of the raster
    table = zonal(raster, zones_of(outside, half_out))
    out, half = table.iloc[0], table.iloc[1]
    assert out["count"] == 0 and out["sum"] == 0
    assert np.isnan(out["mean"]) and np.isnan(out["min"]) and np.isnan(out["max"])
    assert out["zone_area_ha"] == pytest.approx(1.0) and out["nodata_share"] == 1.0
    assert half["count"] == pytest.approx(4) and half["nodata_ha"] == pytest.approx(0.04) and half["nodata_share"] == pytest.approx(0.5)
    assert half["mean"] == pytest.approx(float(arr[0:2, 28:30].astype(float).mean()), rel=1e-12)
    notes = " ".join(table.attrs["notes"])
    assert "1 zone(s) wholly outside the raster" in notes and "1 zone(s) partly outside the raster" in notes
    assert_matches_exactextract(table, raster, zones_of(outside, half_out))


def test_nodata_value_nan_and_mask_band_are_no_data_and_reported(tmp_path):
    arr = values(4)
    arr[0:10, 0:10] = -9999
    raster = write_raster(tmp_path / "nodata.tif", arr, nodata=-9999)
    all_nodata = cell_box(2, 2, rows=5, cols=5)
    half = cell_box(0, 5, rows=4, cols=10)  # 5 columns nodata, 5 valid
    table = zonal(raster, zones_of(all_nodata, half))
    a, h = table.iloc[0], table.iloc[1]
    assert a["count"] == 0 and np.isnan(a["mean"]) and a["nodata_share"] == 1.0
    assert a["nodata_ha"] == pytest.approx(a["zone_area_ha"]) == pytest.approx(0.25)
    assert h["nodata_share"] == pytest.approx(0.5) and h["count"] == pytest.approx(20)
    assert h["mean"] == pytest.approx(float(arr[0:4, 10:15].astype(float).mean()), rel=1e-12)
    assert h["min"] > -9999
    assert "1 zone(s) with no valid cell" in " ".join(table.attrs["notes"])
    assert_matches_exactextract(table, raster, zones_of(all_nodata, half))

    # NaN without a nodata value, and an internal mask band
    arr = values(5)
    nan_arr = arr.copy()
    nan_arr[:, :15] = np.nan
    zone = cell_box(3, 10, rows=6, cols=10)
    valid = np.ones((H, W), bool)
    valid[:, :15] = False
    for path, data, mask in ((tmp_path / "nan.tif", nan_arr, None), (tmp_path / "mask.tif", arr, valid)):
        raster = write_raster(path, data, mask=mask)
        row = zonal(raster, zones_of(zone)).iloc[0]
        expected = brute_stats(zone, arr, valid)
        assert row["nodata_share"] == pytest.approx(0.5), path.name
        for stat in STATS:
            assert row[stat] == pytest.approx(expected[stat], rel=1e-12), (path.name, stat)


def test_large_zone_is_read_in_strips_with_the_same_result(tmp_path, monkeypatch):
    arr = values(6)
    raster = write_raster(tmp_path / "v.tif", arr)
    ring = shapely.Point(X0 + 150, Y0 - 100).buffer(93).difference(shapely.Point(X0 + 140, Y0 - 90).buffer(31))
    geoms = [ring, cell_box(1, 1), box(X0 + 33, Y0 - 177, X0 + 41, Y0 - 12)]
    zones = zones_of(*geoms)
    whole = zonal(raster, zones)
    monkeypatch.setattr(zonal_blocks, "BLOCK_CELLS", 17)  # a block of at most 17 cells: strips of rows
    strips = zonal(raster, zones)
    pd.testing.assert_frame_equal(whole, strips, rtol=1e-12)
    for geom, row in zip(geoms, strips.itertuples()):
        expected = brute_stats(geom, arr)
        for stat in STATS:
            assert getattr(row, stat) == pytest.approx(expected[stat], rel=1e-12), stat


# ------------------------------------------------------------------ categorical


def test_categorical_class_areas_and_shares_add_up(tmp_path):
    classes = np.full((H, W), 1, dtype="uint8")  # 1 farmland
    classes[:, 15:] = 2  # 2 forest (林地)
    classes[5:10, 10:20] = 3  # 3 water
    classes[15:, :5] = 255
    raster = write_raster(tmp_path / "landcover.tif", classes, nodata=255)
    zone = cell_box(0, 10, rows=10, cols=10)  # 5 rows × 10 cols water, 5 × 5 farmland, 5 × 5 forest
    shifted = shapely.affinity.translate(zone, 2.5, 0)  # a quarter cell east
    empty_zone = cell_box(16, 0, rows=3, cols=3)  # nodata only
    zones = zones_of(zone, shifted, empty_zone, name=["甲", "乙", "丙"])
    table = zonal(raster, zones, categorical=True)
    assert table.columns.tolist() == ["zone", "class", "count", "area_ha", "share", "zone_area_ha", "nodata_ha", "nodata_share"]
    assert str(table["class"].dtype) == "Int64"
    jia = table[table["zone"] == "甲"].set_index("class")
    assert jia["area_ha"].to_dict() == pytest.approx({1: 0.25, 2: 0.25, 3: 0.5})
    assert jia["share"].to_dict() == pytest.approx({1: 0.25, 2: 0.25, 3: 0.5})
    assert jia["count"].to_dict() == pytest.approx({1: 25, 2: 25, 3: 50})
    # shifted a quarter cell east: 乙 covers columns 10.25 to 20.25
    # and loses a quarter column at the west edge: farmland and water 1.25 cells each (125 m²);
    # forest gains 1.25 cells over farmland's rows and 1.25 at column 20 over water's rows
    yi = table[table["zone"] == "乙"].set_index("class")
    assert yi["area_ha"].to_dict() == pytest.approx({1: 0.25 - 0.0125, 2: 0.25 + 0.025, 3: 0.5 - 0.0125})
    for name in ("甲", "乙"):
        assert table.loc[table["zone"] == name, "share"].sum() == pytest.approx(1.0, abs=1e-12)
    bing = table[table["zone"] == "丙"]
    assert len(bing) == 1 and pd.isna(bing["class"].iloc[0]) and bing["nodata_share"].iloc[0] == 1.0
    # exactextract: frac (share of covered cells) per unique value
    ee = exact_extract_table(raster, zones, ["unique", "frac"])
    for i, name in enumerate(("甲", "乙")):
        ours = table[table["zone"] == name].set_index("class")["share"]
        theirs = dict(zip(ee["unique"][i].tolist(), ee["frac"][i].tolist()))
        assert ours.to_dict() == pytest.approx(theirs, rel=1e-6)
    # rasterstats (cell centres): exact for the aligned zone
    assert rasterstats_table(raster, zones.iloc[:1], categorical=True)[0] == {1: 25, 2: 25, 3: 50}


# ------------------------------------------------------------------ CRSs and areas


def _ellipsoid_cell_area(lat1, lat2, dlon_deg, a=6378137.0, f=1 / 298.257222101):
    """Exact area of a latitude/longitude cell on the ellipsoid (authalic formula), m²."""
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    b2 = a * a * (1 - e2)

    def q(lat):
        s = math.sin(math.radians(lat))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return abs(math.radians(dlon_deg) * b2 / 2 * (q(lat2) - q(lat1)))


def test_geographic_raster_cells_are_geodesic_and_the_mean_area_weighted(tmp_path):
    res = 0.05
    t = from_origin(120.0, 39.0, res, res)
    lat_top = 39.0 - res * np.arange(60)
    arr = np.repeat(lat_top[:, None], 60, axis=1).astype("float32")  # value: the cell's top latitude
    raster = write_raster(tmp_path / "lonlat.tif", arr, transform=t, crs="EPSG:4490")
    zone = box(120.52, 36.33, 122.41, 38.71)  # 1.9° × 2.4°, not on grid lines
    zones = zones_of(zone, crs="EPSG:4490")
    table = zonal(raster, zones)
    covered = zonal(raster, zones, categorical=True)  # every cell the same class: its area is Σ fraction × cell area
    geod_m2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(shapely.segmentize(zone, 0.01))[0])
    assert table["zone_area_ha"].iloc[0] * 10_000 == pytest.approx(geod_m2, rel=1e-6)
    assert covered["area_ha"].sum() * 10_000 == pytest.approx(geod_m2, rel=1e-3)
    # each cell's area against the closed-form ellipsoidal area; coverage fractions by shapely
    frac = brute_fractions(zone, t, arr.shape)
    cell_m2 = np.array([_ellipsoid_cell_area(lat, lat - res, res) for lat in lat_top])[:, None]
    assert covered["area_ha"].sum() * 10_000 == pytest.approx((frac * cell_m2).sum(), rel=1e-6)
    weights = frac * cell_m2
    row = table.iloc[0]
    assert row["mean"] == pytest.approx((weights * arr).sum() / weights.sum(), rel=1e-9)
    assert row["count"] == pytest.approx(frac.sum(), rel=1e-9)
    assert "geodesic" in " ".join(table.attrs["notes"])
    # exactextract weights by fraction only: same count, its mean leans north (smaller cells count as much)
    ee = exact_extract_table(raster, zones)
    assert row["count"] == pytest.approx(ee["count"].iloc[0], rel=1e-6)
    assert ee["mean"].iloc[0] == pytest.approx((frac * arr).sum() / frac.sum(), rel=1e-6)
    assert ee["mean"].iloc[0] > row["mean"] + 1e-3


def test_web_mercator_raster_measures_geodesic_not_inflated_areas(tmp_path):
    t = from_origin(13_450_000.0, 4_530_000.0, 500.0, 500.0)  # EPSG:3857, 120.8–121.7°E, 36.9–37.7°N
    raster = write_raster(tmp_path / "merc.tif", np.ones((200, 200), "uint8"), transform=t, crs="EPSG:3857")
    zone = zones_of(box(121.0, 37.2, 121.4, 37.5), crs="EPSG:4326")  # lon/lat zone
    table = zonal(raster, zone, categorical=True)
    geod_m2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.segmentize(zone.geometry.iloc[0], 0.01))[0])
    assert table["zone_area_ha"].iloc[0] * 10_000 == pytest.approx(geod_m2, rel=1e-3)
    assert table["area_ha"].iloc[0] * 10_000 == pytest.approx(geod_m2, rel=1e-3)
    assert zone.to_crs(3857).area.iloc[0] / geod_m2 > 1.5  # what |a·e| per cell would have said
    notes = " ".join(table.attrs["notes"])
    assert "zones reprojected from EPSG:4326 to EPSG:3857" in notes and "Mercator" in notes


def test_zones_in_another_crs_are_reprojected_and_noted(tmp_path):
    arr = values(8)
    raster = write_raster(tmp_path / "v.tif", arr)
    zones = zones_of(shapely.Point(X0 + 130, Y0 - 90).buffer(55), cell_box(3, 3, rows=2, cols=2))
    lonlat = zones.to_crs(4326)
    table = zonal(raster, lonlat)
    assert table.attrs["notes"] == ["zones reprojected from EPSG:4326 to EPSG:4549 (the raster's CRS)"]
    pd.testing.assert_frame_equal(table, zonal(raster, lonlat.to_crs(4549)), rtol=1e-12)
    # the round trip through lon/lat moves vertices by far less than a millimetre
    pd.testing.assert_frame_equal(table, zonal(raster, zones), rtol=1e-6)


def test_projected_crs_in_feet_converts_cell_areas(tmp_path):
    t = from_origin(1_000_000.0, 500_000.0, 10.0, 10.0)
    raster = write_raster(tmp_path / "ft.tif", np.ones((10, 10), "uint8"), transform=t, crs="EPSG:2263")  # NY, US feet
    table = zonal(raster, zones_of(box(1_000_000, 499_950, 1_000_050, 500_000), crs="EPSG:2263"), categorical=True)
    ft = 0.3048006096012192  # US survey foot
    assert table["area_ha"].iloc[0] == pytest.approx(50 * 50 * ft * ft / 10_000, rel=1e-9)


# ------------------------------------------------------------------ zones, inputs


def test_zone_ids_are_values_never_positions(tmp_path):
    raster = write_raster(tmp_path / "v.tif", values())
    geoms = [cell_box(1, 1), cell_box(5, 5), cell_box(9, 9)]
    with_id = gpd.GeoDataFrame({"id": [30, 10, 20]}, geometry=geoms, crs=4549)
    assert zonal(raster, with_id)["zone"].tolist() == [30, 10, 20]  # exactextract's include_cols gave 0, 1, 2 here
    named = with_id.assign(name=["芝罘区", "莱山区", "福山区"])
    assert zonal(raster, named)["zone"].tolist() == ["芝罘区", "莱山区", "福山区"]
    assert zonal(raster, named, zone_field="id")["zone"].tolist() == [30, 10, 20]
    bare = gpd.GeoDataFrame(geometry=geoms, crs=4549, index=[7, 8, 9])
    assert zonal(raster, bare)["zone"].tolist() == [7, 8, 9]
    with pytest.raises(SchemaError) as err:
        zonal(raster, named, zone_field="code")
    assert "no field 'code'" in one_line(err) and "zone_field=" in str(err.value)


def test_open_dataset_and_repaired_or_empty_zones(tmp_path):
    arr = values(9)
    raster = write_raster(tmp_path / "v.tif", arr)
    bowtie = Polygon([(X0 + 10, Y0 - 10), (X0 + 60, Y0 - 60), (X0 + 60, Y0 - 10), (X0 + 10, Y0 - 60)])
    zones = zones_of(bowtie, Polygon(), cell_box(2, 2, rows=3, cols=3))
    with rasterio.open(raster) as ds:
        table = zonal(ds, zones)
        assert not ds.closed
        with WarpedVRT(ds, crs="EPSG:4326") as vrt:  # cannot be reopened by name: read as given
            warped = zonal(vrt, zones.iloc[2:])
            assert not vrt.closed
    # 3 × 3 cells on the central meridian, where Gauss-Krüger areas are true: the same area geodesically
    assert warped["zone_area_ha"].iloc[0] == pytest.approx(0.09, rel=1e-4)
    assert warped["count"].iloc[0] > 0 and "geodesic" in " ".join(warped.attrs["notes"])
    fixed = shapely.make_valid(bowtie)
    assert table["count"].iloc[0] == pytest.approx(fixed.area / 100, rel=1e-12)
    assert table["mean"].iloc[0] == pytest.approx(brute_stats(fixed, arr)["mean"], rel=1e-12)
    assert table["count"].iloc[1] == 0 and table["zone_area_ha"].iloc[1] == 0 and np.isnan(table["nodata_share"].iloc[1])
    notes = " ".join(table.attrs["notes"])
    assert "1 invalid zone polygon(s) repaired with make_valid" in notes and "1 zone(s) without geometry" in notes
    assert zonal(raster, zones.iloc[:0]).empty


def test_stats_choice_and_order(tmp_path):
    raster = write_raster(tmp_path / "v.tif", values())
    table = zonal(raster, zones_of(cell_box(1, 1, rows=2, cols=2)), stats="max, mean")
    assert table.columns.tolist() == ["zone", "zone_area_ha", "nodata_ha", "nodata_share", "max", "mean"]
    with pytest.raises(SchemaError) as err:
        zonal(raster, zones_of(cell_box(1, 1)), stats=["mean", "median"])
    assert "unknown statistic 'median'" in one_line(err)


def test_bad_inputs_raise_one_line_naming_file_and_fix(tmp_path):
    arr = values()
    good = write_raster(tmp_path / "good.tif", arr)
    zones = zones_of(cell_box(1, 1))
    no_crs = tmp_path / "no_crs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=W, height=H, count=1, dtype="float32",
                       transform=from_origin(X0, Y0, CELL, CELL)) as dst:
        dst.write(arr, 1)
    with pytest.raises(CRSError) as err:
        zonal(no_crs, zones)
    assert "no_crs.tif" in one_line(err) and "gdal_edit.py -a_srs EPSG:" in str(err.value)
    with pytest.raises(InputError) as err:
        zonal(tmp_path / "missing.tif", zones)
    assert isinstance(err.value, OSError) and "missing.tif: file not found; fix:" in one_line(err)
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(InputError) as err:
        zonal(text, zones)
    assert "notes.tif: cannot be read as a raster" in one_line(err)
    with pytest.raises(CRSError) as err:
        zonal(good, zones.set_crs(None, allow_override=True))
    assert "zones have no CRS" in one_line(err) and "declared_crs=" in str(err.value)
    with pytest.raises(SchemaError) as err:
        zonal(good, zones, band=2)
    assert "good.tif: no band 2 (the raster has 1)" in one_line(err) and "band=1" in str(err.value)
    lines = gpd.GeoDataFrame(geometry=[cell_box(1, 1), LineString([(X0, Y0 - 5), (X0 + 50, Y0 - 5)])], crs=4549)
    lines.attrs["source"] = "rivers.geojson"
    with pytest.raises(GeometryError) as err:
        zonal(good, lines)
    assert "rivers.geojson: feature 1: geometry type LineString" in one_line(err) and "fix:" in str(err.value)


# ------------------------------------------------------------------ CLI


def test_cli_writes_csv_and_json_and_notes(tmp_path):
    arr = values()
    raster = write_raster(tmp_path / "v.tif", arr)
    zones_path = tmp_path / "zones.geojson"
    zones_of(cell_box(2, 3, rows=4, cols=5), name=["芝罘区"]).to_crs(4326).to_file(zones_path)
    out = tmp_path / "z.csv"
    r = CliRunner().invoke(main, ["zonal", "--raster", str(raster), "--zones", str(zones_path), "--stats", "count,mean", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "zones reprojected from EPSG:4326 to EPSG:4549" in r.stderr
    csv = pd.read_csv(out, encoding="utf-8-sig")
    assert csv.columns.tolist() == ["zone", "zone_area_ha", "nodata_ha", "nodata_share", "count", "mean"]
    assert csv["zone"].iloc[0] == "芝罘区" and csv["count"].iloc[0] == pytest.approx(20, abs=1e-6)
    assert csv["mean"].iloc[0] == pytest.approx(float(arr[2:6, 3:8].astype(float).mean()), rel=1e-6)
    r = CliRunner().invoke(main, ["zonal", "--raster", str(raster), "--zones", str(zones_path), "-o", str(out)])
    assert r.exit_code == 2 and "exists already; fix:" in r.stderr and r.stderr.count("\n") == 1
    js = tmp_path / "z.json"
    r = CliRunner().invoke(main, ["-q", "zonal", "--raster", str(raster), "--zones", str(zones_path), "--categorical", "-o", str(js)])
    assert r.exit_code == 0 and r.stderr == ""
    doc = json.loads(js.read_text("utf-8"))
    assert doc["notes"][0].startswith("zones reprojected") and doc["rows"][0]["zone"] == "芝罘区"
    assert sum(r["share"] for r in doc["rows"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "missing.tif: file not found; fix:"),
        ("no_crs", "no_crs.tif: raster has no CRS; fix: assign one with gdal_edit.py -a_srs"),
        ("band", "no band 3"),
        ("stats", "unknown statistic 'median'"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, case, expected):
    raster = write_raster(tmp_path / "v.tif", values())
    if case == "no_crs":
        raster = tmp_path / "no_crs.tif"
        with rasterio.open(raster, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
                           transform=from_origin(X0, Y0, CELL, CELL)) as dst:
            dst.write(np.zeros((2, 2), "uint8"), 1)
    if case == "missing":
        raster = tmp_path / "missing.tif"
    zones_path = tmp_path / "zones.geojson"
    zones_of(cell_box(1, 1)).to_file(zones_path)
    args = ["zonal", "--raster", str(raster), "--zones", str(zones_path)]
    args += {"band": ["--band", "3"], "stats": ["--stats", "mean,median"]}.get(case, [])
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("ecozone: error: ") and expected in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output


# ------------------------------------------------------------------ rasterstats' own fixtures


@pytest.fixture
def rasterstats_data(shared_data):
    return shared_data / "oracles" / "rasterstats"


@pytest.mark.shared
@pytest.mark.parametrize("raster", ["slope.tif", "slope_nodata.tif", "all_nodata.tif"])
@pytest.mark.parametrize("layer", ["polygons.shp", "polygons_partial_overlap.shp", "polygons_no_overlap.shp"])
def test_rasterstats_fixtures_match_exactextract(rasterstats_data, raster, layer):
    zones = gpd.read_file(rasterstats_data / layer)
    table = zonal(rasterstats_data / raster, zones)
    assert_matches_exactextract(table, rasterstats_data / raster, zones)
    assert table["zone"].tolist() == zones["id"].tolist()
    assert ((table["nodata_share"] >= 0) & (table["nodata_share"] <= 1 + 1e-12)).all()
    if raster == "all_nodata.tif":
        assert (table["count"] == 0).all() and table["nodata_share"].to_numpy() == pytest.approx(1.0)


@pytest.mark.shared
@pytest.mark.parametrize("layer", ["polygons.shp", "polygons_partial_overlap.shp"])
def test_rasterstats_fixture_mask_band_is_no_data(rasterstats_data, layer):
    """dataset_mask.tif has no nodata value but a GDAL mask band; masked cells are no data.

    exactextract (0.3) reads the values only and counts the masked cells as
    zeros, so the oracle here is brute force: shapely fractions × the mask.
    """
    path = rasterstats_data / "dataset_mask.tif"
    zones = gpd.read_file(rasterstats_data / layer)
    table = zonal(path, zones)
    with rasterio.open(path) as ds:
        t, arr, valid = ds.transform, ds.read(1), ds.read_masks(1) > 0
    for geom, row in zip(zones.geometry, table.itertuples()):
        expected = brute_stats(geom, arr, valid, t)
        for stat in STATS:
            assert getattr(row, stat) == pytest.approx(expected[stat], rel=1e-9, nan_ok=True), stat
    if layer == "polygons_partial_overlap.shp":  # zones over masked cells
        assert (table["count"] < exact_extract_table(path, zones)["count"] - 1).any()


@pytest.mark.shared
def test_rasterstats_fixtures_centre_rule_differs_only_in_boundary_cells(rasterstats_data):
    """rasterstats' own slope.tif and polygons.shp: counts within the boundary cells of each zone."""
    zones = gpd.read_file(rasterstats_data / "polygons.shp")
    path = rasterstats_data / "slope.tif"
    table = zonal(path, zones)
    with rasterio.open(path) as ds:
        t, shape = ds.transform, ds.shape
    rs = rasterstats_table(path, zones, stats="count min max")
    for geom, ours, theirs in zip(zones.geometry, table.itertuples(), rs):
        assert abs(theirs["count"] - ours.count) <= boundary_cells(geom, t, shape)
        # centre cells are among the cells touched: their extremes lie within ours
        assert ours.min <= theirs["min"] and theirs["max"] <= ours.max
    assert table["count"].tolist() == pytest.approx([77.115268, 52.165882], rel=1e-6)  # exactextract's, above


@pytest.mark.shared
def test_rasterstats_fixtures_categorical(rasterstats_data):
    zones = gpd.read_file(rasterstats_data / "polygons.shp")
    path = rasterstats_data / "slope_classes.tif"
    table = zonal(path, zones, categorical=True)
    ee = exact_extract_table(path, zones, ["unique", "frac", "count"])
    with rasterio.open(path) as ds:
        t, shape, cell_m2 = ds.transform, ds.shape, abs(ds.transform.a * ds.transform.e)
    rs = rasterstats_table(path, zones, categorical=True)
    for i, geom in enumerate(zones.geometry):
        rows = table[table["zone"] == zones["id"].iloc[i]].set_index("class")
        assert rows["share"].sum() == pytest.approx(1.0, abs=1e-12)
        assert rows["share"].to_dict() == pytest.approx(dict(zip(ee["unique"][i].tolist(), ee["frac"][i].tolist())), rel=1e-6)
        assert rows["area_ha"].sum() == pytest.approx(ee["count"].iloc[i] * cell_m2 / 10_000, rel=1e-6)
        edge = boundary_cells(geom, t, shape)
        for cls, n in rs[i].items():
            assert abs(n - rows["count"].get(cls, 0.0)) <= edge
