"""The config files ecozone reads (配置文件): the manifest, the audit config and the map presets, each
with its spec (:mod:`ecozone.config_spec`), as JSON Schema for editors and as the Markdown of
``CONFIG.md``.

Example
-------
>>> schema = config_schema("audit")
>>> schema["properties"]["settings"]["properties"]["estuarine"]["enum"]
['artificial', 'natural', 'exclude']
>>> sorted(CONFIG_FILES)
['audit', 'manifest', 'preset']
"""

from __future__ import annotations

from typing import Any

from .audit.catalogue import INDICATORS
from .audit.spec import AUDIT_SPEC, INDICATOR_SPEC, Choices, param_key
from .config_spec import Key, Table, json_schema, markdown
from .manifest import MANIFEST_SPEC
from .maps.presets import PRESET_SPEC

__all__ = ["CONFIG_FILES", "config_schema", "config_reference"]

#: Each config file: its spec, its title and where it is used.
CONFIG_FILES: dict[str, tuple[Table, str, str]] = {
    "manifest": (MANIFEST_SPEC, "ecozone atlas manifest (manifest.toml)",
                 "an atlas folder's `manifest.toml`: `ecozone demo`, `--atlas DIR`, `Atlas.from_manifest`"),
    "audit": (AUDIT_SPEC, "ecozone audit config", "`ecozone audit CONFIG.toml`, `ecozone.load_config`"),
    "preset": (PRESET_SPEC, "ecozone map preset", "`ecozone map --preset FILE.toml`, `render_map(preset=…)`"),
}


def _audit_schema() -> dict[str, Any]:
    """The audit config's schema, with every indicator's parameters (an indicator's table may hold
    only its own: one ``if``/``then`` per indicator)."""
    params: dict[str, Key] = {}  # a parameter several indicators have: every type and value any of them allows
    merged: dict[str, tuple] = {}
    for ind in INDICATORS.values():
        for name, declared in ind.params.items():
            if name in merged:
                old = merged[name]
                both = [c for c in (old[2] if len(old) > 2 else None, declared[2] if len(declared) > 2 else None)]
                words = (None if None in both else tuple(dict.fromkeys(w for c in both for w in c.spellings())))
                declared = (tuple(dict.fromkeys([*old[0], *declared[0]])), declared[1],
                            *([Choices(words=words)] if words else []))
            merged[name] = declared
            params[name] = param_key(declared, spellings=True)
    indicator = Key("text", INDICATOR_SPEC.keys["indicator"].en, INDICATOR_SPEC.keys["indicator"].zh,
                    choices=tuple(INDICATORS))
    table = Table({**INDICATOR_SPEC.keys, "indicator": indicator, **params}, INDICATOR_SPEC.en, INDICATOR_SPEC.zh)
    keys = dict(AUDIT_SPEC.keys)
    keys["indicators"] = Key("table", keys["indicators"].en, keys["indicators"].zh, each=table)
    schema = json_schema(Table(keys, AUDIT_SPEC.en, AUDIT_SPEC.zh), "ecozone audit config")
    each = schema["properties"]["indicators"]["additionalProperties"]
    def own(ind) -> dict[str, Any]:  # what the table of indicator ``ind`` may hold
        return {"properties": {name: json_schema(Table({name: param_key(declared, spellings=True)}))["properties"][name]
                               for name, declared in ind.params.items()},
                "propertyNames": {"enum": [*INDICATOR_SPEC.keys, *ind.params]}}

    each["allOf"] = [
        *({"if": {"properties": {"indicator": {"const": ind.id}}, "required": ["indicator"]}, "then": own(ind)}
          for ind in INDICATORS.values()),
        # operator ~ (左右) needs its tolerance
        {"if": {"properties": {"operator": {"const": "~"}}, "required": ["operator"]}, "then": {"required": ["tolerance"]}},
    ]
    # a table named after its indicator ([indicators.ranch_count]) without an indicator key is that indicator
    schema["properties"]["indicators"]["properties"] = {
        ind.id: {"if": {"not": {"required": ["indicator"]}}, "then": own(ind)} for ind in INDICATORS.values()}
    return schema


def config_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a config file: ``manifest``, ``audit`` or ``preset``."""
    if kind not in CONFIG_FILES:
        raise ValueError(f"no config file {kind!r}; use one of {', '.join(CONFIG_FILES)}")
    if kind == "audit":
        return _audit_schema()
    spec, title, _ = CONFIG_FILES[kind]
    return json_schema(spec, title)


def _indicator_params() -> str:
    lines = ["### The indicators' parameters", "",
             "An `[indicators.NAME]` table may add the parameters of its indicator:", "",
             "| indicator | parameter | type | meaning |", "|---|---|---|---|"]
    for ind in INDICATORS.values():
        for name, declared in ind.params.items():
            key = param_key(declared)
            lines.append(f"| `{ind.id}` | `{name}` | {key.type_name()} | {declared[1]} |")
    return "\n".join(lines) + "\n"


def config_reference() -> str:
    """``CONFIG.md``: every key of every config file, from the specs."""
    parts = ["# Config files: every key", "",
             "Written by `ecozone config-schema --markdown > CONFIG.md` from the same tables that check the files",
             "(a test keeps it current). For completion and checking as you type, save a file's JSON Schema",
             "(`ecozone config-schema audit > audit.schema.json`) and put `#:schema ./audit.schema.json` on the",
             "TOML's first line (Even Better TOML / Taplo), or map it in your editor's settings.", ""]
    for kind, (spec, title, used) in CONFIG_FILES.items():
        parts.append(markdown(spec, f"{kind}: {title}", intro=f"Used by {used}."))
        if kind == "audit":
            parts.append(_indicator_params())
    return "\n".join(parts)
