"""Restoration area against direct shapely unions, and the demo's progress against pyproj.Geod."""

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
from ecozone.errors import SchemaError

CRS = "EPSG:4549"
ZONES = gpd.GeoDataFrame(
    {"name": ["西", "东"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=CRS
)

project = st.tuples(
    st.integers(-400, 2200), st.integers(-400, 1200), st.integers(50, 900), st.integers(50, 900),
    st.sampled_from(["coastal_wetland", "滨海湿地", "mine"]),
    st.sampled_from(["completed", "已完成", "ongoing", "planned"]),
    st.sampled_from([2021, 2023, 2025]),
)


def frame(items) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": [f"P{i}" for i in range(len(items))],
            "type": [t for *_, t, _, _ in items],
            "status": [s for *_, s, _ in items],
            "year": [y for *_, y in items],
        },
        geometry=[box(x, y, x + w, y + h) for x, y, w, h, *_ in items],
        crs=CRS,
    )


NORMAL = {"滨海湿地": "coastal_wetland", "已完成": "completed"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(project, min_size=1, max_size=10))
def test_restoration_equals_direct_unions(items):
    gdf = frame(items)
    table = ecozone.restoration(gdf, ZONES, by=("type", "status"))
    types = [NORMAL.get(t, t) for t in gdf["type"]]
    statuses = [NORMAL.get(s, s) for s in gdf["status"]]
    zone_union = ZONES.union_all()
    for key in set(zip(types, statuses)):
        own = [g for g, t, s in zip(gdf.geometry, types, statuses) if (t, s) == key]
        union = shapely.union_all(own)
        rows = table[(table["type"] == key[0]) & (table["status"] == key[1])].set_index("zone")
        total = rows.loc["total"]
        assert total["area_ha"] == pytest.approx(union.area / 1e4, rel=1e-9, abs=1e-9)
        assert total["overlap_ha"] == pytest.approx((sum(g.area for g in own) - union.area) / 1e4, rel=1e-9, abs=1e-7)
        assert total["projects"] == len(own)
        assert total["area_mu"] == pytest.approx(total["area_ha"] * 15, rel=1e-4)
        for name, zone in zip(ZONES["name"], ZONES.geometry):
            inside = union.intersection(zone).area / 1e4
            assert (rows.loc[name, "area_ha"] if name in rows.index else 0.0) == pytest.approx(inside, rel=1e-9, abs=1e-9)
        outside = union.difference(zone_union).area / 1e4
        assert (rows.loc["outside", "area_ha"] if "outside" in rows.index else 0.0) == pytest.approx(outside, abs=1e-6)
        # never more than the union, however the rows are split
        assert rows.drop(index="total")["area_ha"].sum() <= total["area_ha"] * (1 + 1e-9) + 1e-9


def test_progress_counts_completed_projects_once_and_by_year():
    # two overlapping completed wetland phases (60 ha each, 30 ha in common), one ongoing, one too late
    gdf = frame([
        (0, 0, 1000, 600, "coastal_wetland", "completed", 2021),
        (500, 0, 1000, 600, "滨海湿地", "已完成", 2023),
        (0, 700, 500, 200, "coastal_wetland", "ongoing", 2024),
        (3000, 0, 1000, 1000, "coastal_wetland", "completed", 2027),
    ])
    p = ecozone.restoration_progress(gdf, 100, restoration_type="滨海湿地", until=2025)
    assert p["achieved_ha"] == pytest.approx(90.0)  # union, not the sum of 120
    assert p["overlap_ha"] == pytest.approx(30.0)
    assert p["met"] is False and p["share"] == pytest.approx(0.9)
    assert p["project_ids"] == ["P0", "P1"] and p["status"] == ["completed"]
    asked = ecozone.restoration_progress(gdf, 100, restoration_type="coastal_wetland", until=2025, status=("completed", "ongoing"))
    assert asked["achieved_ha"] == pytest.approx(100.0) and asked["met"] is True


def test_demo_wetland_progress_agrees_with_geodesic_area(demo_atlas):
    projects = demo_atlas["restoration"]
    with pytest.warns(DeprecationWarning, match=r"restoration_progress\(type=…\) is deprecated; use restoration_type=…"):
        p = ecozone.restoration_progress(projects, 120, type="coastal_wetland", until=2025)  # the old keyword
    chosen = projects[(projects["type"] == "coastal_wetland") & (projects["status"] == "completed") & (projects["year"] <= 2025)]
    union = chosen.to_crs(4326).union_all()
    geodesic_ha = abs(Geod(ellps="GRS80").geometry_area_perimeter(union)[0]) / 1e4
    assert p["achieved_ha"] == pytest.approx(geodesic_ha, rel=1e-3)
    summed = chosen.area.sum() / 1e4
    assert p["overlap_ha"] == pytest.approx(summed - p["achieved_ha"], rel=1e-9) and p["overlap_ha"] > 1


def test_without_zones_only_total_rows_and_lonlat_input():
    gdf = frame([(500_000, 4_150_000, 1000, 1000, "mine", "completed", 2021)]).to_crs(4326)  # near 120°E, 37.5°N
    table = ecozone.restoration(gdf, by="type")
    assert table["zone"].tolist() == ["total"]
    assert table["area_ha"].iloc[0] == pytest.approx(100.0, rel=1e-6)
    assert any("reprojected" in n for n in table.attrs["notes"])


def test_empty_and_missing_field():
    empty = frame([]).iloc[0:0]
    assert len(ecozone.restoration(empty, ZONES)) == 0
    with pytest.raises(SchemaError, match="no field 'year'"):
        ecozone.restoration(frame([(0, 0, 10, 10, "mine", "completed", 2021)]).drop(columns="year"), ZONES)


def test_ellipsoidal_restored_area_is_the_geodesic_area_of_the_union(tmp_path):
    # two overlapping wetland projects 120 km east of the central meridian, where the Gauss-Krüger plane overstates
    # areas by 3.6e-4: ellipsoidal areas equal pyproj.Geod's of the union, planar ones shapely's, and the CLI says which
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(4549, 4490, always_xy=True)
    x, y = 620_000, 4_160_000
    shapes = [box(x, y, x + 800, y + 600), box(x + 500, y + 300, x + 1_300, y + 900)]
    projects = gpd.GeoDataFrame({"id": ["a", "b"], "type": "coastal_wetland", "status": "completed", "year": 2024},
                                geometry=shapes, crs=4549)
    union = shapely.segmentize(shapely.union_all(shapes), 10)
    lonlat = shapely.transform(union, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    geodesic_ha = abs(Geod(ellps="GRS80").geometry_area_perimeter(lonlat)[0]) / 1e4
    ell = ecozone.restoration(projects, by=(), area_method="ellipsoidal")
    assert ell["area_ha"].iloc[-1] == pytest.approx(geodesic_ha, rel=1e-7)
    assert ell.attrs["area_method"] == "ellipsoidal"
    planar = ecozone.restoration(projects, by=())
    assert planar["area_ha"].iloc[-1] == pytest.approx(shapely.union_all(shapes).area / 1e4, rel=1e-12)
    assert planar["area_ha"].iloc[-1] / ell["area_ha"].iloc[-1] == pytest.approx(1.00036, abs=2e-5)
    progress = ecozone.restoration_progress(projects, 80, area_method="ellipsoidal")
    assert progress["achieved_ha"] == pytest.approx(geodesic_ha, rel=1e-7) and progress["area_method"] == "ellipsoidal"

    import json, subprocess, sys

    projects.to_file(tmp_path / "projects.gpkg")
    r = subprocess.run([sys.executable, "-m", "ecozone", "restoration", "--projects", str(tmp_path / "projects.gpkg"),
                        "--by", "", "--target-ha", "80", "--area-method", "ellipsoidal", "-o", str(tmp_path / "r.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert doc["area_method"] == "ellipsoidal" and doc["progress"]["area_method"] == "ellipsoidal"
    assert doc["rows"][-1]["area_ha"] == pytest.approx(geodesic_ha, rel=1e-7)
