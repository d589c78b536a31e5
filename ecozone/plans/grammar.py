"""The words of plan targets (目标表述): units, operators, deadlines and numbers, as data and small parsers.
Everything here reads Simplified Chinese (Traditional text is converted first, :mod:`ecozone.plans.extract`).

Example
-------
>>> deadline("到2025年年底,全市充电桩达到25000台"), to_hectares(300, "万亩")
(2025, 200000.0)
"""

from __future__ import annotations

import re

__all__ = ["UNITS", "AREA_HA", "FIGURE", "BLANK", "deadline", "to_hectares", "unit_kind", "cue_before", "cue_after"]

#: Units a figure may carry (longest first), each with its kind.  ``万``/``亿`` before a unit is a multiplier
#: kept in the plan's unit (``万亩``).
UNITS: dict[str, str] = {
    "个百分点": "points", "微克/立方米": "concentration", "毫克/立方米": "concentration",
    "平方公里": "area", "平方千米": "area", "平方米": "area", "公顷": "area", "亩": "area",
    "立方米": "volume", "公里": "length", "千米": "length",
    "吨": "mass", "元": "money", "方": "volume",
    "处": "count", "个": "count", "条": "count", "座": "count", "台": "count", "家": "count",
    "%": "share", "％": "share",
}
#: Hectares in one unit of area (``万`` multiplies by 10 000).
AREA_HA = {"公顷": 1.0, "亩": 1 / 15, "平方公里": 100.0, "平方千米": 100.0, "平方米": 1e-4}
_MULT = {"": 1.0, "万": 1e4, "亿": 1e8}

_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: A figure: number (or range ``1-2``), an optional 万/亿 and a unit (``方`` only after 万/亿), an optional
#: ``/日``; not a number glued to Latin letters (PM2.5, 5G) or following 第.
FIGURE = re.compile(rf"(?<![A-Za-z0-9.第])(?P<num>{_NUMBER})(?:\s*[-—~～至到]\s*(?P<num2>{_NUMBER}))?\s*"
                    rf"(?P<mult>[万亿]?)(?P<unit>{_UNIT})(?P<per>/[日天年])?")
#: A template blank: an operator straight before a unit, with no number or with XX ("绿地率达到%", "不低于XX平方公里").
BLANK = re.compile(rf"(?P<op>达到|不低于|不少于|不超过|控制在|为|突破)(?:XX|X+|x+|×+|_+|＿+)?(?P<mult>[万亿]?)(?P<unit>{_UNIT})"
                   rf"(?P<per>/[日天年])?")

#: Deadlines, most specific first: (pattern, year group).
_DEADLINES = [
    re.compile(r"(?:到|至|截至|截止到?)\s*(\d{4})\s*年(?:年底|年末|底|末)?"),
    re.compile(r"(\d{4})\s*年(?:年底|年末|底|末)?(?:以前|之前|前)"),
    re.compile(r"(\d{4})\s*年(?:年底|年末|底|末)"),
    re.compile(r"^\s*(\d{4})\s*年\s*[,，]"),  # "2025年，…达到…": a sentence opening with the year
]
_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030}


def deadlines(text: str) -> list[tuple[int, int]]:
    """Every deadline in ``text`` as (position, year): 到2025年年底, 2020年前, 2025年年底前, 十四五(期间/末)."""
    found: dict[int, int] = {}
    for pattern in _DEADLINES:
        for m in pattern.finditer(text):
            if not any(abs(m.start() - p) < 8 for p in found):
                found[m.start()] = int(m.group(1))
    for word, year in _PLANS.items():
        for m in re.finditer(word, text):
            found.setdefault(m.start(), year)
    return sorted(found.items())


def deadline(text: str) -> int | None:
    """The first deadline of ``text``, or None."""
    found = deadlines(text)
    return found[0][1] if found else None


def to_hectares(value: float, unit: str) -> float | None:
    """``value`` in ``unit`` (``亩``, ``万亩``, ``公顷``, ``万公顷``, ``平方公里`` …) as hectares; None for other units."""
    mult = _MULT.get(unit[:1], 1.0) if unit[:1] in "万亿" else 1.0
    base = unit[1:] if unit[:1] in "万亿" else unit
    return value * mult * AREA_HA[base] if base in AREA_HA else None


def unit_kind(unit: str) -> str:
    """``area``, ``share``, ``count`` … of a plan's unit (``万亩`` is an area)."""
    base = unit[1:] if unit[:1] in "万亿" and unit[1:] in UNITS else unit
    return UNITS.get(base, UNITS.get(base.split("/")[0], "other"))


#: Operators before a figure, longest first: (words, operator for a target, keep the word in the label).
#: A change (增长, 下降) is part of what is counted; a comparison (达到, 不低于) is not.
_BEFORE = [
    (("不低于", "不少于", "不小于", "至少", "大于等于", "力争达到", "达到", "达", "提高到", "提高至", "提升到", "提升至",
      "增加到", "增加至", "增长到", "增长至", "增至", "稳定在", "保持在", "保持", "为", "共计", "累计", "总计",
      "新增", "建成", "共建成", "完成", "实施", "申报", "增储", "建设", "打造"), ">=", False),
    (("不超过", "不高于", "不大于", "控制在", "低于", "少于", "下降至", "下降到", "降至", "降低至", "降低到", "减少到",
      "减少至", "压减至"), "<=", False),
    (("突破", "超过", "高于", "大于"), ">", False),
    (("年均增长", "年均提高", "增长", "提高", "提升", "增加", "下降", "减少", "降低", "压减"), ">=", True),
]
_CUES = sorted(((w, op, keep) for words, op, keep in _BEFORE for w in words), key=lambda c: -len(c[0]))


def cue_before(pre: str) -> tuple[str, str, bool] | None:
    """The operator word ending ``pre`` (the text before a figure): (word, operator, kept in the label)."""
    for word, op, keep in _CUES:
        if pre.endswith(word):
            return word, op, keep
    return None


def cue_after(post: str) -> tuple[str, str] | None:
    """The operator word right after a figure (以上, 以下, 左右 …) when it ends the clause: (word, operator);
    ``("qualifier", "")`` when 以上/以下 qualifies a noun instead (50%以上中心城区: not a target)."""
    m = re.match(r"(及以上|以上|及以下|以下|以内|左右)(.?)", post)
    if not m:
        return None
    if m.group(2) and re.match(r"[\u4e00-\u9fffA-Za-z0-9]", m.group(2)):
        return ("qualifier", "")
    return m.group(1), {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<=", "左右": "~"}[m.group(1)]
