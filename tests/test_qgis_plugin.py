"""The QGIS plugin without QGIS (issue 23): its algorithms.json is current and says what the click commands say,
``ecozone qgis-plugin --zip`` writes an installable zip, ``--progress json`` lines, and the plugin's runner
(plain Python: it finds the command, writes its command line, reads its progress, maps its exit status).

tests/test_qgis_process.py runs the plugin in a real QGIS.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from pandas import testing as pd_testing
from click.testing import CliRunner

from ecozone._version import __version__
from ecozone.errors import EcozoneError
from ecozone.outputs import MARKER
from ecozone.cli import main
from ecozone.qgis_plugin import ALGORITHMS, PLUGIN, algorithms, algorithms_json

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "qgis_plugin" / PLUGIN
DEMO = ROOT / "layers" / "yantai"


def load_runner():
    spec = importlib.util.spec_from_file_location("ecozone_qgis_runner", SOURCE / "runner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load_runner()
STRINGS = {"target_missed": "MISSED", "bad_input": "BAD", "internal_error": "INTERNAL {detail} report it", "crs_hint": "HINT",
           "version_mismatch": "UPGRADE", "not_ecozone": "NOT ECOZONE ({detail})", "crs_assign": "(ASSIGN {crs})",
           "crs_words": "ASSIGNED CRS"}


def test_algorithms_json_is_current():
    assert (SOURCE / "algorithms.json").read_text("utf-8") == algorithms_json(main.commands), \
        "algorithms.json is out of date; fix: ecozone qgis-plugin --json qgis_plugin/ecozone_qgis/algorithms.json --overwrite"


def test_every_option_a_user_sets_is_a_parameter_with_the_commands_choices_and_defaults():
    doc = algorithms(main.commands)
    assert [a["id"] for a in doc["algorithms"]] == list(ALGORITHMS)
    plugin_sets = {"overwrite", "engine", "scheduler", "partitions", "input_crs", "help"}
    for algo in doc["algorithms"]:
        command = main.commands[algo["command"]]
        declared = ALGORITHMS[algo["id"]]
        by_name = {p["name"]: p for p in algo["parameters"]}
        for param in command.params:  # the oracle: click's own description of the command
            flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
            if param.name in plugin_sets or (param.name.endswith("_crs") and flag != "--crs") or flag in declared.fixed \
                    or flag in declared.hidden:
                assert param.name not in by_name
                continue
            if flag == declared.output[0]:
                assert algo["output"]["flag"] == flag
                continue
            entry = by_name.pop(param.name)
            assert entry["optional"] is (not param.required), (algo["id"], param.name)
            if getattr(param, "help", None):  # click's arguments have none
                assert entry["help"] == " ".join(param.help.split()), (algo["id"], param.name)
            if isinstance(param.type, click.Choice) and flag not in declared.fields:
                assert entry["type"] == "enum" and entry["choices"] == list(param.type.choices)
                # click's "no default" (None, or its UNSET sentinel) is no default in QGIS either
                assert entry["default"] == (param.default if isinstance(param.default, str) else None)
            if getattr(param, "is_flag", False):
                assert entry["type"] == "bool" and entry["default"] is False
        assert by_name == {}, f"{algo['id']}: parameters that are no option of ecozone {algo['command']}: {list(by_name)}"


def test_layer_inputs_are_filtered_by_their_kinds_geometry_and_fields_pick_from_their_layer():
    doc = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}
    params = {(a, p["name"]): p for a, algo in doc.items() for p in algo["parameters"]}
    assert params["coastline_retention", "coastline"]["geometry"] == "line"  # KINDS["coastline"]: lines
    assert params["coverage", "zones"]["geometry"] == "polygon"
    assert params["coverage", "layers"]["multiple"] is True
    assert params["conflicts", "layer"]["geometry"] == "any"
    assert params["coastline_retention", "class_field"].items() >= {"type": "field", "parent": "coastline",
                                                                    "default": "class"}.items()
    assert params["sea_zones", "zone_field"]["parent"] == "districts"
    assert params["restoration", "by"]["many"] is True and params["restoration", "by"]["default"] == "type,status,year"
    assert params["conflicts", "rules"]["multiple"] is True
    assert params["land_use", "survey"]["layer_name"] == "DLTB"
    assert params["audit", "config"]["flag"] is None and params["audit", "config"]["type"] == "file"
    assert "an audit: layers, targets and settings" in params["audit", "config"]["help"]
    assert doc["audit"]["output"]["load"] == ["layers.gpkg", "indicators.csv"]
    assert ["--format", "json,csv,md,html,gpkg"] in doc["audit"]["fixed"]
    # the audit's help lists the config's keys, from the audit spec
    from ecozone.audit.spec import AUDIT_SPEC

    for name, key in AUDIT_SPEC.keys.items():
        assert f"{name}: {key.en} / {key.zh}" in doc["audit"]["help"]


def test_an_undeclared_file_option_is_refused():
    @click.command()
    @click.option("--zones", type=click.Path())
    @click.option("--mystery", type=click.Path())
    @click.option("-o", "--out", type=click.Path())
    def coverage(zones, mystery, out):
        """A command."""

    commands = dict(main.commands, coverage=coverage)
    with pytest.raises(EcozoneError, match="--mystery: a file option the QGIS plugin does not know"):
        algorithms(commands)


def test_qgis_plugin_zip_is_installable_and_refuses_to_overwrite(tmp_path):
    result = CliRunner().invoke(main, ["qgis-plugin", "--zip", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{PLUGIN}-{__version__}.zip"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert {n.split("/")[0] for n in names} == {PLUGIN}
        expected = {f"{PLUGIN}/{p.relative_to(SOURCE).as_posix()}" for p in SOURCE.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts}
        assert set(names) == expected
        metadata = archive.read(f"{PLUGIN}/metadata.txt").decode("utf-8")
        assert f"version={__version__}" in metadata.splitlines() and "hasProcessingProvider=yes" in metadata
        # the keys QGIS's plugin template marks mandatory (and tracker/homepage), none empty
        keys = dict(ln.split("=", 1) for ln in metadata.splitlines() if "=" in ln)
        for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository",
                    "tracker", "homepage"):
            assert keys.get(key, "").strip(), key
        assert archive.read(f"{PLUGIN}/algorithms.json").decode("utf-8") == algorithms_json(main.commands)
    again = CliRunner().invoke(main, ["qgis-plugin", "--zip", str(tmp_path)])
    assert again.exit_code == 2 and "exists already" in again.output
    assert CliRunner().invoke(main, ["qgis-plugin", "--zip", str(tmp_path), "--overwrite"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    # --json FILE --zip DIR with the zip there already: refused before FILE is written
    both = CliRunner().invoke(main, ["qgis-plugin", "--json", str(tmp_path / "new.json"), "--zip", str(tmp_path)])
    assert both.exit_code == 2 and "exists already" in both.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_the_plugin_is_python_that_qgis_3_22_bundles_can_parse():
    # QGIS 3.22 on Windows bundles Python 3.9: no match statements, no parenthesised context managers
    for path in SOURCE.glob("*.py"):
        ast.parse(path.read_text("utf-8"), filename=str(path), feature_version=(3, 9))


def ecozone(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def progress_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_progress_json_lines_run_from_started_to_finished(tmp_path):
    proc = ecozone("--progress", "json", "coverage", "--zones", str(DEMO / "districts.geojson"), "--layer",
                   str(DEMO / "redline_land.geojson"), "-o", str(tmp_path / "c.csv"))
    assert proc.returncode == 0, proc.stderr
    lines = progress_lines(proc.stderr)
    # in json mode stderr holds JSON lines only: the notes too (stage "note", the fraction reached so far)
    assert len(lines) == len(proc.stderr.splitlines())
    assert [d["stage"] for d in lines if d["stage"] != "note"] == ["started", "read", "measured", "written", "finished"]
    fractions = [d["fraction"] for d in lines]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    assert {d["command"] for d in lines} == {"coverage"} and {d["ecozone_progress"] for d in lines} == {1}
    plain = ecozone("coverage", "--zones", str(DEMO / "districts.geojson"), "--layer", str(DEMO / "redline_land.geojson"),
                    "-o", str(tmp_path / "d.csv"))
    assert progress_lines(plain.stderr) == []
    # the oracle: the note lines the command prints without --progress json, the same words
    notes = [f"ecozone: {d['message']}" for d in lines if d["stage"] == "note"]
    assert notes and notes == plain.stderr.splitlines()
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "d.csv").read_bytes()


def test_progress_json_of_a_failing_command_ends_with_the_error_line(tmp_path):
    proc = ecozone("--progress", "json", "coverage", "--zones", str(tmp_path / "missing.gpkg"), "--layer",
                   str(DEMO / "redline_land.geojson"))
    assert proc.returncode == 2
    assert [d["stage"] for d in progress_lines(proc.stderr)] == ["started"]
    assert proc.stderr.splitlines()[-1].startswith("ecozone: error: ")


def test_the_audit_says_each_indicator_and_writes_the_layers_of_export_results(tmp_path):
    proc = ecozone("--progress", "json", "audit", str(DEMO / "audit.toml"), "-o", str(tmp_path / "a"), "-f", "json,gpkg")
    assert proc.returncode == 1, proc.stderr  # the demo misses targets
    report = json.loads((tmp_path / "a" / "report.json").read_text("utf-8"))
    lines = progress_lines(proc.stderr)
    measuring = [d["message"] for d in lines if d["stage"] == "measuring"]
    assert measuring == [f"measuring {i['id']}" for i in report["indicators"]]
    fractions = [d["fraction"] for d in lines]
    assert fractions == sorted(fractions) and lines[-1]["stage"] == "finished"  # exit 1 is a run that ended
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [MARKER, "layers.gpkg", "report.json"]
    # the oracle: the same layers written by ecozone export from the same config
    exported = ecozone("export", "--config", str(DEMO / "audit.toml"), "--results", "-f", "gpkg", "-o", str(tmp_path / "e.gpkg"))
    assert exported.returncode == 0, exported.stderr
    import geopandas as gpd
    import pyogrio

    names = [n for n, _ in pyogrio.list_layers(tmp_path / "e.gpkg")]
    assert [n for n, _ in pyogrio.list_layers(tmp_path / "a" / "layers.gpkg")] == names
    for name in names:
        got, want = (gpd.read_file(tmp_path / f, layer=name) for f in ("a/layers.gpkg", "e.gpkg"))
        pd_testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns="geometry"))
        assert got.geometry.geom_equals_exact(want.geometry, tolerance=0).all(), name


def test_runner_reads_progress_and_maps_the_exit_status(tmp_path):
    spec = next(a for a in algorithms(main.commands)["algorithms"] if a["id"] == "coverage")
    out = str(tmp_path / "c.csv")
    argv = runner.command_line([sys.executable, "-m", "ecozone"], spec,
                               {"zones": str(DEMO / "districts.geojson"), "layers": [str(DEMO / "redline_land.geojson")],
                                "zone_field": "name", "area_method": "ellipsoidal", "by": None}, out)
    assert argv[3:] == ["--progress", "json", "coverage", "--zones", str(DEMO / "districts.geojson"), "--layer",
                        str(DEMO / "redline_land.geojson"), "--zone-field", "name", "--area-method", "ellipsoidal",
                        "--out", out, "--overwrite"]
    seen, lines = [], []
    outcome = runner.run(argv, lambda f, m: seen.append((f, m)), lambda t, e: lines.append(t))
    assert outcome.code == 0 and outcome.error is None and os.path.exists(out)
    assert seen[0] == (0.0, "started") and seen[-1] == (1.0, "finished")
    assert not any(t.startswith("{") for t in lines)  # progress lines are not echoed as text
    assert runner.verdict(outcome, {}, STRINGS) == ("ok", "")
    # bad input: exit 2, the message names the QGIS layer in place of the temporary GeoPackage written for it
    temp = str(tmp_path / "zones_0.gpkg")
    (tmp_path / "zones_0.gpkg").write_text("not a geopackage")
    bad = runner.run(runner.command_line([sys.executable, "-m", "ecozone"], spec,
                                         {"zones": temp, "layers": [str(DEMO / "redline_land.geojson")]}, out))
    level, text = runner.verdict(bad, {temp: ("我的区县", True)}, STRINGS)
    assert bad.code == 2 and level == "error" and text.startswith("ecozone: layer '我的区县'") and temp not in text


def test_an_older_ecozone_without_progress_json_is_named_as_such(tmp_path):
    # an ecozone made before --progress existed: click's usage error, exit 2
    old = tmp_path / "ecozone"
    old.write_text("#!/bin/sh\necho \"ecozone: error: No such option '--progress'; fix: see ecozone --help\" >&2\nexit 2\n")
    old.chmod(0o755)
    outcome = runner.run([str(old), "--progress", "json", "coverage"])
    assert runner.verdict(outcome, {}, STRINGS) == \
        ("error", "ecozone: No such option '--progress'; fix: see ecozone --help UPGRADE")


def test_a_canceled_run_stops_the_command():
    slow = [sys.executable, "-c", "import json, sys, time; print(json.dumps({'ecozone_progress': 1, 'stage': 'read', "
            "'fraction': 0.1, 'message': 'x'}), file=sys.stderr, flush=True); time.sleep(60)"]
    seen = []
    outcome = runner.run(slow, lambda f, m: seen.append(f), canceled=lambda: bool(seen))
    assert seen == [0.1] and outcome.code != 0  # terminated at once, not after a minute


def test_verdicts_of_exit_statuses_1_and_3():
    missed = runner.Outcome(1, None, ["FAIL  x"], [], finished=True)
    assert runner.verdict(missed, {}, STRINGS) == ("warning", "MISSED")
    crash = runner.Outcome(3, "internal error: KeyError: 'x'; fix: this is a bug", [], [])
    assert runner.verdict(crash, {}, STRINGS) == ("error", "INTERNAL KeyError: 'x'; fix: this is a bug report it")
    nocrs = runner.Outcome(2, "/tmp/a/zones.shp: layer: has no coordinate reference system; fix: …", [], [])
    assert runner.verdict(nocrs, {"/tmp/a/zones.shp": ("区县", False)}, STRINGS) == \
        ("error", "ecozone: layer '区县' (/tmp/a/zones.shp): layer: has no coordinate reference system; fix: … HINT")


def fake_ecozone(tmp_path, text, status, name="ecozone"):
    """A stand-in command: prints ecozone's started line and ``text`` on stderr, exits with ``status``."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\necho '{\"ecozone_progress\": 1, \"command\": \"coverage\", \"stage\": \"started\", "
                    "\"fraction\": 0.0, \"message\": \"\"}' >&2\n" f"echo \"{text}\" >&2\nexit {status}\n")
    path.chmod(0o755)
    return path


def test_an_internal_error_is_said_once(tmp_path):
    # the line ecozone/cli/__init__.py prints for a bug, exit 3
    line = "ecozone: internal error: KeyError: 'zone'; fix: this is a bug in ecozone"
    outcome = runner.run([str(fake_ecozone(tmp_path, line, 3))])
    level, text = runner.verdict(outcome, {}, runner_strings("en"))
    assert level == "error" and text.count("internal error") == 1, text
    assert text.startswith("ecozone: internal error: KeyError: 'zone'; fix: this is a bug in ecozone. This is a bug")


def test_exit_1_without_ecozones_finished_line_is_an_error_about_the_setting(tmp_path):
    # a python without ecozone: exit 1 before ecozone ran, no "finished" line: not "a target was missed"
    nomodule = tmp_path / "python3"
    nomodule.write_text("#!/bin/sh\necho '/usr/bin/python3: No module named ecozone' >&2\nexit 1\n")
    nomodule.chmod(0o755)
    outcome = runner.run([str(nomodule), "-m", "ecozone", "--progress", "json", "coverage"])
    assert outcome.code == 1 and not outcome.finished
    assert runner.verdict(outcome, {}, STRINGS) == ("error", "NOT ECOZONE (/usr/bin/python3: No module named ecozone)")
    # find_ecozone asks such a python first (python -m ecozone --version)
    with pytest.raises(runner.RunnerError, match=r"python3: this python cannot run ecozone \(/usr/bin/python3: No module "
                                                 r"named ecozone\); fix: pip install ecozone in that environment"):
        runner.find_ecozone(str(nomodule))
    # the real ecozone, exit 1 after its finished line: a missed target
    ran = runner.run([sys.executable, "-m", "ecozone", "--progress", "json", "audit", str(DEMO / "audit.toml"), "-o",
                      str(tmp_path / "a"), "-f", "json"])
    assert ran.code == 1 and ran.finished and runner.verdict(ran, {}, STRINGS) == ("warning", "MISSED")


def runner_strings(lang):
    spec = importlib.util.spec_from_file_location("ecozone_qgis_strings", SOURCE / "strings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STRINGS[lang]


def test_crs_advice_is_said_in_qgis_terms(tmp_path):
    import geopandas as gpd

    # lon/lat coordinates labelled EPSG:4549 (metres): ecozone's message advises --input-crs EPSG:4490
    zones = gpd.read_file(DEMO / "districts.geojson").set_crs(4549, allow_override=True)
    zones.to_file(tmp_path / "lonlat.gpkg")
    spec = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}["coverage"]
    argv = runner.command_line([sys.executable, "-m", "ecozone"], spec,
                               {"zones": str(tmp_path / "lonlat.gpkg"), "layers": [str(DEMO / "redline_land.geojson")]},
                               str(tmp_path / "c.csv"))
    outcome = runner.run(argv)
    assert outcome.code == 2 and "(--input-crs EPSG:4490, or crs" in outcome.error
    level, text = runner.verdict(outcome, {str(tmp_path / "lonlat.gpkg"): ("区县", False)}, runner_strings("en"))
    assert level == "error" and "--input-crs" not in text and "manifest" not in text
    assert "fix: declare the real CRS (in QGIS: assign EPSG:4490 to the layer in Layer Properties › Source › Assigned " \
           "Coordinate Reference System) or reproject the file" in text
    # a CRS message without a flag gets the hint appended; any other --X-crs is said in QGIS's words
    other = runner.Outcome(2, "a.gpkg: layer: has no CRS; fix: pass --zones-crs", [], [])
    assert runner.verdict(other, {}, STRINGS) == ("error", "ecozone: a.gpkg: layer: has no CRS; fix: pass ASSIGNED CRS HINT")


def test_a_message_naming_no_file_names_the_qgis_layer(tmp_path):
    spec = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}["coverage"]
    argv = runner.command_line([sys.executable, "-m", "ecozone"], spec,
                               {"zones": str(DEMO / "districts.geojson"), "layers": [str(DEMO / "redline_land.geojson")],
                                "by": "nosuch"}, str(tmp_path / "c.csv"))
    outcome = runner.run(argv)
    assert outcome.code == 2 and outcome.error.startswith("layer: no field 'nosuch'")  # ecozone's word, no file
    level, text = runner.verdict(outcome, {str(DEMO / "redline_land.geojson"): ("红线", False)}, STRINGS,
                                 by_flag={"--zones": ["区县"], "--layer": ["红线"], "--by": ["红线"]})
    assert (level, text.split(";")[0]) == ("error", "ecozone: layer '红线': no field 'nosuch' to break down by (fields: id, "
                                                    "name, type, realm)")


def test_a_field_name_with_a_comma_is_refused_not_split():
    spec = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}["restoration"]
    with pytest.raises(runner.RunnerError, match="by: the field name 'a,b' contains a comma"):
        runner.command_line(["ecozone"], spec, {"projects": "p.gpkg", "by": ["type", "a,b"]}, "o.csv")


def test_an_unknown_option_is_a_version_mismatch_only_when_the_plugin_gave_it():
    mine = runner.Outcome(2, "No such option: --area-method; fix: see ecozone coverage --help", [], [],
                          argv=["ecozone", "--progress", "json", "coverage", "--area-method", "planar"])
    assert runner.verdict(mine, {}, STRINGS)[1].endswith("UPGRADE")
    theirs = runner.Outcome(2, "No such option: -q; fix: see ecozone audit --help", [], [],
                            argv=["ecozone", "--progress", "json", "audit", "--out", "o", "--", "-q.toml"])
    assert "UPGRADE" not in runner.verdict(theirs, {}, STRINGS)[1]


def test_land_use_takes_the_xzq_layer_of_the_geopackage_qgis_gives():
    doc = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}["land_use"]
    params = {p["name"]: p for p in doc["parameters"]}
    assert params["xzq"]["sublayer_flag"] == "--xzq-layer" and "xzq_layer" not in params  # the layer picker says it
    argv = runner.command_line(["ecozone"], doc, {"survey": "s.gpkg", "xzq": "admin.gpkg"}, "o.csv",
                               extra=[("--survey-layer", "DLTB"), ("--xzq-layer", "xzq_2023")])
    parsed = main.commands["land-use"].make_context("land-use", argv[4:]).params
    assert parsed["xzq"] == Path("admin.gpkg") and parsed["xzq_layer"] == "xzq_2023"


def test_find_ecozone_takes_the_command_its_environment_or_its_python(tmp_path):
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    command = env / "bin" / "ecozone"
    command.write_text("#!/bin/sh\n")
    assert runner.find_ecozone(str(env)) == [str(command)]
    assert runner.find_ecozone(str(command)) == [str(command)]
    python = env / "bin" / "python3"
    python.write_text("#!/bin/sh\necho 'ecozone, version 1.0'\n")  # as `python -m ecozone --version` says
    python.chmod(0o755)
    assert runner.find_ecozone(str(python)) == [str(python), "-m", "ecozone"]
    assert runner.find_ecozone(sys.executable) == [sys.executable, "-m", "ecozone"]  # the real one
    assert runner.find_ecozone("", which=lambda name: "/usr/local/bin/ecozone") == ["/usr/local/bin/ecozone"]
    with pytest.raises(runner.RunnerError, match="not found on PATH; fix: set Settings › Options › Processing › Providers › ecozone"):
        runner.find_ecozone("", which=lambda name: None)
    with pytest.raises(runner.RunnerError, match="no ecozone command in this folder"):
        runner.find_ecozone(str(tmp_path))


def test_command_line_of_flags_lists_and_the_audits_config():
    doc = {a["id"]: a for a in algorithms(main.commands)["algorithms"]}
    argv = runner.command_line(["ecozone"], doc["land_use"], {"survey": "s.gpkg", "level": "1"}, "o.csv",
                               extra=[("--survey-layer", "DLTB")])
    assert argv[3:] == ["land-use", "--survey", "s.gpkg", "--level", "1", "--survey-layer", "DLTB", "--out", "o.csv",
                        "--overwrite"]
    argv = runner.command_line(["ecozone"], doc["coastline_retention"],
                               {"coastline": "c.gpkg", "include_islands": True, "bay_tolerance_m": 250.0}, "o.csv")
    assert argv == ["ecozone", "--progress", "json", "coastline", "--coastline", "c.gpkg", "--bay-tolerance-m", "250",
                    "--include-islands", "--out", "o.csv", "--overwrite"]
    argv = runner.command_line(["ecozone"], doc["restoration"], {"projects": "p.gpkg", "by": ["type", "year"],
                                                                 "statuses": ["completed", "ongoing"]}, "o.csv")
    assert argv[4:] == ["--projects", "p.gpkg", "--by", "type,year", "--status", "completed", "--status", "ongoing",
                        "--out", "o.csv", "--overwrite"]
    argv = runner.command_line(["ecozone"], doc["audit"], {"config": "audit.toml", "lang": "en"}, "report")
    assert argv[3:] == ["audit", "--lang", "en", "--format", "json,csv,md,html,gpkg", "--out", "report", "--overwrite",
                        "--", "audit.toml"]
    parsed = main.commands["audit"].make_context("audit", argv[4:]).params  # as click parses it
    assert parsed["config"] == Path("audit.toml") and parsed["lang"] == "en" and parsed["out"] == Path("report")
    # a config whose name starts with "-" is the config, not an option
    argv = runner.command_line(["ecozone"], doc["audit"], {"config": "-q.toml"}, "report")
    parsed = main.commands["audit"].make_context("audit", argv[4:]).params
    assert parsed["config"] == Path("-q.toml") and parsed["out"] == Path("report")
    assert parsed["formats"] == "json,csv,md,html,gpkg" and parsed["overwrite"] is True


@pytest.mark.parametrize("args", [
    ["coastline", "--coastline", str(DEMO / "coastline.geojson"), "--zones", str(DEMO / "districts.geojson")],
    ["restoration", "--projects", str(DEMO / "restoration.geojson"), "--target-ha", "120", "--type", "coastal_wetland"],
    ["conflicts", "--layer", str(DEMO / "projects.geojson"), "--against", str(DEMO / "redline_land.geojson")],
], ids=["coastline", "restoration", "conflicts"])
def test_in_json_mode_every_stderr_line_of_a_command_is_json(tmp_path, args):
    # their notes (retention notes, the target's verdict, the findings' counts) were plain lines among the JSON
    out = tmp_path / "out.json"
    proc = ecozone("--progress", "json", *args, "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr.strip() and all(line.startswith("{") for line in proc.stderr.splitlines()), proc.stderr
    plain = ecozone(*args, "-o", str(tmp_path / "plain.json"))
    notes = [d for d in progress_lines(proc.stderr) if d["stage"] in ("note", "warning")]
    said = [("ecozone: warning: " if d["stage"] == "warning" else "ecozone: ") + d["message"] for d in notes]
    assert said == [line for line in plain.stderr.splitlines() if line.startswith("ecozone:")]
