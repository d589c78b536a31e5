"""Issue 16 §2: no silently wrong numbers from impossible coordinates, geometry or dates.

Bad layers are built here, in ``tmp_path``.  Oracles are independent of
ecozone: pyproj transforms (where the coordinates would really lie, and that
the suggested fix puts them in Yantai), shapely on hand-built shapes, and
hand-written calendar dates.
"""

from __future__ import annotations

import json
import textwrap
import warnings
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS, Transformer
from shapely.geometry import LineString, Point, Polygon, box

import ecozone
from ecozone.cli import main
from ecozone.dates import parse_date, parse_year, years_in
from ecozone.errors import CRSError, GeometryError, SchemaError
from ecozone.io import read_layer
from ecozone.measure.change import shoreline_change
from ecozone.measure.mines import mine_restoration
from ecozone.validate import validate_layer

#: Yantai, 烟台: where the right coordinates must land (lon/lat box).
YANTAI = (119.3, 36.2, 122.1, 38.5)
X0, Y0 = 500_000.0, 4_150_000.0  # EPSG:4549 (CGCS2000 GK CM 120°E): 120.0°E, 37.48°N


def one_line(msg: str, *parts: str) -> None:
    assert "\n" not in msg, msg
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


def in_yantai(bounds, crs) -> bool:
    """pyproj, not ecozone: do these bounds in ``crs`` lie in Yantai?"""
    t = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)
    w, s, e, n = t.transform_bounds(*bounds)
    return bool(np.isfinite([w, s, e, n]).all() and YANTAI[0] <= w <= e <= YANTAI[2] and YANTAI[1] <= s <= n <= YANTAI[3])


def parks(geoms, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"P{i}" for i in range(len(geoms))], "name": [f"公园{i}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs=crs)


def swap(geoms):
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: c[:, ::-1])


GOOD_M = [box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 20_000, Y0 + 5000, X0 + 21_000, Y0 + 6000)]  # metres, EPSG:4549
GOOD_DEG = [box(121.40, 37.50, 121.41, 37.51), box(121.2, 37.4, 121.25, 37.45)]  # lon/lat


# --------------------------------------------------------------------------- 1. coordinates vs their CRS

# (case, geometries, CRS the file says, words of the cause, CRS the fix names or None, how to make them right)
BAD = [
    ("swapped", swap(GOOD_M), 4549, "axes are swapped", None, "swap"),
    ("lonlat_as_gk", GOOD_DEG, 4549, "look like longitude/latitude", "EPSG:4490", None),
    ("latlon_as_gk", swap(GOOD_DEG), 4549, "latitude first", "EPSG:4490", "swap"),
    ("zone_prefix_unlabelled", [shapely.affinity.translate(g, 40_000_000) for g in GOOD_M], 4549,
     "zone number 40", "EPSG:4528", None),
    ("zone_prefix_missing", GOOD_M, 4528, "no zone number", "EPSG:4549", None),
    ("metres_as_lonlat", GOOD_M, 4326, "look projected", "EPSG:4549", None),
    ("latlon_as_lonlat", swap(GOOD_DEG), 4326, "(latitude, longitude)", None, "swap"),
    ("far_east_of_zone", [shapely.affinity.translate(g, 2_500_000) for g in GOOD_M], 4549, "far outside the area of use",
     None, None),
]


@pytest.mark.parametrize("case, geoms, crs, cause, fix_crs, repair", BAD, ids=[b[0] for b in BAD])
def test_coordinates_that_cannot_be_right_are_refused_with_cause_and_fix(tmp_path, case, geoms, crs, cause, fix_crs, repair):
    gdf = parks(geoms, crs)
    # the oracle: pyproj puts these coordinates, read in this CRS, outside Yantai (or cannot place them at all)
    assert not in_yantai(gdf.total_bounds, crs)
    path = tmp_path / f"{case}.gpkg"
    gdf.to_file(path)
    with pytest.raises(CRSError) as err:
        read_layer(path)
    one_line(str(err.value), f"{case}.gpkg: ", cause, "; fix: ")
    if fix_crs is not None:
        assert f"--input-crs {fix_crs}" in str(err.value)
        if repair == "swap":
            return
        # the fix is right: declared so, pyproj puts the coordinates in Yantai and ecozone reads them
        assert in_yantai(gdf.total_bounds, fix_crs)
        assert len(read_layer(path, declared_crs=fix_crs)) == 2
    elif repair == "swap":
        assert "swap the X and Y" in str(err.value)
        assert in_yantai(gdf.set_geometry(swap(gdf.geometry.values)).total_bounds, crs)
    else:
        assert "declare the CRS the coordinates are really in" in str(err.value)


def test_geojson_lonlat_labelled_as_gauss_krueger_is_refused(tmp_path):
    path = tmp_path / "parks.geojson"
    parks(GOOD_DEG, 4549).to_file(path)  # GDAL writes the "crs" member
    assert pyogrio.read_info(path)["crs"] == "EPSG:4549"
    with pytest.raises(CRSError, match=r"parks\.geojson: coordinates \(121\.2 … 121\.41, 37\.4 … 37\.51\) look like "
                                       r"longitude/latitude in degrees.*; fix: declare the real CRS \(--input-crs EPSG:4490"):
        read_layer(path)


def test_one_bad_vertex_among_good_ones_is_caught_by_the_bounds(tmp_path):
    geoms = GOOD_M + [Point(Y0 + 10, X0 + 10)]  # one point typed northing first
    path = tmp_path / "mixed.gpkg"
    parks(geoms, 4549).to_file(path)
    with pytest.raises(CRSError, match=r"mixed\.gpkg: coordinates .* far outside the area of use of EPSG:4549"):
        read_layer(path)


def lonlat_to_4549(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs(4326, 4549, always_xy=True).transform(lon, lat)


@pytest.mark.parametrize("lon, ok", [(121.93, True), (123.0, True), (124.3, True), (124.7, False), (126.0, False),
                                     (115.7, True), (115.3, False)])
def test_margin_past_the_area_of_use_is_one_zone_width(tmp_path, lon, ok):
    """EPSG:4549's area of use is 118.5–121.5°E: data a zone's width (3°) past it is accepted, beyond it refused."""
    x, y = lonlat_to_4549(lon, 37.5)  # pyproj places the point
    path = tmp_path / "p.gpkg"
    parks([Point(x, y)], 4549).to_file(path)
    if ok:
        assert len(read_layer(path)) == 1
    else:
        with pytest.raises(CRSError, match=r"p\.gpkg: .*far outside the area of use of EPSG:4549 .*118\.5°E … 121\.5°E"):
            read_layer(path)


def test_demo_data_past_121_5E_and_its_exports_still_load(demo_atlas, tmp_path):
    # the demo reaches 121.95°E, past EPSG:4549's 121.5°E (pyproj says so, not ecozone)
    east = Transformer.from_crs(4549, 4326, always_xy=True).transform_bounds(*demo_atlas["coastline"].total_bounds)[2]
    assert 121.9 < east < 122.0 and demo_atlas.crs.to_epsg() == 4549
    layers = ["districts", "coastline", "mines"]  # the layers reaching furthest east
    gk, cgcs = tmp_path / "gk.gpkg", tmp_path / "cgcs.gpkg"
    ecozone.export(demo_atlas, cgcs, layers=layers)  # EPSG:4490, the default
    ecozone.export(demo_atlas, gk, layers=layers, crs="measurement")  # EPSG:4549
    for path, epsg in ((cgcs, 4490), (gk, 4549)):
        frames = {}
        for name in layers:
            frame = read_layer(path, layer=name)
            assert frame.crs.to_epsg() == epsg and len(frame) == len(demo_atlas[name])
            frames[name] = (frame, demo_atlas.layers[name].kind)
        assert ecozone.Atlas.from_frames(frames).crs.to_epsg() == 4549


def test_atlas_with_one_swapped_layer_is_refused_not_moved_15_degrees_east(demo_atlas, tmp_path):
    frames = {name: (layer.frame, layer.kind) for name, layer in demo_atlas.layers.items()}
    swapped = gpd.GeoDataFrame(demo_atlas["restoration"].drop(columns="geometry"),
                               geometry=swap(demo_atlas["restoration"].geometry.values), crs=demo_atlas.crs)
    swapped.attrs = {}  # made in memory: named by its layer (a frame read from a file is named by the file)
    # what used to happen: the swapped layer's "longitudes" (pyproj) drag the centre ≈ 15° east, to another zone
    lon = Transformer.from_crs(4549, 4326, always_xy=True).transform_bounds(*swapped.total_bounds)
    assert lon[2] > 135
    frames["restoration"] = (swapped, "restoration")
    with pytest.raises(CRSError) as err:
        ecozone.Atlas.from_frames(frames)
    one_line(str(err.value), "<restoration>: layer: ", "axes are swapped for EPSG:4549", "fix: swap the X and Y")
    # read from a file, it names the file: read alone, in from_frames, in a manifest
    path = tmp_path / "restoration_swapped.gpkg"
    swapped.to_file(path)
    with pytest.raises(CRSError, match=r"restoration_swapped\.gpkg: .*axes are swapped"):
        read_layer(path)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(textwrap.dedent(f"""\
        name = "t"
        [layers.districts]
        file = "{demo_atlas.layers['districts'].path}"
        kind = "district"
        [layers.restoration]
        file = "restoration_swapped.gpkg"
        kind = "restoration"
        """), encoding="utf-8")
    with pytest.raises(CRSError, match=r"restoration_swapped\.gpkg: .*axes are swapped"):
        ecozone.Atlas.from_manifest(manifest)


# --------------------------------------------------------------------------- rasters


def write_raster(path, crs, transform, size=10):
    import rasterio

    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="uint8", crs=crs,
                       transform=transform) as dst:
        dst.write(np.ones((1, size, size), "uint8"))
    return path


def test_raster_whose_transform_does_not_fit_its_crs_is_refused(tmp_path):
    from rasterio.transform import Affine

    from ecozone.measure.zonal import zonal

    metres = write_raster(tmp_path / "metres.tif", "EPSG:4326", Affine(10.0, 0, X0, 0, -10.0, Y0))
    degrees = write_raster(tmp_path / "degrees.tif", "EPSG:4549", Affine(0.001, 0, 121.4, 0, -0.001, 37.5))
    good = write_raster(tmp_path / "good.tif", "EPSG:4549", Affine(10.0, 0, X0, 0, -10.0, Y0))
    zones = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(X0, Y0 - 50, X0 + 50, Y0)], crs=4549)
    assert zonal(good, zones)["count"].iloc[0] > 0  # a raster that fits is measured
    for path, words, code in ((metres, "look projected", "EPSG:4549"), (degrees, "look like longitude/latitude", "EPSG:4490")):
        with pytest.raises(CRSError) as err:
            zonal(path, zones)
        one_line(str(err.value), f"{path}: ", words, f"fix: assign {code} (gdal_edit.py -a_srs {code} {path.name})")
        manifest = tmp_path / f"{path.stem}.toml"
        manifest.write_text(textwrap.dedent(f"""\
            name = "t"
            [layers.zones]
            file = "zones.gpkg"
            kind = "district"
            [rasters.land]
            file = "{path.name}"
            kind = "continuous"
            """), encoding="utf-8")
        zones.to_file(tmp_path / "zones.gpkg")
        with pytest.raises(CRSError, match=rf"{path.name}: .*{words}.*gdal_edit\.py -a_srs {code}"):
            ecozone.Atlas.from_manifest(manifest)


# --------------------------------------------------------------------------- 2. NaN / Inf coordinates


def lines_with(*coords) -> list[LineString]:
    with np.errstate(invalid="ignore"):  # shapely warns of the NaN it is asked to build
        return [LineString(c) for c in coords]


def test_nan_and_inf_coordinates_are_refused_naming_the_feature(tmp_path):
    rivers = gpd.GeoDataFrame(
        {"id": ["R1", "R2", "R3"], "name": ["大沽夹河", "五龙河", "黄水河"], "level": ["trunk"] * 3},
        geometry=lines_with([(121.0, 37.4), (121.1, 37.5)], [(121.0, 37.0), (np.nan, 37.1), (121.2, 37.2)],
                            [(120.5, 37.5), (np.inf, 37.6)]),
        crs=4326,
    )
    path = tmp_path / "rivers.gpkg"
    rivers.to_file(path)
    with np.errstate(invalid="ignore"):
        back = pyogrio.read_dataframe(path)  # GDAL keeps the NaN and the Inf
    assert not np.isfinite(shapely.get_coordinates(back.geometry.values)).all()
    with pytest.raises(GeometryError) as err, warnings.catch_warnings():
        warnings.simplefilter("error")  # no Python warning before the one-line error
        read_layer(path)
    one_line(str(err.value), "rivers.gpkg: feature 1 (id=R2, name=五龙河), feature 2 (id=R3, name=黄水河): ",
             "NaN or infinite coordinates (2 features)", "; fix: redraw or delete")
    # in memory, through validation (an atlas): the same refusal
    with pytest.raises(GeometryError, match=r"<rivers>: feature 1 \(id=R2, name=五龙河\), feature 2 .*NaN or infinite"):
        ecozone.Atlas.from_frames({"rivers": (rivers, "river")})
    _, report = validate_layer(rivers, "river", source="rivers")
    assert [i.rule for i in report.errors] == ["nonfinite_coordinates"] and report.errors[0].count == 2


def test_standalone_command_refuses_nan_coastline_in_one_line(tmp_path):
    coast = gpd.GeoDataFrame({"id": ["C1", "C2"], "class": ["sandy", "artificial"]},
                             geometry=lines_with([(121.0, 37.5), (121.1, 37.5)], [(121.1, 37.5), (np.nan, 37.6)]), crs=4326)
    path = tmp_path / "coast.gpkg"
    coast.to_file(path)
    r = CliRunner().invoke(main, ["coastline", "--coastline", str(path)])
    assert r.exit_code == 2, r.output
    assert "nan km" not in r.output.lower()
    assert r.stderr.count("\n") == 1 and "coast.gpkg: feature 1 (id=C2): NaN or infinite coordinates" in r.stderr


# --------------------------------------------------------------------------- 3. Z / M


def test_z_and_m_are_dropped_and_said_so(tmp_path):
    # a 3D GeoJSON file (GeoJSON has Z; GDAL writes it as given)
    ring3d = [(X0, Y0, 12.0), (X0 + 300, Y0, 55.0), (X0 + 300, Y0 + 200, 80.0), (X0, Y0 + 200, 30.0), (X0, Y0, 12.0)]
    path = tmp_path / "red3d.geojson"
    gpd.GeoDataFrame({"type": ["水源涵养"]}, geometry=[Polygon(ring3d)], crs=4549).to_file(path)
    assert pyogrio.read_info(path)["geometry_type"] == "Polygon Z"
    gdf = read_layer(path)
    assert not gdf.has_z.any()
    assert gdf.geometry.iloc[0].area == pytest.approx(300 * 200)  # the planar area of the hand-drawn rectangle
    atlas = ecozone.Atlas.from_frames({"red": (gdf, "redline")})
    assert any("Z coordinates of 1 feature(s) dropped" in n for n in atlas.report.layers[0].notes)
    # measured (M) and ZM geometries built in memory
    zm = shapely.from_wkt(f"POLYGON ZM (({X0} {Y0} 5 1, {X0 + 100} {Y0} 5 2, {X0 + 100} {Y0 + 100} 5 3, {X0} {Y0} 5 4))")
    m = shapely.from_wkt(f"POINT M ({X0 + 500} {Y0 + 500} 7)")
    mines = gpd.GeoDataFrame({"id": ["M1", "M2"], "status": ["historic"] * 2, "restoration": ["restored", "untreated"]},
                             geometry=[zm, m], crs=4549)
    atlas = ecozone.Atlas.from_frames({"mines": (mines, "mine")})
    frame = atlas["mines"]
    assert not shapely.has_z(frame.geometry.values).any() and not shapely.has_m(frame.geometry.values).any()
    assert frame.geometry.iloc[0].area == pytest.approx(100 * 100 / 2)
    assert "Z/M coordinates of 2 feature(s) dropped" in atlas.report.to_dict()["layers"][0]["notes"][0]


# --------------------------------------------------------------------------- 4. repairs and drops are reported


def degenerate_mines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["M1", "M2", "M3", "M4"], "name": ["甲矿", "乙矿", "丙矿", "丁矿"], "status": ["historic"] * 4,
         "restoration": ["restored", "untreated", "restored", "restored"]},
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),  # 1 ha, restored
            box(X0 + 1000, Y0, X0 + 1200, Y0 + 100),  # 2 ha, untreated
            Polygon([(X0 + 2000, Y0)] * 4),  # a ring of identical points
            Polygon([(X0 + 3000, Y0), (X0 + 3100, Y0), (X0 + 3200, Y0), (X0 + 3000, Y0)]),  # zero area
        ],
        crs=4549,
    )


def test_degenerate_mine_rings_are_named_and_the_rate_counts_what_remains():
    atlas = ecozone.Atlas.from_frames({"mines": (degenerate_mines(), "mine")})
    rep = atlas.report.to_dict()["layers"][0]
    assert rep["features_read"] == 4 and rep["features_kept"] == 2 and rep["dropped_degenerate"] == 2
    (warning,) = [w for w in rep["warnings"] if w["rule"] == "degenerate_geometry"]
    one_line(warning["message"], "feature 2 (id=M3, name=丙矿), feature 3 (id=M4, name=丁矿)", "2 degenerate geometries",
             "dropped: not counted", "fix: redraw")
    assert warning["count"] == 2
    table = mine_restoration(atlas["mines"])
    row = table[table["status"] == "historic"].iloc[0]
    # by hand: M1 (1 ha, restored) and M2 (2 ha, untreated) remain
    assert (row["mines"], row["restored"]) == (2, 1)
    assert row["rate_by_count"] == pytest.approx(1 / 2)
    assert row["rate_by_area"] == pytest.approx(1 / 3)


def test_audit_report_names_the_dropped_mine(tmp_path):
    gpd.GeoDataFrame({"name": ["甲区"]}, geometry=[box(X0 - 1000, Y0 - 1000, X0 + 5000, Y0 + 1000)], crs=4549).to_file(
        tmp_path / "districts.gpkg")
    degenerate_mines().to_file(tmp_path / "mines.gpkg")
    config = tmp_path / "audit.toml"
    config.write_text(textwrap.dedent("""\
        title = "矿山"
        [layers.districts]
        file = "districts.gpkg"
        kind = "district"
        [layers.mines]
        file = "mines.gpkg"
        kind = "mine"
        [indicators.mines]
        indicator = "mine_restoration_rate"
        target = 40
        """), encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["-q", "audit", str(config), "-o", str(out), "-f", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "report.json").read_text("utf-8"))
    assert doc["indicators"][0]["value"] == pytest.approx(50.0)  # 1 restored of the 2 mines left
    layer = next(layer for layer in doc["validation"]["layers"] if layer["name"] == "mines")
    assert layer["dropped_degenerate"] == 2
    assert any("id=M3" in w["message"] and "dropped" in w["message"] for w in layer["warnings"])
    # `ecozone validate` says it on stderr
    r = CliRunner().invoke(main, ["validate", str(config)])
    assert r.exit_code == 0 and "id=M3" in r.stderr and "degenerate" in r.stderr


def test_degenerate_bay_ring_is_named_and_a_layer_left_empty_is_refused():
    bays = gpd.GeoDataFrame({"name": ["四十里湾", "套子湾"]},
                            geometry=[box(X0, Y0, X0 + 5000, Y0 + 3000), Polygon([(X0 + 9000, Y0)] * 4)], crs=4549)
    clean, report = validate_layer(bays, "bay", source="bays.gpkg")
    assert list(clean["name"]) == ["四十里湾"] and report.dropped_degenerate == 1
    one_line(str(report.warnings[0]), "bays.gpkg: feature 1 (name=套子湾): 1 degenerate geometry", "dropped")
    with pytest.raises(GeometryError) as err:
        ecozone.Atlas.from_frames({"bays": (bays.iloc[[1]], "bay")})
    one_line(str(err.value), "<bays>: layer: none of its 1 feature(s) is left", "1 degenerate geometry",
             "fix: draw the features' geometry")


# --------------------------------------------------------------------------- 5. dates

DATES = [
    (2023, "2023-01-01"),
    (2023.0, "2023-01-01"),
    ("2023", "2023-01-01"),
    (45000, "2023-03-15"),  # Excel's serial day number for 15 March 2023
    (45000.5, "2023-03-15 12:00"),
    (44927, "2023-01-01"),
    ("2023-05-01", "2023-05-01"),
    ("2023/5/1", "2023-05-01"),
    ("2023.5.1", "2023-05-01"),
    ("20230501", "2023-05-01"),
    (20230501, "2023-05-01"),
    ("2023年5月1日", "2023-05-01"),
    ("２０２３年５月１日", "2023-05-01"),
    ("2023年5月", "2023-05-01"),
    ("13/02/2023", "2023-02-13"),  # day first: no month 13
    ("02/13/2023", "2023-02-13"),  # month first: no month 13
    ("05/05/2023", "2023-05-05"),
    ("2023-05-01T10:30:00", "2023-05-01 10:30"),
    ("1 May 2023", "2023-05-01"),
    (np.datetime64("2023-05-01"), "2023-05-01"),
    (pd.Timestamp("2023-05-01", tz="Asia/Shanghai"), "2023-05-01"),
]


@pytest.mark.parametrize("value, expected", DATES, ids=[repr(v) for v, _ in DATES])
def test_dates_are_read_as_written(value, expected):
    got = parse_date(value)
    assert got == pd.Timestamp(datetime.fromisoformat(expected))
    assert got.year != 1970


@pytest.mark.parametrize("value, why", [("01/02/2023", "ambiguous"), ("1/2/2023", "ambiguous"), ("2023-02-30", "calendar"),
                                        ("soon", "not a date"), (123, "neither a year"), (True, "not a date"),
                                        ("202305", "neither a year")])
def test_dates_that_cannot_be_read_for_sure_are_refused(value, why):
    with pytest.raises(ValueError, match=why):
        parse_date(value)


def test_pandas_would_have_made_1970_of_a_year():
    """The trap this guards against, shown: pandas reads the integer 2023 as nanoseconds after 1970."""
    assert pd.to_datetime(2023).year == 1970
    assert parse_date(2023).year == 2023 and parse_year(2023) == 2023


def shore(y):
    return LineString([(X0, Y0 + y), (X0 + 1000, Y0 + y)])


def test_shoreline_change_reads_year_excel_and_chinese_dates(tmp_path):
    base = gpd.GeoDataFrame(geometry=[shore(0)], crs=4549)
    # survey years as whole numbers in a file (pandas alone: 1970-01-01 plus 2000 ns, all three "the same year")
    path = tmp_path / "shores.geojson"
    gpd.GeoDataFrame({"date": [2000, 2010, 2020]}, geometry=[shore(100), shore(130), shore(160)], crs=4549).to_file(path)
    years = read_layer(path)
    assert pd.to_datetime(years["date"]).dt.year.tolist() == [1970] * 3  # the trap
    r = shoreline_change(years, base, spacing_m=500, length_m=300)
    assert r["epr_m_yr"].tolist() == pytest.approx([-3.0] * 3)  # 60 m in 20 years, by hand
    # 2000-01-01 as a year, 2010-01-01 as an Excel serial (40179), 2020-01-01 as 2020年1月1日
    shores = gpd.GeoDataFrame({"date": [2000, 40179, "2020年1月1日"]}, geometry=[shore(100), shore(130), shore(160)],
                              crs=4549)
    r = shoreline_change(shores, base, spacing_m=500, length_m=300)
    # by hand: the shore moved 60 m toward land (away from the offshore baseline) in 20 years
    assert r["nsm_m"].tolist() == pytest.approx([-60.0] * 3)
    assert r["epr_m_yr"].tolist() == pytest.approx([-3.0] * 3)
    assert r["lrr_m_yr"].tolist() == pytest.approx([-3.0] * 3, abs=0.01)  # 2000/2010/2020 Jan 1: decimal years 2000, 2010, 2020
    assert str(pd.Timestamp(r["first"].iloc[0]).date()) == "2000-01-01"
    ambiguous = shores.assign(date=["2000-01-01", "03/04/2010", "2020-01-01"], name=["a", "b", "c"])
    with pytest.raises(SchemaError) as err:
        shoreline_change(ambiguous, base, spacing_m=500, length_m=300)
    one_line(str(err.value), "feature 1 (name=b): date '03/04/2010' is ambiguous", "fix: write dates as YYYY-MM-DD")


def test_year_fields_go_through_the_same_reader():
    projects = gpd.GeoDataFrame(
        {"type": ["滨海湿地"] * 4, "status": ["已完成"] * 4, "year": [2023, "2022-05-01", 44927, "2021年"]},
        geometry=[box(X0 + i * 100, Y0, X0 + i * 100 + 50, Y0 + 50) for i in range(4)], crs=4549)
    clean, report = validate_layer(projects, "restoration")
    assert report.ok and clean["year"].tolist() == [2023, 2022, 2023, 2021]
    bad = projects.assign(year=[2023, "01/02/2023", 2021, 2020], name=["一", "二", "三", "四"])
    with pytest.raises(SchemaError) as err:
        ecozone.Atlas.from_frames({"restoration": (bad, "restoration")})
    one_line(str(err.value), "feature 1 (name=二): year (年份): '01/02/2023' is ambiguous", "fix: write the year")
    with pytest.raises(SchemaError, match=r"p\.gpkg: feature 1 \(name=二\): year '01/02/2023' is ambiguous.*fix: write the year"):
        years_in(bad.assign(year=[2023, "01/02/2023", 2021, None]), "year", source="p.gpkg")
    rivers = gpd.GeoDataFrame({"name": ["五龙河"], "level": ["干流"], "designation_year": ["2020年"]},
                              geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)])], crs=4549)
    clean, report = validate_layer(rivers, "river")
    assert report.ok and clean["designation_year"].tolist() == [2020]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # shapely, of the NaN lines made here
@pytest.mark.parametrize("seed", range(8))
def test_finite_extent_is_total_bounds_and_the_nonfinite_features(seed):
    """read_layer's one pass over the coordinates: the features with NaN/Inf found as a loop over each feature's
    coordinates finds them, and the extent of a layer without any is geopandas' total_bounds (chunks of 7)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from ecozone.features import finite_extent

    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(int(rng.integers(1, 40))):
        x, y = rng.uniform(-1e6, 1e6, 2)
        kind = rng.integers(0, 5)
        geoms.append([shapely.Point(x, y), shapely.LineString([(x, y), (x + 5, y - 3)]), shapely.box(x, y, x + 2, y + 9),
                      shapely.Polygon(), None][kind])
    clean = np.array(geoms, dtype=object)
    bad, extent = finite_extent(clean, chunk=7)
    assert len(bad) == 0
    np.testing.assert_array_equal(extent, gpd.GeoSeries(list(clean)).total_bounds)
    dirty = clean.copy()
    for i in rng.choice(len(dirty), min(3, len(dirty)), replace=False):
        dirty[i] = shapely.LineString([(0, 0), (rng.choice([np.nan, np.inf, -np.inf]), 1)])
    expected = [i for i, g in enumerate(dirty) if g is not None and not np.isfinite(shapely.get_coordinates(g)).all()]
    assert finite_extent(dirty, chunk=7)[0].tolist() == expected
