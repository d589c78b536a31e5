"""``ecozone bay-report``: one row and one Markdown section per bay (一湾一策)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TABLE_FORMATS, check_output, echo_notes, write_table
from ._inputs import reads


@click.command("bay-report")
@click.option("--bays", type=click.Path(path_type=Path), required=True, help="Bay polygons.")
@click.option("--name-field", default="name", show_default=True, help="Field naming the bays.")
@click.option("--coastline", type=click.Path(path_type=Path), default=None, help="Classified coastline: length by class and retention per bay "
              "(on the mainland coastline, the figure with the bay's islands beside it).")
@click.option("--include-islands", is_flag=True, help="Give the main figures on the mainland and island coastline.")
@click.option("--redline", type=click.Path(path_type=Path), default=None, help="Marine red line: area and share of each bay.")
@click.option("--ranches", type=click.Path(path_type=Path), default=None, help="Marine ranches: number, area and share per bay.")
@click.option("--restoration", type=click.Path(path_type=Path), default=None, help="Restoration projects inside each bay.")
@reads("--bays", "--coastline", "--redline", "--ranches", "--restoration")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="FILE.md, FILE.csv or FILE.json; default: print the Markdown.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def bay_report(ctx, bays, name_field, coastline, include_islands, redline, ranches, restoration, inputs, out, overwrite):
    """Coastline, marine red line, ranches and restoration per bay, as a table or Markdown."""
    from ..io import write_text
    from ..measure.bays import bay_report as report

    files = [p for p in (bays, coastline, redline, ranches, restoration) if p is not None]
    check_output(out, files, overwrite=overwrite, formats=(".md", *TABLE_FORMATS))
    # the red line's type, the ranches' level and type, the projects' type, status and year are not used here
    read = lambda p, option, kind, need=(): None if p is None else inputs.read(p, option, kind, need=need)  # noqa: E731
    table, markdown = report(inputs.read(bays, "--bays", "bay", fields={"name": (name_field, "--name-field")}),
                             coastline=read(coastline, "--coastline", "coastline", None), redline=read(redline, "--redline", "redline"),
                             ranches=read(ranches, "--ranches", "marine_ranch"),
                             restoration=read(restoration, "--restoration", "restoration"), zone_field=name_field,
                             include_islands=include_islands)
    echo_notes(ctx, table)
    if out is None:
        click.echo(markdown)
    elif out.suffix.lower() == ".md":
        write_text(out, markdown, overwrite=overwrite)
    else:
        write_table(table, out, overwrite=overwrite)
