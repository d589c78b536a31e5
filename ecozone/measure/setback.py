"""Coastal setback zones (海岸建筑退缩线): the core zone and the general control zone.

The widths vary per segment — 25 to 500 m in published cases — and differ
inside and outside the urban development boundary (城镇开发边界), so they are
taken, in this order, from the segment's own ``core_m`` / ``general_m``
fields, from a per-class table, then from the scalar defaults.  The general
control zone is the band beyond the core zone; both are measured landward
of the coastline when ``land`` is given (the districts), else on both sides.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> zones = ecozone.setback_zones(atlas["coastline"], land=atlas["districts"])
>>> zones["zone"].tolist()
['core', 'general']
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..geometry import polygonal
from ..units import M2_PER_HA
from .coastline import checked_coastline, feature_label
from .conflicts import conflicts, sort_findings
from ..prepare import extent_frame, prepare_layers

__all__ = ["setback_zones", "setback_findings", "SETBACK_LABELS"]

SETBACK_LABELS = {"core": "核心区", "general": "一般控制区"}


def setback_zones(
    coastline: gpd.GeoDataFrame,
    core_m: float | None = None,
    general_m: float | None = None,
    *,
    by_class: Mapping[str, tuple[float, float]] | None = None,
    urban: gpd.GeoDataFrame | None = None,
    urban_core_m: float | None = None,
    urban_general_m: float | None = None,
    land: gpd.GeoDataFrame | None = None,
    class_field: str = "class",
    include_islands: bool = True,
) -> gpd.GeoDataFrame:
    """Polygons of the core setback zone and the general control zone (退缩线核心区 / 一般控制区).

    Parameters
    ----------
    coastline : coastline segments; ``core_m`` / ``general_m`` fields, when present
        and filled, give each segment's widths in metres (general ≥ core)
    core_m, general_m : widths for segments without their own
    by_class : ``{class: (core_m, general_m)}`` for segments without their own widths
    urban : urban development boundary polygons; coastline inside them uses
        ``urban_core_m`` / ``urban_general_m`` (when given) instead
    land : land polygons (districts): the zones are kept on the land side
    class_field : the column holding the coastline class
    include_islands : also draw zones along island shoreline (default True)

    Returns
    -------
    GeoDataFrame with two rows, ``zone`` ``core`` and ``general`` (``id`` the same,
    ``name`` 核心区 / 一般控制区, ``type`` the zone), ``area_ha`` and the geometry, in
    the measurement CRS.  The two do not overlap: ``general`` is the band beyond
    the core zone and its ``area_ha`` does not include the core's (the whole
    setback area is their sum).  ``attrs["notes"]`` says where widths came from.
    """
    notes: list[str] = []
    lines = checked_coastline(coastline, class_field, notes)
    if not include_islands and "island" in lines.columns:
        lines = lines.loc[~lines["island"].fillna(False).astype(bool).to_numpy()]
    anchor = land if land is not None else extent_frame(lines)
    anchor, moved = prepare_layers(anchor, {"coastline": lines}, notes, polygons=False,
                                   zones_name="land" if land is not None else "coastline extent")
    lines = moved["coastline"]
    core, general = _widths(lines, core_m, general_m, by_class, coastline.attrs.get("source", "coastline"))
    geoms = lines.geometry.values

    if urban is not None and (urban_core_m is not None or urban_general_m is not None):
        _, moved = prepare_layers(anchor, {"urban": urban}, notes)
        boundary = shapely.union_all(moved["urban"].geometry.values)
        inside = shapely.intersection(geoms, boundary)
        outside = shapely.difference(geoms, boundary)
        in_core = np.full(len(geoms), urban_core_m if urban_core_m is not None else np.nan)
        in_general = np.full(len(geoms), urban_general_m if urban_general_m is not None else np.nan)
        in_core = np.where(np.isnan(in_core), core, in_core)
        in_general = np.where(np.isnan(in_general), general, in_general)
        geoms = np.concatenate([outside, inside])
        core = np.concatenate([core, in_core])
        general = np.concatenate([general, np.maximum(in_general, in_core)])
        notes.append("inside the urban development boundary: urban widths")
        keep = ~shapely.is_empty(geoms)
        geoms, core, general = geoms[keep], core[keep], general[keep]

    core_zone = shapely.union_all(shapely.buffer(geoms, core))
    general_zone = shapely.difference(shapely.union_all(shapely.buffer(geoms, general)), core_zone)
    if land is not None:
        land_union = shapely.union_all(anchor.geometry.values)
        core_zone = shapely.intersection(core_zone, land_union)
        general_zone = shapely.intersection(general_zone, land_union)
    else:
        notes.append("no land layer: zones drawn on both sides of the coastline")
    zones = [polygonal(core_zone), polygonal(general_zone)]
    out = gpd.GeoDataFrame(
        {
            "id": ["core", "general"],
            "zone": ["core", "general"],
            "name": [SETBACK_LABELS["core"], SETBACK_LABELS["general"]],
            "type": ["core", "general"],
            "area_ha": [g.area / M2_PER_HA for g in zones],
        },
        geometry=zones,
        crs=lines.crs,
    )
    out.attrs["notes"] = notes
    return out


def setback_findings(layer: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, **kwargs) -> pd.DataFrame:
    """Features of ``layer`` (projects, mines …) inside the setback zones (退缩线内建设).

    A findings table as :func:`ecozone.conflicts` returns, rule
    ``in_setback_zone``: inside the core zone is a violation (no new building
    there), inside the general control zone a warning.
    """
    found = conflicts(layer, zones, None, against_name="setback_zones", **kwargs)
    found["rule"] = "in_setback_zone"
    found["severity"] = found["against_type"].map({"core": "violation", "general": "warning"}).fillna("warning")
    return sort_findings(found)


def _widths(lines, core_m, general_m, by_class, source):
    n = len(lines)
    core = np.full(n, np.nan)
    general = np.full(n, np.nan)
    for column, target in (("core_m", core), ("general_m", general)):
        if column in lines.columns:
            target[:] = pd.to_numeric(lines[column], errors="coerce").to_numpy(dtype=float)
    if by_class:
        classes = lines["_class"].to_numpy()
        for cls, (c, g) in by_class.items():
            hit = classes == cls
            core[hit & np.isnan(core)] = c
            general[hit & np.isnan(general)] = g
    if core_m is not None:
        core[np.isnan(core)] = core_m
    if general_m is not None:
        general[np.isnan(general)] = general_m
    missing = np.flatnonzero(np.isnan(core) | np.isnan(general))
    if len(missing):
        rows = lines["_row"].to_numpy()
        shown = ", ".join(feature_label(lines, i, rows[i]) for i in missing[:5])
        raise SchemaError(
            f"{source}: {len(missing)} segment(s) without a setback width: {shown}; "
            "fix: fill core_m / general_m, or pass core_m= / general_m= or widths per class"
        )
    bad = np.flatnonzero((core < 0) | (general < core))
    if len(bad):
        rows = lines["_row"].to_numpy()
        i = bad[0]
        raise SchemaError(
            f"{source}: segment {feature_label(lines, i, rows[i])}: core {core[i]:g} m, general {general[i]:g} m; "
            "fix: widths must be ≥ 0 and the general zone at least as wide as the core zone"
        )
    return core, general

