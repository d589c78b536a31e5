"""Audit reports (审计报告): an :class:`~ecozone.audit.AuditResult` as JSON, CSV, Markdown and HTML.

``report.json`` is for machines: the ecozone version, the time, the
measurement CRS, every input (path relative to the config, sha256, feature
count), every indicator (value, unit, target, operator, ``status``
pass/fail/not_applicable) and the tables behind them.  Apart from
``generated_at`` it is identical from run to run on the same inputs.
``report.md`` and ``report.html`` are for people; the HTML is one
self-contained file (no script, no external stylesheet), every value escaped; its charts
(per-district bars against the target line) are inline SVG.

Example
-------
>>> import pandas as pd
>>> json_records(pd.DataFrame({"a": [1.23456789, float("nan")]}), 3)
[{'a': 1.235}, {'a': None}]
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ._version import __version__
from .escape import markdown_text
from .json_values import json_ready, json_records, json_value
from .io import write_csv, write_text
from .outputs import OutputFolder, safe_filename

__all__ = ["FORMATS", "json_value", "json_ready", "json_records", "indicator_table", "status_line", "report_dict", "write_report",
           "report_files", "repairs"]

#: Formats ``write_report`` writes; ``csv`` is one file per table.
FORMATS = ("json", "csv", "md", "html")

_STATUS = {
    "zh": {"pass": "达标", "fail": "未达标", "not_applicable": "不适用"},
    "en": {"pass": "pass", "fail": "FAIL", "not_applicable": "n/a"},
}
_WORDS = {
    "zh": {"indicator": "指标", "value": "数值", "target": "目标", "status": "结论", "source": "目标来源",
           "inputs": "输入数据", "tables": "明细表", "crs": "量测坐标系", "generated": "生成时间", "summary": "概况",
           "illustrative": "示意数据", "rows": "行", "file": "文件", "features": "要素数",
           "repairs": "数据修复与剔除 (影响上述数值)", "method": "量测方法"},
    "en": {"indicator": "indicator", "value": "value", "target": "target", "status": "status", "source": "source of the target",
           "inputs": "inputs", "tables": "tables", "crs": "measurement CRS", "generated": "generated", "summary": "summary",
           "illustrative": "illustrative data", "rows": "rows", "file": "file", "features": "features",
           "repairs": "repaired or dropped features (the figures above are measured after these)",
           "method": "how it was measured"},
}


def indicator_table(result) -> pd.DataFrame:
    """One row per indicator of an audit (what ``indicators.csv`` holds): its parameters and details left out."""
    return pd.DataFrame([{k: v for k, v in i.items() if k not in ("params", "details")} for i in result.indicators])


def status_line(i: dict[str, Any]) -> str:
    """``FAIL  forest_share: 20.95 % (target >= 40)``: an indicator's status on one line of the terminal."""
    status = {"pass": "pass", "fail": "FAIL", "not_applicable": "n/a"}[i["status"]]
    count = i["unit"] == "count"  # a count is a whole number and says so without a unit: "7", not "7.00 count"
    value = "—" if i["value"] is None else (f"{i['value']:,.0f}" if count else f"{i['value']:,.2f} {i['unit']}")
    tolerance = f" ± {i['tolerance']:g}" if i.get("tolerance") is not None else ""
    target = "" if i["target"] is None else f" (target {i['operator']} {i['target']:g}{tolerance})"
    coastline = i.get("details", {}).get("coastline")
    return f"{status:<5} {i['id']}: {value}{target}" + (f" [{coastline} coastline]" if coastline else "")


def report_dict(result) -> dict[str, Any]:
    """The machine-readable report of an audit (what ``report.json`` holds)."""
    atlas = result.atlas
    counts = {s: sum(1 for i in result.indicators if i["status"] == s) for s in ("pass", "fail", "not_applicable")}
    return {
        "ecozone": __version__,
        "generated_at": result.generated_at,
        "title": result.config.title,
        "config": {"path": result.config.path.name, "sha256": result.config.sha256, "preset": result.config.preset,
                   "settings": json_ready(result.config.settings), "zones": result.config.zones},
        "measurement_crs": {"epsg": atlas.crs.to_epsg(), "name": atlas.crs.name, "wkt": atlas.crs.to_wkt()},
        "inputs": result.inputs,
        "illustrative_layers": [n for n, layer in atlas.layers.items() if layer.illustrative]
        + [n for n, r in atlas.rasters.items() if r.illustrative],
        "summary": {**counts, "exit_code": result.exit_code},
        "indicators": [json_ready(i) for i in result.indicators],
        "tables": {name: json_records(table) for name, table in sorted(result.tables.items())},
        "validation": atlas.report.to_dict(),
    }


def write_report(result, out: str | Path | OutputFolder, formats: tuple[str, ...] | list[str] = FORMATS, *,
                 lang: str | None = None, overwrite: bool = True) -> list[Path]:
    """Write the audit's report files into ``out``; returns their paths (each written atomically).

    ``out`` is a folder (guarded as :class:`ecozone.outputs.OutputFolder` says: never an input
    overwritten, earlier ecozone outputs replaced, a folder holding other files only with
    ``overwrite``) or an OutputFolder already opened by the caller.
    """
    lang = lang or result.config.lang
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        from .errors import InputError

        raise InputError(f"--format {unknown[0]!r} unknown; fix: use some of {', '.join(FORMATS)}")
    if not isinstance(out, OutputFolder):
        with OutputFolder(out, inputs=result.config.files(), overwrite=overwrite, command="audit") as folder:
            return write_report(result, folder, formats, lang=lang)
    folder = out
    doc = report_dict(result)
    written = []
    if "json" in formats:
        written.append(write_text(folder.path("report.json"), json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"))
    if "csv" in formats:
        for name, table in {"indicators": indicator_table(result), **result.tables}.items():
            written.append(write_csv(table, folder.path(f"{safe_filename(name)}.csv")))
    if "md" in formats:
        written.append(write_text(folder.path("report.md"), markdown(doc, lang)))
    if "html" in formats:
        from .report_charts import chart_specs

        written.append(write_text(folder.path("report.html"), html_page(doc, lang, charts=chart_specs(result, lang))))
    return written


def report_files(formats: tuple[str, ...] | list[str] = FORMATS) -> list[str]:
    """The report files whose names are known before the audit runs (the tables' CSVs come with the results)."""
    return [f"report.{f}" for f in formats if f != "csv"] + (["indicators.csv"] if "csv" in formats else [])


def _value(v: Any, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.2f} {unit}"


def _target(i: dict[str, Any]) -> str:
    """``>= 37.00 %``; with operator ``~`` (左右) its tolerance: ``~ 60.00 % ± 2.5``."""
    if i["target"] is None:
        return "—"
    tolerance = f" ± {i['tolerance']:g}" if i.get("tolerance") is not None else ""
    return f"{i['operator']} {_value(i['target'], i['unit'])}{tolerance}"


def _label(i: dict[str, Any], lang: str) -> str:
    """``矿山地质环境治理率 (status=historic, scope=in_view) [visible_mine_restoration]``: label, parameters, id."""
    label = i["label_zh"] if lang == "zh" else i["label_en"]
    shown = {**i["params"], **({"coastline": i["details"]["coastline"]} if i.get("details", {}).get("coastline") else {})}
    params = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{label}{f' ({params})' if params else ''} [{i['id']}]"


def _method(i: dict[str, Any]) -> str | None:
    """How an indicator's figure was measured, where the measurement says it (the visible range of mines)."""
    return (i.get("details") or {}).get("visible_range")


def repairs(validation: dict[str, Any]) -> list[str]:
    """What validation (``atlas.report.to_dict()``) repaired or dropped before measuring, one line per layer and
    per warning: the figures of a report are measured after it, so the report says it next to them."""
    lines = []
    for layer in validation.get("layers", []):
        done = [f"{layer[k]} {what}" for k, what in (("repaired", "repaired"), ("dropped_empty", "empty, dropped"),
                                                      ("dropped_degenerate", "degenerate (no length or area), dropped"))
                if layer.get(k)]
        if done:
            lines.append(f"{layer['name']}: {', '.join(done)} of {layer['features_read']} features")
        lines += [w["message"] for w in layer.get("warnings", [])]
    return lines


def markdown(doc: dict[str, Any], lang: str = "zh") -> str:
    """The report as Markdown: the indicators with their status, then the inputs.  Text from the config and
    the layers (title, labels, sources, names, paths) is escaped: it shows as written and is never HTML."""
    t = markdown_text
    w, st = _WORDS[lang], _STATUS[lang]
    s = doc["summary"]
    lines = [f"# {t(doc['title'])}", "",
             f"{w['summary']}: {st['pass']} {s['pass']} · {st['fail']} {s['fail']} · {st['not_applicable']} {s['not_applicable']}  ",
             f"{w['crs']}: EPSG:{doc['measurement_crs']['epsg']} ({t(doc['measurement_crs']['name'])})  ",
             f"{w['generated']}: {doc['generated_at']} · ecozone {doc['ecozone']}", ""]
    if doc["illustrative_layers"]:
        lines += [f"> {w['illustrative']}: {t(', '.join(doc['illustrative_layers']))}", ""]
    lines += [f"| {w['indicator']} | {w['value']} | {w['target']} | {w['status']} |", "|---|---:|---:|---|"]
    for i in doc["indicators"]:
        lines.append(f"| {t(_label(i, lang))} | {_value(i['value'], i['unit'])} | {_target(i)} | {st[i['status']]} |")
    sources: dict[str, list[str]] = {}  # each source once, with the indicators whose target it gives
    for i in doc["indicators"]:
        if i.get("source"):
            sources.setdefault(str(i["source"]), []).append(i["id"])
    if sources:
        lines += ["", f"{w['source']}:"] + [f"- {t(', '.join(ids))}: {t(src)}" for src, ids in sorted(sources.items())]
    methods = [(i["id"], _method(i)) for i in doc["indicators"] if _method(i)]
    if methods:
        lines += ["", f"{w['method']}:"] + [f"- {t(key)}: {t(text)}" for key, text in methods]
    fixed = repairs(doc["validation"])
    if fixed:
        lines += ["", f"{w['repairs']}:"] + [f"- {t(line)}" for line in fixed]
    lines += ["", f"## {w['inputs']}", "", f"| {w['file']} | kind | {w['features']} | sha256 |", "|---|---|---:|---|"]
    for inp in doc["inputs"]:
        sha = "" if inp["sha256"] is None else f"`{inp['sha256'][:12]}…`"
        lines.append(f"| {t(inp['path'])} | {t(inp['kind'])} | {'' if inp['features'] is None else inp['features']} | {sha} |")
    if doc["tables"]:
        lines += ["", f"## {w['tables']}", ""] + [f"- {t(safe_filename(name) + '.csv')}: {len(rows)} {w['rows']}"
                                                  for name, rows in doc["tables"].items()]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pass{background:#d9f2d9}.fail{background:#f8d0d0;font-weight:bold}.not_applicable{background:#eee;color:#666}
td.status{white-space:nowrap}
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;margin-right:.5em}
.note{color:#666;font-size:.85em}
figure.chart{margin:1em 0 1.5em}figure.chart svg{max-width:100%;height:auto;display:block}
"""


#: The reports' stylesheet (the monitoring report uses it too).
CSS = _CSS


def html_page(doc: dict[str, Any], lang: str = "zh", *, max_rows: int = 200,
              charts: list[dict[str, Any]] | None = None) -> str:
    """The report as one self-contained HTML page (inline CSS, no script); every value escaped.  ``charts``
    (:func:`ecozone.report_charts.chart_specs`) are drawn as inline SVG in a "图表 / Charts" section after the
    indicators."""
    e = html.escape
    w, st = _WORDS[lang], _STATUS[lang]
    s = doc["summary"]
    out = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
           f"<title>{e(doc['title'])}</title><style>{_CSS}</style></head><body>", f"<h1>{e(doc['title'])}</h1>",
           "<p>" + "".join(f'<span class="badge {k}">{e(st[k])} {s[k]}</span>' for k in ("pass", "fail", "not_applicable")) + "</p>",
           f'<p class="note">{e(w["crs"])}: EPSG:{doc["measurement_crs"]["epsg"]} ({e(doc["measurement_crs"]["name"])}) · '
           f'{e(w["generated"])}: {e(doc["generated_at"])} · ecozone {e(doc["ecozone"])}</p>']
    if doc["illustrative_layers"]:
        out.append(f'<p class="note">{e(w["illustrative"])}: {e(", ".join(doc["illustrative_layers"]))}</p>')
    out.append(f"<table><tr><th>{e(w['indicator'])}</th><th>{e(w['value'])}</th><th>{e(w['target'])}</th>"
               f"<th>{e(w['status'])}</th><th>{e(w['source'])}</th></tr>")
    for i in doc["indicators"]:
        method = f'<br><span class="note">{e(w["method"])}: {e(_method(i))}</span>' if _method(i) else ""
        out.append(f'<tr class="{e(i["status"])}"><td>{e(_label(i, lang))}<br><span class="note">{e(i["formula"])}</span>{method}</td>'
                   f'<td class="num">{e(_value(i["value"], i["unit"]))}</td><td class="num">{e(_target(i))}</td>'
                   f'<td class="status">{e(st[i["status"]])}</td><td class="note">{e(i.get("source") or "")}</td></tr>')
    out.append("</table>")
    fixed = repairs(doc["validation"])
    if fixed:
        out.append(f'<p class="note">{e(w["repairs"])}:</p><ul class="note">' + "".join(f"<li>{e(x)}</li>" for x in fixed) + "</ul>")
    if charts:
        from .report_charts import charts_html

        out.append(charts_html(charts, lang))
    for name, rows in doc["tables"].items():
        out.append(f"<h2>{e(name)} ({len(rows)} {e(w['rows'])})</h2>")
        if not rows:
            continue
        cols = list(rows[0])
        out.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>")
        for row in rows[:max_rows]:
            out.append("<tr>" + "".join(
                f'<td class="num">{e(f"{v:,.4f}" if isinstance(v, float) else str(v))}</td>' if isinstance(v, (int, float))
                and not isinstance(v, bool) else f"<td>{e('' if v is None else str(v))}</td>" for v in row.values()) + "</tr>")
        out.append("</table>")
        if len(rows) > max_rows:
            out.append(f'<p class="note">… {len(rows) - max_rows} more {e(w["rows"])}: see {e(safe_filename(name))}.csv</p>')
    out.append(f"<h2>{e(w['inputs'])}</h2><table><tr><th>{e(w['file'])}</th><th>kind</th><th>{e(w['features'])}</th><th>sha256</th></tr>")
    for inp in doc["inputs"]:
        out.append(f"<tr><td>{e(str(inp['path']))}</td><td>{e(inp['kind'])}</td><td class=\"num\">"
                   f"{'' if inp['features'] is None else inp['features']}</td><td><code>{e(str(inp['sha256']))}</code></td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
