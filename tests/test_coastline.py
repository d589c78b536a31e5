"""Natural-coastline retention on coastlines with hand-computable answers, and against pyproj.Geod."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, box

import ecozone
from ecozone._resources import dataset_dir
from ecozone.errors import GeometryError, SchemaError

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 4_150_000.0


def line(x0, x1, y=0.0):
    return LineString([(X0 + x0, Y0 + y), (X0 + x1, Y0 + y)])


def coast() -> gpd.GeoDataFrame:
    """Mainland along y=0 from x=0 to 11 km, and a 5 km island shore offshore."""
    rows = [
        ("S1", "基岩", False, line(0, 3000)),            # bedrock 3 km, in 甲
        ("S2", "sandy", False, line(3000, 5000)),         # 2 km, in 甲
        ("S3", "人工岸线", False, line(5000, 9000)),       # artificial 4 km, in 乙
        ("S4", "estuarine", False, line(9000, 10000)),    # 1 km, in 乙
        ("S5", "restored_natural", False, line(10000, 11000)),  # 1 km, in 乙
        ("I1", "bedrock", True, line(2000, 7000, 5000)),  # island, 5 km
    ]
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "class": [r[1] for r in rows], "island": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        crs=CRS,
    )


ZONES = gpd.GeoDataFrame(
    {"name": ["甲", "乙"]},
    geometry=[box(X0 - 1000, Y0 - 20000, X0 + 5000, Y0 - 100), box(X0 + 5000, Y0 - 20000, X0 + 12000, Y0 - 100)],
    crs=CRS,
)
BAYS = gpd.GeoDataFrame({"name": ["东湾"]}, geometry=[box(X0 + 8000, Y0, X0 + 12000, Y0 + 3000)], crs=CRS)


@pytest.mark.parametrize(
    "islands, estuarine, natural, total",
    [
        (False, "artificial", 6, 11),
        (False, "natural", 7, 11),
        (False, "exclude", 6, 10),
        (True, "artificial", 11, 16),
        (True, "exclude", 11, 15),
    ],
)
def test_retention_settings(islands, estuarine, natural, total):
    r = ecozone.coastline_retention(coast(), include_islands=islands, estuarine=estuarine)
    assert r.total_km == pytest.approx(total)
    assert r.natural_km == pytest.approx(natural)
    assert r.retention == pytest.approx(natural / total)
    by_class = r.by_class.set_index("class")["length_km"]
    assert by_class["bedrock"] == pytest.approx(8 if islands else 3) and by_class["artificial"] == pytest.approx(4)


def test_by_zone_splits_at_the_boundary_and_by_bay_within_tolerance():
    r = ecozone.coastline_retention(coast(), zones=ZONES, bays=BAYS, bay_tolerance_m=500)
    zones = r.by_zone.set_index("zone")
    assert zones.loc["甲", "total_km"] == pytest.approx(5.0) and zones.loc["甲", "retention"] == pytest.approx(1.0)
    assert zones.loc["乙", "total_km"] == pytest.approx(6.0) and zones.loc["乙", "natural_km"] == pytest.approx(1.0)
    # one segment crossing the boundary at x = 5 km is split there
    crossing = gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(2000, 8000)], crs=CRS)
    split = ecozone.coastline_retention(crossing, zones=ZONES).by_zone.set_index("zone")["total_km"]
    assert split["甲"] == pytest.approx(3.0, abs=0.05) and split["乙"] == pytest.approx(3.0, abs=0.05)
    assert split.sum() == pytest.approx(6.0)
    bay = r.by_bay.set_index("bay").loc["东湾"]
    # x from 8 km (bay edge) - 0.5 km tolerance to 11 km: 0.5 km artificial + 1 artificial, 1 estuarine, 1 restored
    assert bay["total_km"] == pytest.approx(3.5, abs=0.05)
    assert bay["natural_km"] == pytest.approx(1.0) and bay["estuarine_km"] == pytest.approx(1.0)


def test_demo_length_agrees_with_geodesic_length(demo_atlas):
    lines = demo_atlas["coastline"]
    r = ecozone.coastline_retention(lines)
    mainland = lines[~lines["island"].astype(bool)].to_crs(4326)
    geod = Geod(ellps="GRS80")
    geodesic_km = sum(geod.geometry_length(g) for g in mainland.geometry) / 1000
    assert r.total_km == pytest.approx(geodesic_km, rel=1e-3)
    natural = mainland[mainland["class"].isin(["bedrock", "sandy", "muddy", "biological", "restored_natural"])]
    assert r.natural_km == pytest.approx(sum(geod.geometry_length(g) for g in natural.geometry) / 1000, rel=1e-3)
    # every kilometre lands in exactly one district
    by_zone = ecozone.coastline_retention(lines, zones=demo_atlas["districts"]).by_zone
    assert by_zone["total_km"].sum() == pytest.approx(r.total_km, rel=1e-9)


def test_bad_coastlines_are_refused_with_the_fix():
    polys = gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS)
    with pytest.raises(GeometryError, match="outline"):
        ecozone.coastline_retention(polys)
    unknown = coast()
    unknown.loc[1, "class"] = "gravel"
    unknown.loc[2, "class"] = None
    with pytest.raises(SchemaError, match=r"2 segment\(s\) with a missing or unknown class: 1 \(id=S2\) \('gravel'\), 2 \(id=S3\)"):
        ecozone.coastline_retention(unknown)
    dup = pd_concat(coast(), coast().iloc[[2]])
    with pytest.raises(GeometryError, match="overlap — they would count twice: 2 \\(id=S3\\) and 6 \\(id=S3\\) share 4,000 m"):
        ecozone.coastline_retention(dup)
    with pytest.raises(SchemaError, match="no class field 'type'"):
        ecozone.coastline_retention(coast(), class_field="type")


def pd_concat(*frames):
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)


def test_chinese_class_column_and_lonlat():
    zh = coast().rename(columns={"class": "岸线类型"}).to_crs(4326)
    r = ecozone.coastline_retention(zh, class_field="岸线类型")
    assert r.retention == pytest.approx(6 / 11, rel=1e-4)


def test_coastline_command(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "c.json"
    args = [sys.executable, "-m", "ecozone", "coastline", "--coastline", str(d / "coastline.geojson"),
            "--zones", str(d / "districts.geojson"), "--bays", str(d / "bays.geojson")]
    r = subprocess.run([*args, "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert {"total_km", "natural_km", "retention", "by_class", "by_zone", "by_bay"} <= set(doc)
    assert 0 < doc["retention"] < 1
    qixia = next(z for z in doc["by_zone"] if z["zone"] == "栖霞市")
    assert qixia["total_km"] == 0 and qixia["retention"] is None  # inland: no rate, not NaN
    r = subprocess.run([*args, "-o", str(tmp_path / "c.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = (tmp_path / "c.csv").read_text("utf-8-sig").splitlines()
    assert rows[0].startswith("level,name,total_km,natural_km,retention") and rows[1].startswith("city,total,")
    # every row says which coastline its figures are on
    assert rows[0].endswith(",coastline") and all(row.endswith(",mainland") for row in rows[1:])
    assert all(z["coastline"] == "mainland" for z in doc["by_zone"] + doc["by_bay"])
    r = subprocess.run([*args, "--include-islands"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("total (mainland and islands coastline) ")
    r = subprocess.run([*args[:-4], "--estuarine", "sometimes"], capture_output=True, text=True)
    assert r.returncode == 2
