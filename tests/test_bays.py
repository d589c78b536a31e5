"""Per-bay report against direct shapely figures."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ecozone
from ecozone._resources import dataset_dir


def test_bay_report_figures(demo_atlas):
    bays = demo_atlas["bays"]
    marine = demo_atlas["redline_marine"]
    ranches = demo_atlas["marine_ranches"]
    table, markdown = ecozone.bay_report(bays, coastline=demo_atlas["coastline"], redline=marine, ranches=ranches,
                                         restoration=demo_atlas["restoration"])
    rows = table.set_index("bay")
    red, ranch_union = marine.union_all(), ranches.union_all()
    for name, bay in zip(bays["name"], bays.geometry):
        row = rows.loc[name]
        assert row["area_ha"] == pytest.approx(bay.area / 1e4)
        assert row["redline_ha"] == pytest.approx(bay.intersection(red).area / 1e4, rel=1e-9, abs=1e-9)
        assert row["ranch_share"] == pytest.approx(bay.intersection(ranch_union).area / bay.area, rel=1e-9, abs=1e-12)
        assert row["ranches"] == sum(bay.intersection(g).area > 0 for g in ranches.geometry)
        inside = sorted(demo_atlas["restoration"].loc[demo_atlas["restoration"].intersects(bay), "id"])
        assert row["restoration_projects"] == ", ".join(inside)
        assert f"## {name}" in markdown
    retention = ecozone.coastline_retention(demo_atlas["coastline"], bays=bays, include_islands=True).by_bay.set_index("bay")
    assert rows["coast_km"].to_numpy() == pytest.approx(retention.loc[rows.index, "total_km"].to_numpy())


def test_bay_report_command(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "bays.md"
    r = subprocess.run([sys.executable, "-m", "ecozone", "bay-report", "--bays", str(d / "bays.geojson"),
                        "--coastline", str(d / "coastline.geojson"), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = out.read_text("utf-8")
    assert text.count("\n## ") == 7 and "保有率 retention" in text
