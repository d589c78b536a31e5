"""Preparing layers for measuring (量测前的准备): one projected CRS, repaired polygons, checked inputs.

Every measurement starts here: :func:`prepare_layers` brings the zones and
the layers into one projected measurement CRS (a layer in lon/lat moves to
the Gauss-Krüger zone of its centre), refuses a layer without CRS or of the
wrong geometry, drops empty geometries and repairs invalid polygons, and says
what it did in ``notes``.  It sits below :mod:`ecozone.measure` and the
engines (:mod:`ecozone.dask_engine`), which both use it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely import GeometryType

from . import crs as _crs
from .crs.ellipsoidal import centre_lonlat, check_area_method, equal_area_crs, to_equal_area
from .errors import CRSError, GeometryError, SchemaError
from .geometry import POLYGONAL, is_polygonal
from .parallel import threaded
from .validate import ROW, repair

__all__ = ["TOTAL", "OUTSIDE", "RESERVED_ZONE_NAMES", "check_zone_names", "prepare_layers", "projected", "check_input",
           "refuse_non_polygon_layer", "refuse_non_polygons", "note", "repaired", "repair_notes", "extent_frame", "as_frame"]

_log = logging.getLogger("ecozone")

#: The ``zone`` value of the totals row.
TOTAL = "total"
#: The ``zone`` value of what lies in none of the zones (restoration on tidal flats, ranches at sea …).
OUTSIDE = "outside"
#: Zone names the tables keep for their own rows, with what each row is (compared case-folded, spaces stripped).
RESERVED_ZONE_NAMES = {TOTAL: "the city-wide row", OUTSIDE: "the row of what lies outside every zone"}


def check_zone_names(zones: gpd.GeoDataFrame, zone_field: str, name: str = "zones") -> None:
    """Refuse a zone named like a row the tables keep for themselves (``total``, ``outside``; any case,
    surrounding spaces ignored): it would take over the city-wide row.  A missing field is left to the caller."""
    if zone_field not in zones.columns or not len(zones):
        return
    names = zones[zone_field]
    folded = names.astype("string").str.strip().str.casefold()
    bad = folded.isin(list(RESERVED_ZONE_NAMES)).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        row = int(zones[ROW].iloc[pos]) if ROW in zones.columns else pos
        value, what = names.iloc[pos], RESERVED_ZONE_NAMES[folded.iloc[pos]]
        raise SchemaError(f"{zones.attrs.get('source', name)}: feature {row}: zone name {value!r} is reserved for {what}; "
                          "fix: rename the zone or pick another zone_field=")


def prepare_layers(
    zones: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    notes: list[str],
    *,
    polygons: bool = True,
    zones_name: str = "zones",
    zones_polygons: bool = True,
    zone_field: str | None = None,
    area_method: str = "planar",
) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Bring zones and layers into one projected measurement CRS; repair invalid polygons.

    Zones in a geographic CRS move to the Gauss-Krüger zone of their centre;
    a layer in another CRS is reprojected to the zones'.  What was done is
    appended to ``notes`` (and logged).  Zones must be polygons; so must the
    layers unless ``polygons=False`` (conflicts check points and lines too)
    and the zones unless ``zones_polygons=False`` (the zones are then the
    layer the others are measured against, e.g. mines or a coastline).
    With ``zone_field`` (the zones name the rows of a table with ``total`` /
    ``outside`` rows), a zone named like those rows is refused
    (:func:`check_zone_names`).  With ``area_method="ellipsoidal"`` the measurement CRS is an equal-area
    projection of the CGCS2000 ellipsoid centred on the zones (:mod:`ecozone.crs.ellipsoidal`): its planar
    areas are the areas on the ellipsoid, as the land survey's TBMJ.
    """
    check_area_method(area_method)
    check_input(zones, zones_name, polygons=zones_polygons)
    if zone_field is not None:
        check_zone_names(zones, zone_field, zones_name)
    zones = projected(zones, zones_name, notes)
    if area_method == "ellipsoidal":
        note(notes, "areas on the CGCS2000 ellipsoid (measured in an equal-area projection centred on the zones)")
        zones = to_equal_area(zones, equal_area_crs(*centre_lonlat(zones.geometry.values, zones.crs)))
    target = zones.crs
    zones = _repair(zones, zones_name, notes)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, layer in layers.items():
        check_input(layer, name, polygons=polygons)
        if area_method == "ellipsoidal":
            layer = to_equal_area(layer, target)
        elif not layer.crs.equals(target):
            note(notes, f"{name} reprojected from {_crs.short_label(layer.crs)} to {_crs.short_label(target)}")
            layer = _crs.reproject_frame(layer, target)
        elif layer.attrs.get("reprojected_from") is not None:  # reprojected as it was read (the CLI)
            note(notes, f"{name} reprojected from {_crs.short_label(layer.attrs['reprojected_from'])} to "
                        f"{_crs.short_label(target)}")
        out[name] = _repair(layer, name, notes)
    return zones, out


def projected(gdf: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    """``gdf`` itself if its CRS is fit for measuring, else reprojected to the Gauss-Krüger zone
    of its centre (noted)."""
    if gdf.crs is None:
        check_input(gdf, name, polygons=False)
    if _crs.is_measurement_crs(gdf.crs):
        return gdf
    target = measurement_target(gdf)
    note(notes, f"{name} reprojected from {_crs.short_label(gdf.crs)} to {_crs.short_label(target)} for measuring")
    return _crs.reproject_frame(gdf, target)


def measurement_target(zones: gpd.GeoDataFrame) -> Any:
    """The CRS zones are measured in: their own when fit for measuring, else the Gauss-Krüger zone of
    their centre."""
    if zones.crs is not None and _crs.is_measurement_crs(zones.crs):
        return zones.crs
    return _crs.measurement_crs(_crs.lonlat_bounds(zones)) if len(zones) else _crs.gk_zone_crs(120)


def check_input(gdf: gpd.GeoDataFrame, name: str, *, polygons: bool = True) -> None:
    """Refuse a frame without CRS, or with geometries that are not polygons, naming its file."""
    source = gdf.attrs.get("source", name)
    if gdf.crs is None:
        raise CRSError(f"{source}: layer: has no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading, crs = ... in a manifest)")
    if polygons:
        refuse_non_polygon_layer(gdf.geometry.values, source)


def refuse_non_polygon_layer(geoms: Any, source: str, rows: np.ndarray | None = None) -> None:
    """Raise GeometryError naming the first feature of a layer to measure that is not a polygon."""
    refuse_non_polygons(geoms, source, "coverage measures polygons",
                        "buffer lines or points first if their area is meant", rows=rows)


def refuse_non_polygons(geoms: Any, source: str, why: str, hint: str, rows: np.ndarray | None = None) -> None:
    """Raise GeometryError naming the first feature that is neither a polygon nor missing
    (by its position, or by ``rows[position]`` when the geometries are some rows of a file)."""
    types = shapely.get_type_id(geoms)  # ids, not names: no million strings
    wrong = ~np.isin(types, POLYGONAL) & (types != GeometryType.MISSING)
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        if rows is not None:
            pos, geoms = int(rows[pos]), {int(rows[pos]): geoms[pos]}
        raise GeometryError(f"{source}: feature {pos}: geometry type {geoms[pos].geom_type}, "
                            f"but {why}; fix: give a polygon layer ({hint})")


def note(notes: list[str], text: str) -> None:
    notes.append(text)
    _log.info(text)


def _repair(gdf: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    gdf, empty, invalid = repaired(gdf)
    repair_notes(name, empty, invalid, notes)
    return gdf


def repaired(gdf: gpd.GeoDataFrame, counted: np.ndarray | None = None) -> tuple[gpd.GeoDataFrame, int, int]:
    """``gdf`` without empty geometries and with invalid polygons made valid:
    ``(frame, empty geometries dropped, polygons repaired)``, counting only the rows ``counted``
    marks (all by default)."""
    geoms = gdf.geometry.values
    counted = np.ones(len(gdf), dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dropped = int((empty & counted).sum())
    if empty.any():
        gdf = gdf.loc[~empty]
        geoms = gdf.geometry.values
        counted = counted[~empty]
    # is_valid on all CPUs: the one pass over every feature of a large layer
    polygons = np.asarray(is_polygonal(geoms))
    invalid = np.zeros(len(geoms), dtype=bool)  # polygons only: lines and points are measured as they are
    if polygons.all():
        invalid = ~threaded(shapely.is_valid, geoms)
    elif polygons.any():
        invalid[polygons] = ~threaded(shapely.is_valid, np.asarray(geoms)[polygons])
    if invalid.any():
        fixed = np.array(geoms, dtype=object)
        fixed[invalid] = repair(fixed[invalid], "polygon")
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(list(fixed), index=gdf.index, crs=gdf.crs)
    return gdf, dropped, int((invalid & counted).sum())


def repair_notes(name: str, empty: int, invalid: int, notes: list[str]) -> None:
    """Say what :func:`repaired` did to layer ``name``."""
    if empty:
        note(notes, f"{name}: {empty} empty geometr{'y' if empty == 1 else 'ies'} ignored")
    if invalid:
        note(notes, f"{name}: {invalid} invalid polygon(s) repaired with make_valid")


def extent_frame(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One polygon, the layer's bounding box grown by a metre, in its CRS (none for an empty layer): what a
    measurement without zones prepares its layers against."""
    if not len(layer):
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=layer.crs)
    return gpd.GeoDataFrame({"name": ["extent"]}, geometry=[shapely.box(*layer.total_bounds).buffer(1)], crs=layer.crs)


def as_frame(source: Any) -> Any:
    """A file path read with :func:`ecozone.read_layer`; anything else as it is."""
    if isinstance(source, (str, os.PathLike)):
        from .io import read_layer

        return read_layer(source)
    return source
