"""What an audit config may hold (审计配置规格): the :data:`SPEC` table of keys, types and help, the
comparison operators, the value lists of parameters (:class:`Choices`) and the ranges of settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..measure.conflicts import SEVERITIES
from ..schema import KINDS, Code, CodeList, normalise_code

#: Every key a config may hold: section -> {key: (types, help)}.  ``*`` is any table name.
SPEC: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "": {
        "title": ((str,), "the audit's title, shown on the report"),
        "preset": ((str,), "targets of a published plan to start from (see PRESETS)"),
        "manifest": ((str,), "a manifest.toml whose layers and rasters the audit uses"),
        "crs": ((str,), "measurement CRS (default: the Gauss-Krüger zone of the data)"),
        "lang": ((str,), "zh or en: the language of report.md and report.html"),
        "layers": ((dict,), "[layers.NAME] tables, as in a manifest"),
        "rasters": ((dict,), "[rasters.NAME] tables, as in a manifest"),
        "zones": ((dict,), "[zones]: which layers are the districts and the bays"),
        "settings": ((dict,), "[settings]: measurement rules"),
        "indicators": ((dict,), "[indicators.NAME] tables: indicator, target, operator and parameters"),
    },
    "zones": {
        "districts": ((str,), "layer of the districts (default: the first district layer)"),
        "bays": ((str,), "layer of the bays (default: the first bay layer)"),
        "zone_field": ((str,), "field naming the zones (default name)"),
    },
    "settings": {
        "include_islands": ((bool,), "count island shoreline in coastline retention (default false)"),
        "estuarine": ((str,), "estuarine shoreline counts as artificial (default), natural, or is excluded"),
        "view_distance_m": ((int, float), "三区两线 visible-range distance in metres (default 1000)"),
        "observer_m": ((int, float), "observer height for the DEM line of sight (default 1.7)"),
        "target_m": ((int, float), "height above the ground of the mine's points looked at (default 0)"),
        "curvature_coeff": ((int, float), "Earth curvature and refraction, as gdal_viewshed -cc (default 0.85714; 0: flat)"),
        "search_m": ((int, float), "radius for 'near' conflict findings (default 1000)"),
        "river_widths": ((dict,), "river buffer width per level, e.g. { trunk = 50, tributary = 20 }"),
    },
    "indicator": {
        "indicator": ((str,), "the catalogue id (default: the table's name)"),
        "target": ((int, float), "the target value, in the indicator's unit"),
        "operator": ((str,), "how the value must compare with the target: >=, >, <=, <, =="),
        "label": ((str,), "a label for this indicator on the report"),
        "source": ((str,), "where the target comes from (plan, article)"),
    },
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, t: v >= t - 1e-9,
    ">": lambda v, t: v > t,
    "<=": lambda v, t: v <= t + 1e-9,
    "<": lambda v, t: v < t,
    "==": lambda v, t: abs(v - t) <= 1e-9,
}
ESTUARINE = ("artificial", "natural", "exclude")


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
#: What ``[settings]`` values must be: the check and the fix, by key (types are in :data:`SPEC`).
SETTING_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "view_distance_m": (lambda v: v > 0, "a distance in metres greater than 0 (default 1000)"),
    "observer_m": (lambda v: v >= 0, "a height in metres of 0 or more (default 1.7)"),
    "target_m": (lambda v: v >= 0, "a height in metres of 0 or more (default 0)"),
    "curvature_coeff": (lambda v: v >= 0, "a coefficient of 0 (flat Earth) or more, as gdal_viewshed -cc; default 0.85714"),
    "search_m": (lambda v: v > 0, "a distance in metres greater than 0 (default 1000)"),
}



#: Types of the keys of a ``[layers.NAME]`` / ``[rasters.NAME]`` table (keys not listed: any type).
ENTRY_TYPES: dict[str, tuple[type, ...]] = {
    "file": (str,), "kind": (str,), "crs": (str, int), "layer": (str, int), "encoding": (str,), "source": (str,),
    "licence": (str,), "illustrative": (bool,), "title": (str,), "fields": (dict,), "classes": (dict,),
}


#: Layer kinds each ``[zones]`` key may name.
ZONE_KINDS = {"districts": ("district", "sea_zone"), "bays": ("bay",)}


TYPE_NAMES = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true/false", "dict": "a table",
               "list": "a list"}


def type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)
