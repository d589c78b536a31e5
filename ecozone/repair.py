"""Geometry repair (几何修复): ``make_valid``, keeping the parts of the layer's geometry family.

Example
-------
>>> from shapely.geometry import Polygon
>>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
>>> [g.geom_type for g in repair([bowtie], "polygon")]
['MultiPolygon']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["GEOM_FAMILY", "keep_family", "repair"]

#: The family (``polygon``, ``line``, ``point``) of each geometry type, as layer kinds name them.
GEOM_FAMILY = {
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Point": "point",
    "MultiPoint": "point",
}


def keep_family(geom: Any, family: str) -> Any:
    """Keep only the parts of ``geom`` of one family (make_valid may return collections)."""
    if geom is None or geom.is_empty:
        return geom
    if GEOM_FAMILY.get(geom.geom_type) == family:
        return geom
    parts = [g for g in shapely.get_parts(geom) if GEOM_FAMILY.get(g.geom_type) == family]
    if not parts:
        return shapely.Polygon() if family == "polygon" else shapely.LineString()
    if family == "polygon":
        return shapely.union_all(parts)
    if family == "line":
        return shapely.line_merge(shapely.MultiLineString([p for p in parts]))
    return shapely.MultiPoint(parts)


def repair(geoms: Any, family: Any) -> np.ndarray:
    """``make_valid`` each geometry and keep only its parts of ``family``
    (``"polygon"``, ``"line"``, ``"point"``; one per geometry or one for all).

    make_valid may return a GeometryCollection (a polygon with a spike gives
    a polygon and a line): the polygon is kept, not the whole feature lost.
    """
    geoms = np.asarray(geoms, dtype=object)
    families = np.broadcast_to(np.asarray(family, dtype=object), geoms.shape)
    return np.array([keep_family(g, f) for g, f in zip(shapely.make_valid(geoms), families)], dtype=object)
