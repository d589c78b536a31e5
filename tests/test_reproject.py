"""Reprojecting many geometries on every core (ecozone.crs.reproject) against pyproj applied point by point
and geopandas' to_crs (the oracles), and the CLI reprojecting a lon/lat layer as it reads it."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from ecozone.cli import main
from ecozone.crs import reproject, reproject_frame


def parcels(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    centres = rng.uniform((121.0, 37.2), (121.6, 37.6), size=(n, 2))
    geoms = shapely.buffer(shapely.points(centres), 0.002, quad_segs=2)
    geoms[::7] = shapely.multipolygons([[g, shapely.box(*(np.array(g.bounds) + 0.01))] for g in geoms[::7]])
    return gpd.GeoDataFrame({"id": np.arange(n)}, geometry=geoms, crs=4326)


def test_reproject_equals_pyproj_point_by_point_and_to_crs(monkeypatch):
    import ecozone.crs.reprojection as module

    monkeypatch.setattr(module, "_SLICE", 1_000)  # many slices, spread over the threads
    frame = parcels(3_000)
    out = reproject(frame.geometry.values, 4326, 4549)
    transformer = Transformer.from_crs(4326, 4549, always_xy=True)
    xy = shapely.get_coordinates(frame.geometry.values)
    expected = np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    assert np.abs(shapely.get_coordinates(out) - expected).max() < 1e-6
    assert (shapely.get_type_id(out) == shapely.get_type_id(frame.geometry.values)).all()
    # the input is untouched
    assert np.array_equal(shapely.get_coordinates(frame.geometry.values), xy)
    assert shapely.equals_exact(out, frame.to_crs(4549).geometry.values, tolerance=1e-6).all()


def test_in_place_replaces_the_frame_s_own_geometries(monkeypatch):
    import ecozone.crs.reprojection as module

    monkeypatch.setattr(module, "_GEOMETRIES", 500)
    frame = parcels(2_100)
    expected = frame.to_crs(4549)
    same = reproject_frame(frame, 4549, in_place=True)
    assert same is frame and frame.crs.to_epsg() == 4549
    assert shapely.equals_exact(frame.geometry.values, expected.geometry.values, tolerance=1e-6).all()
    copy = reproject_frame(expected, 4326)
    assert copy is not expected and expected.crs.to_epsg() == 4549 and copy.crs.to_epsg() == 4326


def test_cli_coverage_of_a_lonlat_layer_says_it_was_reprojected(tmp_path):
    zones = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.box(121.0, 37.2, 121.3, 37.6),
                                                             shapely.box(121.3, 37.2, 121.6, 37.6)], crs=4326)
    zones.to_crs(4549).to_file(tmp_path / "zones.gpkg")
    layer = parcels(500)
    layer.to_file(tmp_path / "layer.gpkg")
    result = CliRunner().invoke(main, ["coverage", "--zones", str(tmp_path / "zones.gpkg"), "--layer",
                                       str(tmp_path / "layer.gpkg"), "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert "layer reprojected from EPSG:4326 to EPSG:4549" in result.output
    doc = json.loads((tmp_path / "out.json").read_text("utf-8"))
    rows = {r["zone"]: r for r in doc["rows"]} if "rows" in doc else {r["zone"]: r for r in doc["table"]}
    union = shapely.union_all(layer.to_crs(4549).geometry.values)
    for zone in zones.to_crs(4549).itertuples():
        assert rows[zone.name]["covered_ha"] == pytest.approx(shapely.intersection(zone.geometry, union).area / 1e4,
                                                             rel=1e-9)
