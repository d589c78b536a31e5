"""``ecozone restoration``: union area of restoration projects by type, status and year."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (TABLE_FORMATS, area_method_option, check_output,
                      echo_notes, engine_kwargs, engine_options, out_option, write_table)
from ._inputs import POSITIVE, YEAR, reads
from ._progress import say, step


@click.command()
@click.option("--projects", type=click.Path(path_type=Path), required=True, help="Restoration project polygons (type, status, year).")
@click.option("--zones", type=click.Path(path_type=Path), default=None, help="Zones to break the area down by (districts …).")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--by", default="type,status,year", show_default=True, help="Project fields to group by, comma-separated ('' for none).")
@click.option("--status", "statuses", multiple=True, help="Count only projects of this status (repeatable): planned, ongoing, completed.")
@click.option("--target-ha", type=POSITIVE, default=None, help="Also report progress against this target area (ha).")
@click.option("--type", "type_", default=None, help="Project type the target is for (e.g. coastal_wetland / 滨海湿地).")
@click.option("--until", type=YEAR, default=None, help="Count projects of this year or earlier for the target.")
@area_method_option()
@reads("--projects", "--zones")
@engine_options
@out_option
@click.pass_context
def restoration(ctx, projects, zones, zone_field, by, statuses, target_ha, type_, until, area_method, inputs, engine,
                scheduler, partitions, out, overwrite):
    """Restored area (ha, km², mu) per zone and in total; overlapping projects count once.

    With --target-ha, progress against the target counts completed projects
    only (unless --status says otherwise), of --type, up to --until.
    """
    from ..measure.restoration import restoration as measure
    from ..measure.restoration import restoration_progress

    check_output(out, [p for p in (projects, zones) if p is not None], overwrite=overwrite, formats=TABLE_FORMATS)
    by_fields = tuple(f.strip() for f in by.split(",") if f.strip())
    with engine_kwargs(engine, scheduler, partitions) as run:
        zone_gdf = None if zones is None else inputs.read(zones, "--zones", "district",
                                                          fields={"name": (zone_field, "--zone-field")})
        need = {*by_fields, *(["status"] if statuses or target_ha is not None else []), *(["type"] if type_ else []),
                *(["year"] if until is not None else [])}
        project_gdf = inputs.big(projects, "--projects", "restoration", "restoration", run, need=tuple(need))
        step("read", 0.3, "read --projects" + (" and --zones" if zones is not None else ""))
        table = measure(project_gdf, zone_gdf, by=by_fields, zone_field=zone_field, status=list(statuses) or None,
                        area_method=area_method, **run)
        extra = {"notes": table.attrs.get("notes", []), "area_method": area_method}
        if target_ha is not None:
            progress = restoration_progress(
                project_gdf, target_ha, restoration_type=type_, until=until, status=list(statuses) or ("completed",),
                area_method=area_method, **run
            )
            extra["progress"] = progress
    if target_ha is not None:
        if not ctx.obj.get("quiet"):
            verdict = "met" if progress["met"] else "NOT met"
            say(f"target {progress['target_ha']:g} ha {verdict}: {progress['achieved_ha']:.2f} ha "
                f"({progress['share']:.1%}) from {progress['projects']} {'/'.join(progress['status'])} project(s)"
                + (f", overlaps of {progress['overlap_ha']:.2f} ha counted once" if progress["overlap_ha"] > 0 else ""))
    step("measured", 0.9, f"{len(table)} rows")
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra=extra)
    step("written", 0.98, str(out or "stdout"))
