"""``ecozone scan``: what a FileGDB, GeoPackage or folder of Shapefiles holds, as a manifest ecozone reads."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ._common import check_output


@click.command("scan")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the manifest to FILE.toml; default: print it.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--name", default=None, help="The atlas's short name in the manifest [default: the source's name].")
@click.pass_context
def scan(ctx, source, out, overwrite, name):
    """Recognise the layers of SOURCE and write a manifest.toml (数据盘点).

    SOURCE is a FileGDB (.gdb), a GeoPackage, a Shapefile or a folder of
    them (GBK or UTF-8).  The land survey's DLTB becomes a land_survey layer,
    its XZQ a district layer, and ecozone's own kinds are found by their
    fields (under their names or their Chinese names).  The layers it does
    not recognise are listed in the manifest's comments and on stderr, and
    so are links out of the folder (never followed) and files it does not
    read.  Only the files it reads count as inputs: the manifest may be
    written (again, with --overwrite) inside the folder it scans.
    """
    import os

    from ..escape import line_text
    from ..io import write_text
    from ..scan import manifest_text, read_files, scan as find

    if out is not None and out.suffix.lower() != ".toml":
        raise InputError(f"{out}: a manifest is a .toml file; fix: name the output manifest.toml")
    check_output(out, read_files(source), overwrite=overwrite)
    found = find(source)
    text = manifest_text(found, out if out is not None else Path.cwd() / "manifest.toml",
                         name=name or Path(os.path.abspath(source)).stem)
    if not ctx.obj.get("quiet"):
        for f in found:
            what = f"{f.kind} ({f.why})" if f.kind else f"not recognised: {f.why}"
            click.echo(line_text(f"ecozone: {f.label}: {what}"), err=True)
            if f.note:
                click.echo(line_text(f"ecozone: {f.note}"), err=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_text(out, text, overwrite=overwrite)
