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

Maps escape their own text (:func:`ecozone.maps.text`: folium renders it again as a template).

Example
-------
>>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-12.5"), csv_cell("芝罘区")
('\\'=HYPERLINK("http://x")', '-12.5', '芝罘区')
>>> markdown_text("<script>alert(1)</script> *bold*")
'&lt;script&gt;alert(1)&lt;/script&gt; \\\\*bold\\\\*'
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

__all__ = ["csv_cell", "csv_safe", "markdown_text"]

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
