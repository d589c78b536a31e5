"""``ecozone setback``: coastal setback zones (海岸建筑退缩线) and what lies inside them."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ._common import TABLE_FORMATS, check_output, echo_notes, write_table
from ._inputs import NON_NEGATIVE, reads


@click.command()
@click.option("--coastline", type=click.Path(path_type=Path), required=True, help="Coastline segments (core_m / general_m fields used when filled).")
@click.option("--class-field", default="class", show_default=True, help="Field with the coastline class.")
@click.option("--core-m", type=NON_NEGATIVE, default=None, help="Core-zone width (m) for segments without their own.")
@click.option("--general-m", type=NON_NEGATIVE, default=None, help="General-control-zone width (m) for segments without their own.")
@click.option("--land", type=click.Path(path_type=Path), default=None, help="Land polygons (districts): zones on the land side only.")
@click.option("--urban", type=click.Path(path_type=Path), default=None, help="Urban development boundary (城镇开发边界) polygons.")
@click.option("--urban-core-m", type=NON_NEGATIVE, default=None, help="Core width inside the urban boundary.")
@click.option("--urban-general-m", type=NON_NEGATIVE, default=None, help="General width inside the urban boundary.")
@click.option("--check", "checks", type=click.Path(path_type=Path), multiple=True, help="Layer(s) to check against the zones (projects, mines); repeatable.")
@reads("--coastline", "--land", "--urban", "--check")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Zones as FILE.gpkg or FILE.geojson.")
@click.option("--findings", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the findings of --check to FILE.csv/.json (default: print).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.pass_context
def setback(ctx, coastline, class_field, core_m, general_m, land, urban, urban_core_m, urban_general_m, checks, inputs, out, findings,
            overwrite):
    """Core and general setback zones along the coastline; features inside them as findings.

    Inside the core zone is a violation (no new building), inside the general zone a warning.
    """
    import pandas as pd

    from ..io import write_layer
    from ..measure.setback import setback_findings, setback_zones

    files = [p for p in (coastline, land, urban, *checks) if p is not None]
    check_output(out, files, overwrite=overwrite)
    check_output(findings, files, overwrite=overwrite, formats=TABLE_FORMATS)
    if findings is not None and not checks:
        raise InputError(f"{findings}: --findings needs at least one --check layer; fix: add --check FILE")
    polygons = lambda p, option: None if p is None else inputs.read(p, option, None, families=("polygon",))  # noqa: E731
    zones = setback_zones(
        inputs.read(coastline, "--coastline", "coastline", fields={"class": (class_field, "--class-field")}), core_m, general_m,
        land=polygons(land, "--land"), urban=polygons(urban, "--urban"),
        urban_core_m=urban_core_m, urban_general_m=urban_general_m, class_field=class_field,
    )
    echo_notes(ctx, zones)
    tables = [setback_findings(inputs.read(p, "--check"), zones, layer_name=p.stem) for p in checks]
    write_layer(zones, out, overwrite=overwrite)
    if not ctx.obj.get("quiet"):
        area = dict(zip(zones["zone"], zones["area_ha"]))
        click.echo(f"ecozone: core zone {area['core']:,.1f} ha, general control zone beyond it {area['general']:,.1f} ha "
                   f"(core not included); wrote {out}", err=True)
    if checks:
        table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        write_table(table, findings, overwrite=overwrite)
