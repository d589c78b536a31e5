"""Benchmark: an HTML map of a large district mosaic, ``ecozone map`` against ``GeoDataFrame.explore``.

Dependencies beyond ecozone's
-----------------------------
* ``mapclassify`` and ``matplotlib`` (PyPI), which geopandas' ``explore()``
  needs (the bench extra has them).

How to run
----------
::

    python bench/maps.py                          # 10,000 polygons
    python bench/maps.py --zones 2000 --repeat 1 --no-results

Options: ``--zones N`` (default 10000), ``--repeat N`` (runs per tool,
interleaved, the median reported; default 3), ``--timeout`` (seconds per
run, default 600), ``--workdir`` (default ``bench/out/maps``, git-ignored),
``--no-results`` (do not touch ``bench/RESULTS.md``).

What is measured
----------------
Input, generated once (seeded): N Voronoi cells near Yantai in EPSG:4549,
each with 6 attribute columns, in a GeoPackage: a mosaic like village
boundaries (村界) of a prefecture.  Each tool runs as a fresh subprocess:
import, read the layer, build the map, write the HTML.

* ``ecozone``: the atlas (validation included: a mosaic check of every cell)
  and the ``overview`` preset's district layer (tooltip: name and area),
  ``--offline``;
* ``explore``: ``gdf.explore(tooltip=["name"])`` then ``save()``, the map a
  geopandas user writes (Leaflet and its plugins from CDNs; every column in
  the popup data).

Reported: wall time and peak memory of the whole process, the HTML's size,
and the number of scripts and stylesheets it loads from the network.
Results go to the "maps" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness import Run, Timed, fmt, machine, run_once, update_results

BEGIN, END = "<!-- maps:begin -->", "<!-- maps:end -->"
REMOTE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""")


@dataclass
class Result(Timed):
    tool: str
    runs: list[Run] = field(default_factory=list)


def make_zones(path: Path, n: int) -> Path:
    import geopandas as gpd
    import shapely

    if path.exists():
        return path
    rng = np.random.default_rng(7)
    x0, y0, size = 560000.0, 4100000.0, 120000.0
    pts = shapely.points(rng.uniform(x0, x0 + size, n), rng.uniform(y0, y0 + size, n))
    extent = shapely.box(x0, y0, x0 + size, y0 + size)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent)
    cells = shapely.intersection(np.asarray(shapely.get_parts(cells)), extent)
    gdf = gpd.GeoDataFrame(
        {"id": [f"V{i:05d}" for i in range(len(cells))], "name": [f"第{i}村" for i in range(len(cells))],
         "parent": rng.choice(["芝罘区", "福山区", "莱山区", "牟平区"], len(cells)),
         "code": rng.integers(370600000000, 370699999999, len(cells)).astype(str),
         "population": rng.integers(100, 5000, len(cells)), "note": ["示意数据"] * len(cells)},
        geometry=cells, crs=4549)
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, engine="pyogrio")
    return path


def child(tool: str, zones: str, out: str) -> None:
    import geopandas as gpd

    gdf = gpd.read_file(zones, engine="pyogrio")
    if tool == "ecozone":
        import ecozone
        from ecozone.maps import render_map, write_map

        atlas = ecozone.Atlas.from_frames({"districts": (gdf, "district")}, crs=4549)
        write_map(render_map("overview", atlas, offline=True), out)
    elif tool == "explore":
        gdf.explore(tooltip=["name"]).save(out)
    else:
        raise SystemExit(f"unknown tool {tool}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=3, metavar=("TOOL", "ZONES", "OUT"))
    ap.add_argument("--zones", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out" / "maps")
    ap.add_argument("--no-results", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    work = args.workdir
    zones = make_zones(work / f"zones_{args.zones}.gpkg", args.zones)
    tools = ["ecozone", "explore"]
    results = {t: Result(t) for t in tools}
    for i in range(args.repeat):
        for tool in tools:
            out = work / f"{tool}.html"
            run = run_once([sys.executable, str(Path(__file__).resolve()), "--child", tool, str(zones), str(out)],
                           args.timeout, work / f"{tool}.log")
            results[tool].runs.append(run)
            print(f"  {tool} run {i + 1}: {run.status} {run.seconds:.2f} s {run.peak_mb:.0f} MB {run.detail}", flush=True)
    rows = []
    for tool, res in results.items():
        html = (work / f"{tool}.html").read_text("utf-8") if res.ok else ""
        rows.append({
            "tool": tool,
            "seconds": res.seconds,
            "peak_mb": res.peak_mb,
            "html_mb": len(html.encode()) / 1e6 if res.ok else None,
            "remote": len(REMOTE.findall(html)) if res.ok else None,
        })
    eco = rows[0]
    lines = [BEGIN, f"## Maps: {args.zones:,} polygons to HTML (`bench/maps.py`)", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    lines += ["", "| tool | time (s) | × ecozone | peak memory (MB) | × ecozone | HTML (MB) | × ecozone | scripts/styles from the network |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = lambda k: fmt(r[k] / eco[k] if r[k] and eco[k] else None, ".2f")  # noqa: E731
        lines.append(f"| {r['tool']} | {fmt(r['seconds'], '.2f')} | {ratio('seconds')} | {fmt(r['peak_mb'], '.0f')} | "
                     f"{ratio('peak_mb')} | {fmt(r['html_mb'], '.2f')} | {ratio('html_mb')} | {fmt(r['remote'], 'd')} |")
    lines += ["", f"Median of {args.repeat} runs per tool, interleaved; whole process (import, read, map, write). "
              "ecozone: atlas validation included, simplified 20 m, 6 decimals, tooltip fields only, Leaflet inlined "
              "(offline); explore: unsimplified, every column embedded, Leaflet and plugins from CDNs.", END]
    text = "\n".join(lines)
    print(text)
    if not args.no_results:
        update_results(text, BEGIN, END)


if __name__ == "__main__":
    main()
