"""Code lists (代码表): the allowed values of coded fields, each with its Chinese and English label and aliases.

Values may be given in English codes or in Chinese (基岩, 砂质, 人工 …); :func:`normalise_code`
maps both to the English code.  :mod:`ecozone.schema` uses these lists in its layer kinds and
re-exports every name.

Example
-------
>>> normalise_code(COASTLINE_CLASSES, "砂质")
'sandy'
>>> MINE_STATUS.codes
('historic', 'production', 'closed')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Code",
    "CodeList",
    "COASTLINE_CLASSES",
    "NATURAL_CLASSES",
    "REDLINE_TYPES",
    "REALMS",
    "MINE_STATUS",
    "MINE_RESTORATION",
    "RANCH_LEVELS",
    "RANCH_TYPES",
    "RIVER_LEVELS",
    "RESTORATION_TYPES",
    "RESTORATION_STATUS",
    "TRANSPORT_CLASSES",
    "SENSITIVE_AREA_CLASSES",
    "LAND_COVER_CLASSES",
    "normalise_code",
    "normalise_codes",
]


@dataclass(frozen=True)
class Code:
    """One allowed value of a coded field, with its Chinese label and accepted aliases."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    """The allowed values of a coded field."""

    name: str
    items: tuple[Code, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.items)

    def lookup(self) -> dict[str, str]:
        """Map every accepted spelling (code, zh, en, aliases; case-folded) to its code."""
        return self._table

    @cached_property
    def _table(self) -> dict[str, str]:  # built once per code list: lookups run per feature
        table: dict[str, str] = {}
        for c in self.items:
            for spelling in (c.code, c.zh, c.en, *c.aliases):
                table[spelling.strip().casefold()] = c.code
        return table

    def label(self, code: str, lang: str = "zh") -> str:
        for c in self.items:
            if c.code == code:
                return c.zh if lang == "zh" else c.en
        return code

    def describe(self) -> str:
        """``bedrock (基岩), sandy (砂质), …`` for error messages."""
        return ", ".join(f"{c.code} ({c.zh})" for c in self.items)


def _codes(name: str, *items: tuple) -> CodeList:
    return CodeList(name, tuple(Code(*i) for i in items))


COASTLINE_CLASSES = _codes(
    "coastline class",
    ("bedrock", "基岩岸线", "bedrock shoreline", ("基岩", "rocky", "rock")),
    ("sandy", "砂质岸线", "sandy shoreline", ("砂质", "沙质", "沙质岸线", "sand", "beach")),
    ("muddy", "淤泥质岸线", "muddy shoreline", ("淤泥质", "泥质", "mud", "silty")),
    ("biological", "生物岸线", "biological shoreline", ("生物", "mangrove", "oyster reef", "红树林", "牡蛎礁")),
    (
        "restored_natural",
        "整治修复后具有自然形态特征和生态功能的岸线",
        "restored to natural form",
        ("整治修复岸线", "修复岸线", "restored", "恢复自然岸线"),
    ),
    ("artificial", "人工岸线", "artificial shoreline", ("人工", "seawall", "port", "港口", "围填海")),
    ("estuarine", "河口岸线", "estuarine shoreline", ("河口", "estuary")),
)

#: Classes that count as natural coastline (自然岸线), restored coastline included.
NATURAL_CLASSES = ("bedrock", "sandy", "muddy", "biological", "restored_natural")

REDLINE_TYPES = _codes(
    "red-line type",
    ("water_conservation", "水源涵养", "water conservation", ("水源涵养功能",)),
    ("biodiversity", "生物多样性维护", "biodiversity maintenance", ("生物多样性",)),
    ("soil_conservation", "水土保持", "soil and water conservation", ()),
    ("windbreak_sand_fixation", "防风固沙", "windbreak and sand fixation", ()),
    ("coastal_stability", "海岸生态稳定", "coastal ecological stability", ("海岸带生态稳定",)),
    ("sensitive", "生态环境敏感脆弱区", "ecologically sensitive area", ("生态敏感区", "敏感脆弱")),
)

REALMS = _codes(
    "realm",
    ("land", "陆域", "land", ("陆地", "陆")),
    ("marine", "海洋", "marine", ("海域", "海")),
)

MINE_STATUS = _codes(
    "mine status",
    ("historic", "历史遗留矿山", "historic (abandoned)", ("历史遗留", "废弃", "abandoned")),
    ("production", "生产矿山", "in production", ("生产", "在产", "producing")),
    ("closed", "关闭矿山", "closed", ("关闭", "已关闭")),
)

MINE_RESTORATION = _codes(
    "mine restoration status",
    ("untreated", "未治理", "untreated", ("未修复",)),
    ("in_progress", "治理中", "in progress", ("修复中", "正在治理", "ongoing")),
    ("restored", "已治理", "restored", ("已修复", "治理完成", "completed")),
)

RANCH_LEVELS = _codes(
    "marine ranch level",
    ("national", "国家级海洋牧场示范区", "national demonstration", ("国家级",)),
    ("provincial", "省级", "provincial", ("省级海洋牧场",)),
    ("city", "市级", "city", ("市级海洋牧场",)),
)

RANCH_TYPES = _codes(
    "marine ranch type",
    ("reef", "投礁型", "artificial reef", ("人工鱼礁", "礁型")),
    ("enclosed", "围海养殖型", "enclosed-sea aquaculture", ("围海养殖",)),
    ("stock_enhancement", "增殖型", "stock enhancement", ("增殖放流", "养护型", "conservation")),
    ("aquaculture", "养殖型", "open-sea aquaculture", ("深远海养殖", "筏式养殖")),
    ("leisure", "休闲型", "leisure fishing", ("休闲渔业",)),
)

RIVER_LEVELS = _codes(
    "river level",
    ("trunk", "干流", "trunk river", ("主要河流", "main")),
    ("tributary", "支流", "tributary", ()),
    ("lake", "湖泊", "lake", ()),
    ("reservoir", "水库", "reservoir", ()),
)

RESTORATION_TYPES = _codes(
    "restoration type",
    ("coastal_wetland", "滨海湿地", "coastal wetland", ("湿地", "wetland")),
    ("mine", "矿山", "mine", ("矿山修复", "矿山地质环境治理")),
    ("coastline", "岸线", "coastline", ("岸线整治修复", "海岸线")),
    ("forest", "森林", "forest", ("造林", "林地")),
    ("river", "河湖", "river and lake", ("河道",)),
    ("island", "海岛", "island", ()),
)

RESTORATION_STATUS = _codes(
    "restoration status",
    ("planned", "计划", "planned", ("规划", "拟实施")),
    ("ongoing", "实施中", "ongoing", ("在建", "进行中", "in_progress")),
    ("completed", "已完成", "completed", ("完成", "竣工", "done")),
)

TRANSPORT_CLASSES = _codes(
    "transport line class",
    ("expressway", "高速公路", "expressway", ("高速",)),
    ("national_road", "国道", "national road", ("国省道", "省道", "主干公路", "main road")),
    ("railway", "铁路", "railway", ("高铁", "high-speed railway", "rail")),
)

#: The 三区 of 三区两线: areas around which mines are in the visible range.
SENSITIVE_AREA_CLASSES = _codes(
    "sensitive area class",
    ("nature_reserve", "自然保护区", "nature reserve", ("保护区", "自然保护地", "protected area")),
    ("scenic_area", "风景名胜区", "scenic area", ("景区", "风景区", "scenic")),
    ("residential", "居民集中生活区", "residential area", ("城镇", "居民区", "村庄", "urban")),
)

#: Land-cover classes for categorical rasters (e.g. forest share for 林木绿化率).
LAND_COVER_CLASSES = _codes(
    "land-cover class",
    ("forest", "林地", "forest", ("森林", "乔木林地", "tree cover")),
    ("shrub", "灌木林地", "shrubland", ("灌木",)),
    ("grassland", "草地", "grassland", ("草",)),
    ("cropland", "耕地", "cropland", ("农田",)),
    ("wetland", "湿地", "wetland", ()),
    ("water", "水域", "water", ("水体",)),
    ("built_up", "建设用地", "built-up", ("城乡建设用地", "建筑", "urban")),
    ("bare", "裸地", "bare land", ("未利用地",)),
)


def normalise_codes(codes: CodeList, values: Any) -> list[str | None]:
    """:func:`normalise_code` for a whole column, each distinct value looked up once."""
    return normalised_codes(codes, values).tolist()


def normalised_codes(codes: CodeList, values: Any) -> np.ndarray:
    """:func:`normalise_codes` as an object array (None where missing or unknown)."""
    return code_array(codes, values, _unequal_to_itself)[0]


def _unequal_to_itself(v: Any) -> bool:
    """None, or a value unequal to itself (NaN, NaT); pd.NA too."""
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):  # pd.NA: its comparisons are NA
        return True


def code_array(codes: CodeList, values: Any, is_null: Callable[[Any], bool]) -> tuple[np.ndarray, np.ndarray]:
    """The English codes of a column as an object array (None where missing or unknown), and where it is missing.

    ``is_null(value)`` says which values are missing.  Each distinct value is looked up once and the
    codes spread over the rows with numpy (a column of a million rows holds a handful of distinct
    values): the same result as ``[None if is_null(v) else normalise_code(codes, v) for v in values]``.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(values, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):
        values = list(values)
    try:
        positions, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values: one by one
        positions, uniques = None, []
    uniques = list(uniques)
    if positions is None or not all(type(u) is str for u in uniques):
        # numbers, booleans, bytes …: factorize takes 1, 1.0 and True for one value, their text differs
        rows = list(values)
        missing = np.array([bool(is_null(v)) for v in rows], dtype=bool)
        out = np.array([None if m else normalise_code(codes, v) for v, m in zip(rows, missing)] + [None], dtype=object)[:-1]
        return out, missing
    table = np.array([normalise_code(codes, u) for u in uniques] + [None], dtype=object)
    out = table[positions]  # -1 (a value pandas takes for missing) -> None
    missing = np.zeros(len(out), dtype=bool)
    for i in np.flatnonzero(positions < 0):  # None, NaN, NA, NaT …: as is_null says
        v = values.iloc[i] if isinstance(values, pd.Series) else values[i]
        if is_null(v):
            missing[i] = True
        else:
            out[i] = normalise_code(codes, v)
    return out, missing


def normalise_code(codes: CodeList, value: Any) -> str | None:
    """Return the English code for ``value`` (English, Chinese or an alias), or None if unknown."""
    if value is None:
        return None
    return codes.lookup().get(str(value).strip().casefold())
