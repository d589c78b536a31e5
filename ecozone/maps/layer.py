"""One layer on a map: its features styled, labelled and drawn, as folium GeoJSON or (big) on one canvas.

:func:`draw_layer` is what a preset layer and a quick map's file have in common: the style keys
and legend (:func:`~ecozone.maps.styles.classify`), the shown fields' values as text (column by
column: each distinct value labelled once), the display copy, and then either a folium
``GeoJson`` (up to :data:`~ecozone.maps.canvas.CANVAS_THRESHOLD` features: small maps are as
they were) or a :class:`~ecozone.maps.canvas.CanvasLayer`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geometry import LINEAL, POLYGONAL
from .canvas import CANVAS_THRESHOLD, CanvasLayer
from .display import display_geometries, geometry_family
from .labels import field_label, text, value_labels
from .legend import Legend
from .styles import classify

__all__ = ["draw_layer"]


def draw_layer(m: folium.Map, frame: gpd.GeoDataFrame, spec: Mapping[str, Any], kind: str | None, *,
               simplify_m: float, mosaic: bool, shift: str | None, lang: str) -> tuple[np.ndarray, Legend | None]:
    """Draw ``frame`` (no empty geometry) on ``m`` as ``spec`` says; its bounds (as drawn) and its legend block.

    ``spec`` holds a preset layer's keys (``style``, ``color_by``/``classes``, ``value``/``bins``/``colors``,
    ``tooltip``, ``popup``, ``label``, ``show``, ``legend``); a :class:`~ecozone.errors.ConfigError` is the
    caller's to place."""
    family = geometry_family(frame)
    keys, styles, legend, label = classify(frame, spec, kind, family, lang)
    fields = [f for f in spec.get("tooltip", ["name"]) if f in frame.columns]
    popup_fields = [f for f in spec.get("popup", []) if f in frame.columns]
    shown = list(dict.fromkeys(fields + popup_fields))
    overrides = spec.get("class_labels", {})
    columns = {f: value_labels(kind, f, frame[f], lang, overrides if f == spec.get("color_by") else None) for f in shown}
    geoms = display_geometries(frame, simplify_m if family != "point" else 0.0, mosaic, shift)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bounds = shapely.total_bounds(geoms)
    show = bool(spec.get("show", True))
    if int(keep.sum()) > CANVAS_THRESHOLD:
        names = list(styles)
        index = {k: i for i, k in enumerate(names)}
        style_index = pd.Series(keys, dtype=object).map(index).to_numpy(dtype=np.int64)[keep]
        alias = [field_label(kind, f, lang) for f in shown]
        CanvasLayer(geoms[keep], style_index, [styles[k] for k in names], alias,
                    [columns[f][keep] for f in shown], [shown.index(f) for f in fields],
                    [shown.index(f) for f in popup_fields], name=text(label), show=show).add_to(m)
    else:
        _geojson(m, geoms, keep, keys, styles, columns, fields, popup_fields, kind, family, lang, label, show)
    return bounds, legend if spec.get("legend", True) else None


def _geojson(m: folium.Map, geoms: np.ndarray, keep: np.ndarray, keys: list[str], styles: dict[str, dict],
             columns: dict[str, np.ndarray], fields: list[str], popup_fields: list[str], kind: str | None, family: str,
             lang: str, label: str, show: bool) -> None:
    """The layer as a folium GeoJson: every value through :func:`text` (folium shows them as HTML)."""
    shown = list(columns)
    escaped = {text(f): [text(v) for v in columns[f]] for f in shown}
    keys = list(keys)
    types = shapely.get_type_id(geoms)
    if family == "polygon":
        styles = dict(styles)
        _style_strays(types, keys, styles)
    # style keys are class values (a field's values, the preset's class names): through text() before they are data
    styles = {text(k): s for k, s in styles.items()}
    props = [{"_k": text(k)} for k in keys]
    for f, values in escaped.items():  # a property's key is its field name through text() as well: it comes from a file
        for p, v in zip(props, values):
            p[f] = v
    pos = np.flatnonzero(keep)
    shapes = json.loads("[" + ",".join(shapely.to_geojson(geoms[pos])) + "]") if len(pos) else []
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": str(i), "properties": props[i], "geometry": g} for i, g in zip(pos.tolist(), shapes)]}
    alias = {f: text(field_label(kind, f, lang)) for f in shown}
    folium.GeoJson(
        data,
        name=text(label),
        show=show,
        style_function=lambda f, styles=styles: styles[f["properties"]["_k"]],
        marker=folium.CircleMarker(radius=5) if np.isin(types, (0, 4)).any() else None,
        tooltip=folium.GeoJsonTooltip(fields=[text(f) for f in fields], aliases=[alias[f] for f in fields], sticky=True)
        if fields else None,
        popup=folium.GeoJsonPopup(fields=[text(f) for f in popup_fields], aliases=[alias[f] for f in popup_fields])
        if popup_fields else None,
        zoom_on_click=False,
    ).add_to(m)


def _style_strays(types: np.ndarray, keys: list[str], styles: dict[str, dict[str, Any]]) -> None:
    """Lines and points among polygons: a style of their own (no fill / a ring that shows at any zoom)."""
    for i in np.flatnonzero(~np.isin(types, POLYGONAL)):
        line = types[i] in LINEAL
        key = keys[i] + ("~line" if line else "~point")
        base = styles[keys[i]]
        styles.setdefault(key, {**base, "fill": False} if line else
                          {**base, "radius": 9, "weight": max(2.0, base["weight"]), "fillOpacity": 0.15})
        keys[i] = key
