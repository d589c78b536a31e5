"""``ecozone conflicts``: features that overlap a control layer (the red line), as findings."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import TABLE_FORMATS, check_output, echo_notes, engine_kwargs, engine_options, out_option, write_table
from ._inputs import NON_NEGATIVE, reads
from ._progress import say, step


#: The names of :data:`ecozone.measure.conflicts.RULES`, in its order, written out so that ``--help`` imports no
#: geopandas (tests/test_cli_startup.py checks that the two lists agree).
RULE_NAMES = ("mine_in_redline", "ranch_in_marine_redline", "ranch_wind_farm", "project_in_redline")


@click.command()
@click.option("--layer", type=click.Path(path_type=Path), required=True, help="Features to check: mines, marine ranches, projects …")
@click.option("--against", type=click.Path(path_type=Path), required=True, help="Control polygons: the red line …")
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=click.Choice(RULE_NAMES),
    help="Built-in rule(s) deciding the severity; without one every overlap is a warning.",
)
@click.option("--search-m", type=NON_NEGATIVE, default=1000.0, show_default=True, help="Radius for 'near' findings (rules that report them).")
@click.option("--id-field", default="id", show_default=True, help="Field with the feature ids (both layers).")
@click.option("--name-field", default="name", show_default=True, help="Field with the feature names (both layers).")
@click.option(
    "--fail-on",
    type=click.Choice(["never", "violation", "warning"]),
    default="never",
    show_default=True,
    help="Exit 1 when a finding is this severe or worse.",
)
@reads("--layer", "--against")
@engine_options
@out_option
@click.pass_context
def conflicts(ctx, layer, against, rules, search_m, id_field, name_field, fail_on, inputs, engine, scheduler, partitions,
              out, overwrite):
    """Overlaps of LAYER's features with the control layer: ids, names, area, share, severity."""
    from click.core import ParameterSource

    from ..measure.conflicts import conflicts as check

    check_output(out, [layer, against], overwrite=overwrite, formats=TABLE_FORMATS)
    with engine_kwargs(engine, scheduler, partitions) as run:
        # ids are unique in both layers; a column named with --id-field must be in --layer
        ids = (id_field, "--id-field")
        control = inputs.read(against, "--against", None, families=("polygon",), id_field=ids)
        given = lambda name: ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE  # noqa: E731
        features = inputs.big(layer, "--layer", None, "layer", run, id_field=ids, id_required=given("id_field"),
                              fields={"name": (name_field, "--name-field")} if given("name_field") else None)
        step("read", 0.3, "read --layer and --against")
        table = check(features, control, list(rules) or None, search_m=search_m, id_field=id_field, name_field=name_field,
                      layer_name=layer.stem, **run)
    step("measured", 0.9, f"{len(table)} findings")
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra={"notes": table.attrs.get("notes", [])})
    step("written", 0.98, str(out or "stdout"))
    if not ctx.obj.get("quiet"):
        counts = table["severity"].value_counts()
        say(", ".join(f"{counts.get(s, 0)} {s}" for s in ("violation", "warning", "info")))
    worst = {"violation": ["violation"], "warning": ["violation", "warning"]}.get(fail_on, [])
    if table["severity"].isin(worst).any():
        ctx.exit(1)
