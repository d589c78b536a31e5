"""Benchmark: an HTML map of a large polygon layer, ``ecozone map`` against folium and ``GeoDataFrame.explore``.

Dependencies beyond ecozone's
-----------------------------
* ``mapclassify`` and ``matplotlib`` (PyPI), which geopandas' ``explore()``
  needs (the bench extra has them).

How to run
----------
::

    python bench/maps.py                          # 10,000 and 100,000 polygons
    python bench/maps.py --zones 2000 --repeat 1 --no-results

Options: ``--zones N[,N…]`` (default 10000,100000), ``--repeat N`` (runs per
tool, interleaved, min and median reported; default 3), ``--timeout``
(seconds per run, default 600), ``--workdir`` (default ``bench/out/maps``,
git-ignored), ``--no-results`` (do not touch ``bench/RESULTS.md``).
First draws need playwright and Debian's ``/usr/bin/chromium`` (``--chromium``).

What is measured
----------------
Input, generated once (seeded): N Voronoi cells near Yantai in EPSG:4549,
each with 6 attribute columns, in a GeoPackage: a mosaic like village
boundaries (村界) of a prefecture.  Each tool runs as a fresh subprocess:
import, read the layer, build the map, write the HTML.

* ``ecozone``: ``ecozone map --layer zones.gpkg --tooltip name --offline``, the
  quick map of a file (a command-line run: start-up included);
* ``ecozone preset``: the atlas (validation included: the file as a district
  layer, a mosaic check of every cell) and the ``overview`` preset's district
  layer (tooltip: name and area), offline, from Python;
* ``folium``: a plain ``folium.GeoJson`` of the layer in WGS84 (the name
  column only) with a ``GeoJsonTooltip(["name"])`` and Leaflet inlined (the packaged Leaflet 1.9.4
  in place of folium's CDN links): the peer a folium user writes for an
  offline page;
* ``explore``: ``gdf.explore(tooltip=["name"])`` then ``save()``, the map a
  geopandas user writes (Leaflet and its plugins from CDNs; every column in
  the popup data).

Reported: wall time and peak memory of the whole process (build), the HTML's
size, the number of scripts and stylesheets it loads from the network, and
the first draw: headless Chromium opens the page with every request but the
file itself refused (offline), and the time is ``performance.now()`` at the
second animation frame after the load event (navigation start until the
layer is drawn and painted; a page whose layer never drew, e.g. ``explore``'s
without its CDN scripts, is "never").  Min and median of the runs; the load
average before and after.  Results go to the "maps" section of
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness import Run, Timed, compile_ecozone, fmt, machine, run_once, update_results

BEGIN, END = "<!-- maps:begin -->", "<!-- maps:end -->"
REMOTE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""")


TOOLS = ["ecozone", "ecozone preset", "folium", "explore"]
CHROMIUM = "/usr/bin/chromium"
#: features drawn: ecozone's canvas layers' and the GeoJSON layers' on the map (SVG or canvas), SVG paths
DRAWN_JS = """() => {
  if (typeof L === 'undefined') return 0;
  let n = document.querySelectorAll('path.leaflet-interactive').length;
  for (const k of Object.keys(window)) {
    const v = window[k];
    if (L.EcozoneCanvas && v instanceof L.EcozoneCanvas) n += v._drawn || 0;
    if (v instanceof L.GeoJSON && v._map) n += v.getLayers().length;
  }
  return n;
}"""


@dataclass
class Result(Timed):
    tool: str
    runs: list[Run] = field(default_factory=list)
    draws: list[float | None] = field(default_factory=list)


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
    if tool == "ecozone preset":
        import ecozone
        from ecozone.maps import render_map, write_map

        atlas = ecozone.Atlas.from_frames({"districts": (gdf, "district")}, crs=4549)
        write_map(render_map("overview", atlas, offline=True), out)
    elif tool == "folium":
        from importlib import resources

        import folium

        m = folium.Map(tiles=None)
        m.default_js, m.default_css = [], []
        wgs = gdf[["name", "geometry"]].to_crs(4326)  # the tooltip's field only, as ecozone embeds
        folium.GeoJson(wgs, tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
        west, south, east, north = wgs.total_bounds
        m.fit_bounds([[south, west], [north, east]])
        base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
        inline = f"<style>{(base / 'leaflet.css').read_text('utf-8')}</style><script>{(base / 'leaflet.js').read_text('utf-8')}</script>"
        html = m.get_root().render().replace("<head>", "<head>" + inline, 1)
        Path(out).write_text(html, encoding="utf-8")
    elif tool == "explore":
        gdf.explore(tooltip=["name"]).save(out)
    else:
        raise SystemExit(f"unknown tool {tool}")


def command(tool: str, zones: Path, out: Path) -> list[str]:
    if tool == "ecozone":
        return [sys.executable, "-m", "ecozone", "map", "--layer", str(zones), "--tooltip", "name", "--offline",
                "-o", str(out), "--overwrite"]
    return [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(zones), str(out)]


def first_draw(browser, path: Path, timeout_s: float) -> float | None:
    """Seconds from navigation start until the layer is drawn and painted, offline; None if it never draws."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        ms = page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))")
        return ms / 1000 if page.evaluate(DRAWN_JS) > 0 else None
    finally:
        context.close()


def stats(values: list[float | None], spec: str) -> str:
    """``min / median`` of the runs, "never" when a run did not draw."""
    if not values:
        return "—"
    if any(v is None for v in values):
        return "never"
    return f"{format(min(values), spec)} / {format(statistics.median(values), spec)}"


def ratio(value: float | None, base: float | None) -> str:
    return fmt(value / base if value is not None and base else None, ".2f")


def bench_size(n: int, args, browser) -> list[str]:
    work = args.workdir
    zones = make_zones(work / f"zones_{n}.gpkg", n)
    results = {t: Result(t) for t in TOOLS}
    for i in range(args.repeat):
        for tool in TOOLS:
            out = work / f"{tool.replace(' ', '_')}_{n}.html"
            run = run_once(command(tool, zones, out), args.timeout, work / f"{tool.replace(' ', '_')}.log")
            results[tool].runs.append(run)
            draw = first_draw(browser, out, 180) if run.status == "ok" and browser is not None else None
            results[tool].draws.append(draw)
            print(f"  {n} {tool} run {i + 1}: {run.status} {run.seconds:.2f} s {run.peak_mb:.0f} MB {run.detail}; "
                  f"first draw {fmt(draw, '.2f')} s", flush=True)
    rows = []
    for tool, res in results.items():
        out = work / f"{tool.replace(' ', '_')}_{n}.html"
        html = out.read_text("utf-8") if res.ok else ""
        times = [r.seconds for r in res.runs] if res.ok else []
        draws = res.draws if browser is not None else []
        rows.append({"tool": tool, "times": times, "seconds": res.seconds, "peak_mb": res.peak_mb,
                     "html_mb": len(html.encode()) / 1e6 if res.ok else None, "draws": draws,
                     "draw": statistics.median(draws) if draws and None not in draws else None,
                     "remote": len(REMOTE.findall(html)) if res.ok else None})
    eco = rows[0]
    lines = [f"### {n:,} polygons", "",
             "| tool | build (s) min / median | × ecozone | peak memory (MB) | HTML (MB) | × ecozone | "
             "first draw (s) min / median | × ecozone | scripts/styles from the network |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        build = f"{min(r['times']):.2f} / {r['seconds']:.2f}" if r["times"] else "—"
        lines.append(f"| {r['tool']} | {build} | {ratio(r['seconds'], eco['seconds'])} | {fmt(r['peak_mb'], '.0f')} | "
                     f"{fmt(r['html_mb'], '.2f')} | {ratio(r['html_mb'], eco['html_mb'])} | {stats(r['draws'], '.2f')} | "
                     f"{ratio(r['draw'], eco['draw'])} | {fmt(r['remote'], 'd')} |")
    return lines + ["", summary(n, rows), ""]


def summary(n: int, rows: list[dict]) -> str:
    """The closing note of one size: ecozone's ratios against each peer (a peer's median over ecozone's)."""
    eco, parts = rows[0], []
    for r in rows[1:]:
        bits = [f"builds {ratio(r['seconds'], eco['seconds'])}× faster" if r["seconds"] else "",
                f"a {ratio(r['html_mb'], eco['html_mb'])}× smaller page" if r["html_mb"] else "",
                f"draws {ratio(r['draw'], eco['draw'])}× sooner" if r["draw"] else
                ("draws where it never does offline" if r["draws"] else "")]
        parts.append(f"against {r['tool']} it " + ", ".join(b for b in bits if b))
    return f"At {n:,} polygons, ecozone's quick map (medians): " + "; ".join(parts) + "."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=3, metavar=("TOOL", "ZONES", "OUT"))
    ap.add_argument("--zones", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--chromium", default=CHROMIUM)
    ap.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out" / "maps")
    ap.add_argument("--no-results", action="store_true")
    args = ap.parse_args()
    compile_ecozone()  # as an installed copy: compiled once, not on every run
    if args.child:
        child(*args.child)
        return
    sizes = [int(z) for z in args.zones.split(",")]
    load_before = os.getloadavg()
    lines = [BEGIN, f"## Maps: {' and '.join(f'{n:,}' for n in sizes)} polygons to HTML (`bench/maps.py`)", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    browser = None
    if Path(args.chromium).exists():
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=args.chromium)
    body = []
    try:
        for n in sizes:
            body += bench_size(n, args, browser)
    finally:
        if browser is not None:
            browser.close()
            pw.stop()
    load_after = os.getloadavg()
    lines += [f"- load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in load_before)} before, "
              f"{', '.join(f'{x:.2f}' for x in load_after)} after", ""]
    lines += body
    lines += [f"{args.repeat} runs per tool, interleaved; build = whole process (start-up, read, map, write); "
              "× ecozone on the medians. ecozone: `ecozone map --layer` (no validation as a mosaic: the file is no "
              "district layer), simplified 10 m, tooltip field only, Leaflet inlined, above 5,000 features one canvas "
              "layer (quantised delta-encoded geometry); ecozone preset: atlas validation as a district mosaic "
              "included, simplified 20 m; folium: unsimplified GeoJSON of the name field, one SVG path per feature, Leaflet inlined; "
              "explore: unsimplified, every column embedded, Leaflet and plugins from CDNs (offline it never draws).",
              END]
    text = "\n".join(lines)
    print(text)
    if not args.no_results:
        update_results(text, BEGIN, END)


if __name__ == "__main__":
    main()
