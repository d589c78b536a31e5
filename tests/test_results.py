"""Result layers (成果图层): the figures on geometries, checked on small hand-built atlases.

Oracles: direct shapely computations on the same metre coordinates (areas, lengths, unions,
intersections, buffers), the unit definitions (1 ha = 10,000 m² = 15 亩) and, for an atlas
given in lon/lat, ``pyproj.Geod``.  Only public names: ``ecozone.Atlas`` and ``ecozone.results``'s
``__all__``.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, box

from ecozone import Atlas, InputError
from ecozone.results import (
    Missing,
    coastline_segments,
    coverage_layer,
    findings_layer,
    measured,
    result_layers,
    retention_layer,
    river_buffer_layer,
    setback_layer,
)

GK = "EPSG:4549"
X0, Y0 = 600_000.0, 4_150_000.0
NATURAL = {"bedrock", "sandy", "muddy", "biological", "restored_natural"}


def frame(rows: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=GK)


def districts() -> gpd.GeoDataFrame:
    """Two 1 km squares side by side; the coast runs along their northern edge."""
    return frame({"name": ["甲区", "乙区"]}, [box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)])


def redline() -> gpd.GeoDataFrame:
    """Two overlapping land polygons (the second inside the first) and one marine polygon."""
    return frame(
        {"type": ["水源涵养", "biodiversity", "coastal_stability"], "realm": ["land", "陆域", "marine"]},
        [box(X0 + 500, Y0, X0 + 1500, Y0 + 500), box(X0 + 600, Y0 + 100, X0 + 1400, Y0 + 400),
         box(X0, Y0 + 1000, X0 + 2000, Y0 + 1500)],
    )


def coast() -> gpd.GeoDataFrame:
    top = Y0 + 1000
    return frame(
        {"class": ["基岩", "artificial", "sandy"], "core_m": [50.0, 100.0, 50.0], "general_m": [100.0, 200.0, 100.0]},
        [LineString([(X0, top), (X0 + 700, top)]), LineString([(X0 + 700, top), (X0 + 1300, top)]),
         LineString([(X0 + 1300, top), (X0 + 2000, top)])],
    )


def bays() -> gpd.GeoDataFrame:
    return frame({"name": ["东湾"]}, [box(X0 + 1000, Y0 + 1000, X0 + 2500, Y0 + 2000)])


def rivers() -> gpd.GeoDataFrame:
    return frame(
        {"name": ["大沽河", "门楼水库"], "level": ["干流", "reservoir"], "buffer_m": [30.0, 20.0]},
        [LineString([(X0 + 200, Y0 + 100), (X0 + 200, Y0 + 900)]), box(X0 + 1600, Y0 + 600, X0 + 1800, Y0 + 800)],
    )


def projects() -> gpd.GeoDataFrame:
    return frame({"id": ["P1", "P2"], "name": ["码头", "远处"]},
                 [box(X0 + 1400, Y0 + 400, X0 + 1600, Y0 + 600), box(X0 + 5000, Y0 + 5000, X0 + 5100, Y0 + 5100)])


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas.from_frames({"districts": (districts(), "district"), "redline": (redline(), "redline"),
                              "coastline": (coast(), "coastline"), "bays": (bays(), "bay"), "rivers": (rivers(), "river"),
                              "projects": (projects(), "project")})


def test_the_hand_built_atlas_is_measured_where_it_was_drawn(atlas):
    assert atlas.crs.to_epsg() == 4549
    assert shapely.equals(atlas["districts"].geometry.values, districts().geometry.values).all()


def test_redline_coverage_dissolves_overlaps_and_keeps_to_land(atlas):
    layer = coverage_layer(atlas)
    land = shapely.union_all(redline().geometry.values[:2])  # the land polygons, dissolved
    for _, row in layer.iterrows():
        zone = districts().set_index("name").geometry[row["name"]]
        covered_m2 = zone.intersection(land).area
        assert row["zone_area_ha"] == pytest.approx(zone.area / 1e4)
        assert row["covered_ha"] == pytest.approx(covered_m2 / 1e4)
        assert row["covered_km2"] == pytest.approx(covered_m2 / 1e6)
        assert row["covered_mu"] == pytest.approx(covered_m2 / (1e4 / 15))
        assert row["covered_share"] == pytest.approx(covered_m2 / zone.area)
    # without the dissolve the inner polygon would be counted twice: 25 + 16 ha in each district
    assert layer["covered_ha"].tolist() == pytest.approx([25.0, 25.0])
    assert layer.crs.equals(atlas.crs) and layer.geometry.geom_type.eq("Polygon").all()


def test_coverage_of_the_marine_realm(atlas):
    layer = coverage_layer(atlas, realm="marine")
    assert layer["covered_ha"].tolist() == pytest.approx([0.0, 0.0])  # the marine polygon is at sea, north of the coast


def oracle_lengths(coastline: gpd.GeoDataFrame, area) -> tuple[float, float]:
    """(natural km, total km) of the coastline inside ``area``: shapely intersections."""
    natural = total = 0.0
    for cls, geom in zip(["bedrock", "artificial", "sandy"], coastline.geometry):
        km = geom.intersection(area).length / 1000
        total += km
        natural += km if cls in NATURAL else 0.0
    return natural, total


def test_retention_by_district_against_shapely(atlas):
    layer = retention_layer(atlas, "district")
    for _, row in layer.iterrows():
        zone = districts().set_index("name").geometry[row["name"]]
        natural, total = oracle_lengths(coast(), zone)
        assert row["total_km"] == pytest.approx(total, abs=1e-9)
        assert row["natural_km"] == pytest.approx(natural, abs=1e-9)
        assert row["artificial_km"] == pytest.approx(total - natural, abs=1e-9)
        assert row["retention"] == pytest.approx(natural / total)
        assert row["area_ha"] == pytest.approx(zone.area / 1e4)


def test_retention_by_bay_counts_coast_within_500_m(atlas):
    layer = retention_layer(atlas, "bay")
    bay = bays().geometry.iloc[0]
    natural, total = oracle_lengths(coast(), bay.buffer(500))  # the documented bay tolerance
    row = layer.iloc[0]
    assert row["name"] == "东湾"
    assert (row["total_km"], row["natural_km"]) == pytest.approx((total, natural), abs=1e-9)
    assert row["retention"] == pytest.approx(natural / total)
    assert row["area_ha"] == pytest.approx(bay.area / 1e4)


def test_coastline_segments(atlas):
    segs = coastline_segments(atlas)
    assert segs["length_km"].tolist() == pytest.approx([g.length / 1000 for g in coast().geometry])
    assert segs["natural"].tolist() == [True, False, True]
    assert segs["district"].iloc[0] == "甲区" and segs["district"].iloc[2] == "乙区"


def test_river_buffers_against_shapely_buffers(atlas):
    layer = river_buffer_layer(atlas).set_index("name")
    line, lake = rivers().geometry
    assert layer.loc["大沽河", "width_m"] == 30.0
    assert layer.loc["大沽河", "length_km"] == pytest.approx(line.length / 1000)
    assert layer.loc["大沽河", "buffer_ha"] == pytest.approx(line.buffer(30).area / 1e4, rel=1e-3)
    assert layer.loc["门楼水库", "water_ha"] == pytest.approx(lake.area / 1e4)
    # a lake's buffer_ha is its whole buffered outline, the water included
    assert layer.loc["门楼水库", "buffer_ha"] == pytest.approx(lake.buffer(20).area / 1e4, rel=1e-3)


def test_setback_zones_against_shapely_buffers(atlas):
    layer = setback_layer(atlas).set_index("zone")
    land = shapely.union_all(districts().geometry.values)
    core = shapely.union_all([g.buffer(w) for g, w in zip(coast().geometry, coast()["core_m"])]).intersection(land)
    general = shapely.union_all([g.buffer(w) for g, w in zip(coast().geometry, coast()["general_m"])]).intersection(land)
    assert layer.loc["core", "area_ha"] == pytest.approx(core.area / 1e4, rel=1e-3)
    assert layer.loc["general", "area_ha"] == pytest.approx(general.difference(core).area / 1e4, rel=1e-3)


def test_findings_layer_puts_each_finding_on_its_feature(atlas):
    layer = findings_layer(atlas)
    assert len(layer) >= 1 and layer.crs.equals(atlas.crs)
    p1 = layer[(layer["feature_layer"] == "projects") & (layer["feature_id"].astype(str) == "P1")]
    assert len(p1) >= 1
    assert p1.geometry.iloc[0].equals(projects().geometry.iloc[0])
    assert not (layer["feature_id"].astype(str) == "P2").any()  # far from everything
    # the overlap figure against shapely's intersection of the project with each red-line polygon it meets
    for _, row in p1.iterrows():
        against = atlas["redline"].set_index("id").geometry[row["against_id"]]
        assert row["overlap_ha"] == pytest.approx(projects().geometry.iloc[0].intersection(against).area / 1e4)


def test_findings_layer_refuses_a_table_that_is_not_findings(atlas):
    import pandas as pd

    with pytest.raises(InputError, match="feature_layer"):
        findings_layer(atlas, pd.DataFrame({"x": [1]}))
    with pytest.raises(Missing):
        findings_layer(atlas, pd.DataFrame(columns=["feature_layer", "feature_id", "severity", "rule"]))


def test_result_layers_gives_what_the_atlas_has_the_layers_for(atlas):
    layers = result_layers(atlas)
    assert set(layers) == {"redline_coverage", "retention_by_district", "retention_by_bay", "coastline_segments",
                           "setback_zones", "river_buffers", "findings"}
    for layer in layers.values():
        assert layer.crs.equals(atlas.crs)
    only_districts = Atlas.from_frames({"districts": (districts(), "district")})
    assert result_layers(only_districts) == {}
    with pytest.raises(Missing):
        coverage_layer(only_districts)


def test_duplicate_district_names_are_refused():
    twins = districts().assign(name=["甲区", "甲区"])
    atlas = Atlas.from_frames({"districts": (twins, "district"), "redline": (redline(), "redline")})
    with pytest.raises(InputError) as err:
        coverage_layer(atlas)
    assert "甲区" in str(err.value) and "\n" not in str(err.value)


def test_measured_adds_area_and_length():
    mixed = frame({"name": ["a", "b"]}, [box(X0, Y0, X0 + 300, Y0 + 200), LineString([(X0, Y0), (X0 + 300, Y0 + 400)])])
    out = measured(mixed)
    assert out["area_ha"].iloc[0] == pytest.approx(6.0) and out["area_ha"].isna().iloc[1]
    assert out["length_km"].iloc[1] == pytest.approx(0.5) and out["length_km"].isna().iloc[0]
    assert "area_ha" not in mixed  # input untouched


def test_lonlat_atlas_figures_match_geodesic():
    geod = Geod(ellps="GRS80")
    zones = gpd.GeoDataFrame({"name": ["甲区", "乙区"]},
                             geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.1, 37.0, 121.2, 37.1)], crs=4326)
    red = gpd.GeoDataFrame({"type": ["水源涵养"], "realm": ["land"]}, geometry=[box(121.05, 37.0, 121.15, 37.05)], crs=4326)
    layer = coverage_layer(Atlas.from_frames({"d": (zones, "district"), "r": (red, "redline")})).set_index("name")
    for name, zone in zip(zones["name"], zones.geometry):
        assert layer.loc[name, "zone_area_ha"] == pytest.approx(abs(geod.geometry_area_perimeter(zone)[0]) / 1e4, rel=1e-3)
        part = zone.intersection(red.geometry.iloc[0])
        assert layer.loc[name, "covered_ha"] == pytest.approx(abs(geod.geometry_area_perimeter(part)[0]) / 1e4, rel=1e-3)


def test_a_red_line_layer_without_realm_still_counts_on_land():
    """Once a bug: of_kind filled its realm with NaN and the realm filter kept only rows reading 'land' (0 ha)."""
    land = frame({"type": ["水源涵养"]}, [box(X0 + 500, Y0, X0 + 1500, Y0 + 500)])  # no realm field (it is optional)
    marine = frame({"type": ["coastal_stability"], "realm": ["marine"]}, [box(X0, Y0 + 1000, X0 + 2000, Y0 + 1500)])
    atlas = Atlas.from_frames({"districts": (districts(), "district"), "red_land": (land, "redline"),
                               "red_marine": (marine, "redline")})
    want = [zone.intersection(land.geometry.iloc[0]).area / 1e4 for zone in districts().geometry]  # 25 ha each
    assert coverage_layer(atlas)["covered_ha"].tolist() == pytest.approx(want)


def test_a_red_line_layer_without_realm_counts_on_land_when_alone():
    land = frame({"type": ["水源涵养"]}, [box(X0 + 500, Y0, X0 + 1500, Y0 + 500)])
    atlas = Atlas.from_frames({"districts": (districts(), "district"), "red_land": (land, "redline")})
    want = [zone.intersection(land.geometry.iloc[0]).area / 1e4 for zone in districts().geometry]
    assert coverage_layer(atlas)["covered_ha"].tolist() == pytest.approx(want)
