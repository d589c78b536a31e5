"""``ecozone coastline``: natural-coastline retention (自然岸线保有率) per city, district and bay."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..schema import ESTUARINE_RULES

from ..errors import InputError
from ._common import check_output
from ._inputs import NON_NEGATIVE, reads
from ._progress import say, step


@click.command()
@click.option("--coastline", type=click.Path(path_type=Path), required=True, help="Coastline segments (lines) with a class field.")
@click.option("--class-field", default="class", show_default=True, help="Field with the coastline class (e.g. 岸线类型).")
@click.option("--zones", type=click.Path(path_type=Path), default=None, help="Districts: retention per district.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--bays", type=click.Path(path_type=Path), default=None, help="Bay polygons: retention per bay.")
@click.option("--bay-tolerance-m", type=NON_NEGATIVE, default=500.0, show_default=True, help="Coastline this close to a bay belongs to it.")
@click.option("--include-islands", is_flag=True, help="Count island shoreline too (default: mainland only).")
@click.option(
    "--estuarine",
    type=click.Choice(ESTUARINE_RULES),
    default="artificial",
    show_default=True,
    help="How estuarine coastline (河口岸线) counts: not natural, natural, or left out of the total.",
)
@reads("--coastline", "--zones", "--bays")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="FILE.json (everything) or FILE.csv (by zone, bay and class); default: print.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def coastline(ctx, coastline, class_field, zones, zone_field, bays, bay_tolerance_m, include_islands, estuarine, inputs, out,
              overwrite):
    """Coastline length by class and natural-coastline retention, city-wide and per district/bay.

    Retention = (natural + restored-to-natural) ÷ total, mainland only unless --include-islands.
    """
    from ..io import write_csv, write_text
    from ..measure.coastline import coastline_label, coastline_retention

    if out is not None and out.suffix.lower() not in (".json", ".csv"):
        raise InputError(f"{out}: unknown output format {out.suffix or '(none)'}; fix: name the output .json or .csv")
    check_output(out, [p for p in (coastline, zones, bays) if p is not None], overwrite=overwrite)
    step("read", 0.1, "reading --coastline" + (" and --zones" if zones is not None else "") + (" and --bays" if bays is not None else ""))
    result = coastline_retention(
        inputs.read(coastline, "--coastline", "coastline", fields={"class": (class_field, "--class-field")},
                    drawn_twice_ahead=True),
        zones=None if zones is None else inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")},
                                                     mosaic=True),
        bays=None if bays is None else inputs.read(bays, "--bays", "bay"),
        class_field=class_field,
        include_islands=include_islands,
        estuarine=estuarine,
        zone_field=zone_field,
        bay_tolerance_m=bay_tolerance_m,
    )
    step("measured", 0.9, f"{result.total_km:,.3f} km of coastline")
    if not ctx.obj.get("quiet"):
        for note in result.notes:
            say(note)
    doc = result.to_dict()
    if out is None:
        which = coastline_label(bool(result.settings.get("include_islands")))
        click.echo(f"total ({which} coastline) {result.total_km:,.3f} km, natural {result.natural_km:,.3f} km, "
                   f"retention {result.retention:.2%}")
        for table, key in ((result.by_zone, "zone"), (result.by_bay, "bay")):
            if table is not None:
                for row in table.itertuples():
                    rate = "—" if row.total_km == 0 else f"{row.retention:.2%}"
                    click.echo(f"  {getattr(row, key)}: {row.total_km:,.3f} km, natural {row.natural_km:,.3f} km, retention {rate}")
        return
    if out.suffix.lower() == ".json":
        write_text(out, json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n", overwrite=overwrite)
    else:
        write_csv(_table(result), out, overwrite=overwrite)
    step("written", 0.98, str(out))


def _table(result):
    """One table: a row for the city, each zone and each bay (``level`` says which)."""
    import pandas as pd

    from ..measure.coastline import coastline_label
    from ..schema import COASTLINE_CLASSES

    which = coastline_label(bool(result.settings.get("include_islands")))
    city = {"level": "city", "name": "total", "total_km": result.total_km, "natural_km": result.natural_km, "retention": result.retention,
            "coastline": which}
    city.update({f"{c}_km": km for c, km in zip(result.by_class["class"], result.by_class["length_km"])})
    frames = [pd.DataFrame([city])]
    if result.by_zone is not None:
        frames.append(result.by_zone.rename(columns={"zone": "name"}).assign(level="zone"))
    if result.by_bay is not None:
        frames.append(result.by_bay.rename(columns={"bay": "name"}).assign(level="bay"))
    table = pd.concat(frames, ignore_index=True)
    cols = ["level", "name", "total_km", "natural_km", "retention"] + [f"{c}_km" for c in COASTLINE_CLASSES.codes] + ["coastline"]
    return table[cols]
