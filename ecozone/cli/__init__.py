"""The ``ecozone`` command: a thin click layer over the library.

Each subcommand lives in its own module, imported when the subcommand runs
(:attr:`EcozoneGroup.lazy`).  Errors that ecozone raises on
purpose (:class:`ecozone.errors.EcozoneError`) become one line on stderr and
exit status 2; nothing prints a traceback unless ``-v -v`` is given.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import platform
import re
import sys
import threading
import warnings
from typing import Any

import click

from .._version import __version__
from ..errors import EcozoneError
from ._progress import PROGRESS_MODES, say, step

__all__ = ["main", "run"]

_log = logging.getLogger("ecozone")


def _show_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib import metadata

    click.echo(f"ecozone {__version__}")
    click.echo(f"python {platform.python_version()} ({sys.executable})")
    click.echo(f"platform {platform.platform()}")
    for dist in ("geopandas", "shapely", "pyproj", "pyogrio", "numpy", "pandas", "folium", "rasterio", "click", "rich"):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "not installed"
        click.echo(f"{dist} {version}")
    try:
        import pyogrio
        import pyproj
        import shapely

        click.echo(f"GDAL {pyogrio.__gdal_version_string__}")
        click.echo(f"PROJ {pyproj.proj_version_str}")
        click.echo(f"GEOS {shapely.geos_version_string}")
    except Exception:  # pragma: no cover - versions are informative only
        pass
    ctx.exit(0)


class EcozoneGroup(click.Group):
    """A click group whose every failure is one line on stderr and an exit status that means one thing:
    2 for bad input (EcozoneError, an unreadable or unwritable file, a click usage error), 3 for an
    internal error (a bug: the line asks for a report; ``-vv`` shows the traceback).  Python warnings
    (pyogrio, GDAL, pandas) are held back and shown as ``ecozone: warning:`` lines after a command
    that succeeds (unless ``-q``), never before an error line."""

    # The subcommands, each imported when it is run or listed (``ecozone coverage`` loads no other subcommand's
    # module); ``commands`` imports them all, for what walks every command (the QGIS plugin's algorithms).
    lazy = {"demo": ("demo", "demo"), "coverage": ("coverage", "coverage"), "restoration": ("restoration", "restoration"),
            "conflicts": ("conflicts", "conflicts"), "sea-zones": ("sea_zones", "sea_zones"),
            "coastline": ("coastline", "coastline"), "setback": ("setback", "setback"),
            "coastline-change": ("change", "change"), "shoreline-change": ("shoreline", "shoreline_change_command"),
            "bay-report": ("bays", "bay_report"), "rivers": ("rivers", "rivers"), "mines": ("mines", "mines"),
            "ranches": ("ranches", "ranches"), "zonal": ("zonal", "zonal"), "audit": ("audit", "audit"),
            "validate": ("audit", "validate"), "targets": ("targets", "targets"), "map": ("maps", "map_command"),
            "export": ("export", "export_command"), "config-schema": ("config_schema", "config_schema_command"),
            "land-use": ("land_use", "land_use"), "scan": ("scan", "scan"),
            "qgis-plugin": ("qgis_plugin", "qgis_plugin_command"), "monitor": ("monitor", "monitor_group")}

    @property
    def commands(self) -> dict[str, click.Command]:
        for name in self.lazy:
            self.get_command(None, name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted({*self._commands, *self.lazy})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands and cmd_name in self.lazy:
            module, name = self.lazy[cmd_name]
            __import__(f"{__name__}.{module}")  # an import statement's path: -X importtime lists it
            self._commands[cmd_name] = getattr(sys.modules[f"{__name__}.{module}"], name)
        return self._commands.get(cmd_name)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        sys.exit(self._run(*args, **kwargs))

    def _run(self, *args: Any, **kwargs: Any) -> int:
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:  # a bad option or value: one line, as for every other error
            command = exc.ctx.command_path if exc.ctx is not None else "ecozone"
            click.echo(f"ecozone: error: {_one_line(exc.format_message()).rstrip('.')}; fix: see {command} --help", err=True)
            return exc.exit_code
        except click.ClickException as exc:
            click.echo(f"ecozone: error: {_one_line(exc.format_message())}", err=True)
            return exc.exit_code
        except click.Abort:
            click.echo("ecozone: aborted", err=True)
            return 130
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return code if isinstance(code, int) else 0

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings(record=True) as held:
            warnings.simplefilter("default")
            try:
                result = self._invoke(ctx)
            except click.exceptions.Exit as exc:
                if exc.exit_code in (0, 1):
                    _echo_warnings(ctx, held)
                    _finished(ctx)
                raise
        _echo_warnings(ctx, held)
        _finished(ctx)
        return result

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except EcozoneError as exc:
            if _verbose(ctx) > 1:
                raise
            click.echo(f"ecozone: error: {_one_line(str(exc))}", err=True)
            ctx.exit(2)
        except OSError as exc:  # a file that cannot be read or written (permissions, a full disk, a folder gone)
            if _verbose(ctx) > 1:
                raise
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            reason = exc.strerror or str(exc)
            click.echo(f"ecozone: error: {where}{_one_line(reason)}; fix: check the path, its permissions and the free "
                       "disk space", err=True)
            ctx.exit(2)
        except Exception as exc:  # a bug in ecozone: never exit 1, which means "a target was missed"
            if _verbose(ctx) > 1:
                raise
            click.echo(f"ecozone: internal error: {type(exc).__name__}: {_one_line(str(exc))}; fix: this is a bug in "
                       "ecozone — run again with -vv and report the traceback", err=True)
            ctx.exit(3)


#: The cyclic garbage collector's thresholds for the ``ecozone`` program on CPython, as mypy sets them (Python's
#: default: 700, 10, 10 up to 3.13; 2,000, 10, 0 from 3.14, whose collector does not use the third).  Importing
#: geopandas, pandas and pyarrow leaves some 70,000 objects the collector watches, and reading a layer adds one per
#: feature, all of them living to the exit: at the default, every 700 new objects start a collection and the older
#: generations are walked again and again (``coverage`` of 100,000 parcels on 3.11: 346 collections, 0.14 s; here
#: one, 0.07 s).  Cyclic garbage is still collected, after 200,000 new objects.
PROGRAM_GC_THRESHOLD = (200_000, 30, 30)


def run(prog_name: str | None = None) -> None:
    """The ``ecozone`` program (its console script and ``python -m ecozone``): :data:`main`, then a quick exit.

    When a command returns, its outputs are written and closed; what is left is the interpreter's teardown,
    which frees every object one at a time (a million geometries: 0.15–0.2 s).  Here the output streams are
    flushed and the ``atexit`` handlers run (temporary folders, logging), then the process leaves with the
    command's exit status; the layers the command read are held until then (:data:`._inputs.held`), so
    they are never freed either.  The garbage collector runs less often (:data:`PROGRAM_GC_THRESHOLD`).
    The usual exit, which waits for what is left, when a thread is still running (none of ecozone's) or a
    profiler, tracer or debugger is watching (``python -m cProfile -m ecozone`` writes its figures at exit).
    Tests and scripts that call :data:`main` get the usual ``SystemExit`` and Python's collector as it was."""
    from . import _inputs

    _inputs.held = {}  # what the command reads stays referenced until the exit
    if platform.python_implementation() == "CPython":
        gc.set_threshold(*PROGRAM_GC_THRESHOLD)
    code = main._run(prog_name=prog_name)
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if watched or any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (ecozone … | head): what could be written was
            pass
    atexit._run_exitfuncs()
    os._exit(code)


def _finished(ctx: click.Context) -> None:
    """The last ``--progress json`` line of a command that ran to its end (exit 0 or 1)."""
    if ctx.invoked_subcommand:
        step("finished", 1.0, command=ctx.invoked_subcommand)


def _verbose(ctx: click.Context) -> int:
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    return int(obj.get("verbose", 0))


def _one_line(text: str) -> str:
    """A message as one inert line: whitespace runs as one space, control and bidi characters (from a file's
    names, in GDAL's warnings too) written as escapes (:func:`ecozone.escape.line_text`)."""
    from ..escape import line_text

    return _as_flags(line_text(" ".join(str(text).split())))


#: The library's messages name its parameters (``zone_field=NAME``); the CLI says its flags instead.
_FLAGS = {
    "zone_field": "--zone-field", "name_field": "--name-field", "class_field": "--class-field",
    "date_field": "--date-field", "uncertainty_field": "--uncertainty-field",
    "default_uncertainty_m": "--default-uncertainty-m", "spacing_m": "--spacing", "by": "--by",
    "designation_field": "--field",
    "band": "--band", "land": "--land", "core_m": "--core-m", "general_m": "--general-m",
    "declared_crs": "--input-crs",
}
_PARAM = re.compile(r"\b(" + "|".join(sorted(_FLAGS, key=len, reverse=True)) + r")=(\S*)")


def _as_flags(text: str) -> str:
    """``fix: pass zone_field=NAME`` → ``fix: pass --zone-field NAME``; ``declared_crs=EPSG:xxxx when reading`` →
    ``--input-crs EPSG:xxxx when reading``: a library message in the words of the command line."""
    return _PARAM.sub(lambda m: f"{_FLAGS[m.group(1)]} {m.group(2)}".rstrip(), text)


def _echo_warnings(ctx: click.Context, held: list[warnings.WarningMessage]) -> None:
    """The warnings a successful command raised, one line each (repeats once), unless -q."""
    if (ctx.obj or {}).get("quiet"):
        return
    seen = set()
    for w in held:
        line = _one_line(str(w.message))
        if line in seen:
            continue
        seen.add(line)
        say(line, warning=True)  # a JSON line with --progress json


@click.group(cls=EcozoneGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ecozone")
@click.option(
    "--show-versions",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_versions,
    help="Show versions of ecozone and its dependencies, then exit.",
)
@click.option("-v", "--verbose", count=True, help="More messages on stderr (-vv: tracebacks).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--progress", type=click.Choice(PROGRESS_MODES), default="auto", show_default=True,
              help="Progress on stderr: auto (a status line on a terminal, unless -q), json (one JSON object a line: "
              "command, stage, fraction, message; for programs such as the QGIS plugin; also with -q) or off.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, progress: str) -> None:
    """ecozone: ecological-zoning analysis for Chinese cities (生态分区分析).

    Measure red lines, coastline, bays, rivers, mines, marine ranches and
    restoration projects per district, and report them for plan audits.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["quiet"] = quiet
    ctx.obj["progress"] = progress
    step("started", 0.0, command=ctx.invoked_subcommand or "ecozone")
    level = logging.ERROR if quiet else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="ecozone: %(message)s", stream=sys.stderr)


