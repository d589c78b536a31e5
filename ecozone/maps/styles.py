"""Styling a layer: each feature's style key, the Leaflet styles and the layer's legend entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .labels import MEASURED_FIELDS, default_label, field_label, value_label
from .legend import Legend
from .presets import bilingual

__all__ = ["classify"]


_DEFAULT_STYLE = {
    "polygon": {"color": "#455a64", "weight": 1.0, "opacity": 0.9, "fill_opacity": 0.3},
    "line": {"color": "#1565c0", "weight": 2.0, "opacity": 0.9},
    "point": {"color": "#37474f", "weight": 1.0, "fill_opacity": 0.85, "radius": 5},
}
_OTHER = "#9e9e9e"


def _leaflet_style(style: Mapping[str, Any], family: str, color: str | None = None) -> dict[str, Any]:
    """Leaflet path options from a preset style; ``color`` is a class colour (the line, or the fill)."""
    s = {**_DEFAULT_STYLE[family], **style}
    stroke, fill = s["color"], s.get("fill_color", s["color"])
    if color is not None:
        if family == "line":
            stroke = color
        else:
            fill = color
            stroke = style.get("color", color)
    out: dict[str, Any] = {"color": stroke, "weight": s["weight"], "opacity": s.get("opacity", 0.9)}
    if family != "line":
        out.update(fillColor=fill, fillOpacity=s.get("fill_opacity", 0.3), fill=s.get("fill_opacity", 0.3) > 0)
    if family == "point":
        out["radius"] = s.get("radius", 5)
    if s.get("dash_array"):
        out["dashArray"] = str(s["dash_array"])
    return out


def classify(frame: pd.DataFrame, spec: Mapping[str, Any], kind: str | None, family: str, lang: str) -> tuple[list[str], dict[str, dict], Legend | None, str]:
    """Each feature's style key, the styles, the legend entries."""
    style = spec.get("style", {})
    label = bilingual(spec.get("label", default_label(spec, kind)), "label")[lang]
    if "value" in spec:  # classed choropleth
        col = spec["value"]
        fields = [str(c) for c in frame.columns if c not in ("_row", frame.geometry.name)]
        if col not in frame:
            raise ConfigError(f"map layer {label}: no field {col!r} for the choropleth; fix: value = one of {', '.join(fields)}")
        bins, colors = [float(b) for b in spec["bins"]], list(spec["colors"])
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        if np.isnan(values).all() and frame[col].notna().any():
            raise ConfigError(f"map layer {label}: field {col!r} holds no numbers; fix: value = a numeric field")
        idx = np.clip(np.searchsorted(bins, values, side="right") - 1, 0, len(colors) - 1)
        keys = [("nodata" if np.isnan(v) else f"c{i}") for v, i in zip(values, idx)]
        styles = {f"c{i}": _leaflet_style(style, family, c) for i, c in enumerate(colors)}
        styles["nodata"] = _leaflet_style(style, family, _OTHER)
        pct = spec.get("percent", MEASURED_FIELDS.get(col, ("", "", ""))[2] == "pct")
        fmt = (lambda b: f"{b * 100:g} %") if pct else (lambda b: f"{b:g}")
        entries = [(f"{fmt(lo)} – {fmt(hi)}", styles[f"c{i}"]) for i, (lo, hi) in enumerate(zip(bins[:-1], bins[1:]))]
        if "nodata" in keys:
            entries.append(("无数据" if lang == "zh" else "no data", styles["nodata"]))
        title = f"{label}: {field_label(kind, col, lang)}"
        return keys, styles, Legend(title, family, entries), label
    if "color_by" in spec:
        col = spec["color_by"]
        classes = dict(spec.get("classes", {}))
        overrides = spec.get("class_labels", {})
        values = frame[col].astype("string").fillna("").tolist() if col in frame else [""] * len(frame)
        keys = [v if v in classes else "_other" for v in values]
        styles = {v: _leaflet_style(style, family, c) for v, c in classes.items()}
        styles["_other"] = _leaflet_style(style, family, _OTHER)
        entries = [(value_label(kind, col, v, lang, overrides), styles[v]) for v in classes if v in set(keys)]
        if "_other" in keys:
            entries.append(("其他" if lang == "zh" else "other", styles["_other"]))
        return keys, styles, Legend(label, family, entries), label
    s = _leaflet_style(style, family)
    return ["_"] * len(frame), {"_": s}, Legend("", family, [(label, s)]), label
