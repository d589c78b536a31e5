"""CRS choice and the GCJ-02 / BD-09 conversions."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from ecozone import crs as ecrs
from ecozone.errors import CRSError

GEOD = Geod(ellps="WGS84")

lon_china = st.floats(min_value=73.0, max_value=135.0)
lat_china = st.floats(min_value=18.0, max_value=53.0)


@settings(max_examples=300, deadline=None)
@given(lon_china, lat_china)
def test_gcj02_round_trip_within_half_a_metre(lon, lat):
    # WGS84 -> GCJ-02 of the converted coordinates lands on the input
    wlon, wlat = ecrs.gcj02_to_wgs84(lon, lat)
    glon, glat = ecrs.wgs84_to_gcj02(wlon, wlat)
    _, _, dist = GEOD.inv(lon, lat, float(glon), float(glat))
    assert dist < 0.5


@settings(max_examples=200, deadline=None)
@given(st.floats(119.3, 122.0), st.floats(36.2, 38.5))
def test_gcj02_matches_independent_implementation(lon, lat):
    eviltransform = pytest.importorskip("eviltransform")  # in the test extra
    elat, elon = eviltransform.wgs2gcj(lat, lon)
    glon, glat = ecrs.wgs84_to_gcj02(lon, lat)
    assert GEOD.inv(elon, elat, float(glon), float(glat))[2] < 0.05
    # our inverse, shifted forward by their implementation, lands on the input
    wlon, wlat = ecrs.gcj02_to_wgs84(lon, lat)
    flat, flon = eviltransform.wgs2gcj(float(wlat), float(wlon))
    assert GEOD.inv(lon, lat, flon, flat)[2] < 0.05
    # their own inverse is a bisection that stops at a 1e-6° residual (its positions differ
    # from the true inverse by up to ≈2 m across China): ours leaves no larger a residual
    elat, elon = eviltransform.gcj2wgs_exact(lat, lon)
    rlat, rlon = eviltransform.wgs2gcj(elat, elon)
    # (up to the 5 cm by which the two forward implementations may differ)
    assert GEOD.inv(lon, lat, flon, flat)[2] <= GEOD.inv(lon, lat, rlon, rlat)[2] + 0.05


def test_gcj02_shift_near_yantai_is_the_known_size():
    # DESIGN.md: ≈450–470 m east and 80–115 m north around Yantai
    lon, lat = 121.4, 37.5
    glon, glat = ecrs.wgs84_to_gcj02(lon, lat)
    east = GEOD.inv(lon, lat, float(glon), lat)[2]
    north = GEOD.inv(lon, lat, lon, float(glat))[2]
    assert 440 < east < 480
    assert 80 < north < 120


def test_outside_china_is_not_shifted():
    lon, lat = ecrs.wgs84_to_gcj02(2.35, 48.85)
    assert (float(lon), float(lat)) == (2.35, 48.85)


@settings(max_examples=100, deadline=None)
@given(lon_china, lat_china)
def test_bd09_round_trip(lon, lat):
    blon, blat = ecrs.gcj02_to_bd09(lon, lat)
    glon, glat = ecrs.bd09_to_gcj02(blon, blat)
    assert GEOD.inv(lon, lat, float(glon), float(glat))[2] < 1.0


def test_geometry_conversion_round_trip():
    poly = shapely.Polygon([(121.0, 37.0), (121.2, 37.0), (121.2, 37.2), (121.0, 37.0)])
    there = ecrs.from_wgs84_geometries(np.array([poly]), "gcj02")
    back = ecrs.to_wgs84_geometries(there, "gcj02")[0]
    assert shapely.get_coordinates(back) == pytest.approx(shapely.get_coordinates(poly), abs=1e-8)


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [(120.9, 4549), (121.49, 4549), (121.5, 4549), (121.51, 4550), (117.0, 4548), (114.0, 4547), (75.0, 4534), (135.0, 4554)],
)
def test_gauss_kruger_zone_of_centre(lon, epsg):
    assert ecrs.gk_zone_crs(lon).to_epsg() == epsg


def test_gauss_kruger_zone_outside_china_range():
    crs = ecrs.gk_zone_crs(10.0)
    assert crs.is_projected and crs.coordinate_operation.params[1].value == 9


@pytest.mark.parametrize("bad", ["EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:3395", "gcj02"])
def test_refuses_to_measure_in_degrees_or_mercator(bad):
    with pytest.raises(CRSError, match="fix:"):
        ecrs.check_measurement_crs(bad)


def test_accepts_gauss_kruger_and_equal_area():
    assert ecrs.check_measurement_crs("EPSG:4549").to_epsg() == 4549
    assert ecrs.check_measurement_crs("+proj=laea +lat_0=37 +lon_0=121 +ellps=GRS80 +units=m").is_projected


def test_unknown_crs_names_the_fix():
    with pytest.raises(CRSError, match="not a known coordinate reference system; fix:"):
        ecrs.parse_crs("EPSG:999999")


def test_measurement_crs_for_yantai():
    assert ecrs.measurement_crs((119.5, 36.5, 121.95, 38.4)).to_epsg() == 4549
    with pytest.raises(CRSError):
        ecrs.measurement_crs((119.5, 36.5, 121.95, 38.4), override="EPSG:3857")
