"""The legend (图例): one block per layer, a swatch drawn like the layer beside each entry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .labels import text

__all__ = ["Legend", "legend_html"]


@dataclass
class Legend:
    """One layer's block of the legend: a title (none for a single entry) and (label, Leaflet style) entries."""

    title: str
    family: str
    entries: list[tuple[str, dict[str, Any]]]  # (label, leaflet style)


def _rgba(color: str, alpha: float) -> str:
    """``#rrggbb`` with an alpha as ``rgba()``; other CSS colours as they are."""
    c = str(color)
    if re.fullmatch(r"#[0-9a-fA-F]{6}", c):
        r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:.2f})"
    return c


def _swatch(family: str, s: Mapping[str, Any]) -> str:
    """A legend swatch drawn like the layer: a bar for lines, a dot for points, a box for polygons."""
    stroke = text(s.get("color"))
    if family == "line":
        dash = "dashed" if s.get("dashArray") else "solid"
        return f'<span class="sw line" style="border-top:{max(2.0, float(s.get("weight", 2))):g}px {dash} {stroke}"></span>'
    alpha = float(s.get("fillOpacity", 0.3)) if s.get("fill", True) else 0.0
    fill = text(_rgba(s.get("fillColor", s.get("color")), alpha))
    border = "dashed" if s.get("dashArray") else "solid"
    return (f'<span class="sw {family}" style="background:{fill};'
            f'border:{min(3.0, max(1.0, float(s.get("weight", 1)))):g}px {border} {stroke}"></span>')


def legend_html(title: str, legends: list[Legend]) -> str:
    """The legend box's HTML, every label escaped."""
    parts = [f"<h2>{text(title)}</h2>"]
    for lg in legends:
        if lg.title:
            parts.append(f"<h3>{text(lg.title)}</h3>")
        single = "" if lg.title else " single"
        for label, style in lg.entries:
            parts.append(f'<div class="row{single}">{_swatch(lg.family, style)}<span>{text(label)}</span></div>')
    return "".join(parts)
