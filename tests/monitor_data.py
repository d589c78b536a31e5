"""A hand-built survey history in metres (EPSG:4549, near Yantai) whose figures are known by construction.

Two districts 10 km wide (甲区 west, 乙区 east) with the coast along their north edge, sea to the north;
a bay over 甲区's coast; three coastline surveys a quarter apart:

* 2026-03-31 (Q1): 甲 0–5 km sandy, 5–10 km artificial; 乙 10–16 km bedrock, 16–20 km artificial;
* 2026-06-30 (Q2): 甲 5–7 km restored to natural (+2 km), 乙 10–13 km made artificial (−3 km);
* 2026-09-30 (Q3): as Q2, with 乙's artificial 16–20 km moved 300 m seaward (reclamation: 4 km of new shore);

two red-line versions (500 ha, then 300 ha: one polygon cut by 100 ha, one gone) and restoration projects.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, box

CRS = "EPSG:4549"
X0, Y0 = 600_000.0, 4_150_000.0
COAST_Y = Y0 + 10_000.0
DATES = ("2026-03-31", "2026-06-30", "2026-09-30")


def _segments(parts):
    rows = [{"id": f"S{i}", "class": c, "island": False} for i, (c, *_rest) in enumerate(parts)]
    geoms = [LineString([(X0 + a * 1000, COAST_Y + dy), (X0 + b * 1000, COAST_Y + dy)]) for _c, a, b, dy in parts]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def coastlines() -> list[gpd.GeoDataFrame]:
    q1 = _segments([("sandy", 0, 5, 0), ("artificial", 5, 10, 0), ("bedrock", 10, 16, 0), ("artificial", 16, 20, 0)])
    q2 = _segments([("sandy", 0, 5, 0), ("restored_natural", 5, 7, 0), ("artificial", 7, 10, 0), ("artificial", 10, 13, 0),
                    ("bedrock", 13, 16, 0), ("artificial", 16, 20, 0)])
    q3 = _segments([("sandy", 0, 5, 0), ("restored_natural", 5, 7, 0), ("artificial", 7, 10, 0), ("artificial", 10, 13, 0),
                    ("bedrock", 13, 16, 0), ("artificial", 16, 20, 300)])
    return [q1, q2, q3]


def districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["A", "B"], "name": ["甲区", "乙区"]},
                            geometry=[box(X0, Y0, X0 + 10_000, COAST_Y), box(X0 + 10_000, Y0, X0 + 20_000, COAST_Y)], crs=CRS)


def bays() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["W"], "name": ["西湾"]}, geometry=[box(X0 + 4_000, COAST_Y, X0 + 8_000, COAST_Y + 2_000)],
                            crs=CRS)


def baseline() -> gpd.GeoDataFrame:
    """Offshore, 800 m north of the coast, over 乙's 16–20 km stretch (the one moved seaward in Q3)."""
    return gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(X0 + 16_500, COAST_Y + 800), (X0 + 19_500, COAST_Y + 800)])],
                            crs=CRS)


def redlines() -> list[gpd.GeoDataFrame]:
    p1 = box(X0, Y0, X0 + 2_000, Y0 + 2_000)  # 400 ha
    p2 = box(X0 + 5_000, Y0, X0 + 6_000, Y0 + 1_000)  # 100 ha
    v1 = gpd.GeoDataFrame({"id": ["RL1", "RL2"], "name": ["一号红线", "二号红线"], "type": ["water_conservation"] * 2},
                          geometry=[p1, p2], crs=CRS)
    v2 = gpd.GeoDataFrame({"id": ["RL1"], "name": ["一号红线"], "type": ["water_conservation"]},
                          geometry=[box(X0, Y0, X0 + 2_000, Y0 + 1_500)], crs=CRS)  # 300 ha: 100 ha of RL1 lost, RL2 gone
    return [v1, v2]


def restoration() -> gpd.GeoDataFrame:
    """R1 2023 100 ha completed; R2 2024 100 ha completed, half over R1; R3 2024 25 ha planned."""
    return gpd.GeoDataFrame(
        {"id": ["R1", "R2", "R3"], "name": ["一期", "二期", "三期"], "type": ["coastal_wetland"] * 3,
         "status": ["completed", "completed", "planned"], "year": [2023, 2024, 2024]},
        geometry=[box(X0, Y0 + 3_000, X0 + 1_000, Y0 + 4_000), box(X0 + 500, Y0 + 3_000, X0 + 1_500, Y0 + 4_000),
                  box(X0 + 3_000, Y0 + 3_000, X0 + 3_500, Y0 + 3_500)], crs=CRS)


def write_history(folder: Path) -> list[tuple[str, Path, str, str]]:
    """Write every survey to a GeoJSON in ``folder``; ``[(kind, file, date, label)]`` in the order to add them."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (frame, date) in enumerate(zip(coastlines(), DATES)):
        path = folder / f"coast_q{i + 1}.geojson"
        frame.to_file(path)
        out.append(("coastline", path, date, f"2026Q{i + 1}"))
    for frame, date, label in zip(redlines(), ("2020-12-31", "2025-12-31"), ("2020", "2025")):
        path = folder / f"redline_{label}.geojson"
        frame.to_file(path)
        out.append(("redline", path, date, label))
    path = folder / "restoration.geojson"
    restoration().to_file(path)
    out.append(("restoration", path, "2025-12-31", "2025"))
    for name, frame in (("districts", districts()), ("bays", bays()), ("baseline", baseline())):
        frame.to_file(folder / f"{name}.geojson")
    return out
