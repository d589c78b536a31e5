"""Sea zones against an independent oracle: nearest-coast classification of a grid of points,
with exact (continuous) distances rather than the Voronoi diagram of coast points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

import ecozone
from ecozone.errors import GeometryError

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 4_150_000.0  # inside EPSG:4549's area of use


def districts() -> gpd.GeoDataFrame:
    """Three districts on land (y < 0) with a bent coast: a bay between 甲 and 乙, 丙 inland."""
    a = box(0, -20_000, 10_000, 0)
    b = shapely.Polygon([(10_000, -20_000), (24_000, -20_000), (24_000, 3_000), (16_000, 3_000), (10_000, 0)])
    c = box(0, -30_000, 24_000, -20_000)  # no coast
    geoms = [shapely.affinity.translate(g, X0, Y0) for g in (a, b, c)]
    return gpd.GeoDataFrame({"name": ["甲", "乙", "丙"]}, geometry=geoms, crs=CRS)


def coastline() -> gpd.GeoDataFrame:
    line = LineString([(0, 0), (10_000, 0), (16_000, 3_000), (24_000, 3_000)])
    return gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[shapely.affinity.translate(line, X0, Y0)], crs=CRS)


def oracle_areas(dist: gpd.GeoDataFrame, coast: gpd.GeoDataFrame, seaward_m: float, step: float = 100.0) -> dict[str, float]:
    """Classify grid cells in the sea buffer by the exact nearest district coast / land border."""
    land = shapely.union_all(dist.geometry.values)
    line = coast.geometry.iloc[0]
    sea = shapely.buffer(line, seaward_m).difference(land)
    x0, y0, x1, y1 = sea.bounds
    xs, ys = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
    pts = shapely.points(xs.ravel(), ys.ravel())
    pts = pts[shapely.contains_xy(sea, xs.ravel(), ys.ravel())]
    # each district's coast: the part of the coastline nearest to it (the coast lies on the district edges here)
    coasts = {n: shapely.intersection(line, shapely.buffer(g, 1.0)) for n, g in zip(dist["name"], dist.geometry)}
    border = shapely.difference(shapely.boundary(land), shapely.buffer(line, 1000.0))
    names = [n for n, c in coasts.items() if not c.is_empty]
    d = np.column_stack([shapely.distance(pts, coasts[n]) for n in names] + [shapely.distance(pts, border)])
    winner = d.argmin(axis=1)
    return {n: float((winner == i).sum()) * step * step for i, n in enumerate(names)}


def test_sea_zones_match_exact_nearest_coast_classification():
    dist, coast = districts(), coastline()
    zones = ecozone.sea_zones(dist, coast, seaward_km=6, spacing_m=100)
    got = dict(zip(zones["name"], zones.geometry.area))
    want = oracle_areas(dist, coast, 6000)
    assert set(got) == {"甲", "乙"}  # 丙 has no coast
    for name, area in want.items():
        assert got[name] == pytest.approx(area, rel=0.01), name
    assert zones["approximate"].all()
    assert zones["area_km2"].tolist() == pytest.approx((zones.geometry.area / 1e6).tolist())


def test_sea_zones_are_sea_only_disjoint_and_within_the_limit():
    dist, coast = districts(), coastline()
    zones = ecozone.sea_zones(dist, coast, seaward_km=6)
    land = dist.union_all()
    assert zones.intersection(land).area.sum() < 1.0
    a, b = zones.geometry
    assert a.intersection(b).area < 1.0
    vertices = shapely.points(shapely.get_coordinates(zones.geometry.values))
    assert shapely.distance(vertices, coast.geometry.iloc[0]).max() <= 6000 + 1e-6
    # the land border keeps the zones off the neighbours' land south of the coast's ends
    below = box(X0 - 10_000, Y0 - 30_000, X0 + 40_000, Y0 - 1000)
    assert zones.intersection(below).area.sum() == 0


def test_sea_zones_in_lonlat_and_polygon_coastline():
    dist, coast = districts().to_crs(4326), coastline().to_crs(4326)
    zones = ecozone.sea_zones(dist, coast, seaward_km=6)
    assert zones.crs.to_epsg() == 4549  # measured in the Gauss-Krüger zone
    with pytest.raises(GeometryError, match="has no CRS"):
        ecozone.sea_zones(dist, coastline().set_crs(None, allow_override=True))


def test_demo_sea_zones_take_all_marine_layers(demo_atlas):
    zones = ecozone.sea_zones(demo_atlas["districts"], demo_atlas["coastline"])
    assert 9 <= len(zones) <= 11 and "栖霞市" not in set(zones["name"])  # 栖霞 is inland
    land = demo_atlas["districts"].union_all()
    assert zones.intersection(land).area.sum() < 1.0
    overlaps = [a.intersection(b).area for i, a in enumerate(zones.geometry) for b in zones.geometry[i + 1 :]]
    assert max(overlaps) < 1.0
    table = ecozone.coverage(zones, {"ranches": demo_atlas["marine_ranches"], "bays": demo_atlas["bays"]})
    total = table.iloc[-1]
    assert total["ranches_covered_ha"] == pytest.approx(demo_atlas["marine_ranches"].union_all().area / 1e4, rel=1e-6)
    # the bays reach the shoreline, which lies inside AMap's district polygons (intertidal fringe): at sea, all of the rest
    at_sea = demo_atlas["bays"].union_all().difference(land).area / 1e4
    assert total["bays_covered_ha"] == pytest.approx(at_sea, rel=1e-6)
