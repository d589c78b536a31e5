"""Benchmark: natural-coastline retention on 1M coastline segments.

What it measures
----------------
Whole-process wall time and peak memory (RSS of the child process) of

* ``ecozone coastline --coastline SEGMENTS.gpkg -o out.json`` — validation of every
  class, the duplicate-segment check, lengths and retention;
* what a geopandas user writes today: read the file, keep mainland segments,
  ``gdf.length.groupby(class).sum()``, divide — no class validation, no duplicate check.

The synthetic coastline is a random walk near Yantai in EPSG:4549 cut into
segments of about 50 m, folded back into a 700 × 1,000 km box inside the CRS's
area of use (a million steps wander ~3,000 km, and ecozone refuses coordinates
that cannot be of their CRS; 100k stay inside unfolded), with classes drawn with
fixed weights and 10 % island segments; it is written once to ``bench/out/``
(git-ignored).  Both results must agree to 1e-9.

Run
---
    python bench/coastline.py [--sizes 100000,1000000] [--runs 3] [--checkout DIR]

``--checkout DIR`` times the ecozone of another source folder, e.g. a ``git worktree`` of an
older commit, against the same peer and data (before/after figures from one sitting).

Needs only ecozone's own dependencies.  Results go to stdout; copy them into
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compile_ecozone  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CLASSES = ["bedrock", "sandy", "muddy", "restored_natural", "artificial", "estuarine"]
WEIGHTS = [0.2, 0.18, 0.1, 0.03, 0.46, 0.03]

PEER = r"""
import sys, json, geopandas as gpd
gdf = gpd.read_file(sys.argv[1], engine="pyogrio", use_arrow=True)
main = gdf[~gdf["island"].astype(bool)]
km = main.length.groupby(main["class"]).sum() / 1000
natural = km.reindex(["bedrock", "sandy", "muddy", "biological", "restored_natural"]).fillna(0).sum()
json.dump({"total_km": float(km.sum()), "natural_km": float(natural), "retention": float(natural / km.sum())}, open(sys.argv[2], "w"))
"""


def make(n: int) -> Path:
    path = OUT / f"coastline_{n}.gpkg"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20251123)
    # a random walk of n steps of ~50 m, turning slowly: one long, non-self-overlapping-in-practice line
    heading = np.cumsum(rng.normal(0, 0.05, n + 1))
    step = rng.uniform(40, 60, n + 1)
    xy = np.column_stack([450_000 + np.cumsum(step * np.cos(heading)), 4_100_000 + np.cumsum(step * np.sin(heading))])
    # folded back (mirrored) into a box inside EPSG:4549's area of use: a 1M-step walk wanders ~3,000 km
    # and ecozone refuses coordinates that cannot be of their CRS.  The 100k walk stays inside unfolded.
    xy = np.column_stack([_fold(xy[:, 0], 150_000, 850_000), _fold(xy[:, 1], 3_600_000, 4_600_000)])
    segments = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"S{i:07d}" for i in range(n)],
            "class": rng.choice(CLASSES, n, p=WEIGHTS),
            "island": rng.random(n) < 0.1,
        },
        geometry=segments,
        crs=4549,
    )
    gdf.to_file(path, engine="pyogrio")
    return path


def _fold(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``v`` mirrored at ``lo`` and ``hi`` as often as it takes to lie between them (unchanged when it does)."""
    width = hi - lo
    t = np.mod(v - lo, 2 * width)
    return lo + np.where(t > width, 2 * width - t, t)


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (os.wait4: that child's own rusage)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {child.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool, in turn (ecozone, geopandas, ecozone …)")
    parser.add_argument("--checkout", type=Path, default=None,
                        help="run the ecozone of this source folder (e.g. a git worktree of an older commit) instead")
    args = parser.parse_args()
    compile_ecozone(args.checkout)  # as an installed copy: compiled once, not on every run
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f} at the start")
    print(f"min / median of {args.runs} runs each; the ratio is taken run by run (ecozone's run ÷ the geopandas run after it)")
    print("| segments | ecozone s | ecozone MB | geopandas s | geopandas MB | ecozone ÷ geopandas | retention difference |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = make(n)
        eco_out, peer_out = OUT / f"coastline_{n}_ecozone.json", OUT / f"coastline_{n}_geopandas.json"
        eco_cmd = [sys.executable, "-m", "ecozone", "-q", "coastline", "--coastline", str(data), "-o", str(eco_out), "--overwrite"]
        eco_runs, peer_runs = [], []
        for _ in range(args.runs):
            eco_runs.append(run(eco_cmd, cwd=args.checkout))  # -m: the checkout's ecozone comes first on sys.path
            peer_runs.append(run([sys.executable, "-c", PEER, str(data), str(peer_out)]))
        eco, peer = json.loads(eco_out.read_text()), json.loads(peer_out.read_text())
        diff = abs(eco["retention"] - peer["retention"])
        assert diff < 1e-9, (eco, peer)
        et, em = np.array(eco_runs).T
        pt, pm = np.array(peer_runs).T
        ratio = et / pt

        def spread(v: np.ndarray, digits: int = 2) -> str:
            return f"{v.min():.{digits}f} / {np.median(v):.{digits}f}"

        print(f"| {n:,} | {spread(et)} | {np.median(em):.0f} | {spread(pt)} | {np.median(pm):.0f} | {spread(ratio)} | {diff:.1e} |")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
