"""Benchmark: land use per district and 地类 from a land survey's 地类图斑, ``ecozone land-use`` against peers.

How to run
----------
::

    python bench/land_use.py                          # 1M 图斑: ecozone (planar, ellipsoidal, official), geopandas, QGIS
    python bench/land_use.py --size 100000 --tools ecozone,geopandas
    python bench/land_use.py --results                # also write the "land use" section of bench/RESULTS.md
    python bench/land_use.py --tiled 10 --tools ecozone,ecozone-official   # 10M 图斑: ten copies of the 1M side by side
    python bench/land_use.py --tiled 10 --tools ecozone-dask,ecozone-official-dask   # the same on a 2-worker cluster

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
* ``ecozone-dask``, ``ecozone-official-dask``: ``ecozone-ellipsoidal`` and ``ecozone-official`` with ``--engine dask
  --scheduler ADDRESS`` on a LocalCluster this script starts first (``--workers`` single-threaded worker processes,
  ``--worker-memory`` each: distributed's nanny pauses a worker at 80 % of it and kills it at 95 %), its workers
  restarted before each run; each worker's peak resident memory is sampled with psutil every 0.1 s (the
  ``ecozone`` process's own peak, which only sends the tasks, is in the status cell), and the load average at the
  start and end of the run is recorded beside the figure (the machine is shared).  Their tables are compared with
  the one-process run's (``ecozone-ellipsoidal``, ``ecozone-official``) of the same size when it is recorded;
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
from harness import Run, compile_ecozone, fmt, machine, run_once, update_results

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
CRS = "EPSG:4549"
SEED = 2021
TOLERANCE = 1e-4
PYTHON = sys.executable
ECOZONE = Path(sys.executable).with_name("ecozone")
QGIS = Path("/usr/bin/qgis_process.bin")
ALL_TOOLS = ("ecozone", "ecozone-ellipsoidal", "ecozone-official", "geopandas", "qgis")
DASK_TOOLS = {"ecozone-dask": "ecozone-ellipsoidal", "ecozone-official-dask": "ecozone-official"}  # : their one-process twin
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


def commands(tool: str, survey: Path, zones: Path, out: Path, scheduler: str | None = None
             ) -> list[tuple[list[str], dict[str, str]]]:
    """The processes (argv, environment) that run ``tool`` and leave its table in ``out``."""
    if tool.startswith("ecozone"):
        args = [str(ECOZONE), "-q", "land-use", "--survey", str(survey), "-o", str(out), "--overwrite"]
        if tool == "ecozone":
            args += ["--zones", str(zones), "--area-method", "planar"]
        elif tool in ("ecozone-ellipsoidal", "ecozone-dask"):
            args += ["--zones", str(zones)]
        if tool in DASK_TOOLS:
            args += ["--engine", "dask", "--scheduler", str(scheduler)]
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


def read_areas(tool: str, path: Path, with_deduction: bool = False) -> dict[tuple[str, str], float]:
    """Hectares per (district, class) from a tool's CSV (田坎 left out, unless ``with_deduction``: QGIS's table has no
    1203 row)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if tool == "qgis":
        return {(r["name"], r["DLBM"]): float(r["sum"]) / 10_000 for r in rows}
    return {(r["zone"], r["class"]): float(r["area_ha"]) for r in rows if with_deduction or r["class"] != "1203"}


def compare(areas: dict, reference: dict) -> float:
    keys = set(areas) | set(reference)
    return max(abs(areas.get(k, 0.0) - reference.get(k, 0.0)) / max(abs(reference.get(k, 0.0)), 1e-9) for k in keys)


class Cluster:
    """A LocalCluster of ``workers`` single-threaded processes with ``memory`` each, for the dask tools, and a
    sampler of its workers' resident memory (psutil, every 0.1 s) while a run goes on."""

    def __init__(self, workers: int, memory: str):
        import logging
        import time

        from distributed import Client, LocalCluster

        start = time.perf_counter()
        self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory,
                                    dashboard_address=":0", scheduler_kwargs={"dashboard": False},
                                    silence_logs=logging.WARNING)
        self.client = Client(self.cluster, set_as_default=False)
        self.started_s = time.perf_counter() - start
        self.workers, self.memory = workers, memory

    @property
    def address(self) -> str:
        return self.cluster.scheduler_address

    def run(self, argv: list[str], timeout: float, log: Path) -> tuple[Run, list[float], str, float]:
        """``argv`` run against the cluster (its workers restarted first): the run, each worker's peak MB, the load,
        the CPU seconds the workers spent (on a shared machine, what the wall time cannot say)."""
        import threading

        import psutil

        self.client.restart()
        self.client.wait_for_workers(self.workers)
        procs = [psutil.Process(pid) for pid in self.client.run(os.getpid).values()]
        peaks = [p.memory_info().rss for p in procs]
        cpu = [sum(p.cpu_times()[:2]) for p in procs]
        done = threading.Event()

        used = [0.0] * len(procs)

        def sample() -> None:
            while not done.wait(0.1):
                for i, p in enumerate(procs):
                    try:
                        peaks[i] = max(peaks[i], p.memory_info().rss)
                        used[i] = sum(p.cpu_times()[:2]) - cpu[i]
                    except psutil.Error:  # a worker killed (over its limit) and replaced: the run fails
                        pass

        before = os.getloadavg()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            run = run_once(argv, timeout, log)
        finally:
            done.set()
            sampler.join()
        after = os.getloadavg()
        load = f"{before[0]:.1f} at the start, {after[0]:.1f} at the end"
        return run, [p / 2**20 for p in peaks], load, sum(used)

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def bench(size: int, tools: list[str], timeout: float, tiled: int = 0, workers: int = 2,
          worker_memory: str = "4GB") -> list[dict]:
    from coverage import districts_path

    survey, zones = (make_tiled(tiled) if tiled else make_dltb(size)), districts_path()
    results, reference = [], None
    cluster = Cluster(workers, worker_memory) if any(t in DASK_TOOLS for t in tools) else None
    try:
        for tool in tools:
            if tool == "qgis" and not QGIS.exists():
                results.append({"tool": tool, "status": "skipped", "detail": f"{QGIS} missing"})
                continue
            out = OUT / "runs" / f"land_use_{size}_{tool}.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            if tool in DASK_TOOLS:
                results.append(dask_row(tool, cluster, commands(tool, survey, zones, out, cluster.address)[0][0],
                                        timeout, out, size))
                continue
            runs: list[Run] = []
            before = os.getloadavg()
            for i, (argv, env) in enumerate(commands(tool, survey, zones, out)):
                run = run_once(argv, timeout, out.with_name(f"{out.stem}_{i}.log"), env)
                runs.append(run)
                print(f"{tool} step {i}: {run.status} {run.seconds:.1f} s {run.peak_mb:.0f} MB {run.detail}",
                      file=sys.stderr)
                if run.status != "ok":
                    break
            ok = all(r.status == "ok" for r in runs)
            after = os.getloadavg()
            row = {"tool": tool, "status": "ok" if ok else runs[-1].status, "detail": runs[-1].detail,
                   "seconds": sum(r.seconds for r in runs), "peak_mb": max(r.peak_mb for r in runs),
                   "cpu_s": sum(r.cpu_s for r in runs), "load_average": f"{before[0]:.1f} at the start, {after[0]:.1f} at the end"}
            if tiled and ok:  # the 10M rows: beside the dask engine's, on a shared machine
                row["detail"] = f"{row['cpu_s']:.0f} CPU s; load average {row['load_average']}"
            if ok and tool in ("ecozone", "geopandas", "qgis"):
                areas = read_areas(tool, out)
                if tool == "ecozone":
                    reference = areas
                elif reference is not None:
                    row["max_rel_diff"] = compare(areas, reference)
            results.append(row)
    finally:
        if cluster is not None:
            cluster.close()
    return results


def dask_row(tool: str, cluster: Cluster, argv: list[str], timeout: float, out: Path, size: int) -> dict:
    """A dask tool's row: the ``ecozone`` process's wall time, its workers' peaks (``peak_mb``: the largest), the
    load; its table compared with the one-process twin's recorded table (``max_rel_diff``)."""
    run, peaks, load, cpu = cluster.run(argv, timeout, out.with_name(f"{out.stem}_0.log"))
    print(f"{tool}: {run.status} {run.seconds:.1f} s, client {run.peak_mb:.0f} MB ({run.cpu_s:.0f} CPU s), workers "
          f"{', '.join(f'{p:.0f}' for p in peaks)} MB, {cpu:.0f} CPU s, load {load} {run.detail}", file=sys.stderr)
    detail = (f"{cluster.workers} workers × {cluster.memory} limit, worker peaks {' / '.join(f'{p:.0f}' for p in peaks)}"
              f" MB, {cpu:.0f} CPU s in the workers, client {run.peak_mb:.0f} MB; load average {load}; cluster "
              f"started beforehand in {cluster.started_s:.1f} s (not counted)")
    row = {"tool": tool, "status": run.status, "detail": detail if run.status == "ok" else f"{run.detail}; {detail}",
           "seconds": run.seconds, "peak_mb": max(peaks), "worker_peaks_mb": peaks, "client_peak_mb": run.peak_mb,
           "load_average": load, "worker_cpu_s": cpu}
    twin = OUT / "runs" / f"land_use_{size}_{DASK_TOOLS[tool]}.csv"
    if run.status == "ok" and twin.exists():
        row["max_rel_diff"] = compare(read_areas(tool, out, with_deduction=True),
                                      read_areas(DASK_TOOLS[tool], twin, with_deduction=True))
        row["compared_with"] = DASK_TOOLS[tool]
    return row


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
        detail = r.get("detail", "") + (f"; max rel. diff against {r['compared_with']}" if "compared_with" in r else "")
        lines.append(f"| {r['tool']} | {fmt(t, '.1f')} | {fmt(m, '.0f')} | {fmt(rt, '.1f')} | {fmt(rm, '.1f')} | "
                     f"{fmt(r.get('max_rel_diff'), '.1e')} | {r['status']} {detail} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--tools", default=",".join(ALL_TOOLS))
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--results", action="store_true", help="write the land-use section of bench/RESULTS.md")
    ap.add_argument("--tiled", type=int, default=0, metavar="K",
                    help="measure K copies of the 1M layer side by side (K million 图斑: a province)")
    ap.add_argument("--workers", type=int, default=2, help="dask tools: worker processes of the LocalCluster")
    ap.add_argument("--worker-memory", default="4GB", help="dask tools: each worker's memory limit")
    ap.add_argument("--report-only", action="store_true",
                    help="write the land-use section of bench/RESULTS.md from the recorded runs; run nothing")
    args = ap.parse_args(argv)
    compile_ecozone()  # as an installed copy: compiled once, not on every run
    if args.report_only:
        parts = []
        for path in sorted(OUT.glob("land_use_*_results.json"), key=lambda p: int(p.stem.split("_")[2])):
            doc = json.loads(path.read_text())
            size = int(path.stem.split("_")[2])
            info = {k: v for k, v in doc.items() if k != "results"}
            parts.append(f"### {size:,} 图斑\n\n" + table(size, doc["results"]) + "\n\n"
                         + ", ".join(f"{k}: {v}" for k, v in info.items()))
        about = ("Whole process, one run per tool, each a fresh subprocess; the 10M case is `--tiled 10` (ten copies of "
                 "the 1M tiling side by side, a province) and ran ecozone alone: in one process, and on the dask engine "
                 "(`-dask`: `ecozone land-use --engine dask --scheduler …` on a LocalCluster of 2 single-threaded "
                 "workers with a 4 GB memory limit each; peak MB is the largest worker's, sampled with psutil). "
                 "Measured 2026-12-03 on the shared 2-core machine while other jobs ran: load average 3-4 for 10k and "
                 "1M; the 10M rows give theirs (3-6, the four run back to back) and their CPU seconds, which the load "
                 "inflates less than the wall time (an earlier one-process 10M run at load 3-4: 92 s without zones, "
                 "95 s with them).")
        update_results(f"{SECTION_BEGIN}\n## Land use (国土调查, `bench/land_use.py`)\n\n{about}\n\n" + "\n\n".join(parts)
                       + f"\n{SECTION_END}", SECTION_BEGIN, SECTION_END)
        return 0
    if args.tiled:
        args.size = args.tiled * 1_000_000
    tools = args.tools.split(",")
    results = bench(args.size, tools, args.timeout, args.tiled, args.workers, args.worker_memory)
    recorded = OUT / f"land_use_{args.size}_results.json"
    if recorded.exists():  # the tools not run this time keep their recorded rows
        kept = [r for r in json.loads(recorded.read_text())["results"] if r["tool"] not in tools]
        results = kept + results
    info = machine()
    text = table(args.size, results) + "\n\n" + ", ".join(f"{k}: {v}" for k, v in info.items())
    recorded.write_text(json.dumps({"results": results, **info}, indent=1,
                                                                       ensure_ascii=False) + "\n")
    print(text)
    if args.results:
        update_results(f"{SECTION_BEGIN}\n## Land use (国土调查)\n\n{text}\n{SECTION_END}", SECTION_BEGIN, SECTION_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
