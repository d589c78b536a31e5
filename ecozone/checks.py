"""The geometry and CRS rules of validation (几何与坐标检查), one function per rule.

Each rule takes the layer as it stands and the :class:`ecozone.issues.Checker` of its report;
the rules that drop or repair features return the layer left.  :func:`ecozone.validate.validate_layer`
runs them in order; the field rules are in :mod:`ecozone.fields`.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from ecozone.issues import Checker, LayerReport
>>> report = LayerReport(name="mines", kind="mine", source="mines.shp", features_read=1)
>>> check_crs(gpd.GeoDataFrame(geometry=[Point(120, 37)]), Checker(report, strict=False))
>>> report.errors[0].rule
'missing_crs'
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from . import crs as _crs
from .features import describe_feature, describe_features, nonfinite_message, nonfinite_positions
from .issues import Checker
from .repair import GEOM_FAMILY, repair
from .schema import LayerKind

__all__ = [
    "check_crs",
    "drop_empty",
    "check_nonfinite",
    "check_plausible",
    "check_geometry_type",
    "repair_invalid",
    "check_mosaic",
    "check_not_empty",
    "lonlat",
]


def lonlat(geom: Any, crs: Any) -> tuple[float, float] | None:
    """A point of ``geom`` as (lon, lat) in WGS84, for an issue's location; None if there is none."""
    if geom is None or geom.is_empty or crs is None:
        return None
    pt = gpd.GeoSeries([geom.representative_point()], crs=crs).to_crs(_crs.WGS84).iloc[0]
    return (float(pt.x), float(pt.y))


def check_crs(gdf: gpd.GeoDataFrame, check: Checker) -> None:
    """Rule 1: the layer has a CRS."""
    if gdf.crs is None:
        check.add(
            "error",
            "crs",
            "missing_crs",
            "layer",
            "has no coordinate reference system",
            "add a .prj (or a CRS to the GeoPackage/GeoJSON), or declare it: crs = 'EPSG:4490' "
            "(or 'gcj02' for AMap/Gaode data) in the manifest, or --input-crs on the command line",
        )


def drop_empty(gdf: gpd.GeoDataFrame, check: Checker) -> gpd.GeoDataFrame:
    """Rule 2: empty or missing geometries are dropped, with a warning."""
    geoms = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not empty.any():
        return gdf
    pos = list(np.flatnonzero(empty))
    check.add(
        "warning",
        "geometry",
        "empty_geometry",
        describe_features(gdf, pos),
        f"{len(pos)} feature(s) with empty or missing geometry, dropped",
        "delete these features or draw their geometry",
        count=len(pos),
    )
    check.report.dropped_empty = len(pos)
    return gdf.loc[~empty].copy()


def check_nonfinite(gdf: gpd.GeoDataFrame, check: Checker) -> np.ndarray:
    """Rule 2b: NaN/Inf coordinates are refused by feature; returns the mask of those features."""
    nonfinite = np.zeros(len(gdf), dtype=bool)
    bad = nonfinite_positions(gdf.geometry.values)
    if len(bad):
        nonfinite[bad] = True
        check.add("error", "geometry", "nonfinite_coordinates", describe_features(gdf, bad), *nonfinite_message(bad),
                  count=len(bad))
    return nonfinite


def check_plausible(gdf: gpd.GeoDataFrame, check: Checker, source: str) -> None:
    """Rule 2c: coordinates that cannot be right for the CRS (swapped axes, lon/lat labelled metres, zone prefix …)."""
    if gdf.crs is not None and len(gdf):
        found = _crs.implausible(gdf.total_bounds, gdf.crs, _crs.sample_coordinates(gdf.geometry.values), source=source)
        if found is not None:
            check.add("error", "crs", "implausible_coordinates", "layer", *found)


def check_geometry_type(gdf: gpd.GeoDataFrame, kind: str, spec: LayerKind, check: Checker) -> tuple[np.ndarray, np.ndarray]:
    """Rule 3: geometries of the kind's families; returns each feature's family and the mask of the wrong ones."""
    ids = shapely.get_type_id(gdf.geometry.values)  # tables by type id: no comparison of a million strings
    family_of = np.array([GEOM_FAMILY.get(t, t) for t in _TYPE_NAMES] + [np.nan], dtype=object)  # id -1: missing
    families, wrong = family_of[ids], ~np.array([f in spec.geometry for f in family_of])[ids]
    if wrong.any():
        pos = list(np.flatnonzero(wrong))
        found = sorted(set(_geom_types(np.asarray(gdf.geometry.values)[wrong])))
        check.add(
            "error",
            "geometry",
            "geometry_type",
            describe_features(gdf, pos),
            f"geometry type {'/'.join(found)} in a {kind} layer, which takes {' or '.join(spec.geometry)} geometries",
            _geometry_fix(kind, spec, found),
            count=len(pos),
        )
    return families, wrong


#: GeoSeries.geom_type's names by shapely type id (0 Point … 7 GeometryCollection); -1 (missing) -> NaN.
_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection")


def _geom_types(geoms) -> np.ndarray:
    """``GeoSeries.geom_type`` as an object array, from the type ids (no per-feature Python call)."""
    return np.array([*_TYPE_NAMES, np.nan], dtype=object)[shapely.get_type_id(geoms)]


def _geometry_fix(kind: str, spec: LayerKind, found: list[str]) -> str:
    if kind == "coastline" and any(GEOM_FAMILY.get(t) == "polygon" for t in found):
        return "a coastline is a line: convert the land polygons to their boundary (QGIS 'Polygons to lines', or gdf.boundary)"
    if "polygon" in spec.geometry and any(GEOM_FAMILY.get(t) in ("line", "point") for t in found):
        return f"give the {kind} areas as polygons, or load this file as a different layer kind"
    return f"give {' or '.join(spec.geometry)} geometries, or load this file as a different layer kind"


def repair_invalid(gdf: gpd.GeoDataFrame, kind: str, families: np.ndarray, skip: np.ndarray,
                   check: Checker) -> gpd.GeoDataFrame:
    """Rule 4: invalid geometries (but those in ``skip``) are repaired with make_valid, counted, warned;
    those that collapse to nothing (a ring of identical points, a zero-area ring) dropped, named, warned."""
    report = check.report
    geoms = gdf.geometry.values
    invalid = ~np.asarray(shapely.is_valid(geoms)) & ~skip
    if not invalid.any():
        return gdf
    pos = np.flatnonzero(invalid)
    reasons = np.asarray(shapely.is_valid_reason(geoms[invalid]), dtype=object)
    fixed = repair(geoms[invalid], families[invalid])
    gone = np.asarray(shapely.is_empty(fixed))
    new = np.array(geoms, dtype=object)
    new[invalid] = fixed
    gdf[gdf.geometry.name] = gpd.GeoSeries(list(new), index=gdf.index, crs=gdf.crs)
    kept = [int(p) for p in pos[~gone]]
    if kept:
        report.repaired = len(kept)
        check.add(
            "warning",
            "geometry",
            "invalid_geometry",
            describe_features(gdf, kept),
            f"{len(kept)} invalid geometr{'y' if len(kept) == 1 else 'ies'} ({reasons[~gone][0]}) repaired with make_valid",
            "check the repaired shapes; fix the source data (e.g. QGIS 'Fix geometries') to silence this",
            count=len(kept),
            location=lonlat(fixed[~gone][0], gdf.crs),
        )
    dropped = [int(p) for p in pos[gone]]
    if dropped:
        n = len(dropped)
        what = "area or length" if kind != "mine" else "area, length or point"
        check.add(
            "warning",
            "geometry",
            "degenerate_geometry",
            describe_features(gdf, dropped, limit=10),
            f"{n} degenerate geometr{'y' if n == 1 else 'ies'} ({_reason(reasons[gone][0])}) with no {what} left "
            f"after repair, dropped: not counted in any figure",
            "redraw these features (a ring needs three distinct corners enclosing an area) or delete them",
            count=n,
            location=lonlat(shapely.centroid(geoms[dropped[0]]), gdf.crs),
        )
        gdf = gdf.loc[~np.isin(np.arange(len(gdf)), dropped)].copy()
        report.dropped_degenerate = n
    return gdf


def _reason(text: Any) -> str:
    """GEOS's is_valid_reason without the coordinates it appends: ``Too few points in geometry component``."""
    return str(text).split("[", 1)[0].strip()


def check_mosaic(gdf: gpd.GeoDataFrame, check: Checker, sliver_m2: float) -> None:
    """Rule 8: districts tile the city; report overlaps between districts and gaps inside their union."""
    if gdf.crs.is_geographic:
        b = gdf.total_bounds
        proj = gdf.to_crs(_crs.measurement_crs(tuple(b)))
    else:
        proj = gdf
    geoms = proj.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left):
        inter = shapely.intersection(geoms[left], geoms[right])
        areas = shapely.area(inter)
        for i, j, a, g in zip(left, right, areas, inter):
            if a >= sliver_m2:
                check.add(
                    "warning",
                    "geometry",
                    "district_overlap",
                    f"{describe_feature(gdf, int(i))} and {describe_feature(gdf, int(j))}",
                    f"districts overlap by {a / 10_000:.2f} ha",
                    "snap or clip the boundaries so that every place lies in exactly one district",
                    location=lonlat(g, proj.crs),
                )
    union = shapely.union_all(geoms)
    for poly in shapely.get_parts(union):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            if hole.area >= sliver_m2:
                check.add(
                    "warning",
                    "geometry",
                    "district_gap",
                    "layer",
                    f"gap of {hole.area / 10_000:.2f} ha between districts",
                    "extend the neighbouring districts to close the gap (or add the missing district)",
                    location=lonlat(hole, proj.crs),
                )


def check_not_empty(gdf: gpd.GeoDataFrame, check: Checker) -> None:
    """Rule 9: a layer with no features, or whose every feature was dropped, has nothing to measure:
    a figure of zero from it would look like a measurement."""
    report = check.report
    if not report.features_read:
        check.add("error", "geometry", "no_features", "layer", "has no features",
                  "give the layer with its features (or leave this layer out)")
    elif not len(gdf) and (report.dropped_empty or report.dropped_degenerate):
        dropped = report.dropped_empty + report.dropped_degenerate
        check.add(
            "error",
            "geometry",
            "no_features_left",
            "layer",
            f"none of its {report.features_read} feature(s) is left after dropping {report.dropped_empty} empty and "
            f"{report.dropped_degenerate} degenerate geometr{'y' if dropped == 1 else 'ies'}",
            "draw the features' geometry (or leave this layer out)",
        )
