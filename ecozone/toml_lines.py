"""Where a key is in a config's TOML text (a small regex line finder, no second parser), and the
one-line ``path: [section] key (line N): problem; fix: …`` errors built on it."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError


_HEADER = re.compile(r"^\[\[?\s*([^\[\]=,#]+?)\s*\]\]?\s*(?:#.*)?$")


def _dotted(raw: str) -> str:
    """``indicators . "四十里湾"`` -> ``indicators.四十里湾`` (a TOML table header as a key path)."""
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def line_of(text: str, section: str, key: str | None) -> int:
    """The 1-based line of ``key`` inside ``[section]`` (``key = …``, the header of the table
    ``[section.key]``, or a dotted ``section.key = …`` at the top), else of the section header, else
    of the inline table holding the section (``NAME = { … }``); 0 if not found."""
    target = f"{section}.{key}" if section and key is not None else (key if key is not None else section)
    assign = re.compile(rf"^[\"']?{re.escape(key)}[\"']?\s*[=.]") if key is not None else None
    dotted = re.compile(r"^" + r"\s*\.\s*".join(rf"[\"']?{re.escape(part)}[\"']?" for part in target.split(".")) + r"\s*=")
    current = ""
    header_line = table_line = dotted_line = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = _HEADER.match(line)
        if m:
            current = _dotted(m.group(1))
            if key is not None and not table_line and (current == target or current.startswith(target + ".")):
                table_line = n
            if current == section and section and not header_line:
                header_line = n
                if key is None:
                    return n
            continue
        if assign is not None and current == section and assign.match(line):
            return n
        if current == "" and section and not dotted_line and dotted.match(line):
            dotted_line = n
    found = table_line or dotted_line or header_line
    if not found and "." in section:  # [indicators] x = { target = 250 }: the line of x
        parent, _, last = section.rpartition(".")
        return line_of(text, parent, last)
    return found


def item_line(text: str, array: str, number: int, key: str | None) -> int:
    """The 1-based line of ``key`` in the ``number``-th ``[[array]]`` table (1 for the first), else of
    that table's header; 0 if not found."""
    seen = start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = _HEADER.match(line)
        if m and line.startswith("[["):
            if start and key is not None:
                break  # the key is not in the table
            if _dotted(m.group(1)) == array:
                seen += 1
                if seen == number:
                    start = n
                    if key is None:
                        return n
            continue
        if m and start:
            break
        if start and key is not None and re.match(rf"^[\"']?{re.escape(key)}[\"']?\s*=", line):
            return n
    return start


def one_line(message: str) -> str:
    return message.replace("\r", "\\r").replace("\n", "\\n")


def fail(path: Path, text: str, section: str, key: str | None, problem: str, fix: str) -> ConfigError:
    where = f"[{section}] " if section else ""
    name = f"{where}{key}" if key else where.strip()
    line = line_of(text, section, key)
    at = f" (line {line})" if line else ""
    return ConfigError(one_line(f"{path}: {name}{at}: {problem}; fix: {fix}"))


def suggest(value: Any, spellings: Any) -> str:
    """``did you mean 'violation'? `` when a spelling is close to ``value``, else ''."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(s) for s in spellings], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""
