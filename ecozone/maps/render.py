"""Rendering a preset's map of an atlas (专题图), step by step.

:func:`render_map` checks its arguments, makes the page (Leaflet, title, stylesheet), adds the
basemap, draws each preset layer (its features, classed styles, tooltips and legend block), sets
the view and adds the title, legend, credits and review number.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ..atlas import Atlas
from ..errors import ConfigError, InputError
from ..results import Missing
from .assets import leaflet_head
from .basemaps import resolve_basemap
from .elements import CSS, Attribution, HtmlControl, Verbatim
from .labels import default_label, text
from .layer import draw_layer
from .legend import Legend, legend_html
from .presets import Preset, bilingual, load_preset
from .sources import Context, layer_kind, source_frame

__all__ = ["render_map", "new_page", "add_basemap"]

#: Sources whose polygons tile the city: simplified together, so neighbours keep one shared border.
_MOSAICS = ("district", "retention_by_district", "coverage")


def render_map(
    preset: str | os.PathLike | Preset,
    atlas: Atlas,
    *,
    audit: Any = None,
    findings: pd.DataFrame | None = None,
    changes: gpd.GeoDataFrame | None = None,
    basemap: str = "none",
    tianditu_key: str | None = None,
    lang: str = "zh",
    offline: bool = False,
) -> folium.Map:
    """Build the preset's map of ``atlas`` (专题图).

    Parameters
    ----------
    preset : a preset name (``overview``, ``coastline``, ``coverage``, ``conflicts``) or a TOML path
    atlas : the layers
    audit : an :class:`~ecozone.audit.AuditResult`: its conflict findings are the ones shown
    findings : a findings table (:func:`~ecozone.conflicts`) to show instead of the atlas's own
    changes : coastline change segments (:func:`~ecozone.coastline_change`) for the ``coastline`` preset
    basemap : ``none``, ``osm``, ``tianditu``, ``tianditu-img``, ``amap`` or a tile URL template
    tianditu_key : Tianditu's ``tk`` (default: the ``ECOZONE_TIANDITU_KEY`` environment variable)
    lang : ``zh`` or ``en`` labels
    offline : inline Leaflet (script, stylesheet, images): the file needs no network

    Returns
    -------
    folium.Map; ``m.ecozone_notes`` lists the preset layers left out (no such data).

    Example
    -------
    >>> import ecozone
    >>> m = render_map("coverage", ecozone.demo_atlas(), lang="en")
    >>> m.ecozone_notes
    []
    """
    if lang not in ("zh", "en"):
        raise InputError(f"lang {lang!r}; fix: zh or en")
    preset = load_preset(preset)
    bm = resolve_basemap(basemap, tianditu_key)
    shift = "gcj02" if bm and bm.get("coords") == "gcj02" else None
    if not isinstance(atlas, Atlas):
        raise TypeError(f"render_map needs an ecozone Atlas, not {type(atlas).__name__}; fix: Atlas.from_frames({{name: (gdf, kind)}})")
    findings, changes = _results_given(audit, findings, changes)
    ctx = Context(atlas, lang, findings=findings, changes=changes)

    m = new_page(preset.title[lang], offline)
    add_basemap(m, bm, lang)
    drawn, notes = _add_layers(m, preset, ctx, shift)
    _set_view(m, preset, [d.bounds for d in drawn], notes)
    simulated = changes is not None and bool(changes.attrs.get("simulated")) and any(d.source == "coastline_change" for d in drawn)
    _add_controls(m, atlas, preset, lang, bm, [d.legend for d in drawn if d.legend is not None], simulated)
    m.ecozone_notes = notes
    m.ecozone_preset = preset
    m.ecozone_shift = shift
    return m


@dataclass
class _Drawn:
    """A preset layer on the map: its source, its bounds (WGS84 or GCJ-02, as drawn) and its legend block."""

    source: str
    bounds: np.ndarray
    legend: Legend | None


def _results_given(audit: Any, findings: pd.DataFrame | None, changes: Any) -> tuple[pd.DataFrame | None, gpd.GeoDataFrame | None]:
    """The conflict findings and coastline changes to draw: an audit's findings unless a table is given."""
    if audit is not None and findings is None:
        findings = audit.tables.get("conflicts")
    if isinstance(changes, tuple):  # coastline_change() returns (summary, changes)
        changes = changes[1]
    if changes is not None and (not isinstance(changes, gpd.GeoDataFrame) or changes.crs is None):
        raise InputError("changes: a GeoDataFrame with a CRS from coastline_change() is needed; fix: pass coastline_change(before, after)[1]")
    return findings, changes


def new_page(title: str, offline: bool) -> folium.Map:
    """An empty map whose page head holds Leaflet, the title (plain text) and ecozone's stylesheet."""
    m = folium.Map(location=None, tiles=None, prefer_canvas=True, control_scale=True, zoom_control=True, zoomSnap=0.25)
    m.default_js, m.default_css = [], []
    head = m.get_root().header
    head.add_child(Verbatim(leaflet_head(offline)), name="leaflet")
    head.add_child(Verbatim(f"<title>{text(title)}</title><style>{CSS}</style>"), name="ecozone_css")
    return m


def add_basemap(m: folium.Map, bm: dict[str, Any] | None, lang: str) -> None:
    """The basemap's tile layers: the first in the layer control, the others (labels) on top of it."""
    if bm is None:
        return
    for i, url in enumerate(bm["tiles"]):
        folium.TileLayer(tiles=url, attr=text(bm["attribution"]), name=text(bilingual(bm["label"], "label")[lang]) + ("" if i == 0 else " +"),
                         subdomains=bm.get("subdomains", "abc"), max_zoom=18, overlay=i > 0, control=i == 0).add_to(m)


def _add_layers(m: folium.Map, preset: Preset, ctx: Context, shift: str | None) -> tuple[list[_Drawn], list[str]]:
    """Every preset layer the atlas has data for, in the preset's order; notes on the ones left out."""
    drawn: list[_Drawn] = []
    notes: list[str] = []
    for spec in preset.layers:
        layer = _add_layer(m, spec, preset, ctx, shift, notes)
        if layer is not None:
            drawn.append(layer)
    return drawn, notes


def _add_layer(m: folium.Map, spec: Mapping[str, Any], preset: Preset, ctx: Context, shift: str | None,
               notes: list[str]) -> _Drawn | None:
    """One preset layer as a GeoJSON layer of ``m``; None (and a note) when there is nothing to draw."""
    source, lang = spec["source"], ctx.lang
    kind = layer_kind(source)
    name = bilingual(spec.get("label", default_label(spec, kind)), "label")[lang]
    try:
        frame = source_frame(ctx, spec)
    except Missing as why:
        notes.append(f"map layer {name}: left out ({why})")
        return None
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if frame.empty:
        notes.append(f"map layer {name}: left out (no features)")
        return None
    if "color_by" in spec and spec["color_by"] not in frame.columns:
        notes.append(f"map layer {name}: no field {spec['color_by']!r} to colour by; drawn in one colour")
    try:
        bounds, legend = draw_layer(m, frame, spec, kind, simplify_m=preset.simplify_m, mosaic=source in _MOSAICS,
                                    shift=shift, lang=lang)
    except ConfigError as err:
        raise ConfigError(f"{preset.path}: {err}") from None
    return _Drawn(source, bounds, legend)


def _set_view(m: folium.Map, preset: Preset, bounds: list[np.ndarray], notes: list[str]) -> None:
    """The preset's [view], or the drawn layers' bounds; no layer drawn is an error."""
    if not bounds:
        raise InputError(f"map {preset.name}: none of the preset's layers is in the atlas ({'; '.join(notes)}); "
                         f"fix: choose a preset that fits the atlas's layers")
    b = np.vstack(bounds)
    west, south, east, north = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    if "center" in preset.view and "zoom" in preset.view:
        lon, lat = preset.view["center"]
        m.location, m.options["zoom"] = [lat, lon], int(preset.view["zoom"])
    else:
        m.fit_bounds([[south, west], [north, east]])


def _add_controls(m: folium.Map, atlas: Atlas, preset: Preset, lang: str, bm: dict[str, Any] | None, legends: list[Legend],
                  simulated: bool) -> None:
    """The title box, the layer control, the legend, the credits and the basemap's review number (审图号)."""
    title = preset.title[lang]
    sub = atlas.title or atlas.name
    m.add_child(HtmlControl(f"<h1>{text(title)}</h1><p>{text(sub)}</p>", "topleft", "ecozone-title"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(HtmlControl(legend_html("图例" if lang == "zh" else "Legend", legends), "bottomright", "ecozone-legend"))
    m.add_child(Attribution(text(_credit_line(atlas, preset, lang, simulated))))
    review = (bm or {}).get("review_no", "")
    if review:
        m.add_child(HtmlControl(text(f"{'审图号' if lang == 'zh' else 'Map review no.'}: {review}"), "bottomleft", "ecozone-review"))


def _credit_line(atlas: Atlas, preset: Preset, lang: str, simulated_changes: bool = False) -> str:
    summary = atlas.summary()
    illustrative = [(atlas.layers[n].title or n) for n in summary.loc[summary["illustrative"], "layer"]]
    if simulated_changes:  # changes against a made-up survey (the demo's)
        illustrative.append("岸线类型变化(模拟调查)" if lang == "zh" else "coastline changes (simulated survey)")
    parts = []
    if atlas.credits:
        parts.append(("数据来源: " if lang == "zh" else "Data: ") + "; ".join(atlas.credits))
    else:
        sources = sorted({s for s in summary["source"] if s})
        if sources:
            parts.append(("数据来源: " if lang == "zh" else "Data: ") + "; ".join(sources))
    if illustrative:
        parts.append(("示意图层(非真实数据): " if lang == "zh" else "Illustrative layers (not real data): ") + ", ".join(illustrative))
    if preset.simplify_m > 0:
        parts.append(f"显示图形已简化({preset.simplify_m:g} 米)" if lang == "zh" else f"display geometry simplified ({preset.simplify_m:g} m)")
    parts.append("ecozone")
    return " | ".join(parts)
