"""The monitoring store, on a GeoPackage and on a real PostGIS: one transaction per add (SIGKILL inside it leaves
the store as it was), the writer lock (a second add waits, then succeeds or exits 2), the same data refused
(hash over every file of a Shapefile or a FileGDB folder), corrections, an older schema read, and the password
never shown."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner

from ecozone.cli import main
from ecozone.store import content_hash, open_store
from ecozone.store.base import PAUSE_ENV

from . import monitor_data as data
from .conftest import REPO

BACKENDS = ["gpkg", "postgis"]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A new store with one coastline survey; its location."""
    location = str(tmp_path / "m.gpkg") if request.param == "gpkg" else request.getfixturevalue("postgis_url")
    history = data.write_history(tmp_path / "in")
    assert cli("monitor", "init", location).exit_code == 0
    kind, path, day, label = history[0]
    assert cli("monitor", "add", location, "--kind", kind, path, "--date", day, "--label", label).exit_code == 0
    return location


def history(tmp_path):
    return data.write_history(tmp_path / "in")


def spawn(*args, env_extra=None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "ecozone", *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(marker: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the add ended before pausing: {proc.communicate()}")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError("the add never reached its pause")
        time.sleep(0.05)


def snapshot(location: str) -> list:
    """What a reader sees: every survey version and every feature of each."""
    s = open_store(location)
    out = []
    for x in s.surveys():
        frame = s.load(x)
        out.append((x.id, x.kind, x.date, x.sha256, x.current, len(frame), frame.geometry.to_wkt().tolist()))
    return out


def file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_killing_add_inside_its_transaction_leaves_the_store_unchanged(store, tmp_path):
    before = snapshot(store)
    gpkg = not store.startswith("postgresql")
    if gpkg:
        layers_before, bytes_before = pyogrio.list_layers(store).tolist(), file_digest(store)
    kind, path, day, _ = history(tmp_path)[1]
    marker = tmp_path / "paused"
    proc = spawn("monitor", "add", store, "--kind", kind, path, "--date", day, env_extra={PAUSE_ENV: str(marker)})
    wait_for(marker, proc)  # the layer and the row are written, not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    if gpkg:
        assert Path(store + "-journal").exists()  # the killed writer's unfinished transaction
    assert snapshot(store) == before  # readable, and as it was
    if gpkg:
        assert file_digest(store) == bytes_before and pyogrio.list_layers(store).tolist() == layers_before
    else:
        import sqlalchemy

        engine = sqlalchemy.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            tables = set(sqlalchemy.inspect(conn).get_table_names())
        engine.dispose()
        assert {t for t in tables if t.startswith("ecozone_survey_")} == {"ecozone_survey_1"}
    r = cli("monitor", "add", store, "--kind", kind, path, "--date", day)  # the lock went with the killed writer
    assert r.exit_code == 0, r.output
    assert [x[2] for x in snapshot(store)] == list(data.DATES[:2])


def test_a_second_add_waits_for_the_first(store, tmp_path):
    runs = history(tmp_path)
    marker = tmp_path / "paused"
    first = spawn("monitor", "add", store, "--kind", runs[1][0], runs[1][1], "--date", runs[1][2],
                  env_extra={PAUSE_ENV: f"{marker}:6"})
    wait_for(marker, first)  # the first holds the writer lock for 6 s from here (the second starts within it)
    held_from = time.monotonic()
    second = spawn("monitor", "add", store, "--kind", runs[2][0], runs[2][1], "--date", runs[2][2], "--lock-timeout", "120")
    done: dict[str, float] = {}
    end = time.monotonic() + 240
    while len(done) < 2 and time.monotonic() < end:
        for name, proc in (("first", first), ("second", second)):
            if name not in done and proc.poll() is not None:
                done[name] = time.monotonic()
        time.sleep(0.05)
    out1, out2 = first.communicate(timeout=60), second.communicate(timeout=60)
    assert first.returncode == 0, out1
    assert second.returncode == 0, out2
    assert first.poll() is not None and done["second"] - held_from >= 5.5  # it waited for the first's commit
    surveys = open_store(store).surveys()
    assert [x.date for x in surveys] == list(data.DATES)
    by_date = {x.date: x.id for x in surveys}
    assert by_date[data.DATES[1]] < by_date[data.DATES[2]]  # numbered in the order they committed


def test_a_second_add_gives_up_after_its_timeout_with_exit_2(store, tmp_path):
    runs = history(tmp_path)
    marker = tmp_path / "paused"
    first = spawn("monitor", "add", store, "--kind", runs[1][0], runs[1][1], "--date", runs[1][2],
                  env_extra={PAUSE_ENV: f"{marker}:8"})
    wait_for(marker, first)  # 8 s: the second starts (1–3 s) and gives up after its 1 s within them
    second = spawn("monitor", "add", store, "--kind", runs[2][0], runs[2][1], "--date", runs[2][2], "--lock-timeout", "1")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "writer lock" in err and "--lock-timeout" in err and err.count("\n") == 1
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert [x[2] for x in snapshot(store)] == list(data.DATES[:2])  # the first add's survey, nothing of the second


def test_the_same_data_twice_is_refused(store, tmp_path):
    kind, path, day, _ = history(tmp_path)[0]
    copy = tmp_path / "renamed.geojson"
    copy.write_bytes(Path(path).read_bytes())
    r = cli("monitor", "add", store, "--kind", kind, copy, "--date", "2027-01-01")
    assert r.exit_code == 2 and "the same data is stored already as #1" in r.output
    assert len(open_store(store).surveys()) == 1


def test_hash_covers_every_file_of_a_shapefile_and_a_filegdb(tmp_path):
    frame = data.coastlines()[0]
    shp = tmp_path / "a" / "coast.shp"
    shp.parent.mkdir()
    frame.to_file(shp)
    digest = content_hash([shp])
    other = tmp_path / "b" / "another_name.shp"  # the same members under another name: the same data
    other.parent.mkdir()
    for member in shp.parent.iterdir():
        (other.parent / ("another_name" + member.suffix)).write_bytes(member.read_bytes())
    assert content_hash([other]) == digest
    (other.parent / "another_name.dbf").write_bytes((shp.parent / "coast.dbf").read_bytes() + b" ")  # only the .dbf
    assert content_hash([other]) != digest
    gdb = tmp_path / "survey.gdb"
    pyogrio.write_dataframe(frame, gdb, driver="OpenFileGDB", layer="coast")
    folder = content_hash([gdb])
    files = sorted(p for p in gdb.rglob("*") if p.is_file())
    assert len(files) > 3
    files[-1].write_bytes(files[-1].read_bytes() + b"\0")
    assert content_hash([gdb]) != folder


def test_a_shapefile_stored_twice_under_two_names_is_refused(tmp_path):
    location = str(tmp_path / "m.gpkg")
    assert cli("monitor", "init", location).exit_code == 0
    frame = data.coastlines()[0]
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        frame.to_file(tmp_path / name / f"{name}.shp")
    for member in (tmp_path / "first").iterdir():  # byte-identical members
        (tmp_path / "second" / ("second" + member.suffix)).write_bytes(member.read_bytes())
    assert cli("monitor", "add", location, "--kind", "coastline", tmp_path / "first" / "first.shp", "--date", "2026-03-31").exit_code == 0
    r = cli("monitor", "add", location, "--kind", "coastline", tmp_path / "second" / "second.shp", "--date", "2026-06-30")
    assert r.exit_code == 2 and "stored already" in r.output


def test_correct_supersedes_and_the_old_version_stays_readable(store, tmp_path):
    runs = history(tmp_path)
    fixed = tmp_path / "fixed.geojson"
    data.coastlines()[1].to_file(fixed)
    r = cli("monitor", "correct", store, "2026Q1", "--file", fixed, "--reason", "classes re-checked in the field")
    assert r.exit_code == 0, r.output
    s = open_store(store)
    old, new = s.find(1), s.find(2)
    assert old.superseded_by == 2 and new.supersedes == 1 and new.reason == "classes re-checked in the field"
    assert (new.kind, new.date, new.label) == (old.kind, old.date, old.label)
    assert len(s.load(old)) == 4 and len(s.load(new)) == 6  # the old version is still there, as it was
    assert [x.id for x in s.current()] == [2]
    listing = cli("monitor", "list", store).output
    assert "superseded by #2" in listing and "corrects #1: classes re-checked" in listing
    out = tmp_path / "out"
    assert cli("monitor", "report", store, "-o", out).exit_code == 0
    rows = json.loads((out / "report.json").read_text("utf-8"))["tables"]["coastline_retention"]
    assert [(r["survey"], round(r["retention"], 6)) for r in rows] == [(2, 0.5)]  # the corrected version counts
    r = cli("monitor", "correct", store, "1", "--file", runs[2][1], "--reason", "again")
    assert r.exit_code == 2 and "corrected already by #2" in r.output


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_of_schema_version_1_reads_and_migrates(backend, tmp_path, request):
    location = str(tmp_path / "old.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_url")
    s = open_store(location)
    s.init(version=1)  # as an older ecozone made it: no `simulated` column
    runs = history(tmp_path)
    frame = gpd.read_file(runs[0][1])
    record = {"kind": "coastline", "date": runs[0][2], "label": "old", "note": None, "sha256": content_hash([runs[0][1]]),
              "source": runs[0][1].name, "features": len(frame), "crs": frame.crs.to_wkt(), "layer": "",
              "supersedes": None, "reason": None, "added_at": "2025-01-01T00:00:00+00:00"}
    s._add(record, frame, lambda rows: None, 5.0)  # an older ecozone's add
    assert s.schema_version() == 1
    (old,) = s.surveys()
    assert old.simulated is False and len(s.load(old)) == 4
    assert cli("monitor", "report", location, "-o", tmp_path / "out").exit_code == 0
    r = cli("monitor", "add", location, "--kind", runs[1][0], runs[1][1], "--date", runs[1][2], "--simulated")
    assert r.exit_code == 0, r.output
    assert s.schema_version() == 2
    assert [(x.label, x.simulated) for x in s.surveys()] == [("old", False), (None, True)]


def test_the_password_never_shows(postgis_url, tmp_path):
    from .postgis import PASSWORD

    assert PASSWORD in postgis_url
    runs = history(tmp_path)
    outputs = [cli("monitor", "init", postgis_url).output]
    outputs.append(cli("-v", "monitor", "add", postgis_url, "--kind", runs[0][0], runs[0][1], "--date", runs[0][2]).output)
    outputs.append(cli("monitor", "list", postgis_url).output)
    outputs.append(cli("monitor", "list", postgis_url, "--json").output)
    r = cli("monitor", "report", postgis_url, "-o", tmp_path / "out")
    outputs.append(r.output)
    assert "***@" in outputs[2]
    wrong = postgis_url.replace(PASSWORD, "Wr0ng-" + PASSWORD[::-1])
    bad = cli("monitor", "list", wrong)
    assert bad.exit_code == 2 and "***" in bad.output and "password authentication failed" in bad.output
    outputs.append(bad.output)
    files = [p.read_text("utf-8") for p in (tmp_path / "out").iterdir() if p.suffix in (".json", ".md", ".html", ".csv")]
    for text in outputs + files:
        assert PASSWORD not in text and PASSWORD[::-1] not in text
    env = {k: v for k, v in os.environ.items()}
    env["PGPASSWORD"] = PASSWORD  # the password from the environment, the URL without it
    bare = postgis_url.replace(":" + PASSWORD + "@", "@")
    proc = subprocess.run([sys.executable, "-m", "ecozone", "monitor", "list", bare], env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "1 survey versions" in proc.stdout and PASSWORD not in proc.stdout + proc.stderr


def test_stored_layers_have_spatial_indexes(store):
    if store.startswith("postgresql"):
        import sqlalchemy

        engine = sqlalchemy.create_engine(store.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            defs = [r[0] for r in conn.execute(sqlalchemy.text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'ecozone_survey_1'"))]
        engine.dispose()
        assert any("USING gist" in d for d in defs), defs
    else:
        import sqlite3

        con = sqlite3.connect(store)
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'survey_1'").fetchone()[0]
        assert con.execute(f"SELECT count(*) FROM rtree_survey_1_{geom}").fetchone()[0] == 4  # one box per feature
        ext = con.execute("SELECT extension_name FROM gpkg_extensions WHERE table_name = 'survey_1'").fetchall()
        con.close()
        assert ("gpkg_rtree_index",) in ext
        # GDAL reads the survey through its index: a bounding-box filter picks the one segment inside it
        box = (data.X0 + 100, data.COAST_Y - 10, data.X0 + 200, data.COAST_Y + 10)
        assert len(pyogrio.read_dataframe(store, layer="survey_1", bbox=box)) == 1
