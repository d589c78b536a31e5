"""Benchmark: raster zonal statistics, ``ecozone.zonal`` against rasterstats and exactextract.

Dependencies beyond ecozone's
-----------------------------
* ``rasterstats`` and ``exactextract`` (PyPI), the peers; the test extra has
  them, as the tests use them as oracles.

How to run
----------
::

    python bench/zonal.py                                  # 10,000 × 10,000 cells, 10,000 zones
    python bench/zonal.py --size 4000 --zones 2000 --repeat 1 --no-results

Options: ``--size N`` (raster of N × N cells, default 10000), ``--zones N``
(default 10000), ``--subset N`` (zones of the sparse case, default 1000),
``--tools`` (``ecozone,exactextract,rasterstats``), ``--repeat N`` (runs per
tool, interleaved, the median reported; default 3), ``--timeout`` (seconds
per run, default 600), ``--workdir`` (where the inputs are generated and
cached; default ``bench/out/zonal``, git-ignored), ``--no-results`` (do not
touch ``bench/RESULTS.md``).  The default run takes about 8 minutes on 2
idle cores, most of it rasterstats on all the zones.

What is measured
----------------
Inputs, generated once (seeded) and cached in the work folder:

* a float32 GeoTIFF of N × N cells of 10 m in EPSG:4549 (CGCS2000 / 3-degree
  Gauss-Krüger CM 120°E) near Yantai, tiled 256 × 256, DEFLATE with the
  floating-point predictor: a smooth surface plus noise, with a block of
  nodata (-9999, 0.5 % of the cells);
* zones: Voronoi cells of random points, clipped to the raster's extent,
  in a GeoPackage (field ``id``), in the raster's CRS.

Two cases: all the zones, which tile the raster; and the first ``--subset``
of them, scattered over the raster (sparse zones: most of the raster is
read for few cells).  Each tool runs as a fresh
subprocess (this script with ``--child``): import, read the zones, compute
count/mean/min/max/sum per zone, write a CSV.  Wall time and peak resident
memory are of the whole process (``os.wait4``); the tools run interleaved.

* ``ecozone``: ``ecozone.measure.zonal.zonal(raster, zones)``;
* ``exactextract``: ``exact_extract(raster, zones, [...], output="pandas")``
  (its default feature-sequential strategy), ids attached by position;
* ``rasterstats``: ``zonal_stats(zones, raster, stats=...)`` (cell centres).

Before the timings are recorded the results are compared per zone:
exactextract computes the same exact-coverage statistics, so count and mean
must agree to 1e-6 (relative); rasterstats counts a cell wholly when its
centre is inside, so its count must differ by no more than the cells the
zone's outline crosses (bounded by Σ (|dx| + |dy|) / cell + 1 over the
outline's segments), and its mean is reported as a median relative
difference.  Results go to the "zonal" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from harness import RESULTS, Run, Timed, compile_ecozone, fmt, machine, run_once, update_results

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CRS = "EPSG:4549"
X0, Y0, CELL = 580_000.0, 4_200_000.0, 10.0  # top-left corner near Yantai
NODATA = -9999.0
SEED = 20240611
STATS = ["count", "mean", "min", "max", "sum"]
ALL_TOOLS = ("ecozone", "exactextract", "rasterstats")
EXACT_TOLERANCE = 1e-6

SECTION_BEGIN = "<!-- bench/zonal.py: begin -->"
SECTION_END = "<!-- bench/zonal.py: end -->"


# ---------------------------------------------------------------- inputs


def make_raster(path: Path, size: int) -> Path:
    """A seeded float32 surface (smooth + noise) with a nodata block, tiled and compressed."""
    import rasterio
    from rasterio.transform import Affine
    from rasterio.windows import Window

    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    profile = dict(
        driver="GTiff", width=size, height=size, count=1, dtype="float32", crs=CRS, nodata=NODATA,
        transform=Affine(CELL, 0.0, X0, 0.0, -CELL, Y0), tiled=True, blockxsize=256, blockysize=256,
        compress="deflate", predictor=3,
    )
    tmp = path.with_name(path.stem + ".part.tif")
    cols = np.arange(size, dtype=np.float32)
    with rasterio.open(tmp, "w", **profile) as dst:
        for r in range(0, size, 1024):
            rows = np.arange(r, min(size, r + 1024), dtype=np.float32)[:, None]
            block = 100 + 50 * np.sin(cols / 700)[None, :] * np.cos(rows / 500) + rng.normal(0, 2, (len(rows), size))
            block = block.astype(np.float32)
            block[(rows[:, 0] // (size // 10)) == 3, size // 5 : size // 4] = NODATA
            dst.write(block, 1, window=Window(0, r, size, len(rows)))
    os.replace(tmp, path)
    return path


def make_zones(path: Path, size: int, n: int) -> Path:
    """Voronoi cells of ``n`` random points, clipped to the raster's extent."""
    import geopandas as gpd
    import pyogrio
    import shapely

    if path.exists():
        return path
    rng = np.random.default_rng(SEED + n)
    extent = shapely.box(X0, Y0 - size * CELL, X0 + size * CELL, Y0)
    points = rng.uniform((X0, Y0 - size * CELL), (X0 + size * CELL, Y0), (n, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent))
    cells = shapely.intersection(cells, extent)
    order = rng.permutation(len(cells))  # the file's order says nothing about place
    zones = gpd.GeoDataFrame({"id": np.arange(len(cells))}, geometry=cells[order], crs=CRS)
    tmp = path.with_name(path.stem + ".part.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(zones, tmp, layer="zones", driver="GPKG")
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- the tools (child processes)


def child(tool: str, raster: str, zones_path: str, out: str, limit: int) -> None:
    """Run one tool on the inputs and write ``id`` + the statistics per zone to a CSV."""
    import geopandas as gpd

    zones = gpd.read_file(zones_path, engine="pyogrio")
    if limit:
        zones = zones.iloc[:limit]
    ids = zones["id"].to_numpy()
    if tool == "ecozone":
        from ecozone.measure.zonal import zonal

        table = zonal(raster, zones, STATS)
        rows = table[STATS].to_numpy()
    elif tool == "exactextract":
        from exactextract import exact_extract

        table = exact_extract(raster, zones, STATS, output="pandas")
        rows = table[STATS].to_numpy(dtype=float)  # ids attached by position (DESIGN §6)
    elif tool == "rasterstats":
        from rasterstats import zonal_stats

        found = zonal_stats(zones, raster, stats=" ".join(STATS))
        rows = np.array([[np.nan if r[s] is None else r[s] for s in STATS] for r in found], dtype=float)
    else:
        raise SystemExit(f"unknown tool {tool}")
    with open(out, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", *STATS])
        writer.writerows([i, *r] for i, r in zip(ids.tolist(), rows.tolist()))


# ---------------------------------------------------------------- running


@dataclass
class Result(Timed):
    case: str
    zones: int
    tool: str
    runs: list[Run] = field(default_factory=list)
    check: str = ""
    agrees: bool | None = None




def read_csv(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] not in ("", "nan") else np.nan for r in rows]) for k in ["id", *STATS]}


def outline_cells(zones_path: Path, limit: int) -> np.ndarray:
    """Per zone, an upper bound of the cells its outline crosses: Σ (|dx| + |dy|) / cell + 1 per segment."""
    import geopandas as gpd
    import shapely

    zones = gpd.read_file(zones_path, engine="pyogrio")
    if limit:
        zones = zones.iloc[:limit]
    xy, ring = shapely.get_coordinates(shapely.boundary(zones.geometry.values), return_index=True)
    same = ring[1:] == ring[:-1]
    step = (np.abs(np.diff(xy[:, 0])) + np.abs(np.diff(xy[:, 1])))[same] / CELL + 1
    return np.bincount(ring[:-1][same], weights=step, minlength=len(zones))


def compare(tool: str, got: dict[str, np.ndarray], ref: dict[str, np.ndarray], bound: np.ndarray) -> tuple[str, bool]:
    """How ``tool``'s per-zone figures compare with ecozone's (``ref``); whether they agree."""
    assert np.array_equal(got["id"], ref["id"]), "zone order differs"
    both = np.isfinite(got["mean"]) & np.isfinite(ref["mean"])
    mean_rel = np.abs(got["mean"][both] - ref["mean"][both]) / np.maximum(np.abs(ref["mean"][both]), 1e-12)
    if tool == "exactextract":
        count_rel = np.abs(got["count"] - ref["count"]) / np.maximum(ref["count"], 1e-12)
        worst = max(float(count_rel.max(initial=0)), float(mean_rel.max(initial=0)))
        same_nan = np.array_equal(np.isnan(got["mean"]), np.isnan(ref["mean"]))
        return f"max rel. diff count/mean {worst:.1e}", worst <= EXACT_TOLERANCE and same_nan
    count_diff = np.abs(got["count"] - ref["count"])
    within = bool((count_diff <= bound).all())
    return (
        f"count within outline cells: {'all' if within else int((count_diff <= bound).sum())} zones; "
        f"median rel. diff mean {float(np.median(mean_rel)):.1e}, count {float(np.median(count_diff / np.maximum(ref['count'], 1e-12))):.1e}",
        within,
    )


def bench_case(
    name: str, raster: Path, zones: Path, limit: int, n: int, tools: list[str], repeat: int, timeout: float, work: Path
) -> list[Result]:
    """Every tool ``repeat`` times, interleaved, on the first ``limit`` zones (0: all ``n``); then the check."""
    for path in (raster, zones):  # every tool starts from a warm page cache
        with path.open("rb") as f:
            while f.read(1 << 24):
                pass
    results = {t: Result(name, limit or n, t) for t in tools}
    slug = name.replace(" ", "_")  # the case's work files
    for i in range(repeat):
        for tool in tools:
            res = results[tool]
            if res.runs and not res.ok:
                continue
            out = work / f"{slug}_{tool}.csv"
            argv = [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(raster), str(zones), str(out), str(limit)]
            run = run_once(argv, timeout, work / f"{slug}_{tool}.log")
            res.runs.append(run)
            print(f"  {name} {tool} run {i + 1}: {run.status} {run.seconds:.2f} s {run.peak_mb:.0f} MB {run.detail}", flush=True)
    ref = results.get("ecozone")
    if ref and ref.ok:
        ref_rows = read_csv(work / f"{slug}_ecozone.csv")
        bound = outline_cells(zones, limit)
        for tool, res in results.items():
            if tool != "ecozone" and res.ok:
                res.check, res.agrees = compare(tool, read_csv(work / f"{slug}_{tool}.csv"), ref_rows, bound)
    return list(results.values())


# ---------------------------------------------------------------- report


def versions() -> dict[str, str]:
    from importlib import metadata

    info = machine()
    for dist in ("numpy", "shapely", "rasterio", "exactextract", "rasterstats"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    import rasterio

    info["GDAL (rasterio)"] = rasterio.__gdal_version__
    return info


def table(results: list[Result]) -> str:
    lines = [
        "| case | zones | tool | seconds | peak MB | time / ecozone | memory / ecozone | agreement with ecozone | agrees |",
        "|---|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        eco = next(x for x in results if x.case == r.case and x.tool == "ecozone")
        t_ratio = r.seconds / eco.seconds if r.seconds and eco.seconds else None
        m_ratio = r.peak_mb / eco.peak_mb if r.peak_mb and eco.peak_mb else None
        seconds = fmt(r.seconds, ".2f")
        if not r.ok and r.runs:
            seconds = "; ".join(sorted({x.status + " " + x.detail for x in r.runs if x.status != "ok"}))
        agrees = "—" if r.agrees is None else ("yes" if r.agrees else "**no**")
        lines.append(
            f"| {r.case} | {r.zones:,} | {r.tool} | {seconds} | {fmt(r.peak_mb, '.0f')} | "
            f"{fmt(t_ratio, '.2f')} | {fmt(m_ratio, '.2f')} | {r.check or 'reference'} | {agrees} |"
        )
    return "\n".join(lines)


def section(results: list[Result], meta: dict, info: dict[str, str], command: str, load: str) -> str:
    info_lines = "\n".join(f"- {k}: {v}" for k, v in info.items())
    return f"""{SECTION_BEGIN}
## Zonal statistics: a large raster, 10k zones (`bench/zonal.py`)

Whole process per run (start, imports, reading the zones, computing count/mean/min/max/sum per
zone, writing a CSV): wall seconds and peak resident MB, each tool a fresh subprocess, the tools
interleaved, median of {meta['repeat']} runs. Ratios are tool / ecozone (above 1: ecozone is faster /
smaller). Cases: all {meta['zones']:,} zones, which tile the raster; and the first {meta['subset']:,} of them,
scattered over it (sparse zones). "agrees": exactextract's count and mean within {EXACT_TOLERANCE:g} (relative)
of ecozone's in every zone; rasterstats' count (cell centres) within the cells the zone's outline
crosses, in every zone. Peak memory includes GDAL's block cache (default: up to 5 % of RAM), which
keeps every decompressed tile of an open dataset: ecozone reads through a handle it reopens after
16M cells of tiles, which drops them. ecozone uses two threads (one reads and decompresses the
next blocks while the other computes); the peers one. Generated by `bench/zonal.py`; do not edit
by hand.

{table(results)}

Input: {meta['raster']}; zones: {meta['zones_desc']}. Measured {meta['date']} with `{command}`.
{load}

Machine and versions:

{info_lines}
{SECTION_END}"""


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        tool, raster, zones, out, limit = argv[1:6]
        child(tool, raster, zones, out, int(limit))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="raster of N × N cells")
    parser.add_argument("--zones", type=int, default=10_000, help="number of zones")
    parser.add_argument("--subset", type=int, default=1_000, help="zones of the sparse case (the first N)")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS), help=", ".join(ALL_TOOLS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median reported)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run before it is killed")
    parser.add_argument("--workdir", type=Path, default=BENCH / "out" / "zonal", help="where inputs are generated")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    compile_ecozone()  # as an installed copy: compiled once, not on every run
    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if t not in ALL_TOOLS:
            parser.error(f"unknown tool: {t}")
    if "ecozone" not in tools:
        parser.error("ecozone is the reference: keep it in --tools")
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    print("preparing inputs", flush=True)
    raster = make_raster(work / f"raster_{args.size}.tif", args.size)
    zones = make_zones(work / f"zones_{args.size}_{args.zones}.gpkg", args.size, args.zones)
    load_before = os.getloadavg()
    print(f"all {args.zones:,} zones", flush=True)
    results = bench_case("all zones", raster, zones, 0, args.zones, tools, args.repeat, args.timeout, work)
    print(f"first {args.subset:,} zones", flush=True)
    results += bench_case("sparse subset", raster, zones, args.subset, args.zones, tools, args.repeat, args.timeout, work)
    load_after = os.getloadavg()
    print()
    print(table(results))
    if args.no_results:
        return 0
    import geopandas as gpd
    import shapely

    gdf = gpd.read_file(zones, engine="pyogrio")
    mb = raster.stat().st_size / 2**20
    meta = {
        "repeat": args.repeat,
        "subset": args.subset,
        "zones": args.zones,
        "date": datetime.date.today().isoformat(),
        "raster": f"{args.size:,} × {args.size:,} float32 cells of {CELL:g} m in {CRS}, tiled 256 × 256, DEFLATE + predictor 3 ({mb:.0f} MB on disk), a nodata block of 0.5 % of the cells",
        "zones_desc": f"{len(gdf):,} Voronoi cells (mean {gdf.area.mean() / CELL**2:,.0f} cells, {shapely.get_num_coordinates(gdf.geometry.values).mean():.1f} vertices)",
    }
    load = (
        f"Load average (1 min) {load_before[0]:.2f} before and {load_after[0]:.2f} after the runs, on "
        f"{os.cpu_count()} cores: another engineer's tests may have run meanwhile, so single runs vary; the medians and ratios are what to read."
    )
    command = "python bench/zonal.py " + " ".join(argv)
    update_results(section(results, meta, versions(), command.strip(), load), SECTION_BEGIN, SECTION_END)
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
