"""Folium HTML maps from the presets in ``maps/`` (专题图).

A preset (TOML) says which layers a map shows, in which order, how each is
coloured (one style, by class, or a classed choropleth), which fields its
tooltips and popups show and what the legend says.  :func:`render_map` builds
a :class:`folium.Map` from a preset and an :class:`~ecozone.atlas.Atlas`;
:func:`write_map` writes it atomically and warns when it is too large.

What the map embeds is a display copy: simplified in the measurement CRS
(the district mosaic with coverage simplification, so neighbours keep one
shared border), reprojected to WGS84, coordinates rounded to 6 decimals
(≈ 0.1 m), only the shown fields, every value HTML-escaped (attribute
values are text, never markup).  On AMap tiles (GCJ-02) the display copy
is shifted to GCJ-02; the atlas and every export stay unshifted.

Text from files (names, titles, sources, preset labels) is never template
source: folium renders its elements' output again as a Jinja2 template, so
:func:`text` also writes ``{`` and ``}`` as character references
(``{{7*7}}`` shows as typed), and ecozone's own elements go into the page
verbatim.  Inside ``<script>`` the text is JSON with ``<`` escaped: a name
cannot end the script or open a comment.

``offline=True`` inlines Leaflet's script, stylesheet and images (from the
PyPI package ``django-js-lib-leaflet``) so the file opens with no network:
with ``basemap="none"`` it makes no request at all, with a tile basemap only
tile requests.

Example
-------
>>> import ecozone
>>> from ecozone.maps import render_map
>>> m = render_map("overview", ecozone.demo_atlas(), offline=True)
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from ._resources import resource_dir
from . import results
from .atlas import Atlas
from .crs import from_wgs84_geometries
from .errors import ConfigError, EcozoneError, InputError
from .io import write_text
from .schema import COASTLINE_CLASSES, KINDS

__all__ = ["Preset", "MapSizeWarning", "load_preset", "preset_names", "render_map", "resolve_basemap", "write_map",
           "write_maps", "SIZE_LIMIT_MB"]

#: Above this size a map warns: Leaflet slows down past ~20 MB of GeoJSON.
SIZE_LIMIT_MB = 20.0
#: Leaflet from CDN for online maps (the same version the offline copy inlines).
_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/"
_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


class MapSizeWarning(UserWarning):
    """A map is larger than its size limit."""


# ----------------------------------------------------------------------------- presets

_COLOUR = re.compile(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20}")
_DASH = re.compile(r"[0-9]+(?:[ ,]+[0-9]+)*")


@dataclass
class Preset:
    """A map preset: title, display simplification, initial view and layers (see ``maps/README.md``)."""

    name: str
    path: Path
    title: dict[str, str]
    layers: list[dict[str, Any]]
    simplify_m: float = 20.0
    size_limit_mb: float = SIZE_LIMIT_MB
    view: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def preset_names() -> list[str]:
    """Names of the presets shipped in ``maps/``."""
    return sorted(p.stem for p in resource_dir("maps").glob("*.toml") if p.stem != "basemaps")


class _Bad(Exception):
    """A preset value of the wrong type or shape: (problem, fix)."""


def _labels(value: Any, where: str = "label") -> dict[str, str]:
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, Mapping) and value and set(value) <= {"zh", "en"} and all(isinstance(v, str) for v in value.values()):
        return {"zh": value.get("zh", value.get("en")), "en": value.get("en", value.get("zh"))}
    raise _Bad(f"{where} = {value!r}", 'a string or { zh = "…", en = "…" }')


def _number(value: Any, where: str, lo: float = 0.0, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (lo <= value <= hi) or math.isnan(value):
        raise _Bad(f"{where} = {value!r}", f"a number from {lo:g} to {hi:g}")
    return float(value)


def _colour(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise _Bad(f"{where} = {value!r}", 'a colour such as "#2e7d32" or "teal"')
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"{where} = {value!r}", "true or false")
    return value


def _fields(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(f, str) and f for f in value) or "geometry" in value:
        raise _Bad(f"{where} = {value!r}", 'a list of field names such as ["name", "area_ha"] (not "geometry")')
    return value


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Bad(f"{where} = {value!r}", f"a table: {where} = {{ key = value, … }}")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(f"{where} = {value!r}", "a field name")
    return value


def _one_of(choices: Sequence[str]):
    def check(value: Any, where: str) -> str:
        if value not in choices:
            raise _Bad(f"{where} = {value!r}", f"one of {', '.join(choices)}")
        return value

    return check


def _check_style(value: Any, where: str) -> None:
    checks = {"color": _colour, "fill_color": _colour, "weight": lambda v, w: _number(v, w, 0, 20),
              "opacity": lambda v, w: _number(v, w, 0, 1), "fill_opacity": lambda v, w: _number(v, w, 0, 1),
              "radius": lambda v, w: _number(v, w, 1, 50)}
    for key, v in _table(value, where).items():
        if key == "dash_array":
            if not isinstance(v, str) or not _DASH.fullmatch(v):
                raise _Bad(f"{where}.dash_array = {v!r}", 'dash and gap lengths in pixels, e.g. "6 4"')
        elif key in checks:
            checks[key](v, f"{where}.{key}")
        else:
            raise _Bad(f"{where}: key {key!r} unknown", f"use {', '.join(sorted([*checks, 'dash_array']))}")


def _check_choropleth(layer: Mapping[str, Any]) -> None:
    bins, colors = layer.get("bins"), layer.get("colors")
    if (not isinstance(bins, list) or len(bins) < 2
            or not all(not isinstance(b, bool) and isinstance(b, (int, float)) and math.isfinite(b) for b in bins)
            or any(a >= b for a, b in zip(bins, bins[1:]))):
        raise _Bad(f"bins = {bins!r}", "ascending numbers, e.g. bins = [0, 0.1, 0.2]")
    if not isinstance(colors, list) or len(colors) != len(bins) - 1:
        raise _Bad(f"colors = {colors!r}", f"one colour per bin: {len(bins) - 1} colours for {len(bins)} bin edges")
    for i, c in enumerate(colors):
        _colour(c, f"colors[{i}]")


#: Each layer key: how it is checked.
_LAYER_SPEC: dict[str, Any] = {
    "source": lambda v, w: v,  # checked first, below
    "label": _labels,
    "style": _check_style,
    "color_by": _name,
    "classes": lambda v, w: [_colour(c, f"{w}.{k}") for k, c in _table(v, w).items()],
    "class_labels": lambda v, w: [_labels(lb, f"{w}.{k}") for k, lb in _table(v, w).items()],
    "value": _name,
    "bins": lambda v, w: v,
    "colors": lambda v, w: v,
    "percent": _flag,
    "tooltip": _fields,
    "popup": _fields,
    "show": _flag,
    "legend": _flag,
    "of": _one_of(list(KINDS)),
    "realm": _one_of(["land", "marine"]),
}
_PRESET_KEYS = {"title", "description", "simplify_m", "size_limit_mb", "view", "layers"}


def load_preset(preset: str | os.PathLike | Preset) -> Preset:
    """Read a preset by name (``overview``, ``coastline``, ``coverage``, ``conflicts``) or from a TOML file.

    Every key is checked before anything is drawn: a wrong key, type or value is
    a :class:`~ecozone.errors.ConfigError` naming the file, the key and the fix.
    """
    if isinstance(preset, Preset):
        return preset
    text_name = str(preset)
    path = Path(text_name)
    if not text_name.lower().endswith(".toml"):
        path = resource_dir("maps") / f"{text_name}.toml"
        if not path.is_file() or text_name == "basemaps":
            raise ConfigError(f"no map preset {text_name!r}; fix: use one of {', '.join(preset_names())} or a preset .toml file")
    if not path.is_file():
        raise InputError(f"{path}: {'is a folder' if path.is_dir() else 'file not found'}; fix: give the preset's .toml file")
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; fix: save the preset as UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix: correct the file") from None
    try:
        return _preset(path, raw)
    except _Bad as bad:
        problem, fix = bad.args
        raise ConfigError(f"{path}: {problem}; fix: {fix}") from None


def _preset(path: Path, raw: dict[str, Any]) -> Preset:
    unknown = sorted(set(raw) - _PRESET_KEYS)
    if unknown:
        raise _Bad(f"unknown key {unknown[0]!r}", f"use only {', '.join(sorted(_PRESET_KEYS))}")
    layers = raw.get("layers")
    if not isinstance(layers, list) or not layers:
        raise _Bad("no [[layers]]", "add at least one [[layers]] table with a source")
    for i, layer in enumerate(layers, 1):
        where = f"[[layers]] #{i}"
        if not isinstance(layer, Mapping):
            raise _Bad(f"{where} is not a table", "write [[layers]] tables")
        unknown = sorted(set(layer) - set(_LAYER_SPEC))
        if unknown:
            raise _Bad(f"{where}: unknown key {unknown[0]!r}", f"use only {', '.join(sorted(_LAYER_SPEC))}")
        source = layer.get("source")
        if source not in SOURCES and source not in KINDS:
            raise _Bad(f"{where}: source {source!r} unknown",
                       f"a layer kind ({', '.join(KINDS)}) or a measured layer ({', '.join(SOURCES)})")
        for key, value in layer.items():
            _LAYER_SPEC[key](value, f"{where} {key}")
        if "value" in layer or "bins" in layer or "colors" in layer:
            try:
                _check_choropleth(layer)
            except _Bad as bad:
                raise _Bad(f"{where} {bad.args[0]}", bad.args[1]) from None
            if "color_by" in layer:
                raise _Bad(f"{where}: both color_by and a choropleth (value, bins, colors)", "keep one of them")
        if ("color_by" in layer) != ("classes" in layer):
            raise _Bad(f"{where}: color_by and classes go together", "name the field with color_by and its colours in classes")
    view = dict(_table(raw.get("view", {}), "view"))
    if view:
        if set(view) != {"center", "zoom"}:
            raise _Bad(f"[view] keys {sorted(view)}", "give center = [lon, lat] and zoom = N together (or no [view]: fit the layers)")
        center = view["center"]
        if not isinstance(center, list) or len(center) != 2:
            raise _Bad(f"[view] center = {center!r}", "center = [lon, lat], e.g. [121.4, 37.5]")
        view["center"] = [_number(center[0], "[view] center lon", -180, 180), _number(center[1], "[view] center lat", -85, 85)]
        if isinstance(view["zoom"], bool) or not isinstance(view["zoom"], int) or not 0 <= view["zoom"] <= 20:
            raise _Bad(f"[view] zoom = {view['zoom']!r}", "a whole number from 0 to 20")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _Bad(f"description = {description!r}", "a string")
    return Preset(
        name=path.stem,
        path=path,
        title=_labels(raw.get("title", path.stem), "title"),
        layers=layers,
        simplify_m=_number(raw.get("simplify_m", 20.0), "simplify_m", 0, 10000),
        size_limit_mb=_number(raw.get("size_limit_mb", SIZE_LIMIT_MB), "size_limit_mb", 0.01, 1000),
        view=view,
        description=description,
    )


# ----------------------------------------------------------------------------- basemaps


def _basemaps() -> dict[str, dict[str, Any]]:
    path = resource_dir("maps") / "basemaps.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def resolve_basemap(basemap: str, tianditu_key: str | None = None) -> dict[str, Any] | None:
    """The basemap's definition (None for ``none``); URL templates become a custom basemap."""
    if basemap in (None, "", "none"):
        return None
    if not isinstance(basemap, str):
        raise InputError(f"basemap {basemap!r}; fix: a basemap name or a tile URL template")
    if "{" in basemap:
        missing = [p for p in ("{x}", "{y}", "{z}") if p not in basemap]
        if missing or not re.match(r"^https?://", basemap):
            raise InputError(f"basemap {basemap!r}: a tile URL template needs http(s):// and {{x}}, {{y}}, {{z}}; "
                             f"fix: e.g. http://tiles.example.gov.cn/{{z}}/{{x}}/{{y}}.png")
        # braces only around Leaflet's placeholders: folium renders the page as a template, {{ … }} would run
        if re.search(r"[{}]", re.sub(r"\{[A-Za-z]+\}", "", basemap)):
            raise InputError(f"basemap {basemap!r}: braces in a tile URL template go only around a placeholder "
                             f"({{x}}, {{y}}, {{z}}, {{s}}); fix: write other braces as %7B and %7D")
        return {"label": {"zh": "底图", "en": "basemap"}, "tiles": [basemap], "attribution": "底图: 自定义瓦片 (custom tiles)",
                "review_no": "", "coords": "wgs84"}
    defs = _basemaps()
    if basemap not in defs:
        raise InputError(f"basemap {basemap!r} unknown; fix: use one of none, {', '.join(defs)} or a tile URL template with {{z}}/{{x}}/{{y}}")
    bm = dict(defs[basemap])
    if bm.get("key"):
        key = tianditu_key or os.environ.get("ECOZONE_TIANDITU_KEY")
        if not key:
            raise InputError(f"basemap {basemap}: Tianditu tiles need a key (tk); fix: pass --tianditu-key KEY or set "
                             f"ECOZONE_TIANDITU_KEY (a free browser key from the Tianditu console)")
        bm["tiles"] = [t.replace("{key}", quote(key, safe="")) for t in bm["tiles"]]  # a URL's query value, nothing else
    return bm


# ----------------------------------------------------------------------------- sources


@dataclass
class _Context:
    atlas: Atlas
    lang: str
    findings: pd.DataFrame | None = None
    changes: gpd.GeoDataFrame | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def retention(self):
        """Coastline retention by district and bay, measured once for the map's layers."""
        if "retention" not in self.cache:
            self.cache["retention"] = results.atlas_retention(self.atlas)
        return self.cache["retention"]


def _kind_source(kind: str):
    def make(ctx: _Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
        if not ctx.atlas.names(kind):
            raise results.Missing(f"no {kind} layer")
        frame = ctx.atlas.of_kind(kind)
        if spec.get("realm"):
            from .measure.conflicts import of_realm

            frame = of_realm(frame, spec["realm"])
        return results.measured(frame)

    return make


def _coastline_change(ctx: _Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
    if ctx.changes is None:
        raise results.Missing("no coastline change given (--earlier FILE)")
    return ctx.changes


def _findings(ctx: _Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """One feature per feature in conflict: the most serious severity, every rule and control feature;
    and each once more as a ring at a point on it, visible when the whole city is in view."""
    from .measure.conflicts import RULES, SEVERITIES

    found = results.findings_layer(ctx.atlas, ctx.findings)
    order = list(SEVERITIES)
    found["_o"] = found["severity"].map(lambda v: order.index(v) if v in order else len(order))
    found = found.sort_values("_o", kind="stable")

    def label(rule: str) -> str:
        return (RULES[rule].zh if ctx.lang == "zh" else RULES[rule].en) if rule in RULES else rule

    rows, geoms = [], []
    for (lname, fid), group in found.groupby(["feature_layer", "feature_id"], sort=False):
        rows.append({
            "id": fid,
            "name": group["feature_name"].iloc[0] if "feature_name" in group else "",
            "layer": lname,
            "severity": group["severity"].iloc[0],
            "rules": "; ".join(dict.fromkeys(label(r) for r in group["rule"])),
            "against_name": "; ".join(dict.fromkeys(str(n) for n in group.get("against_name", []))),
            "overlap_ha": float(group["overlap_ha"].fillna(0).sum()) if "overlap_ha" in group else np.nan,
            "distance_m": float(group["distance_m"].min()) if "distance_m" in group else np.nan,
            "findings": len(group),
        })
        geoms.append(group.geometry.iloc[0])
    rings = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    return gpd.GeoDataFrame(rows + rows, geometry=list(geoms) + list(rings), crs=ctx.atlas.crs)


#: Measured layers a preset can show besides the atlas's own kinds.
SOURCES = {
    "river_buffers": lambda ctx, spec: results.river_buffer_layer(ctx.atlas),
    "setback_zones": lambda ctx, spec: results.setback_layer(ctx.atlas),
    "coastline_change": _coastline_change,
    "retention_by_district": lambda ctx, spec: results.retention_layer(ctx.atlas, "district", ctx.retention()),
    "retention_by_bay": lambda ctx, spec: results.retention_layer(ctx.atlas, "bay", ctx.retention()),
    "coverage": lambda ctx, spec: results.coverage_layer(ctx.atlas, spec.get("of", "redline"), spec.get("realm")),
    "findings": _findings,
}

#: Which layer kind's field table labels a measured layer's fields.
_SOURCE_KIND = {"river_buffers": "river", "setback_zones": None, "coastline_change": "coastline",
                "retention_by_district": "district", "retention_by_bay": "bay", "coverage": "district", "findings": None}

#: Labels and formats of measured fields: (zh, en, format); format "pct" shows a fraction as %.
MEASURED_FIELDS: dict[str, tuple[str, str, str]] = {
    "area_ha": ("面积(公顷)", "area (ha)", ",.1f"),
    "length_km": ("长度(千米)", "length (km)", ",.2f"),
    "total_km": ("岸线长度(千米)", "coastline (km)", ",.1f"),
    "natural_km": ("自然岸线(千米)", "natural (km)", ",.1f"),
    "artificial_km": ("人工岸线(千米)", "artificial (km)", ",.1f"),
    "retention": ("自然岸线保有率", "natural-coastline retention", "pct"),
    "zone_area_ha": ("区域面积(公顷)", "zone area (ha)", ",.0f"),
    "covered_ha": ("覆盖面积(公顷)", "covered (ha)", ",.1f"),
    "covered_share": ("覆盖率", "coverage", "pct"),
    "width_m": ("缓冲带宽度(米)", "buffer width (m)", ",.0f"),
    "buffer_ha": ("缓冲带面积(公顷)", "buffer area (ha)", ",.1f"),
    "length_m": ("长度(米)", "length (m)", ",.0f"),
    "change": ("变化", "change", ""),
    "class_before": ("原岸线类型", "class before", ""),
    "class_after": ("现岸线类型", "class after", ""),
    "severity": ("级别", "severity", ""),
    "rules": ("冲突规则", "rules", ""),
    "against_name": ("冲突对象", "in conflict with", ""),
    "overlap_ha": ("重叠面积(公顷)", "overlap (ha)", ",.2f"),
    "distance_m": ("距离(米)", "distance (m)", ",.0f"),
    "findings": ("问题数", "findings", "d"),
    "layer": ("图层", "layer", ""),
    "zone": ("分区", "zone", ""),
    "type": ("类型", "type", ""),
}

_VALUE_LABELS = {
    "change": {"gained": ("新增自然岸线", "natural gained"), "lost": ("自然岸线减少", "natural lost"),
               "new": ("新增岸线(如围填海)", "new coastline (e.g. reclamation)"), "removed": ("岸线消失", "coastline removed"),
               "reclassified": ("类型变更(自然性不变)", "reclassified (naturalness unchanged)")},
    "severity": {"violation": ("违规", "violation"), "warning": ("需关注", "warning"), "info": ("信息", "info")},
    "zone": {"core": ("核心区", "core zone"), "general": ("一般控制区", "general control zone")},
}


def _field_label(kind: str | None, name: str, lang: str) -> str:
    if kind is not None:
        try:
            f = KINDS[kind].field(name)
            return f.zh if lang == "zh" else f.en
        except KeyError:
            pass
    if name in MEASURED_FIELDS:
        zh, en, _ = MEASURED_FIELDS[name]
        return zh if lang == "zh" else en
    return name


def _codes_of(kind: str | None, name: str):
    if name in ("class_before", "class_after"):
        return COASTLINE_CLASSES
    if kind is not None:
        try:
            return KINDS[kind].field(name).codes
        except KeyError:
            return None
    return None


def _value_label(kind: str | None, name: str, value: Any, lang: str, overrides: Mapping[str, Any] | None = None) -> str:
    """A value as a planner reads it: a code's Chinese (or English) label, a number formatted, a percentage."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if overrides and str(value) in overrides:
        return _labels(overrides[str(value)], "class_labels")[lang]
    codes = _codes_of(kind, name)
    if codes is not None and str(value) in codes.codes:
        return codes.label(str(value), lang)
    if name in _VALUE_LABELS and str(value) in _VALUE_LABELS[name]:
        zh, en = _VALUE_LABELS[name][str(value)]
        return zh if lang == "zh" else en
    if isinstance(value, (bool, np.bool_)):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    fmt = MEASURED_FIELDS.get(name, ("", "", ""))[2]
    if isinstance(value, (int, float, np.integer, np.floating)):
        if fmt == "pct":
            return f"{float(value) * 100:.1f} %"
        if fmt:
            return format(float(value) if fmt != "d" else int(value), fmt)
        if isinstance(value, (float, np.floating)):
            return str(int(value)) if float(value).is_integer() else f"{float(value):,.2f}"
    return str(value)


#: Characters :func:`text` writes as HTML character references besides ``& < > " '``: the backslash,
#: backtick and ``$`` (folium's tooltip code is a JavaScript template literal) and the braces (folium
#: renders each element's output again as a Jinja2 template: ``{{ … }}`` or ``{% … %}`` from a file
#: would be evaluated).
_ENTITIES = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})


def text(value: Any) -> str:
    """Any text that came from a file or a user, ready for a map: shown as the characters it is, never run.

    Every name, title, label, credit and attribute value a map shows passes through here.  It is
    HTML-escaped (a tooltip, popup, legend, layer name or credit is HTML to Leaflet), and the
    characters that mean something to the template engine folium renders its elements with
    (``{`` and ``}``) or to a JavaScript template literal (`` ` ``, ``$``, ``\\``) become character
    references too: ``{{7*7}}`` shows as ``{{7*7}}``, not 49.  ``<`` is escaped, so the result can
    neither close a ``<script>`` nor open an HTML comment.
    """
    return html.escape(str(value), quote=True).translate(_ENTITIES)


# ----------------------------------------------------------------------------- display copies


def _display_geometries(frame: gpd.GeoDataFrame, tolerance_m: float, mosaic: bool, shift: str | None) -> np.ndarray:
    """Simplify in the projected CRS, reproject to WGS84, shift for GCJ-02 tiles, round to 6 decimals."""
    geoms = frame.geometry.values
    if tolerance_m > 0 and frame.crs is not None and frame.crs.is_projected:
        geoms = np.asarray(geoms, dtype=object)
        if mosaic:
            geoms = shapely.coverage_simplify(geoms, tolerance_m)
        else:
            geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(4326).values
    if shift:
        out = from_wgs84_geometries(out, shift)
    return shapely.transform(np.asarray(out, dtype=object), lambda c: np.round(c, 6))


def _feature_collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for i, (g, p) in enumerate(zip(geoms, props)):
        if g is None or shapely.is_empty(g):
            continue
        features.append({"type": "Feature", "id": str(i), "properties": p, "geometry": shapely.geometry.mapping(g)})
    return {"type": "FeatureCollection", "features": features}


# ----------------------------------------------------------------------------- rendering

_DEFAULT_STYLE = {
    "polygon": {"color": "#455a64", "weight": 1.0, "opacity": 0.9, "fill_opacity": 0.3},
    "line": {"color": "#1565c0", "weight": 2.0, "opacity": 0.9},
    "point": {"color": "#37474f", "weight": 1.0, "fill_opacity": 0.85, "radius": 5},
}
_OTHER = "#9e9e9e"


def _family(frame: gpd.GeoDataFrame) -> str:
    kinds = set(shapely.get_type_id(frame.geometry.values).tolist()) - {-1}
    if kinds <= {0, 4}:
        return "point"
    if kinds <= {1, 2, 5}:
        return "line"
    return "polygon"


def _leaflet_style(style: Mapping[str, Any], family: str, color: str | None = None) -> dict[str, Any]:
    """Leaflet path options from a preset style; ``color`` is a class colour (the line, or the fill)."""
    s = {**_DEFAULT_STYLE[family], **style}
    stroke, fill = s["color"], s.get("fill_color", s["color"])
    if color is not None:
        if family == "line":
            stroke = color
        else:
            fill = color
            stroke = style.get("color", color)
    out: dict[str, Any] = {"color": stroke, "weight": s["weight"], "opacity": s.get("opacity", 0.9)}
    if family != "line":
        out.update(fillColor=fill, fillOpacity=s.get("fill_opacity", 0.3), fill=s.get("fill_opacity", 0.3) > 0)
    if family == "point":
        out["radius"] = s.get("radius", 5)
    if s.get("dash_array"):
        out["dashArray"] = str(s["dash_array"])
    return out


@dataclass
class _Legend:
    title: str
    family: str
    entries: list[tuple[str, dict[str, Any]]]  # (label, leaflet style)


def _classify(frame: pd.DataFrame, spec: Mapping[str, Any], kind: str | None, family: str, lang: str) -> tuple[list[str], dict[str, dict], _Legend | None, str]:
    """Each feature's style key, the styles, the legend entries."""
    style = spec.get("style", {})
    label = _labels(spec.get("label", _default_label(spec, kind)), "label")[lang]
    if "value" in spec:  # classed choropleth
        col = spec["value"]
        fields = [str(c) for c in frame.columns if c not in ("_row", frame.geometry.name)]
        if col not in frame:
            raise ConfigError(f"map layer {label}: no field {col!r} for the choropleth; fix: value = one of {', '.join(fields)}")
        bins, colors = [float(b) for b in spec["bins"]], list(spec["colors"])
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        if np.isnan(values).all() and frame[col].notna().any():
            raise ConfigError(f"map layer {label}: field {col!r} holds no numbers; fix: value = a numeric field")
        idx = np.clip(np.searchsorted(bins, values, side="right") - 1, 0, len(colors) - 1)
        keys = [("nodata" if np.isnan(v) else f"c{i}") for v, i in zip(values, idx)]
        styles = {f"c{i}": _leaflet_style(style, family, c) for i, c in enumerate(colors)}
        styles["nodata"] = _leaflet_style(style, family, _OTHER)
        pct = spec.get("percent", MEASURED_FIELDS.get(col, ("", "", ""))[2] == "pct")
        fmt = (lambda b: f"{b * 100:g} %") if pct else (lambda b: f"{b:g}")
        entries = [(f"{fmt(lo)} – {fmt(hi)}", styles[f"c{i}"]) for i, (lo, hi) in enumerate(zip(bins[:-1], bins[1:]))]
        if "nodata" in keys:
            entries.append(("无数据" if lang == "zh" else "no data", styles["nodata"]))
        title = f"{label}: {_field_label(kind, col, lang)}"
        return keys, styles, _Legend(title, family, entries), label
    if "color_by" in spec:
        col = spec["color_by"]
        classes = dict(spec.get("classes", {}))
        overrides = spec.get("class_labels", {})
        values = frame[col].astype("string").fillna("").tolist() if col in frame else [""] * len(frame)
        keys = [v if v in classes else "_other" for v in values]
        styles = {v: _leaflet_style(style, family, c) for v, c in classes.items()}
        styles["_other"] = _leaflet_style(style, family, _OTHER)
        entries = [(_value_label(kind, col, v, lang, overrides), styles[v]) for v in classes if v in set(keys)]
        if "_other" in keys:
            entries.append(("其他" if lang == "zh" else "other", styles["_other"]))
        return keys, styles, _Legend(label, family, entries), label
    s = _leaflet_style(style, family)
    return ["_"] * len(frame), {"_": s}, _Legend("", family, [(label, s)]), label


def _default_label(spec: Mapping[str, Any], kind: str | None) -> dict[str, str]:
    source = spec["source"]
    if source in KINDS:
        return {"zh": KINDS[source].zh, "en": KINDS[source].en}
    return {"zh": source, "en": source.replace("_", " ")}


class _Verbatim(Element):
    """HTML or script put into the page as it is: unlike a branca ``Element``, never parsed as a template."""

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Verbatim"
        self.html = str(html_text)

    def render(self, **kwargs: Any) -> str:
        return self.html


class _Script(MacroElement):
    """A MacroElement whose script is rendered once.

    branca puts a MacroElement's rendered script into the page as a new template, rendered again
    with the page: text in it would be evaluated.  Here the script goes in :class:`_Verbatim`, so
    the strings its template inserts (with ``|tojson``) stay data.
    """

    def render(self, **kwargs: Any) -> None:
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_Verbatim(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _HtmlControl(_Script):
    """A Leaflet control (or a free-floating box) holding HTML that ecozone built from escaped text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.control({position: {{ this.position|tojson }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str):
        super().__init__()
        self._name = "EcozoneControl"
        self.html, self.position, self.css_class = html_text, position, css_class


class _Attribution(_Script):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "EcozoneAttribution"
        self.html = html_text


_CSS = """
.leaflet-container { font-family: %(fonts)s; }
.ecozone-title { background: rgba(255,255,255,0.92); padding: 6px 12px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 60vw; }
.ecozone-title h1 { font-size: 17px; margin: 0; }
.ecozone-title p { font-size: 12px; margin: 2px 0 0; color: #555; }
.ecozone-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px; font-size: 12px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-height: 60vh; overflow-y: auto; line-height: 18px; }
.ecozone-legend h2 { font-size: 13px; margin: 0 0 4px; }
.ecozone-legend h3 { font-size: 12px; margin: 6px 0 2px; font-weight: 600; }
.ecozone-legend .row { display: flex; align-items: center; gap: 6px; }
.ecozone-legend .sw { display: inline-block; width: 16px; height: 12px; box-sizing: border-box; flex: none; }
.ecozone-legend .sw.line { height: 0; border-top-style: solid; }
.ecozone-legend .sw.point { width: 11px; height: 11px; border-radius: 50%%; }
.ecozone-legend .row.single { font-weight: 600; margin-top: 4px; }
.leaflet-control-attribution { font-size: 11px; line-height: 1.35; max-width: 70vw; }
.ecozone-review { background: rgba(255,255,255,0.85); padding: 1px 6px; font-size: 11px; color: #333; }
.foliumtooltip, .foliumpopup { font-family: %(fonts)s; }
.foliumtooltip th, .foliumpopup th { text-align: left; padding-right: 8px; font-weight: 600; }
""" % {"fonts": _FONTS}


def _rgba(color: str, alpha: float) -> str:
    """``#rrggbb`` with an alpha as ``rgba()``; other CSS colours as they are."""
    c = str(color)
    if re.fullmatch(r"#[0-9a-fA-F]{6}", c):
        r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:.2f})"
    return c


def _swatch(family: str, s: Mapping[str, Any]) -> str:
    """A legend swatch drawn like the layer: a bar for lines, a dot for points, a box for polygons."""
    stroke = text(s.get("color"))
    if family == "line":
        dash = "dashed" if s.get("dashArray") else "solid"
        return f'<span class="sw line" style="border-top:{max(2.0, float(s.get("weight", 2))):g}px {dash} {stroke}"></span>'
    alpha = float(s.get("fillOpacity", 0.3)) if s.get("fill", True) else 0.0
    fill = text(_rgba(s.get("fillColor", s.get("color")), alpha))
    border = "dashed" if s.get("dashArray") else "solid"
    return (f'<span class="sw {family}" style="background:{fill};'
            f'border:{min(3.0, max(1.0, float(s.get("weight", 1)))):g}px {border} {stroke}"></span>')


def _legend_html(title: str, legends: list[_Legend]) -> str:
    parts = [f"<h2>{text(title)}</h2>"]
    for lg in legends:
        if lg.title:
            parts.append(f"<h3>{text(lg.title)}</h3>")
        single = "" if lg.title else " single"
        for label, style in lg.entries:
            parts.append(f'<div class="row{single}">{_swatch(lg.family, style)}<span>{text(label)}</span></div>')
    return "".join(parts)


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
    if audit is not None and findings is None:
        findings = audit.tables.get("conflicts")
    if isinstance(changes, tuple):  # coastline_change() returns (summary, changes)
        changes = changes[1]
    if changes is not None and (not isinstance(changes, gpd.GeoDataFrame) or changes.crs is None):
        raise InputError("changes: a GeoDataFrame with a CRS from coastline_change() is needed; fix: pass coastline_change(before, after)[1]")
    ctx = _Context(atlas, lang, findings=findings, changes=changes)

    m = folium.Map(location=None, tiles=None, prefer_canvas=True, control_scale=True, zoom_control=True, zoomSnap=0.25)
    m.default_js, m.default_css = [], []
    head = m.get_root().header
    if offline:
        head.add_child(_Verbatim(_offline_assets()), name="leaflet")
    else:
        head.add_child(_Verbatim(f'<link rel="stylesheet" href="{_LEAFLET_CDN}leaflet.css"/>'
                                 f'<script src="{_LEAFLET_CDN}leaflet.js"></script>'), name="leaflet")
    head.add_child(_Verbatim(f"<title>{text(preset.title[lang])}</title><style>{_CSS}</style>"), name="ecozone_css")

    if bm is not None:
        for i, url in enumerate(bm["tiles"]):
            folium.TileLayer(tiles=url, attr=text(bm["attribution"]), name=text(_labels(bm["label"], "label")[lang]) + ("" if i == 0 else " +"),
                             subdomains=bm.get("subdomains", "abc"), max_zoom=18, overlay=i > 0, control=i == 0).add_to(m)

    legends: list[_Legend] = []
    bounds: list[np.ndarray] = []
    notes: list[str] = []
    shown_sources: list[str] = []
    for spec in preset.layers:
        source = spec["source"]
        kind = source if source in KINDS else _SOURCE_KIND.get(source)
        name = _labels(spec.get("label", _default_label(spec, kind)), "label")[lang]
        try:
            frame = (SOURCES[source] if source in SOURCES else _kind_source(source))(ctx, spec)
        except results.Missing as why:
            notes.append(f"map layer {name}: left out ({why})")
            continue
        frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
        if frame.empty:
            notes.append(f"map layer {name}: left out (no features)")
            continue
        family = _family(frame)
        if "color_by" in spec and spec["color_by"] not in frame.columns:
            notes.append(f"map layer {name}: no field {spec['color_by']!r} to colour by; drawn in one colour")
        try:
            keys, styles, legend, label = _classify(frame, spec, kind, family, lang)
        except ConfigError as err:
            raise ConfigError(f"{preset.path}: {err}") from None
        fields = [f for f in spec.get("tooltip", ["name"]) if f in frame.columns]
        popup_fields = [f for f in spec.get("popup", []) if f in frame.columns]
        shown = list(dict.fromkeys(fields + popup_fields))
        overrides = spec.get("class_labels", {})
        # a property's key is its field name through text() as well: a column name comes from a file
        props = [
            {"_k": k, **{text(f): text(_value_label(kind, f, row[f], lang, overrides if f == spec.get("color_by") else None))
                         for f in shown}}
            for k, (_, row) in zip(keys, frame[shown].iterrows())
        ] if shown else [{"_k": k} for k in keys]
        mosaic = source in ("district", "retention_by_district", "coverage")
        geoms = _display_geometries(frame, preset.simplify_m if family != "point" else 0.0, mosaic, shift)
        types = shapely.get_type_id(geoms)
        if family == "polygon":  # lines and points among polygons: no fill / a ring that shows at any zoom
            for i in np.flatnonzero(~np.isin(types, (3, 6))):
                line = types[i] in (1, 2, 5)
                key = props[i]["_k"] + ("~line" if line else "~point")
                base = styles[props[i]["_k"]]
                styles.setdefault(key, {**base, "fill": False} if line else
                                  {**base, "radius": 9, "weight": max(2.0, base["weight"]), "fillOpacity": 0.15})
                props[i]["_k"] = key
        # style keys are class values (a field's values, the preset's class names): through text() before they are data
        styles = {text(k): s for k, s in styles.items()}
        for p in props:
            p["_k"] = text(p["_k"])
        data = _feature_collection(geoms, props)
        bounds.append(shapely.total_bounds(geoms))
        alias = {f: text(_field_label(kind, f, lang)) for f in shown}
        gj = folium.GeoJson(
            data,
            name=text(label),
            show=bool(spec.get("show", True)),
            style_function=lambda f, styles=styles: styles[f["properties"]["_k"]],
            marker=folium.CircleMarker(radius=5) if np.isin(types, (0, 4)).any() else None,
            tooltip=folium.GeoJsonTooltip(fields=[text(f) for f in fields], aliases=[alias[f] for f in fields], sticky=True)
            if fields else None,
            popup=folium.GeoJsonPopup(fields=[text(f) for f in popup_fields], aliases=[alias[f] for f in popup_fields])
            if popup_fields else None,
            zoom_on_click=False,
        )
        gj.add_to(m)
        shown_sources.append(source)
        if spec.get("legend", True):
            legends.append(legend)

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

    title = preset.title[lang]
    sub = atlas.title or atlas.name
    m.add_child(_HtmlControl(f"<h1>{text(title)}</h1><p>{text(sub)}</p>", "topleft", "ecozone-title"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_HtmlControl(_legend_html("图例" if lang == "zh" else "Legend", legends), "bottomright", "ecozone-legend"))
    simulated = changes is not None and bool(changes.attrs.get("simulated")) and "coastline_change" in shown_sources
    m.add_child(_Attribution(text(_credit_line(atlas, preset, lang, simulated))))
    review = (bm or {}).get("review_no", "")
    if review:
        m.add_child(_HtmlControl(text(f"{'审图号' if lang == 'zh' else 'Map review no.'}: {review}"), "bottomleft", "ecozone-review"))
    m.ecozone_notes = notes
    m.ecozone_preset = preset
    m.ecozone_shift = shift
    return m


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


# ----------------------------------------------------------------------------- offline


def _leaflet_file(name: str) -> bytes:
    try:
        return (resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet" / name).read_bytes()
    except ModuleNotFoundError:
        raise EcozoneError("offline maps need the package django-js-lib-leaflet (Leaflet 1.9.4); fix: pip install ecozone again") from None


def _offline_assets() -> str:
    """Leaflet's stylesheet (with its images as data URIs) and script, inline."""
    css = _leaflet_file("leaflet.css").decode("utf-8")

    def data_uri(match: re.Match) -> str:
        name = match.group(1)
        png = base64.b64encode(_leaflet_file(f"images/{name}")).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    js = _leaflet_file("leaflet.js").decode("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - Leaflet 1.9.4 has neither
        raise EcozoneError("Leaflet's files cannot be inlined as they are; fix: report this ecozone bug")
    return re.sub(r"\r\n?", "\n", f"<style>{css}</style><script>{js}</script>")  # Leaflet's CSS has CRLF line ends


# ----------------------------------------------------------------------------- writing


def map_html(m: folium.Map) -> str:
    """The map's whole HTML page."""
    return m.get_root().render()


def write_map(m: folium.Map, out: str | os.PathLike, *, overwrite: bool = True, size_limit_mb: float | None = None) -> Path:
    """Write the map's HTML atomically; warn (:class:`MapSizeWarning`) when it is over the size limit."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{out}: a map is an HTML page; fix: name the output .html")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; fix: name an .html file")
    page = map_html(m)
    size_mb = len(page.encode("utf-8")) / 1e6
    preset = getattr(m, "ecozone_preset", None)
    limit = size_limit_mb if size_limit_mb is not None else (preset.size_limit_mb if preset else SIZE_LIMIT_MB)
    if size_mb > limit:
        tol = preset.simplify_m if preset else 0
        warnings.warn(
            f"{out}: the map is {size_mb:.1f} MB, over {limit:g} MB: browsers slow down; fix: copy the preset "
            f"({preset.path.name if preset else 'maps/NAME.toml'}), raise simplify_m (now {tol:g} m) or leave out large "
            f"layers, and pass the copy as PRESET", MapSizeWarning, stacklevel=2)
    return write_text(out, page, overwrite=overwrite)


def write_maps(atlas: Atlas, folder: str | os.PathLike, presets: Sequence[str] | None = None, **kwargs: Any) -> list[Path]:
    """Write every preset's map (default: all shipped presets) as ``folder/PRESET.html``."""
    chosen = [load_preset(p) for p in (presets or preset_names())]  # every preset checked before anything is written
    maps = [render_map(p, atlas, **kwargs) for p in chosen]
    return [write_map(m, Path(folder) / f"{p.name}.html") for p, m in zip(chosen, maps)]
