"""The quantified targets of a plan's text (规划目标提取): every figure with a unit, its operator, deadline,
wording and sentence, and what ecozone makes of it (:mod:`ecozone.plans.mapping`).

A Traditional-Chinese text is converted to Simplified with OpenCC for matching; each target's ``quote`` keeps the
plan's own script and ``quote_simplified`` stands beside it.

Example
-------
>>> t = extract_targets("2025年年底前，全市自然岸线保有率达到37%。")[0]
>>> t["indicator"], t["value"], t["operator"], t["year"], t["scope"]
('coastline_retention', 37.0, '>=', 2025, 'mainland')
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .grammar import BLANK, FIGURE, cue_after, cue_before, deadlines, to_hectares, unit_kind
from .mapping import map_target

__all__ = ["extract_targets", "is_traditional", "simplified", "sentences", "TOLERANCE"]

#: Full-width digits, point and percent sign as ASCII, for matching (the quote keeps them as written).
_HALF_WIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
#: The tolerance given to 左右 (about): 5 % of the value.
TOLERANCE = 0.05
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_CLAUSE_END = re.compile(r"(?<!\d)[,，:：]|[,，:：](?!\d{3})")
_STATUS = re.compile(r"截至|截止|近年来|以来|已经|已完成|已建成|共建成|比上年|同比|确定了|完成了|实现了|建成了|取得了|"
                     r"由\d{4}年的|现有|目前|整治完成")
_SCOPE = re.compile(r"^(全市|全省|全区|全县|全国|市区|中心城区|各区市|城市和县城)")
_LEAD = re.compile(r"^(并且|并|和|且|同时|其中|推动|推进|力争|确保|努力|持续|加快|基本|全面|累计|每年|年均|今年|明年|首批|"
                   r"择优选择|遴选确定了|遴选)+")
_VERB = re.compile(r"^(共建成|建成(?!区)|完成|实施|申报|建设|打造|创建|培育|确定了|选择)")
_DATES = (r"^(到|至)\d{4}年(年底|年末|底|末)?", r"^\d{4}年(年底|年末|底|末)?(以前|之前|前)?", r"^[\"“”]?十[三四五]五[\"“”]?(期间|末)?")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` in Simplified Chinese (OpenCC t2s; Simplified text comes back as it was)."""
    return _converter().convert(text)


def is_traditional(text: str) -> bool:
    """Whether ``text`` is written in Traditional characters (over 2 % of its Han characters change to Simplified)."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    conv = simplified("".join(han))
    changed = sum(a != b for a, b in zip(han, conv)) if len(conv) == len(han) else len(han)
    return changed / len(han) > 0.02


def sentences(paragraph: str) -> list[str]:
    """A paragraph split after 。；;！!？? (the split marks stay with their sentence)."""
    return [s.strip() for s in _SENTENCE.findall(paragraph) if s.strip()]


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _clause(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The text of the clause around ``sentence[start:end]``: what comes before it and after it."""
    bounds = [m.end() for m in _CLAUSE_END.finditer(sentence) if m.end() <= start]
    after = [m.start() for m in _CLAUSE_END.finditer(sentence) if m.start() >= end]
    pre = sentence[bounds[-1] if bounds else 0:start]
    post = sentence[end:after[0] if after else len(sentence)].rstrip("。；;！!？?")
    return pre, post


def _label(pre: str, post: str, cue: tuple[str, str, bool] | None) -> tuple[str, str | None]:
    """The plan's wording of the quantity, and the scope word it starts with (全市, 全省 …)."""
    if cue is not None and not cue[2]:
        pre = pre[: len(pre) - len(cue[0])]
    last = None
    for last in FIGURE.finditer(pre):
        pass
    if last is not None:  # a figure earlier in the clause: the wording starts after it
        pre = re.sub(r"^(及以上|以上|及以下|以下|以内|左右)?[、和及与]?", "", pre[last.end():])
        if pre.endswith("、"):  # 完成300万亩营造林、100万亩未成林地抚育: the words before belong to the figure before
            pre = ""
    pre = re.sub(r"(由|从)?\d{4}\s*年的?$", "", pre.strip())  # 由2020年的73.66%: the year of the figure
    for _ in range(2):
        pre = _LEAD.sub("", pre.strip())
        for pattern in _DATES:
            pre = re.sub(pattern, "", pre.strip())
    scope = None
    m = _SCOPE.match(pre)
    if m:
        scope, pre = m.group(1), pre[m.end():]
    pre = _VERB.sub("", _LEAD.sub("", pre)).strip(" 的,，")
    if len(pre) >= 2:
        return pre, scope
    post = re.split(r"[、]|\d|全部|均|共", post)[0]
    post = re.sub(r"^(及以上|以上|及以下|以下|以内|左右|的)", "", post).strip(" 的")
    return post or pre, scope


def _year(sentence: str, start: int, status: bool) -> int | None:
    """The deadline of a figure at ``start``: the last one before it in the sentence, else the first after it; for
    a figure already reached, the year written before it (由2020年的73.66%)."""
    if status:
        years = [(m.start(), int(m.group(1))) for m in re.finditer(r"(\d{4})\s*年", sentence[:start])]
        return years[-1][1] if years else None
    found = deadlines(sentence)
    before = [y for p, y in found if p < start]
    if before:
        return before[-1]
    return None


def _target(sentence: str, start: int, end: int, value: float | None, value2: float | None, unit: str,
            post_cue: tuple[str, str] | None, previous: str | None = None) -> dict[str, Any] | None:
    pre, post = _clause(sentence, start, end)
    pre = re.sub(r"(由|从)?\d{4}\s*年的?$", "", pre)  # 由2020年的73.66%: the year of the figure, not its wording
    cue = cue_before(pre)
    status = bool(_STATUS.search(sentence)) and not re.search(r"^(到|力争)|确保|将", pre.strip())
    label, scope = _label(pre, post, cue)
    if len(label) < 2:  # 由2020年的73.66%增长至2023年的97.09%: the second figure is of the same quantity
        if previous is None and cue is None:
            return None
        label = previous or cue[0]  # 增储1200亿方以上: the verb is all the wording there is
    kind = unit_kind(unit)
    operator = post_cue[1] if post_cue else (cue[1] if cue else ">=")
    if kind == "concentration" and cue is not None and not cue[2] and operator == ">=":
        operator = "<="  # 浓度达到29微克/立方米: a ceiling
    if status:
        operator = "=="
    tolerance = None
    if operator == "~" and value is not None:
        tolerance = round(abs(value) * TOLERANCE, 6)
    out = {"label": label, "value": value, "unit": unit, "operator": operator, "tolerance": tolerance,
           "year": _year(sentence, start, status), "scope": scope, "kind": "status" if status else "target",
           "plan_value": value, "plan_unit": unit, "_post": post}
    if value2 is not None:
        out["value_max"] = value2
    return out


def _sentence_targets(sentence: str) -> list[dict[str, Any]]:
    found: list[tuple[int, dict[str, Any]]] = []
    for m in FIGURE.finditer(sentence):
        unit = m.group("mult") + m.group("unit") + (m.group("per") or "")
        if m.group("unit") == "方" and not m.group("mult"):
            continue
        post = sentence[m.end():]
        post_cue = cue_after(post)
        if post_cue is not None and post_cue[0] == "qualifier":
            continue  # 50%以上中心城区: a qualifier of a noun, not a figure to reach
        if m.group("unit") == "个" and re.match(r"方面|设区", post):
            continue
        if m.group("unit") in ("%", "％"):
            unit = "%"
        end = m.end() + (len(post_cue[0]) if post_cue else 0)
        t = _target(sentence, m.start(), end, _number(m.group("num")),
                    _number(m.group("num2")) if m.group("num2") else None, unit, post_cue,
                    found[-1][1]["label"] if found else None)
        if t is not None:
            found.append((m.start(), t))
    for m in BLANK.finditer(sentence):
        unit = m.group("mult") + m.group("unit") + (m.group("per") or "")
        post_cue = cue_after(sentence[m.end():])
        t = _target(sentence, m.end("op"), m.end() + (len(post_cue[0]) if post_cue and post_cue[1] else 0), None,
                    None, "%" if m.group("unit") == "％" else unit, post_cue if post_cue and post_cue[1] else None)
        if t is not None:
            t["note"] = "a blank in the plan's text: no value given"
            found.append((m.start(), t))
    for m in re.finditer(r"([^,，;；。:：]{2,30}?)(全覆盖|全域覆盖)", sentence):
        t = _target(sentence, m.end(), m.end(), 100.0, None, "%", None)
        if t is not None:
            t["label"] = re.sub(r"^(到\d{4}年(年底|底|末)?|基本实现|实现|力争|确保)+", "", m.group(1)) + m.group(2)
            t["operator"] = ">=" if t["kind"] == "target" else "=="
            found.append((m.start(), t))
    for m in re.finditer(r"([^,，;；。:：]{2,30}?)(只增不减|不减少)", sentence):
        t = _target(sentence, m.end(), m.end(), None, None, "ha", None)
        if t is not None:
            t["label"] = re.sub(r"^(确保|保持|力争)+", "", m.group(1)) + m.group(2)
            t.update(operator=">=", baseline=True, note="not reduced: compared with a baseline")
            found.append((m.start(), t))
    return [t for _, t in sorted(found, key=lambda x: x[0])]


def _finish(t: dict[str, Any], sentence: str) -> dict[str, Any]:
    """Map the target to the catalogue and convert its value to the indicator's unit."""
    kind = unit_kind(t["plan_unit"])
    m = map_target(t["label"], kind, sentence)
    t["indicator"], t["suggested_indicator"], t["spatial"] = m.indicator, m.suggested, m.spatial
    t["params"] = dict(m.params)
    if m.scope:
        t["scope"] = m.scope if t["scope"] is None or m.scope != "mainland" else m.scope
    named = re.split(r"美丽海湾[\"”」]?", t.get("_post", ""), maxsplit=1)
    if "美丽海湾" in t["label"] and len(named) == 2 and named[1].strip():
        t["scope"] = named[1].strip()  # the bays the plan names: 套子湾; XX岸段、XX岛群岛海域、四十里湾
    if m.note:
        t["note"] = "; ".join(x for x in (t.get("note"), m.note) if x)
    if kind == "area" and t["value"] is not None and m.spatial:
        ha = to_hectares(t["value"], t["plan_unit"])
        if ha is None:  # a rate (公顷/年): no area ecozone measures; kept as the plan writes it
            t["indicator"], t["params"] = None, {}
            t["note"] = "; ".join(x for x in (t.get("note"), "a rate per period, not an area: not mapped") if x)
        else:
            # the indicator's unit: km² for ranch_area, 亩 (mu) for cultivated_land, else ha
            factor, unit = {"ranch_area": (0.01, "km²"), "cultivated_land": (15.0, "mu")}.get(m.indicator, (1.0, "ha"))
            t["value"], t["unit"] = round(ha * factor, 6), unit
            if t.get("value_max") is not None:
                t["value_max"] = round(to_hectares(t["value_max"], t["plan_unit"]) * factor, 6)
    elif kind == "count":
        t["unit"] = "count" if m.indicator else t["plan_unit"]
    if t.get("tolerance") is not None and t["value"] is not None:
        t["tolerance"] = round(abs(t["value"]) * TOLERANCE, 6)
    if m.indicator in ("restoration_area", "river_designation_share") and t["year"] is not None and t["kind"] == "target":
        t["params"]["until"] = t["year"]
    return t


def extract_targets(text: str, *, file: str | None = None, traditional: bool | None = None) -> list[dict[str, Any]]:
    """Every quantified target (and figure already reached) of a plan's ``text``, in the order of the text."""
    from .read import plan_paragraphs

    if traditional is None:
        traditional = is_traditional(text)
    out: list[dict[str, Any]] = []
    for number, paragraph in enumerate(plan_paragraphs(text), 1):
        for sentence in sentences(paragraph):
            simple = simplified(sentence) if traditional else sentence
            for t in _sentence_targets(simple.translate(_HALF_WIDTH)):
                t = _finish(t, simple)
                t["quote"] = sentence
                if traditional and simple != sentence:
                    t["quote_simplified"] = simple
                t["source"] = {"file": file, "paragraph": number}
                out.append(_ordered(t))
    return out


_FIELDS = ("indicator", "suggested_indicator", "label", "value", "value_max", "unit", "operator", "tolerance", "year",
           "scope", "params", "plan_value", "plan_unit", "baseline", "quote", "quote_simplified", "source", "spatial",
           "kind", "note")


def _ordered(t: dict[str, Any]) -> dict[str, Any]:
    return {k: t[k] for k in _FIELDS if k in t and (k not in ("value_max", "baseline", "quote_simplified", "note")
                                                     or t[k] is not None)}
