"""``ecozone targets``: the quantified targets of a plan's own text, as JSON or as an audit-config fragment (TOML)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write FILE.toml (an audit-config fragment: include = [\"FILE.toml\"] in the audit config) or "
                   "FILE.json (every target); default: print the JSON.")
@click.option("--year", type=int, default=None, help="Keep only the targets due that year.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def targets(ctx, plans, out, year, overwrite):
    """Find every quantified target in PLAN (.txt in UTF-8 or GBK, .docx, .pdf with text, .html).

    Each target carries the plan's sentence, its deadline, its operator (达到/不低于 >=, 不超过/控制在 <=,
    左右 ~) and the ecozone indicator that measures it, if any.  .doc, .wps, .ofd and scanned PDFs are
    refused with how to convert them (exit 2).
    """
    from ..errors import InputError
    from ..io import write_text
    from ..plans import plan_targets, targets_json, targets_toml
    from ._common import check_output

    if out is not None and out.suffix.lower() not in (".toml", ".json"):
        raise InputError(f"{out}: unknown output format; fix: name it FILE.toml (audit fragment) or FILE.json")
    check_output(out, list(plans), overwrite=overwrite)
    found = []
    for plan in plans:
        if not plan.exists():
            raise InputError(f"{plan}: plan not found; fix: check the path")
        found += plan_targets(plan, year=year)
    if out is None:
        click.echo(targets_json(found), nl=False)
    elif out.suffix.lower() == ".json":
        write_text(out, targets_json(found))
    else:
        write_text(out, targets_toml(found, [p.name for p in plans]))
    if not ctx.obj.get("quiet"):
        spatial = [t for t in found if t["spatial"]]
        mapped = [t for t in spatial if t["indicator"]]
        click.echo(f"ecozone: {len(found)} targets ({sum(t['kind'] == 'status' for t in found)} figures already reached), "
                   f"{len(spatial)} spatial, {len(mapped)} of them measured by ecozone"
                   + (f"; written to {out}" if out else ""), err=True)
