"""Result layers: the measured figures on geometries, for maps and for GIS exports (成果图层).

Each function takes an :class:`~ecozone.atlas.Atlas` and returns a
GeoDataFrame in the atlas's measurement CRS whose attributes are the
measured figures (areas in ha and km², shares, lengths), so a GIS user can
style them directly.  :func:`result_layers` gives every one the atlas has
the layers for.

Example
-------
>>> import ecozone
>>> from ecozone.results import result_layers
>>> sorted(result_layers(ecozone.demo_atlas()))
['coastline_segments', 'findings', 'redline_coverage', 'retention_by_bay', 'retention_by_district', 'river_buffers', 'setback_zones']
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .atlas import Atlas
from .errors import InputError, SchemaError
from .geometry import LINEAL, POLYGONAL
from .units import M2_PER_HA, M_PER_KM

__all__ = ["Missing", "result_layers", "coverage_layer", "atlas_retention", "retention_layer", "findings_layer", "coastline_segments",
           "river_buffer_layer", "setback_layer", "measured"]


class Missing(LookupError):
    """The atlas lacks what a result layer is made from."""


def _first(atlas: Atlas, kind: str, what: str) -> gpd.GeoDataFrame:
    names = atlas.names(kind)
    if not names:
        raise Missing(f"{what} needs a {kind} layer")
    return atlas[names[0]]


def measured(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with ``area_ha`` for polygons and ``length_km`` for lines (its CRS must be projected)."""
    frame = frame.copy()
    geoms = frame.geometry.values
    kinds = shapely.get_type_id(geoms)
    polygons, lines = np.isin(kinds, POLYGONAL), np.isin(kinds, LINEAL)
    if polygons.any():
        frame["area_ha"] = np.where(polygons, shapely.area(geoms) / M2_PER_HA, np.nan)
    if lines.any():
        frame["length_km"] = np.where(lines, shapely.length(geoms) / M_PER_KM, np.nan)
    return frame


def join_by_name(frame: gpd.GeoDataFrame, table: pd.DataFrame, key: str, what: str) -> gpd.GeoDataFrame:
    """``frame`` with ``table``'s columns, matched on the name as text; duplicate names are refused
    (the figures of two features of one name cannot be told apart)."""
    names = frame["name"].astype("string").fillna("")
    dup = names[names.duplicated()]
    if len(dup):
        raise InputError(f"{what}: the name {dup.iloc[0]!r} is used by more than one feature, so its figures cannot be "
                         f"told apart; fix: give each feature its own name")
    figures = table.assign(_key=table[key].astype("string")).drop(columns=[key]).drop_duplicates("_key")
    joined = frame.assign(_key=names.to_numpy()).merge(figures, on="_key", how="left").drop(columns="_key")
    return gpd.GeoDataFrame(joined, geometry=frame.geometry.name, crs=frame.crs)


def coverage_layer(atlas: Atlas, of: str = "redline", realm: str | None = "land") -> gpd.GeoDataFrame:
    """Districts with the share of them a layer kind covers (覆盖率): ``zone_area_ha``, ``covered_ha``,
    ``covered_km2``, ``covered_mu``, ``covered_share`` (0–1)."""
    from .measure.figures import figures
    from .prepare import TOTAL

    districts = _first(atlas, "district", "coverage")
    if not atlas.names(of):
        raise Missing(f"no {of} layer to cover the districts")
    table = figures(atlas).coverage(of, realm)
    return join_by_name(districts, table[table["zone"].astype(str) != TOTAL], "zone", "districts")


_RETENTION = ["total_km", "natural_km", "artificial_km", "retention"]


def atlas_retention(atlas: Atlas):
    """Coastline retention of the atlas's first coastline layer, by district and by bay when it has them."""
    from .measure.figures import figures

    _first(atlas, "coastline", "coastline retention")  # refused here without one
    return figures(atlas).retention()


def retention_layer(atlas: Atlas, by: str = "district", retention: Any = None) -> gpd.GeoDataFrame:
    """Districts (``by="district"``) or bays (``"bay"``) with their natural-coastline retention
    (``retention`` 0–1, ``natural_km``, ``artificial_km``, ``total_km``) and ``area_ha``;
    ``retention``: :func:`atlas_retention`'s result, when already measured."""
    polygons = _first(atlas, by, f"retention by {by}")
    if retention is None:
        retention = atlas_retention(atlas)
    table = (retention.by_zone.rename(columns={"zone": "key"}) if by == "district" else retention.by_bay.rename(columns={"bay": "key"}))
    return join_by_name(measured(polygons), table[["key", *_RETENTION]], "key", f"{by} layer")


def findings_layer(atlas: Atlas, findings: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The conflict findings (冲突清单), one row each, on the geometry of the feature in conflict."""
    from .measure.conflicts import FINDING_COLUMNS, atlas_conflicts

    found = atlas_conflicts(atlas) if findings is None else findings
    missing = [c for c in ("feature_layer", "feature_id", "severity", "rule") if c not in found.columns]
    if missing:
        if found.empty:
            raise Missing("no findings")
        raise InputError(f"findings: no column {missing[0]!r}; fix: pass a findings table from ecozone.conflicts()")
    if found.empty:
        raise Missing("no findings")
    geoms = []
    for lname, fid in zip(found["feature_layer"], found["feature_id"]):
        layer = atlas[lname] if lname in atlas else None
        match = layer[layer["id"].astype(str) == str(fid)] if layer is not None and "id" in layer else None
        geoms.append(match.geometry.union_all() if match is not None and len(match) else None)
    columns = [c for c in FINDING_COLUMNS if c in found.columns] + [c for c in found.columns if c not in FINDING_COLUMNS]
    out = gpd.GeoDataFrame(found[columns].reset_index(drop=True), geometry=geoms, crs=atlas.crs)
    return out[out.geometry.notna()].reset_index(drop=True)


def coastline_segments(atlas: Atlas) -> gpd.GeoDataFrame:
    """Coastline segments with ``class``, ``natural``, ``length_km`` and ``district``: the district
    nearest the segment's midpoint (a segment crossing a district border is not split)."""
    from .schema import NATURAL_CLASSES

    coast = measured(_first(atlas, "coastline", "coastline segments"))
    coast["natural"] = coast["class"].isin(NATURAL_CLASSES)
    if atlas.names("district"):
        districts = atlas[atlas.names("district")[0]]
        mids = shapely.line_interpolate_point(coast.geometry.values, 0.5, normalized=True)
        tree = shapely.STRtree(districts.geometry.values)
        nearest = tree.nearest(mids)
        coast["district"] = districts["name"].astype("string").to_numpy()[nearest]
    return coast


def river_buffer_layer(atlas: Atlas) -> gpd.GeoDataFrame:
    """River and lake buffer zones (河湖缓冲带) with ``width_m``, ``length_km``, ``water_ha``, ``buffer_ha``."""
    from .measure.rivers import river_buffers

    return river_buffers(_first(atlas, "river", "river buffers"))


def setback_layer(atlas: Atlas) -> gpd.GeoDataFrame:
    """Coastal setback zones (海岸建筑退缩线) with ``area_ha``; needs setback widths in the coastline layer."""
    from .measure.setback import setback_zones

    districts = atlas[atlas.names("district")[0]] if atlas.names("district") else None
    try:
        return setback_zones(_first(atlas, "coastline", "setback zones"), land=districts)
    except SchemaError as why:  # no widths in the data: nothing to draw or export
        raise Missing(str(why).split("; fix")[0]) from None


def result_layers(atlas: Atlas, *, findings: pd.DataFrame | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every result layer the atlas has the layers for: ``redline_coverage``, ``retention_by_district``,
    ``retention_by_bay``, ``coastline_segments``, ``setback_zones``, ``river_buffers``, ``findings``."""
    measured_once: dict[str, Any] = {}

    def retention() -> Any:  # one measurement for the district and the bay layer
        if "retention" not in measured_once:
            measured_once["retention"] = atlas_retention(atlas)
        return measured_once["retention"]

    makers = {
        "redline_coverage": lambda: coverage_layer(atlas),
        "retention_by_district": lambda: retention_layer(atlas, "district", retention()),
        "retention_by_bay": lambda: retention_layer(atlas, "bay", retention()),
        "coastline_segments": lambda: coastline_segments(atlas),
        "setback_zones": lambda: setback_layer(atlas),
        "river_buffers": lambda: river_buffer_layer(atlas),
        "findings": lambda: findings_layer(atlas, findings),
    }
    out = {}
    for name, make in makers.items():
        try:
            out[name] = make()
        except Missing:
            continue
    return out
