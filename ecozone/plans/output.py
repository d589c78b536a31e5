"""A plan's targets written out (目标输出): as JSON (every target) and as an audit-config fragment (TOML) holding one
``[indicators.NAME]`` table per spatial target ecozone measures, each citing its sentence; the spatial targets it
cannot measure are listed as comments, so that nothing is lost silently.  An audit config brings the fragment in
with ``include = ["targets.toml"]``.

Example
-------
>>> from ecozone.plans import plan_targets
>>> print(targets_toml(plan_targets("到2025年，建成省级以上海洋牧场50处。")).split("\\n[")[1].splitlines()[:3])
['indicators.ranch_count]', 'target = 50', 'operator = ">="']
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..escape import toml_string

__all__ = ["targets_json", "targets_toml", "toml_string"]


#: What a line of the fragment must not hold raw: line breaks (a file name or a quote could start a table of its
#: own), other control characters and DEL, which TOML refuses even in a comment.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")


def _line(text: str) -> str:
    return _UNSAFE.sub(" ", text)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(value)


def _where(t: dict[str, Any]) -> str:
    src = t.get("source") or {}
    return ", ".join(x for x in (src.get("file"), f"paragraph {src['paragraph']}" if src.get("paragraph") else None) if x)


def _source(t: dict[str, Any]) -> str:
    where = _where(t)
    return f"「{t['quote']}」" + (f" ({where})" if where else "")


def _figure(t: dict[str, Any]) -> str:
    value = "(blank)" if t["plan_value"] is None else _toml_value(t["plan_value"])
    return f"{t['label']} {t['operator']} {value} {t['plan_unit']}" + (f" by {t['year']}" if t.get("year") else "")


def targets_json(targets: list[dict[str, Any]]) -> str:
    """The targets as a JSON list (UTF-8, Chinese as written)."""
    return json.dumps(targets, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _table(name: str, t: dict[str, Any], *, comment: bool = False, baseline: bool = False) -> list[str]:
    lines = [f"[indicators.{name}]"]
    if name != t["indicator"]:
        lines.append(f"indicator = {toml_string(t['indicator'])}")
    if not baseline:
        value = ('"?"  # a blank in the plan: give the number (the audit refuses "?")' if t["value"] is None
                 else _toml_value(t["value"]))
        lines += [f"target = {value}", f"operator = {toml_string(t['operator'])}"]
        if t["operator"] == "~":
            lines.append(f"tolerance = {_toml_value(t['tolerance'])}")
    for key, value in (t.get("params") or {}).items():
        lines.append(f"{key} = {_toml_value(value)}")
    if baseline:
        lines.append('baseline = "LAYER"  # the redline_baseline layer: the red line the plan compares with')
    lines += [f"label = {toml_string(t['label'])}", f"source = {toml_string(_source(t))}"]
    return [("# " + line if comment else line) for line in lines]


def targets_toml(targets: list[dict[str, Any]], files: list[str] | None = None) -> str:
    """An audit-config fragment: ``[indicators.NAME]`` for every spatial target of the catalogue with a value; the
    red line not reduced as a commented table to complete with its baseline layer; the other spatial targets, the
    blanks and the figures already reached, as comments."""
    named = sorted({(t.get("source") or {}).get("file") for t in targets} - {None}) or list(files or [])
    lines = ["# Targets from the plan's own text, written by `ecozone targets`" + (f" from {', '.join(named)}" if named else ""),
             "# Bring them into an audit: include = [\"<this file>\"] in the audit config (paths relative to it).", ""]
    used: set[str] = set()
    spatial = [t for t in targets if t["spatial"]]
    later: list[list[str]] = []
    for t in spatial:
        if t["indicator"] is None:
            what = f"suggested indicator {t['suggested_indicator']}" if t.get("suggested_indicator") else "no indicator"
            reached = ", a figure already reached" if t["kind"] == "status" else ""
            later.append([f"# not measured by ecozone ({what}{reached}): {_figure(t)}", f"#   {_source(t)}"]
                         + ([f"#   {t['note']}"] if t.get("note") else []))
            continue
        name, n = t["indicator"], 2
        while name in used:
            name, n = f"{t['indicator']}_{n}", n + 1
        used.add(name)
        if t["indicator"] == "redline_not_reduced":
            lines += ["# The red line not reduced needs the earlier red line: add it as a redline_baseline layer, then",
                      "# uncomment this table and set baseline to its name.", *_table(name, t, comment=True, baseline=True), ""]
        elif t["kind"] != "target":
            later.append([f"# a figure already reached, not a target: {_figure(t)} [{t['indicator']}]", f"#   {_source(t)}"])
        elif t["value"] is None:
            lines += [f"# {t['label']}: a blank in the plan's text, no value to check: fill in target to use it",
                      *_table(name, t, comment=True), ""]
        else:
            lines += [*_table(name, t), ""]
    for block in later:
        lines += [*block, ""]
    rest = len(targets) - len(spatial)
    if rest:
        lines.append(f"# {rest} more figures of the plan are not spatial (devices, concentrations, rates of processes): "
                     "ecozone targets PLAN -o targets.json lists them all")
    return "\n".join(_line(line) for line in lines).rstrip() + "\n"
