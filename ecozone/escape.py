"""Text from files made safe for the formats it is written into (转义).

Names, titles and codes come from the user's files, and a file can hold anything.
Each function here takes such text to one format and makes it inert there:

* :func:`csv_cell` / :func:`csv_safe`: a cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is a formula to Excel and LibreOffice (``=HYPERLINK(…)``,
  ``=cmd|…``); it gets a leading ``'`` (OWASP's rule).  Numbers, and text that is a plain
  number (``-12.5``), are left as they are.
* :func:`markdown_text`: ``<script>`` in a bay name is HTML to a Markdown renderer, and
  ``[x](javascript:…)`` a link; HTML characters become entities, Markdown punctuation is
  backslash-escaped.
* :func:`toml_string`: a TOML basic string (quotes, backslashes, control characters escaped).
* :func:`line_text`: one line of plain text (a TOML comment, a line on stderr): a newline in a
  layer's name would end a comment and start a ``[layers.evil]`` table of its own; control,
  format (bidi) and line-separator characters are shown as escapes (``\\n``, ``\\u202e``).

Maps escape their own text (:func:`ecozone.maps.text`: folium renders it again as a template).

Example
-------
>>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-12.5"), csv_cell("芝罘区")
('\\'=HYPERLINK("http://x")', '-12.5', '芝罘区')
>>> line_text("y\\n[layers.evil]"), toml_string('a"b\\\\')
('y\\\\n[layers.evil]', '"a\\\\"b\\\\\\\\"')
>>> markdown_text("<script>alert(1)</script> *bold*")
'&lt;script&gt;alert(1)&lt;/script&gt; \\\\*bold\\\\*'
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any

import pandas as pd

__all__ = ["csv_cell", "csv_safe", "markdown_text", "toml_string", "line_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will not run it: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names :func:`csv_cell` has neutralised; numbers untouched."""
    out = table.rename(columns={c: csv_cell(c) for c in table.columns if isinstance(c, str)})
    for i, dtype in enumerate(out.dtypes):
        if dtype == object or isinstance(dtype, pd.StringDtype) or isinstance(dtype, pd.CategoricalDtype):
            column = out.iloc[:, i]
            if isinstance(dtype, pd.CategoricalDtype):
                column = column.astype(object)
            out.isetitem(i, column.map(csv_cell))
    return out


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(value: Any) -> str:
    """``value`` as literal text in Markdown: no HTML, no link, no emphasis, no table cell break, one line."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def toml_string(text: Any) -> str:
    """``text`` as a TOML basic string (a JSON string is one: quotes, backslashes and control characters escaped;
    DEL, C1 controls, line separators and format characters such as a bidi override — which JSON leaves as they
    are — escaped too).  A lone surrogate (a file name's undecodable byte), which neither TOML nor UTF-8 can hold,
    becomes U+FFFD."""
    quoted = json.dumps(_SURROGATE.sub("\ufffd", str(text)), ensure_ascii=False)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def line_text(value: Any) -> str:
    """``value`` as one inert line: control characters (newlines, DEL, C1), format characters (bidi overrides,
    zero-width), line and paragraph separators and lone surrogates written as escapes (``\\n``, ``\\x7f``,
    ``\\u2028``); everything else as it is."""
    out = []
    for ch in str(value):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(_SHORT.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"))
        else:
            out.append(ch)
    return "".join(out)
