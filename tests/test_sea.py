"""Sea zones against an independent oracle: nearest-coast classification of a grid of points,
with exact (continuous) distances rather than the Voronoi diagram of coast points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

import ecozone
from ecozone.errors import CRSError

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


@pytest.mark.filterwarnings("ignore::ecozone.SeaZoneWarning")  # no land given: the districts alone
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


@pytest.mark.filterwarnings("ignore::ecozone.SeaZoneWarning")  # no land given: the districts alone
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


@pytest.mark.filterwarnings("ignore::ecozone.SeaZoneWarning")  # no land given: the districts alone
def test_sea_zones_in_lonlat_and_polygon_coastline():
    dist, coast = districts().to_crs(4326), coastline().to_crs(4326)
    zones = ecozone.sea_zones(dist, coast, seaward_km=6)
    assert zones.crs.to_epsg() == 4549  # measured in the Gauss-Krüger zone
    with pytest.raises(CRSError, match="has no CRS"):  # one error class for a missing CRS everywhere
        ecozone.sea_zones(dist, coastline().set_crs(None, allow_override=True))


def test_demo_sea_zones_take_the_marine_layers_at_sea_on_the_city_side(demo_atlas):
    land_layer = demo_atlas["land"]
    zones = ecozone.sea_zones(demo_atlas["districts"], demo_atlas["coastline"], land=land_layer)
    assert 9 <= len(zones) <= 11 and "栖霞市" not in set(zones["name"])  # 栖霞 is inland
    land = shapely.union_all([demo_atlas["districts"].union_all(), land_layer.union_all()])
    assert zones.intersection(land).area.sum() < 10_000
    overlaps = [a.intersection(b).area for i, a in enumerate(zones.geometry) for b in zones.geometry[i + 1 :]]
    assert max(overlaps) < 1.0
    table = ecozone.coverage(zones, {"ranches": demo_atlas["marine_ranches"], "bays": demo_atlas["bays"]})
    total = table.iloc[-1]
    # every demo ranch lies at sea on Yantai's side: all of it is in a zone
    assert total["ranches_covered_ha"] == pytest.approx(demo_atlas["marine_ranches"].union_all().area / 1e4, rel=1e-6)
    # the bays reach the shoreline (their hulls take in some land) and the 莱州湾 red line reaches towards Weifang:
    # what no zone takes is land, or sea nearer to a neighbour's coast than to Yantai's (exact distances)
    coast = demo_atlas["coastline"].union_all()
    theirs = shapely.difference(land_layer.boundary.union_all(), coast.buffer(1000))
    for name in ("bays", "redline_marine", "marine_ranches"):
        left = demo_atlas[name].union_all().difference(zones.union_all()).difference(land)
        parts = [p for p in shapely.get_parts(left) if p.area > 10_000]  # slivers along zone edges aside
        for part in parts:
            pts = shapely.points(shapely.get_coordinates(part.buffer(-50)))
            pts = pts[~shapely.is_empty(pts)]
            if len(pts):
                assert (shapely.distance(pts, theirs) <= shapely.distance(pts, coast) + 250).mean() > 0.95, name


# ----------------------------------------------------------------------------- land is never sea


def neighbour() -> gpd.GeoDataFrame:
    """A neighbouring city east of 乙 whose coast continues the city's at y = 3 km, and an island off it."""
    city = shapely.Polygon([(24_000, -20_000), (40_000, -20_000), (40_000, 3_000), (24_000, 3_000)])
    island = box(30_000, 6_000, 32_000, 7_000)
    geoms = [shapely.affinity.translate(g, X0, Y0) for g in (city, island)]
    return gpd.GeoDataFrame({"name": ["邻市", "邻市岛"]}, geometry=geoms, crs=CRS)


def own_land() -> gpd.GeoDataFrame:
    """The city's own land as another source draws it: 甲's shore 1.5 km seaward of the coastline (a
    reclamation), and an island 3 km off 甲 that the coastline layer does not have."""
    strip = box(0, -1000, 10_000, 1500)
    island = box(4000, 3000, 5000, 3600)
    geoms = [shapely.affinity.translate(g, X0, Y0) for g in (strip, island)]
    return gpd.GeoDataFrame({"name": ["甲区填海", "甲区岛"]}, geometry=geoms, crs=CRS)


def oracle_areas_with_land(dist, coast, theirs, land, seaward_m: float, step: float = 100.0) -> dict[str, float]:
    """Grid cells of sea (the coast's buffer, minus the districts, minus all the land), each given to the exactly
    nearest of: each district's coast, the land border, the coasts of the land known to be the neighbours'
    (``theirs``) away from the city's coastline."""
    city = shapely.union_all(dist.geometry.values)
    line = coast.geometry.iloc[0]
    sea = shapely.buffer(line, seaward_m).difference(city).difference(land.union_all())
    x0, y0, x1, y1 = sea.bounds
    xs, ys = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
    inside = shapely.contains_xy(sea, xs.ravel(), ys.ravel())
    pts = shapely.points(xs.ravel()[inside], ys.ravel()[inside])
    coasts = {n: shapely.intersection(line, shapely.buffer(g, 1.0)) for n, g in zip(dist["name"], dist.geometry)}
    names = [n for n, c in coasts.items() if not c.is_empty]
    border = shapely.difference(shapely.boundary(city), shapely.buffer(line, 1000.0))
    their_coast = shapely.difference(theirs.union_all().boundary, shapely.buffer(line, 1000.0))
    d = np.column_stack([shapely.distance(pts, coasts[n]) for n in names]
                        + [shapely.distance(pts, border), shapely.distance(pts, their_coast)])
    winner = d.argmin(axis=1)
    return {n: float((winner == i).sum()) * step * step for i, n in enumerate(names)}


def test_land_is_never_sea_and_the_neighbours_side_is_theirs():
    dist, coast, land = districts(), coastline(), neighbour()
    zones = ecozone.sea_zones(dist, coast, seaward_km=6, spacing_m=100, land=land)
    assert zones.intersection(land.union_all()).area.max() < 1.0
    got = dict(zip(zones["name"], zones.geometry.area))
    want = oracle_areas_with_land(dist, coast, land, land, 6000)
    assert set(got) == set(want) == {"甲", "乙"}
    for name, area in want.items():
        assert got[name] == pytest.approx(area, rel=0.01), name
    # the sea off the neighbour's coast (east of x = 24 km + the seaward limit) is nobody's here
    east = box(X0 + 30_001, Y0, X0 + 60_000, Y0 + 20_000)
    assert zones.intersection(east).area.sum() == 0
    assert any("land never sea" in n for n in zones.attrs["notes"])


def test_the_citys_own_land_drawn_differently_is_land_but_not_the_neighbours():
    """Land the coastline layer draws otherwise (a reclamation 1.5 km out, an island it lacks) is never sea, but
    its shore is not a neighbour's: the sea beyond it stays the city's (the oracle knows whose land is whose)."""
    dist, coast = districts(), coastline()
    land = gpd.GeoDataFrame(pd.concat([neighbour(), own_land()], ignore_index=True), crs=CRS)
    zones = ecozone.sea_zones(dist, coast, seaward_km=6, spacing_m=100, land=land)
    assert zones.intersection(land.union_all()).area.max() < 1.0
    got = dict(zip(zones["name"], zones.geometry.area))
    want = oracle_areas_with_land(dist, coast, neighbour(), land, 6000)
    for name, area in want.items():
        assert got[name] == pytest.approx(area, rel=0.01), name
    # without the neighbour, the city's own land takes nothing but itself from the sea
    alone = ecozone.sea_zones(dist, coast, seaward_km=6, spacing_m=100, land=own_land())
    with pytest.warns(ecozone.SeaZoneWarning, match="no land polygon lies within"):  # an empty land layer
        plain = ecozone.sea_zones(dist, coast, seaward_km=6, spacing_m=100, land=own_land().iloc[:0])
    lost = plain.union_all().difference(alone.union_all()).area
    assert lost == pytest.approx(plain.union_all().intersection(own_land().union_all()).area, rel=0.01)


def test_without_land_the_neighbours_land_is_taken_and_a_warning_says_so():
    dist, coast, land = districts(), coastline(), neighbour()
    with pytest.warns(ecozone.SeaZoneWarning, match="may be counted as sea; fix: pass land="):
        zones = ecozone.sea_zones(dist, coast, seaward_km=6)
    # what the warning is about: the neighbour's island and coast strip are inside 乙's zone
    assert zones.intersection(land.union_all()).area.sum() > 1e6


def test_demo_sea_zones_never_take_the_demo_land(demo_atlas):
    land = demo_atlas["land"]
    zones = ecozone.sea_zones(demo_atlas["districts"], demo_atlas["coastline"], land=land)
    overlap = zones.intersection(land.union_all()).area / 1e6
    assert overlap.max() <= 0.01, dict(zip(zones["name"], overlap))
    assert 9 <= len(zones) <= 11 and "栖霞市" not in set(zones["name"])


def _datav_neighbours(shared_data, crs) -> gpd.GeoDataFrame:
    """Shandong's cities from DataV (GCJ-02), every vertex converted to WGS84 by the independent
    ``eviltransform`` package, Yantai itself left out."""
    import eviltransform

    raw = gpd.read_file(shared_data / "admin_datav" / "370000_full.json")
    raw = raw[raw["adcode"].astype(str) != "370600"]

    def to_wgs(coords):
        return np.array([eviltransform.gcj2wgs_exact(lat, lon)[::-1] for lon, lat in coords])

    geoms = shapely.transform(shapely.make_valid(raw.geometry.values), to_wgs)
    return gpd.GeoDataFrame({"name": raw["name"].to_numpy()}, geometry=geoms, crs=4326).to_crs(crs)


def test_demo_sea_zones_keep_off_the_neighbouring_cities_datav(shared_data, demo_atlas):
    """DataV's coast lies a median 350 m (p75 790 m) from GSHHG's: its cities shrunk inward by 2 km must
    not lie in any sea zone (≤ 1 km² of each city in each zone)."""
    zones = ecozone.sea_zones(demo_atlas["districts"], demo_atlas["coastline"], land=demo_atlas["land"])
    cities = _datav_neighbours(shared_data, zones.crs)
    cores = cities.buffer(-2000)
    near = cities[cores.intersects(zones.union_all().buffer(30_000))]
    assert {"威海市", "青岛市", "潍坊市"} <= set(near["name"])
    for name, core in zip(cities["name"], cores):
        inside = zones.intersection(core).area / 1e6
        assert inside.max() <= 1.0, (name, dict(zip(zones["name"], inside.round(2))))
    # the oracle catches the old behaviour: without the land, hundreds of km² of the neighbours were sea
    with pytest.warns(ecozone.SeaZoneWarning):
        old = ecozone.sea_zones(demo_atlas["districts"], demo_atlas["coastline"])
    taken = sum(old.intersection(core).area.sum() for core in cores) / 1e6
    assert taken > 300


def test_demo_land_layer_is_gshhg_land_around_the_city(demo_atlas):
    """The land layer (GSHHG) against the city's districts (AMap, an independent source): it covers them but for
    the intertidal fringe AMap draws (96 %), its polygons never overlap, and it holds land beyond the city."""
    land = demo_atlas["land"]
    union, districts = land.union_all(), demo_atlas["districts"].union_all()
    assert land.geometry.is_valid.all()
    assert land.area.sum() == pytest.approx(union.area, rel=1e-9)  # no overlaps
    assert districts.intersection(union).area / districts.area > 0.95
    assert union.difference(districts).area / 1e6 > 5000  # Weihai, Qingdao and Weifang land in the region
    assert land["island"].sum() > 50 and (~land["island"]).sum() >= 1


def test_land_that_cannot_be_the_land_around_is_warned_about():
    dist, coast = districts(), coastline()
    far = gpd.GeoDataFrame(geometry=[box(X0 + 500_000, Y0, X0 + 510_000, Y0 + 10_000)], crs=CRS)
    with pytest.warns(ecozone.SeaZoneWarning, match="no land polygon lies within 6 km of the coastline"):
        ecozone.sea_zones(dist, coast, seaward_km=6, land=far)
    everything = gpd.GeoDataFrame(geometry=[box(X0 - 50_000, Y0 - 50_000, X0 + 80_000, Y0 + 50_000)], crs=CRS)
    with pytest.warns(ecozone.SeaZoneWarning, match=r"the land covers 100% of the sea within 6 km"):
        zones = ecozone.sea_zones(dist, coast, seaward_km=6, land=everything)
    assert zones.geometry.area.sum() < 1.0
