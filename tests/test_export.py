"""ecozone.export and ``ecozone export``: round trips through pyogrio, an RFC 7946 check written
here, the GeoPackage's CRS and index, GCJ-02 only on request, atomic writes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

import ecozone
from ecozone._resources import dataset_dir
from ecozone.errors import CRSError, InputError
from ecozone.export import GCJ02Warning, ShapefileFieldWarning


def rfc7946_problems(text: str, precision: int = 7) -> list[str]:
    """What in a GeoJSON text breaks RFC 7946 (§3.1.6 winding, §4 no crs / WGS84, §11.2 precision)."""
    doc = json.loads(text)
    problems = []
    if "crs" in doc:
        problems.append("crs member")
    if doc.get("type") != "FeatureCollection":
        problems.append("not a FeatureCollection")
    decimals = re.compile(r"-?\d+\.(\d+)")
    for f in doc["features"]:
        if "crs" in f:
            problems.append("crs member in a feature")
        geom = f["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"] if geom["type"] == "MultiPolygon" else []
        for rings in polys:
            for i, ring in enumerate(rings):
                xy = np.asarray(ring)
                area2 = np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1])  # > 0: counter-clockwise
                if (i == 0) != (area2 > 0):
                    problems.append(f"feature {f.get('id')}: ring {i} wound the wrong way")
        coords = shapely.get_coordinates(shapely.from_geojson(json.dumps(geom)))
        if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
            problems.append(f"feature {f.get('id')}: coordinates outside lon/lat")
        for m in decimals.finditer(json.dumps(geom["coordinates"])):
            if len(m.group(1)) > precision:
                problems.append(f"feature {f.get('id')}: {m.group(0)} has more than {precision} decimals")
                break
    return problems


def same_shapes(a, b, tol):
    """Every pair within ``tol`` (Hausdorff distance, in the CRS's units): the precision of the export
    (rounding may merge vertices that became equal, so vertex lists are not compared)."""
    return len(a) == len(b) and bool((shapely.hausdorff_distance(np.asarray(a), np.asarray(b)) <= tol).all())


def test_geojson_round_trip_and_rfc7946(demo_atlas, tmp_path):
    paths = ecozone.export(demo_atlas, tmp_path / "geo", "geojson")
    assert sorted(p.stem for p in paths) == sorted(demo_atlas.layers)
    for name in demo_atlas.layers:
        path = tmp_path / "geo" / f"{name}.geojson"
        text = path.read_text("utf-8")
        assert rfc7946_problems(text) == [], name
        back = pyogrio.read_dataframe(path)
        want = demo_atlas[name].to_crs(4326)
        assert back.crs.to_epsg() == 4326 and len(back) == len(want)
        # 7 decimals ≈ 1 cm; one bay has a vertex GDAL moves by ≈ 6 cm (a spike made valid): 1e-6° ≈ 10 cm
        assert same_shapes(back.geometry.values, want.geometry.values, 1e-6), name
        for col in [c for c in want.columns if c not in ("geometry", "_row")]:
            got, exp = back[col].tolist(), want[col].tolist()
            blank = lambda v: v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))  # noqa: E731
            assert [None if blank(v) else v for v in got] == [None if blank(v) else v for v in exp], (name, col)
    doc = json.loads((tmp_path / "geo" / "districts.geojson").read_text("utf-8"))
    assert [f["id"] for f in doc["features"]] == demo_atlas["districts"]["id"].tolist()  # stable ids
    assert "芝罘区" in (tmp_path / "geo" / "districts.geojson").read_text("utf-8")  # Chinese as it is


def test_winding_antimeridian_precision_bbox(tmp_path):
    # exterior clockwise and hole counter-clockwise on input: both reversed on output
    outer = [(121.0, 37.0), (121.0, 37.2), (121.2, 37.2), (121.2, 37.0), (121.0, 37.0)]
    hole = [(121.05, 37.05), (121.1, 37.05), (121.1, 37.1), (121.05, 37.1), (121.05, 37.05)]
    wide = Polygon([(179.5, 10), (179.5, 11), (-179.5, 11), (-179.5, 10)])
    gdf = gpd.GeoDataFrame({"id": ["P1", "P2"], "name": ["甲", "乙"]}, geometry=[Polygon(outer, [hole]), wide], crs=4326)
    out = ecozone.export(gdf, tmp_path / "p.geojson", precision=5, bbox=True)[0]
    text = out.read_text("utf-8")
    assert rfc7946_problems(text, precision=5) == []
    doc = json.loads(text)
    assert len(doc["bbox"]) == 4 and all(len(f["bbox"]) == 4 for f in doc["features"])
    crossing = doc["features"][1]["geometry"]
    assert crossing["type"] == "MultiPolygon"  # split at the antimeridian
    xs = shapely.get_coordinates(shapely.from_geojson(json.dumps(crossing)))[:, 0]
    assert xs.max() <= 180 and xs.min() >= -180 and (xs == 180).any()


def test_geopackage_layers_results_crs_index(demo_atlas, tmp_path):
    out = tmp_path / "yantai.gpkg"
    ecozone.export(demo_atlas, out, layers=list(demo_atlas.layers), results=True)
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert names[: len(demo_atlas.layers)] == list(demo_atlas.layers)
    assert {"redline_coverage", "findings", "coastline_segments", "setback_zones", "river_buffers"} <= set(names)
    for name in names:
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:4490", name
    with sqlite3.connect(out) as db:
        indexed = {r[0] for r in db.execute("select table_name from gpkg_extensions where extension_name = 'gpkg_rtree_index'")}
    assert set(names) <= indexed
    # the coverage figures against a direct intersection on the files
    cov = pyogrio.read_dataframe(out, layer="redline_coverage")
    d = gpd.read_file(dataset_dir("yantai") / "districts.geojson").to_crs(4549)
    red = gpd.read_file(dataset_dir("yantai") / "redline_land.geojson").to_crs(4549).geometry.make_valid().union_all()
    for name, geom in zip(d["name"], d.geometry.make_valid()):
        row = cov[cov["name"] == name].iloc[0]
        assert row["covered_ha"] == pytest.approx(geom.intersection(red).area / 1e4, abs=0.01)
        assert row["covered_share"] == pytest.approx(geom.intersection(red).area / geom.area, abs=1e-6)
    full = pyogrio.read_dataframe(out, layer="findings")
    assert "feature_layer" in full.columns and "against_name" in full.columns  # full-length names
    assert len(full) == len(ecozone.atlas_conflicts(demo_atlas))
    seg = pyogrio.read_dataframe(out, layer="coastline_segments")
    assert {"class", "district", "length_km", "natural"} <= set(seg.columns)
    measurement = tmp_path / "m.gpkg"
    ecozone.export(demo_atlas, measurement, layers=["districts"], crs="measurement")
    assert pyogrio.read_info(measurement)["crs"] == "EPSG:4549"


def test_csv_and_shapefile(demo_atlas, tmp_path):
    paths = ecozone.export(demo_atlas, tmp_path / "csv", "csv", layers=["districts"], results=True)
    assert {p.name for p in paths} >= {"districts.csv", "redline_coverage.csv", "findings.csv"}
    table = pd.read_csv(tmp_path / "csv" / "districts.csv", encoding="utf-8-sig")
    geoms = gpd.GeoSeries.from_wkt(table["wkt"], crs=4490)
    assert same_shapes(geoms.values, demo_atlas["districts"].to_crs(4490).geometry.values, 1e-9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ecozone.export(demo_atlas, tmp_path / "shp", "shp", layers=["rivers"], results=True)
    said = [str(w.message) for w in caught if issubclass(w.category, ShapefileFieldWarning)]
    assert any("covered_share → covered_sh" in m for m in said) and any("designation_year → designat_1" in m for m in said)
    shp = tmp_path / "shp"
    assert (shp / "redline_coverage.cpg").read_text().strip() == "UTF-8"
    mapping = pd.read_csv(shp / "redline_coverage.fields.csv", encoding="utf-8-sig")
    assert dict(zip(mapping["field"], mapping["shapefile_field"]))["covered_share"] == "covered_sh"
    back = pyogrio.read_dataframe(shp / "redline_coverage.shp")
    assert "芝罘区" in back["name"].tolist() and back.crs.to_epsg() == 4490
    assert (shp / "rivers_line.shp").exists() and (shp / "rivers_polygon.shp").exists()  # one per geometry family
    (shp / "rivers.fields.csv").unlink()  # so that the per-family files are what is found
    with pytest.raises(InputError, match="rivers_line.shp: exists already"):  # those too are never replaced silently
        ecozone.export(demo_atlas, shp, "shp", layers=["rivers"])


def test_gcj02_only_when_asked(demo_atlas, tmp_path):
    eviltransform = pytest.importorskip("eviltransform")
    plain = pyogrio.read_dataframe(ecozone.export(demo_atlas, tmp_path / "w.geojson", layers=["mines"])[0])
    want = demo_atlas["mines"].to_crs(4326)
    assert same_shapes(plain.geometry.values, want.geometry.values, 2e-7)
    with pytest.warns(GCJ02Warning):
        shifted = pyogrio.read_dataframe(ecozone.export(demo_atlas, tmp_path / "g.geojson", layers=["mines"], crs="gcj02")[0])
    lon, lat = shapely.get_coordinates(want.geometry.values)[0]
    glat, glon = eviltransform.wgs2gcj(lat, lon)
    got = shapely.get_coordinates(shifted.geometry.values)
    assert np.abs(got - [glon, glat]).sum(axis=1).min() < 3e-7
    with pytest.raises(CRSError, match="RFC 7946"):
        ecozone.export(demo_atlas, tmp_path / "x.geojson", layers=["mines"], crs=4490)


def test_interrupted_write_leaves_the_previous_output(demo_atlas, tmp_path, monkeypatch):
    gpkg = tmp_path / "out.gpkg"
    ecozone.export(demo_atlas, gpkg, layers=["districts"])
    before = gpkg.read_bytes()
    folder = tmp_path / "geo"
    ecozone.export(demo_atlas, folder, "geojson", layers=["districts", "mines"])
    before_geo = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = pyogrio.write_dataframe
    calls = {"n": 0}

    def dies_midway(df, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first layer written, the second starts and the machine "dies"
            Path(path).write_bytes(b"partial")
            raise KeyboardInterrupt
        return real(df, path, *args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        ecozone.export(demo_atlas, gpkg, layers=["districts", "mines"], overwrite=True)
    calls["n"] = 0
    with pytest.raises(KeyboardInterrupt):
        ecozone.export(demo_atlas, folder, "geojson", layers=["districts", "mines"], overwrite=True)
    assert gpkg.read_bytes() == before
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before_geo  # no partial file, no staging folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geo", "out.gpkg"]


def test_overwrite_and_inputs(tmp_path, demo_atlas):
    ecozone.export(demo_atlas, tmp_path / "a.gpkg", layers=["bays"])
    with pytest.raises(InputError, match="exists already"):
        ecozone.export(demo_atlas, tmp_path / "a.gpkg", layers=["bays"])
    data = tmp_path / "yt"
    shutil.copytree(dataset_dir("yantai"), data)
    atlas = ecozone.Atlas.from_manifest(data / "manifest.toml")
    original = (data / "districts.geojson").read_bytes()
    with pytest.raises(InputError, match="is also an input"):
        ecozone.export(atlas, data / "districts.geojson", layers=["districts"], overwrite=True)
    with pytest.raises(InputError, match="is also an input"):
        ecozone.export(atlas, data, "geojson", layers=["districts"], overwrite=True)
    assert (data / "districts.geojson").read_bytes() == original
    with pytest.raises(InputError, match="do not fit one GeoJSON file"):
        ecozone.export(atlas, tmp_path / "two.geojson", layers=["districts", "bays"])
    with pytest.raises(InputError, match="no layer 'nope'"):
        ecozone.export(atlas, tmp_path / "n.gpkg", layers=["nope"])


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_export(tmp_path):
    data = str(dataset_dir("yantai"))
    r = cli("export", "--atlas", data, "--results", "-f", "gpkg", "-o", str(tmp_path / "r.gpkg"))
    assert r.returncode == 0, r.stderr
    assert "findings" in [n for n, _ in pyogrio.list_layers(tmp_path / "r.gpkg")]
    r = cli("export", "--atlas", data, "--results", "-f", "gpkg", "-o", str(tmp_path / "r.gpkg"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--overwrite" in r.stderr
    r = cli("export", "--atlas", data, "--layers", "districts", "-f", "shp", "-o", str(tmp_path / "shp"))
    assert r.returncode == 0 and (tmp_path / "shp" / "districts.cpg").exists()
    for args, expect in ((["export", "-f", "gpkg", "-o", "x.gpkg"], "--atlas DIR or --config FILE"),
                         (["export", "--atlas", data, "-f", "kml", "-o", "x.kml"], "--format"),
                         (["export", "--atlas", data, "--layers", "nope", "-f", "gpkg", "-o", "x.gpkg"], "no layer 'nope'")):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and expect in r.stderr, r.stderr
    assert not (tmp_path / "x.gpkg").exists()


def test_demo_writes_exports(demo_run):
    out, report = demo_run
    exports = out / "exports"
    assert (exports / "yantai.gpkg").exists() and (exports / "districts.geojson").exists()
    for p in exports.glob("*.geojson"):
        assert rfc7946_problems(p.read_text("utf-8")) == [], p.name
    names = [n for n, _ in pyogrio.list_layers(exports / "yantai.gpkg")]
    assert "redline_coverage" in names and "findings" in names and "districts" in names
