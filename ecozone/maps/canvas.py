"""Big layers on one canvas: quantised, delta-encoded geometry drawn by ``L.EcozoneCanvas``.

Above :data:`CANVAS_THRESHOLD` features a layer is not a folium ``GeoJson`` (one Leaflet object,
one SVG or canvas path per feature, made before the first draw) but one :class:`CanvasLayer`:

* the geometry (WGS84, as the display copy has it) is quantised to :data:`STEP` degrees
  (1e-5°, about 1 m), delta-encoded vertex to vertex across the whole layer and written as
  zigzag varints, 5 bits a character in a URL-safe alphabet of 64 (:func:`varints`): a few
  characters a vertex where GeoJSON takes some 24;
* the shown fields are columns (a column of few distinct values as those values and an index
  per feature), not one object per feature;
* it all goes into the page once, in a ``<script type="application/json">`` (every ``<`` written
  ``\\u003c``, U+2028/2029 escaped: a value can neither close the script nor open a comment);
* the inline script (:mod:`~ecozone.maps.canvas_js`) decodes it once and draws it on one canvas;
  hover and click find the feature through a grid index, tooltips and popups are ``textContent``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from folium.map import Layer

from .canvas_js import SCRIPT
from .elements import Verbatim

__all__ = ["CANVAS_THRESHOLD", "STEP", "CanvasLayer", "encode", "varints", "script_json"]

#: A layer of more features than this is drawn on one canvas (:class:`CanvasLayer`); fewer: folium's GeoJson.
CANVAS_THRESHOLD = 5000
#: The quantisation step of the canvas's coordinates, in degrees (≈ 1.1 m north–south, ≈ 0.9 m east–west at 37° N).
STEP = 1e-5

_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)


def varints(values: np.ndarray) -> str:
    """Integers as zigzag varints: 5 bits a character (low first), the sixth bit set on all but the last."""
    v = np.asarray(values, dtype=np.int64)
    if v.size and np.abs(v).max() >= 2**30:
        raise ValueError("varints: a value of 2**30 or more")
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    n = np.ones(len(z), dtype=np.int64)
    rest = z >> np.uint64(5)
    while rest.any():
        n += rest > 0
        rest >>= np.uint64(5)
    width = int(n.max()) if len(n) else 1
    chars = np.empty((len(z), width), dtype=np.uint8)
    for k in range(width):
        chunk = ((z >> np.uint64(5 * k)) & np.uint64(31)).astype(np.int64)
        chars[:, k] = _ALPHABET[chunk + 32 * (k < n - 1)]
    return chars[np.arange(width) < n[:, None]].tobytes().decode("ascii")


def _collections_flattened(geoms: np.ndarray) -> np.ndarray:
    """A GeometryCollection as the multi-geometry of its parts of the highest dimension (a polygon's
    stray line or point, as a repair may leave, is not drawn as a ring of the polygon)."""
    geoms = geoms.copy()
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        parts = shapely.get_parts(shapely.get_parts(geoms[i]))
        parts = parts[~shapely.is_empty(parts)]
        if not len(parts):
            continue
        dims = shapely.get_dimensions(parts)
        top = parts[dims == dims.max()]
        make = {2: shapely.multipolygons, 1: shapely.multilinestrings, 0: shapely.multipoints}[int(dims.max())]
        geoms[i] = make(top)
    return geoms


def _parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rings (lines, points) of every geometry: vertices, vertices per ring, rings per feature, kind per feature.

    Polygons are oriented (exteriors counter-clockwise, holes clockwise: the canvas fills ``nonzero``)
    and each ring's closing vertex is dropped; a point is a ring of one vertex."""
    types = shapely.get_type_id(geoms)
    kind = np.select([np.isin(types, (0, 4)), np.isin(types, (1, 2, 5))], [0, 1], 2).astype(np.int8)
    polys = kind == 2
    geoms = geoms.copy()
    if polys.any():
        geoms[polys] = shapely.orient_polygons(geoms[polys])
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    ring_geoms, ring_part = [], []
    ptypes = shapely.get_type_id(parts)
    is_poly = ptypes == 3
    # polygons' rings: exterior then holes; lines and points as they are
    rings, ring_of = shapely.get_rings(parts[is_poly], return_index=True)
    poly_pos = np.flatnonzero(is_poly)
    ring_geoms = np.concatenate([rings, parts[~is_poly]])
    ring_part = np.concatenate([poly_pos[ring_of], np.flatnonzero(~is_poly)])
    order = np.argsort(ring_part, kind="stable")
    ring_geoms, ring_part = ring_geoms[order], ring_part[order]
    coords, ring_idx = shapely.get_coordinates(ring_geoms, return_index=True)
    counts = np.bincount(ring_idx, minlength=len(ring_geoms))
    closed = np.isin(shapely.get_type_id(ring_geoms), (2,))  # LinearRing: drop the closing vertex
    keep = np.ones(len(coords), dtype=bool)
    ends = np.cumsum(counts) - 1
    keep[ends[closed & (counts > 1)]] = False
    counts = counts - (closed & (counts > 1))
    rings_per_feature = np.bincount(part_of[ring_part], minlength=len(geoms))
    return coords[keep], counts, rings_per_feature, kind


def encode(geoms: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    """The canvas's geometry of ``geoms`` (WGS84, none empty): ``{"q", "c", "r", "f", "g" or "G"}`` and each
    feature's kind (0 point, 1 line, 2 polygon)."""
    geoms = _collections_flattened(np.asarray(geoms, dtype=object))
    coords, counts, per_feature, kind = _parts(geoms)
    q = np.round(coords / STEP).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    out: dict[str, Any] = {"q": STEP, "c": varints(delta.ravel()), "r": varints(counts), "f": varints(per_feature)}
    kinds = np.unique(kind)
    if len(kinds) == 1:
        out["G"] = int(kinds[0])
    else:
        out["g"] = (kind + ord("0")).astype(np.uint8).tobytes().decode("ascii")
    return out, kind


def _column(values: Sequence[str]) -> Any:
    """A column of shown values: as it is, or (few distinct values) the values and an index per feature."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object))
    if len(uniques) * 4 < len(codes):
        return {"u": [str(u) for u in uniques], "i": varints(codes)}
    return [str(v) for v in values]


def script_json(data: Any) -> str:
    """JSON that may sit inside ``<script>``: every ``<`` written ``\\u003c``, and U+2028/2029 escaped."""
    s = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class CanvasLayer(Layer):
    """One layer drawn on one canvas (``L.EcozoneCanvas``): a folium layer, so the layer control lists it.

    Parameters
    ----------
    geoms : the display geometries (WGS84, empties already left out)
    styles : Leaflet path styles; ``style_index[i]`` is feature i's
    fields : every shown field's label (plain text: the page sets it as ``textContent``)
    columns : each shown field's values, one text per feature
    tooltip, popup : positions in ``fields`` that the tooltip and the popup show
    name : the layer's name in the layer control (HTML: escaped by the caller)
    """

    def __init__(self, geoms: np.ndarray, style_index: np.ndarray, styles: Sequence[Mapping[str, Any]],
                 fields: Sequence[str], columns: Sequence[Sequence[str]], tooltip: Sequence[int], popup: Sequence[int],
                 name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "EcozoneCanvas"
        data, _ = encode(geoms)
        if len(styles) > 1:
            data["s"] = varints(np.asarray(style_index))
        data.update(styles=[dict(s) for s in styles], fields=[str(f) for f in fields],
                    values=[_column(c) for c in columns], tooltip=list(tooltip), popup=list(popup))
        self.data = data

    def render(self, **kwargs: Any) -> None:
        root = self.get_root()
        root.header.add_child(Verbatim(f"<script>{SCRIPT}</script>"), name="ecozone_canvas_script")
        data_id = f"{self.get_name()}_data"
        root.html.add_child(Verbatim(f'<script type="application/json" id="{data_id}">{script_json(self.data)}</script>'),
                            name=data_id)
        parent = self._parent.get_name()
        add = f"{self.get_name()}.addTo({parent});" if self.show else ""
        root.script.add_child(Verbatim(
            f'var {self.get_name()} = new L.EcozoneCanvas(JSON.parse(document.getElementById("{data_id}").textContent));'
            f"{add}"), name=self.get_name())
