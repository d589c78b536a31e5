"""What a layer's name says (名称线索): the words of a file or layer name, the kinds they hint at, their years.

A name is cut into words: runs of Latin letters, of digits, and of other letters (Chinese), so that
``redline_land_2020`` is ``redline``, ``land``, ``2020`` and ``生态保护红线2020年`` is ``生态保护红线``, ``2020``,
``年``.  A Latin hint matches whole words only (``wetland``, ``islands`` and ``farmland_protect`` say nothing
of ``land``; ``roads_window`` nothing of ``wind``), a hint of several words (``wind_farm``) those words in a
row, and a plural ``s``/``es`` is allowed on the last one.  Chinese is written without spaces: a Chinese hint
matches anywhere in the name (``陆域生态保护红线`` holds ``红线``).

Example
-------
>>> words("redline_land_2020"), says("wetland", ("land",)), says("lands", ("land",)), says("陆域生态保护红线", ("红线",))
(['redline', 'land', '2020'], False, True, True)
>>> year("stbhhx/redline_20201231"), base("2020/redline_land"), base("redline_land_2020年")
(2020, ('redline', 'land'), ('redline', 'land'))
"""

from __future__ import annotations

import re

from ..schema import KINDS

_WORD = re.compile(r"[a-z]+|[0-9]+|[^\W\d_a-z]+")
_YEAR = re.compile(r"(19|20)\d\d(?:\d\d(?:\d\d)?)?")  # 2020, 202012, 20201231

#: Words in a layer's or file's name that say its kind (besides the kind's own name and Chinese label).
HINTS = {"district": ("xzq", "区县", "行政区", "county"), "bay": ("海湾",), "sea_zone": ("海域",),
         "project": ("项目",), "redline": ("红线", "stbhhx"), "redline_baseline": ("baseline", "基线"),
         "land": ("陆地",), "wind_farm": ("风电", "wind"), "built_up_area": ("建成区", "built_up"),
         "sponge_city": ("海绵城市", "sponge")}
#: A kind the name does not say when it also says one of these (``redline_land``: the land's red line, not the land).
_UNLESS = {"land": ("redline", "red_line", "红线", "stbhhx")}


def words(name: str) -> list[str]:
    """The words of ``name``, case-folded: runs of Latin letters, of digits, of other letters."""
    return _WORD.findall(name.casefold())


def says(name: str, hints: tuple[str, ...] | list[str]) -> bool:
    """``name`` holds one of ``hints``: a Latin one as whole words (a plural allowed), a Chinese one anywhere."""
    have = words(name)
    folded = name.casefold()
    for hint in hints:
        hint = hint.casefold()
        if not hint.isascii():
            if hint in folded:
                return True
            continue
        want = words(hint)
        n = len(want)
        for i in range(len(have) - n + 1):
            if have[i:i + n - 1] == want[:-1] and have[i + n - 1] in (want[-1], want[-1] + "s", want[-1] + "es"):
                return True
    return False


def hint(kind: str, name: str) -> int:
    """3: the name says a red line's baseline; 2: the name says this kind; 1: a red line not said to be the
    baseline; 0: the name says nothing of it."""
    baseline = says(name, HINTS["redline_baseline"])
    own = (kind, KINDS[kind].zh, *HINTS.get(kind, ()))
    if kind == "redline":
        return 0 if baseline else (2 if says(name, own) else 1)
    if kind == "redline_baseline":
        return 3 if baseline else 0
    if kind in _UNLESS and says(name, _UNLESS[kind]):
        return 0
    return 2 if says(name, own) else 0


def year(name: str) -> int | None:
    """The latest year written in ``name`` (``2020``, ``202012``, ``20201231``), or None."""
    years = [int(w[:4]) for w in words(name) if _YEAR.fullmatch(w)]
    return max(years) if years else None


def base(name: str) -> tuple[str, ...]:
    """``name``'s words without its years (and 年): names that differ only by their years have the same base."""
    return tuple(w for w in words(name) if not _YEAR.fullmatch(w) and w not in ("年", "年度", "年版"))
