"""Coastline change: class change on hand-made surveys; DSAS-style rates against an independent
per-transect computation here, on synthetic shorelines and on the USGS DSAS sample data."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

import ecozone
from ecozone.errors import SchemaError
from ecozone.measure.change import coastline_change, decimal_year, shoreline_change

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 4_150_000.0


def seg(x0, x1, y=0.0):
    return LineString([(X0 + x0, Y0 + y), (X0 + x1, Y0 + y)])


def survey(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"class": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=CRS)


def test_class_change_lost_gained_new():
    before = survey([("sandy", seg(0, 3000)), ("artificial", seg(3000, 5000)), ("bedrock", seg(5000, 6000))])
    after = survey([
        ("sandy", seg(0, 2000)), ("artificial", seg(2000, 3000)),   # 1 km of beach lost to a port
        ("restored_natural", seg(3000, 4000)), ("artificial", seg(4000, 5000)),  # 1 km restored
        ("bedrock", seg(5000, 6000)),
        ("artificial", seg(1000, 2000, 800)),                        # a new reclaimed front, 800 m out
    ])
    summary, changes = coastline_change(before, after)
    assert summary["lost_km"] == pytest.approx(1.0, abs=0.06)
    assert summary["gained_km"] == pytest.approx(1.0, abs=0.06)
    assert summary["new_km"] == pytest.approx(1.0)
    assert summary["retention_before"] == pytest.approx(4 / 6)
    assert summary["retention_after"] == pytest.approx(4 / 7)
    lost = changes[changes["change"] == "lost"]
    assert set(lost["class_before"]) == {"sandy"} and set(lost["class_after"]) == {"artificial"}
    assert len(lost) == 1  # pieces merged into one stretch


def test_decimal_years():
    assert decimal_year(["2000-01-01", "2000-07-02", "2001-01-01"]).tolist() == pytest.approx([2000.0, 2000.5, 2001.0])


def test_rates_on_synthetic_shorelines_and_the_double_crossing_convention():
    base = gpd.GeoDataFrame(geometry=[seg(0, 1000)], crs=CRS)  # offshore baseline: land lies at +y
    # the 2020 line folds back over x = 500: that transect crosses it at 150 m and at 300 m
    wiggly = LineString([(X0, Y0 + 150), (X0 + 520, Y0 + 150), (X0 + 520, Y0 + 300), (X0 + 480, Y0 + 300),
                         (X0 + 480, Y0 + 450), (X0, Y0 + 450)])
    shores = gpd.GeoDataFrame(
        {"date": ["2000-01-01", "2010-01-01", "2020-01-01"]},
        geometry=[seg(0, 1000, 100), seg(0, 1000, 130), wiggly],
        crs=CRS,
    )
    r = shoreline_change(shores, base, spacing_m=100, length_m=500).set_index("station_m")
    years = np.array([2000.0, 2010.0, 2020.0])
    pos = -np.array([100.0, 130.0, 150.0])  # seaward positive: the shoreline retreats landward
    slope, icpt = np.polyfit(years, pos, 1)
    r2 = 1 - ((pos - (slope * years + icpt)) ** 2).sum() / ((pos - pos.mean()) ** 2).sum()
    row = r.loc[500.0]  # crosses the 2020 line where it loops: the closest crossing (150 m) counts
    assert row["nsm_m"] == pytest.approx(-50.0) and row["sce_m"] == pytest.approx(50.0)
    assert row["epr_m_yr"] == pytest.approx(-2.5) and row["lrr_m_yr"] == pytest.approx(slope)
    assert row["lrr_r2"] == pytest.approx(r2) and not row["possible_reclamation"]
    far = shoreline_change(shores, base, spacing_m=100, length_m=500, intersection="farthest").set_index("station_m")
    assert far.loc[500.0, "nsm_m"] == pytest.approx(-200.0)  # the farthest crossing of the loop: 300 m
    onshore = shoreline_change(shores, base, spacing_m=100, length_m=500, baseline_side="onshore")
    assert onshore["nsm_m"].iloc[0] == pytest.approx(50.0)


def test_seaward_advance_is_flagged_as_possible_reclamation():
    base = gpd.GeoDataFrame(geometry=[seg(0, 1000)], crs=CRS)
    shores = gpd.GeoDataFrame({"date": ["2015-01-01", "2020-01-01"]}, geometry=[seg(0, 1000, 400), seg(0, 1000, 150)], crs=CRS)
    r = shoreline_change(shores, base, spacing_m=500, length_m=600, reclamation_m=100)
    assert r["nsm_m"].tolist() == pytest.approx([250.0] * 3) and r["possible_reclamation"].all()
    assert r["lrr_m_yr"].isna().all()  # two dates: no regression


def test_missing_and_bad_dates_are_named():
    base = gpd.GeoDataFrame(geometry=[seg(0, 1000)], crs=CRS)
    shores = gpd.GeoDataFrame({"when": ["2015-01-01", "soon"]}, geometry=[seg(0, 1000, 400), seg(0, 1000, 150)], crs=CRS)
    with pytest.raises(SchemaError, match="no date field 'date' .*fields: when"):
        shoreline_change(shores, base)
    with pytest.raises(SchemaError, match="feature 1: when 'soon'"):  # the user's field, by its name
        shoreline_change(shores, base, date_field="when")


def _independent_rates(shores, baseline_line, station, length):
    """Cast one transect and measure it here, without ecozone."""
    p = shapely.line_interpolate_point(baseline_line, station)
    a = shapely.line_interpolate_point(baseline_line, max(station - 1, 0))
    b = shapely.line_interpolate_point(baseline_line, min(station + 1, baseline_line.length))
    d = np.array([b.x - a.x, b.y - a.y])
    n = np.array([-d[1], d[0]]) / np.hypot(*d)
    transect = LineString([(p.x - n[0] * length, p.y - n[1] * length), (p.x + n[0] * length, p.y + n[1] * length)])
    dates = pd.to_datetime(shores["Date"])
    pos, years = [], []
    for day in sorted(dates.unique()):
        hit = transect.intersection(shapely.union_all(shores.geometry[(dates == day).to_numpy()].values))
        if hit.is_empty:
            continue
        pts = shapely.get_coordinates(hit)
        dist = np.hypot(pts[:, 0] - p.x, pts[:, 1] - p.y).min()
        day = pd.Timestamp(day)
        years.append(day.year + (day.day_of_year - 1) / (366 if day.is_leap_year else 365))
        pos.append(-dist)  # offshore baseline: nearer the baseline is seaward
    years, pos = np.array(years), np.array(pos)
    slope = np.polyfit(years, pos, 1)[0]
    return {"nsm_m": pos[-1] - pos[0], "epr_m_yr": (pos[-1] - pos[0]) / (years[-1] - years[0]), "lrr_m_yr": slope,
            "sce_m": pos.max() - pos.min(), "dates": len(pos)}


def test_dsas_sample_end_to_end(shared_data):
    folder = shared_data / "oracles" / "opendsas"
    shores = ecozone.read_layer(folder / "sample_shorelines.geojson")
    base = ecozone.read_layer(folder / "sample_baseline_offshore.geojson")
    # the files also hold a stray 500 m test line (id -1) far from the sample coast: leave it out
    shores, base = shores[shores["id"] >= 0], base[base["id"] >= 0]
    r = shoreline_change(shores, base, date_field="Date", spacing_m=50, length_m=1000)
    assert r.crs.to_epsg() == 32617  # measured in the data's own UTM zone
    measured = r[r["dates"] >= 3]
    assert len(measured) > 900
    assert measured["epr_m_yr"].abs().max() < 10 and measured["lrr_m_yr"].abs().max() < 10  # metres a year
    assert ((measured["lrr_r2"] >= 0) & (measured["lrr_r2"] <= 1)).all()
    assert (measured["sce_m"] >= measured["nsm_m"].abs() - 1e-9).all()
    line = base.geometry.iloc[0]
    for station in (5050.0, 20050.0, 30050.0, 45050.0):
        want = _independent_rates(shores, line, station, 1000)
        got = r.set_index("station_m").loc[station]
        assert got["dates"] == want["dates"]
        for key in ("nsm_m", "epr_m_yr", "lrr_m_yr", "sce_m"):
            assert got[key] == pytest.approx(want[key], rel=1e-6, abs=1e-6), (station, key)


def test_coastline_change_command(tmp_path):
    before = survey([("sandy", seg(0, 3000)), ("artificial", seg(3000, 5000))]).assign(date="2020-06-01")
    after = survey([("artificial", seg(0, 1000)), ("sandy", seg(1000, 3000)), ("artificial", seg(3000, 5000, -60))]).assign(date="2024-06-01")
    base = gpd.GeoDataFrame(geometry=[seg(0, 5000, -500)], crs=CRS)
    for gdf, name in ((before, "b.gpkg"), (after, "a.gpkg"), (base, "base.gpkg")):
        gdf.to_file(tmp_path / name)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "ecozone", "coastline-change", "--before", str(tmp_path / "b.gpkg"),
                        "--after", str(tmp_path / "a.gpkg"), "--baseline", str(tmp_path / "base.gpkg"),
                        "--baseline-side", "onshore", "--spacing", "500", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "change.json").read_text("utf-8"))
    assert summary["lost_km"] == pytest.approx(1.0, abs=0.06)
    rates = pd.read_csv(out / "transects.csv")
    assert set(rates.columns) >= {"transect", "nsm_m", "sce_m", "epr_m_yr", "lrr_m_yr", "lrr_r2", "possible_reclamation"}
    assert ecozone.read_layer(out / "changes.geojson").crs.to_epsg() == 4326
    r = subprocess.run([sys.executable, "-m", "ecozone", "coastline-change", "--before", str(tmp_path / "b.gpkg"),
                        "--after", str(tmp_path / "a.gpkg"), "--baseline", str(tmp_path / "base.gpkg"),
                        "--date-field", "survey_date", "--out", str(tmp_path / "o2")], capture_output=True, text=True)
    assert r.returncode == 2 and "no date field 'survey_date'" in r.stderr and not (tmp_path / "o2").exists()
