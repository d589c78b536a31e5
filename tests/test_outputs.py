"""Where ecozone writes, and what it writes: hostile and careless output locations and text (issue 16).

Each test would have caught a defect found by trying the commands as a hostile or careless user:
``coastline-change --out FOLDER --overwrite`` deleted the folder with its inputs, names from a
manifest wrote outside ``-o``, ``audit -o DATA`` replaced an input, a ``=HYPERLINK(…)`` name went
into the CSVs as a formula, ``<script>`` went into ``report.md`` as HTML, an internal error
exited 1 (= "a target was missed"), warnings came before the error line.  The oracles are
independent: the files on disk (bytes before and after), Python's csv module, markdown-it (a
CommonMark renderer) and a strict JSON parser.
"""

from __future__ import annotations

import csv
import errno
import html
import json
import os
import subprocess
import sys
import textwrap
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from shapely.geometry import LineString, box

from ecozone.cli import main
from ecozone.errors import InputError
from ecozone.outputs import MARKER, OutputFolder, check_inside, safe_filename

CRS = 4549
X, Y = 500_000.0, 4_100_000.0
FORMULAS = ['=HYPERLINK("http://evil.example/x","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR"]


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def one_error_line(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("ecozone: error:") and "Traceback" not in r.stderr
    return lines[0]


def snapshot(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def city(tmp_path):
    """A data folder: two 10 km districts, a coastline (15 km natural + 5 km artificial), restoration projects, a config."""
    data = tmp_path / "data"
    data.mkdir()
    gpd.GeoDataFrame({"name": ["甲区", "乙区"]}, geometry=[box(X, Y, X + 10_000, Y + 10_000), box(X + 10_000, Y, X + 20_000, Y + 10_000)],
                     crs=CRS).to_file(data / "districts.gpkg")
    gpd.GeoDataFrame({"id": ["C1", "C2"], "class": ["bedrock", "artificial"], "core_m": [100, 100], "general_m": [200, 200]},
                     geometry=[LineString([(X, Y), (X + 15_000, Y)]), LineString([(X + 15_000, Y), (X + 20_000, Y)])],
                     crs=CRS).to_file(data / "coast.gpkg")
    gpd.GeoDataFrame({"id": ["P1"], "type": ["coastal_wetland"], "status": ["completed"], "year": [2021]},
                     geometry=[box(X, Y + 100, X + 1000, Y + 1100)], crs=CRS).to_file(data / "projects.gpkg")
    (data / "notes.txt").write_text("the team's own notes", encoding="utf-8")
    return data


def config(data, *, title="测试审计", indicators="", extra_layers="") -> str:
    text = textwrap.dedent(f"""\
        title = {json.dumps(title, ensure_ascii=False)}
        [layers.districts]
        file = "districts.gpkg"
        kind = "district"
        [layers.coastline]
        file = "coast.gpkg"
        kind = "coastline"
        [layers.projects]
        file = "projects.gpkg"
        kind = "restoration"
        """) + textwrap.dedent(extra_layers) + textwrap.dedent(indicators or """
        [indicators.coastline_retention]
        target = 70
        """)
    path = data / "audit.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ----------------------------------------------------------------------------- names and paths


def test_names_from_data_become_one_safe_file_name():
    taken: set[str] = set()
    names = ["../../etc/passwd", "a/b\\c", "..", "", "CON", "nul.txt", ".hidden", "红线:2020*?", "Roads", "roads", "x" * 300]
    got = [safe_filename(n, taken=taken) for n in names]
    for name in got:
        assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
        assert name.split(".")[0].upper() not in {"CON", "NUL"} and len(name.encode()) <= 120 and name
    assert len({g.lower() for g in got}) == len(got)  # unique, also on case-insensitive file systems
    assert got[7] == "红线_2020" and got[8] == "Roads" and got[9] == "roads_2"


def test_check_inside(tmp_path):
    assert check_inside(tmp_path, tmp_path / "a" / "b.csv") == tmp_path / "a" / "b.csv"
    with pytest.raises(InputError, match="outside the output folder"):
        check_inside(tmp_path / "out", tmp_path / "out" / ".." / "x.csv")
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path, tmp_path / "out" / "link")
    with pytest.raises(InputError, match="outside the output folder"):
        check_inside(tmp_path / "out", tmp_path / "out" / "link" / "x.csv")


def test_export_and_demo_write_manifest_names_inside_the_output(tmp_path, city):
    """A manifest naming layers ``../escape`` and ``a/b`` and the atlas ``../../evil``: every file lands in -o."""
    (city / "manifest.toml").write_text(textwrap.dedent("""\
        name = "../../evil"
        title = "烟台"
        [layers."../escape"]
        file = "districts.gpkg"
        kind = "district"
        [layers."a/b"]
        file = "coast.gpkg"
        kind = "coastline"
        [layers.A_B]
        file = "projects.gpkg"
        kind = "restoration"
        [layers.'..\\..\\red']
        file = "redline.gpkg"
        kind = "redline"
        """), encoding="utf-8")
    gpd.GeoDataFrame({"id": ["R1"], "type": ["water_conservation"]}, geometry=[box(X + 1000, Y + 1000, X + 3000, Y + 3000)],
                     crs=CRS).to_file(city / "redline.gpkg")
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "work" / "out"
    r = run("export", "--atlas", city, "-f", "geojson", "-o", out)
    assert r.exit_code == 0, r.output + r.stderr
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p == out.parent or p == out or out in p.parents for p in new), sorted(map(str, new))
    # in the manifest's order: "a/b" takes a_b, so A_B (the same name on a case-insensitive disk) becomes A_B_2
    assert sorted(p.name for p in out.iterdir()) == ["A_B_2.geojson", "a_b.geojson", "escape.geojson", "red.geojson"]
    for fmt in ("csv", "shp"):
        r = run("export", "--atlas", city, "-f", fmt, "-o", tmp_path / "work" / fmt)
        assert r.exit_code == 0, r.output + r.stderr
    assert not (tmp_path / "escape.geojson").exists() and not (tmp_path / "evil.gpkg").exists()

    demo_out = tmp_path / "work" / "demo"
    r = run("demo", "--data", city, "-o", demo_out)
    assert r.exit_code == 0, r.output + r.stderr
    new = {p for p in tmp_path.rglob("*")} - before
    assert all(out.parent in p.parents or p == out.parent for p in new), sorted(map(str, new))
    assert (demo_out / "exports" / "evil.gpkg").exists()


# ----------------------------------------------------------------------------- --overwrite deletes nothing else


def test_coastline_change_overwrite_keeps_the_folder_and_its_inputs(city, monkeypatch):
    after = gpd.read_file(city / "coast.gpkg")
    after.loc[0, "class"] = "artificial"
    after.to_file(city / "coast_2025.gpkg")
    before = snapshot(city)
    args = ["coastline-change", "--before", city / "coast.gpkg", "--after", city / "coast_2025.gpkg"]

    r = run(*args, "--out", city)  # a folder holding other files: refused without --overwrite
    assert r.exit_code == 2 and "holds files this command did not write" in one_error_line(r)
    assert snapshot(city) == before

    r = run(*args, "--out", city, "--overwrite")
    assert r.exit_code == 0, r.stderr
    now = snapshot(city)
    assert {k: now[k] for k in before} == before  # every input and the notes, byte for byte
    assert json.loads(now["change.json"])["lost_km"] == pytest.approx(15.0)

    monkeypatch.chdir(city)  # --out . : the working directory keeps everything
    r = run(*args, "--out", ".", "--overwrite")
    assert r.exit_code == 0, r.stderr
    assert {k: snapshot(city)[k] for k in before} == before

    out = city.parent / "changes"  # an earlier run's folder: written again without --overwrite, nothing stale
    assert run(*args, "--out", out).exit_code == 0
    (out / "changes.geojson").unlink()
    assert run(*args, "--out", out).exit_code == 0 and (out / "changes.geojson").exists()


def test_audit_never_writes_over_an_input(city, monkeypatch):
    import ecozone.audit

    def must_not_run(*a, **k):
        raise AssertionError("measured before the outputs were checked against the inputs")

    monkeypatch.setattr(ecozone.audit, "run_audit", must_not_run)
    # a layer file named like a report output, in the folder the report goes to
    gpd.read_file(city / "districts.gpkg").to_crs(4326).to_file(city / "report.json", driver="GeoJSON")
    cfg = config(city, extra_layers="""
        [layers.reserves]
        file = "report.json"
        kind = "district"
        """)
    before = snapshot(city)
    r = run("audit", cfg, "-o", city)
    assert r.exit_code == 2 and "holds files this command did not write" in one_error_line(r)
    r = run("audit", cfg, "-o", city, "--overwrite")
    assert r.exit_code == 2 and "report.json: is also an input" in one_error_line(r)
    assert snapshot(city) == before
    # the same when the output folder is an input's own folder given another way
    r = run("audit", cfg, "-o", city / "." / "sub" / "..", "--overwrite")
    assert r.exit_code == 2 and snapshot(city) == before


def test_report_folder_marker_replaces_only_ecozone_outputs(city):
    cfg = config(city)
    out = city.parent / "report"
    r = run("audit", cfg, "-o", out)
    assert r.exit_code == 0, r.stderr
    listed = list(json.loads((out / MARKER).read_text("utf-8"))["files"])
    assert {"report.json", "report.md", "report.html", "indicators.csv"} <= set(listed)
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == sorted(listed)
    # a nightly run writes again without --overwrite; a narrower run leaves no stale table behind
    r = run("audit", cfg, "-o", out, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "report.json"])
    # someone else's file in the folder: refused, then kept with --overwrite
    (out / "minutes.docx").write_bytes(b"PK\x03\x04 not ours")
    r = run("audit", cfg, "-o", out)
    assert r.exit_code == 2 and "minutes.docx" in one_error_line(r)
    r = run("audit", cfg, "-o", out, "--overwrite")
    assert r.exit_code == 0 and (out / "minutes.docx").read_bytes() == b"PK\x03\x04 not ours"
    r = run("audit", cfg, "-o", out, "-f", "md")
    assert r.exit_code == 2  # the marker never lists minutes.docx: still not ours
    assert (out / "minutes.docx").exists() and (out / "report.json").exists()


def test_unwritable_output_is_refused_before_measuring(city, tmp_path, monkeypatch):
    import ecozone.audit

    def must_not_run(*a, **k):
        raise AssertionError("measured before the output was checked")

    monkeypatch.setattr(ecozone.audit, "run_audit", must_not_run)
    (tmp_path / "a-file").write_text("x")
    for out in (tmp_path / "a-file", tmp_path / "a-file" / "report", "/proc/ecozone-test/report"):
        r = run("audit", config(city), "-o", out)
        assert r.exit_code == 2, (out, r.stderr)
        line = one_error_line(r)
        assert "fix:" in line
    # export --config runs the audit for its findings: its output is checked first
    (tmp_path / "city.gpkg").write_bytes(b"an earlier export")
    for out in (tmp_path / "city.gpkg", tmp_path / "a-file" / "x.gpkg", "/proc/ecozone-test/x.gpkg"):
        r = run("export", "--config", config(city), "--results", "-f", "gpkg", "-o", out)
        assert r.exit_code == 2 and "fix:" in one_error_line(r), (out, r.stderr)
    assert (tmp_path / "city.gpkg").read_bytes() == b"an earlier export"


def test_partial_files_of_interrupted_runs_are_cleaned(tmp_path):
    from ecozone.io import _HOST, PARTIAL, write_text

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        left = tmp_path / f"report{PARTIAL}{_HOST}-{dead}-abc12345.json"
        left.write_text("{half")
        stage = tmp_path / f"export{PARTIAL}{_HOST}-{dead}-xyz12345"
        stage.mkdir()
        (stage / "a.geojson").write_text("{")
        running = tmp_path / f"other{PARTIAL}{_HOST}-{alive.pid}-def12345.json"  # a run still writing
        running.write_text("{being written")
        elsewhere = tmp_path / f"other{PARTIAL}otherhost-{dead}-ghi12345.json"  # another machine's, on a shared disk
        elsewhere.write_text("{being written there")
        users = [tmp_path / f"survey{PARTIAL}999999-final.gpkg", tmp_path / f"photos{PARTIAL}{_HOST}-{dead}-2024"]
        users[0].write_text("the user's own file")
        users[1].mkdir()
        (users[1] / "a.jpg").write_bytes(b"\xff\xd8")
        write_text(tmp_path / "report.json", "{}")
        assert not left.exists() and not stage.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.json", running.name, elsewhere.name,
                                                                     *(u.name for u in users)])
        assert (users[1] / "a.jpg").exists()
    finally:
        alive.kill()


def test_marker_never_lets_a_run_delete_what_it_did_not_write(city, tmp_path):
    """The marker is a file in the output folder: whatever it says, only this command's unchanged outputs go."""
    args = ["coastline-change", "--before", city / "coast.gpkg", "--after", city / "coast.gpkg"]
    out = tmp_path / "rep"
    assert run(*args, "--out", out).exit_code == 0
    marker = json.loads((out / MARKER).read_text("utf-8"))
    assert marker["command"] == "coastline-change" and set(marker["files"]) == {"change.json"}

    # a hand-edited marker listing files outside the folder, an input and an absolute path
    victims = [tmp_path / "victim_empty", tmp_path / "victim.txt"]
    victims[0].mkdir()
    victims[1].write_text("keep me")
    stamp = lambda p: [p.stat().st_size, p.stat().st_mtime_ns]  # noqa: E731
    marker["files"].update({"../victim.txt": stamp(victims[1]), "../victim_empty/x": [0, 0],
                            str(victims[1]): stamp(victims[1]), "../data/coast.gpkg": stamp(city / "coast.gpkg")})
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    assert run(*args, "--out", out).exit_code == 0
    assert victims[0].is_dir() and victims[1].read_text() == "keep me" and (city / "coast.gpkg").exists()

    # a listed output the user changed since is not ecozone's any more: refused, then kept with --overwrite
    (out / "change.json").write_text("my edited figures", encoding="utf-8")
    r = run(*args, "--out", out)
    assert r.exit_code == 2 and "change.json" in one_error_line(r)
    assert (out / "change.json").read_text("utf-8") == "my edited figures"

    # another command's report folder is not this command's to clean
    rep = tmp_path / "audit-report"
    assert run("audit", config(city), "-o", rep).exit_code == 0
    before = snapshot(rep)
    r = run(*args, "--out", rep)
    assert r.exit_code == 2 and "did not write" in one_error_line(r)
    assert snapshot(rep) == before


def test_an_input_under_another_name_is_never_removed(city, tmp_path):
    """A hard link to an input, listed in the marker as an earlier output: the stale-output cleanup keeps it."""
    args = ["coastline-change", "--before", city / "coast.gpkg", "--after", city / "coast.gpkg"]
    out = tmp_path / "rep"
    assert run(*args, "--out", out, "--baseline", city / "coast.gpkg").exit_code in (0, 2)
    assert run(*args, "--out", out).exit_code == 0
    os.link(city / "coast.gpkg", out / "survey.gpkg")  # the same file as the input
    marker = json.loads((out / MARKER).read_text("utf-8"))
    st = (out / "survey.gpkg").stat()
    marker["files"]["survey.gpkg"] = [st.st_size, st.st_mtime_ns]
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    assert run(*args, "--out", out).exit_code == 0
    assert (out / "survey.gpkg").exists() and (city / "coast.gpkg").exists()


def test_interrupted_write_leaves_nothing(city, monkeypatch):
    """A disk that fills up while a table is written: one line, exit 2, no partial file, the earlier output kept."""
    out = city.parent / "cov.csv"
    out.write_text("earlier", encoding="utf-8")

    def full_disk(self, path, *a, **k):
        open(path, "w").write("zone,cov")  # half a file
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    r = run("coverage", "--zones", city / "districts.gpkg", "--layer", city / "projects.gpkg", "-o", out, "--overwrite")
    assert r.exit_code == 2 and "No space left on device" in one_error_line(r)
    assert out.read_text("utf-8") == "earlier"
    assert sorted(p.name for p in city.parent.iterdir()) == sorted(["cov.csv", "data"])


# ----------------------------------------------------------------------------- text that would run


def read_csv_cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:  # newline="": a CR inside a cell stays a CR
        return list(csv.reader(f))


def test_csv_cells_never_start_a_formula(city, tmp_path):
    zones = gpd.read_file(city / "districts.gpkg")
    zones = pd.concat([zones] * 3, ignore_index=True)
    names = FORMULAS
    zones["name"] = names
    zones["geometry"] = [box(X + i * 1000, Y, X + (i + 1) * 1000, Y + 1000) for i in range(len(names))]
    zones.to_file(tmp_path / "zones.gpkg")
    out = tmp_path / "cov.csv"
    r = run("coverage", "--zones", tmp_path / "zones.gpkg", "--layer", city / "projects.gpkg", "-o", out)
    assert r.exit_code == 0, r.stderr
    rows = read_csv_cells(out)
    header, body = rows[0], rows[1:]
    by_zone = {row[0]: row for row in body}
    for name in names:
        if name == "-2+3":  # starts with '-' but is not a number
            assert "'-2+3" in by_zone
        else:
            assert "'" + name in by_zone, (name, list(by_zone))
    # numbers stay numbers: the covered area of the first zone is exactly the project's 1000 m × 900 m overlap
    col = header.index("covered_ha")
    assert float(by_zone["'" + names[0]][col]) == pytest.approx(90.0)
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)


def test_audit_and_export_csv_neutralised_and_raw_on_request(city, tmp_path):
    cfg = config(city, indicators=f"""
        [indicators.coastline_retention]
        target = 70
        label = {json.dumps(FORMULAS[0])}
        source = "@SUM(1+1)*cmd|' /C calc'!A0"
        """)
    out = tmp_path / "report"
    r = run("audit", cfg, "-o", out, "--lang", "zh")
    assert r.exit_code == 0, r.stderr
    rows = read_csv_cells(out / "indicators.csv")
    cells = [c for row in rows for c in row]
    assert "'" + FORMULAS[0] in cells and "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert all(not c.startswith(("=", "+", "@")) for c in cells)
    retention = rows[1][rows[0].index("value")]
    assert float(retention) == pytest.approx(75.0)  # 15 of 20 km natural, untouched

    gdf = gpd.read_file(city / "districts.gpkg")
    gdf["name"] = ["=1+2", "-1"]
    gdf.to_file(city / "districts.gpkg")
    (city / "manifest.toml").write_text('name = "c"\n[layers.districts]\nfile = "districts.gpkg"\nkind = "district"\n', encoding="utf-8")
    r = run("export", "--atlas", city, "-f", "csv", "-o", tmp_path / "csv")
    assert r.exit_code == 0, r.stderr
    names = [row[0] for row in read_csv_cells(tmp_path / "csv" / "districts.csv")[1:]]
    assert names == ["'=1+2", "-1"]  # "-1" is a number: left alone
    r = run("export", "--atlas", city, "-f", "csv", "-o", tmp_path / "raw", "--raw-csv")
    assert r.exit_code == 0, r.stderr
    assert [row[0] for row in read_csv_cells(tmp_path / "raw" / "districts.csv")[1:]] == ["=1+2", "-1"]


def rendered(markdown_text: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).render(markdown_text)


HOSTILE = ["<script>window.__pwned=1</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
           "**bold** | cell"]


def test_report_markdown_shows_names_as_text(city, tmp_path):
    cfg = config(city, title=HOSTILE[0], indicators=f"""
        [indicators.coastline_retention]
        target = 70
        label = {json.dumps(HOSTILE[2])}
        source = {json.dumps(HOSTILE[1])}
        [indicators.cell]
        indicator = "restoration_area"
        target = 1
        source = {json.dumps(HOSTILE[3])}
        """)
    out = tmp_path / "report"
    r = run("audit", cfg, "-o", out, "--lang", "zh")
    assert r.exit_code == 0, r.stderr
    md = (out / "report.md").read_text("utf-8")
    page = rendered(md)
    assert "<script" not in page and "<img" not in page and 'href="javascript' not in page and "<strong>" not in page
    # each payload is shown as the characters it is made of (escaped once, as a renderer shows text)
    for payload in HOSTILE[:3]:
        assert html.escape(payload, quote=False) in page, payload
    assert "**bold**" in page
    report_html = (out / "report.html").read_text("utf-8")
    assert "<script" not in report_html and "<img" not in report_html
    assert html.escape(HOSTILE[0]) in report_html and html.escape(HOSTILE[1]) in report_html
    # the indicators table keeps its four columns: the | in a source never splits a cell
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and "[" in line]
    assert all(line.count(" | ") == 3 for line in table_rows), table_rows


def test_bay_report_markdown_shows_names_as_text(demo_atlas):
    import ecozone

    bays = demo_atlas["bays"].copy()
    bays.loc[bays.index[0], "name"] = HOSTILE[0]
    bays.loc[bays.index[1], "name"] = HOSTILE[2]
    _, md = ecozone.bay_report(bays)
    page = rendered(md)
    assert "<script" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page and "[click](javascript:alert(1))" in page


def test_shapefile_names_never_collide(tmp_path, city):
    """A layer ``rivers`` of lines and polygons (rivers_line.shp, rivers_polygon.shp) beside a layer ``rivers_line``:
    neither overwrites the other; a user's rivers.dbf in the folder is not replaced without --overwrite."""
    from shapely.geometry import LineString as L

    gpd.GeoDataFrame({"name": ["河", "湖"], "level": ["trunk", "lake"]},
                     geometry=[L([(X, Y), (X + 1000, Y)]), box(X, Y + 100, X + 500, Y + 600)], crs=CRS).to_file(city / "rivers.gpkg")
    gpd.GeoDataFrame({"name": ["ONLY-ONE"], "level": ["tributary"]}, geometry=[L([(X, Y + 900), (X + 900, Y + 900)])],
                     crs=CRS).to_file(city / "rivers_line.gpkg")
    (city / "manifest.toml").write_text(textwrap.dedent("""\
        name = "c"
        [layers.rivers]
        file = "rivers.gpkg"
        kind = "river"
        [layers.rivers_line]
        file = "rivers_line.gpkg"
        kind = "river"
        """), encoding="utf-8")
    out = tmp_path / "shp"
    out.mkdir()
    (out / "lakes.dbf").write_bytes(b"the user's table")
    (out / "rivers.dbf").write_bytes(b"the user's other table")
    r = run("export", "--atlas", city, "-f", "shp", "-o", out)
    assert r.exit_code == 0, r.stderr
    assert (out / "lakes.dbf").read_bytes() == b"the user's table"
    assert (out / "rivers.dbf").read_bytes() == b"the user's other table"  # mixed layer: rivers_line/_polygon only
    names = {p.stem: set(gpd.read_file(p)["name"]) for p in out.glob("*.shp")}
    assert names == {"rivers_line": {"河"}, "rivers_polygon": {"湖"}, "rivers_line_2": {"ONLY-ONE"}}, names
    # a file of one of the export's names exists: refused without --overwrite, before anything is written
    (tmp_path / "shp2").mkdir()
    (tmp_path / "shp2" / "rivers_polygon.dbf").write_bytes(b"mine")
    r = run("export", "--atlas", city, "-f", "shp", "-o", tmp_path / "shp2")
    assert r.exit_code == 2 and "rivers_polygon.dbf: exists already" in one_error_line(r)
    assert sorted(p.name for p in (tmp_path / "shp2").iterdir()) == ["rivers_polygon.dbf"]


def test_demo_refuses_to_write_over_an_input_before_measuring(city, monkeypatch):
    import ecozone.demo

    def must_not_run(*a, **k):
        raise AssertionError("measured before the outputs were checked against the inputs")

    monkeypatch.setattr(ecozone.demo, "measure_atlas", must_not_run)
    gpd.read_file(city / "districts.gpkg").to_crs(4326).to_file(city / "report.json", driver="GeoJSON")
    (city / "manifest.toml").write_text('name = "c"\n[layers.districts]\nfile = "report.json"\nkind = "district"\n',
                                        encoding="utf-8")
    before = snapshot(city)
    r = run("demo", "--data", city, "-o", city, "--overwrite")
    assert r.exit_code == 2 and "report.json: is also an input" in one_error_line(r)
    assert snapshot(city) == before


def test_json_never_holds_nan_or_infinity(tmp_path):
    from ecozone.cli._common import write_table

    def refuse(constant):
        raise ValueError(f"{constant} in JSON")

    table = pd.DataFrame({"zone": ["甲", "乙", "丙"], "share": [float("nan"), float("inf"), 0.5],
                          "when": pd.to_datetime(["2024-01-02", None, "2025-03-04"])})
    write_table(table, tmp_path / "t.json", overwrite=False, extra={"progress": {"share": float("nan"), "ha": float("inf")}})
    doc = json.loads((tmp_path / "t.json").read_text("utf-8"), parse_constant=refuse)
    assert [r["share"] for r in doc["rows"]] == [None, None, 0.5]
    assert doc["progress"] == {"share": None, "ha": None}
    assert doc["rows"][0]["when"].startswith("2024-01-02") and doc["rows"][1]["when"] is None


# ----------------------------------------------------------------------------- exit codes and stderr


def test_internal_error_exits_3_bad_file_2_never_1(city, monkeypatch):
    import ecozone.measure.coverage

    args = ["coverage", "--zones", city / "districts.gpkg", "--layer", city / "projects.gpkg"]

    def bug(*a, **k):
        raise KeyError("zone_area_ha")

    monkeypatch.setattr(ecozone.measure.coverage, "coverage", bug)
    r = run(*args)
    assert r.exit_code == 3
    line = r.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("ecozone: internal error: KeyError") and "report" in line

    def no_permission(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/gis/红线.gpkg")

    monkeypatch.setattr(ecozone.measure.coverage, "coverage", no_permission)
    r = run(*args)
    assert r.exit_code == 2 and "/srv/gis/红线.gpkg: Permission denied" in one_error_line(r)


def test_warnings_never_precede_the_error_line_and_follow_success(city, monkeypatch):
    import ecozone.measure.coverage

    real = ecozone.measure.coverage.coverage
    args = ["coverage", "--zones", city / "districts.gpkg", "--layer", city / "projects.gpkg"]

    def warn_then_fail(*a, **k):
        warnings.warn("GDAL: something about the driver", RuntimeWarning)
        raise InputError("projects.gpkg: feature 0: nothing to measure; fix: give polygons")

    monkeypatch.setattr(ecozone.measure.coverage, "coverage", warn_then_fail)
    r = run(*args)
    assert r.exit_code == 2 and "nothing to measure" in one_error_line(r)

    def warn_then_measure(*a, **k):
        warnings.warn("GDAL: something about the driver", RuntimeWarning)
        return real(*a, **k)

    monkeypatch.setattr(ecozone.measure.coverage, "coverage", warn_then_measure)
    r = run(*args)
    assert r.exit_code == 0 and r.stderr.strip().splitlines()[-1] == "ecozone: warning: GDAL: something about the driver"
    r = run("-q", *args)
    assert r.exit_code == 0 and "warning" not in r.stderr


def test_output_folder_api_refuses_an_input_folder(tmp_path):
    gdb = tmp_path / "survey.gdb"
    gdb.mkdir()
    (gdb / "a0000001.gdbtable").write_bytes(b"x")
    with pytest.raises(InputError, match="is also an input"):
        OutputFolder(gdb / "report", inputs=[gdb], command="audit")
    shp = tmp_path / "mines.shp"
    for suffix in (".shp", ".shx", ".dbf", ".prj"):
        shp.with_suffix(suffix).write_bytes(b"x")
    folder = OutputFolder(tmp_path / "o", inputs=[shp], command="audit")
    with pytest.raises(InputError, match="is also an input"):
        OutputFolder(tmp_path, inputs=[shp], overwrite=True, command="audit").path("mines.dbf")
    assert folder.path("table.csv") == tmp_path / "o" / "table.csv"


def test_repairs_that_change_a_figure_are_reported_next_to_it(city, tmp_path):
    """A bow-tie project (repaired) and a zero-area one (dropped): stderr, report.json, report.md and report.html say so."""
    from shapely.geometry import Polygon

    bowtie = Polygon([(X, Y + 2000), (X + 1000, Y + 3000), (X + 1000, Y + 2000), (X, Y + 3000)])  # two 250 m² … triangles
    flat = Polygon([(X + 5000, Y + 5000), (X + 6000, Y + 5000), (X + 7000, Y + 5000)])
    gpd.GeoDataFrame({"id": ["P1", "P2", "P3"], "type": ["coastal_wetland"] * 3, "status": ["completed"] * 3, "year": [2021] * 3},
                     geometry=[box(X, Y + 100, X + 1000, Y + 1100), bowtie, flat], crs=CRS).to_file(city / "projects.gpkg")
    cfg = config(city, indicators="""
        [indicators.wetland]
        indicator = "restoration_area"
        type = "coastal_wetland"
        target = 1
        """)
    out = tmp_path / "report"
    r = run("audit", cfg, "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "projects" in r.stderr and "P3" in r.stderr and "warning" in r.stderr
    doc = json.loads((out / "report.json").read_text("utf-8"))
    layer = next(la for la in doc["validation"]["layers"] if la["name"] == "projects")
    assert layer["repaired"] >= 1 and layer["dropped_degenerate"] + layer["dropped_empty"] == 1
    # the figure: the 100 ha square plus the bow-tie's two triangles (2 × 25 ha), the flat ring adds nothing
    wetland = next(i for i in doc["indicators"] if i["id"] == "wetland")
    assert wetland["value"] == pytest.approx(100 + 50, rel=1e-9)
    md = (out / "report.md").read_text("utf-8")
    assert "projects:" in md and "P3" in md
    assert "P3" in (out / "report.html").read_text("utf-8")


def refused_by_validate_and_audit(cfg, out) -> list[str]:
    """The one error line of ``ecozone validate`` and of ``ecozone audit`` (each must exit 2)."""
    lines = []
    for args in (["validate", cfg], ["audit", cfg, "-o", out]):
        r = run(*args)
        assert r.exit_code == 2, r.stderr
        lines.append(one_error_line(r))
    return lines


def test_validate_refuses_a_reserved_district_name_as_audit_does(city, tmp_path):
    gdf = gpd.read_file(city / "districts.gpkg")
    gdf["name"] = [" Total ", "乙区"]
    gdf.to_file(city / "districts.gpkg")
    cfg = config(city)
    lines = refused_by_validate_and_audit(cfg, tmp_path / "rep")
    assert lines[0] == lines[1] and "' Total ' is reserved" in lines[0] and "fix: rename the zone" in lines[0]
    assert not (tmp_path / "rep").exists()


def test_validate_refuses_a_river_layer_without_designation_as_audit_does(city, tmp_path):
    gpd.GeoDataFrame({"id": ["W1"], "name": ["河"], "level": ["trunk"]}, geometry=[LineString([(X, Y + 500), (X + 9000, Y + 500)])],
                     crs=CRS).to_file(city / "rivers.gpkg")
    cfg = config(city, extra_layers="""
        [layers.rivers]
        file = "rivers.gpkg"
        kind = "river"
        """, indicators="""
        [indicators.river_designation_share]
        target = 50
        """)
    lines = refused_by_validate_and_audit(cfg, tmp_path / "rep")
    assert lines[0] == lines[1] and "no field 'designation'" in lines[0] and "fix:" in lines[0]


@pytest.mark.parametrize("name, opened", [("zones;v2.gpkg", "zones"), ("a!zones.gpkg", "zones.gpkg")])
def test_a_path_gdal_would_take_for_another_is_refused_never_written_over(tmp_path, monkeypatch, name, opened):
    # pyogrio reads a path as a URL: `zones;v2.gpkg` opened `zones`, `a!zones.gpkg` opened `zones.gpkg` in the
    # working folder; a user's unrelated file of that name was read, or replaced by a GeoPackage
    import geopandas as gpd
    import shapely

    from ecozone._resources import dataset_dir
    from ecozone.errors import InputError
    from ecozone.io import read_layer, write_layer

    monkeypatch.chdir(tmp_path)
    (tmp_path / opened).write_text("PRECIOUS", "utf-8")
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.box(500_000, 4_150_000, 501_000, 4_151_000)], crs=4549)
    with pytest.raises(InputError, match="GDAL would open .*fix: rename"):
        write_layer(frame, tmp_path / name)
    with pytest.raises(InputError, match="GDAL would open"):
        read_layer(tmp_path / name)
    frame.to_file(tmp_path / "ok.gpkg")
    r = subprocess.run([sys.executable, "-m", "ecozone", "export", "--config", str(dataset_dir("yantai") / "audit.toml"),
                        "-f", "gpkg", "-o", str(tmp_path / name)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "GDAL would open" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (tmp_path / opened).read_text("utf-8") == "PRECIOUS" and not (tmp_path / name).exists()
