"""``ecozone monitor``: a store of dated surveys (GeoPackage or PostGIS) and its monitoring report."""

from __future__ import annotations

from pathlib import Path

import click

from ..schema import KINDS
from ._inputs import NON_NEGATIVE, CRSParam, read_input, reads
from ._progress import say

_STORE = click.argument("store", metavar="STORE")
_TIMEOUT = click.option("--lock-timeout", type=NON_NEGATIVE, default=60.0, show_default=True, metavar="SECONDS",
                        help="How long to wait for another add/correct to finish before giving up (exit 2).")


def _open(store: str, *, must_exist: bool = True):
    from ..store import is_url, open_store

    if not is_url(store) and must_exist and not Path(store).exists():
        from ..errors import StoreError

        raise StoreError(f"{store}: no such store; fix: create it with ecozone monitor init {store}")
    return open_store(store)


def _say(ctx: click.Context, text: str) -> None:
    """One line on stderr; labels, notes, reasons and file names in it are data (escape.line_text)."""
    from ..escape import line_text

    if not (ctx.find_root().obj or {}).get("quiet"):
        say(line_text(text))  # a JSON line with --progress json


def _renamed(ctx: click.Context, s) -> None:
    for old, new in s.renamed.items():
        _say(ctx, f"column {old!r} stored as {new!r} (a store keeps that name for itself, or it is too long, or it "
                  "repeats another but for case)")


def _read_survey(read, file: Path, kind: str, store: str, option: str = "FILE"):
    from ..errors import InputError
    from ..outputs import check_not_inputs
    from ..store import is_url

    if not is_url(store):
        try:
            check_not_inputs([store], [file])
        except InputError:
            raise InputError(f"{file}: is the store itself; fix: give the survey's own file") from None
    return read(file, option, kind)


@click.group("monitor")
def monitor_group() -> None:
    """Monitoring over time (动态监测): a store of dated surveys and its report.

    STORE is a GeoPackage file (one file to copy or back up) or a PostgreSQL/PostGIS URL
    (postgresql://USER@HOST:PORT/DB; the password from the URL, ~/.pgpass or PGPASSWORD, never shown).
    """


@monitor_group.command("init")
@_STORE
@click.pass_context
def init(ctx, store):
    """Create an empty store."""
    s = _open(store, must_exist=False)
    s.init()
    _say(ctx, f"created the store {s.location} (schema version {s.schema_version()})")


@monitor_group.command("add")
@_STORE
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True, help="The survey's layer kind (coastline, redline, restoration …).")
@click.option("--date", "date", required=True, help="The survey date, YYYY-MM-DD.")
@click.option("--label", default=None, help="A short name, e.g. 2026Q3.")
@click.option("--note", default=None, help="A note kept with the survey.")
@click.option("--simulated", is_flag=True, help="Mark the survey as simulated (not surveyed): reports say so.")
@_TIMEOUT
@click.option("--input-crs", type=CRSParam(), default=None, metavar="CRS",
              help="CRS FILE is really in when it does not say or says it wrongly (EPSG code, or gcj02/bd09).")
@click.pass_context
def add(ctx, store, file, kind, date, label, note, simulated, lock_timeout, input_crs):
    """Store FILE as a survey of --kind on --date (one transaction; the same data twice is refused)."""
    s = _open(store)
    frame = _read_survey(lambda *a: read_input(*a, crs=input_crs), file, kind, store)
    survey = s.add(frame, kind=kind, date=date, sources=[file], label=label, note=note, simulated=simulated,
                   lock_timeout=lock_timeout)
    _renamed(ctx, s)
    _say(ctx, f"stored {survey.name}: {survey.features} features from {survey.source}, sha256 {survey.sha256[:12]}…")


@monitor_group.command("correct")
@_STORE
@click.argument("survey", metavar="SURVEY")
@click.option("--file", "file", type=click.Path(path_type=Path), required=True, help="The corrected survey's file.")
@click.option("--reason", required=True, help="Why the survey is corrected (kept with the new version).")
@click.option("--date", "date", default=None, help="A corrected survey date (default: the old one's).")
@_TIMEOUT
@reads("--file")
@click.pass_context
def correct(ctx, store, survey, file, reason, date, lock_timeout, inputs):
    """Store a corrected version of SURVEY (its number or label); the old version stays readable."""
    s = _open(store)
    old = s.find(survey)
    frame = _read_survey(inputs.read, file, old.kind, store, "--file")
    new = s.correct(old, frame, sources=[file], reason=reason, date=date, lock_timeout=lock_timeout)
    _renamed(ctx, s)
    _say(ctx, f"stored {new.name}, superseding #{old.id}")


@monitor_group.command("list")
@_STORE
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(store, as_json):
    """List every survey version (superseded ones marked)."""
    import json

    s = _open(store)
    surveys = s.surveys()
    if as_json:
        click.echo(json.dumps([{**x.to_dict(), "current": x.current} for x in surveys if True], ensure_ascii=False,
                              indent=2, default=str))
        return
    from ..escape import line_text as t  # labels, reasons and file names are data: one inert line per survey

    click.echo(t(f"store {s.location} (schema version {s.schema_version()}): {len(surveys)} survey versions"))
    for x in surveys:
        state = "" if x.current else f"  superseded by #{x.superseded_by}"
        fixes = f"  corrects #{x.supersedes}: {t(x.reason)}" if x.supersedes is not None else ""
        flag = "  SIMULATED" if x.simulated else ""
        click.echo(f"#{x.id:<4} {t(x.kind):<12} {t(x.date)}  {t(x.label or ''):<10} {x.features:>7} features  "
                   f"{t(x.source)}{flag}{state}{fixes}")


@monitor_group.command("report")
@_STORE
@click.option("--zones", type=click.Path(path_type=Path), default=None, help="Districts: retention per district.")
@click.option("--bays", type=click.Path(path_type=Path), default=None, help="Bay polygons: retention per bay.")
@click.option("--baseline", type=click.Path(path_type=Path), default=None, help="A baseline: DSAS rates over every coastline survey.")
@click.option("--baseline-side", type=click.Choice(["offshore", "onshore"]), default="offshore", show_default=True,
              help="Where the baseline lies: seaward of the (earliest) shorelines, or landward of them.")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="An audit config: its settings and targets (the charts' target lines).")
@click.option("--zone-field", default="name", show_default=True, help="Field naming each district.")
@click.option("--bay-field", default="name", show_default=True, help="Field naming each bay.")
@click.option("--reclamation-m", type=NON_NEGATIVE, default=100.0, show_default=True, help="Seaward advance flagged as possible reclamation (m).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@reads("--zones", "--bays", "--baseline")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the report.")
@click.option("--overwrite", is_flag=True, help="Write into a folder that holds other files too (they are left alone).")
@click.pass_context
def report(ctx, store, zones, bays, baseline, baseline_side, config, zone_field, bay_field, reclamation_m, lang, inputs, out, overwrite):
    """The monitoring report of STORE: retention, change, DSAS rates, red lines, restoration per date."""
    from ..monitor_report import monitor_report_dict, summary_lines, write_monitor_report
    from ..monitoring import monitor
    from ..outputs import OutputFolder
    from ..store import is_url

    s = _open(store)
    given = [p for p in (zones, bays, baseline, config) if p is not None] + ([] if is_url(store) else [Path(store)])
    folder = OutputFolder(out, inputs=given, overwrite=overwrite, command="monitor report")
    cfg = None
    if config is not None:
        from ..audit import load_config

        cfg = load_config(config)
    z = inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")}) if zones else None
    b = inputs.read(bays, "--bays", "bay", fields={"name": (bay_field, "--bay-field")}) if bays else None
    line = inputs.read(baseline, "--baseline", None, families=("line",)) if baseline else None
    result = monitor(s, zones=z, bays=b, baseline=line, config=cfg, zone_field=zone_field, bay_field=bay_field,
                     reclamation_m=reclamation_m, baseline_side=baseline_side)
    with folder:
        write_monitor_report(result, folder, lang=lang)
    if not (ctx.find_root().obj or {}).get("quiet"):
        for text in summary_lines(monitor_report_dict(result), lang):
            click.echo(text)
        _say(ctx, f"wrote {out}")
