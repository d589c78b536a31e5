"""Benchmark: land use per district and 地类 from a land survey's 地类图斑, ``ecozone land-use`` against peers.

How to run
----------
::

    python bench/land_use.py                          # 1M 图斑: ecozone (planar, ellipsoidal, official), geopandas, QGIS
    python bench/land_use.py --size 100000 --tools ecozone,geopandas
    python bench/land_use.py --results                # also write the "land use" section of bench/RESULTS.md
    python bench/land_use.py --tiled 10 --tools ecozone,ecozone-official   # 10M 图斑: ten copies of the 1M side by side

What is measured
----------------
The 图斑 are the Voronoi tiling of ``bench/coverage.py`` (``parcels_N.gpkg``: random cells inside the 11 real
Yantai districts, clipped to the city: a tiling, as a real DLTB is) given the standard's fields: ``DLBM``
(a 三调 class drawn with Yantai-like weights, as text), ``ZLDWDM`` (the real district code of the cell's
district, then township and village digits: 19 characters), ``KCXS`` (3–15 % on 耕地), ``TBMJ`` (its
ellipsoidal area), ``KCMJ``, ``TBDLMJ`` and ``BSM``; written once as a GeoPackage in EPSG:4549
(``bench/out/dltb_N.gpkg``, git-ignored).  The zones are the 11 districts (``districts.gpkg``), which cut
the 图斑 on their boundaries.

Each tool runs as a fresh process, whole (reading, measuring, writing a CSV); wall time and peak
resident memory from ``os.wait4``:

* ``ecozone``: ``ecozone land-use --survey DLTB --zones DISTRICTS --area-method planar`` (the peers' areas);
* ``ecozone-ellipsoidal``: the same on the CGCS2000 ellipsoid (the default, as TBMJ);
* ``ecozone-official``: without zones, per district of ZLDWDM: the survey's TBDLMJ sums and the geometry's
  ellipsoidal area beside them;
* ``geopandas``: ``bench/peers/geopandas_land_use.py`` — ``read_file``, ``overlay(how="intersection")``,
  area × (1 − KCXS) and the 田坎 row, ``groupby``;
* ``qgis``: ``qgis_process`` ``native:intersection``, ``native:fieldcalculator`` (net area, ``$area`` with
  ``--ellipsoid=NONE``) and ``qgis:statisticsbycategories`` (district × DLBM), three processes: their times
  added, the peak the largest.

The planar tools' areas per (district, class) are compared with ``ecozone``'s (0.01 % relative).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from harness import Run, fmt, machine, run_once, update_results

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
CRS = "EPSG:4549"
SEED = 2021
TOLERANCE = 1e-4
PYTHON = sys.executable
ECOZONE = Path(sys.executable).with_name("ecozone")
QGIS = Path("/usr/bin/qgis_process.bin")
ALL_TOOLS = ("ecozone", "ecozone-ellipsoidal", "ecozone-official", "geopandas", "qgis")
SECTION_BEGIN = "<!-- bench/land_use.py: begin -->"
SECTION_END = "<!-- bench/land_use.py: end -->"

#: The real codes of Yantai's districts (GB/T 2260).
DISTRICT_CODES = {"芝罘区": "370602", "福山区": "370611", "牟平区": "370612", "莱山区": "370613", "蓬莱区": "370614",
                  "龙口市": "370681", "莱阳市": "370682", "莱州市": "370683", "招远市": "370685", "栖霞市": "370686",
                  "海阳市": "370687"}
#: 地类 and their weights (illustrative, Yantai-like: dry land, orchards and forest first).
CLASSES = {"0103": 25, "0102": 8, "0101": 1, "0201": 12, "0204": 2, "0301": 15, "0305": 4, "0307": 3, "0404": 5,
           "0702": 8, "0701": 3, "0601": 3, "1003": 2, "1006": 3, "1104": 1, "1101": 1, "1105": 0.5, "1107": 1,
           "1202": 1, "1206": 0.5, "05H1": 1, "08H2": 0.5, "0810": 0.5, "09": 0.5}


def make_dltb(n: int) -> Path:
    """``dltb_N.gpkg``: the parcels of bench/coverage.py with the standard's fields (cached)."""
    import geopandas as gpd
    import pyogrio
    import shapely

    from coverage import districts_path, make_parcels
    from ecozone.crs.ellipsoidal import ellipsoidal_areas

    path = OUT / f"dltb_{n}.gpkg"
    if path.exists():
        return path
    parcels, _ = make_parcels(n)
    geoms = pyogrio.read_dataframe(parcels, use_arrow=True).geometry.values
    zones = gpd.read_file(districts_path())
    rng = np.random.default_rng(SEED + n)
    inside, district = shapely.STRtree(zones.geometry.values).query(shapely.point_on_surface(geoms), predicate="within")
    which = np.zeros(len(geoms), dtype=int)
    which[inside] = district
    county = np.array([DISTRICT_CODES[z] for z in zones["name"]], dtype=object)[which]
    town = rng.integers(1, 20, len(geoms))
    village = rng.integers(1, 40, len(geoms))
    zldwdm = [f"{c}{t:03d}{v:03d}0000000" for c, t, v in zip(county, town, village)]
    codes = np.array(list(CLASSES), dtype=object)
    weights = np.array(list(CLASSES.values()), dtype=float)
    dlbm = rng.choice(codes, len(geoms), p=weights / weights.sum())
    cultivated = np.array([c.startswith("01") for c in dlbm])
    kcxs = np.where(cultivated, rng.choice([0.03, 0.05, 0.08, 0.12, 0.15], len(geoms)), 0.0)
    tbmj = np.round(ellipsoidal_areas(geoms, CRS), 2)
    kcmj = np.round(tbmj * kcxs, 2)
    gdf = gpd.GeoDataFrame({"BSM": [f"3706{i:08d}" for i in range(len(geoms))], "DLBM": dlbm, "ZLDWDM": zldwdm,
                            "KCDLBM": np.where(cultivated, "1203", None), "KCXS": kcxs, "TBMJ": tbmj, "KCMJ": kcmj,
                            "TBDLMJ": tbmj - kcmj}, geometry=geoms, crs=CRS)
    tmp = path.with_name(path.stem + ".part.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf, tmp, layer="DLTB", driver="GPKG", dataset_options={"VERSION": "1.2"})
    os.replace(tmp, path)
    return path


def make_tiled(copies: int) -> Path:
    """``dltb_tiled_K.gpkg``: ``dltb_1000000.gpkg`` and ``K - 1`` copies of it, 220 km apart north and south in
    the same Gauss-Krüger zone (a province's ten million 图斑 from the million), BSM renumbered (cached)."""
    import pyogrio
    import shapely

    path = OUT / f"dltb_tiled_{copies}.gpkg"
    if path.exists():
        return path
    base = pyogrio.read_dataframe(make_dltb(1_000_000), use_arrow=True)
    tmp = path.with_name(path.stem + ".part.gpkg")
    tmp.unlink(missing_ok=True)
    for k in range(copies):
        part = base.copy()
        part["BSM"] = [f"37{k:02d}{i:08d}" for i in range(len(part))]
        part["geometry"] = shapely.transform(base.geometry.values, lambda xy, k=k: xy + [0.0, (k - copies // 2) * 220_000.0])
        pyogrio.write_dataframe(part, tmp, layer="DLTB", driver="GPKG", append=k > 0, dataset_options={"VERSION": "1.2"})
    os.replace(tmp, path)
    return path


def commands(tool: str, survey: Path, zones: Path, out: Path) -> list[tuple[list[str], dict[str, str]]]:
    """The processes (argv, environment) that run ``tool`` and leave its table in ``out``."""
    if tool.startswith("ecozone"):
        args = [str(ECOZONE), "-q", "land-use", "--survey", str(survey), "-o", str(out), "--overwrite"]
        if tool == "ecozone":
            args += ["--zones", str(zones), "--area-method", "planar"]
        elif tool == "ecozone-ellipsoidal":
            args += ["--zones", str(zones)]
        return [(args, {})]
    if tool == "geopandas":
        return [([PYTHON, str(BENCH / "peers" / "geopandas_land_use.py"), str(survey), str(zones), str(out)], {})]
    if tool == "qgis":
        env = {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": tempfile.gettempdir()}
        pieces, net = out.with_name(out.stem + "_pieces.gpkg"), out.with_name(out.stem + "_net.gpkg")
        for p in (pieces, net):
            p.unlink(missing_ok=True)
        run = [str(QGIS), "run"]
        return [
            (run + ["native:intersection", "--", f"INPUT={survey}", f"OVERLAY={zones}", "INPUT_FIELDS=DLBM",
                    "INPUT_FIELDS=KCXS", "OVERLAY_FIELDS=name", f"OUTPUT={pieces}"], env),
            (run + ["native:fieldcalculator", "--ellipsoid=NONE", "--", f"INPUT={pieces}", "FIELD_NAME=net",
                    "FIELD_TYPE=0", "FIELD_LENGTH=20", "FIELD_PRECISION=6",
                    "FORMULA=$area * (1 - coalesce(\"KCXS\", 0))", f"OUTPUT={net}"], env),
            (run + ["qgis:statisticsbycategories", "--", f"INPUT={net}", "VALUES_FIELD_NAME=net",
                    "CATEGORIES_FIELD_NAME=name", "CATEGORIES_FIELD_NAME=DLBM", f"OUTPUT={out}"], env),
        ]
    raise ValueError(tool)


def read_areas(tool: str, path: Path) -> dict[tuple[str, str], float]:
    """Hectares per (district, class) from a tool's CSV (田坎 left out: QGIS's table has no 1203 row)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if tool == "qgis":
        return {(r["name"], r["DLBM"]): float(r["sum"]) / 10_000 for r in rows}
    return {(r["zone"], r["class"]): float(r["area_ha"]) for r in rows if r["class"] != "1203"}


def compare(areas: dict, reference: dict) -> float:
    keys = set(areas) | set(reference)
    return max(abs(areas.get(k, 0.0) - reference.get(k, 0.0)) / max(abs(reference.get(k, 0.0)), 1e-9) for k in keys)


def bench(size: int, tools: list[str], timeout: float, tiled: int = 0) -> list[dict]:
    from coverage import districts_path

    survey, zones = (make_tiled(tiled) if tiled else make_dltb(size)), districts_path()
    results, reference = [], None
    for tool in tools:
        if tool == "qgis" and not QGIS.exists():
            results.append({"tool": tool, "status": "skipped", "detail": f"{QGIS} missing"})
            continue
        out = OUT / "runs" / f"land_use_{size}_{tool}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        runs: list[Run] = []
        for i, (argv, env) in enumerate(commands(tool, survey, zones, out)):
            run = run_once(argv, timeout, out.with_name(f"{out.stem}_{i}.log"), env)
            runs.append(run)
            print(f"{tool} step {i}: {run.status} {run.seconds:.1f} s {run.peak_mb:.0f} MB {run.detail}", file=sys.stderr)
            if run.status != "ok":
                break
        ok = all(r.status == "ok" for r in runs)
        row = {"tool": tool, "status": "ok" if ok else runs[-1].status, "detail": runs[-1].detail,
               "seconds": sum(r.seconds for r in runs), "peak_mb": max(r.peak_mb for r in runs)}
        if ok and tool in ("ecozone", "geopandas", "qgis"):
            areas = read_areas(tool, out)
            if tool == "ecozone":
                reference = areas
            elif reference is not None:
                row["max_rel_diff"] = compare(areas, reference)
        results.append(row)
    return results


def table(size: int, results: list[dict]) -> str:
    base = next((r for r in results if r["tool"] == "ecozone" and r["status"] == "ok"), None)
    lines = [f"Land use per district and 地类, {size:,} 图斑 (`python bench/land_use.py --size {size}`):", "",
             "| tool | seconds | peak MB | × ecozone time | × ecozone memory | max rel. diff | status |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        ok = r["status"] == "ok"
        t = r.get("seconds") if ok else None
        m = r.get("peak_mb") if ok else None
        rt = t / base["seconds"] if ok and base else None
        rm = m / base["peak_mb"] if ok and base else None
        lines.append(f"| {r['tool']} | {fmt(t, '.1f')} | {fmt(m, '.0f')} | {fmt(rt, '.1f')} | {fmt(rm, '.1f')} | "
                     f"{fmt(r.get('max_rel_diff'), '.1e')} | {r['status']} {r.get('detail', '')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--tools", default=",".join(ALL_TOOLS))
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--results", action="store_true", help="write the land-use section of bench/RESULTS.md")
    ap.add_argument("--tiled", type=int, default=0, metavar="K",
                    help="measure K copies of the 1M layer side by side (K million 图斑: a province)")
    ap.add_argument("--report-only", action="store_true",
                    help="write the land-use section of bench/RESULTS.md from the recorded runs; run nothing")
    args = ap.parse_args(argv)
    if args.report_only:
        parts = []
        for path in sorted(OUT.glob("land_use_*_results.json"), key=lambda p: int(p.stem.split("_")[2])):
            doc = json.loads(path.read_text())
            size = int(path.stem.split("_")[2])
            info = {k: v for k, v in doc.items() if k != "results"}
            parts.append(f"### {size:,} 图斑\n\n" + table(size, doc["results"]) + "\n\n"
                         + ", ".join(f"{k}: {v}" for k, v in info.items()))
        about = ("Whole process, one run per tool, each a fresh subprocess; the 10M case is `--tiled 10` (ten copies of "
                 "the 1M tiling side by side, a province) and ran ecozone alone. Measured 2026-12-03 on the shared 2-core "
                 "machine while other jobs ran (load average 3-4).")
        update_results(f"{SECTION_BEGIN}\n## Land use (国土调查, `bench/land_use.py`)\n\n{about}\n\n" + "\n\n".join(parts)
                       + f"\n{SECTION_END}", SECTION_BEGIN, SECTION_END)
        return 0
    if args.tiled:
        args.size = args.tiled * 1_000_000
    results = bench(args.size, args.tools.split(","), args.timeout, args.tiled)
    info = machine()
    text = table(args.size, results) + "\n\n" + ", ".join(f"{k}: {v}" for k, v in info.items())
    (OUT / f"land_use_{args.size}_results.json").write_text(json.dumps({"results": results, **info}, indent=1,
                                                                       ensure_ascii=False) + "\n")
    print(text)
    if args.results:
        update_results(f"{SECTION_BEGIN}\n## Land use (国土调查)\n\n{text}\n{SECTION_END}", SECTION_BEGIN, SECTION_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
