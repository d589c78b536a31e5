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
from ..errors import ConfigError, InputError
from ..schema import KINDS
from .sources import SOURCES

__all__ = ["Preset", "SIZE_LIMIT_MB", "bilingual", "load_preset", "preset_names"]

#: Above this size a map warns: Leaflet slows down past ~20 MB of GeoJSON.
SIZE_LIMIT_MB = 20.0

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


def bilingual(value: Any, where: str = "label") -> dict[str, str]:
    """A label as ``{"zh": …, "en": …}`` from one string or a zh/en table (the other language filled in)."""
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
        title=bilingual(raw.get("title", path.stem), "title"),
        layers=layers,
        simplify_m=_number(raw.get("simplify_m", 20.0), "simplify_m", 0, 10000),
        size_limit_mb=_number(raw.get("size_limit_mb", SIZE_LIMIT_MB), "size_limit_mb", 0.01, 1000),
        view=view,
        description=description,
    )
