"""Layer kinds: one declarative table of what each layer must hold.

Each :class:`LayerKind` names its geometry family, its fields (required and
optional), the code lists of coded fields and zh/en labels.  Validation, the
CLI help, reports and maps all read this table; nothing else defines a field.

Values of coded fields may be given in English codes or in Chinese (基岩,
砂质, 人工 …); :func:`normalise_code` maps both to the English code (the code lists are in
:mod:`ecozone.codes`, every name importable from here).  Columns
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
from typing import Literal

from .codes import (  # noqa: F401  (the code lists: importable from here as before)
    COASTLINE_CLASSES,
    Code,
    CodeList,
    LAND_COVER_CLASSES,
    MINE_RESTORATION,
    MINE_STATUS,
    NATURAL_CLASSES,
    RANCH_LEVELS,
    RANCH_TYPES,
    REALMS,
    REDLINE_TYPES,
    RESTORATION_STATUS,
    RESTORATION_TYPES,
    RIVER_LEVELS,
    SENSITIVE_AREA_CLASSES,
    TRANSPORT_CLASSES,
    normalise_code,
    normalise_codes,
)
from .land_classes import LAND_CLASSES

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
        LayerKind(
            "built_up_area",
            "城市建成区",
            "built-up urban area",
            ("polygon",),
            (_ID, _NAME, Field("year", "年份", "year", dtype="int")),
            "The city's built-up area (城市建成区): the boundary an area share such as 海绵城市建设面积占比 is of.",
        ),
        LayerKind(
            "sponge_city",
            "海绵城市达标片区",
            "sponge-city compliant area",
            ("polygon",),
            (_ID, _NAME, Field("year", "达标年份", "year reached", dtype="int")),
            "Areas that meet the sponge-city standard (海绵城市达标片区), for 海绵城市建设面积占建成区面积比例.",
        ),
        LayerKind(
            "land_survey",
            "地类图斑",
            "land survey parcels (DLTB)",
            ("polygon",),
            (
                _ID,
                Field("BSM", "标识码", "feature identifier"),
                Field("TBBH", "图斑编号", "parcel number"),
                Field("DLBM", "地类编码", "land class code", required=True, dtype="code", codes=LAND_CLASSES),
                Field("DLMC", "地类名称", "land class name"),
                Field("QSDWDM", "权属单位代码", "owner unit code"),
                Field("QSDWMC", "权属单位名称", "owner unit name"),
                Field("ZLDWDM", "座落单位代码", "location unit code (19 characters: county 6, township 9, village 12)"),
                Field("ZLDWMC", "座落单位名称", "location unit name"),
                Field("KCDLBM", "扣除地类编码", "deducted land class code"),
                Field("KCXS", "扣除地类系数", "deduction coefficient (三调)", dtype="float"),
                Field("TKXS", "田坎系数", "field-ridge coefficient (二调)", dtype="float"),
                Field("TBMJ", "图斑面积", "parcel area (m², ellipsoidal)", dtype="float"),
                Field("KCMJ", "扣除地类面积", "deducted area (m², 三调)", dtype="float"),
                Field("TKMJ", "田坎面积", "field-ridge area (m², 二调)", dtype="float"),
                Field("TBDLMJ", "图斑地类面积", "parcel land-class area (m², net)", dtype="float"),
                Field("BGRQ", "变更日期", "change date"),
            ),
            "地类图斑 (DLTB) of the national land survey (三调, 国土变更调查; 二调's TKXS/TKMJ too), its fields under "
            "the standard's codes or their Chinese names; DLBM per GB/T 21010-2017 / the 三调 working classification.",
        ),
    )
}


def label(kind: str, lang: str = "zh") -> str:
    """The zh or en label of a layer kind, e.g. ``label("redline") == "生态保护红线"``."""
    k = KINDS[kind]
    return k.zh if lang == "zh" else k.en


#: Kinds of raster an atlas may hold: a DEM (line of sight), a land-cover map (class shares), any other.
RASTER_KINDS = {"dem": "数字高程模型", "land_cover": "土地覆盖", "continuous": "栅格数据"}

#: How estuarine shoreline (河口岸线) counts in natural-coastline retention: as artificial (the
#: default), as natural, or excluded from both the natural length and the total.
ESTUARINE_RULES = ("artificial", "natural", "exclude")

#: The file formats ``ecozone export`` writes, and their suffixes.
EXPORT_FORMATS = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "shp": ".shp"}
