"""Benchmark: covered area per district, ``ecozone coverage`` against the tools a user would use.

Dependencies beyond ecozone's
-----------------------------
* ``duckdb-extension-spatial`` (PyPI; pins a matching ``duckdb``) for the DuckDB peer;
* Debian's ``qgis`` (``apt-get install qgis``) for the QGIS peer, skipped when
  ``/usr/bin/qgis_process.bin`` is missing;
* geopandas, shapely, pyogrio, pyarrow and numpy, which ecozone needs anyway.

How to run
----------
::

    python bench/coverage.py                                   # everything below
    python bench/coverage.py --sizes 10000,100000 --kinds parcels --tools ecozone,geopandas
    python bench/coverage.py --kinds overlapping --sizes 1000000 --timeout 900

Options: ``--sizes`` (default ``10000,100000,1000000``), ``--kinds``
(``parcels,overlapping``), ``--tools`` (``ecozone,geopandas,duckdb,qgis``),
``--repeat N`` (runs per tool below 1M features, default 3; the median is
reported; at 1M and above each tool runs ``--repeat-large`` times, default
1), ``--timeout`` (seconds per run, default 300; a run killed then is
reported as a timeout, with the time and memory it had reached as lower
bounds), ``--no-results`` (do not touch ``bench/RESULTS.md``),
``--report-only`` (rebuild the RESULTS section from the recorded cases).

The full default run takes about 30 minutes on 2 cores, most of it the peers
on ``overlapping`` 1M, which they do not finish within the timeout.  Cases
can be measured in several invocations: each case (one input, every tool side
by side) is recorded in ``bench/out/coverage_results.json`` and replaces its
earlier record, and the RESULTS section is rebuilt from all recorded cases.

What is measured
----------------
The zones are the 11 real Yantai districts (``layers/yantai/districts.geojson``).
The layers are synthetic and deterministic (seeded), generated once and cached
in ``bench/out/`` (git-ignored):

* ``parcels``: Voronoi cells of random points inside the city, clipped to the
  city (the union of the districts): a layer that tiles without overlaps;
* ``overlapping``: random ellipses (32-sided) centred inside the city, sized so
  that most of them overlap another and some cross district boundaries.

Every input, the districts included, is written once as a GeoPackage in
EPSG:4549 (CGCS2000 / 3-degree Gauss-Krüger CM 120°E, ecozone's measurement
CRS for Yantai), so every tool reads the same file and measures planar areas
in the same CRS.

Each tool runs as a fresh subprocess per run, reading the files and writing
the per-district covered area; the wall time and peak resident memory of the
whole process are measured (``os.wait4``):

* ``ecozone``: ``ecozone coverage --zones Z --layer L -o out.csv``;
* ``geopandas``: ``bench/peers/geopandas_coverage.py`` — ``read_file``
  (pyogrio, Arrow), ``dissolve()``, ``overlay(how="intersection")``, area per
  district;
* ``duckdb``: ``bench/peers/duckdb_coverage.py`` — ``ST_Read``,
  ``ST_Union_Agg``, ``ST_Intersection`` with each district, ``ST_Area``;
* ``qgis``: ``qgis_process.bin run native:calculatevectoroverlaps`` (Overlap
  analysis) with ``--ellipsoid=NONE`` (planar areas, like the others).

Every tool's per-district areas are compared with ecozone's; they agree when
the largest relative difference is at most 0.01 %.  The table gives seconds,
peak MB and the ratios tool / ecozone (above 1: ecozone is faster or smaller),
and is written to the "coverage" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from harness import RESULTS, Run, Timed, compile_ecozone, fmt, machine, outside_virtualenv, run_once, update_results

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DISTRICTS_SOURCE = ROOT / "layers" / "yantai" / "districts.geojson"
CRS = "EPSG:4549"
SEED = 20240601
TOLERANCE = 1e-4  # 0.01 % relative
QGIS = Path("/usr/bin/qgis_process.bin")
PYTHON = sys.executable
ECOZONE = Path(sys.executable).with_name("ecozone")
ALL_TOOLS = ("ecozone", "geopandas", "duckdb", "qgis")
#: Mean ellipse area as a share of the city per feature: with ~0.35 a feature
#: overlaps on average 4 x 0.35 ≈ 1.4 others, so about three quarters overlap one.
OVERLAP_DENSITY = 0.35
#: The dense layer (buffers around points, years of footprints piled up): areas adding up to 9 times the city,
#: about 16 overlapping pairs per feature.
DENSE_DENSITY = 9.0

SECTION_BEGIN = "<!-- bench/coverage.py: begin -->"
SECTION_END = "<!-- bench/coverage.py: end -->"


# ---------------------------------------------------------------- inputs


def districts_path() -> Path:
    """The Yantai districts (field ``name``) as a GeoPackage in EPSG:4549."""
    path = OUT / "districts.gpkg"
    if not path.exists():
        import geopandas as gpd

        zones = gpd.read_file(DISTRICTS_SOURCE)[["name", "geometry"]].to_crs(CRS)
        _write(zones, path)
    return path


def _city():
    import geopandas as gpd
    import shapely

    zones = gpd.read_file(districts_path())
    return shapely.union_all(zones.geometry.values)


def _points_inside(city, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``city``, as an (n, 2) array."""
    import shapely

    shapely.prepare(city)
    x0, y0, x1, y1 = city.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(2 * n, 2))
        xy = xy[shapely.contains_xy(city, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.concatenate(found)[:n]


def make_parcels(n: int) -> tuple[Path, dict]:
    """Voronoi cells of ``n`` random points inside the city, clipped to the city."""
    import geopandas as gpd
    import shapely

    path = OUT / f"parcels_{n}.gpkg"
    if path.exists():
        return path, json.loads(path.with_suffix(".json").read_text())
    rng = np.random.default_rng(SEED + n)
    city = _city()
    points = shapely.multipoints(_points_inside(city, n, rng))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=city.envelope))
    shapely.prepare(city)
    inside = shapely.contains_properly(city, cells)
    cut = np.flatnonzero(~inside)
    clipped = shapely.intersection(cells[cut], city)
    clipped = np.array([_polygonal(g) for g in clipped], dtype=object)
    cells[cut] = clipped
    cells = cells[~shapely.is_empty(cells)]
    meta = {"features": len(cells), "clipped_to_city": int(len(cut)), "vertices": int(shapely.get_num_coordinates(cells).sum())}
    _write(gpd.GeoDataFrame({"id": np.arange(len(cells))}, geometry=cells, crs=CRS), path, meta)
    return path, meta


def make_overlapping(n: int, density: float = OVERLAP_DENSITY, kind: str = "overlapping") -> tuple[Path, dict]:
    """``n`` random ellipses centred in the city, most overlapping others; their areas add up to ``density``
    times the city's area."""
    import geopandas as gpd
    import shapely

    path = OUT / f"{kind}_{n}.gpkg"
    if path.exists():
        return path, json.loads(path.with_suffix(".json").read_text())
    rng = np.random.default_rng(SEED + 7 * n + (0 if kind == "overlapping" else 1))
    city = _city()
    centres = _points_inside(city, n, rng)
    # semi-axes a ≥ b, lognormal sizes around a mean area of OVERLAP_DENSITY × city area / n
    ratio = rng.uniform(0.3, 1.0, n)
    scale = rng.lognormal(0.0, 0.5, n)
    mean_area = density * city.area / n
    a = np.sqrt(mean_area / (np.pi * np.mean(ratio) * np.exp(2 * 0.5**2))) * scale  # E[scale²] = e^(2σ²)
    b = a * ratio
    theta = rng.uniform(0, np.pi, n)
    t = np.linspace(0, 2 * np.pi, 33)
    t[-1] = 0.0  # closed ring, exactly
    ex, ey = np.cos(t)[None, :] * a[:, None], np.sin(t)[None, :] * b[:, None]
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    coords = np.stack([centres[:, :1] + ex * cos - ey * sin, centres[:, 1:] + ex * sin + ey * cos], axis=-1)
    ellipses = shapely.polygons(coords)
    tree = shapely.STRtree(ellipses)
    left, right = tree.query(ellipses, predicate="intersects")
    keep = left != right
    overlapping = np.zeros(n, dtype=bool)
    overlapping[left[keep]] = True
    zones = gpd.read_file(districts_path()).geometry.values
    boundary = shapely.union_all(shapely.boundary(zones))
    shapely.prepare(boundary)  # prepared, and first: 1M tests against 10k vertices
    crossing = shapely.intersects(boundary, ellipses)
    meta = {
        "features": n,
        "overlapping_another": round(float(overlapping.mean()), 3),
        "crossing_a_district_or_city_boundary": round(float(crossing.mean()), 3),
        "vertices": int(shapely.get_num_coordinates(ellipses).sum()),
    }
    if kind == "dense":  # how dense: pairs that share area, and the areas' sum over the union's area
        pairs = left < right
        shared = shapely.relate_pattern(ellipses[left[pairs]], ellipses[right[pairs]], "2********")
        meta["overlapping_pairs"] = int(shared.sum())
        meta["sum_of_areas_over_union"] = round(float(shapely.area(ellipses).sum() / shapely.union_all(ellipses).area), 2)
    _write(gpd.GeoDataFrame({"id": np.arange(n)}, geometry=ellipses, crs=CRS), path, meta)
    return path, meta


def make_parcels_lonlat(n: int) -> tuple[Path, dict]:
    """Voronoi cells of ``n`` random points inside the city, NOT clipped to it (cells along the edge reach
    out to the envelope), written in lon/lat (EPSG:4326): every tool must reproject them."""
    import geopandas as gpd
    import shapely

    path = OUT / f"parcels_lonlat_{n}.gpkg"
    if path.exists():
        return path, json.loads(path.with_suffix(".json").read_text())
    rng = np.random.default_rng(SEED + 3 * n)
    city = _city()
    points = shapely.multipoints(_points_inside(city, n, rng))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=city.envelope))
    shapely.prepare(city)
    outside = int((~shapely.contains_properly(city, cells)).sum())
    frame = gpd.GeoDataFrame({"id": np.arange(len(cells))}, geometry=cells, crs=CRS).to_crs("EPSG:4326")
    meta = {"features": len(cells), "crs": "EPSG:4326", "reaching_outside_the_city": outside,
            "vertices": int(shapely.get_num_coordinates(cells).sum())}
    _write(frame, path, meta)
    return path, meta


#: The kinds of input: what each is made by.
KINDS = {
    "parcels": make_parcels,
    "overlapping": make_overlapping,
    "dense": lambda n: make_overlapping(n, DENSE_DENSITY, "dense"),
    "parcels_lonlat": make_parcels_lonlat,
}


def make_layer(kind: str, n: int) -> tuple[Path, dict]:
    """The input, generated in a child process when it is not cached yet: a child forked from a process that
    has just held a million polygons starts with that memory in its peak (Linux's ru_maxrss), so the bench
    itself stays small."""
    path = OUT / f"{kind}_{n}.gpkg"
    if not path.exists():
        subprocess.run([PYTHON, __file__, "--make", kind, str(n)], check=True)
    return KINDS[kind](n)


def _polygonal(geom):
    """The polygon parts of a clipping result, as a Polygon or MultiPolygon."""
    import shapely

    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def _write(gdf, path: Path, meta: dict | None = None) -> None:
    """Write a GeoPackage (and its metadata) atomically into bench/out/."""
    import pyogrio

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.gpkg")
    tmp.unlink(missing_ok=True)
    # GeoPackage 1.2: QGIS 3.22's GDAL warns about the 1.4 that GDAL 3.12 writes by default
    pyogrio.write_dataframe(gdf, tmp, layer=path.stem, driver="GPKG", dataset_options={"VERSION": "1.2"})
    if meta is not None:
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- tools


def command(tool: str, zones: Path, layer: Path, out: Path) -> tuple[list[str], dict[str, str]]:
    """The argv and extra environment that run ``tool`` on the inputs, writing ``out``."""
    if tool == "ecozone":
        return [str(ECOZONE), "-q", "coverage", "--zones", str(zones), "--layer", str(layer), "-o", str(out)], {}
    if tool in ("geopandas", "duckdb"):
        lonlat = ["EPSG:4326"] if tool == "duckdb" and "lonlat" in layer.stem else []
        return [PYTHON, str(BENCH / "peers" / f"{tool}_coverage.py"), str(zones), str(layer), str(out), *lonlat], {}
    if tool == "qgis":
        argv = [
            str(QGIS), "run", "native:calculatevectoroverlaps", "--ellipsoid=NONE", "--",
            f"INPUT={zones}", f"LAYERS={layer}", f"OUTPUT={out}",
        ]
        return argv, {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": tempfile.gettempdir()}
    raise ValueError(tool)


def available(tool: str) -> str | None:
    """Why ``tool`` cannot run here, or None."""
    if tool == "qgis" and not QGIS.exists():
        return f"{QGIS} not found (apt-get install qgis)"
    if tool == "duckdb":
        try:
            import duckdb_extension_spatial  # noqa: F401
        except ImportError:
            return "duckdb-extension-spatial not installed (pip install duckdb-extension-spatial)"
    if tool == "ecozone" and not ECOZONE.exists():
        return f"{ECOZONE} not found (pip install -e .)"
    return None


def read_areas(tool: str, path: Path) -> dict[str, float]:
    """Covered hectares per district from a tool's output."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if tool == "ecozone":
        return {r["zone"]: float(r["covered_ha"]) for r in rows if r["zone"] != "total"}
    if tool == "qgis":  # Overlap analysis: <layer>_area in square metres, NULL for none
        col = next(c for c in rows[0] if c.endswith("_area"))
        return {r["name"]: float(r[col] or 0.0) / 10_000 for r in rows}
    return {r["zone"]: float(r["covered_ha"]) for r in rows}




@dataclass
class Result(Timed):
    kind: str
    size: int
    tool: str
    runs: list[Run] = field(default_factory=list)
    areas: dict[str, float] | None = None
    max_rel_diff: float | None = None
    note: str = ""


def compare(areas: dict[str, float], reference: dict[str, float]) -> float:
    """Largest relative difference over the districts (absolute, in ha, where the reference is 0)."""
    worst = 0.0
    for zone, ref in reference.items():
        value = areas.get(zone, float("nan"))
        diff = abs(value - ref) / abs(ref) if ref else abs(value - ref)
        worst = max(worst, diff) if diff == diff else float("inf")
    return worst


#: The 1-minute load average before and after each case ran (the machine may be shared).
LOADS: dict[str, str] = {}


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def bench_case(kind: str, size: int, tools: list[str], repeat: int, timeout: float) -> tuple[list[Result], dict]:
    """Run every tool ``repeat`` times (interleaved) on one input; check agreement."""
    before = _load_average()
    zones = districts_path()
    layer, meta = make_layer(kind, size)
    for path in (zones, layer):  # every tool starts from a warm page cache
        with path.open("rb") as f:
            while f.read(1 << 24):
                pass
    work = OUT / "runs" / f"{kind}_{size}"
    work.mkdir(parents=True, exist_ok=True)
    results = {t: Result(kind, size, t) for t in tools}
    for tool in tools:
        reason = available(tool)
        if reason:
            results[tool].note = f"skipped: {reason}"
    for i in range(repeat):
        for tool in tools:
            res = results[tool]
            if res.note.startswith("skipped") or (res.runs and not res.ok):
                continue
            out = work / f"{tool}.csv"
            out.unlink(missing_ok=True)
            argv, env = command(tool, zones, layer, out)
            run = run_once(argv, timeout, work / f"{tool}.log", env)
            res.runs.append(run)
            print(f"  {kind} {size:>9,} {tool:<10} run {i + 1}: {run.seconds:7.2f} s {run.peak_mb:7.0f} MB {run.status} {run.detail}", flush=True)
            if run.status == "ok" and res.areas is None:
                res.areas = read_areas(tool, out)
    reference = results.get("ecozone")
    for res in results.values():
        if res.areas is not None and reference is not None and reference.areas is not None:
            res.max_rel_diff = compare(res.areas, reference.areas)
    LOADS[f"{kind}_{size}"] = f"{before} before, {_load_average()} after"
    return list(results.values()), meta


# ---------------------------------------------------------------- report


def versions() -> dict[str, str]:
    """Versions of the machine and of every tool measured."""
    import geopandas
    import shapely

    info = {
        **machine(),
        "geopandas": geopandas.__version__,
        "shapely": shapely.__version__,
        "GEOS": shapely.geos_version_string,
    }
    try:
        import pyogrio

        info["pyogrio / GDAL"] = f"{pyogrio.__version__} / {pyogrio.__gdal_version_string__}"
    except ImportError:
        pass
    try:
        import duckdb

        info["duckdb (spatial)"] = duckdb.__version__
    except ImportError:
        info["duckdb (spatial)"] = "not installed"
    if QGIS.exists():
        proc = subprocess.run([str(QGIS), "--version"], capture_output=True, text=True,
                              env=outside_virtualenv({**os.environ, "QT_QPA_PLATFORM": "offscreen"}))
        found = re.search(r"QGIS\s+([\d.]+[^\s]*)", proc.stdout + proc.stderr)
        info["QGIS"] = found.group(1) if found else (proc.stdout + proc.stderr).strip()[:60]
    else:
        info["QGIS"] = "not installed"
    return info


def table(results: list[Result]) -> str:
    """A Markdown table: seconds, MB, ratios to ecozone and agreement per input and tool."""
    lines = [
        "| input | features | tool | seconds | peak MB | time / ecozone | memory / ecozone | max rel. diff vs ecozone | agrees | note |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    by_case: dict[tuple[str, int], dict[str, Result]] = {}
    for r in results:
        by_case.setdefault((r.kind, r.size), {})[r.tool] = r
    for (kind, size), tools in by_case.items():
        eco = tools.get("ecozone")
        for tool, r in tools.items():
            t_ratio = r.seconds / eco.seconds if eco and eco.seconds and r.seconds else None
            m_ratio = r.peak_mb / eco.peak_mb if eco and eco.peak_mb and r.peak_mb else None
            seconds, peak = fmt(r.seconds, ".2f"), fmt(r.peak_mb, ".0f")
            t_text, m_text = fmt(t_ratio, ".2f"), fmt(m_ratio, ".2f")
            if r.runs and all(x.status == "timeout" for x in r.runs):  # a lower bound is still a result
                killed = min(r.runs, key=lambda x: x.seconds)
                seconds, peak = f"> {killed.seconds:.0f}", f"≥ {killed.peak_mb:.0f} when killed"
                if eco and eco.seconds:
                    t_text = f"> {killed.seconds / eco.seconds:.1f}"
                    m_text = f"≥ {killed.peak_mb / eco.peak_mb:.1f}"
            if r.max_rel_diff is None:
                agrees = "—"
            else:
                agrees = "yes" if r.max_rel_diff <= TOLERANCE else "**no**"
            note = r.note or "; ".join(sorted({x.status + (" " + x.detail if x.detail else "") for x in r.runs if x.status != "ok"}))
            fastest = min((x.seconds for x in r.runs if x.status == "ok"), default=None)
            runs = f"median of {len(r.runs)}, min {fastest:.2f} s" if len(r.runs) > 1 and fastest is not None else ""
            note = "; ".join(x for x in (runs, note) if x)
            lines.append(
                f"| {kind} | {size:,} | {tool} | {seconds} | {peak} | "
                f"{t_text} | {m_text} | {fmt(r.max_rel_diff, '.1e')} | {agrees} | {note} |"
            )
    return "\n".join(lines)


def store(results: list[Result], metas: dict[str, dict], info: dict[str, str], argv: list[str]) -> dict:
    """Record this run's cases in bench/out/coverage_results.json, keeping other cases; return all.

    A case (one input, all tools side by side) is replaced whole when it is
    measured again, so the table can be assembled from several invocations
    (e.g. the slow overlapping 1M case on its own).
    """
    path = OUT / "coverage_results.json"
    doc = json.loads(path.read_text()) if path.exists() else {"cases": {}}
    today = datetime.date.today().isoformat()
    for name, meta in metas.items():
        rows = [r for r in results if f"{r.kind}_{r.size}" == name]
        doc["cases"][name] = {
            "kind": rows[0].kind, "size": rows[0].size, "date": today, "load": LOADS.get(name, ""),
            "command": "python bench/coverage.py " + " ".join(argv), "versions": info, "meta": meta,
            "results": [{**asdict(r), "areas": None} for r in rows],
        }
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return doc


def _load(row: dict) -> Result:
    return Result(**{**row, "runs": [Run(**x) for x in row["runs"]]})


def section(doc: dict) -> str:
    """The coverage section of bench/RESULTS.md, from every recorded case."""
    kinds = list(KINDS)
    cases = sorted(doc["cases"].values(), key=lambda c: (kinds.index(c["kind"]), c["size"]))
    results = [_load(row) for c in cases for row in c["results"]]
    input_lines = "\n".join(
        f"- `{c['kind']}_{c['size']}` (measured {c['date']}{', load average ' + c['load'] if c.get('load') else ''}, "
        f"`{c['command'].strip()}`): "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in c["meta"].items())
        for c in cases
    )
    versions = {}
    for c in cases:  # the same everywhere unless cases were measured on different set-ups
        for k, v in c["versions"].items():
            versions.setdefault(k, [])
            if v not in versions[k]:
                versions[k].append(v)
    info_lines = "\n".join(f"- {k}: {' / '.join(v)}" for k, v in versions.items())
    return f"""{SECTION_BEGIN}
## Coverage: covered area per district (`bench/coverage.py`)

Whole process per run (start, reading the GeoPackages, computing, writing the table): wall seconds
and peak resident MB, each tool a fresh subprocess. Ratios are tool / ecozone (above 1: ecozone is
faster / smaller). Zones: the 11 Yantai districts; all inputs in EPSG:4549 except `parcels_lonlat`
(EPSG:4326: every tool reprojects it). "agrees": every
district's covered area within 0.01 % of ecozone's. Generated by `bench/coverage.py`; do not edit
by hand.

{table(results)}

Inputs (generated by the script, seeded) and when each case was measured:

{input_lines}

Machine and versions:

{info_lines}
{SECTION_END}"""


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="feature counts, comma-separated")
    parser.add_argument("--kinds", default="parcels,overlapping", help=", ".join(KINDS))
    parser.add_argument("--tools", default=",".join(ALL_TOOLS), help=", ".join(ALL_TOOLS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool below 1M features (median reported)")
    parser.add_argument("--repeat-large", type=int, default=1, help="runs per tool at 1M features and above")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run before it is killed")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--report-only", action="store_true", help="rebuild the RESULTS section from the recorded cases; run nothing")
    parser.add_argument("--make", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    compile_ecozone()  # as an installed copy: compiled once, not on every run
    if args.make:
        KINDS[args.make[0]](int(args.make[1]))
        return 0
    if args.report_only:
        update_results(section(json.loads((OUT / "coverage_results.json").read_text())), SECTION_BEGIN, SECTION_END)
        print(f"written: {RESULTS.relative_to(ROOT)}")
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    tools = [t for t in args.tools.split(",") if t]
    for name in (*kinds, *tools):
        if name not in (*KINDS, *ALL_TOOLS):
            parser.error(f"unknown kind or tool: {name}")

    results: list[Result] = []
    metas: dict[str, dict] = {}
    for kind in kinds:
        for size in sizes:
            print(f"{kind} {size:,}: preparing input", flush=True)
            repeat = args.repeat if size < 1_000_000 else args.repeat_large
            case, meta = bench_case(kind, size, tools, repeat, args.timeout)
            results.extend(case)
            metas[f"{kind}_{size}"] = meta
    print()
    print(table(results))
    if not args.no_results:
        doc = store(results, metas, versions(), argv if argv is not None else sys.argv[1:])
        update_results(section(doc), SECTION_BEGIN, SECTION_END)
        print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
