"""The ``ecozone`` command: a thin click layer over the library.

Each subcommand lives in its own module.  Errors that ecozone raises on
purpose (:class:`ecozone.errors.EcozoneError`) become one line on stderr and
exit status 2; nothing prints a traceback unless ``-v -v`` is given.
"""

from __future__ import annotations

import logging
import platform
import sys
from typing import Any

import click

from .._version import __version__
from ..errors import EcozoneError

__all__ = ["main"]

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
    """A click group that turns EcozoneError, and click's own usage errors, into one line and exit 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:  # a bad option or value: one line, as for every other error
            command = exc.ctx.command_path if exc.ctx is not None else "ecozone"
            click.echo(f"ecozone: error: {exc.format_message().rstrip('.')}; fix: see {command} --help", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"ecozone: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("ecozone: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EcozoneError as exc:
            if ctx.obj and ctx.obj.get("verbose", 0) > 1:
                raise
            click.echo(f"ecozone: error: {exc}", err=True)
            ctx.exit(2)


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
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """ecozone: ecological-zoning analysis for Chinese cities (生态分区分析).

    Measure red lines, coastline, bays, rivers, mines, marine ranches and
    restoration projects per district, and report them for plan audits.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["quiet"] = quiet
    level = logging.ERROR if quiet else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="ecozone: %(message)s", stream=sys.stderr)


def _register() -> None:
    from . import audit, bays, change, coastline, conflicts, coverage, demo, export, maps, mines, ranches, restoration, rivers, sea_zones, setback, zonal

    main.add_command(demo.demo)
    main.add_command(coverage.coverage)
    main.add_command(restoration.restoration)
    main.add_command(conflicts.conflicts)
    main.add_command(sea_zones.sea_zones)
    main.add_command(coastline.coastline)
    main.add_command(setback.setback)
    main.add_command(change.change)
    main.add_command(bays.bay_report)
    main.add_command(rivers.rivers)
    main.add_command(mines.mines)
    main.add_command(ranches.ranches)
    main.add_command(zonal.zonal)
    main.add_command(audit.audit)
    main.add_command(audit.validate)
    main.add_command(maps.map_command)
    main.add_command(export.export_command)


_register()
