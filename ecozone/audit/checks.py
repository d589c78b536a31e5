"""The checks of an audit config (配置检查) that need no layer read: keys and types against
:data:`~ecozone.audit.spec.AUDIT_SPEC`, settings, layer and raster tables, indicators and their parameters.
Each problem is one :class:`~ecozone.errors.ConfigError` naming the key, its line and the fix (the
checks that need the layers' contents are :func:`ecozone.audit.config.load_atlas`'s)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import crs as _crs
from ..config_spec import Key, Table
from ..errors import CRSError
from ..manifest import entry_problem
from ..toml_lines import fail, suggest
from .catalogue import INDICATORS
from .spec import INDICATOR_SPEC, OPERATORS, SETTINGS_SPEC, param_key, schema_codes


def check_keys(path: Path, text: str, section: str, table: Mapping[str, Any], spec: Table) -> None:
    """Every key of ``table`` known to ``spec``, each value of its key's type, choices and range."""
    for key, value in table.items():
        if key not in spec.keys:
            what = "unknown table" if isinstance(value, dict) else "unknown key"
            raise fail(path, text, section, key, what, f"{suggest(key, spec.keys)}use one of {', '.join(spec.keys)}")
        check_value(path, text, section, key, value, spec.keys[key])


def check_value(path: Path, text: str, section: str, key: str, value: Any, spec: Key) -> None:
    problem = spec.problem(value)
    if problem is not None:
        fix = problem[1] if problem[1].startswith(("write", "use")) else f"give {problem[1]}"
        if spec.choices is not None and isinstance(value, str):
            fix = suggest(value, spec.choices) + fix
        raise fail(path, text, section, key, problem[0], fix)


def _number(path: Path, text: str, section: str, key: str, value: Any, ok: Callable[[float], bool], must: str) -> None:
    """Refuse a number that is nan, infinite or outside what ``ok`` allows (``must`` says what it must be)."""
    if not math.isfinite(value) or not ok(value):
        raise fail(path, text, section, key, f"{value!r} is out of range", f"give {must}")


def _target_check(unit: str) -> tuple[Callable[[float], bool], str]:
    """What a target in ``unit`` must be, and how to say it."""
    if unit == "%":
        return (lambda v: 0 <= v <= 100), "a share in % from 0 to 100"
    if unit == "count":
        return (lambda v: v >= 0 and float(v).is_integer()), "a count: a whole number of 0 or more"
    return (lambda v: v >= 0), f"an amount in {unit} of 0 or more"


def check_settings(path: Path, text: str, settings: dict[str, Any]) -> dict[str, Any]:
    """``[settings]`` against :data:`~ecozone.audit.spec.SETTINGS_SPEC`; river levels known."""
    check_keys(path, text, "settings", settings, SETTINGS_SPEC)
    if "river_widths" in settings:
        levels = schema_codes("river", "level")
        width_spec = SETTINGS_SPEC.keys["river_widths"].table.other
        widths = {}
        for level, width in settings["river_widths"].items():
            code = levels.normalise(level)
            if code is None:
                raise fail(path, text, "settings", "river_widths", f"{level!r} is not a river level",
                            f"{suggest(level, levels.spellings())}use one of {levels.describe()}")
            if width_spec.problem(width) is not None:
                raise fail(path, text, "settings", "river_widths", f"{level} = {width!r} is not a width",
                            "give a width in metres greater than 0")
            widths[code] = width
        settings = {**settings, "river_widths": widths}
    return settings


def check_entries(path: Path, text: str, section: str, tables: dict[str, Any]) -> dict[str, str]:
    """The config's own ``[layers.NAME]`` or ``[rasters.NAME]`` tables, without reading a file;
    returns their kinds by name."""
    found: dict[str, str] = {}
    for name, entry in tables.items():
        where = f"{section}.{name}"
        problem = entry_problem(section, entry)
        if problem is not None:
            key, text_, fix = problem
            if key is None and not isinstance(entry, dict):
                raise fail(path, text, section, name, text_, f"write it as [{where}] with file and kind")
            raise fail(path, text, where, key, text_, fix)
        if section == "layers" and "crs" in entry:
            try:
                _crs.parse_crs(entry["crs"], what="crs")
            except CRSError as exc:
                problem, _, fix = str(exc).partition("; fix: ")
                raise fail(path, text, where, "crs", problem, fix or "give an EPSG code") from None
        found[name] = entry["kind"]
    return found



def check_indicator(path: Path, text: str, name: str, entry: dict[str, Any], merged: dict[str, Any],
                     layer_kinds: Mapping[str, str], raster_kinds: Mapping[str, str]) -> dict[str, Any]:
    """One ``[indicators.NAME]`` entry (``entry`` as written, ``merged`` with its preset): keys,
    types, parameter values, target and operator, the layers it names.  Returns ``merged`` with
    coded values as their English codes."""
    section = f"indicators.{name}"
    ind_id = merged.get("indicator", name)
    if ind_id not in INDICATORS:
        raise fail(path, text, section, "indicator" if "indicator" in entry else None, f"{ind_id!r} is not an indicator",
                    f"{suggest(ind_id, INDICATORS)}use one of {', '.join(INDICATORS)}")
    ind = INDICATORS[ind_id]
    check_keys(path, text, section, entry, indicator_spec(ind_id))
    operator = merged.get("operator", ind.operator)
    if operator not in OPERATORS:
        raise fail(path, text, section, "operator", f"{operator!r} is not an operator", f"use one of {', '.join(OPERATORS)}")
    if operator == "~" and "tolerance" not in merged:
        raise fail(path, text, section, "operator", "operator \"~\" (左右) needs a tolerance",
                    "add tolerance = … (the value passes when |value − target| ≤ tolerance)")
    if "tolerance" in merged and operator != "~":
        raise fail(path, text, section, "tolerance", f"a tolerance is given but the operator is {operator!r}",
                    "set operator = \"~\" or leave tolerance out")
    out = dict(merged)
    for key, declared in ind.params.items():
        if key not in merged:
            continue
        value = merged[key]
        choices = declared[2] if len(declared) > 2 else None
        if choices is not None:
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not value:
                raise fail(path, text, section, key, "is an empty list", f"give one or more of {choices.describe()}")
            codes = []
            for v in values:
                code = choices.normalise(v)
                if code is None:
                    raise fail(path, text, section, key, f"{v!r} is not a {key} ecozone knows",
                                f"{suggest(v, choices.spellings())}use one of {choices.describe()}")
                codes.append(code)
            out[key] = codes if isinstance(value, list) else codes[0]
        elif isinstance(value, str) and not value.strip():
            raise fail(path, text, section, key, "is empty", f"name one, or leave {key} out")
    if "zone" in out and "bay" in out:
        raise fail(path, text, section, "bay", "zone and bay are both given",
                    "give zone (a district) or bay, not both: one indicator table for each")
    if "until" in out and not 1900 <= out["until"] <= 2100:
        raise fail(path, text, section, "until", f"{out['until']!r} is not a year", "give a year such as 2025")
    if "target" in merged:
        ok, must = _target_check(ind.unit)
        _number(path, text, section, "target", merged["target"], ok, must)
    if ind_id == "redline_not_reduced":
        baseline = out.get("baseline")
        if baseline is None:
            raise fail(path, text, section, None, "needs a baseline red-line layer", "add baseline = \"LAYER NAME\"")
        if layer_kinds.get(baseline) != "redline_baseline":
            have = [n for n, k in layer_kinds.items() if k == "redline_baseline"]
            problem = (f"layer {baseline!r} is a {layer_kinds[baseline]} layer, not a redline_baseline layer"
                       if baseline in layer_kinds else f"no layer named {baseline!r}")
            fix = (f"use one of {', '.join(have)}" if have
                   else f"add [layers.{baseline}] with kind = \"redline_baseline\" and the earlier red line's file")
            raise fail(path, text, section, "baseline", problem, fix)
    if "raster" in out and raster_kinds.get(out["raster"]) != "land_cover":
        have = [n for n, k in raster_kinds.items() if k == "land_cover"]
        problem = (f"raster {out['raster']!r} is a {raster_kinds[out['raster']]} raster, not a land_cover raster"
                   if out["raster"] in raster_kinds else f"no raster named {out['raster']!r}")
        raise fail(path, text, section, "raster", problem,
                    f"use one of {', '.join(have)}" if have else "add [rasters.NAME] with kind = \"land_cover\"")
    return out


def indicator_spec(ind_id: str) -> Table:
    """The keys an ``[indicators.NAME]`` table of indicator ``ind_id`` may hold."""
    params = {k: param_key(v) for k, v in INDICATORS[ind_id].params.items()}
    return Table({**INDICATOR_SPEC.keys, **params}, INDICATOR_SPEC.en, INDICATOR_SPEC.zh)
