"""The Atlas (一张图): building from frames and manifests, the measurement CRS, access, one-line errors.

Oracles: ``pyproj.Geod`` geodesic areas and lengths of the lon/lat input, pyproj's own EPSG
definitions of the Gauss-Krüger zones, and the files written by the test itself.
Only public names are used (``ecozone.Atlas``, its methods, ``ecozone`` errors).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS, Geod
from shapely.geometry import LineString, box

import ecozone
from ecozone import Atlas, ConfigError, CRSError, EcozoneError, InputError, SchemaError

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (WGS84's differs by 0.1 mm in the minor axis)


def districts_lonlat(x0: float = 121.0, y0: float = 37.0, w: float = 0.1) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["甲区", "乙区"]},
        geometry=[box(x0, y0, x0 + w, y0 + w), box(x0 + w, y0, x0 + 2 * w, y0 + w)],
        crs="EPSG:4326",
    )


def coast_lonlat() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"class": ["基岩", "人工"]},
        geometry=[LineString([(121.0, 37.1), (121.1, 37.1)]), LineString([(121.1, 37.1), (121.2, 37.12)])],
        crs="EPSG:4326",
    )


def central_meridian(crs: CRS) -> float:
    """The longitude of natural origin, read from pyproj's definition of the CRS."""
    return next(p.value for p in crs.coordinate_operation.params if p.name == "Longitude of natural origin")


def write_manifest(folder: Path, body: str) -> Path:
    path = folder / "manifest.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def manifest_dir(tmp_path: Path) -> Path:
    """A folder with two layers and a manifest listing them."""
    districts_lonlat().to_file(tmp_path / "districts.geojson")
    coast_lonlat().to_file(tmp_path / "coast.gpkg")
    write_manifest(
        tmp_path,
        'name = "test"\ntitle = "测试市"\ncredits = ["hand-made"]\n'
        '[layers.districts]\nfile = "districts.geojson"\nkind = "district"\nsource = "hand"\nillustrative = true\n'
        '[layers.coast]\nfile = "coast.gpkg"\nkind = "coastline"\n',
    )
    return tmp_path


# ---------------------------------------------------------------- from frames


def test_from_frames_picks_gauss_kruger_zone_of_the_centre_and_notes_the_reprojection():
    atlas = Atlas.from_frames({"districts": (districts_lonlat(), "district")})
    # centre 121.1°E: CGCS2000 3° GK zone with CM 120°E (zone 40, no prefix) = EPSG:4549 by pyproj's definition
    assert atlas.crs.equals(CRS.from_epsg(4549))
    assert central_meridian(atlas.crs) == 120
    notes = atlas.layers["districts"].report.notes
    assert any("reprojected" in n and "EPSG:4326" in n and "EPSG:4549" in n for n in notes)
    assert atlas["districts"].crs.equals(atlas.crs)


@pytest.mark.parametrize("lon, cm, epsg", [(117.2, 117, 4548), (123.1, 123, 4550), (119.6, 120, 4549)])
def test_zone_follows_the_data_centre(lon, cm, epsg):
    atlas = Atlas.from_frames({"d": (districts_lonlat(x0=lon - 0.1), "district")})
    assert atlas.crs.equals(CRS.from_epsg(epsg))
    assert central_meridian(atlas.crs) == cm


def test_explicit_crs_wins_and_mercator_or_degrees_are_refused():
    atlas = Atlas.from_frames({"d": (districts_lonlat(), "district")}, crs="EPSG:32651")
    assert atlas.crs.to_epsg() == 32651
    for bad in ("EPSG:3857", "EPSG:4326"):
        with pytest.raises(CRSError) as err:
            Atlas.from_frames({"d": (districts_lonlat(), "district")}, crs=bad)
        assert "\n" not in str(err.value) and "fix:" in str(err.value)


def test_frames_already_in_the_measurement_crs_are_not_reprojected():
    gk = districts_lonlat().to_crs(4549)
    atlas = Atlas.from_frames({"d": (gk, "district")})
    assert atlas.crs.to_epsg() == 4549
    assert not any("reprojected" in n for n in atlas.layers["d"].report.notes)


def test_areas_and_lengths_agree_with_geodesic_within_0_1_percent():
    lonlat, coast = districts_lonlat(), coast_lonlat()
    atlas = Atlas.from_frames({"districts": (lonlat, "district"), "coast": (coast, "coastline")})
    for geom, measured in zip(lonlat.geometry, atlas["districts"].area):
        geodesic = abs(GEOD.geometry_area_perimeter(geom)[0])
        assert measured == pytest.approx(geodesic, rel=1e-3)
    for geom, measured in zip(coast.geometry, atlas["coast"].length):
        assert measured == pytest.approx(GEOD.geometry_length(geom), rel=1e-3)


def test_inputs_are_not_modified_and_ids_are_added():
    lonlat = districts_lonlat()
    before = lonlat.copy()
    atlas = Atlas.from_frames({"districts": (lonlat, "district")})
    assert lonlat.crs.to_epsg() == 4326 and list(lonlat.columns) == list(before.columns)
    assert lonlat.geom_equals(before).all()
    assert atlas["districts"]["id"].tolist() == [1, 2]
    assert atlas["districts"]["name"].tolist() == ["甲区", "乙区"]


def test_codes_are_normalised_on_load():
    atlas = Atlas.from_frames({"coast": (coast_lonlat(), "coastline")})
    assert atlas["coast"]["class"].tolist() == ["bedrock", "artificial"]


def test_unknown_kind_is_refused_in_one_line():
    with pytest.raises(SchemaError) as err:
        Atlas.from_frames({"x": (districts_lonlat(), "forest")})
    msg = str(err.value)
    assert "\n" not in msg and "'forest'" in msg and "district" in msg and "fix:" in msg
    assert isinstance(err.value, ValueError) and isinstance(err.value, EcozoneError)


def _bad_frames():
    good = districts_lonlat()
    return {
        "no features": (good.iloc[:0], ecozone.GeometryError, ["no features"]),
        "no crs": (good.set_crs(None, allow_override=True), CRSError, ["no coordinate reference system", "fix:"]),
        "points": (gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(121, 37, 121.1, 37.1).centroid], crs=4326),
                   ecozone.GeometryError, ["Point", "polygon"]),
        "swapped axes": (good.set_geometry(good.geometry.map(lambda g: box(*g.bounds[1::-1], *g.bounds[:1:-1]))),
                         CRSError, ["swapped"]),
        "no name": (good.rename(columns={"name": "x"}), SchemaError, ["'name'", "名称"]),
    }


@pytest.mark.parametrize("case", list(_bad_frames()))
def test_bad_frames_are_refused_in_one_line(case):
    frame, error, words = _bad_frames()[case]
    with pytest.raises(error) as err:
        Atlas.from_frames({"d": (frame, "district")})
    msg = str(err.value)
    assert "\n" not in msg and "<d>" in msg and "fix:" in msg
    for word in words:
        assert word in msg


# ---------------------------------------------------------------- access


def test_names_of_kind_files_len_iter_contains():
    atlas = Atlas.from_frames(
        {"d": (districts_lonlat(), "district"), "c1": (coast_lonlat(), "coastline"), "c2": (coast_lonlat(), "coastline")}
    )
    assert atlas.names() == ["d", "c1", "c2"] == list(atlas)
    assert atlas.names("coastline") == ["c1", "c2"]
    assert atlas.names("bay") == []
    assert len(atlas) == 3 and "d" in atlas and "bays" not in atlas
    both = atlas.of_kind("coastline")
    assert len(both) == 4 and both["layer"].tolist() == ["c1", "c1", "c2", "c2"]
    assert both.crs.equals(atlas.crs)
    assert atlas.files() == []  # built from frames: no file read
    summary = atlas.summary()
    assert summary["layer"].tolist() == ["d", "c1", "c2"]
    assert summary["features"].tolist() == [2, 2, 2]
    assert summary["kind_zh"].tolist() == ["行政区", "海岸线", "海岸线"]


def test_missing_layer_and_kind_name_what_there_is():
    atlas = Atlas.from_frames({"d": (districts_lonlat(), "district")})
    with pytest.raises(KeyError, match="no layer 'bays'.*layers: d"):
        atlas["bays"]
    with pytest.raises(KeyError, match="no bay layer"):
        atlas.of_kind("bay")


# ---------------------------------------------------------------- from a manifest


def test_from_manifest(manifest_dir: Path):
    atlas = Atlas.from_manifest(manifest_dir)
    assert (atlas.name, atlas.title, atlas.credits) == ("test", "测试市", ["hand-made"])
    assert atlas.crs.to_epsg() == 4549
    assert atlas.names("district") == ["districts"] and atlas.names("coastline") == ["coast"]
    assert atlas.layers["districts"].illustrative and not atlas.layers["coast"].illustrative
    assert atlas.layers["districts"].source == "hand"
    assert atlas["coast"]["class"].tolist() == ["bedrock", "artificial"]
    assert set(atlas.files()) == {
        (manifest_dir / "districts.geojson").resolve(), (manifest_dir / "coast.gpkg").resolve(), manifest_dir / "manifest.toml"
    }
    assert atlas.files()[-1].name == "manifest.toml"
    # the manifest file itself gives the same atlas; manifest_files lists what a command must not overwrite
    same = Atlas.from_manifest(manifest_dir / "manifest.toml")
    assert same.names() == atlas.names()
    assert {p.name for p in Atlas.manifest_files(manifest_dir)} == {"manifest.toml", "districts.geojson", "coast.gpkg"}
    # figures against geodesic areas of the file's lon/lat polygons
    for geom, measured in zip(districts_lonlat().geometry, atlas["districts"].area):
        assert measured == pytest.approx(abs(GEOD.geometry_area_perimeter(geom)[0]), rel=1e-3)


def test_manifest_crs_and_caller_crs(manifest_dir: Path):
    text = (manifest_dir / "manifest.toml").read_text(encoding="utf-8")
    write_manifest(manifest_dir, 'crs = "EPSG:32651"\n' + text)
    assert Atlas.from_manifest(manifest_dir).crs.to_epsg() == 32651
    assert Atlas.from_manifest(manifest_dir, crs="EPSG:4549").crs.to_epsg() == 4549  # the caller wins


def test_declared_gcj02_is_converted_and_noted(manifest_dir: Path):
    write_manifest(manifest_dir, '[layers.d]\nfile = "districts.geojson"\nkind = "district"\ncrs = "gcj02"\n')
    atlas = Atlas.from_manifest(manifest_dir)
    notes = atlas.layers["d"].report.notes
    assert any("gcj02" in n.lower() for n in notes) and any("reprojected" in n for n in notes)
    # converted: the corner moves by the GCJ-02 offset (≈ 450–700 m here), west and south
    corner = gpd.GeoSeries([atlas["d"].geometry.iloc[0]], crs=atlas.crs).to_crs(4326).iloc[0].bounds
    dist = GEOD.inv(121.0, 37.0, corner[0], corner[1])[2]
    assert 300 < dist < 900 and corner[0] < 121.0 and corner[1] < 37.0


@pytest.mark.parametrize(
    "body, error, words",
    [
        ('[layers.x]\nfile = "districts.geojson"\nkind = "forest"\n', ConfigError, ["[layers.x]", "'forest'", "fix:"]),
        ('[layers.x]\nfile = "districts.geojson"\n', ConfigError, ["[layers.x]", "'kind'", "fix:"]),
        ('[layers.x]\nfile = "districts.geojson"\nkind = "district"\ncolour = "red"\n', ConfigError, ["'colour'"]),
        ('bogus = 1\n[layers.x]\nfile = "districts.geojson"\nkind = "district"\n', ConfigError, ["'bogus'"]),
        ('name = "t"\n', ConfigError, ["no [layers.NAME]"]),
        ("[layers.x\n", ConfigError, ["not valid TOML"]),
        ('[layers.x]\nfile = "missing.geojson"\nkind = "district"\n', InputError, ["missing.geojson", "not found", "fix:"]),
        ('[layers.x]\nfile = "districts.geojson"\nkind = "district"\ncrs = "EPSG:999999"\n', ConfigError, ["[layers.x]"]),
    ],
)
def test_bad_manifests_are_refused_in_one_line(manifest_dir: Path, body, error, words):
    write_manifest(manifest_dir, body)
    with pytest.raises(error) as err:
        Atlas.from_manifest(manifest_dir)
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg
    for word in words:
        assert word in msg


def test_missing_manifest(tmp_path: Path):
    with pytest.raises(InputError, match="manifest not found"):
        Atlas.from_manifest(tmp_path / "nowhere")


def test_missing_layer_file_names_the_manifest_entry(manifest_dir: Path, monkeypatch):
    monkeypatch.chdir(manifest_dir.parent)
    write_manifest(manifest_dir, '[layers.x]\nfile = "missing.geojson"\nkind = "district"\n')
    with pytest.raises(InputError) as err:
        Atlas.from_manifest(manifest_dir)
    assert "[layers.x]" in str(err.value) and "missing.geojson: file not found" in str(err.value)
    assert "the folder of the file that lists it" in str(err.value)  # not the working directory


def test_files_of_an_atlas_from_another_toml_all_exist(manifest_dir: Path):
    """Once a bug: files() appended root/'manifest.toml' whatever the file was."""
    import tomllib

    config = manifest_dir / "audit.toml"
    (manifest_dir / "manifest.toml").rename(config)
    doc = tomllib.loads(config.read_text(encoding="utf-8"))
    atlas = Atlas.from_tables(config, doc["layers"], name="audit")
    assert atlas.names() == ["districts", "coast"]
    missing = [str(p) for p in atlas.files() if not p.exists()]
    assert missing == [] and config in atlas.files()


def _write_raster(path: Path, crs: str | None) -> None:
    """A 4×4 raster with 0.025° cells from 121.0°E, 37.1°N (no CRS when ``crs`` is None)."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    transform = Affine(0.025, 0.0, 121.0, 0.0, -0.025, 37.1)
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8", crs=crs, transform=transform) as ds:
        ds.write(np.ones((1, 4, 4), "uint8"))


def test_rasters_from_manifest(manifest_dir: Path):
    _write_raster(manifest_dir / "dem.tif", "EPSG:4326")
    _write_raster(manifest_dir / "lc.tif", "EPSG:4326")
    text = (manifest_dir / "manifest.toml").read_text(encoding="utf-8")
    write_manifest(manifest_dir, text + '[rasters.dem]\nfile = "dem.tif"\nkind = "dem"\n'
                   '[rasters.lc]\nfile = "lc.tif"\nkind = "land_cover"\nclasses = { 1 = "林地", 2 = "cropland" }\n')
    atlas = Atlas.from_manifest(manifest_dir)
    assert atlas.raster_names() == ["dem", "lc"] and atlas.raster_names("dem") == ["dem"]
    assert atlas.rasters["lc"].classes == {1: "forest", 2: "cropland"}
    assert {p.name for p in atlas.files()} >= {"dem.tif", "lc.tif", "manifest.toml"}


@pytest.mark.parametrize(
    "raster, error, words",
    [
        ('[rasters.r]\nfile = "nocrs.tif"\nkind = "dem"\n', CRSError, ["nocrs.tif", "no CRS", "fix:"]),
        ('[rasters.r]\nfile = "none.tif"\nkind = "dem"\n', InputError, ["none.tif", "[rasters.r]", "fix:"]),
        ('[rasters.r]\nfile = "nocrs.tif"\nkind = "slope"\n', ConfigError, ["[rasters.r]", "'slope'"]),
        ('[rasters.r]\nfile = "nocrs.tif"\nkind = "land_cover"\nclasses = { 1 = "jungle" }\n', ConfigError, ["jungle"]),
    ],
)
def test_bad_rasters_are_refused_in_one_line(manifest_dir: Path, raster, error, words):
    _write_raster(manifest_dir / "nocrs.tif", None)
    text = (manifest_dir / "manifest.toml").read_text(encoding="utf-8")
    write_manifest(manifest_dir, text + raster)
    with pytest.raises(error) as err:
        Atlas.from_manifest(manifest_dir)
    msg = str(err.value)
    assert "\n" not in msg
    for word in words:
        assert word in msg


def test_public_api_exports_atlas():
    assert ecozone.Atlas is Atlas
    assert math.isclose(Atlas.from_frames({"d": (districts_lonlat(), "district")})["d"].area.sum() / 1e6,
                        sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in districts_lonlat().geometry) / 1e6, rel_tol=1e-3)


# ---------------------------------------------------------------- the shared fixtures hand out copies (tests/conftest.py)


def test_demo_atlas_fixture_is_a_copy(demo_atlas, request):
    once = request.getfixturevalue("_demo_atlas_once")  # the session's atlas, loaded once
    assert demo_atlas is not once and demo_atlas.names() == once.names() and demo_atlas.crs.equals(once.crs)
    for name in once:
        assert demo_atlas[name] is not once[name] and demo_atlas[name].equals(once[name])
    assert demo_atlas.report is not once.report
    first = once["districts"]["name"].iloc[0]
    demo_atlas["districts"].loc[0, "name"] = "changed by a test"
    demo_atlas.layers.pop("coastline")
    assert once["districts"]["name"].iloc[0] == first and "coastline" in once
