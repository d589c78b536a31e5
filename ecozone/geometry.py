"""Geometry types and polygon parts (几何类型): one spelling of what a measurement keeps.

shapely reports a geometry's type as a number (``shapely.get_type_id``); the
names below say which numbers mean what, and the helpers keep the polygon
parts of what an overlay returns (an intersection may leave lines and points
on a shared edge).  Below every other module that handles geometries.

Example
-------
>>> import shapely
>>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(1, 0), (2, 0)])])
>>> polygonal(mixed).geom_type, polygon_parts(mixed).tolist() == [shapely.box(0, 0, 1, 1)]
('MultiPolygon', True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely import GeometryType

__all__ = ["POLYGONAL", "LINEAL", "PUNTAL", "FAMILY", "is_polygonal", "any_of", "any_extent", "polygon_parts", "polygonal", "polygonal_each", "only_polygons"]

#: Type ids of polygons and multipolygons.
POLYGONAL = (int(GeometryType.POLYGON), int(GeometryType.MULTIPOLYGON))
#: Type ids of lines: LineString, LinearRing, MultiLineString.
LINEAL = (int(GeometryType.LINESTRING), int(GeometryType.LINEARRING), int(GeometryType.MULTILINESTRING))
#: Type ids of points and multipoints.
PUNTAL = (int(GeometryType.POINT), int(GeometryType.MULTIPOINT))
#: The family of each type id, as layers, maps and files group geometries.
FAMILY = {**{t: "point" for t in PUNTAL}, **{t: "line" for t in LINEAL}, **{t: "polygon" for t in POLYGONAL},
          int(GeometryType.GEOMETRYCOLLECTION): "collection"}


def is_polygonal(geoms: Any) -> np.ndarray:
    """True for each polygon or multipolygon (False for missing geometries and every other type)."""
    return np.isin(shapely.get_type_id(geoms), POLYGONAL)


def any_of(test: Any, *arrays: Any) -> bool:
    """Whether the vectorised ``test(*arrays)`` holds for any element: asked of the first 1024 elements first
    (a layer's first features nearly always answer), of the rest only when it holds for none of those."""
    return any(bool(np.asarray(test(*(a[part] for a in arrays))).any()) for part in (slice(0, 1024), slice(1024, None)))


def any_extent(geoms: Any, types: np.ndarray | None = None) -> bool:
    """Whether any geometry has a place (a point), a length (a line) or an area (a polygon).

    ``types`` (default: the geometries' own type ids) says which of the three each is judged by: given the
    type ids from before a repair, a polygon that ``make_valid`` turned into lines is still judged by its area
    (none), not by the length of those lines.  Asked by :func:`any_of`: the first 1024 first."""
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms) if types is None else np.asarray(types)
    return any_of(_has_extent, geoms, types)


def _has_extent(geoms: np.ndarray, types: np.ndarray) -> np.ndarray:
    points, polygons = np.isin(types, PUNTAL), np.isin(types, POLYGONAL)
    others = ~(points | polygons) & (types >= 0)  # lines, collections (their length); not missing ones
    extent = np.zeros(len(geoms), dtype=bool)
    extent[points] = ~shapely.is_empty(geoms[points])
    extent[polygons] = shapely.area(geoms[polygons]) > 0
    extent[others] = shapely.length(geoms[others]) > 0
    return extent


def polygon_parts(geoms: Any) -> np.ndarray:
    """The single polygons inside a geometry or an array of them, multis and collections taken apart."""
    parts = shapely.get_parts(geoms)
    return parts[shapely.get_type_id(parts) == GeometryType.POLYGON]


def polygonal(geom: Any) -> shapely.Geometry:
    """One geometry's polygon parts as a MultiPolygon (an empty Polygon when it has none)."""
    parts = polygon_parts(geom)
    return shapely.multipolygons(parts) if len(parts) else shapely.Polygon()


def polygonal_each(geoms: Any) -> np.ndarray:
    """Each geometry's polygonal part, element by element: polygons kept, a collection's polygons as a
    MultiPolygon, anything else (lines and points a clip leaves on an edge) an empty Polygon."""
    out = np.array(geoms, dtype=object)
    for i in np.flatnonzero(shapely.get_type_id(out) == GeometryType.GEOMETRYCOLLECTION):
        out[i] = shapely.multipolygons(polygon_parts(out[i]))
    out[~is_polygonal(out)] = shapely.Polygon()
    return out


def only_polygons(geoms: Any) -> np.ndarray:
    """The polygons and multipolygons of an array that are not empty (others and missing ones dropped)."""
    geoms = np.asarray(geoms, dtype=object)
    keep = is_polygonal(geoms) & ~shapely.is_empty(geoms)
    return geoms if keep.all() else geoms[keep]
