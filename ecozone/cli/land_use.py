"""``ecozone land-use``: the land survey's 地类图斑 summed per zone (or district / township) and 地类."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ._common import TABLE_FORMATS, check_output, echo_notes, engine_kwargs, engine_options, out_option, write_table
from ._inputs import reads
from ._progress import step


@click.command("land-use")
@click.option("--survey", type=click.Path(path_type=Path), required=True,
              help="The 地类图斑 layer: a FileGDB (its DLTB), GeoPackage or Shapefile (GBK or UTF-8).")
@click.option("--survey-layer", default=None, metavar="NAME", help="Layer of --survey to read [default: DLTB].")
@click.option("--zones", type=click.Path(path_type=Path), default=None,
              help="Zone polygons to sum in [default: the districts of ZLDWDM].")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@click.option("--by-township", is_flag=True, help="Without --zones: rows per township (ZLDWDM[:9]), not district ([:6]).")
@click.option("--xzq", type=click.Path(path_type=Path), default=None,
              help="The survey's XZQ layer (XZQDM, XZQMC), naming districts and townships [default: their codes].")
@click.option("--xzq-layer", default=None, metavar="NAME",
              help="The layer of --xzq holding XZQ, when it is not called XZQ (e.g. XZQ_2023).")
@click.option("--level", type=click.Choice(["1", "2"]), default="2", show_default=True,
              help="2: the DLBM classes; 1: their 一级 classes (湿地 its own, as in the 三调 statistics).")
@click.option("--area-method", type=click.Choice(["ellipsoidal", "planar"]), default="ellipsoidal", show_default=True,
              help="ellipsoidal: on the CGCS2000 ellipsoid, as TBMJ (TD/T 1055); planar: in the Gauss-Krüger zone.")
@reads("--survey", "--zones")
@engine_options
@out_option
@click.pass_context
def land_use(ctx, survey, survey_layer, zones, zone_field, by_township, xzq, xzq_layer, level, area_method, inputs, engine,
             scheduler, partitions, out, overwrite):
    """Area (ha, mu) and share of each 地类 per zone, net of 田坎, from the land survey (土地利用现状).

    Without --zones, rows per district (or township, --by-township) of the
    座落单位代码 ZLDWDM carry the survey's own figures (TBDLMJ, what the
    official statistics sum) with the geometry's area beside them
    (geometry_area_ha); with --zones, areas come from the geometry, 图斑 cut by
    the zones and their deduction pro-rated.  The deducted area (KCMJ, else
    KCXS × area) is a row of its own (1203 田坎).  The 图斑 whose geometry
    differs from TBMJ by more than 0.1 % are reported (a finding, not an error).
    With --engine dask each worker reads its own range of the survey's rows
    (--partitions of them) and sums it; the sums are added up, the same table.
    """
    from ..land_survey import SurveySource, read_xzq, refuse_delivery
    from ..measure.land_use import land_use as measure

    if xzq_layer is not None and xzq is None:
        raise InputError("--xzq-layer: names a layer of --xzq; fix: give --xzq FILE too")
    if by_township and zones is not None:
        raise InputError("--by-township: sums by the survey's own townships, not by --zones; fix: leave one of them out")
    check_output(out, [p for p in (survey, zones, xzq) if p is not None], overwrite=overwrite, formats=TABLE_FORMATS)
    for path in (survey, xzq):
        if path is not None:
            refuse_delivery(path)
    inputs.say_applied()
    with engine_kwargs(engine, scheduler, partitions) as run:
        zone_gdf = None
        if zones is not None:
            zone_gdf = inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")})
        step("read", 0.1, "read --zones" if zones is not None else "checked the inputs")
        # the survey is read and measured a batch of 图斑 at a time (with dask: each worker its own rows)
        source = SurveySource(survey, layer=survey_layer, declared_crs=inputs.crs("--survey"))
        table = measure(source, zone_gdf, level=int(level), area_method=area_method, zone_field=zone_field,
                        by_township=by_township, xzq=xzq if xzq_layer is None else read_xzq(xzq, layer=xzq_layer), **run)
    table.attrs["notes"] = [f"areas {table.attrs['area_method_label']}", *table.attrs.get("notes", [])]
    step("measured", 0.9, f"{len(table)} rows")
    echo_notes(ctx, table)
    extra = {key: table.attrs.get(key) for key in ("area_method", "tbmj_check", "surveyed_area_ha", "notes")}
    extra["level"] = int(level)
    write_table(table, out, overwrite=overwrite, extra=extra)
    step("written", 0.98, str(out or "stdout"))
