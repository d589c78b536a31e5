"""``ecozone audit`` and ``ecozone validate``: a TOML config in, a report and an exit code out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._progress import say, step, wanted


#: The extra format of ``ecozone audit -f``: the atlas's layers and the result layers in one GeoPackage.
LAYERS_FORMAT, LAYERS_FILE = "gpkg", "layers.gpkg"


def _formats(value: str) -> tuple[str, ...]:
    from ..errors import InputError
    from ..report import FORMATS

    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in (*FORMATS, LAYERS_FORMAT)]
    if unknown or not chosen:
        raise InputError(f"--format {value!r}: unknown format {unknown[0] if unknown else '(none)'!r}; fix: use some of "
                         f"{','.join((*FORMATS, LAYERS_FORMAT))}")
    return chosen


@click.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("ecozone-audit"), show_default=True,
              help="Folder for report.json, the CSV tables, report.md and report.html.")
@click.option("-f", "--format", "formats", default="json,csv,md,html", show_default=True,
              help="Formats to write, comma-separated; gpkg adds layers.gpkg: the atlas's layers and the result "
              "layers (coverage per district, retention, coastline segments, findings …, as ecozone export --results "
              "writes them), for QGIS.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of report.md / report.html (default: the config's, else zh).")
@click.option("--overwrite", is_flag=True,
              help="Write into a folder that holds other files too (they are left alone; inputs are never written "
              "over); an earlier report's folder needs no --overwrite and its old outputs are replaced.")
@click.pass_context
def audit(ctx, config, out, formats, lang, overwrite):
    """Measure every indicator of CONFIG against its target; write the report.

    Exit status: 0 when every target passes, 1 when any fails (the failing
    indicators are named on stdout), 2 on bad input or a bad config.
    """
    from ..audit import load_config, run_audit
    from ..outputs import OutputFolder
    from ..report import repairs, report_files, status_line, write_report

    chosen = _formats(formats)
    report_formats = tuple(f for f in chosen if f != LAYERS_FORMAT)
    cfg = load_config(config)
    # the report folder, and every file the config names, checked before anything is read or measured
    with OutputFolder(out, inputs=cfg.files(), overwrite=overwrite, command="audit") as folder:
        folder.expect(report_files(report_formats) + ([LAYERS_FILE] if LAYERS_FORMAT in chosen else []))
        quiet = ctx.obj.get("quiet") or not sys.stderr.isatty() or wanted(ctx) != "auto"
        result = _with_progress(lambda say: run_audit(cfg, progress=_steps(say, len(cfg.indicators))), quiet)
        if report_formats:
            write_report(result, folder, report_formats, lang=lang)
        if LAYERS_FORMAT in chosen:
            from ..export import export

            export(result.atlas, folder.path(LAYERS_FILE), "gpkg", results=True, findings=result.tables.get("conflicts"),
                   overwrite=True)
        step("written", 0.98, str(out))
    if not ctx.obj.get("quiet"):  # repairs and drops change figures: said next to them
        for line in repairs(result.atlas.report.to_dict()):
            say(line, warning=True)
    for i in result.indicators:
        click.echo(status_line(i))
    failed = [i["id"] for i in result.failed]
    click.echo(f"{len(failed)} of {len(result.indicators)} indicators failed" + (f": {', '.join(failed)}" if failed else "")
               + f"; report in {out}")
    ctx.exit(result.exit_code)


def _steps(say, indicators: int):
    """``run_audit``'s progress messages, also as ``--progress json`` lines: reading is the first tenth, each
    indicator measured an equal share of the next eight."""
    done = [0]

    def forward(msg: str) -> None:
        say(msg)
        if msg.startswith("measuring"):
            step("measuring", 0.1 + 0.8 * done[0] / max(indicators, 1), msg)
            done[0] += 1
        else:
            step("read", 0.02, msg)
    return forward


def _with_progress(work, quiet: bool):
    """Run ``work(say)`` with a rich status line on stderr saying what is being measured, unless quiet."""
    if quiet:
        return work(lambda _msg: None)
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("ecozone audit") as status:
        return work(lambda msg: status.update(f"ecozone audit: {msg}"))


@click.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx, config):
    """Check CONFIG and read and validate its layers, measuring nothing (exit 0, or 2 with the problem)."""
    from ..audit import load_atlas, load_config

    cfg = load_config(config)
    atlas = load_atlas(cfg)
    report = atlas.report.to_dict()
    if not ctx.obj.get("quiet"):
        for issue in atlas.report.warnings:
            say(issue, warning=True)
    click.echo(f"{config}: ok — {len(atlas.layers)} layers, {len(atlas.rasters)} rasters, {len(cfg.indicators)} indicators; "
               f"{report['warnings']} warnings")
