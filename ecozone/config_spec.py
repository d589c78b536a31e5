"""What a config file may hold (配置文件规格), as data: :class:`Key` and :class:`Table`.

The manifest (:data:`ecozone.manifest.MANIFEST_SPEC`), the audit config
(:data:`ecozone.audit.spec.AUDIT_SPEC`) and the map presets (:data:`ecozone.maps.presets.PRESET_SPEC`)
are each one :class:`Table`.  The same table gives

* the checks: each file's loader asks :meth:`Key.problem` whether a value has the key's type, is one
  of its choices and lies in its range, and :meth:`Table.unknown` which keys are not allowed;
* the documentation: :func:`markdown` (``CONFIG.md`` is written from it);
* the JSON Schema that editors use to complete and check the TOML as it is typed: :func:`json_schema`
  (``ecozone config-schema manifest|audit|preset``).

Example
-------
>>> view = Table({"zoom": Key("integer", "initial zoom", "初始缩放级别", minimum=0, maximum=20)})
>>> view.keys["zoom"].problem(25)
('25 is out of range', 'a whole number from 0 to 20')
>>> json_schema(view)["properties"]["zoom"]["maximum"]
20
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Key", "Table", "TYPE_NAMES", "json_schema", "markdown"]

#: How messages and the docs name a type.
TYPE_NAMES = {"text": "text", "integer": "a whole number", "number": "a number", "boolean": "true/false",
              "table": "a table", "list": "a list"}
_PYTHON = {"text": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "table": (dict,),
           "list": (list,)}
_JSON = {"text": "string", "integer": "integer", "number": "number", "boolean": "boolean", "table": "object",
         "list": "array"}


@dataclass(frozen=True)
class Key:
    """One key: its type(s) (``text``, ``integer``, ``number``, ``boolean``, ``table``, ``list``; several
    separated by ``|``), its help in English and Chinese, and what its value may be.

    ``choices``: the values allowed (text keys); ``minimum``/``maximum`` (inclusive) and ``above`` (a
    number must be greater than it) for numbers; ``table``: the keys of a sub-table; ``each``: the spec
    of every value of a table of named tables (``[layers.NAME]``) or of a list's items; ``required``: the
    key must be present.  ``default`` is shown in the docs and the schema only.
    """

    type: str
    en: str
    zh: str
    choices: Sequence[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    table: Table | None = None
    each: Key | Table | None = None
    required: bool = False
    default: Any = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.type.split("|"))

    def python_types(self) -> tuple[type, ...]:
        return tuple(t for name in self.types for t in _PYTHON[name])

    def type_ok(self, value: Any) -> bool:
        if isinstance(value, bool):
            return "boolean" in self.types
        if isinstance(value, float) and "number" not in self.types:
            return False
        return isinstance(value, self.python_types())

    def type_name(self) -> str:
        return " or ".join(TYPE_NAMES[t] for t in self.types)

    def must(self) -> str:
        """What a number must be, in words: ``a number from 0 to 1``."""
        what = "a whole number" if self.types == ("integer",) else "a number"
        if self.above is not None:
            return f"{what} greater than {self.above:g}"
        if self.minimum is not None and self.maximum is not None:
            return f"{what} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{what} of {self.minimum:g} or more"
        if self.maximum is not None:
            return f"{what} of {self.maximum:g} or less"
        return what

    def in_range(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return ((self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)
                and (self.above is None or value > self.above))

    def problem(self, value: Any) -> tuple[str, str] | None:
        """``(problem, fix)`` when ``value`` is not of this key's type, not one of its choices or out of
        its range; None when it is fine (sub-tables are checked by their own keys)."""
        if not self.type_ok(value):
            return f"{value!r} is not {self.type_name()}", f"write it as {self.type_name()}"
        if self.choices is not None and isinstance(value, str) and value not in self.choices:
            return f"{value!r} is not one of the choices", f"use one of {', '.join(self.choices)}"
        ranged = self.minimum is not None or self.maximum is not None or self.above is not None
        if ranged and isinstance(value, (int, float)) and not isinstance(value, bool) and not self.in_range(value):
            return f"{value!r} is out of range", self.must()
        return None


@dataclass(frozen=True)
class Table:
    """The keys of one table.  ``other``: what any key not listed may hold (None: no other key)."""

    keys: Mapping[str, Key]
    en: str = ""
    zh: str = ""
    other: Key | None = None

    def unknown(self, table: Mapping[str, Any]) -> list[str]:
        """The keys of ``table`` this spec does not allow, in the file's order."""
        return [] if self.other is not None else [k for k in table if k not in self.keys]

    def required(self) -> list[str]:
        return [name for name, key in self.keys.items() if key.required]


def _help(en: str, zh: str) -> str:
    return f"{en} — {zh}" if zh else en


def _key_schema(key: Key) -> dict[str, Any]:
    types = [_JSON[t] for t in key.types]
    out: dict[str, Any] = {"type": types[0] if len(types) == 1 else types, "description": _help(key.en, key.zh)}
    if key.choices is not None and types == ["string", "array"]:  # one choice, or a list of them
        del out["type"]
        out["anyOf"] = [{"type": "string", "enum": list(key.choices)},
                        {"type": "array", "items": {"type": "string", "enum": list(key.choices)}, "minItems": 1}]
        return out
    if key.choices is not None:
        out["enum"] = list(key.choices)
    if key.minimum is not None:
        out["minimum"] = key.minimum
    if key.maximum is not None:
        out["maximum"] = key.maximum
    if key.above is not None:
        out["exclusiveMinimum"] = key.above
    if key.default is not None:
        out["default"] = key.default
    if key.table is not None:
        out.update(_table_schema(key.table))
        out["description"] = _help(key.en, key.zh)
    if isinstance(key.each, Table):
        each = _table_schema(key.each)
        if "array" in types:
            out["items"] = each
        else:
            out["additionalProperties"] = each
    elif isinstance(key.each, Key):
        out["items" if "array" in types else "additionalProperties"] = _key_schema(key.each)
    return out


def _table_schema(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {k: _key_schema(v) for k, v in table.keys.items()}}
    if table.en:
        out["description"] = _help(table.en, table.zh)
    required = table.required()
    if required:
        out["required"] = required
    out["additionalProperties"] = _key_schema(table.other) if table.other is not None else False
    return out


def json_schema(table: Table, title: str = "", id_: str = "") -> dict[str, Any]:
    """The JSON Schema (draft-07, which TOML editors read) of a config file whose top level is ``table``."""
    out: dict[str, Any] = {"$schema": "http://json-schema.org/draft-07/schema#"}
    if id_:
        out["$id"] = id_
    if title:
        out["title"] = title
    out.update(_table_schema(table))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(key: Key) -> str:
    parts = []
    if key.choices is not None:
        parts.append(", ".join(f"`{c}`" for c in key.choices))
    if key.minimum is not None or key.maximum is not None or key.above is not None:
        parts.append(key.must())
    if key.default is not None:
        shown = str(key.default).lower() if isinstance(key.default, bool) else key.default
        parts.append(f"default `{shown}`")
    if key.required:
        parts.append("**required**")
    return "; ".join(parts)


def markdown(table: Table, heading: str, level: int = 2, intro: str = "") -> str:
    """The keys of ``table`` and of its sub-tables as Markdown tables under ``heading``, each sub-table
    headed by its TOML path (``[settings]``, ``[layers.NAME]``, ``[[layers]] style``)."""
    sections: list[str] = []

    def walk(t: Table, name: str, path: str, depth: int, text: str = "") -> None:
        lines = [f"{'#' * depth} {name}", ""] + ([text, ""] if text else [])
        if t.en:
            lines += [_help(t.en, t.zh), ""]
        lines += ["| key | type | allowed | meaning | 说明 |", "|---|---|---|---|---|"]
        for k, key in t.keys.items():
            lines.append(f"| `{k}` | {key.type_name()} | {_cell(_allowed(key))} | {_cell(key.en)} | {_cell(key.zh)} |")
        if t.other is not None:
            lines.append(f"| *any other* | {t.other.type_name()} | | {_cell(t.other.en)} | {_cell(t.other.zh)} |")
        sections.append("\n".join(lines) + "\n")
        for k, key in t.keys.items():
            if key.table is not None:
                sub = f"[{k}]" if not path else f"{path} {k}"
                walk(key.table, f"`{sub}`", sub, min(depth + 1, 6))
            if isinstance(key.each, Table):
                sub = f"[[{k}]]" if "list" in key.types else f"[{k}.NAME]"
                sub = sub if not path else f"{path} {k}"
                walk(key.each, f"`{sub}`", sub, min(depth + 1, 6))

    walk(table, heading, "", level, intro)
    return "\n".join(sections)
