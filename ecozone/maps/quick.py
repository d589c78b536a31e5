"""A quick map of any files (``ecozone map --layer FILE``): no manifest, no preset.

Each file is one layer, drawn as a preset layer is (:func:`~ecozone.maps.layer.draw_layer`: big
layers on one canvas).  Its style: a file of a known layer kind gets that kind's style from the
shipped presets (the overview's, else the first that draws the kind: its colours by class, tooltip and popup fields);
a file without a kind gets a neutral style, guessed from nothing.  ``color_by`` colours every
layer that has the field by its distinct values (a categorical legend lists them); ``tooltip``
names the fields shown on hover (default: the kind's, or a name-like field of the file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from ..errors import InputError
from ..schema import KINDS
from .basemaps import resolve_basemap
from .elements import Attribution, HtmlControl
from .labels import text
from .layer import draw_layer
from .legend import Legend, legend_html
from .presets import load_preset, preset_names
from .render import add_basemap, new_page

__all__ = ["QuickLayer", "quick_map", "PALETTE", "QUICK_SIMPLIFY_M", "MAX_CLASSES"]

#: Colours of a categorical legend, in the order the values get them (the 20th value on: "other", grey).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#393b79", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
           "#9edae5", "#637939")
#: At most this many values of ``color_by`` get a colour of their own (the most frequent ones).
MAX_CLASSES = len(PALETTE)
#: Display simplification of a quick map's lines and polygons (metres; degrees × 111,320 for lon/lat files).
QUICK_SIMPLIFY_M = 10.0
#: Field names taken as a feature's name for the default tooltip, in this order (then any field with "name" in it).
_NAME_LIKE = ("name", "名称", "名字", "mc", "title", "label", "xzqmc", "zqmc")


@dataclass
class QuickLayer:
    """One file on a quick map: its name (the layer control's), its features and its layer kind (or None);
    ``style`` (a preset's ``style`` table: ``color``, ``weight`` …) wins over the kind's."""

    name: str
    frame: gpd.GeoDataFrame
    kind: str | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    style: dict[str, Any] | None = None


def _kind_spec(kind: str | None) -> dict[str, Any]:
    """The first shipped preset's layer of this kind (its style, classes, tooltip, popup), or nothing."""
    if kind is None:
        return {}
    for name in sorted(preset_names(), key=lambda n: n != "overview"):  # the overview first: it draws every kind plainly
        for spec in load_preset(name).layers:
            if spec["source"] == kind:
                keep = ("style", "color_by", "classes", "class_labels", "tooltip", "popup")
                return {k: v for k, v in spec.items() if k in keep}
    return {}


def name_field(columns: Sequence[Any]) -> str | None:
    """The field that names a feature: one of :data:`_NAME_LIKE`, else the first with "name" in it; None if none."""
    names = [str(c) for c in columns]
    lower = {c.lower(): c for c in names}
    for candidate in _NAME_LIKE:
        if candidate in lower:
            return lower[candidate]
    return next((c for c in names if "name" in c.lower() or c.endswith("名称")), None)


def _categories(frame: gpd.GeoDataFrame, col: str, lang: str) -> tuple[dict[str, str], dict[str, Any], int]:
    """Colours for the field's distinct values (as text), most frequent first up to :data:`MAX_CLASSES`,
    ordered by value; the label of the missing value; how many values were left to "other"."""
    counts = frame[col].astype("string").fillna("").value_counts(sort=True)
    chosen = sorted(counts.index[:MAX_CLASSES].tolist())
    classes = {v: PALETTE[i] for i, v in enumerate(chosen)}
    labels = {"": {"zh": "(空值)", "en": "(no value)"}} if "" in classes else {}
    return classes, labels, max(0, len(counts) - MAX_CLASSES)


def _spec(layer: QuickLayer, color_by: str | None, tooltip: Sequence[str] | None, lang: str) -> dict[str, Any]:
    frame = layer.frame
    spec = {"source": layer.kind or "file", "label": layer.name, **_kind_spec(layer.kind)}
    if layer.style:
        spec["style"] = {**spec.get("style", {}), **layer.style}
    if color_by is not None and color_by in frame.columns:
        classes, labels, other = _categories(frame, color_by, lang)
        spec.update(color_by=color_by, classes=classes, class_labels=labels)
        note = (f"map layer {layer.name}: {other} more values of {color_by} than the {MAX_CLASSES} colours drawn "
                "grey (other)")
        if other and note not in layer.notes:  # a second map of the same layers says it once
            layer.notes.append(note)
    if tooltip is not None:
        spec["tooltip"] = [f for f in tooltip if f in frame.columns]
    elif "tooltip" not in spec:
        name = name_field([c for c in frame.columns if c != frame.geometry.name])
        spec["tooltip"] = [name] if name else []
    if color_by is not None and color_by in frame.columns and tooltip is None and color_by not in spec["tooltip"]:
        spec["tooltip"] = [*spec["tooltip"], color_by]
    return spec


def _display_frame(frame: gpd.GeoDataFrame, mosaic: bool) -> tuple[gpd.GeoDataFrame, float]:
    """The frame to draw and the simplification left to the projected display copy: a lon/lat frame is
    simplified here, in degrees (display_geometries simplifies projected frames only)."""
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if frame.crs is None or frame.crs.is_projected:
        return frame, QUICK_SIMPLIFY_M
    geoms = np.asarray(frame.geometry.values, dtype=object)
    lines = ~np.isin(shapely.get_type_id(geoms), (0, 4))
    if lines.any():
        tol = QUICK_SIMPLIFY_M / 111_320.0
        simplified = shapely.coverage_simplify(geoms, tol) if mosaic and lines.all() else \
            shapely.simplify(geoms, tol, preserve_topology=True)
        frame = frame.set_geometry(np.where(lines, simplified, geoms), crs=frame.crs)
    return frame, 0.0


def quick_map(layers: Sequence[QuickLayer], *, color_by: str | None = None, tooltip: Sequence[str] | None = None,
              title: str | None = None, lang: str = "zh", offline: bool = False, basemap: str = "none",
              tianditu_key: str | None = None) -> folium.Map:
    """A map of the given layers, in their order (the first drawn first).

    Parameters
    ----------
    layers : the files read (:class:`QuickLayer`: name, frame with a CRS, kind or None)
    color_by : a field: each layer that has it coloured by its distinct values (a categorical legend)
    tooltip : the fields shown on hover (default: the kind's, or a name-like field)
    title : the map's title (default: the layers' names)
    lang, offline, basemap, tianditu_key : as for :func:`~ecozone.maps.render_map`

    Returns
    -------
    folium.Map; ``m.ecozone_notes`` says what was left out or drawn grey.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"lang {lang!r}; fix: zh or en")
    if not layers:
        raise InputError("a quick map needs at least one layer; fix: e.g. ecozone map --layer parcels.gpkg -o map.html")
    _check_fields(layers, color_by, tooltip)
    bm = resolve_basemap(basemap, tianditu_key)
    shift = "gcj02" if bm and bm.get("coords") == "gcj02" else None
    title = title if title is not None else "、".join(layer.name for layer in layers)
    m = new_page(title, offline)
    add_basemap(m, bm, lang)
    bounds, legends, notes = [], [], []
    for layer in layers:
        if layer.frame.crs is None:
            raise InputError(f"{layer.source or layer.name}: has no coordinate reference system; fix: declare it "
                             "(--layer-crs EPSG:…)")
        frame, tol = _display_frame(layer.frame, layer.kind == "district")
        if frame.empty:
            notes.append(f"map layer {layer.name}: left out (no features)")
            continue
        spec = _spec(layer, color_by, tooltip, lang)
        b, legend = draw_layer(m, frame, spec, layer.kind, simplify_m=tol, mosaic=layer.kind == "district",
                               shift=shift, lang=lang)
        bounds.append(b)
        if legend is not None:
            legends.append(legend)
        notes.extend(layer.notes)
    if not bounds:
        raise InputError("none of the layers has a feature to draw; fix: give files with features")
    b = np.vstack(bounds)
    m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]])
    _controls(m, title, layers, lang, bm, legends)
    m.ecozone_notes = notes
    m.ecozone_preset = None
    m.ecozone_shift = shift
    return m


def _check_fields(layers: Sequence[QuickLayer], color_by: str | None, tooltip: Sequence[str] | None) -> None:
    """``color_by`` and every ``tooltip`` field must be a field of at least one layer (one-line error)."""
    columns = {str(c) for layer in layers for c in layer.frame.columns if c != layer.frame.geometry.name}
    listing = ", ".join(sorted(columns)) or "none"
    if color_by is not None and color_by not in columns:
        raise InputError(f"--color-by {color_by}: no layer has a field {color_by!r} (fields: {listing}); "
                         "fix: --color-by one of those fields")
    for f in tooltip or ():
        if f not in columns:
            raise InputError(f"--tooltip {f}: no layer has a field {f!r} (fields: {listing}); fix: --tooltip FIELD,… "
                             "of those fields")


def _controls(m: folium.Map, title: str, layers: Sequence[QuickLayer], lang: str, bm: Mapping[str, Any] | None,
              legends: list[Legend]) -> None:
    """The title box, the layer control, the legend and the credits (the files drawn, the simplification)."""
    m.add_child(HtmlControl(f"<h1>{text(title)}</h1>", "topleft", "ecozone-title"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(HtmlControl(legend_html("图例" if lang == "zh" else "Legend", legends), "bottomright", "ecozone-legend"))
    files = [Path(layer.source).name if layer.source else layer.name for layer in layers]
    kinds = [KINDS[layer.kind].zh if lang == "zh" else KINDS[layer.kind].en for layer in layers if layer.kind]
    parts = [("数据: " if lang == "zh" else "Data: ") + ", ".join(files)]
    if kinds:
        parts.append(("图层类型: " if lang == "zh" else "layer kinds: ") + ", ".join(dict.fromkeys(kinds)))
    parts.append(f"显示图形已简化({QUICK_SIMPLIFY_M:g} 米)" if lang == "zh" else f"display geometry simplified ({QUICK_SIMPLIFY_M:g} m)")
    parts.append("ecozone")
    m.add_child(Attribution(text(" | ".join(parts))))
    review = (bm or {}).get("review_no", "")
    if review:
        m.add_child(HtmlControl(text(f"{'审图号' if lang == 'zh' else 'Map review no.'}: {review}"), "bottomleft",
                                "ecozone-review"))
