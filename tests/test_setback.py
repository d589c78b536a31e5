"""Setback zones against hand-computed areas (strips and quarter-disc end caps)."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

import ecozone
from ecozone.errors import SchemaError

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 4_150_000.0
LAND = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(X0 - 5000, Y0 - 5000, X0 + 15000, Y0)], crs=CRS)


def coast(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values()))) if cols else 1
    geoms = [LineString([(X0 + i * 5000, Y0), (X0 + (i + 1) * 5000, Y0)]) for i in range(n)]
    return gpd.GeoDataFrame({"class": ["sandy"] * n, **cols}, geometry=geoms, crs=CRS)


def strip(length, width):
    """Landward area of a straight coast's buffer: the strip plus two quarter discs at the ends."""
    return length * width + math.pi * width**2 / 2


def test_uniform_widths_landward():
    zones = ecozone.setback_zones(coast(), core_m=100, general_m=300, land=LAND).set_index("zone")
    assert zones.loc["core", "area_ha"] * 1e4 == pytest.approx(strip(5000, 100), rel=2e-3)
    assert zones.loc["general", "area_ha"] * 1e4 == pytest.approx(strip(5000, 300) - strip(5000, 100), rel=2e-3)
    assert zones.geometry["core"].intersection(zones.geometry["general"]).area < 1e-6
    both = ecozone.setback_zones(coast(), core_m=100, general_m=300)  # no land: both sides
    assert both.set_index("zone").loc["core", "area_ha"] * 1e4 == pytest.approx(5000 * 200 + math.pi * 100**2, rel=2e-3)


def test_per_segment_fields_then_defaults_and_urban_boundary():
    lines = coast(core_m=[50.0, None], general_m=[200.0, None])
    zones = ecozone.setback_zones(lines, core_m=100, general_m=300, land=LAND).set_index("zone")
    # segment 1 (0-5 km): 50/200 m from its fields; segment 2 (5-10 km): the defaults 100/300 m
    core = zones.loc["core", "area_ha"] * 1e4
    assert core == pytest.approx(5000 * 50 + 5000 * 100 + math.pi * (50**2 + 100**2) / 4, rel=5e-3)
    urban = gpd.GeoDataFrame(geometry=[box(X0 + 5000, Y0 - 3000, X0 + 11000, Y0 + 3000)], crs=CRS)
    narrower = ecozone.setback_zones(lines, core_m=100, general_m=300, land=LAND, urban=urban, urban_core_m=25, urban_general_m=100)
    assert narrower.set_index("zone").loc["core", "area_ha"] * 1e4 == pytest.approx(5000 * 50 + 5000 * 25, rel=1e-2)


def test_widths_missing_or_inconsistent_are_errors():
    with pytest.raises(SchemaError, match=r"1 segment\(s\) without a setback width: 0.*fix: fill core_m"):
        ecozone.setback_zones(coast())
    with pytest.raises(SchemaError, match="general zone at least as wide"):
        ecozone.setback_zones(coast(), core_m=300, general_m=100)


def test_findings_core_is_a_violation(demo_atlas):
    zones = ecozone.setback_zones(demo_atlas["coastline"], land=demo_atlas["districts"])
    found = ecozone.setback_findings(demo_atlas["projects"], zones)
    hotel = found[found["feature_id"] == "J05"].set_index("against_id")
    assert hotel.loc["core", "severity"] == "violation" and hotel.loc["general", "severity"] == "warning"
    footprint = demo_atlas["projects"].set_index("id").geometry["J05"]
    assert hotel["overlap_ha"].sum() == pytest.approx(footprint.intersection(zones.union_all()).area / 1e4, rel=1e-9)
    assert set(found["feature_id"]) == {"J05"}
