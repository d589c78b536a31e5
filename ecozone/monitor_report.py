"""The monitoring report (动态监测报告): a :class:`~ecozone.monitoring.MonitorResult` as ``report.json``, one CSV
per table, ``report.md``, ``report.html`` (charts, tables) and ``changes_map.html`` (the last interval's changes).

Text from the store (labels, notes, reasons, file names) is data: escaped in Markdown and HTML, neutralised in
CSV cells that start like a formula.  The store's location is shown with its password masked.  Apart from
``generated_at`` and the surveys' ``added_at``, ``report.json`` is the same for the same history, whichever
store (GeoPackage or PostGIS) holds it.

Example
-------
>>> sorted(MONITOR_FILES)
['changes_map.html', 'report.html', 'report.json', 'report.md']
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from ._version import __version__
from .escape import markdown_text
from .io import write_csv, write_text
from .json_values import json_ready, json_records
from .monitor_html import TITLES, changes_map, monitor_html, shown_value, summary_lines
from .outputs import OutputFolder, safe_filename

__all__ = ["monitor_report_dict", "write_monitor_report", "monitor_markdown", "MONITOR_FILES", "TITLES", "summary_lines"]

#: The files a monitoring report writes besides its tables' CSVs (the map only when there is a change to draw).
MONITOR_FILES = ("report.json", "report.md", "report.html", "changes_map.html")

def monitor_report_dict(result) -> dict[str, Any]:
    """The machine-readable report (what ``report.json`` holds)."""
    return json_ready({
        "ecozone": __version__,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "store": result.store,
        "settings": result.settings,
        "targets": result.targets,
        "summary": result.summary,
        "simulated_surveys": [s.name for s in result.surveys if s.simulated],
        "tables": {name: json_records(table, 6) for name, table in _ordered(result.tables)},
        "notes": result.notes,
    }, None)


def _ordered(tables: dict) -> list:
    known = [(k, tables[k]) for k in TITLES if k in tables]
    return known + [(k, v) for k, v in tables.items() if k not in TITLES]


def write_monitor_report(result, out: str | Path | OutputFolder, *, overwrite: bool = False, lang: str = "zh",
                         inputs: list | None = None, prefix: str = "") -> list[Path]:
    """Write the report into ``out`` (a folder, guarded as :class:`~ecozone.outputs.OutputFolder` says, or one
    already open; ``prefix``: a subfolder of it, as ``monitoring/`` in the demo's); returns the files written."""
    if not isinstance(out, OutputFolder):
        with OutputFolder(out, inputs=inputs or [], overwrite=overwrite, command="monitor report") as folder:
            return write_monitor_report(result, folder, lang=lang)
    class _Within:  # the folder's paths, under the prefix
        def path(self, name: str) -> Path:
            return out.path(prefix + name)

    folder = _Within()
    # every output checked (inside the folder, not an input such as the store) before any is written
    out.expect([prefix + n for n in (*MONITOR_FILES, *(f"{safe_filename(k)}.csv" for k, _ in _ordered(result.tables)))])
    doc = monitor_report_dict(result)
    written = [write_text(folder.path("report.json"), json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")]
    for name, table in _ordered(result.tables):
        written.append(write_csv(table, folder.path(f"{safe_filename(name)}.csv")))
    map_name = None
    m = changes_map(result, lang)
    if m is not None:
        from .maps import write_map

        written.append(write_map(m, folder.path("changes_map.html")))
        map_name = "changes_map.html"
    written.append(write_text(folder.path("report.md"), monitor_markdown(doc, lang)))
    written.append(write_text(folder.path("report.html"), monitor_html(result, doc, lang, map_name=map_name)))
    return written


_WORDS = {
    "zh": {"title": "动态监测报告", "store": "监测库", "generated": "生成时间", "simulated": "模拟数据 (非实测)",
           "targets": "目标", "notes": "说明", "rows": "行", "summary": "概况", "none": "无"},
    "en": {"title": "monitoring report", "store": "store", "generated": "generated", "simulated": "simulated (not surveyed)",
           "targets": "targets", "notes": "notes", "rows": "rows", "summary": "summary", "none": "none"},
}


def _cell(v: Any) -> str:
    """A Markdown table cell: :func:`shown_value`, text from the data made literal."""
    text = shown_value(v)
    return text if v is None or isinstance(v, (bool, float)) else markdown_text(text)


def monitor_markdown(doc: dict[str, Any], lang: str = "zh", *, max_rows: int = 100) -> str:
    """The report as Markdown: the summary, the targets, each table (the first ``max_rows`` rows), the notes."""
    w = _WORDS[lang]
    t = markdown_text
    lines = [f"# {w['title']}", "", f"{w['store']}: {t(doc['store'])}  ", f"{w['generated']}: {doc['generated_at']} · "
             f"ecozone {doc['ecozone']}", "", f"## {w['summary']}", ""]
    lines += [f"- {t(line)}" for line in summary_lines(doc, lang)]
    targets = doc["targets"]
    if targets.get("retention") is not None or targets.get("restoration"):
        lines += ["", f"{w['targets']}:"]
        if targets.get("retention") is not None:
            lines.append(f"- coastline_retention ≥ {targets['retention']:g} %")
        for bay, v in targets.get("retention_by_bay", {}).items():
            lines.append(f"- coastline_retention ({t(bay)}) ≥ {v:g} %")
        if targets.get("restoration"):
            r = targets["restoration"]
            status = r.get("status") or "completed"
            status = status if isinstance(status, str) else "+".join(map(str, status))
            lines.append(f"- restoration_area ({t(r.get('type') or 'all')}, {t(status)}, {t(r.get('zone') or 'city')}, "
                         f"≤ {r.get('until')}) ≥ {r['target_ha']:g} ha")
    for name, rows in doc["tables"].items():
        zh, en = TITLES.get(name, (name, name))
        lines += ["", f"## {t(zh if lang == 'zh' else en)} ({len(rows)} {w['rows']})", ""]
        if not rows:
            lines.append(w["none"])
            continue
        cols = list(rows[0])
        lines += ["| " + " | ".join(t(c) for c in cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(_cell(r[c]) for c in cols) + " |" for r in rows[:max_rows]]
        if len(rows) > max_rows:
            lines.append(f"\n… {len(rows) - max_rows} {w['rows']}: {t(safe_filename(name))}.csv")
    if doc["notes"]:
        lines += ["", f"## {w['notes']}", ""] + [f"- {t(n)}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"
