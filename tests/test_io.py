"""Reading (encodings, declared CRSs, bad files) and atomic writing."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

import ecozone
from ecozone.crs import from_wgs84_geometries
from ecozone.errors import CRSError, InputError
from ecozone.io import atomic_path, guess_dbf_encoding, read_layer, write_text

from .conftest import square_districts


def _write_gbk_shapefile(path, with_cpg: bool):
    gdf = square_districts()
    gdf["name"] = ["芝罘区", "福山区"]
    gdf.to_file(path, encoding="GBK")
    cpg = path.with_suffix(".cpg")
    if with_cpg:
        cpg.write_text("GBK")
    elif cpg.exists():
        cpg.unlink()
    # make sure the DBF header carries no code page, as many Chinese shapefiles
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0
    dbf.write_bytes(bytes(data))
    assert "芝罘区".encode("gbk") in bytes(data)


@pytest.mark.parametrize("with_cpg", [True, False])
def test_gbk_shapefile_reads_chinese_names(tmp_path, with_cpg):
    path = tmp_path / "districts.shp"
    _write_gbk_shapefile(path, with_cpg)
    gdf = read_layer(path)
    assert list(gdf["name"]) == ["芝罘区", "福山区"]
    assert guess_dbf_encoding(path) == (None if with_cpg else "GBK")


def test_utf8_shapefile_without_cpg(tmp_path):
    path = tmp_path / "d.shp"
    gdf = square_districts()
    gdf.to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    data = bytearray(path.with_suffix(".dbf").read_bytes())
    data[29] = 0
    path.with_suffix(".dbf").write_bytes(bytes(data))
    assert guess_dbf_encoding(path) == "UTF-8"
    assert list(read_layer(path)["name"]) == ["甲区", "乙区"]


def test_declared_gcj02_is_converted_on_load(tmp_path):
    truth = square_districts()
    shifted = truth.copy()
    shifted["geometry"] = from_wgs84_geometries(truth.geometry.values, "gcj02")
    path = tmp_path / "amap.geojson"
    shifted.to_file(path)  # the file says WGS84, as AMap exports do
    raw = read_layer(path)
    fixed = read_layer(path, declared_crs="gcj02")
    assert fixed.crs.to_epsg() == 4326
    # unshifted back onto the truth within a centimetre; the raw file is ~470 m off
    proj = "EPSG:4549"
    offset = lambda a: float(a.to_crs(proj).geometry.centroid.distance(truth.to_crs(proj).geometry.centroid).max())  # noqa: E731
    assert offset(fixed) < 0.01
    assert 400 < offset(raw) < 500
    # the input file is never modified
    assert json.loads(path.read_text())["features"][0]["geometry"] == json.loads(shifted.to_json())["features"][0]["geometry"]


def test_declared_gcj02_on_projected_file_is_refused(tmp_path):
    path = tmp_path / "p.gpkg"
    square_districts().to_crs(4549).to_file(path)
    with pytest.raises(CRSError, match="p.gpkg: declared gcj02 but the file's CRS is projected"):
        read_layer(path, declared_crs="gcj02")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.geojson: file not found; fix:"):
        read_layer(tmp_path / "nope.geojson")
    with pytest.raises(OSError):  # InputError is an OSError for callers that catch builtins
        read_layer(tmp_path / "nope.geojson")


@pytest.mark.parametrize("content", ["", "{not json", '{"type": "FeatureCollection", "features": [{"type": "Feat'])
def test_broken_file_is_one_line(tmp_path, content):
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_layer(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)) and "; fix: " in msg


def test_empty_feature_collection_reads_as_empty_layer(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    gdf = read_layer(path)
    assert len(gdf) == 0


def test_geopackage_layer_by_name(tmp_path):
    path = tmp_path / "city.gpkg"
    square_districts().to_file(path, layer="districts")
    square_districts().iloc[:1].to_file(path, layer="other")
    assert len(read_layer(path, layer="districts")) == 2


def test_atomic_write_interrupted_leaves_previous_output(tmp_path):
    target = tmp_path / "report.json"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_atomic_write_refuses_overwrite_when_asked(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "x")
    with pytest.raises(InputError, match="exists already; fix:"):
        write_text(target, "y", overwrite=False)


def test_atlas_from_frames_reprojects_and_says_so():
    frames = {"districts": (square_districts().to_crs(3857), "district")}
    atlas = ecozone.Atlas.from_frames(frames)
    assert atlas.crs.to_epsg() == 4549
    assert "reprojected from EPSG:3857 to EPSG:4549" in atlas.layers["districts"].report.notes
    area = atlas["districts"].area.sum()
    direct = square_districts().to_crs(4549).area.sum()
    assert area == pytest.approx(direct, rel=1e-9)


def test_atlas_refuses_web_mercator_as_measurement_crs():
    with pytest.raises(CRSError, match="Mercator"):
        ecozone.Atlas.from_frames({"d": (square_districts(), "district")}, crs="EPSG:3857")


def test_atlas_with_empty_layer_only(tmp_path):
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326)
    with pytest.raises(ecozone.GeometryError, match="layer: has no features; fix: give the layer with its features"):
        ecozone.Atlas.from_frames({"d": (empty, "district")})
    # one empty layer among others: refused too (a zero figure from it would look like a measurement)
    district = gpd.GeoDataFrame({"name": ["甲区"]}, geometry=[box(121.0, 37.0, 121.1, 37.1)], crs=4326)
    with pytest.raises(ecozone.GeometryError, match="has no features"):
        ecozone.Atlas.from_frames({"d": (district, "district"), "mines": (empty.assign(status=[], restoration=[]), "mine")})


def test_manifest_errors_name_the_key(tmp_path):
    (tmp_path / "manifest.toml").write_text('[layers.d]\nfile = "d.geojson"\nkind = "districts"\n')
    with pytest.raises(ecozone.ConfigError, match=r"\[layers.d\]: kind 'districts' is unknown; fix: use one of district"):
        ecozone.Atlas.from_manifest(tmp_path)
    (tmp_path / "manifest.toml").write_text('[layers.d]\nfile = "d.geojson"\nkind = "district"\ncolour = 1\n')
    with pytest.raises(ecozone.ConfigError, match="unknown key 'colour'"):
        ecozone.Atlas.from_manifest(tmp_path)
    (tmp_path / "manifest.toml").write_text('[layers.d\n')
    with pytest.raises(ecozone.ConfigError, match="not valid TOML"):
        ecozone.Atlas.from_manifest(tmp_path)


def test_invalid_geometry_in_from_frames_counts_repairs():
    bow = shapely.Polygon([(121.0, 37.0), (121.1, 37.1), (121.1, 37.0), (121.0, 37.1)])
    gdf = gpd.GeoDataFrame({"name": ["x"], "type": ["biodiversity"]}, geometry=[bow], crs=4326)
    atlas = ecozone.Atlas.from_frames({"red": (gdf, "redline")})
    assert atlas.layers["red"].report.repaired == 1


def test_geoparquet(tmp_path):
    """GeoParquet is read by geopandas (GDAL here has no Parquet driver); a broken one is one line."""
    gdf = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.box(121.0, 37.0, 121.1, 37.1)], crs=4326)
    gdf.to_parquet(tmp_path / "a.parquet")
    back = read_layer(tmp_path / "a.parquet")
    assert back["name"].tolist() == ["甲"] and back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].equals(gdf.geometry.iloc[0])
    (tmp_path / "b.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"b.parquet: cannot be read as a vector layer .*; fix: "):
        read_layer(tmp_path / "b.parquet")
