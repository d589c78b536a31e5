"""What an audit config may hold (审计配置规格): :data:`AUDIT_SPEC` (keys, types, allowed values,
ranges, zh/en help: the checks, ``CONFIG.md`` and ``ecozone config-schema audit`` all read it), the
comparison operators and the value lists of parameters (:class:`Choices`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..measure.conflicts import SEVERITIES
from ..config_spec import Key, Table
from ..manifest import LAYER_SPEC, RASTER_SPEC
from ..schema import ESTUARINE_RULES, KINDS, Code, CodeList, normalise_code

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, t: v >= t - 1e-9,
    ">": lambda v, t: v > t,
    "<=": lambda v, t: v <= t + 1e-9,
    "<": lambda v, t: v < t,
    "==": lambda v, t: abs(v - t) <= 1e-9,
    "~": lambda v, t: abs(v - t) <= 1e-9,  # 左右: within the indicator's ``tolerance`` (see :func:`compare`)
}


def compare(operator: str, value: float, target: float, tolerance: float | None = None) -> bool:
    """Whether ``value`` meets ``target`` by ``operator``; ``~`` (左右) passes when |value − target| ≤ tolerance.

    >>> compare("~", 58.0, 60, 2.5), compare("~", 57.0, 60, 2.5), compare(">=", 37.0, 37)
    (True, False, True)
    """
    if operator == "~":
        return abs(value - target) <= (tolerance or 0.0) + 1e-9
    return OPERATORS[operator](value, target)

#: ``[settings]``: the measurement rules of an audit.
SETTINGS_SPEC = Table({
    "include_islands": Key("boolean", "count island shoreline in coastline retention", "自然岸线保有率是否计入海岛岸线",
                           default=False),
    "estuarine": Key("text", "estuarine shoreline counts as artificial, natural, or is excluded",
                     "河口岸线计为人工岸线、自然岸线或不计入", choices=ESTUARINE_RULES, default="artificial"),
    "view_distance_m": Key("number", "三区两线 visible-range distance in metres", "三区两线可视范围距离(米)", above=0,
                           default=1000),
    "observer_m": Key("number", "observer height for the DEM line of sight, in metres", "视线分析观察者高度(米)",
                      minimum=0, default=1.7),
    "target_m": Key("number", "height above the ground of the mine's points looked at, in metres",
                    "矿山被观察点离地高度(米)", minimum=0, default=0),
    "curvature_coeff": Key("number", "Earth curvature and refraction, as gdal_viewshed -cc (0: flat)",
                           "地球曲率与大气折光系数, 同 gdal_viewshed -cc (0: 平面)", minimum=0, default=0.85714),
    "search_m": Key("number", "radius for 'near' conflict findings, in metres", "冲突分析“邻近”半径(米)", above=0,
                    default=1000),
    "river_widths": Key("table", "river buffer width per level in metres, e.g. { trunk = 50, tributary = 20 }",
                        "各级河流缓冲宽度(米)", table=Table({}, other=Key("number", "width in metres", "宽度(米)", above=0))),
}, "measurement rules", "量算规则")

#: ``[zones]``: which layers are the districts and the bays.
ZONES_SPEC = Table({
    "districts": Key("text", "layer of the districts (default: the first district layer)", "区县图层(默认: 第一个区县图层)"),
    "bays": Key("text", "layer of the bays (default: the first bay layer)", "海湾图层(默认: 第一个海湾图层)"),
    "zone_field": Key("text", "field naming the zones (default name)", "分区名称字段(默认 name)"),
}, "which layers are the zones", "分区图层")

#: An ``[indicators.NAME]`` table: the keys every indicator has (each indicator adds its parameters,
#: :data:`ecozone.audit.catalogue.INDICATORS`).
INDICATOR_SPEC = Table({
    "indicator": Key("text", "the catalogue id (default: the table's name)", "指标编号(默认: 表名)"),
    "target": Key("number", "the target value, in the indicator's unit", "目标值(指标单位)"),
    "operator": Key("text", "how the value must compare with the target", "与目标值的比较方式",
                    choices=tuple(OPERATORS)),
    "tolerance": Key("number", "with operator ~ (左右): the value passes when |value − target| ≤ tolerance",
                     "比较方式为 ~ (左右) 时的容差: |数值 − 目标值| ≤ 容差即达标", minimum=0),
    "label": Key("text", "a label for this indicator on the report", "报告中的指标名称"),
    "source": Key("text", "where the target comes from (plan, article)", "目标来源(规划文件、条款)"),
}, "an indicator and its target", "指标及其目标")

#: What an audit config may hold.
AUDIT_SPEC = Table({
    "title": Key("text", "the audit's title, shown on the report", "审计标题(显示在报告上)"),
    "preset": Key("text", "targets of a published plan to start from (ecozone audit --list-presets)",
                  "以某一已发布规划的目标为起点(预设)"),
    "include": Key("list", "TOML fragments (paths relative to the config) whose [indicators] tables are added, "
                   "e.g. the file `ecozone targets -o targets.toml` writes; an indicator name may be defined once",
                   "引入的 TOML 片段(相对配置文件的路径), 其 [indicators] 指标表并入本配置; 同名指标只能定义一次",
                   each=Key("text", "a fragment's path", "片段路径")),
    "manifest": Key("text", "a manifest.toml (or its folder) whose layers and rasters the audit uses",
                    "使用其图层和栅格的 manifest.toml"),
    "crs": Key("text", "measurement CRS (default: the Gauss-Krüger zone of the data)", "量算坐标系(默认: 数据所在的高斯-克吕格带)"),
    "lang": Key("text", "the language of report.md and report.html", "报告语言", choices=("zh", "en"), default="zh"),
    "layers": Key("table", "[layers.NAME] tables, as in a manifest", "[layers.名称] 图层表, 同 manifest", each=LAYER_SPEC),
    "rasters": Key("table", "[rasters.NAME] tables, as in a manifest", "[rasters.名称] 栅格表, 同 manifest", each=RASTER_SPEC),
    "zones": Key("table", "which layers are the districts and the bays", "区县和海湾图层", table=ZONES_SPEC),
    "settings": Key("table", "measurement rules", "量算规则", table=SETTINGS_SPEC),
    "indicators": Key("table", "[indicators.NAME] tables: indicator, target, operator and parameters",
                      "[indicators.名称] 指标表", each=INDICATOR_SPEC),
}, "an audit: layers, targets and settings", "审计配置: 图层、目标与规则")

#: Every key a config may hold, as ``section -> {key: (Python types, help)}`` (``""``: the top level),
#: read from :data:`AUDIT_SPEC`.
SPEC: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    section: {name: (key.python_types(), key.en) for name, key in table.keys.items()}
    for section, table in (("", AUDIT_SPEC), ("zones", ZONES_SPEC), ("settings", SETTINGS_SPEC),
                           ("indicator", INDICATOR_SPEC))
}


@dataclass(frozen=True)
class Choices:
    """The values a text parameter may take: a code list of :mod:`ecozone.schema` (its English
    codes, Chinese names and aliases are accepted and turned into the English code) and/or plain
    words (``all``, ``in_view`` …), matched without regard to case.

    Example
    -------
    >>> from ecozone.schema import KINDS
    >>> Choices(KINDS["mine"].field("status").codes, ("all",)).normalise("历史遗留矿山")
    'historic'
    """

    codes: CodeList | None = None
    words: tuple[str, ...] = ()

    def normalise(self, value: Any) -> str | None:
        """The canonical spelling of ``value``, or None when it is not one of the choices."""
        if not isinstance(value, str):
            return None
        for word in self.words:
            if value.strip().casefold() == word.casefold():
                return word
        return normalise_code(self.codes, value) if self.codes is not None else None

    def spellings(self) -> list[str]:
        """Every accepted spelling, for suggestions."""
        return [*self.words, *(self.codes.lookup() if self.codes is not None else ())]

    def describe(self) -> str:
        """``historic (历史遗留矿山), production (生产矿山), closed (关闭矿山), all`` for messages."""
        return ", ".join([*([self.codes.describe()] if self.codes is not None else []), *self.words])


def schema_codes(kind: str, name: str) -> Choices:
    """The code list of a coded field of :data:`ecozone.schema.KINDS` (the one place code lists are kept)."""
    codes = KINDS[kind].field(name).codes
    assert codes is not None, (kind, name)
    return Choices(codes)


#: Severities of conflict findings, from :data:`ecozone.measure.conflicts.SEVERITIES` (code -> Chinese label).
SEVERITY = Choices(CodeList("severity", tuple(Code(code, zh, code) for code, zh in SEVERITIES.items())))
#: Layer kinds each ``[zones]`` key may name.
ZONE_KINDS = {"districts": ("district", "sea_zone"), "bays": ("bay",)}


#: Config types of the Python types an indicator parameter declares.
PARAM_TYPES = {str: "text", int: "integer", float: "number", list: "list", bool: "boolean"}


def param_key(declared: tuple[Any, ...], *, spellings: bool = False) -> Key:
    """An indicator parameter, ``(types, help[, choices])`` in the catalogue, as a :class:`Key`.  Its
    choices are checked by the config's checks, which accept every spelling and suggest one; with
    ``spellings=True`` (the JSON Schema) the key lists them."""
    type_ = "|".join(dict.fromkeys(PARAM_TYPES[t] for t in declared[0]))
    choices = declared[2] if len(declared) > 2 else None
    listed = tuple(dict.fromkeys(choices.spellings())) if spellings and isinstance(choices, Choices) else None
    each = Key("text", "a value", "取值", choices=listed) if listed is not None and "list" in type_ else None
    return Key(type_, declared[1], "", choices=listed, each=each)
