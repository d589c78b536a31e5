"""``ecozone coastline-change``: class change between two surveys, and DSAS-style position change."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..schema import ESTUARINE_RULES

from ..outputs import OutputFolder
from ._inputs import NON_NEGATIVE, POSITIVE, reads


@click.command("coastline-change")
@click.option("--before", type=click.Path(path_type=Path), required=True, help="The earlier survey (classified segments).")
@click.option("--after", type=click.Path(path_type=Path), required=True, help="The later survey.")
@click.option("--class-field", default="class", show_default=True, help="Field with the coastline class.")
@click.option("--include-islands", is_flag=True, help="Count island shoreline too.")
@click.option("--estuarine", type=click.Choice(ESTUARINE_RULES), default="artificial", show_default=True)
@click.option("--match-m", type=NON_NEGATIVE, default=100.0, show_default=True, help="Later coastline this close to the earlier one is the same shore.")
@click.option("--baseline", type=click.Path(path_type=Path), default=None, help="Baseline for transects: adds NSM/SCE/EPR/LRR per transect.")
@click.option("--baseline-side", type=click.Choice(["offshore", "onshore"]), default="offshore", show_default=True)
@click.option("--spacing", type=POSITIVE, default=50.0, show_default=True, help="Transect spacing (m).")
@click.option("--transect-length", type=POSITIVE, default=1000.0, show_default=True, help="Transect length each side of the baseline (m).")
@click.option("--date-field", default="date", show_default=True, help="Field with each shoreline's date (for transects).")
@click.option("--reclamation-m", type=NON_NEGATIVE, default=100.0, show_default=True, help="Seaward advance flagged as possible reclamation (m).")
@reads("--before", "--after", "--baseline")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for change.json, changes.geojson, transects.geojson/.csv.")
@click.option("--overwrite", is_flag=True, help="Write into a folder that holds other files too (they are left alone); "
              "an earlier coastline-change folder needs no --overwrite and its old outputs are replaced.")
@click.pass_context
def change(ctx, before, after, class_field, include_islands, estuarine, match_m, baseline, baseline_side, spacing,
           transect_length, date_field, reclamation_m, inputs, out, overwrite):
    """Natural coastline lost/gained between two surveys; with --baseline, shoreline movement per transect."""
    import pandas as pd

    from ..io import write_csv, write_layer, write_text
    from ..measure.change import coastline_change, shoreline_change
    from ..report import json_ready

    # the output folder is checked before anything is read: never an input, other files only with --overwrite
    folder = OutputFolder(out, inputs=[before, after, baseline], overwrite=overwrite, command="coastline-change")
    survey = {"class": (class_field, "--class-field")}
    b = inputs.read(before, "--before", "coastline", fields=survey, drawn_twice_ahead=True)
    a = inputs.read(after, "--after", "coastline", fields=survey, drawn_twice_ahead=True)
    summary, changes = coastline_change(b, a, class_field=class_field, include_islands=include_islands,
                                        estuarine=estuarine, match_m=match_m)
    rates = None
    if baseline is not None:
        shores = pd.concat([b, a.to_crs(b.crs)], ignore_index=True)
        shores.attrs["source"] = f"{before} + {after}"
        rates = shoreline_change(shores, inputs.read(baseline, "--baseline", None, families=("line",)), date_field=date_field,
                                 spacing_m=spacing, length_m=transect_length, baseline_side=baseline_side,
                                 reclamation_m=reclamation_m)
        measured = rates[rates["dates"] >= 2]
        summary["transects"] = {
            "count": int(len(rates)),
            "measured": int(len(measured)),
            "mean_nsm_m": float(measured["nsm_m"].mean()) if len(measured) else None,
            "mean_epr_m_yr": float(measured["epr_m_yr"].mean()) if len(measured) else None,
            "possible_reclamation": int(rates["possible_reclamation"].sum()),
        }
    # each file written atomically; the folder's earlier outputs that this run does not write are removed,
    # nothing else in it is touched
    with folder:
        write_text(folder.path("change.json"), json.dumps(json_ready(summary, None), ensure_ascii=False, indent=2, default=str,
                                                          allow_nan=False) + "\n")
        if len(changes):
            write_layer(changes, folder.path("changes.geojson"))
        if rates is not None:
            write_layer(rates.assign(first=rates["first"].astype(str), last=rates["last"].astype(str)),
                        folder.path("transects.geojson"))
            write_csv(rates.drop(columns=rates.geometry.name), folder.path("transects.csv"))
    if not ctx.obj.get("quiet"):
        click.echo(
            f"ecozone: retention {summary['retention_before']:.2%} → {summary['retention_after']:.2%}; natural lost "
            f"{summary['lost_km']:.3f} km, gained {summary['gained_km']:.3f} km, new shore {summary['new_km']:.3f} km; wrote {out}",
            err=True,
        )
