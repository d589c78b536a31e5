"""Map presets (专题图预设): reading a preset TOML and checking every key before anything is drawn."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._resources import resource_dir
from ..config_spec import Key, Table
from ..errors import ConfigError, InputError
from ..schema import KINDS
from ..toml_lines import item_line, line_of
from .sources import SOURCES

__all__ = ["PRESET_SPEC", "Preset", "SIZE_LIMIT_MB", "bilingual", "load_preset", "preset_names"]

#: Above this size a map warns: Leaflet slows down past ~20 MB of GeoJSON.
SIZE_LIMIT_MB = 20.0

_COLOUR = re.compile(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20}")
_DASH = re.compile(r"[0-9]+(?:[ ,]+[0-9]+)*")


_LABEL = "text|table"
#: A layer's ``style``: Leaflet path options.
STYLE_SPEC = Table({
    "color": Key("text", "outline colour, e.g. \"#2e7d32\" or \"teal\"", "边线颜色"),
    "fill_color": Key("text", "fill colour", "填充颜色"),
    "weight": Key("number", "outline width in pixels", "边线宽度(像素)", minimum=0, maximum=20),
    "opacity": Key("number", "outline opacity", "边线不透明度", minimum=0, maximum=1),
    "fill_opacity": Key("number", "fill opacity", "填充不透明度", minimum=0, maximum=1),
    "radius": Key("number", "point radius in pixels", "点半径(像素)", minimum=1, maximum=50),
    "dash_array": Key("text", "dash and gap lengths in pixels, e.g. \"6 4\"", "虚线与间隔长度(像素)"),
}, "how the layer is drawn", "图层样式")
#: A ``[[layers]]`` table of a preset.
PRESET_LAYER_SPEC = Table({
    "source": Key("text", "a layer kind or a measured layer", "图层类型或量算结果图层",
                  choices=(*KINDS, *SOURCES), required=True),
    "label": Key(_LABEL, "the layer's name in the legend: a string or { zh = \"…\", en = \"…\" }", "图例中的图层名称"),
    "style": Key("table", "Leaflet style", "样式", table=STYLE_SPEC),
    "color_by": Key("text", "a field whose values pick the colours in classes", "按该字段取值着色"),
    "classes": Key("table", "colours by value of color_by", "各取值的颜色", table=Table({}, other=Key("text", "a colour", "颜色"))),
    "class_labels": Key("table", "legend labels by value of color_by", "各取值的图例名称",
                        table=Table({}, other=Key(_LABEL, "a label", "名称"))),
    "value": Key("text", "a numeric field for a choropleth", "分级设色的数值字段"),
    "bins": Key("list", "ascending bin edges of the choropleth", "分级断点(升序)", each=Key("number", "a bin edge", "断点")),
    "colors": Key("list", "one colour per bin", "每级一种颜色", each=Key("text", "a colour", "颜色")),
    "percent": Key("boolean", "show the value as a percentage", "按百分比显示"),
    "tooltip": Key("list", "fields shown on hover", "悬停显示的字段", each=Key("text", "a field", "字段")),
    "popup": Key("list", "fields shown on click", "点击显示的字段", each=Key("text", "a field", "字段")),
    "show": Key("boolean", "shown when the page opens", "打开时显示", default=True),
    "legend": Key("boolean", "listed in the legend", "列入图例", default=True),
    "of": Key("text", "the layer kind a measured layer is computed from", "量算结果所依据的图层类型", choices=tuple(KINDS)),
    "realm": Key("text", "land or marine part only", "仅陆域或海域部分", choices=("land", "marine")),
}, "a layer of the map", "地图中的一个图层")
#: What a map preset may hold.
PRESET_SPEC = Table({
    "title": Key(_LABEL, "the map's title: a string or { zh = \"…\", en = \"…\" }", "地图标题"),
    "description": Key("text", "what the map shows", "地图说明"),
    "simplify_m": Key("number", "display simplification tolerance in metres (exports are never simplified)",
                      "显示简化容差(米), 导出数据不简化", minimum=0, maximum=10000, default=20.0),
    "size_limit_mb": Key("number", "warn above this page size in MB", "页面超过此大小(MB)时警告", minimum=0.01,
                         maximum=1000, default=SIZE_LIMIT_MB),
    "view": Key("table", "the initial view (default: fit the layers)", "初始视图(默认: 适合全部图层)", table=Table({
        "center": Key("list", "[lon, lat]", "中心点 [经度, 纬度]", each=Key("number", "lon or lat", "经度或纬度")),
        "zoom": Key("integer", "zoom level", "缩放级别", minimum=0, maximum=20),
    })),
    "layers": Key("list", "[[layers]] tables, drawn in order", "[[layers]] 图层表, 按顺序绘制", each=PRESET_LAYER_SPEC,
                  required=True),
}, "a map preset: title, view and layers", "专题图预设: 标题、视图和图层")


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


def bilingual(value: Any, where: str = "label") -> dict[str, str]:
    """A label as ``{"zh": …, "en": …}`` from one string or a zh/en table (the other language filled in)."""
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, Mapping) and value and set(value) <= {"zh", "en"} and all(isinstance(v, str) for v in value.values()):
        return {"zh": value.get("zh", value.get("en")), "en": value.get("en", value.get("zh"))}
    raise _Bad(f"{where} = {value!r}", 'a string or { zh = "…", en = "…" }')


def _ranged(value: Any, where: str, spec: Key) -> float:
    """A number in the range of its key of the spec."""
    return _number(value, where, spec.minimum if spec.minimum is not None else -math.inf,
                   spec.maximum if spec.maximum is not None else math.inf)


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
    for key, v in _table(value, where).items():
        spec = STYLE_SPEC.keys.get(key)
        if spec is None:
            raise _Bad(f"{where}: key {key!r} unknown", f"use {', '.join(sorted(STYLE_SPEC.keys))}")
        if key == "dash_array":
            if not isinstance(v, str) or not _DASH.fullmatch(v):
                raise _Bad(f"{where}.dash_array = {v!r}", 'dash and gap lengths in pixels, e.g. "6 4"')
        elif spec.type == "text":
            _colour(v, f"{where}.{key}")
        else:
            _ranged(v, f"{where}.{key}", spec)


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
    "label": bilingual,
    "style": _check_style,
    "color_by": _name,
    "classes": lambda v, w: [_colour(c, f"{w}.{k}") for k, c in _table(v, w).items()],
    "class_labels": lambda v, w: [bilingual(lb, f"{w}.{k}") for k, lb in _table(v, w).items()],
    "value": _name,
    "bins": lambda v, w: v,
    "colors": lambda v, w: v,
    "percent": _flag,
    "tooltip": _fields,
    "popup": _fields,
    "show": _flag,
    "legend": _flag,
    "of": _one_of(PRESET_LAYER_SPEC.keys["of"].choices),
    "realm": _one_of(PRESET_LAYER_SPEC.keys["realm"].choices),
}
assert set(_LAYER_SPEC) == set(PRESET_LAYER_SPEC.keys), "every key of PRESET_LAYER_SPEC has its check here"


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
    at: list[Any] = ["", None, None]  # where the check is: the array ("layers" or ""), the item's number, the key
    try:
        return _preset(path, raw, at)
    except _Bad as bad:
        problem, fix = bad.args
        text = path.read_bytes().decode("utf-8-sig")
        line = item_line(text, at[0], at[1], at[2]) if at[1] else line_of(text, at[0], at[2])
        raise ConfigError(f"{path}{f' (line {line})' if line else ''}: {problem}; fix: {fix}") from None


def _preset(path: Path, raw: dict[str, Any], at: list[Any]) -> Preset:
    """The preset, every key checked; ``at`` follows the check so that an error can name its line."""
    unknown = PRESET_SPEC.unknown(raw)
    if unknown:
        at[2] = unknown[0]
        raise _Bad(f"unknown key {unknown[0]!r}", f"use only {', '.join(sorted(PRESET_SPEC.keys))}")
    layers = raw.get("layers")
    if not isinstance(layers, list) or not layers:
        raise _Bad("no [[layers]]", "add at least one [[layers]] table with a source")
    for i, layer in enumerate(layers, 1):
        where = f"[[layers]] #{i}"
        at[:] = ["layers", i, None]
        if not isinstance(layer, Mapping):
            raise _Bad(f"{where} is not a table", "write [[layers]] tables")
        unknown = PRESET_LAYER_SPEC.unknown(layer)
        if unknown:
            at[2] = unknown[0]
            raise _Bad(f"{where}: unknown key {unknown[0]!r}", f"use only {', '.join(sorted(_LAYER_SPEC))}")
        source = layer.get("source")
        at[2] = "source"
        if source not in PRESET_LAYER_SPEC.keys["source"].choices:
            raise _Bad(f"{where}: source {source!r} unknown",
                       f"a layer kind ({', '.join(KINDS)}) or a measured layer ({', '.join(SOURCES)})")
        for key, value in layer.items():
            at[2] = key
            _LAYER_SPEC[key](value, f"{where} {key}")
        at[2] = None
        if "value" in layer or "bins" in layer or "colors" in layer:
            try:
                _check_choropleth(layer)
            except _Bad as bad:
                raise _Bad(f"{where} {bad.args[0]}", bad.args[1]) from None
            if "color_by" in layer:
                raise _Bad(f"{where}: both color_by and a choropleth (value, bins, colors)", "keep one of them")
        if ("color_by" in layer) != ("classes" in layer):
            raise _Bad(f"{where}: color_by and classes go together", "name the field with color_by and its colours in classes")
    at[:] = ["", None, "view"]
    view = dict(_table(raw.get("view", {}), "view"))
    if view:
        if set(view) != {"center", "zoom"}:
            raise _Bad(f"[view] keys {sorted(view)}", "give center = [lon, lat] and zoom = N together (or no [view]: fit the layers)")
        center = view["center"]
        if not isinstance(center, list) or len(center) != 2:
            raise _Bad(f"[view] center = {center!r}", "center = [lon, lat], e.g. [121.4, 37.5]")
        view["center"] = [_number(center[0], "[view] center lon", -180, 180), _number(center[1], "[view] center lat", -85, 85)]
        zoom = PRESET_SPEC.keys["view"].table.keys["zoom"]
        if zoom.problem(view["zoom"]) is not None:
            raise _Bad(f"[view] zoom = {view['zoom']!r}", zoom.must())
    at[2] = "description"
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _Bad(f"description = {description!r}", "a string")
    at[2] = "title"
    title = bilingual(raw.get("title", path.stem), "title")
    at[2] = "simplify_m"
    simplify_m = _ranged(raw.get("simplify_m", 20.0), "simplify_m", PRESET_SPEC.keys["simplify_m"])
    at[2] = "size_limit_mb"
    size_limit_mb = _ranged(raw.get("size_limit_mb", SIZE_LIMIT_MB), "size_limit_mb", PRESET_SPEC.keys["size_limit_mb"])
    return Preset(name=path.stem, path=path, title=title, layers=layers, simplify_m=simplify_m,
                  size_limit_mb=size_limit_mb, view=view, description=description)
