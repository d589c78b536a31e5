"""``ecozone shoreline-change``: DSAS-style shoreline movement across any number of dated shorelines."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..outputs import OutputFolder
from ._common import echo_notes
from ._inputs import NON_NEGATIVE, POSITIVE, reads
from ._progress import say, step

#: What the command writes into --out.
OUTPUTS = ("rates.json", "transects.geojson", "transects.csv", "positions.csv")


@click.command("shoreline-change")
@click.option("--shorelines", "shorelines", type=click.Path(path_type=Path), multiple=True, required=True,
              help="Dated shoreline lines (repeatable): one file with every date, or one file per survey. "
                   "No class field is needed.")
@click.option("--baseline", type=click.Path(path_type=Path), required=True,
              help="The baseline the transects are cast from, roughly parallel to the shorelines.")
@click.option("--baseline-side", type=click.Choice(["offshore", "onshore"]), default="offshore", show_default=True,
              help="Where the baseline lies: seaward of the (earliest) shorelines, or landward of them.")
@click.option("--date-field", default="date", show_default=True, help="Field with each shoreline's date (every file).")
@click.option("--uncertainty-field", default=None, metavar="NAME",
              help="Field with each shoreline's positional uncertainty (m); empty or 0 takes --default-uncertainty-m.")
@click.option("--default-uncertainty-m", type=POSITIVE, default=None, metavar="M",
              help="Uncertainty (m) of shorelines without their own (DSAS's default data uncertainty). Without "
                   "uncertainties, epr_unc_m_yr and wlr_* are left empty.")
@click.option("--spacing", type=POSITIVE, default=50.0, show_default=True, help="Transect spacing (m).")
@click.option("--transect-length", type=POSITIVE, default=1000.0, show_default=True,
              help="Transect length each side of the baseline (m).")
@click.option("--intersection", type=click.Choice(["closest", "farthest"]), default="closest", show_default=True,
              help="Which crossing counts where a transect crosses one date's shoreline more than once "
                   "(closest to / farthest from the baseline).")
@click.option("--reclamation-m", type=NON_NEGATIVE, default=100.0, show_default=True,
              help="Seaward advance (NSM) flagged as possible reclamation (m).")
@reads("--shorelines", "--baseline")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for rates.json, transects.geojson, transects.csv and positions.csv.")
@click.option("--overwrite", is_flag=True, help="Write into a folder that holds other files too (they are left alone); "
              "an earlier shoreline-change folder needs no --overwrite and its old outputs are replaced.")
@click.pass_context
def shoreline_change_command(ctx, shorelines, baseline, baseline_side, date_field, uncertainty_field,
                             default_uncertainty_m, spacing, transect_length, intersection, reclamation_m, inputs, out,
                             overwrite):
    """Shoreline movement per transect (岸线变化速率), as USGS DSAS computes it, from two or more dated shorelines.

    Transects are cast from the baseline every --spacing metres. Along each, the
    position of every date's shoreline is its distance from the baseline, signed
    seaward positive (an offshore baseline gives negative distances; a shoreline
    that advances past it turns positive). The sea's side is decided once per
    baseline line from the earliest shoreline and --baseline-side.

    \b
    Outputs in --out:
      rates.json         summary: transects cast and measured, mean NSM/EPR/LRR/WLR,
                         possible reclamation, dates, settings, conventions, notes
      transects.geojson  the transects (WGS84) with their statistics
      transects.csv      the same without geometry: transect, baseline_part,
                         station_m, dates, first, last, nsm_m, sce_m, epr_m_yr,
                         epr_unc_m_yr, lrr_m_yr, lrr_r2, lrr_se_m, lrr_ci95_m_yr,
                         wlr_m_yr, wlr_r2, wlr_se_m, wlr_ci95_m_yr,
                         possible_reclamation
      positions.csv      one row per transect and date: transect, date, year,
                         distance_m (signed, seaward positive), uncertainty_m

    \b
    NSM: youngest minus oldest position; SCE: largest distance between two
    positions; EPR: NSM / years between; EPR uncertainty: sqrt(U1² + U2²) /
    years; LRR: least-squares slope (three or more dates) with R², LSE (standard
    error of the estimate) and LCI95 (half-width of the rate's 95 % confidence
    interval); WLR: the same weighted by 1/uncertainty² (WR2, WSE, WCI95).
    """
    from ..io import write_csv, write_layer, write_text
    from ..measure.change import shoreline_change
    from ..report import json_ready

    # the output folder is checked before anything is read: never an input, other files only with --overwrite
    folder = OutputFolder(out, inputs=[*shorelines, baseline], overwrite=overwrite, command="shoreline-change")
    folder.expect(OUTPUTS)
    if any(_same(baseline, path) for path in shorelines):
        from ..errors import InputError

        raise InputError(f"{baseline}: given as --baseline and as --shorelines; fix: give the baseline the transects "
                         "are cast from (a line offshore or onshore of the shorelines), not one of the surveys")
    layers = [inputs.read(path, "--shorelines", None, families=("line",)) for path in shorelines]
    base = inputs.read(baseline, "--baseline", None, families=("line",))
    step("read", 0.3, f"read {len(layers)} shoreline file(s) and --baseline")
    rates = shoreline_change(layers, base, date_field=date_field, spacing_m=spacing, length_m=transect_length,
                             baseline_side=baseline_side, intersection=intersection, reclamation_m=reclamation_m,
                             uncertainty_field=uncertainty_field, default_uncertainty_m=default_uncertainty_m)
    positions = rates.attrs["positions"]
    dates = sorted(positions["date"].unique()) if len(positions) else []
    if len(dates) < 2:
        from ..errors import InputError

        found = ", ".join(_day(d) for d in dates) or "none"
        raise InputError(f"{' + '.join(str(p) for p in shorelines)}: the transects cross shorelines of {len(dates)} "
                         f"date{'s' if len(dates) != 1 else ''} ({found}); fix: give shorelines of two or more dates "
                         "(--date-field names the date column) and a baseline along them (--transect-length reaches "
                         "them)")
    summary = _summary(rates, shorelines, baseline, dates, {
        "baseline_side": baseline_side, "date_field": date_field, "uncertainty_field": uncertainty_field,
        "default_uncertainty_m": default_uncertainty_m, "spacing_m": spacing, "transect_length_m": transect_length,
        "intersection": intersection, "reclamation_m": reclamation_m})
    step("measured", 0.8, f"{len(rates)} transects")
    echo_notes(ctx, rates)
    table = rates.assign(first=rates["first"].map(_day), last=rates["last"].map(_day))
    long = positions.assign(date=positions["date"].map(_day))
    # each file written atomically; the folder's earlier outputs that this run does not write are removed,
    # nothing else in it is touched
    with folder:
        write_text(folder.path("rates.json"), json.dumps(json_ready(summary, 6), ensure_ascii=False, indent=2,
                                                         allow_nan=False) + "\n")
        write_layer(table, folder.path("transects.geojson"))
        write_csv(table.drop(columns=table.geometry.name), folder.path("transects.csv"))
        write_csv(long, folder.path("positions.csv"))
    step("written", 0.98, str(out))
    if not ctx.obj.get("quiet"):
        mean = summary["mean_nsm_m"]
        say(f"{summary['measured']:,} of {summary['transects']:,} transects measured over {len(dates)} dates "
            f"({_day(dates[0])} – {_day(dates[-1])}); mean NSM {mean:+.1f} m; "
            f"{summary['possible_reclamation']:,} possible reclamation; wrote {out}")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def _day(value) -> str:
    """A date as YYYY-MM-DD (with the time only when it has one); empty for none."""
    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    ts = pd.Timestamp(value)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()


def _summary(rates, shorelines, baseline, dates, settings) -> dict:
    measured = rates[rates["dates"] >= 2]
    regressed = rates[rates["dates"] >= 3]

    def mean(frame, col):
        values = frame[col].dropna()
        return float(values.mean()) if len(values) else None

    return {
        "transects": int(len(rates)),
        "measured": int(len(measured)),
        "regressed": int(len(regressed)),
        "mean_nsm_m": mean(measured, "nsm_m"),
        "mean_epr_m_yr": mean(measured, "epr_m_yr"),
        "mean_lrr_m_yr": mean(regressed, "lrr_m_yr"),
        "mean_wlr_m_yr": mean(regressed, "wlr_m_yr"),
        "possible_reclamation": int(rates["possible_reclamation"].sum()),
        "dates": [_day(d) for d in dates],
        "shorelines": [str(p) for p in shorelines],
        "baseline": str(baseline),
        "sea_side": {f"part {k}": v for k, v in rates.attrs.get("sea_side", {}).items()},
        "settings": settings,
        "conventions": {
            "distance_m": "signed distance of a shoreline from the baseline along the transect, seaward positive "
                          "(DSAS's convention): negative landward of the baseline",
            "sea_side": "decided once per baseline part from the earliest shoreline crossing each transect: the side "
                        "most of the part's transects agree on holds the shorelines; the sea lies across the baseline "
                        "from it for an offshore baseline, on that side for an onshore one ('left'/'right' of the "
                        "baseline's direction)",
            "nsm_m": "youngest minus oldest position (m); positive = seaward (accretion, reclamation)",
            "sce_m": "largest distance between any two positions (m)",
            "epr_m_yr": "NSM / years between the oldest and youngest shoreline",
            "epr_unc_m_yr": "sqrt(U_oldest² + U_youngest²) / years between them",
            "lrr_m_yr": "least-squares slope of position on decimal year (three or more dates), with lrr_r2",
            "lrr_se_m": "standard error of the estimate, sqrt(Σ(y − ŷ)² / (n − 2))",
            "lrr_ci95_m_yr": "t(0.975, n − 2) · lrr_se_m / sqrt(Σ(x − x̄)²): half-width of the rate's 95 % interval",
            "wlr_m_yr": "weighted least-squares slope, weights 1/U² (U: shoreline uncertainty, m), with wlr_r2 "
                        "(weighted R²)",
            "wlr_se_m": "sqrt(Σw(y − ŷ)² / (n − 2)) with w = 1/U²: a ratio to the uncertainty (about 1 when the "
                        "residuals are as large as the stated uncertainties), as in DSAS",
            "wlr_ci95_m_yr": "t(0.975, n − 2) · wlr_se_m / sqrt(Σw(x − x̄_w)²)",
            "possible_reclamation": f"nsm_m above {settings['reclamation_m']:g} m",
            "year": "decimal year: year + (day of year − 1) / days in that year",
            "intersection": f"where a transect crosses one date's shoreline more than once, the crossing "
                            f"{settings['intersection']} to the baseline counts"
                            if settings["intersection"] == "closest" else
                            "where a transect crosses one date's shoreline more than once, the crossing farthest "
                            "from the baseline counts",
        },
        "notes": list(rates.attrs.get("notes", [])),
    }
