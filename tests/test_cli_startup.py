"""A CLI that answers at once: ``import ecozone``, ``ecozone --help`` and every ``ecozone CMD --help`` load no
geopandas, pandas, shapely, pyproj, rasterio, folium or numpy (a scripted audit pays for them only when it measures).

Each check runs in a fresh interpreter (a subprocess): the test session itself has imported everything long ago.
No timings are asserted; bench/RESULTS.md ("CLI start-up") has the figures.
"""

from __future__ import annotations

import gc
import json
import platform
import subprocess
import sys
import textwrap

import pytest

import ecozone

HEAVY = ("geopandas", "pandas", "shapely", "pyproj", "rasterio", "folium", "numpy", "pyogrio", "pyarrow", "dask")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def heavy_loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after ``code`` ran in a fresh interpreter."""
    proc = run_python(code + textwrap.dedent(f"""
        import sys as _sys
        _heavy = {set(HEAVY)!r}
        print("HEAVY=" + repr(sorted({{m.split(".")[0] for m in _sys.modules if m.split(".")[0] in _heavy}})))
        """))
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("HEAVY=")][-1]
    return eval(line[len("HEAVY="):])


def test_import_ecozone_loads_no_heavy_library():
    assert heavy_loaded_after("import ecozone; ecozone.__version__") == []


def test_every_help_loads_no_heavy_library():
    # ecozone --help, then every command's and every group's subcommand's --help, in one interpreter
    proc = run_python(f"""
        import contextlib, io, json, sys
        import click
        from ecozone.cli import main

        seen = {{}}

        def walk(command, path):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                code = main([*path, "--help"], prog_name="ecozone", standalone_mode=False)
            seen[" ".join(path) or "(main)"] = [code, buf.getvalue().startswith("Usage: ecozone")]
            if isinstance(command, click.Group):
                for name, sub in command.commands.items():
                    walk(sub, [*path, name])

        walk(main, [])
        heavy = {set(HEAVY)!r}
        print(json.dumps({{"seen": seen, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}}))
        """)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.splitlines()[-1])
    assert doc["heavy"] == []
    seen = doc["seen"]
    assert all(v == [0, True] for v in seen.values()), seen
    # the groups' subcommands were walked too
    assert {"(main)", "coverage", "mines", "mines in-view", "mines restoration", "rivers buffers"} <= set(seen)


def test_a_command_loads_no_other_command_and_every_command_is_listed():
    """``ecozone coverage`` imports its own module, not the other subcommands'; ``ecozone --help`` and
    ``main.commands`` (what the QGIS plugin walks) have every subcommand."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecozone", "coverage", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    commands = {m for m in imported if m.startswith("ecozone.cli.") and not m.split(".")[2].startswith("_")}
    assert commands == {"ecozone.cli.coverage"}, commands
    from click.testing import CliRunner

    from ecozone.cli import main

    listed = CliRunner().invoke(main, ["--help"]).output
    assert set(main.commands) == set(main.lazy) and len(main.commands) == 24
    assert all(f"  {name} " in listed for name in main.lazy), listed
    assert all(main.commands[name].name == name for name in main.lazy)


@pytest.mark.parametrize("args", [["--help"], ["coverage", "--help"], ["mines", "in-view", "--help"], ["--version"]])
def test_python_m_ecozone_answers_without_heavy_libraries(args):
    # python -m ecozone, as a shell runs it; -X importtime lists every module imported on stderr
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecozone", *args], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []
    assert proc.stdout.startswith("ecozone, version" if args == ["--version"] else "Usage: ecozone")


def test_every_public_name_resolves_and_is_listed():
    proc = run_python("""
        import json, ecozone
        names = {n: type(getattr(ecozone, n)).__name__ for n in ecozone.__all__}
        print(json.dumps({"names": names, "dir": dir(ecozone)}))
        """)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.splitlines()[-1])
    assert set(doc["names"]) == set(ecozone.__all__)
    assert set(ecozone.__all__) <= set(doc["dir"])
    assert doc["names"]["export"] == "function" and doc["names"]["coverage"] == "function"
    assert doc["names"]["SeaZoneWarning"] == "type" and doc["names"]["__version__"] == "str"


def test_public_names_are_the_library_objects():
    from ecozone.errors import EcozoneError
    from ecozone.export import export
    from ecozone.measure.coverage import coverage
    from ecozone.measure.sea import SeaZoneWarning

    assert ecozone.coverage is coverage and ecozone.export is export and ecozone.EcozoneError is EcozoneError
    from ecozone import SeaZoneWarning as imported

    assert imported is SeaZoneWarning
    assert set(ecozone.__all__) <= set(dir(ecozone))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        ecozone.no_such_name  # noqa: B018


def test_the_export_submodule_does_not_hide_the_export_function():
    # importing the submodule ecozone.export first must leave ecozone.export the function, as before
    proc = run_python("""
        import ecozone.export, ecozone.cli.export
        from ecozone import export
        import ecozone
        print(callable(ecozone.export) and not isinstance(ecozone.export, type(ecozone)), export is ecozone.export,
              export.__module__)
        """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "ecozone.export"]


def test_submodules_are_attributes_after_import_ecozone():
    proc = run_python("""
        import ecozone
        print(ecozone.io.read_layer.__name__, ecozone.crs.__name__, ecozone.errors.InputError.__name__)
        """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["read_layer", "ecozone.crs", "InputError"]


def test_cli_literals_match_the_library():
    # the --help of these commands shows values written out in the CLI so that it imports no measure module
    from click.testing import CliRunner

    from ecozone.cli import main
    from ecozone.cli.conflicts import RULE_NAMES
    from ecozone.measure.conflicts import RULES
    from ecozone.measure.mines import DEFAULT_CURVATURE_COEFF

    assert RULE_NAMES == tuple(RULES)
    in_view = main.commands["mines"].commands["in-view"]
    assert {p.name: p.default for p in in_view.params}["curvature_coeff"] == DEFAULT_CURVATURE_COEFF
    assert CliRunner().invoke(main, ["conflicts", "--help"]).exit_code == 0


# ---------------------------------------------------------------------------------------------- the quick exit

def test_program_exit_flushes_output_runs_atexit_and_keeps_the_status(tmp_path):
    """``ecozone`` (``ecozone.cli.run``) leaves without the interpreter's teardown: what a command printed is all
    there, the atexit handlers ran (temporary folders, logging), and the exit status is the command's."""
    marker = tmp_path / "atexit.txt"
    code = f"""
        import atexit, pathlib, sys, tempfile
        folder = tempfile.TemporaryDirectory()  # cleaned by its finalizer, an atexit handler
        pathlib.Path(folder.name, "x").write_text("x")
        atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text(folder.name))
        sys.argv = ["ecozone", *sys.argv[1:]]
        from ecozone.cli import run
        run()
        """
    ok = subprocess.run([sys.executable, "-c", textwrap.dedent(code), "config-schema", "audit"], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["type"] == "object"  # the whole schema, flushed
    assert marker.exists()
    from pathlib import Path

    assert not Path(marker.read_text()).exists()  # the temporary folder was removed
    bad = subprocess.run([sys.executable, "-c", textwrap.dedent(code), "coverage", "--zones", str(tmp_path / "none.gpkg"),
                          "--layer", str(tmp_path / "none.gpkg")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("ecozone: error:") and "none.gpkg" in bad.stderr


def test_the_program_takes_the_quick_exit_unless_watched():
    """run() ends in os._exit with the command's status, but under a profiler it exits the usual way."""
    spy = """
        import os, sys
        real = os._exit
        os._exit = lambda code: (print(f"QUICK {code}", flush=True), real(code))
        if sys.argv[1] == "profiled":
            sys.setprofile(lambda *a: None)
        sys.argv = ["ecozone", "--version"]
        from ecozone.cli import run
        run()
        """
    quick = subprocess.run([sys.executable, "-c", textwrap.dedent(spy), "plain"], capture_output=True, text=True, timeout=120)
    assert quick.returncode == 0 and quick.stdout.splitlines()[-1] == "QUICK 0", quick.stdout + quick.stderr
    watched = subprocess.run([sys.executable, "-c", textwrap.dedent(spy), "profiled"], capture_output=True, text=True,
                             timeout=120)
    assert watched.returncode == 0 and "QUICK" not in watched.stdout, watched.stdout


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="the thresholds are CPython's")
def test_the_program_collects_garbage_less_often_and_main_leaves_the_collector_alone():
    from click.testing import CliRunner

    from ecozone.cli import PROGRAM_GC_THRESHOLD, main

    spy = """
        import gc, os, sys
        real = os._exit
        os._exit = lambda code: (print("GC", *gc.get_threshold(), flush=True), real(code))
        sys.argv = ["ecozone", "--version"]
        from ecozone.cli import run
        run()
        """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(spy)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # the first two: Python 3.14's incremental collector has no third threshold (it reads 0)
    assert proc.stdout.splitlines()[-1].split()[:3] == ["GC", *map(str, PROGRAM_GC_THRESHOLD[:2])], proc.stdout
    before = gc.get_threshold()
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert gc.get_threshold() == before != PROGRAM_GC_THRESHOLD


def test_python_m_ecozone_is_the_program():
    proc = subprocess.run([sys.executable, "-m", "ecozone", "--version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ecozone, version {ecozone.__version__}"
