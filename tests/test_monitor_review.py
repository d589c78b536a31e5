"""``ecozone monitor`` against the defects of the review of issue 22, each on a hand-built case whose figure is
computed here directly (shapely, hand arithmetic), never by ecozone's own code path: restoration years written
as text, red-line loss on unions, --baseline-side, a district's restoration target and its statuses, the
Shapefile members hashed, columns a store keeps for itself, a read-only store, every credential form masked,
the survey date, one current survey per kind and date, the listing escaped, a refused report writing nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, box

from ecozone.cli import main
from ecozone.monitor_html import chart_figures
from ecozone.store import content_hash, mask_text, mask_url, open_store

from .conftest import REPO

CRS = "EPSG:4549"
X, Y = 500_000.0, 4_150_000.0


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def sq(x0, y0, w=1000.0, h=1000.0):
    return box(X + x0, Y + y0, X + x0 + w, Y + y0 + h)


def line(x0, x1, y=0.0):
    return LineString([(X + x0, Y + y), (X + x1, Y + y)])


def new_store(tmp_path: Path, name: str = "m.gpkg") -> str:
    location = str(tmp_path / name)
    assert cli("monitor", "init", location).exit_code == 0
    return location


def add(store, kind, frame_or_path, day, tmp_path, *extra):
    path = frame_or_path
    if isinstance(frame_or_path, gpd.GeoDataFrame):
        path = tmp_path / f"{kind}_{day}.geojson"
        frame_or_path.to_file(path)
    return cli("monitor", "add", store, "--kind", kind, path, "--date", day, *extra)


def report_json(store, out: Path, *extra) -> dict:
    r = cli("monitor", "report", store, "-o", out, "--lang", "en", *extra)
    assert r.exit_code == 0, r.output
    return json.loads((out / "report.json").read_text("utf-8"))


# --- 1. restoration per year with the year written as text ----------------------------------------------------
def test_restoration_per_year_reads_years_written_as_text(tmp_path):
    geoms = [sq(0, 0), sq(500, 0), sq(3000, 0), sq(5000, 0, 2000), sq(8000, 0)]
    frame = gpd.GeoDataFrame({"id": list("ABCDE"), "type": ["coastal_wetland"] * 5, "status": ["completed"] * 5,
                              "year": ["2021年", "2021-05-01", "2022", "2023年", "2023"]}, geometry=geoms, crs=CRS)
    store = new_store(tmp_path)
    assert add(store, "restoration", frame, "2025-12-31", tmp_path).exit_code == 0
    rows = {r["year"]: r for r in report_json(store, tmp_path / "out")["tables"]["restoration_by_year"]}
    # by hand: 2021 = A ∪ B (100 + 100 − 50 ha overlap), 2022 = C, 2023 = D (200 ha) ∪ E (100 ha)
    groups = {2021: geoms[0:2], 2022: geoms[2:3], 2023: geoms[3:5]}
    assert sorted(rows) == [2021, 2022, 2023]
    for year, parts in groups.items():
        assert rows[year]["projects"] == len(parts)
        assert rows[year]["area_ha"] == pytest.approx(shapely.union_all(parts).area / 1e4)
    assert [rows[y]["area_ha"] for y in (2021, 2022, 2023)] == pytest.approx([150.0, 100.0, 300.0])
    assert rows[2023]["completed_cumulative_ha"] == pytest.approx(shapely.union_all(geoms).area / 1e4)


# --- 2. red-line loss measured on unions -------------------------------------------------------------------------
def test_redline_lost_area_is_measured_on_unions(tmp_path):
    v1 = gpd.GeoDataFrame({"id": ["P1", "P2"], "name": ["一", "二"], "type": ["biodiversity"] * 2},
                          geometry=[sq(0, 0, 2000), sq(1000, 0, 2000)], crs=CRS)  # overlapping by 100 ha
    v2 = gpd.GeoDataFrame({"id": ["P1"], "name": ["一"], "type": ["biodiversity"]}, geometry=[sq(0, 0)], crs=CRS)
    store = new_store(tmp_path)
    assert add(store, "redline", v1, "2020-12-31", tmp_path).exit_code == 0
    assert add(store, "redline", v2, "2025-12-31", tmp_path).exit_code == 0
    rows = report_json(store, tmp_path / "out")["tables"]["redline_area"]
    lost = shapely.difference(shapely.union_all(v1.geometry.values), shapely.union_all(v2.geometry.values)).area / 1e4
    assert lost == pytest.approx(200.0)  # 300 ha of union, 100 ha kept; each polygon's own loss sums to 300
    assert rows[1]["lost_ha"] == pytest.approx(lost)
    assert rows[1]["change_ha"] == pytest.approx(-lost)


# --- 3. --baseline-side ----------------------------------------------------------------------------------------
def test_baseline_side_onshore_is_passed_to_the_rates(tmp_path):
    """The coast along y = 0 with the sea to the north; the 2–3 km stretch moved 150 m north (seaward) in the
    second survey; the baseline 800 m south of it, on land: onshore."""
    a = gpd.GeoDataFrame({"class": ["sandy"] * 3}, geometry=[line(0, 2000), line(2000, 3000), line(3000, 6000)], crs=CRS)
    b = gpd.GeoDataFrame({"class": ["sandy", "artificial", "sandy"]},
                         geometry=[line(0, 2000), line(2000, 3000, 150), line(3000, 6000)], crs=CRS)
    base = tmp_path / "baseline.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[line(-100, 6100, -800)], crs=CRS).to_file(base)
    store = new_store(tmp_path)
    assert add(store, "coastline", a, "2025-01-01", tmp_path).exit_code == 0
    assert add(store, "coastline", b, "2026-01-01", tmp_path).exit_code == 0
    help_text = cli("monitor", "report", "--help").output
    assert "--baseline-side [offshore|onshore]" in help_text and "landward of them" in help_text
    doc = report_json(store, tmp_path / "on", "--baseline", base, "--baseline-side", "onshore")
    moved = [r for r in doc["tables"]["shoreline_rates"] if 2100 < r["station_m"] < 2900]
    assert moved and all(r["nsm_m"] == pytest.approx(150.0) for r in moved)  # seaward: + 150 m, by construction
    assert doc["settings"]["baseline_side"] == "onshore" and doc["summary"]["shoreline_rates"]["baseline_side"] == "onshore"
    assert doc["tables"]["coastline_change"][0]["reclamation_transects"] >= len(moved)  # 150 m > 100 m
    assert "baseline onshore" in (tmp_path / "on" / "report.md").read_text("utf-8")
    off = report_json(store, tmp_path / "off", "--baseline", base)  # the default, offshore: read as a retreat
    moved = [r for r in off["tables"]["shoreline_rates"] if 2100 < r["station_m"] < 2900]
    assert all(r["nsm_m"] == pytest.approx(-150.0) for r in moved) and off["settings"]["baseline_side"] == "offshore"


# --- 4. a district's restoration target and its statuses ----------------------------------------------------------
def _zone_case(tmp_path):
    zones = gpd.GeoDataFrame({"name": ["西区", "东区"]}, geometry=[sq(-1000, -1000, 4000, 8000), sq(3000, -1000, 8000, 8000)],
                             crs=CRS)
    projects = gpd.GeoDataFrame(
        {"id": ["W1", "E1", "E2", "E3"], "type": ["coastal_wetland"] * 3 + ["forest"],
         "status": ["completed", "completed", "ongoing", "completed"], "year": [2021, 2022, 2022, 2022]},
        geometry=[sq(0, 0), sq(4000, 0, 2000), sq(4000, 3000, 500), sq(8000, 0)], crs=CRS)
    zones.to_file(tmp_path / "zones.geojson")
    projects.to_file(tmp_path / "rest.geojson")
    (tmp_path / "audit.toml").write_text(
        'title = "t"\n[layers.rest]\nfile = "rest.geojson"\nkind = "restoration"\n'
        '[layers.districts]\nfile = "zones.geojson"\nkind = "district"\n[zones]\ndistricts = "districts"\n'
        '[indicators.wet_east]\nindicator = "restoration_area"\ntype = "coastal_wetland"\nzone = "东区"\n'
        'status = ["completed", "ongoing"]\nuntil = 2023\ntarget = 300\n'
        '[indicators.wet_all]\nindicator = "restoration_area"\ntype = "coastal_wetland"\nuntil = 2023\ntarget = 500\n',
        encoding="utf-8")
    store = new_store(tmp_path)
    assert add(store, "restoration", tmp_path / "rest.geojson", "2025-12-31", tmp_path).exit_code == 0
    return store, zones, projects


def test_a_district_restoration_target_counts_that_district_and_its_statuses(tmp_path):
    store, zones, projects = _zone_case(tmp_path)
    doc = report_json(store, tmp_path / "out", "--zones", tmp_path / "zones.geojson", "--config", tmp_path / "audit.toml")
    rows = {r["year"]: r for r in doc["tables"]["restoration_by_year"]}
    east = zones.geometry.iloc[1]
    wet = projects[projects["type"] == "coastal_wetland"]  # completed or ongoing, as the target says
    for year in (2021, 2022):
        counted = wet[wet["year"] <= year].geometry.values
        expected = shapely.intersection(shapely.union_all(counted), east).area / 1e4
        assert rows[year]["completed_cumulative_ha"] == pytest.approx(expected)
    assert rows[2021]["completed_cumulative_ha"] == pytest.approx(0.0)  # W1 is in 西区
    assert rows[2022]["completed_cumulative_ha"] == pytest.approx(250.0)  # E1 200 ha + E2 (ongoing) 50 ha
    assert rows[2022]["cumulative_zone"] == "东区" and rows[2022]["cumulative_status"] == "completed+ongoing"
    assert rows[2022]["target_ha"] == 300
    assert doc["targets"]["restoration"]["zone"] == "东区"
    assert any("not drawn" in n and "wet_all" in n for n in doc["notes"])
    md = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "restoration_area (coastal\\_wetland, completed+ongoing, 东区, ≤ 2023) ≥ 300 ha" in md
    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "东区 target ≥ 300 ha (2023)" in page and "cumulative: coastal_wetland, completed+ongoing, 东区" in page


def test_a_district_restoration_target_without_zones_is_left_out_with_a_note(tmp_path):
    store, _, projects = _zone_case(tmp_path)
    doc = report_json(store, tmp_path / "out", "--config", tmp_path / "audit.toml")
    rows = doc["tables"]["restoration_by_year"]
    assert all(r["target_ha"] is None and r["cumulative_zone"] == "city" for r in rows)
    completed = projects[projects["status"] == "completed"].geometry.values
    assert rows[-1]["completed_cumulative_ha"] == pytest.approx(shapely.union_all(completed).area / 1e4)
    assert any("东区" in n and "not drawn" in n and "--zones" in n for n in doc["notes"])
    assert "target ≥ 300" not in (tmp_path / "out" / "report.html").read_text("utf-8")  # no city line for a district


# --- 5. a Shapefile's members only ------------------------------------------------------------------------------
def test_the_hash_of_a_shapefile_ignores_siblings_that_are_not_its_members(tmp_path):
    frame = gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS)
    shp = tmp_path / "coast1.shp"
    frame.to_file(shp)
    digest = content_hash([shp])
    store = new_store(tmp_path, "store.gpkg")
    assert cli("monitor", "add", store, "--kind", "coastline", shp, "--date", "2026-03-31").exit_code == 0
    for sibling, text in (("coast1.shp.xml", "<metadata/>"), ("coast1.readme.txt", "field notes"), ("coast1.gpkg", "x")):
        (tmp_path / sibling).write_text(text)
        assert content_hash([shp]) == digest, sibling
        r = cli("monitor", "add", store, "--kind", "coastline", shp, "--date", "2026-06-30")
        assert r.exit_code == 2 and "the same data is stored already as #1" in r.output, sibling
    (tmp_path / "coast1.cpg").write_text("GBK")  # a member: the code page changes what the file says
    assert content_hash([shp]) != digest


# --- 6. columns a store keeps for itself ---------------------------------------------------------------------------
def _awkward_frames():
    base = [line(0, 1000), line(1000, 2000), line(2000, 3000), line(3000, 4000)]
    ids = {"id": [1, 2, 3, 4]}
    one = gpd.GeoDataFrame({**ids, "class": ["sandy", "artificial", "sandy", "bedrock"], "fid": ["a", "a", "b", "c"]},
                           geometry=base, crs=CRS)
    two = gpd.GeoDataFrame({**ids, "class": ["sandy", "sandy", "artificial", "bedrock"], "FID": [1, 1, 2, 3]},
                           geometry=base, crs=CRS)
    three = gpd.GeoDataFrame({**ids, "class": ["sandy", "sandy", "sandy", "bedrock"], "ecozone_row": [1] * 4,
                              "a" * 70 + "1": [1] * 4, "a" * 70 + "2": [2] * 4}, geometry=base, crs=CRS)
    return [("2026-01-01", one, "fid", ["a", "a", "b", "c"]), ("2026-02-01", two, "FID", [1, 1, 2, 3]),
            ("2026-03-01", three, "ecozone_row", [1] * 4)]


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_fid_and_other_awkward_columns_are_stored_on_both_stores(backend, tmp_path, request):
    store = new_store(tmp_path) if backend == "gpkg" else request.getfixturevalue("postgis_url")
    if backend == "postgis":
        assert cli("monitor", "init", store).exit_code == 0
    for day, frame, column, values in _awkward_frames():
        r = add(store, "coastline", frame, day, tmp_path)
        assert r.exit_code == 0, r.output
        assert f"column {column!r} stored as" in r.output
    s = open_store(store)
    stored = [s.load(x) for x in s.surveys()]
    for got, (_, frame, column, values) in zip(stored, _awkward_frames()):
        renamed = [c for c in got.columns if c.casefold().startswith(column.casefold() + "_")]
        assert len(renamed) == 1 and got[renamed[0]].tolist() == values  # the values kept, under a new name
        assert got["class"].tolist() == frame["class"].tolist()
    assert sum(len(c) > 63 for c in stored[2].columns) == 0 and len(stored[2].columns) == len(_awkward_frames()[2][1].columns)
    doc = report_json(store, tmp_path / "out")
    # by hand: 3 of 4 km natural (sandy, sandy, bedrock), 3 of 4, 4 of 4
    assert [r["retention"] for r in doc["tables"]["coastline_retention"]] == pytest.approx([0.75, 0.75, 1.0])


def _same_report(a: dict, b: dict) -> bool:
    for d in (a, b):
        d.pop("generated_at"), d.pop("store")
        for r in d["tables"]["surveys"]:
            r.pop("added_at")
    return a == b


def test_awkward_columns_give_the_same_report_on_both_stores(tmp_path, postgis_url):
    docs = []
    for store in (new_store(tmp_path), postgis_url):
        if store == postgis_url:
            assert cli("monitor", "init", store).exit_code == 0
        for day, frame, *_ in _awkward_frames():
            assert add(store, "coastline", frame, day, tmp_path).exit_code == 0
        docs.append(report_json(store, tmp_path / f"out{len(docs)}"))
    assert _same_report(*docs)


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_a_failed_add_leaves_the_numbering_as_it_was(backend, tmp_path, request):
    store = str(tmp_path / "m.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_url")
    s = open_store(store)
    s.init()
    bad = gpd.GeoDataFrame({"class": ["sandy"], "note": ["a\x00b"]}, geometry=[line(0, 1000)], crs=CRS)
    try:
        s.add(bad, kind="coastline", date="2026-01-01", sources=[])
    except Exception as exc:  # noqa: BLE001 - a store may refuse a NUL in text; PostgreSQL does
        assert "database URL" not in str(exc)
        if backend == "postgis":
            assert "refused the survey's data" in str(exc) and "check the file's columns" in str(exc)
    good = gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 2000)], crs=CRS)
    ids = [x.id for x in s.surveys()]
    new = s.add(good, kind="coastline", date="2026-02-01", sources=[])
    assert new.id == len(ids) + 1  # the next number after the stored ones: none used up by the failed add


# --- 7. a read-only store -----------------------------------------------------------------------------------------
def _as_other_user(args, folder: Path):
    """Run ``ecozone ARGS`` as a user without write permission: nobody (as root, whom permissions do not stop)."""
    cmd = [sys.executable, "-m", "ecozone", *map(str, args)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            if os.environ.get("CI"):
                pytest.fail("setpriv missing in CI")
            pytest.skip("running as root without setpriv: no unprivileged user to test with")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(folder)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=folder)


def test_a_read_only_store_or_folder_is_exit_2_naming_the_path(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="ecozone-ro-"))  # world-readable, so the other user reaches it
    try:
        folder.chmod(0o755)
        src = folder / "coast.geojson"
        gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS).to_file(src)
        src.chmod(0o644)
        ro_file = folder / "ro.gpkg"
        assert cli("monitor", "init", ro_file).exit_code == 0
        ro_file.chmod(0o444)
        ro_dir = folder / "rodir"
        ro_dir.mkdir()
        in_dir = ro_dir / "x.gpkg"
        assert cli("monitor", "init", in_dir).exit_code == 0
        in_dir.chmod(0o666)
        ro_dir.chmod(0o555)
        for args, path in ((["monitor", "add", ro_file, "--kind", "coastline", src, "--date", "2026-12-31"], ro_file),
                           (["monitor", "add", in_dir, "--kind", "coastline", src, "--date", "2026-12-31"], ro_dir),
                           (["monitor", "init", ro_dir / "new.gpkg"], ro_dir)):
            p = _as_other_user(args, folder)
            assert p.returncode == 2, p.stderr
            assert p.stderr.count("\n") == 1 and str(path) in p.stderr and "permission" in p.stderr, p.stderr
        assert [x.id for x in open_store(ro_file).surveys()] == [] and not (ro_dir / "new.gpkg").exists()
    finally:
        for p in folder.rglob("*"):
            p.chmod(0o755)
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


# --- 8. every credential form masked ----------------------------------------------------------------------------
FORMS = ["postgresql://user@127.0.0.1:1/db?password=Secret99",
         "postgresql:///db?host=127.0.0.1&port=1&user=u&password=Secret99",
         "postgresql://user:abc@Secret99@127.0.0.1:1/db",
         "postgresql://user:Secret99@127.0.0.1:1/db"]


@pytest.mark.parametrize("url", FORMS)
def test_every_credential_form_is_masked(url):
    assert "Secret99" not in mask_url(url) and "***" in mask_url(url)
    assert "abc" not in mask_url(url)
    assert "Secret99" not in mask_text(f"could not connect to {url} (password=Secret99)", None)
    r = cli("monitor", "list", url)  # nothing listens on port 1: the error names the store, masked
    assert r.exit_code == 2 and "Secret99" not in r.output and "***" in r.output and r.output.count("\n") == 1


def test_credentials_never_show_with_a_real_database(tmp_path, postgis_url):
    import sqlalchemy

    from .postgis import PASSWORD

    odd = "p@ss/w" + PASSWORD[::-1]  # an unencoded @ and / in the password
    admin = sqlalchemy.create_engine(postgis_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text("DROP ROLE IF EXISTS odd_user"))
        conn.execute(sqlalchemy.text(f"CREATE ROLE odd_user LOGIN SUPERUSER PASSWORD '{odd}'"))
    admin.dispose()
    rest = postgis_url.split("@", 1)[1]
    query_form = f"postgresql://ecozone@{rest}?password={PASSWORD}"
    at_form = f"postgresql://odd_user:{odd}@{rest}"
    src = tmp_path / "coast.geojson"
    gpd.GeoDataFrame({"class": ["sandy"], "name": ["x"]}, geometry=[line(0, 1000)], crs=CRS).to_file(src)
    outputs = [cli("monitor", "init", query_form).output,
               cli("monitor", "add", query_form, "--kind", "coastline", src, "--date", "2026-01-01", "--label", "q").output]
    for url in (query_form, at_form):
        r = cli("monitor", "list", url)
        assert r.exit_code == 0 and "1 survey versions" in r.output, r.output
        outputs.append(r.output)
        out = tmp_path / f"out{len(outputs)}"
        assert cli("monitor", "report", url, "-o", out).exit_code == 0
        outputs += [p.read_text("utf-8") for p in out.iterdir() if p.suffix in (".json", ".md", ".html", ".csv")]
    outputs.append(cli("monitor", "list", at_form.replace(odd, odd + "x")).output)  # wrong password: refused, masked
    for text in outputs:
        assert PASSWORD not in text and odd not in text and "ss/w" not in text


# --- 9. the survey date ----------------------------------------------------------------------------------------------
def test_the_survey_date_is_one_calendar_day(tmp_path):
    store = new_store(tmp_path)
    src = tmp_path / "coast.geojson"
    gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS).to_file(src)
    for bad in ("2026", "46000", "2026-06", "2026-02-30", "20260630", "2026/06/30"):
        r = cli("monitor", "add", store, "--kind", "coastline", src, "--date", bad)
        assert r.exit_code == 2 and "YYYY-MM-DD" in r.output and r.output.count("\n") == 1, (bad, r.output)
    assert open_store(store).surveys() == []
    assert cli("monitor", "add", store, "--kind", "coastline", src, "--date", "2026-06-30").exit_code == 0
    assert [x.date for x in open_store(store).surveys()] == ["2026-06-30"]


# --- 10. one current survey per kind and date ----------------------------------------------------------------------
def test_a_second_current_survey_of_a_kind_and_date_is_refused_unless_a_correction(tmp_path):
    store = new_store(tmp_path)
    one = gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS)
    two = gpd.GeoDataFrame({"class": ["artificial"]}, geometry=[line(0, 1000)], crs=CRS)
    assert add(store, "coastline", one, "2026-06-30", tmp_path).exit_code == 0
    other = tmp_path / "other.geojson"
    two.to_file(other)
    r = cli("monitor", "add", store, "--kind", "coastline", other, "--date", "2026-06-30")
    assert r.exit_code == 2 and "monitor correct 1" in r.output and r.output.count("\n") == 1
    red = gpd.GeoDataFrame({"id": ["R"], "type": ["biodiversity"]}, geometry=[sq(0, 0)], crs=CRS)
    assert add(store, "redline", red, "2026-06-30", tmp_path).exit_code == 0  # another kind on that date: stored
    r = cli("monitor", "correct", store, "1", "--file", other, "--reason", "re-checked")
    assert r.exit_code == 0, r.output
    assert [(x.id, x.current) for x in open_store(store).surveys() if x.kind == "coastline"] == [(1, False), (3, True)]


def test_charts_place_each_value_at_its_own_survey():
    doc = {"targets": {}, "tables": {
        "coastline_retention": [{"survey": 1, "date": "2026-06-30", "retention": 0.5},
                                {"survey": 2, "date": "2026-06-30", "retention": 0.6}],
        "coastline_retention_by_bay": [{"survey": 2, "date": "2026-06-30", "bay": "东湾", "retention": 0.7}]}}
    svg = chart_figures(doc, "en")[0][0]
    assert "东湾: 2026-06-30 —, 2026-06-30 70.0%" in svg  # at survey 2, not at the date's first survey


# --- 11. the listing and the messages escaped -----------------------------------------------------------------------
def test_list_and_messages_escape_labels_notes_and_reasons(tmp_path):
    store = new_store(tmp_path)
    forged = "Q1\n#9    coastline    2030-01-01  FAKE      9 features  forged.shp"
    r = add(store, "coastline", gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS),
            "2026-03-31", tmp_path, "--label", forged)
    assert r.exit_code == 0 and r.output.count("\n") == 1 and "\\n#9" in r.output
    fixed = tmp_path / "fixed.geojson"
    gpd.GeoDataFrame({"class": ["artificial"]}, geometry=[line(0, 1000)], crs=CRS).to_file(fixed)
    r = cli("monitor", "correct", store, "1", "--file", fixed, "--reason", "\x1b[2J\x1b[31mRED\u202e")
    assert r.exit_code == 0 and "\x1b" not in r.output
    listing = cli("monitor", "list", store).output
    assert listing.count("\n") == 3  # the header and one line per survey version
    assert "\x1b" not in listing and "\u202e" not in listing and "\\x1b[2J" in listing and "\\u202e" in listing
    assert not any(line.startswith("#9") for line in listing.splitlines())


# --- 12. a refused report writes nothing ------------------------------------------------------------------------------
def test_a_refused_report_leaves_no_partial_report(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    store = str(out / "report.html")  # the store is named like one of the report's files, inside -o
    assert cli("monitor", "init", store).exit_code == 0
    assert add(store, "coastline", gpd.GeoDataFrame({"class": ["sandy"]}, geometry=[line(0, 1000)], crs=CRS),
               "2026-01-01", tmp_path).exit_code == 0
    before = open(store, "rb").read()
    r = cli("monitor", "report", store, "-o", out, "--overwrite")
    assert r.exit_code == 2 and "report.html" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["report.html"] and open(store, "rb").read() == before
