"""``ecozone sea-zones``: derive approximate sea zones from districts and the coastline."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import check_output, echo_notes
from ._inputs import POSITIVE, reads
from ._progress import say, step


@click.command("sea-zones")
@click.option("--districts", type=click.Path(path_type=Path), required=True, help="Land district polygons.")
@click.option("--coastline", type=click.Path(path_type=Path), required=True, help="Coastline lines (mainland and islands).")
@click.option("--seaward-km", type=POSITIVE, default=22.2, show_default=True, help="Seaward limit from the coastline.")
@click.option("--zone-field", default="name", show_default=True, help="Field of the districts that names them.")
@click.option("--clip", type=click.Path(path_type=Path), default=None, help="Polygons the zones must stay inside (official sea-area boundary).")
@click.option("--land", type=click.Path(path_type=Path), default=None,
              help="Land polygons that are never sea: the neighbouring cities, islands, a shoreline's land polygons "
              "(e.g. GSHHG's). Without it, land outside the districts may be counted as sea (a warning says so).")
@reads("--districts", "--coastline", "--clip", "--land")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="FILE.gpkg or FILE.geojson to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_context
def sea_zones(ctx, districts, coastline, seaward_km, zone_field, clip, land, inputs, out, overwrite):
    """Sea within --seaward-km of the coast, allocated to the nearest district (approximate).

    Use it as --zones for marine layers (bays, ranches, the marine red line)
    when no official sea-area polygons exist.  Every zone carries approximate=true.
    With --land, that land is never sea and sea nearer to its coasts than to the
    city's coastline (the neighbours' side) is left out.
    """
    from ..io import write_layer
    from ..measure.sea import sea_zones as derive

    check_output(out, [p for p in (districts, coastline, clip, land) if p is not None], overwrite=overwrite)
    zones = derive(
        inputs.read(districts, "--districts", "district", fields={"name": (zone_field, "--zone-field")}, mosaic=True),
        # only the shore is used, not the classes: lines, or land polygons taken by their outline
        inputs.read(coastline, "--coastline", None, families=("line", "polygon")),
        seaward_km,
        zone_field=zone_field,
        clip=None if clip is None else inputs.read(clip, "--clip", None, families=("polygon",)),
        land=None if land is None else inputs.read(land, "--land", "land"),
    )
    step("measured", 0.8, f"{len(zones)} sea zones")
    echo_notes(ctx, zones)
    write_layer(zones, out, overwrite=overwrite)
    step("written", 0.98, str(out))
    if not ctx.obj.get("quiet"):
        say(f"wrote {len(zones)} sea zones to {out}")
