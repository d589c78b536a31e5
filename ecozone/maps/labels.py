"""What a map writes: field and value labels in Chinese or English, and any text escaped for the page."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..schema import COASTLINE_CLASSES, KINDS
from .presets import bilingual

__all__ = ["MEASURED_FIELDS", "default_label", "field_label", "text", "value_label", "value_labels"]


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


def field_label(kind: str | None, name: str, lang: str) -> str:
    """A field's name as a planner reads it: the kind's field label, a measured field's label, or the name."""
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


def value_label(kind: str | None, name: str, value: Any, lang: str, overrides: Mapping[str, Any] | None = None) -> str:
    """A value as a planner reads it: a code's Chinese (or English) label, a number formatted, a percentage."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if overrides and str(value) in overrides:
        return bilingual(overrides[str(value)], "class_labels")[lang]
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


def value_labels(kind: str | None, name: str, values: pd.Series, lang: str,
                 overrides: Mapping[str, Any] | None = None) -> np.ndarray:
    """:func:`value_label` of every value of a column (an object array): each distinct value labelled once,
    and a column of plain text or of floats (no codes, no labels of its own) formatted without a call per value."""
    try:
        positions, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists, dicts): one by one
        return np.array([value_label(kind, name, v, lang, overrides) for v in values], dtype=object)
    plain = not overrides and _codes_of(kind, name) is None and name not in _VALUE_LABELS
    if plain and getattr(uniques, "dtype", None) is not None and uniques.dtype.kind == "f":
        fmt = MEASURED_FIELDS.get(name, ("", "", ""))[2]
        floats = np.asarray(uniques, dtype=float).tolist()
        if fmt == "pct":
            labels = [f"{v * 100:.1f} %" for v in floats]
        elif fmt and fmt != "d":
            labels = [format(v, fmt) for v in floats]
        elif not fmt:
            labels = [str(int(v)) if v.is_integer() else f"{v:,.2f}" for v in floats]
        else:
            labels = [value_label(kind, name, v, lang) for v in uniques]
    elif plain and all(type(v) is str for v in uniques):
        labels = list(uniques)
    else:
        labels = [value_label(kind, name, v, lang, overrides) for v in uniques]
    return np.array(labels + [""], dtype=object)[positions]


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


def default_label(spec: Mapping[str, Any], kind: str | None) -> dict[str, str]:
    """A preset layer's name when it gives no ``label``: the kind's name, or the measured layer's."""
    source = spec["source"]
    if source in KINDS:
        return {"zh": KINDS[source].zh, "en": KINDS[source].en}
    return {"zh": source, "en": source.replace("_", " ")}
