"""``ecozone coverage``: area and share of each zone covered by one or more layers."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (TABLE_FORMATS, area_method_option, check_output,
                      echo_notes, engine_kwargs, engine_options, out_option, write_table)
from ._inputs import reads


@click.command()
@click.option("--zones", type=click.Path(path_type=Path), required=True, help="Zone polygons (districts, sea zones, bays …).")
@click.option(
    "--layer",
    "layers",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Polygon layer to measure; repeat for several (one column block per layer, named by file).",
)
@click.option("--by", default=None, help="Field of the layer to break the figures down by (e.g. type).")
@click.option("--zone-field", default="name", show_default=True, help="Field of the zones that names them.")
@area_method_option()
@reads("--zones", "--layer")
@engine_options
@out_option
@click.pass_context
def coverage(ctx, zones, layers, by, zone_field, area_method, inputs, engine, scheduler, partitions, out, overwrite):
    """Covered area (ha, km², mu) and share of each zone, with a totals row.

    Layers are dissolved before measuring, so overlapping polygons count once;
    the totals row is measured on the union of the zones.  With --engine dask
    the layers (GeoParquet, GeoPackage …) are read and measured partition by
    partition on a Dask cluster, with the same results.
    """
    from ..measure.coverage import coverage as measure
    from ..prepare import measurement_target

    check_output(out, [zones, *layers], overwrite=overwrite, formats=TABLE_FORMATS)
    with engine_kwargs(engine, scheduler, partitions) as run:
        zone_gdf = inputs.read(zones, "--zones", "district", fields={"name": (zone_field, "--zone-field")})
        # a layer in another CRS (lon/lat parcels) is reprojected as it is read: never held twice
        target = measurement_target(zone_gdf) if zone_gdf.crs is not None else None
        frames = {}
        for path in layers:
            name = path.stem
            while name in frames:
                name += "_"
            frames[name] = inputs.big(path, "--layer", None, name, run, families=("polygon",), to_crs=target)
        arg = next(iter(frames.values())) if len(frames) == 1 else frames
        table = measure(zone_gdf, arg, by=by, zone_field=zone_field, area_method=area_method, **run)
    echo_notes(ctx, table)
    write_table(table, out, overwrite=overwrite, extra={"notes": table.attrs.get("notes", []), "area_method": area_method})
