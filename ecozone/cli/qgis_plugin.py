"""``ecozone qgis-plugin``: the QGIS plugin's installable zip (its algorithms described from these commands)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("qgis-plugin")
@click.option("--zip", "zip_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write ecozone_qgis-VERSION.zip into: QGIS installs it with Plugins › Manage and Install "
              "Plugins › Install from ZIP.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write only the plugin's algorithms.json (its algorithms, parameters and help, from this ecozone's "
              "commands) to FILE, e.g. qgis_plugin/ecozone_qgis/algorithms.json in a checkout.")
@click.option("--overwrite", is_flag=True, help="Replace an existing zip or JSON file of that name (nothing else).")
@click.pass_context
def qgis_plugin_command(ctx, zip_dir, json_file, overwrite):
    """The QGIS Processing provider "ecozone": coverage, restoration, conflicts, land use, coastline
    retention, shoreline change, sea zones, audit and export in QGIS's toolbox.

    The plugin runs this environment's ecozone command (set in Settings › Options › Processing ›
    Providers › ecozone, or found on PATH); its algorithms.json is made now from the installed ecozone.
    """
    from .._version import __version__
    from ..errors import InputError
    from ..io import write_text
    from ..outputs import check_writable
    from ..qgis_plugin import algorithms_json, plugin_zip_path, write_plugin_zip
    from . import main
    from ._common import check_output

    if zip_dir is None and json_file is None:
        raise InputError("give --zip DIR (the installable plugin) or --json FILE (its algorithms.json); fix: e.g. "
                         "ecozone qgis-plugin --zip .")
    # both targets checked before either is written: a refused zip leaves no new JSON behind
    if json_file is not None:
        check_output(json_file, [], overwrite=overwrite)
    if zip_dir is not None:
        check_writable(zip_dir)
        plugin_zip_path(zip_dir, __version__, overwrite=overwrite)
    if json_file is not None:
        write_text(json_file, algorithms_json(main.commands), overwrite=overwrite)
        click.echo(f"wrote {json_file}")
    if zip_dir is not None:
        written = write_plugin_zip(zip_dir, main.commands, __version__, overwrite=overwrite)
        click.echo(f"wrote {written}")
