"""Layer kinds: one declarative table of what each layer must hold.

Each :class:`LayerKind` names its geometry family, its fields (required and
optional), the code lists of coded fields and zh/en labels.  Validation, the
CLI help, reports and maps all read this table; nothing else defines a field.

Values of coded fields may be given in English codes or in Chinese (基岩,
砂质, 人工 …); :func:`normalise_code` maps both to the English code.  Columns
may be named by the English field name or by its Chinese label (岸线类型).

Example
-------
>>> from ecozone.schema import KINDS, normalise_code
>>> KINDS["coastline"].field("class").codes.codes
('bedrock', 'sandy', 'muddy', 'biological', 'restored_natural', 'artificial', 'estuarine')
>>> normalise_code(KINDS["coastline"].field("class").codes, "砂质")
'sandy'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

__all__ = [
    "Code",
    "CodeList",
    "Field",
    "LayerKind",
    "KINDS",
    "COASTLINE_CLASSES",
    "LAND_COVER_CLASSES",
    "NATURAL_CLASSES",
    "normalise_code",
    "normalise_codes",
    "label",
]

GeometryFamily = Literal["polygon", "line", "point"]


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


@dataclass(frozen=True)
class Field:
    """A field of a layer kind.  ``dtype`` is ``str``, ``int``, ``float``, ``bool`` or ``code``."""

    name: str
    zh: str
    en: str
    required: bool = False
    dtype: str = "str"
    codes: CodeList | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer: its geometry family, fields and labels."""

    name: str
    zh: str
    en: str
    geometry: tuple[GeometryFamily, ...]
    fields: tuple[Field, ...] = field(default_factory=tuple)
    description: str = ""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)


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

_ID = Field("id", "编号", "id", aliases=("code", "编码", "fid"))
_NAME = Field("name", "名称", "name", aliases=("名字",))
_NAME_REQUIRED = Field("name", "名称", "name", required=True, aliases=("名字",))
_NAME_EN = Field("name_en", "英文名称", "English name")
_DISTRICT = Field("district", "区县", "district", aliases=("区县名称",))

_REDLINE_FIELDS = (
    _ID,
    _NAME,
    Field("type", "红线类型", "red-line type", required=True, dtype="code", codes=REDLINE_TYPES),
    Field("realm", "陆海", "land or marine", dtype="code", codes=REALMS),
)

KINDS: dict[str, LayerKind] = {
    k.name: k
    for k in (
        LayerKind(
            "district",
            "行政区",
            "administrative district",
            ("polygon",),
            (_ID, _NAME_REQUIRED, _NAME_EN, Field("parent", "上级", "parent")),
            "Administrative districts (区县); they must tile the city without gaps or overlaps.",
        ),
        LayerKind(
            "sea_zone",
            "海域分区",
            "sea zone",
            ("polygon",),
            (_ID, _NAME_REQUIRED, _DISTRICT, Field("approximate", "近似", "approximate", dtype="bool")),
            "Sea areas assigned to districts, official or derived by ecozone.sea_zones().",
        ),
        LayerKind(
            "land",
            "陆地",
            "land",
            ("polygon",),
            (_ID, _NAME, Field("island", "海岛", "island", dtype="bool")),
            "Land that is never sea: the neighbouring cities, islands, a shoreline's land polygons "
            "(e.g. GSHHG's); sea zones leave it out.",
        ),
        LayerKind(
            "redline",
            "生态保护红线",
            "ecological protection red line",
            ("polygon",),
            _REDLINE_FIELDS,
            "Ecological protection red line (layer code STBHHX); land and marine.",
        ),
        LayerKind(
            "redline_baseline",
            "生态保护红线(基线)",
            "ecological protection red line, baseline",
            ("polygon",),
            _REDLINE_FIELDS,
            "An earlier red line (e.g. the 2020 delineation) the current one must not shrink from (面积不减少).",
        ),
        LayerKind("bay", "海湾", "bay", ("polygon",), (_ID, _NAME_REQUIRED, _NAME_EN), "Beautiful-bay sea polygons."),
        LayerKind(
            "river",
            "河湖",
            "river or lake",
            ("line", "polygon"),
            (
                _ID,
                _NAME_REQUIRED,
                _NAME_EN,
                Field("level", "河流等级", "river level", required=True, dtype="code", codes=RIVER_LEVELS),
                Field("designation", "美丽幸福河湖", "beautiful-river designation"),
                Field("designation_year", "命名年份", "designation year", dtype="int"),
                Field("buffer_m", "缓冲带宽度(米)", "buffer width (m)", dtype="float"),
            ),
            "Rivers as lines, lakes and reservoirs as polygons.",
        ),
        LayerKind(
            "mine",
            "矿山",
            "mine",
            ("polygon", "point"),
            (
                _ID,
                _NAME,
                Field("status", "矿山类型", "mine status", required=True, dtype="code", codes=MINE_STATUS),
                Field(
                    "restoration",
                    "治理状态",
                    "restoration status",
                    required=True,
                    dtype="code",
                    codes=MINE_RESTORATION,
                ),
                Field("mineral", "矿种", "mineral"),
            ),
            "Historic (abandoned), production and closed mines.",
        ),
        LayerKind(
            "marine_ranch",
            "海洋牧场",
            "marine ranch",
            ("polygon",),
            (
                _ID,
                _NAME,
                Field("level", "级别", "level", required=True, dtype="code", codes=RANCH_LEVELS),
                Field("type", "牧场类型", "ranch type", required=True, dtype="code", codes=RANCH_TYPES),
                Field("year", "批准年份", "year approved", dtype="int"),
            ),
            "Marine ranches (海洋牧场), national demonstration areas and provincial ones.",
        ),
        LayerKind(
            "coastline",
            "海岸线",
            "coastline",
            ("line",),
            (
                _ID,
                _NAME,
                Field("class", "岸线类型", "coastline class", required=True, dtype="code", codes=COASTLINE_CLASSES),
                Field("island", "海岛岸线", "island shoreline", dtype="bool"),
                Field("core_m", "核心区退缩距离(米)", "core setback (m)", dtype="float"),
                Field("general_m", "一般控制区退缩距离(米)", "general setback (m)", dtype="float"),
            ),
            "Mean spring high-tide line, as segments with a class each.",
        ),
        LayerKind(
            "restoration",
            "生态修复项目",
            "restoration project",
            ("polygon",),
            (
                _ID,
                _NAME,
                Field("type", "修复类型", "restoration type", required=True, dtype="code", codes=RESTORATION_TYPES),
                Field("status", "实施状态", "status", required=True, dtype="code", codes=RESTORATION_STATUS),
                Field("year", "年份", "year", required=True, dtype="int"),
            ),
            "Ecological restoration projects (生态修复工程).",
        ),
        LayerKind(
            "project",
            "建设项目",
            "construction project",
            ("polygon", "line", "point"),
            (_ID, _NAME_REQUIRED, Field("type", "项目类型", "project type"), Field("year", "年份", "year", dtype="int")),
            "Planned construction footprints, checked against the red line.",
        ),
        LayerKind(
            "transport",
            "交通干线",
            "main road or railway",
            ("line",),
            (_ID, _NAME, Field("class", "类别", "class", required=True, dtype="code", codes=TRANSPORT_CLASSES)),
            "Main roads and railways (两线): mines within sight of them are in the visible range.",
        ),
        LayerKind(
            "sensitive_area",
            "三区范围",
            "nature reserve, scenic or residential area",
            ("polygon",),
            (_ID, _NAME, Field("class", "类别", "class", required=True, dtype="code", codes=SENSITIVE_AREA_CLASSES)),
            "Nature reserves, scenic areas and residential areas (三区) for the mines' visible range.",
        ),
        LayerKind(
            "wind_farm",
            "海上风电场",
            "offshore wind farm",
            ("polygon",),
            (_ID, _NAME, Field("capacity_mw", "装机容量(兆瓦)", "capacity (MW)", dtype="float")),
            "Offshore wind farm sites; marine ranches sharing them are 风渔融合 (information).",
        ),
    )
}


def normalise_codes(codes: CodeList, values: Any) -> list[str | None]:
    """:func:`normalise_code` for a whole column, each distinct value looked up once."""
    values = list(values)
    known = {v: normalise_code(codes, v) for v in set(v for v in values if v is not None and v == v)}
    return [known.get(v) if v is not None and v == v else None for v in values]


def normalise_code(codes: CodeList, value: Any) -> str | None:
    """Return the English code for ``value`` (English, Chinese or an alias), or None if unknown."""
    if value is None:
        return None
    return codes.lookup().get(str(value).strip().casefold())


def label(kind: str, lang: str = "zh") -> str:
    """The zh or en label of a layer kind, e.g. ``label("redline") == "生态保护红线"``."""
    k = KINDS[kind]
    return k.zh if lang == "zh" else k.en
