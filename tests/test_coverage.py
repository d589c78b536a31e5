"""Coverage against independent oracles: direct shapely unions/intersections and pyproj.Geod."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import box

import ecozone
from ecozone.errors import CRSError, GeometryError, SchemaError
from ecozone.measure.overlay import covered_area, dissolve, is_non_overlapping

CRS = "EPSG:4549"

# zones: a 3×2 grid of 1 km cells; one extra zone overlapping two cells (a functional zone)
GRID = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(2) for x in range(3)]


def zones_gdf(extra: bool = False) -> gpd.GeoDataFrame:
    geoms = list(GRID) + ([box(500, 200, 1500, 800)] if extra else [])
    return gpd.GeoDataFrame({"name": [f"z{i}" for i in range(len(geoms))]}, geometry=geoms, crs=CRS)


coord = st.integers(min_value=-300, max_value=3300).map(float)


@st.composite
def polygon(draw):
    kind = draw(st.sampled_from(["box", "holed", "multi", "blob"]))
    x0, y0 = draw(coord), draw(st.integers(-300, 2300).map(float))
    w, h = draw(st.integers(50, 1500)), draw(st.integers(50, 1500))
    b = box(x0, y0, x0 + w, y0 + h)
    if kind == "holed" and w > 200 and h > 200:
        return b.difference(box(x0 + w / 4, y0 + h / 4, x0 + w / 2, y0 + h / 2))
    if kind == "multi":
        return shapely.MultiPolygon([b, box(x0 + w + 100, y0, x0 + 2 * w + 100, y0 + h)])
    if kind == "blob":
        return shapely.Point(x0, y0).buffer(w / 2, quad_segs=draw(st.integers(2, 8)))
    return b


layer_strategy = st.lists(polygon(), min_size=0, max_size=12)


def layer_gdf(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs=CRS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_strategy, st.booleans())
def test_coverage_equals_direct_union_intersection(geoms, extra):
    zones = zones_gdf(extra)
    table = ecozone.coverage(zones, layer_gdf(geoms))
    union = shapely.union_all(geoms) if geoms else shapely.Polygon()
    for row, zone in zip(table.itertuples(), zones.geometry):
        expected = zone.intersection(union).area / 1e4
        assert row.covered_ha == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert row.covered_ha <= row.zone_area_ha + 1e-9
        assert row.covered_mu == pytest.approx(row.covered_ha * 15)
    tot = table.iloc[-1]
    assert tot.zone == "total"
    zone_union = shapely.union_all(zones.geometry.values)
    assert tot.zone_area_ha == pytest.approx(zone_union.area / 1e4)
    assert tot.covered_ha == pytest.approx(zone_union.intersection(union).area / 1e4, rel=1e-9, abs=1e-9)
    assert tot.covered_ha <= union.area / 1e4 + 1e-9
    # overlapping zones are flagged, others not
    assert table["zone_overlaps"].iloc[:-1].tolist() == ([True, True, False, False, False, False, True] if extra else [False] * 6)


@settings(max_examples=60, deadline=None)
@given(layer_strategy)
def test_breakdown_by_field_dissolves_each_category(geoms):
    types = ["a" if i % 2 else "b" for i in range(len(geoms))]
    zones = zones_gdf()
    table = ecozone.coverage(zones, layer_gdf(geoms, type=types), by="type")
    for t in sorted(set(types)):
        union = shapely.union_all([g for g, k in zip(geoms, types) if k == t])
        part = table[table["type"] == t]
        for row, zone in zip(part.itertuples(), zones.geometry):
            assert row.covered_ha == pytest.approx(zone.intersection(union).area / 1e4, rel=1e-9, abs=1e-9)


def test_overlapping_layer_is_not_double_counted():
    same = [box(0, 0, 1000, 1000)] * 9  # nine copies: an overlay without dissolve counts 9×
    table = ecozone.coverage(zones_gdf(), layer_gdf(same))
    assert table.loc[0, "covered_ha"] == pytest.approx(100.0)
    assert table.iloc[-1]["covered_ha"] == pytest.approx(100.0)


def test_voronoi_parcels_take_the_no_dissolve_path():
    rng = np.random.default_rng(1)
    pts = shapely.multipoints(rng.uniform(0, 3000, (500, 2)))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(pts)), box(0, 0, 3000, 2000))
    cells = cells[~shapely.is_empty(cells)]
    assert is_non_overlapping(cells)
    assert dissolve(cells) is not None and len(dissolve(cells)) == len(cells)
    covered = covered_area(np.array(GRID), cells)
    assert covered == pytest.approx([1e6] * 6, rel=1e-9)
    overlapping = np.append(cells, [box(100, 100, 200, 200)])
    assert not is_non_overlapping(overlapping)


def test_several_layers_one_table():
    zones = zones_gdf()
    a = layer_gdf([box(0, 0, 500, 1000)])
    b = layer_gdf([box(0, 0, 1000, 250)])
    table = ecozone.coverage(zones, {"red": a, "ranch": b})
    assert list(table.columns[:4]) == ["zone", "zone_area_ha", "red_covered_ha", "red_covered_km2"]
    assert table.loc[0, "red_covered_share"] == pytest.approx(0.5)
    assert table.loc[0, "ranch_covered_share"] == pytest.approx(0.25)
    assert table["zone"].tolist() == [f"z{i}" for i in range(6)] + ["total"]


def test_layer_in_other_crs_is_reprojected_and_said():
    zones = zones_gdf()
    layer = layer_gdf([box(0, 0, 1000, 1000)]).to_crs(4490)
    table = ecozone.coverage(zones, layer)
    assert table.loc[0, "covered_share"] == pytest.approx(1.0, abs=1e-6)
    assert any("reprojected from EPSG:4490 to EPSG:4549" in n for n in table.attrs["notes"])


def test_geographic_zones_are_measured_in_gauss_kruger_and_match_geodesic(demo_atlas):
    districts = demo_atlas["districts"].to_crs(4326)
    red = demo_atlas["redline_land"].to_crs(4326)
    table = ecozone.coverage(districts, red)
    geod = Geod(ellps="GRS80")
    union = red.geometry.union_all()
    for row, zone in zip(table.itertuples(), districts.geometry):
        inter = zone.intersection(union)
        expected = abs(geod.geometry_area_perimeter(inter)[0]) / 1e4 if not inter.is_empty else 0.0
        assert row.covered_ha == pytest.approx(expected, rel=1e-3, abs=1e-3), row.zone
    assert any("EPSG:4549" in n for n in table.attrs["notes"])


def test_layer_without_crs_is_refused():
    with pytest.raises(CRSError, match="no CRS; fix:"):
        ecozone.coverage(zones_gdf(), gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]))


def test_invalid_polygons_are_repaired_and_counted():
    bow = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    table = ecozone.coverage(zones_gdf(), layer_gdf([bow]))
    assert table.loc[0, "covered_ha"] == pytest.approx(shapely.make_valid(bow).area / 1e4)
    assert any("1 invalid polygon(s) repaired" in n for n in table.attrs["notes"])


def test_empty_layer_gives_zero_coverage():
    table = ecozone.coverage(zones_gdf(), layer_gdf([]))
    assert (table["covered_ha"] == 0).all() and len(table) == 7
    table = ecozone.coverage(zones_gdf(), layer_gdf([], type=[]), by="type")
    assert len(table) == 0


def test_missing_fields_name_the_fix():
    with pytest.raises(SchemaError, match="no field 'district'.*zone_field="):
        ecozone.coverage(zones_gdf(), layer_gdf([]), zone_field="district")
    with pytest.raises(SchemaError, match="no field 'kind' to break down by"):
        ecozone.coverage(zones_gdf(), layer_gdf([box(0, 0, 1, 1)]), by="kind")


def test_polygon_with_a_spike_keeps_its_area_after_repair():
    # make_valid turns this into a GeometryCollection (polygon + line); the polygon must count
    spiked = shapely.Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 500), (-300, 500), (0, 500), (0, 0)])
    assert shapely.make_valid(spiked).geom_type == "GeometryCollection"
    zones = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(-500, 0, 1000, 1000)], crs=CRS)
    table = ecozone.coverage(zones, layer_gdf([spiked]))
    assert table.loc[0, "covered_ha"] == pytest.approx(box(0, 0, 1000, 1000).area / 1e4)


def test_no_zones_gives_a_zero_total_row():
    zones = gpd.GeoDataFrame({"name": []}, geometry=[], crs=CRS)
    table = ecozone.coverage(zones, layer_gdf([box(0, 0, 10, 10)]))
    assert table["zone"].tolist() == ["total"] and table.loc[0, "covered_ha"] == 0


def test_lines_are_refused_not_measured_as_zero():
    coast = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=CRS)
    with pytest.raises(GeometryError, match="feature 0: geometry type LineString, but coverage measures polygons; fix:"):
        ecozone.coverage(zones_gdf(), coast)


def test_errors_name_the_file_when_read_from_one(tmp_path):
    path = tmp_path / "noprj.shp"
    layer_gdf([box(0, 0, 10, 10)]).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"noprj\.shp: layer: has no CRS; fix:"):
        ecozone.coverage(zones_gdf(), ecozone.read_layer(path))


def test_non_overlap_check_catches_an_overlap_between_blocks(monkeypatch):
    """The non-overlap proof works block by block: an overlap between two blocks must still be found."""
    import ecozone.measure.overlay as overlay

    monkeypatch.setattr(overlay, "_CHUNK", 16)
    rng = np.random.default_rng(7)
    pts = shapely.points(rng.uniform(0, 1000, (400, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box(0, 0, 1000, 1000)))
    cells = shapely.intersection(cells, box(0, 0, 1000, 1000))
    rng.shuffle(cells)
    assert is_non_overlapping(cells)
    first, last = cells[0], cells[-1]  # shuffled: almost surely in different blocks
    spoiled = np.append(cells, shapely.union(first, last).buffer(5))  # overlaps both
    assert not is_non_overlapping(spoiled)
    assert not is_non_overlapping(np.append(cells, [cells[200]]))  # an exact duplicate
    merged = dissolve(cells, merge=True)
    assert shapely.area(merged).sum() == pytest.approx(1e6, rel=1e-9)
    assert len(merged) < len(cells)
    zones = np.array([box(0, 0, 500, 1000), box(500, 0, 1000, 1000)])
    assert covered_area(zones, merged).tolist() == pytest.approx([5e5, 5e5], rel=1e-9)
    assert covered_area(zones, dissolve(spoiled, merge=True)).sum() == pytest.approx(1e6, rel=1e-9)


def test_zones_and_layer_given_as_files(tmp_path):
    # the library reads a path it is given (it raised ImportError before): the figures those of the frames
    x, y = 500_000, 4_150_000  # near Yantai, in the CRS's area of use
    zones = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000)],
                             crs=4549)
    layer = gpd.GeoDataFrame(geometry=[box(x + 500, y, x + 1500, y + 400)], crs=4549)
    zones.to_file(tmp_path / "zones.gpkg")
    layer.to_file(tmp_path / "layer.gpkg")
    table = ecozone.coverage(str(tmp_path / "zones.gpkg"), tmp_path / "layer.gpkg")
    assert table["covered_ha"].round(9).tolist() == [20.0, 20.0, 40.0]  # 500 m × 400 m each side, by hand


def test_ellipsoidal_coverage_keeps_a_long_zone_edge_where_it_was_drawn():
    # a 40 km district edge, 120 km east of the central meridian, across a row of 20 m 图斑: moved to the
    # equal-area projection by its two ends only it bowed by metres (1.4 % short); oracle: pyproj.Geod on the
    # pieces clipped in the file's CRS, their edges cut to 10 m (straight in EPSG:4549 as drawn)
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(4549, 4490, always_xy=True)
    geod = Geod(ellps="GRS80")

    def geod_area(g):
        g = shapely.transform(shapely.segmentize(g, 10), lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
        return abs(geod.geometry_area_perimeter(g)[0])

    x, y = 600_000, 4_150_000
    zone = box(x, y, x + 40_000, y + 20_000)
    strip = [box(x + 20_000 + k * 100, y + 19_990, x + 20_100 + k * 100, y + 20_010) for k in range(-5, 5)]
    table = ecozone.coverage(gpd.GeoDataFrame({"name": ["Z"]}, geometry=[zone], crs=4549),
                             gpd.GeoDataFrame(geometry=strip, crs=4549), area_method="ellipsoidal", total=False)
    want = sum(geod_area(g.intersection(zone)) for g in strip)
    assert table["covered_ha"].iloc[0] * 1e4 == pytest.approx(want, rel=1e-5)


def test_zones_union_is_the_union_all_of_the_zones():
    """``zones_union`` (the totals row's zone) is the same ground as shapely's ``union_all``: for districts that
    tile a city (a coverage union), for overlapping zones, for neighbours whose shared edge has different
    vertices on each side, and for zones with a gap between them."""
    from ecozone._resources import dataset_dir
    from ecozone.measure.overlay import zones_union

    districts = gpd.read_file(dataset_dir("yantai") / "districts.geojson").to_crs(4549).geometry.to_numpy()
    cases = {
        "districts": districts,
        "overlapping": np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)]),
        "edge vertices differ": np.array([box(0, 0, 10, 10), shapely.Polygon([(10, 0), (20, 0), (20, 10), (10, 10), (10, 5)])]),
        "gap": np.array([box(0, 0, 10, 10), box(11, 0, 20, 10)]),
        "missing and empty ones": np.array([box(0, 0, 10, 10), None, shapely.Polygon(), box(10, 0, 20, 10)]),
        "4,900 cells (two chunks)": np.array([box(x, y, x + 1, y + 1) for x in range(70) for y in range(70)]),
    }
    for name, geoms in cases.items():
        for ours, oracle in ((zones_union(geoms), shapely.union_all(geoms)),
                             (zones_union(geoms, overlapping=True), shapely.union_all(geoms)),
                             (zones_union(geoms, grid_size=0.5), shapely.union_all(geoms, grid_size=0.5))):
            assert ours.is_valid, name
            assert abs(ours.area - oracle.area) <= 1e-9 * oracle.area, name
            assert shapely.symmetric_difference(ours, oracle).area <= 1e-9 * oracle.area, name
    assert zones_union(np.array([None, shapely.Polygon()], dtype=object)).is_empty
