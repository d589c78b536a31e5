"""Charts (图表) as inline SVG: a line over dates and bars over districts, each against a target line.

:func:`line_svg` and :func:`bar_svg` return one ``<svg …>…</svg>`` string to put into an HTML page as it
is: no XML declaration, no DOCTYPE, no script, nothing fetched. matplotlib draws it (its
``Figure`` directly, never pyplot's global figures; the rc settings last for one call) with
``svg.fonttype = "none"``, so every label is a ``<text>`` element that the browser renders in its
own CJK font (:data:`FONT_FAMILY`, Noto Sans CJK SC first).  Every ``id`` of a chart starts with a
prefix made from its content, so two different charts on one page never share an id; the root
carries ``role="img"``, an ``aria-label`` and a ``<title>``, and a ``<desc>`` lists the values.

Text from data (district names, labels) is data: matplotlib escapes it, ``$`` is not parsed as
math, control characters are dropped, a name longer than 32 characters is cut with ``…``; and the
finished SVG is checked to hold no ``<script>``, no ``<foreignObject>``, no ``on…`` attribute and
no link outside itself.

Example
-------
>>> svg = bar_svg(["芝罘区", "福山区"], {"保有率": [52.9, None]}, title="自然岸线保有率", y_label="%",
...               target=35, target_label="目标 ≥ 35%", percent=True)
>>> svg.startswith("<svg") and "芝罘区</text>" in svg and "<script" not in svg
True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import math
import re
import unicodedata
import warnings
from typing import Any

__all__ = ["FONT_FAMILY", "line_svg", "bar_svg"]

#: The font families of every label, first found wins: the browser's CJK fonts, then a Latin one.
FONT_FAMILY = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
               "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "Droid Sans Fallback", "DejaVu Sans"]
#: One colour per series (colour-blind safe, from Okabe and Ito), and the target line's.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TARGET_COLOUR = "#C0392B"
#: Labels from data are cut to this many characters (with …).
MAX_LABEL = 32
_GAP = "—"
#: a value's label stands over the target line, on a white patch
_ON_TOP = {"zorder": 7, "bbox": {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}}
_QUARTER = re.compile(r"(\d{4})\s*Q([1-4])", re.IGNORECASE)


def line_svg(x: list[str], series: dict[str, list[float | None]], *, title: str, y_label: str,
             target: float | None = None, target_label: str | None = None, percent: bool = False) -> str:
    """A line per series over ``x`` (dates such as ``2026-09-30``, quarters such as ``2026Q3``, or any
    labels), as one inline ``<svg>``; None is a gap in the line.

    When every ``x`` is a date or a quarter, the points are placed by time (a survey missed shows as a
    wider step), otherwise one step apart.  ``target`` draws a dashed horizontal line labelled
    ``target_label``; ``percent`` formats the axis as % (values are percentages: 37.5, not 0.375).
    """
    labels, values = _inputs(x, series)
    fig, ax = _figure(7.2, 3.4, percent)
    with _style():
        positions = _positions(x)
        for s, (name, vals) in enumerate(values.items()):
            ax.plot(positions, vals, marker="o", markersize=5, linewidth=2, color=COLOURS[s % len(COLOURS)],
                    label=name, gid=f"line-{s}", zorder=4)
            if len(values) == 1 and len(x) <= 12:  # one series, few points: each point's value beside it
                for i, v in enumerate(vals):
                    if not math.isnan(v):
                        ax.annotate(_number(v, percent), (positions[i], v), xytext=(0, 7), textcoords="offset points",
                                    ha="center", va="bottom", fontsize=8, color="#333", gid=f"value-{s}-{i}", **_ON_TOP)
        ax.set_xticks(positions, labels)
        if len(positions) <= 1:
            ax.set_xlim(positions[0] - 1 if positions else -1, positions[0] + 1 if positions else 1)
        else:
            pad = (max(positions) - min(positions)) * 0.06
            ax.set_xlim(min(positions) - pad, max(positions) + pad)
        return _finish(fig, ax, values, labels, title=title, y_label=y_label, target=target,
                       target_label=target_label, percent=percent, thin=True)


def bar_svg(categories: list[str], series: dict[str, list[float | None]], *, title: str, y_label: str,
            target: float | None = None, target_label: str | None = None, percent: bool = False) -> str:
    """Bars per category (districts, dates), one colour per series side by side, as one inline ``<svg>``;
    None is no bar (``—`` on the axis).  The value stands above each bar when there is room; ``target``
    and ``percent`` as in :func:`line_svg`."""
    labels, values = _inputs(categories, series)
    k = max(len(values), 1)
    width = min(11.0, max(6.4, 1.6 + 0.62 * len(labels) * (0.6 + 0.4 * k)))
    fig, ax = _figure(width, 3.8, percent)
    with _style():
        from matplotlib.patches import Patch

        step, handles = 0.8 / k, []
        show_values = len(labels) * k <= 24
        for s, (name, vals) in enumerate(values.items()):
            offset = (s - (k - 1) / 2) * step
            colour = COLOURS[s % len(COLOURS)]
            handles.append(Patch(color=colour, label=name))  # the legend entry, whatever has a value
            for i, v in enumerate(vals):
                if math.isnan(v):
                    ax.text(i + offset, 0, _GAP, ha="center", va="bottom", fontsize=9, color="#888", gid=f"gap-{s}-{i}")
                    continue
                ax.bar(i + offset, v, width=step * 0.92, color=colour, gid=f"bar-{s}-{i}", zorder=2)
                if show_values:
                    ax.annotate(_number(v, percent), (i + offset, v), xytext=(0, 2 if v >= 0 else -2),
                                textcoords="offset points", ha="center", va="bottom" if v >= 0 else "top",
                                fontsize=8, color="#333", gid=f"value-{s}-{i}", **_ON_TOP)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        return _finish(fig, ax, values, labels, title=title, y_label=y_label, target=target,
                       target_label=target_label, percent=percent, thin=False, handles=handles)


def clean(text: Any, limit: int | None = MAX_LABEL) -> str:
    """``text`` as one line of plain text for a chart: control characters and lone surrogates dropped,
    whitespace collapsed, cut to ``limit`` characters with ``…``."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in str(text))
    one = " ".join(kept.split())
    return one if limit is None or len(one) <= limit else one[: limit - 1] + "…"


def _inputs(x: list[str], series: dict[str, list[float | None]]) -> tuple[list[str], dict[str, list[float]]]:
    labels = [clean(v) for v in x]
    values: dict[str, list[float]] = {}
    for name, vals in series.items():
        vals = list(vals)
        if len(vals) != len(labels):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(labels)} labels")
        key = clean(name, 40)
        while key in values:  # two names the same once cleaned: both kept
            key += " "
        values[key] = [float(v) if v is not None and math.isfinite(float(v)) else math.nan for v in vals]
    return labels, values


def _positions(x: list[str]) -> list[float]:
    """Days since year 1 when every label is a date or a quarter (its last day), else 0, 1, 2, …"""
    days = []
    for v in x:
        text = str(v).strip()
        quarter = _QUARTER.fullmatch(text)
        try:
            if quarter:
                year, q = int(quarter[1]), int(quarter[2])
                day = _dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - _dt.timedelta(days=1)
            else:
                day = _dt.date.fromisoformat(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else None
        except ValueError:
            day = None
        if day is None:
            return [float(i) for i in range(len(x))]
        days.append(float(day.toordinal()))
    return days if len(set(days)) == len(days) else [float(i) for i in range(len(x))]


def _rc() -> dict[str, Any]:
    return {"svg.fonttype": "none", "svg.hashsalt": "ecozone", "font.family": "sans-serif",
            "font.sans-serif": FONT_FAMILY, "text.parse_math": False, "font.size": 10,
            "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 12,
            "axes.titleweight": "bold", "axes.titlelocation": "left", "svg.image_inline": True}


class _style:
    """matplotlib's rc settings and a quiet font search for one chart; both restored on exit."""

    def __enter__(self):
        import logging

        import matplotlib

        self._rc = matplotlib.rc_context(_rc())
        self._rc.__enter__()
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", UserWarning)  # a glyph missing from the fonts matplotlib measures with
        self._log = logging.getLogger("matplotlib.font_manager")
        self._level = self._log.level
        self._log.setLevel(logging.ERROR)  # "findfont: Font family … not found": the browser has its own
        return self

    def __exit__(self, *exc):
        self._log.setLevel(self._level)
        self._warnings.__exit__(*exc)
        return self._rc.__exit__(*exc)


def _figure(width: float, height: float, percent: bool):
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def _number(v: float, percent: bool) -> str:
    if percent:
        return f"{v:.1f}%"
    return f"{v:,.1f}" if abs(v) < 10_000 else f"{v:,.0f}"


def _finish(fig, ax, values: dict[str, list[float]], labels: list[str], *, title: str, y_label: str,
            target: float | None, target_label: str | None, percent: bool, thin: bool, handles: list | None = None) -> str:
    import io

    from matplotlib.ticker import FuncFormatter

    data = [v for vals in values.values() for v in vals if not math.isnan(v)]
    shown = data + ([float(target)] if target is not None else [])
    low, high = min([0.0, *shown]), max([0.0, *shown])
    if high == low:
        high = 100.0 if percent else 1.0
    top = high + (high - low) * 0.15
    if percent and high <= 100:
        top = min(top, 105.0)
    ax.set_ylim(low - (high - low) * 0.08 if low < 0 else 0, top)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}%" if percent else f"{v:,.6g}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylabel(clean(y_label, 40))
    ax.set_title(clean(title, 80))
    if target is not None:
        ax.axhline(float(target), linestyle=(0, (5, 3)), color=TARGET_COLOUR, linewidth=1.5, gid="target", zorder=5)
        text = clean(target_label if target_label is not None else _number(float(target), percent), 40)
        # in the right margin, level with its line: never over a bar or a point
        ax.annotate(text, (1, float(target)), xycoords=ax.get_yaxis_transform(), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=9, color=TARGET_COLOUR,
                    gid="target-label", annotation_clip=False)
    if len(values) > 1:
        # above the plot, at the right: never over the target's label in the right margin
        fig.legend(handles=handles or ax.get_legend_handles_labels()[0], loc="outside upper right", frameon=False,
                   fontsize=9, ncols=min(len(values), 4))
    if not data:  # no value at all: the chart says so
        ax.text(0.5, 0.5, _GAP, transform=ax.transAxes, ha="center", va="center", color="#888", fontsize=14)
    _fit_labels(fig, ax, thin)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    desc = "; ".join(f"{name}: " + ", ".join(f"{label} {_GAP if math.isnan(v) else _number(v, percent)}"
                                             for label, v in zip(labels, vals)) for name, vals in values.items())
    return _inline(buffer.getvalue(), clean(title, None), clean(desc, 2000))


def _fit_labels(fig, ax, thin: bool) -> None:
    """Labels of the x axis that overlap: turned 45°; then a bar chart's upright and smaller, a line's every n-th shown."""
    ticks = ax.get_xticklabels()
    if len(ticks) < 2:
        return

    def overlapping() -> bool:
        fig.draw_without_rendering()
        boxes = [t.get_window_extent() for t in ticks if t.get_visible()]
        return any(a.x1 + 2 > b.x0 for a, b in zip(boxes, boxes[1:]))

    if overlapping():
        for t in ticks:
            t.set_rotation(45)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
        for size in ((8, 6) if not thin else ()):  # bars keep every name: upright, then smaller
            if not overlapping():
                break
            for t in ticks:
                t.set_rotation(90)  # its end at the tick, reading upwards
                t.set_verticalalignment("center")
                t.set_fontsize(size)
        step = 2
        while thin and overlapping() and step < len(ticks):
            for i, t in enumerate(ticks):
                t.set_visible(i % step == 0 or i == len(ticks) - 1)
            step += 1


_ROOT = re.compile(r'<svg\b[^>]*\bwidth="([\d.]+)pt"\s+height="([\d.]+)pt"[^>]*>')
_TAG = re.compile(r"<[^>]*>")


def _inline(svg: str, title: str, desc: str) -> str:
    """matplotlib's SVG file as an element for a page: no declaration, no metadata, its own ids, labelled."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    prefix = "ez" + hashlib.sha256((title + svg).encode("utf-8", "replace")).hexdigest()[:10] + "-"

    def own(tag: re.Match) -> str:
        text = re.sub(r'\bid="', f'id="{prefix}', tag.group(0))
        text = text.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
        return text

    svg = _TAG.sub(own, svg)  # only inside tags: a label's text is never touched
    svg = svg.replace("<style type=\"text/css\">*{", f"<style type=\"text/css\">#{prefix}svg *{{")  # this chart only
    root = _ROOT.match(svg)
    if root is None:
        raise RuntimeError("matplotlib's SVG has no width/height in pt")
    w, h = (float(v) * 4 / 3 for v in root.groups())  # pt to CSS px
    attrs = (f'<svg id="{prefix}svg" class="ecozone-chart" role="img" aria-label="{html.escape(title)}" '
             f'width="{w:.0f}" height="{h:.0f}" style="max-width:100%;height:auto" ')
    opened = root.group(0).replace("<svg ", attrs, 1)
    opened = re.sub(r'\s(width|height)="[\d.]+pt"', "", opened)
    svg = opened + f"\n <title>{html.escape(title)}</title>\n <desc>{html.escape(desc)}</desc>" + svg[root.end():]
    _check_inert(svg)
    return svg.strip()


def _check_inert(svg: str) -> None:
    """Raise RuntimeError when the SVG could run or fetch anything (a bug here, never the data's fault)."""
    import xml.etree.ElementTree as ET

    for node in ET.fromstring(svg).iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject", "iframe", "a", "image"):
            raise RuntimeError(f"chart SVG holds <{tag}>")
        for name, value in node.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.lower().startswith("on") or (local == "href" and not value.startswith("#")):
                raise RuntimeError(f"chart SVG holds the attribute {local}={value!r}")
