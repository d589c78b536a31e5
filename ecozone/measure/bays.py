"""Per-bay report (一湾一策): coastline, protection and restoration of each bay.

One row per bay — area, coastline length by class and natural-coastline
retention, the share covered by the marine red line and by marine ranches,
and the restoration projects inside — and one Markdown section per bay for
the bay's "one bay, one strategy" file.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> table, markdown = ecozone.bay_report(atlas["bays"], coastline=atlas["coastline"])
>>> markdown.splitlines()[0]
'# 一湾一策 Bay reports'
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..escape import markdown_text
from ..schema import COASTLINE_CLASSES, KINDS
from ..units import M2_PER_HA
from .coastline import MAINLAND, coastline_label, coastline_retention
from .._renamed import renamed
from ..prepare import prepare_layers
from .coverage import coverage

__all__ = ["bay_report"]


@renamed(name_field="zone_field")
def bay_report(
    bays: gpd.GeoDataFrame,
    *,
    coastline: gpd.GeoDataFrame | None = None,
    redline: gpd.GeoDataFrame | None = None,
    ranches: gpd.GeoDataFrame | None = None,
    restoration: gpd.GeoDataFrame | None = None,
    zone_field: str = "name",
    include_islands: bool = False,
    bay_tolerance_m: float = 500.0,
) -> tuple[pd.DataFrame, str]:
    """A row and a Markdown section per bay (一湾一策).

    Parameters
    ----------
    bays : bay polygons, named by ``zone_field`` (the old keyword ``zone_field=`` still works, with a warning)
    coastline : classified coastline: length by class and retention per bay, on
        the mainland coastline by default (the plans' targets are for it), with the
        figures on the coastline with the bay's islands beside them
    include_islands : measure the main figures on the mainland and island coastline
    redline : marine red-line polygons: area and share of each bay covered
    ranches : marine ranch polygons: area, share and number per bay
    restoration : restoration projects: their ids inside each bay and their union area

    Returns
    -------
    ``(table, markdown)``: the table has ``bay``, ``area_ha`` and, per layer
    given, ``coastline`` (which coastline the figures are on: ``mainland`` or
    ``mainland and islands``), ``coast_km``, ``natural_km``, ``retention``,
    ``<class>_km``, and beside them on the coastline with the islands
    ``coast_with_islands_km``, ``natural_with_islands_km``, ``retention_with_islands``;
    ``redline_ha``, ``redline_share``; ``ranches``, ``ranch_ha``,
    ``ranch_share``; ``restoration_projects``, ``restoration_ha``.
    """
    if zone_field not in bays.columns:
        raise SchemaError(f"bays: no field '{zone_field}' to name the bays; fix: pass zone_field=NAME")
    notes: list[str] = []
    layers = {k: v for k, v in (("redline", redline), ("ranches", ranches), ("restoration", restoration)) if v is not None}
    zones, layers = prepare_layers(bays, layers, notes, zones_name="bays")
    names = zones[zone_field].astype(str).tolist()
    table = pd.DataFrame({"bay": names, "area_ha": zones.geometry.area.to_numpy() / M2_PER_HA})
    if coastline is not None:
        def by_bay(islands: bool) -> pd.DataFrame:
            return coastline_retention(coastline, bays=zones, bay_field=zone_field, include_islands=islands,
                                       bay_tolerance_m=bay_tolerance_m).by_bay.drop(columns="coastline").rename(columns={"total_km": "coast_km"})

        table["coastline"] = coastline_label(include_islands)
        main = by_bay(include_islands)
        table = table.merge(main, on="bay", how="left")
        with_islands = (main if include_islands else by_bay(True))[["bay", "coast_km", "natural_km", "retention"]]
        table = table.merge(with_islands.rename(columns={"coast_km": "coast_with_islands_km", "natural_km": "natural_with_islands_km",
                                                         "retention": "retention_with_islands"}), on="bay", how="left")
    for key, prefix in (("redline", "redline"), ("ranches", "ranch")):
        if key in layers:
            cov = coverage(zones, layers[key], zone_field=zone_field, total=False)
            table[f"{prefix}_ha"] = cov["covered_ha"].to_numpy()
            table[f"{prefix}_share"] = cov["covered_share"].to_numpy()
            if key == "ranches":
                table["ranches"] = _count_inside(zones, layers[key])
    if "restoration" in layers:
        projects = layers["restoration"]
        cov = coverage(zones, projects, zone_field=zone_field, total=False)
        tree = shapely.STRtree(projects.geometry.values)
        bi, pi = tree.query(zones.geometry.values, predicate="intersects")
        ids = projects["id"].astype(str).to_numpy() if "id" in projects else np.arange(len(projects)).astype(str)
        table["restoration_projects"] = [", ".join(sorted(ids[pi[bi == i]])) for i in range(len(zones))]
        table["restoration_ha"] = cov["covered_ha"].to_numpy()
    table.attrs["notes"] = notes
    return table, _markdown(table, zones, zone_field)


def _count_inside(zones: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> list[int]:
    """Features sharing area with each zone."""
    tree = shapely.STRtree(layer.geometry.values)
    bi, pi = tree.query(zones.geometry.values, predicate="intersects")
    shared = shapely.area(shapely.intersection(zones.geometry.values[bi], layer.geometry.values[pi])) > 0
    return np.bincount(bi[shared], minlength=len(zones)).tolist()


def _markdown(table: pd.DataFrame, zones: gpd.GeoDataFrame, zone_field: str) -> str:
    lines = ["# 一湾一策 Bay reports", ""]
    english = zones["name_en"].tolist() if "name_en" in zones.columns else [None] * len(zones)
    for row, en in zip(table.to_dict("records"), english):
        lines += [f"## {markdown_text(row['bay'])}" + (f" ({markdown_text(en)})" if en else ""), ""]
        lines.append(f"- 海湾面积 area: {row['area_ha']:,.1f} ha ({row['area_ha'] / 100:,.2f} km²)")
        if "coast_km" in row:
            if row["coast_km"] and row["coast_km"] > 0:
                which = "大陆岸线 mainland coastline" if row["coastline"] == MAINLAND else "大陆及海岛岸线 mainland and island coastline"
                lines.append(
                    f"- {which}: {row['coast_km']:,.2f} km, 自然岸线 natural {row['natural_km']:,.2f} km, "
                    f"保有率 retention {row['retention']:.1%}"
                )
                parts = [f"{COASTLINE_CLASSES.label(c)} {row[f'{c}_km']:,.2f}" for c in COASTLINE_CLASSES.codes if row.get(f"{c}_km", 0) > 0]
                lines.append(f"  - 按类型 by class (km, {row['coastline']}): "
                             f"{'; '.join(parts)}")
                if row["coastline"] == MAINLAND and row["coast_with_islands_km"] > row["coast_km"] + 1e-9:
                    lines.append(
                        f"  - 含海湾内海岛岸线 with the bay's islands: {row['coast_with_islands_km']:,.2f} km, natural "
                        f"{row['natural_with_islands_km']:,.2f} km, retention {row['retention_with_islands']:.1%} "
                        "(for information: the targets are for the mainland coastline)"
                    )
            elif row.get("coast_with_islands_km", 0) > 0:
                lines.append(f"- 大陆岸线 mainland coastline: none within the bay's tolerance; with the bay's islands "
                             f"{row['coast_with_islands_km']:,.2f} km, natural {row['natural_with_islands_km']:,.2f} km, "
                             f"retention {row['retention_with_islands']:.1%}")
            else:
                lines.append("- 岸线 coastline: none within the bay's tolerance")
        if "redline_ha" in row:
            lines.append(f"- {KINDS['redline'].zh} marine red line: {row['redline_ha']:,.1f} ha ({row['redline_share']:.1%} of the bay)")
        if "ranch_ha" in row:
            lines.append(f"- {KINDS['marine_ranch'].zh} marine ranches: {row['ranches']} ({row['ranch_ha']:,.1f} ha, {row['ranch_share']:.1%} of the bay)")
        if "restoration_ha" in row:
            listed = markdown_text(row["restoration_projects"] or "none")
            lines.append(f"- {KINDS['restoration'].zh} restoration: {listed} ({row['restoration_ha']:,.1f} ha)")
        lines.append("")
    return "\n".join(lines)
