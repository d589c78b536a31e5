"""The standalone commands read their inputs as carefully as an atlas does.

* ``--X-crs`` declares the CRS of one input ``--X``; ``--input-crs`` every input, and says which.
  Oracle: a GCJ-02 copy of a WGS84 file made with the independent ``eviltransform`` package
  (its forward formula), read with ``--zones-crs gcj02`` (…), gives the figures of the WGS84 file.
* The layer schema of an atlas (geometry family, required fields, code lists, unique ids) and the
  columns named by ``--zone-field`` / ``--class-field`` / ``--id-field``: exit 2, one line.
* Option values out of range, nan and inf: click's usage error, exit 2, one line.
* A zone named ``total`` or ``outside`` is refused by the API and the CLI.
"""

from __future__ import annotations

import json
import math
import os
import stat
import warnings

import eviltransform
import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

import ecozone
from ecozone.cli import main
from ecozone.errors import SchemaError

from .conftest import square_districts


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def error_lines(r) -> list[str]:
    return [line for line in r.output.splitlines() if line.startswith("ecozone: error:")]


def to_gcj(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What AMap would publish for these WGS84 features: every vertex through eviltransform.wgs2gcj."""

    def shift(coords: np.ndarray) -> np.ndarray:
        out = [eviltransform.wgs2gcj(lat, lon)[::-1] for lon, lat in coords]
        return np.array(out, dtype=float).reshape(coords.shape)

    return gdf.assign(geometry=shapely.transform(gdf.geometry.values, shift))


# ------------------------------------------------------------------------------------------------ fixtures


def _layers() -> dict[str, gpd.GeoDataFrame]:
    """Small WGS84 layers over two 0.1° districts near Yantai (甲区 121.0–121.1°E, 乙区 121.1–121.2°E, 37.0–37.1°N)."""
    g = lambda data, geoms: gpd.GeoDataFrame(data, geometry=geoms, crs=4326)  # noqa: E731
    return {
        "zones": square_districts(),
        "redline": g({"id": ["R1", "R2"], "name": ["红线一", "红线二"], "type": ["biodiversity", "coastal_stability"]},
                     [box(121.05, 37.02, 121.15, 37.08), box(121.17, 37.06, 121.19, 37.09)]),
        "projects": g({"id": ["P1", "P2"], "name": ["湿地", "造林"], "type": ["coastal_wetland", "forest"],
                       "status": ["completed", "ongoing"], "year": [2023, 2024]},
                      [box(121.08, 37.03, 121.12, 37.06), box(121.14, 37.01, 121.16, 37.03)]),
        "mines": g({"id": ["M1", "M2", "M3"], "name": ["一矿", "二矿", "三矿"], "status": ["historic", "production", "historic"],
                    "restoration": ["restored", "untreated", "untreated"]},
                   [box(121.098, 37.05, 121.104, 37.055), box(121.03, 37.02, 121.035, 37.025), box(121.15, 37.085, 121.155, 37.09)]),
        "rivers": g({"id": ["W1", "W2"], "name": ["大沽夹河", "支流"], "level": ["trunk", "tributary"],
                     "designation": ["省级美丽幸福河湖", None]},
                    [LineString([(121.01, 37.05), (121.19, 37.052)]), LineString([(121.12, 37.01), (121.13, 37.09)])]),
        "ranches": g({"id": ["MR1", "MR2"], "name": ["牧场一", "牧场二"], "level": ["national", "provincial"],
                      "type": ["reef", "stock_enhancement"]},
                     [box(121.02, 37.005, 121.06, 37.03), box(121.099, 37.06, 121.13, 37.09)]),
        "coastline": g({"id": ["C1", "C2"], "class": ["sandy", "artificial"]},
                       [LineString([(121.0, 37.04), (121.1, 37.045)]), LineString([(121.1, 37.045), (121.2, 37.05)])]),
        "coastline_after": g({"id": ["C1", "C2"], "class": ["sandy", "sandy"]},
                             [LineString([(121.0, 37.04), (121.1, 37.045)]), LineString([(121.1, 37.043), (121.2, 37.048)])]),
        "shore": g({"id": ["S1"], "class": ["bedrock"]}, [LineString([(121.0, 37.0), (121.2, 37.0)])]),
        "bays": g({"id": ["B1", "B2"], "name": ["套子湾", "四十里湾"]},
                  [box(121.02, 37.0, 121.12, 37.05), box(121.12, 37.0, 121.2, 37.05)]),
        "roads": g({"id": ["T1"], "name": ["沈海高速"], "class": ["expressway"]}, [LineString([(121.0, 37.07), (121.2, 37.07)])]),
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Each layer as WGS84 GeoJSON, and the polygon layers also as their GCJ-02 copy (``<name>_gcj``)."""
    d = tmp_path_factory.mktemp("inputs")
    out = {}
    for name, gdf in _layers().items():
        out[name] = d / f"{name}.geojson"
        gdf.to_file(out[name])
        if name in ("zones", "redline", "bays", "mines", "coastline"):
            out[f"{name}_gcj"] = d / "gcj" / f"{name}.geojson"  # the same name: commands name layers by file
            out[f"{name}_gcj"].parent.mkdir(exist_ok=True)
            to_gcj(gdf).to_file(out[f"{name}_gcj"])  # a GeoJSON says WGS84: the shift is not declared
    out["dir"] = d
    return out


# --------------------------------------------------------------------------- --X-crs per input, --input-crs


def _figures(kind: str, path):
    """The figures a command wrote: the rows of a JSON table, a report or a layer's attributes."""
    if kind == "rows":
        return json.loads(path.read_text("utf-8"))["rows"]
    if kind == "doc":
        doc = json.loads(path.read_text("utf-8"))
        doc.pop("notes", None)
        return doc
    if kind == "layer":
        gdf = gpd.read_file(path)
        return gdf.drop(columns="geometry").assign(area_m2=gdf.to_crs(4549).area).to_dict("records")
    if kind == "change":
        doc = json.loads((path / "change.json").read_text("utf-8"))
        doc.pop("notes", None)
        return doc
    raise AssertionError(kind)


def _same(got, expected, where="") -> None:
    """Equal strings, and numbers within 2e-4 relative: ecozone's GCJ-02 inverse returns eviltransform's forward
    shift to ≈ 1 cm, which moves an area clipped by a 3 km zone edge by ≈ 30 m² (the shift itself is ≈ 500 m)."""
    if isinstance(expected, dict):
        assert set(got) == set(expected), where
        for k in expected:
            _same(got[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            _same(g, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        if math.isnan(expected):
            assert math.isnan(got), where
        else:
            assert got == pytest.approx(expected, rel=2e-4, abs=1e-3), where
    else:
        assert got == expected, where


# command, the input given as GCJ-02, the other inputs (WGS84), how the output is read
CASES = {
    "coverage": (["coverage", "--layer", "{redline}", "--by", "type"], "--zones", "zones", "rows", ".json"),
    "restoration": (["restoration", "--projects", "{projects}"], "--zones", "zones", "rows", ".json"),
    "mines restoration": (["mines", "restoration", "--mines", "{mines}"], "--zones", "zones", "rows", ".json"),
    "mines in-view": (["mines", "in-view", "--line", "road={roads}", "--distance", "1500"], "--mines", "mines", "rows", ".json"),
    "rivers designation": (["rivers", "designation", "--rivers", "{rivers}"], "--zones", "zones", "rows", ".json"),
    "ranches": (["ranches", "--ranches", "{ranches}", "--redline", "{redline}"], "--zones", "zones", "rows", ".json"),
    "coastline": (["coastline", "--coastline", "{coastline}", "--bays", "{bays}"], "--zones", "zones", "doc", ".json"),
    "conflicts": (["conflicts", "--layer", "{projects}", "--rule", "project_in_redline", "--search-m", "3000"],
                  "--against", "redline", "rows", ".json"),
    "bay-report": (["bay-report", "--coastline", "{coastline}", "--redline", "{redline}", "--ranches", "{ranches}"],
                   "--bays", "bays", "rows", ".json"),
    "setback": (["setback", "--coastline", "{coastline}", "--core-m", "500", "--general-m", "1500", "--check", "{projects}"],
                "--land", "zones", "layer", ".gpkg"),
    "sea-zones": (["sea-zones", "--coastline", "{shore}", "--seaward-km", "5"], "--districts", "zones", "layer", ".gpkg"),
    "coastline-change": (["coastline-change", "--after", "{coastline_after}"], "--before", "coastline", "change", ""),
}


INPUT_OPTIONS = {"--layer", "--projects", "--mines", "--line", "--rivers", "--ranches", "--redline", "--coastline", "--bays",
                 "--check", "--after"}


def _run(files, case, shifted_file, extra, out):
    args, option, _, _, _ = CASES[case]
    args = [a.format(**{k: v for k, v in files.items()}) for a in args]
    return invoke(*args, option, shifted_file, *extra, "--out" if case == "coastline-change" else "-o", out)


@pytest.mark.parametrize("case", list(CASES))
def test_per_input_crs_converts_only_that_input(files, tmp_path, case):
    """A GCJ-02 file with --X-crs gcj02 beside WGS84 files gives the WGS84 file's figures; so does
    --input-crs gcj02 with --Y-crs EPSG:4326 for every other input (a per-input option wins), and it
    says on stderr which inputs it was applied to."""
    args, option, layer, kind, suffix = CASES[case]
    truth = _run(files, case, files[layer], [], tmp_path / f"truth{suffix}")
    assert truth.exit_code == 0, truth.output
    shifted = _run(files, case, files[f"{layer}_gcj"], [f"{option}-crs", "gcj02"], tmp_path / f"own{suffix}")
    assert shifted.exit_code == 0, shifted.output
    assert "--input-crs" not in shifted.stderr
    expected = _figures(kind, tmp_path / f"truth{suffix}")
    _same(_figures(kind, tmp_path / f"own{suffix}"), expected, case)

    others = [a for a in args if a in INPUT_OPTIONS]
    wgs84 = [x for o in others for x in (f"{o}-crs", "EPSG:4326")]
    both = _run(files, case, files[f"{layer}_gcj"], ["--input-crs", "gcj02", *wgs84], tmp_path / f"both{suffix}")
    assert both.exit_code == 0, both.output
    said = [line for line in both.stderr.splitlines() if "--input-crs" in line]
    assert said == [f"ecozone: --input-crs gcj02 applied to {option}; not to "
                    + ", ".join(f"{o} ({o}-crs EPSG:4326)" for o in others)]
    _same(_figures(kind, tmp_path / f"both{suffix}"), expected, case)


def test_input_crs_applies_to_every_input_and_says_so(files, tmp_path):
    """--input-crs gcj02 shifts the WGS84 layer too (what the per-input options are for): the figures
    differ from the right ones by the ≈ 500 m shift, and stderr names every input it touched."""
    right, wrong = tmp_path / "right.json", tmp_path / "wrong.json"
    r = invoke("coverage", "--zones", files["zones_gcj"], "--zones-crs", "gcj02", "--layer", files["redline"], "-o", right)
    assert r.exit_code == 0, r.output
    r = invoke("coverage", "--zones", files["zones_gcj"], "--layer", files["redline"], "--layer", files["bays"],
               "--input-crs", "gcj02", "-o", wrong)
    assert r.exit_code == 0, r.output
    assert [line for line in r.stderr.splitlines() if "--input-crs" in line] == [
        "ecozone: --input-crs gcj02 applied to --zones, --layer"]
    # the red line moved ≈ 500 m east with the zones: 甲区 holds less of it, 乙区 more
    good = {row["zone"]: row for row in json.loads(right.read_text("utf-8"))["rows"]}
    bad = {row["zone"]: row for row in json.loads(wrong.read_text("utf-8"))["rows"]}
    zones, red = (gpd.read_file(files[k]).to_crs(4549) for k in ("zones", "redline"))
    for _, z in zones.iterrows():
        direct = z.geometry.intersection(red.geometry.union_all()).area / 1e4
        assert good[z["name"]]["covered_ha"] == pytest.approx(direct, rel=1e-5)
        assert abs(bad[z["name"]]["redline_covered_ha"] - direct) > 10  # hectares, not rounding
    r = invoke("-q", "coverage", "--zones", files["zones_gcj"], "--layer", files["redline"], "--input-crs", "gcj02")
    assert r.exit_code == 0 and r.stderr == ""


def test_every_input_option_has_its_crs_option():
    """--X-crs for every input option --X of every standalone command (derived, never typed by hand)."""
    from ecozone.cli import main as group

    expected = {
        ("coverage",): ["--zones", "--layer"],
        ("restoration",): ["--projects", "--zones"],
        ("conflicts",): ["--layer", "--against"],
        ("coastline",): ["--coastline", "--zones", "--bays"],
        ("setback",): ["--coastline", "--land", "--urban", "--check"],
        ("bay-report",): ["--bays", "--coastline", "--redline", "--ranches", "--restoration"],
        ("sea-zones",): ["--districts", "--coastline", "--clip"],
        ("rivers", "buffers"): ["--rivers"],
        ("rivers", "encroachment"): ["--rivers", "--check"],
        ("rivers", "designation"): ["--rivers", "--zones"],
        ("mines", "restoration"): ["--mines", "--zones"],
        ("mines", "in-view"): ["--mines", "--line", "--area", "--zones"],
        ("ranches",): ["--ranches", "--zones", "--redline", "--wind-farms"],
        ("zonal",): ["--zones"],
        ("coastline-change",): ["--before", "--after", "--baseline"],
    }
    for path, inputs in expected.items():
        cmd = group
        for name in path:
            cmd = cmd.commands[name]
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert "--input-crs" in opts, path
        for option in inputs:
            assert option in opts and f"{option}-crs" in opts, (path, option)


# ------------------------------------------------------------------------------------------------ schema


def _write(tmp_path, name, gdf):
    path = tmp_path / name
    gdf.to_file(path)
    return path


def _schema_cases(tmp_path, files):
    L = _layers()
    point_rivers = L["rivers"].assign(geometry=[Point(121.05, 37.05), Point(121.15, 37.05)])
    line_mines = L["mines"].assign(geometry=[LineString([(121.0, 37.0), (121.01, 37.01)])] * 3)
    polygon_coast = L["coastline"].assign(geometry=[box(121.0, 37.0, 121.1, 37.04), box(121.1, 37.0, 121.2, 37.05)])
    odd_ranch = L["ranches"].assign(level=["national", "galactic"])
    twin_mines = L["mines"].assign(id=["M1", "M1", "M3"])
    twin_zones = L["zones"].assign(id=["A", "A"])
    no_type = L["projects"].drop(columns="type")
    return [
        (["rivers", "buffers", "--rivers", _write(tmp_path, "point_rivers.geojson", point_rivers)],
         "point_rivers.geojson", ["geometry type Point", "river"]),
        (["mines", "restoration", "--mines", _write(tmp_path, "line_mines.geojson", line_mines)],
         "line_mines.geojson", ["geometry type LineString", "mine"]),
        (["coastline", "--coastline", _write(tmp_path, "polygon_coast.geojson", polygon_coast)],
         "polygon_coast.geojson", ["geometry type Polygon", "a coastline is a line"]),
        (["ranches", "--ranches", _write(tmp_path, "odd_ranch.geojson", odd_ranch), "--zones", files["zones"]],
         "odd_ranch.geojson", ["'galactic'", "national (国家级海洋牧场示范区)"]),
        (["mines", "restoration", "--mines", _write(tmp_path, "twin_mines.geojson", twin_mines)],
         "twin_mines.geojson", ["id M1 used by more than one feature"]),
        (["coverage", "--zones", _write(tmp_path, "twin_zones.geojson", twin_zones), "--layer", files["redline"]],
         "twin_zones.geojson", ["id A used by more than one feature"]),
        (["conflicts", "--layer", _write(tmp_path, "twin_layer.geojson", twin_mines), "--against", files["redline"]],
         "twin_layer.geojson", ["M1 used by more than one feature"]),
        (["conflicts", "--layer", files["mines"], "--against", files["redline"], "--id-field", "编号"],
         "mines.geojson", ["no field '编号' for --id-field", "fix: pass --id-field"]),
        (["coastline", "--coastline", files["coastline"], "--class-field", "岸线类型"],
         "coastline.geojson", ["no field '岸线类型' for --class-field", "fix: pass --class-field"]),
        (["coverage", "--zones", files["zones"], "--layer", files["redline"], "--zone-field", "县名"],
         "zones.geojson", ["no field '县名' for --zone-field", "fix: pass --zone-field"]),
        (["mines", "restoration", "--mines", files["mines"], "--zones", files["zones"], "--zone-field", "县名"],
         "zones.geojson", ["no field '县名' for --zone-field"]),
        (["restoration", "--projects", _write(tmp_path, "no_type.geojson", no_type)],
         "no_type.geojson", ["required field 'type' (修复类型) is missing"]),
        (["coverage", "--zones", files["zones"], "--layer", files["rivers"]],
         "rivers.geojson", ["geometry type LineString given to --layer", "polygon"]),
    ]


def test_schema_of_an_atlas_one_line_exit_2(tmp_path, files):
    for args, name, words in _schema_cases(tmp_path, files):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        lines = error_lines(r)
        assert len(lines) == 1, (args, r.output)
        assert "Traceback" not in r.output and name in lines[0] and "; fix: " in lines[0], lines[0]
        for w in words:
            assert w in lines[0], (w, lines[0])


def test_other_problems_named_after_the_first(tmp_path, files):
    """Rivers given as mines: the wrong geometry first, the missing fields after it, one line."""
    r = invoke("mines", "restoration", "--mines", files["rivers"])
    assert r.exit_code == 2
    (line,) = error_lines(r)
    assert "geometry type LineString in a mine layer" in line and "and 2 more problems" in line
    assert "'status' (矿山类型) is missing" in line and "'restoration' (治理状态) is missing" in line


def test_repairs_are_warned_and_figures_kept(tmp_path, files):
    """A self-intersecting (bow-tie) zone is repaired as an atlas repairs it, and the warning names it."""
    zones = _layers()["zones"]
    bowtie = shapely.Polygon([(121.0, 37.0), (121.1, 37.1), (121.1, 37.0), (121.0, 37.1)])
    path = _write(tmp_path, "bowtie.geojson", zones.assign(geometry=[bowtie, zones.geometry.iloc[1]]))
    r = invoke("coverage", "--zones", path, "--layer", files["redline"], "-o", tmp_path / "c.json")
    assert r.exit_code == 0, r.output
    warned = [line for line in r.stderr.splitlines() if line.startswith("ecozone: warning:")]
    assert len(warned) == 1 and "bowtie.geojson" in warned[0] and "甲区" in warned[0] and "make_valid" in warned[0]
    rows = {row["zone"]: row for row in json.loads((tmp_path / "c.json").read_text("utf-8"))["rows"]}
    fixed = shapely.make_valid(gpd.GeoSeries([bowtie], crs=4326).to_crs(4549).iloc[0])
    assert rows["甲区"]["zone_area_ha"] == pytest.approx(fixed.area / 1e4, rel=1e-6)
    r = invoke("-q", "coverage", "--zones", path, "--layer", files["redline"])
    assert r.exit_code == 0 and r.stderr == ""


def test_fields_not_used_by_the_command_are_not_required(tmp_path, files):
    """bay-report measures the red line's area, not its type; mines in-view needs no restoration status."""
    no_type = _write(tmp_path, "red_no_type.geojson", _layers()["redline"].drop(columns="type"))
    r = invoke("bay-report", "--bays", files["bays"], "--redline", no_type, "-o", tmp_path / "b.json")
    assert r.exit_code == 0, r.output
    bare = _write(tmp_path, "bare_mines.geojson", _layers()["mines"].drop(columns=["status", "restoration"]))
    r = invoke("mines", "in-view", "--mines", bare, "--line", f"road={files['roads']}", "-o", tmp_path / "v.json")
    assert r.exit_code == 0, r.output
    r = invoke("mines", "in-view", "--mines", bare, "--line", f"road={files['roads']}", "--rates")
    assert r.exit_code == 2 and "required field 'status'" in error_lines(r)[0]


# ------------------------------------------------------------------------------------------- option ranges


BAD_OPTIONS = [
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--spacing", "0"], "--spacing"),
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--spacing", "nan"], "--spacing"),
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--transect-length", "0"], "--transect-length"),
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--transect-length", "inf"], "--transect-length"),
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--match-m", "-1"], "--match-m"),
    (["coastline-change", "--before", "b.geojson", "--after", "a.geojson", "--out", "o", "--reclamation-m", "-5"], "--reclamation-m"),
    (["conflicts", "--layer", "l.geojson", "--against", "a.geojson", "--search-m", "-5"], "--search-m"),
    (["conflicts", "--layer", "l.geojson", "--against", "a.geojson", "--search-m", "nan"], "--search-m"),
    (["mines", "in-view", "--mines", "m.geojson", "--line", "road=r.geojson", "--distance", "-1"], "--distance"),
    (["mines", "in-view", "--mines", "m.geojson", "--line", "road=r.geojson", "--distance", "road=-1"], "--distance"),
    (["mines", "in-view", "--mines", "m.geojson", "--line", "road=r.geojson", "--distance", "nan"], "--distance"),
    (["mines", "in-view", "--mines", "m.geojson", "--line", "road=r.geojson", "--observer-m", "-1"], "--observer-m"),
    (["rivers", "buffers", "--rivers", "r.geojson", "--width", "trunk=-3"], "--width"),
    (["rivers", "buffers", "--rivers", "r.geojson", "--width", "trunk=inf"], "--width"),
    (["sea-zones", "--districts", "d.geojson", "--coastline", "c.geojson", "-o", "s.gpkg", "--seaward-km", "0"], "--seaward-km"),
    (["sea-zones", "--districts", "d.geojson", "--coastline", "c.geojson", "-o", "s.gpkg", "--seaward-km", "-inf"], "--seaward-km"),
    (["coastline", "--coastline", "c.geojson", "--bay-tolerance-m", "-1"], "--bay-tolerance-m"),
    (["setback", "--coastline", "c.geojson", "-o", "z.gpkg", "--core-m", "-1"], "--core-m"),
    (["setback", "--coastline", "c.geojson", "-o", "z.gpkg", "--general-m", "nan"], "--general-m"),
    (["setback", "--coastline", "c.geojson", "-o", "z.gpkg", "--urban-core-m", "-3"], "--urban-core-m"),
    (["restoration", "--projects", "p.geojson", "--target-ha", "nan"], "--target-ha"),
    (["restoration", "--projects", "p.geojson", "--target-ha", "-5"], "--target-ha"),
    (["restoration", "--projects", "p.geojson", "--target-ha", "0"], "--target-ha"),
    (["restoration", "--projects", "p.geojson", "--until", "20250"], "--until"),
    (["rivers", "designation", "--rivers", "r.geojson", "--zones", "z.geojson", "--until", "99"], "--until"),
    (["zonal", "--raster", "r.tif", "--zones", "z.geojson", "--band", "0"], "--band"),
    (["coverage", "--zones", "z.geojson", "--layer", "l.geojson", "--input-crs", "not-a-crs"], "--input-crs"),
    (["coverage", "--zones", "z.geojson", "--layer", "l.geojson", "--zones-crs", "EPSG:999999"], "--zones-crs"),
]


@pytest.mark.parametrize("args, option", BAD_OPTIONS, ids=[" ".join(a[-2:]) + f" ({a[0]})" for a, _ in BAD_OPTIONS])
def test_option_out_of_range_is_a_usage_error(tmp_path, monkeypatch, args, option):
    monkeypatch.chdir(tmp_path)  # nothing is read or written: the value is refused first
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ecozone: error:") and option in lines[0], r.output
    assert "Traceback" not in r.output and not any(tmp_path.iterdir())


def test_zero_distances_are_allowed_where_they_mean_touching(files, tmp_path):
    """--distance 0 (mines touching a road), --width lake=0 (the water itself) and --search-m 0 are values."""
    r = invoke("mines", "in-view", "--mines", files["mines"], "--line", f"road={files['roads']}", "--distance", "0")
    assert r.exit_code == 0, r.output
    r = invoke("conflicts", "--layer", files["mines"], "--against", files["redline"], "--search-m", "0")
    assert r.exit_code == 0, r.output


# ---------------------------------------------------------------------------------------- reserved names


@pytest.mark.parametrize("name", ["total", "outside", " Total ", "OUTSIDE"])
def test_reserved_zone_names_refused_by_the_api(name):
    layers = _layers()
    zones = layers["zones"].assign(name=["甲区", name])
    projected = zones.to_crs(4549)
    calls = [
        lambda: ecozone.coverage(zones, layers["redline"]),
        lambda: ecozone.restoration(layers["projects"], zones),
        lambda: ecozone.mine_restoration(layers["mines"], zones),
        lambda: ecozone.ranch_summary(layers["ranches"], projected),
        lambda: ecozone.river_designation(layers["rivers"], zones),
    ]
    what = "the city-wide row" if name.strip().lower() == "total" else "the row of what lies outside every zone"
    for call in calls:
        with pytest.raises(SchemaError) as err:
            call()
        assert f"feature 1: zone name {name!r} is reserved for {what}; fix: rename the zone or pick another zone_field=" in str(err.value)
    # a layer of zones that is not a table's rows may use the word (bays are not summed into a total)
    assert len(ecozone.coverage(zones, layers["redline"], total=False)) == 2


def test_reserved_zone_name_refused_by_the_cli(tmp_path, files):
    zones = _layers()["zones"].assign(name=["甲区", " Total "], 县="乙区")
    path = _write(tmp_path, "total.geojson", zones.assign(县=["甲区", "乙区"]))
    for args in (["coverage", "--zones", path, "--layer", files["redline"]],
                 ["restoration", "--projects", files["projects"], "--zones", path],
                 ["mines", "restoration", "--mines", files["mines"], "--zones", path],
                 ["ranches", "--ranches", files["ranches"], "--zones", path],
                 ["rivers", "designation", "--rivers", files["rivers"], "--zones", path]):
        r = invoke(*args)
        assert r.exit_code == 2, r.output
        assert error_lines(r) == [f"ecozone: error: {path}: feature 1: zone name ' Total ' is reserved for the city-wide row; "
                                  "fix: rename the zone or pick another --zone-field"], r.output
    # the fix it names works
    r = invoke("coverage", "--zones", path, "--layer", files["redline"], "--zone-field", "县", "-o", tmp_path / "c.json")
    assert r.exit_code == 0, r.output
    assert [row["zone"] for row in json.loads((tmp_path / "c.json").read_text("utf-8"))["rows"]] == ["甲区", "乙区", "total"]


# ------------------------------------------------------------------------------------------------ dropped features


def test_a_feature_validation_drops_counts_in_no_figure(tmp_path):
    """Two mines (one restored) and a restored mine whose ring has no area: the rate is 1 of 2, as in an atlas."""
    from shapely.geometry import Polygon

    x, y = 500_000.0, 4_100_000.0
    flat = Polygon([(x + 5000, y), (x + 6000, y), (x + 7000, y)])
    gpd.GeoDataFrame({"id": ["M1", "M2", "M3"], "status": ["historic"] * 3, "restoration": ["restored", "untreated", "restored"]},
                     geometry=[box(x, y, x + 100, y + 100), box(x + 200, y, x + 300, y + 200), flat], crs=4549
                     ).to_file(tmp_path / "mines.gpkg")
    r = invoke("mines", "restoration", "--mines", tmp_path / "mines.gpkg", "-o", tmp_path / "rates.json")
    assert r.exit_code == 0, r.output
    assert "M3" in r.stderr and "warning" in r.stderr
    total = next(row for row in json.loads((tmp_path / "rates.json").read_text("utf-8"))["rows"]
                 if row["status"] == "historic")  # no --zones: one row per status
    assert (total["mines"], total["restored"]) == (2, 1)
    assert total["rate_by_count"] == pytest.approx(0.5) and total["rate_by_area"] == pytest.approx(1 / 3)


def test_restoration_until_reads_years_as_written(tmp_path):
    """Years written as dates or Excel day numbers count by their year (pd.to_numeric made them NaN: left out)."""
    x, y = 500_000.0, 4_100_000.0
    gpd.GeoDataFrame({"id": ["P1", "P2", "P3"], "type": ["coastal_wetland"] * 3, "status": ["completed"] * 3,
                      "year": ["2023-05-01", "45000", "2026年"]},  # 45000 = 2023-03-15 in Excel
                     geometry=[box(x, y, x + 1000, y + 1000), box(x + 2000, y, x + 3000, y + 1000),
                               box(x + 4000, y, x + 5000, y + 1000)], crs=4549).to_file(tmp_path / "p.gpkg")
    r = invoke("restoration", "--projects", tmp_path / "p.gpkg", "--target-ha", 150, "--type", "coastal_wetland",
               "--until", 2025, "-o", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    progress = json.loads((tmp_path / "r.json").read_text("utf-8"))["progress"]
    assert progress["achieved_ha"] == pytest.approx(200.0)  # P1 and P2: 2 × 100 ha; P3 is due in 2026


def test_shapefile_cut_field_names_are_read_as_the_atlas_reads_them(tmp_path):
    """A Shapefile stores 10-byte field names: 'restoration' comes back 'restoratio'; 治理状态 is the Chinese name."""
    x, y = 500_000.0, 4_100_000.0
    mines = gpd.GeoDataFrame({"id": ["M1", "M2"], "矿山类型": ["历史遗留矿山", "historic"], "restoration": ["restored", "untreated"]},
                             geometry=[box(x, y, x + 100, y + 100), box(x + 200, y, x + 300, y + 300)], crs=4549)
    with warnings.catch_warnings():  # geopandas and GDAL say the names are cut: that is the case under test
        warnings.simplefilter("ignore")
        mines.to_file(tmp_path / "mines.shp", encoding="GBK")
    import pyogrio

    assert "restoratio" in pyogrio.read_info(tmp_path / "mines.shp")["fields"]
    r = invoke("mines", "restoration", "--mines", tmp_path / "mines.shp", "-o", tmp_path / "rates.json")
    assert r.exit_code == 0, r.output
    row = json.loads((tmp_path / "rates.json").read_text("utf-8"))["rows"][0]
    assert (row["status"], row["mines"], row["restored"]) == ("historic", 2, 1)
    assert row["rate_by_area"] == pytest.approx(1 / 4)  # 1 ha restored of 1 + 3 ha


def test_an_empty_baseline_is_refused_not_a_crash(tmp_path):
    x, y = 500_000.0, 4_100_000.0
    shore = gpd.GeoDataFrame({"id": ["S1", "S2"], "class": ["sandy", "sandy"], "date": ["2020-01-01", "2024-01-01"]},
                             geometry=[LineString([(x, y), (x + 1000, y)]), LineString([(x, y + 20), (x + 1000, y + 20)])],
                             crs=4549)
    shore.iloc[[0]].to_file(tmp_path / "before.gpkg")
    shore.iloc[[1]].to_file(tmp_path / "after.gpkg")
    gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=4549)).to_file(tmp_path / "baseline.gpkg")
    gpd.GeoDataFrame({"id": ["B"]}, geometry=[LineString([(x, y - 100), (x, y - 100)])], crs=4549).to_file(tmp_path / "flat.gpkg")
    for base in ("baseline.gpkg", "flat.gpkg"):
        r = invoke("coastline-change", "--before", tmp_path / "before.gpkg", "--after", tmp_path / "after.gpkg",
                   "--baseline", tmp_path / base, "--out", tmp_path / f"out_{base}")
        assert r.exit_code == 2, r.output
        assert error_lines(r) and base in error_lines(r)[0] and "fix:" in error_lines(r)[0]


# --------------------------------------------------------------------------- empty layers, filters, outputs that are no files


def _empty(files, name):
    path = files["dir"] / "empty" / f"{name}.geojson"
    path.parent.mkdir(exist_ok=True)
    gpd.GeoDataFrame(columns=[c for c in _layers()[name].columns if c != "geometry"], geometry=[], crs=4326).to_file(path)
    return path


EMPTY_CASES = [
    ("coverage", "--zones", "zones", ["--layer", "redline"]),
    ("coverage", "--layer", "redline", ["--zones", "zones"]),
    ("restoration", "--projects", "projects", ["--zones", "zones"]),
    ("conflicts", "--layer", "mines", ["--against", "redline"]),
    ("conflicts", "--against", "redline", ["--layer", "mines"]),
    ("coastline", "--coastline", "coastline", []),
    ("mines restoration", "--mines", "mines", []),
    ("ranches", "--ranches", "ranches", ["--zones", "zones"]),
    ("rivers designation", "--rivers", "rivers", ["--zones", "zones"]),
    ("bay-report", "--bays", "bays", ["--coastline", "coastline"]),
]


@pytest.mark.parametrize("command, option, layer, others", EMPTY_CASES, ids=[f"{c[0]} {c[1]}" for c in EMPTY_CASES])
def test_an_empty_layer_is_refused_not_measured_to_zero(files, command, option, layer, others):
    args = [*command.split(), option, _empty(files, layer)]
    for i in range(0, len(others), 2):
        args += [others[i], files[others[i + 1]]]
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    line = error_lines(r)[0]
    assert f"{layer}.geojson" in line and "no features" in line and "fix:" in line


def test_filters_and_fields_that_match_nothing_are_refused(files, tmp_path):
    r = invoke("restoration", "--projects", files["projects"], "--status", "finished")
    assert r.exit_code == 2 and "'finished' unknown" in error_lines(r)[0] and "completed" in error_lines(r)[0]
    r = invoke("restoration", "--projects", files["projects"], "--target-ha", 10, "--type", "wetlands")
    assert r.exit_code == 2 and "'wetlands' unknown" in error_lines(r)[0]
    r = invoke("restoration", "--projects", files["projects"], "--target-ha", 10, "--type", "滨海湿地", "-o", tmp_path / "p.json")
    assert r.exit_code == 0, r.output  # the Chinese name of coastal_wetland
    r = invoke("conflicts", "--layer", files["mines"], "--against", files["redline"], "--name-field", "矿名")
    assert r.exit_code == 2 and "--name-field" in error_lines(r)[0]
    r = invoke("rivers", "buffers", "--rivers", files["rivers"], "--width-field", "宽度")
    assert r.exit_code == 2 and "--width-field" in error_lines(r)[0]


def test_an_output_that_is_no_regular_file_is_never_replaced(files, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    r = invoke("coverage", "--zones", files["zones"], "--layer", files["redline"], "-o", fifo, "--overwrite")
    assert r.exit_code == 2 and "not a regular file" in error_lines(r)[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_layer_of_only_degenerate_geometries_is_refused(files):
    from shapely.geometry import Polygon

    path = files["dir"] / "empty" / "flat.geojson"
    path.parent.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"id": ["F1", "F2"]}, geometry=[Polygon([(121.1, 37.0)] * 4), LineString([(121.1, 37.0), (121.1, 37.0)])],
                     crs=4326).to_file(path)
    r = invoke("coverage", "--zones", files["zones"], "--layer", path)
    assert r.exit_code == 2 and "flat.geojson" in error_lines(r)[0] and "none of its 2 features has an area" in error_lines(r)[0]


def test_any_extent_looks_past_the_first_thousand_features_and_at_every_family():
    """``any_extent`` measures the first 1024 features first: a layer whose only feature with an extent comes after
    them, or is a point, a line or a collection, still has one; degenerate and missing ones have none."""
    from shapely.geometry import GeometryCollection, MultiPoint, Polygon

    from ecozone.geometry import any_extent

    flat, dot = Polygon([(0, 0)] * 4), LineString([(0, 0), (0, 0)])
    nothing = np.array([flat, dot, None, Point(), MultiPoint(), GeometryCollection()] * 400, dtype=object)
    assert not any_extent(nothing) and not any_extent(nothing[:0])
    for real in (box(0, 0, 1, 1), LineString([(0, 0), (1, 0)]), Point(0, 0), GeometryCollection([LineString([(0, 0), (1, 1)])])):
        late = np.append(nothing, [real])  # past the first 1024
        assert any_extent(late) and any_extent(late, shapely.get_type_id(late)), real.wkt
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # signed areas cancel: no area until repaired
    assert not any_extent([bow_tie]) and any_extent(shapely.make_valid(np.array([bow_tie])))
    flat = np.array([Polygon([(0, 0), (1, 0), (2, 0), (0, 0)])])  # make_valid turns it into a line, of some length
    repaired = shapely.make_valid(flat)
    assert any_extent(repaired) and not any_extent(repaired, shapely.get_type_id(flat))  # judged as the polygon it was


def test_a_layer_whose_features_are_all_empty_is_refused_however_many(files):
    """The empty-layer check looks at the first 1024 features first: a layer of 1500 empty features is refused,
    the same layer with one polygon after them is measured."""
    from shapely.geometry import Polygon

    folder = files["dir"] / "empties"
    folder.mkdir(exist_ok=True)
    real = box(121.10, 37.40, 121.12, 37.42)
    for name, geoms in (("none.gpkg", [Polygon()] * 1500), ("late.gpkg", [Polygon()] * 1500 + [real])):
        gpd.GeoDataFrame({"id": [f"E{i}" for i in range(len(geoms))]}, geometry=geoms, crs=4326).to_file(folder / name)
    r = invoke("coverage", "--zones", files["zones"], "--layer", folder / "none.gpkg")
    assert r.exit_code == 2 and "none of its 1500 features has a geometry" in error_lines(r)[0], r.output
    r = invoke("coverage", "--zones", files["zones"], "--layer", folder / "late.gpkg")
    assert r.exit_code == 0, r.output


def test_a_layer_of_only_bow_ties_is_measured_not_refused(files):
    from shapely.geometry import Polygon

    path = files["dir"] / "bow" / "bow.geojson"
    path.parent.mkdir(exist_ok=True)
    tie = Polygon([(121.10, 37.40), (121.12, 37.42), (121.12, 37.40), (121.10, 37.42)])
    gpd.GeoDataFrame({"id": ["B1"]}, geometry=[tie], crs=4326).to_file(path)
    r = invoke("coverage", "--zones", files["zones"], "--layer", path)
    assert r.exit_code == 0, r.output


def test_ranches_without_ids_are_counted(files, tmp_path):
    """Ranch ids are optional: findings name ranches by position (a missing id was an internal error, exit 3)."""
    ranches = _layers()["ranches"].assign(id=[None, None])
    ranches.to_file(tmp_path / "ranches.geojson")
    r = invoke("ranches", "--ranches", tmp_path / "ranches.geojson", "--zones", files["zones"], "--redline", files["redline"],
               "-o", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    rows = [row for row in json.loads((tmp_path / "r.json").read_text("utf-8"))["rows"] if row["zone"] == "total"]
    # the oracle: which ranch polygons meet the red line, straight from shapely
    red = shapely.union_all(_layers()["redline"].geometry.values)
    expected = {lv: int(g.intersection(red).area > 0) for lv, g in zip(ranches["level"], ranches.geometry)}
    assert {row["level"]: row["in_marine_redline"] for row in rows} == expected


# --------------------------------------------------------------------------- found by the bad-input sweep


def test_a_geopackage_of_several_layers_needs_the_layer_named(files, tmp_path):
    """GDAL reads the first layer: a draft layer before the zones gave every share as 100 %."""
    import pyogrio

    zones = _layers()["zones"]
    pyogrio.write_dataframe(zones.assign(geometry=_layers()["redline"].geometry.values), tmp_path / "multi.gpkg", layer="draft")
    pyogrio.write_dataframe(zones, tmp_path / "multi.gpkg", layer="zones")
    r = invoke("coverage", "--zones", tmp_path / "multi.gpkg", "--layer", files["redline"])
    assert r.exit_code == 2 and "holds 2 layers (draft, zones)" in error_lines(r)[0]
    assert len(ecozone.read_layer(tmp_path / "multi.gpkg", layer="zones")) == 2


def test_a_name_given_twice_in_name_file_options_is_refused(files):
    r = invoke("rivers", "encroachment", "--rivers", files["rivers"], "--check", f"a={files['projects']}",
               "--check", f"a={files['mines']}")
    assert r.exit_code == 2 and "'a' is given twice" in error_lines(r)[0]


def test_a_no_in_the_designation_field_is_not_a_designation(tmp_path):
    rivers = _layers()["rivers"].assign(designation=["否", "no"])
    rivers.to_file(tmp_path / "rivers.geojson")
    r = invoke("rivers", "designation", "--rivers", tmp_path / "rivers.geojson", "--zones", _layer_file(tmp_path, "zones"),
               "-o", tmp_path / "d.json")
    assert r.exit_code == 0, r.output
    total = json.loads((tmp_path / "d.json").read_text("utf-8"))["rows"][-1]
    assert total["zone"] == "total" and total["designated_km"] == 0 and total["river_km"] > 0


def test_a_gbk_shapefile_whose_cpg_says_utf8_is_one_line(tmp_path):
    zones = _layers()["zones"]
    zones.to_file(tmp_path / "zones.shp", encoding="GBK")
    (tmp_path / "zones.cpg").write_text("UTF-8")
    r = invoke("coverage", "--zones", tmp_path / "zones.shp", "--layer", _layer_file(tmp_path, "redline"))
    assert r.exit_code == 2 and "not in the encoding the file declares" in error_lines(r)[0] and "GBK" in error_lines(r)[0]


def test_a_spacing_that_would_cast_billions_of_transects_is_refused(files, tmp_path):
    shore = _layers()["coastline"].assign(date=["2020-01-01", "2020-01-01"])
    shore.to_file(tmp_path / "before.geojson")
    shore.assign(date=["2024-01-01", "2024-01-01"]).to_file(tmp_path / "after.geojson")
    r = invoke("coastline-change", "--before", tmp_path / "before.geojson", "--after", tmp_path / "after.geojson",
               "--baseline", files["shore"], "--spacing", "1e-6", "--out", tmp_path / "out")
    assert r.exit_code == 2 and "transects" in error_lines(r)[0] and "--spacing" in error_lines(r)[0]


def _layer_file(folder, name):
    path = folder / f"{name}.geojson"
    _layers()[name].to_file(path)
    return path


def test_the_library_names_its_parameters_and_the_cli_its_flags():
    """Messages raised in ecozone/measure and ecozone/prepare tell a Python caller which parameter to pass
    (``zone_field=NAME``), never a command-line flag; the CLI says the same fix in its flags."""
    import ast
    import re
    from pathlib import Path

    import ecozone
    from ecozone.cli import _as_flags

    package = Path(ecozone.__file__).parent
    flags = []
    for path in [*sorted((package / "measure").glob("*.py")), package / "prepare.py"]:
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        flags += [f"{path.name}:{n.lineno}: {n.value}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
                  and re.search(r"(?<![\w-])--[a-z]", n.value)]
    assert flags == []
    assert _as_flags("zones: no field 'x' (fields: a); fix: pass zone_field=NAME") == \
        "zones: no field 'x' (fields: a); fix: pass --zone-field NAME"
    assert _as_flags("fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)") == \
        "fix: add a .prj or declare it (--input-crs EPSG:xxxx when reading)"
    assert _as_flags("fix: pass core_m= / general_m= or widths per class") == "fix: pass --core-m / --general-m or widths per class"
    assert _as_flags("my_field=3, a_zone_field=x") == "my_field=3, a_zone_field=x"  # only whole parameter names


def test_frames_read_by_the_program_are_held_until_it_exits(tmp_path, monkeypatch):
    """As the ``ecozone`` program (cli.run sets ``held``), the last frame read for each option stays referenced until
    the quick exit; called as ``main`` (tests, scripts), nothing is held."""
    from ecozone.cli import _inputs

    path = tmp_path / "zones.gpkg"
    square_districts().to_file(path)
    reader = _inputs.Inputs({"--zones": None}, None, {"--zones": True}, quiet=True)
    monkeypatch.setattr(_inputs, "held", None)
    reader.read(path, "--zones", "district")
    assert _inputs.held is None
    monkeypatch.setattr(_inputs, "held", {})
    first = reader.read(path, "--zones", "district")
    assert _inputs.held == {"--zones": first}
    # one per option: a layer read after another of the same option replaces it (setback --check … --check …)
    second = reader.read(path, "--zones", "district")
    assert _inputs.held == {"--zones": second} and second is not first
