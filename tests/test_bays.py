"""Per-bay report against direct shapely figures."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
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
    # the coastline figures, mainland by default and with the bay's islands beside: direct shapely lengths of the
    # segments within 500 m of the bay (the pieces ecozone cuts are 100 m: agree within 0.5 %)
    coast = demo_atlas["coastline"]
    natural = coast["class"].isin(["bedrock", "sandy", "muddy", "biological", "restored_natural"]).to_numpy()
    island = coast["island"].astype(bool).to_numpy()
    assert (rows["coastline"] == "mainland").all()
    for name, bay in zip(bays["name"], bays.geometry):
        near = coast.geometry.intersection(bay.buffer(500)).length.to_numpy()
        for suffix, keep in (("", ~island), ("_with_islands", np.ones(len(coast), bool))):
            total, nat = near[keep].sum(), near[keep & natural].sum()
            assert rows.loc[name, f"coast{suffix}_km"] == pytest.approx(total / 1000, rel=0.005, abs=0.2), (name, suffix)
            if total > 1000:
                assert rows.loc[name, f"retention{suffix}"] == pytest.approx(nat / total, abs=0.005), (name, suffix)
    # 四十里湾: the audit's retention_sishili_bay and the bay report agree (mainland), the islands' figure beside it
    row = rows.loc["四十里湾"]
    assert row["retention"] == pytest.approx(0.285, abs=0.001) and row["retention_with_islands"] > 0.5
    section = markdown.split("## 四十里湾")[1].split("\n## ")[0]
    assert "大陆岸线 mainland coastline" in section and "28.5%" in section
    assert "with the bay's islands" in section and f"{row['retention_with_islands']:.1%}" in section
    islands_first, _ = ecozone.bay_report(bays, coastline=coast, include_islands=True)
    assert (islands_first["coastline"] == "mainland and islands").all()
    assert islands_first["retention"].to_numpy() == pytest.approx(rows.loc[islands_first["bay"], "retention_with_islands"].to_numpy())


def test_bay_report_command(tmp_path):
    d = dataset_dir("yantai")
    out = tmp_path / "bays.md"
    r = subprocess.run([sys.executable, "-m", "ecozone", "bay-report", "--bays", str(d / "bays.geojson"),
                        "--coastline", str(d / "coastline.geojson"), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = out.read_text("utf-8")
    assert text.count("\n## ") == 7 and "保有率 retention" in text and "大陆岸线 mainland coastline" in text
    r = subprocess.run([sys.executable, "-m", "ecozone", "bay-report", "--bays", str(d / "bays.geojson"), "--coastline",
                        str(d / "coastline.geojson"), "--include-islands", "-o", str(tmp_path / "b.csv")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert set(pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig")["coastline"]) == {"mainland and islands"}
