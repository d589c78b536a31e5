"""Scripted audits (规划指标审计): a TOML config in, indicators against targets out.

A config names the layers (or a manifest holding them), the zones, the
settings and the indicators with their targets; it may start from a preset
(targets from a real plan, each citing its source) and override any of it.
:func:`load_config` checks the whole config up front against :data:`SPEC`
(errors name the key and its line); :func:`run_audit` measures every
indicator and returns an :class:`AuditResult`, which :mod:`ecozone.report`
writes as JSON, CSV, Markdown and HTML.

Config format (paths relative to the config file)::

    title = "烟台市 2025 目标审计"
    preset = "shandong-city-2025"      # optional: see PRESETS
    manifest = "manifest.toml"         # optional: layers and rasters from a manifest
    # crs = "EPSG:4549"                # optional measurement CRS

    [layers.redline_2020]              # more layers, same keys as a manifest's
    file = "redline_2020.gpkg"
    kind = "redline"
    crs = "gcj02"
    fields = { type = "红线类型" }

    [zones]
    districts = "districts"            # layer names
    bays = "bays"

    [settings]
    include_islands = false
    estuarine = "artificial"           # artificial | natural | exclude
    view_distance_m = 1000

    [indicators.coastline_retention]   # an indicator of the catalogue, by its id …
    target = 37
    [indicators.retention_sishili]     # … or any name, saying which indicator it is
    indicator = "coastline_retention"
    bay = "四十里湾"
    target = 40

Example
-------
>>> from ecozone.audit import INDICATORS, PRESETS
>>> INDICATORS["coastline_retention"].unit, PRESETS["national"]["indicators"]["coastline_retention"]["target"]
('%', 35)
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import crs as _crs
from .atlas import _LAYER_KEYS, _MANIFEST_KEYS, _RASTER_KEYS, RASTER_KINDS, Atlas, _checked_entry, _LayerSpec
from .errors import ConfigError, CRSError
from .measure.coastline import MAINLAND_AND_ISLANDS
from .measure.conflicts import SEVERITIES
from .schema import KINDS, LAND_COVER_CLASSES, Code, CodeList, normalise_code
from .units import M2_PER_HA

__all__ = ["Choices", "Indicator", "INDICATORS", "PRESETS", "SPEC", "AuditConfig", "AuditResult", "load_config", "load_atlas",
           "run_audit"]


# ----------------------------------------------------------------------------- the config spec

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

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, t: v >= t - 1e-9,
    ">": lambda v, t: v > t,
    "<=": lambda v, t: v <= t + 1e-9,
    "<": lambda v, t: v < t,
    "==": lambda v, t: abs(v - t) <= 1e-9,
}
_ESTUARINE = ("artificial", "natural", "exclude")


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


def _schema_codes(kind: str, name: str) -> Choices:
    """The code list of a coded field of :data:`ecozone.schema.KINDS` (the one place code lists are kept)."""
    codes = KINDS[kind].field(name).codes
    assert codes is not None, (kind, name)
    return Choices(codes)


#: Severities of conflict findings, from :data:`ecozone.measure.conflicts.SEVERITIES` (code -> Chinese label).
_SEVERITY = Choices(CodeList("severity", tuple(Code(code, zh, code) for code, zh in SEVERITIES.items())))
#: What ``[settings]`` values must be: the check and the fix, by key (types are in :data:`SPEC`).
_SETTING_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "view_distance_m": (lambda v: v > 0, "a distance in metres greater than 0 (default 1000)"),
    "observer_m": (lambda v: v >= 0, "a height in metres of 0 or more (default 1.7)"),
    "target_m": (lambda v: v >= 0, "a height in metres of 0 or more (default 0)"),
    "curvature_coeff": (lambda v: v >= 0, "a coefficient of 0 (flat Earth) or more, as gdal_viewshed -cc; default 0.85714"),
    "search_m": (lambda v: v > 0, "a distance in metres greater than 0 (default 1000)"),
}


# ----------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class Indicator:
    """One spatial indicator: id, labels, unit, formula, the default comparison, and how to compute it.

    ``params`` are the keys a config entry may add: ``(types, help)`` or
    ``(types, help, choices)`` where :class:`Choices` lists the values a text
    parameter may take (checked, and turned into the English code, when the
    config is loaded); ``compute(ctx, params)`` returns ``(value, details, tables)``, or None for
    the value when the atlas lacks what it needs (status ``not_applicable``).
    """

    id: str
    zh: str
    en: str
    unit: str
    formula: str
    compute: Callable[..., tuple[float | None, dict[str, Any], dict[str, pd.DataFrame]]]
    operator: str = ">="
    target: float | None = None
    params: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


class _Context:
    """What indicators share during one run: the atlas, the settings, and measurements made once."""

    def __init__(self, atlas: Atlas, zones: dict[str, Any], settings: dict[str, Any]):
        self.atlas = atlas
        self.settings = settings
        self.zone_field = zones.get("zone_field", "name")
        self.districts_name = zones.get("districts") or next(iter(atlas.names("district")), None)
        self.bays_name = zones.get("bays") or next(iter(atlas.names("bay")), None)
        self._cache: dict[Any, Any] = {}

    @property
    def districts(self) -> gpd.GeoDataFrame | None:
        return self.atlas[self.districts_name] if self.districts_name else None

    @property
    def bays(self) -> gpd.GeoDataFrame | None:
        return self.atlas[self.bays_name] if self.bays_name else None

    def first(self, kind: str) -> gpd.GeoDataFrame | None:
        names = self.atlas.names(kind)
        return self.atlas[names[0]] if names else None

    def once(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def _zone_row(table: pd.DataFrame, zone: str | None, column: str = "zone") -> pd.Series | None:
    from .prepare import TOTAL

    rows = table[table[column].astype(str) == (zone if zone is not None else TOTAL)]
    return rows.iloc[0] if len(rows) else None


def _unknown_zone(ctx: _Context, zone: str, what: str = "district") -> ConfigError:
    names = ctx.districts[ctx.zone_field].astype(str).tolist() if what == "district" else ctx.bays["name"].astype(str).tolist()
    return ConfigError(f"no {what} named {zone!r}; fix: use one of {', '.join(names)}")


def _retention(ctx: _Context, p: dict) -> tuple:
    from .measure.coastline import coastline_label, coastline_retention

    coast = ctx.first("coastline")
    if coast is None or (p.get("zone") and ctx.districts is None) or (p.get("bay") and ctx.bays is None):
        return None, {}, {}
    r = ctx.once("retention", lambda: coastline_retention(
        coast, zones=ctx.districts, bays=ctx.bays, zone_field=ctx.zone_field,
        include_islands=ctx.settings.get("include_islands", False), estuarine=ctx.settings.get("estuarine", "artificial")))
    if p.get("bay"):
        row = _zone_row(r.by_bay, p["bay"], "bay")
        if row is None:
            raise _unknown_zone(ctx, p["bay"], "bay")
    elif p.get("zone"):
        row = _zone_row(r.by_zone, p["zone"])
        if row is None:
            raise _unknown_zone(ctx, p["zone"])
    else:
        row = pd.Series({"total_km": r.total_km, "natural_km": r.natural_km, "retention": r.retention})
    value = None if pd.isna(row["retention"]) else float(row["retention"]) * 100
    # which coastline the figure is on: the report shows it beside the figure
    coastline = coastline_label(ctx.settings.get("include_islands", False))
    return value, {"natural_km": float(row["natural_km"]), "total_km": float(row["total_km"]), "coastline": coastline}, {}


def _redline_layers(ctx: _Context, realm: str | None) -> gpd.GeoDataFrame | None:
    from .measure.conflicts import of_realm

    return of_realm(ctx.atlas.of_kind("redline"), realm) if ctx.atlas.names("redline") else None


def _redline_coverage(ctx: _Context, p: dict) -> tuple:
    from .measure.coverage import coverage

    red = _redline_layers(ctx, p.get("realm", "land"))
    if red is None or ctx.districts is None:
        return None, {}, {}
    table = ctx.once(("redline_coverage", p.get("realm", "land")), lambda: coverage(ctx.districts, red, zone_field=ctx.zone_field))
    row = _zone_row(table, p.get("zone"))
    if row is None:
        raise _unknown_zone(ctx, p["zone"])
    return float(row["covered_share"]) * 100, {"covered_km2": float(row["covered_km2"])}, {}


def _redline_not_reduced(ctx: _Context, p: dict) -> tuple:
    baseline = p["baseline"]
    if baseline not in ctx.atlas or ctx.atlas.layers[baseline].kind != "redline_baseline":
        raise ConfigError(f"baseline layer {baseline!r} is not a redline_baseline layer of the audit; "
                          f"fix: add [layers.{baseline}] with kind = \"redline_baseline\"")
    current = _redline_layers(ctx, p.get("realm"))
    if current is None:
        return None, {}, {}
    lost = redline_loss(ctx.atlas[baseline], current)
    before = float(shapely.union_all(ctx.atlas[baseline].geometry.values).area) / M2_PER_HA
    after = float(shapely.union_all(current.geometry.values).area) / M2_PER_HA
    details = {"baseline_ha": before, "current_ha": after, "change_ha": after - before, "polygons_lost": len(lost)}
    return float(lost["lost_ha"].sum()), details, {"redline_lost": lost}


def redline_loss(baseline: gpd.GeoDataFrame, current: gpd.GeoDataFrame, *, tolerance_m2: float = 1.0) -> pd.DataFrame:
    """The baseline red-line polygons not wholly kept in the current red line (面积不减少 check).

    Returns one row per baseline polygon that lost more than ``tolerance_m2``:
    ``id``, ``name``, ``type``, ``baseline_ha``, ``lost_ha``, ``lost_share``
    (0–1).  Both layers are measured in the baseline's (projected) CRS.
    """
    from .prepare import prepare_layers

    notes: list[str] = []
    base, moved = prepare_layers(baseline, {"current": current}, notes, zones_name="baseline")
    kept = shapely.union_all(moved["current"].geometry.values)
    geoms = base.geometry.values
    lost = shapely.area(shapely.difference(geoms, kept))
    area = shapely.area(geoms)
    mask = lost > tolerance_m2
    out = pd.DataFrame(
        {
            "id": base["id"].to_numpy()[mask] if "id" in base.columns else np.flatnonzero(mask),
            "name": base["name"].to_numpy()[mask] if "name" in base.columns else None,
            "type": base["type"].to_numpy()[mask] if "type" in base.columns else None,
            "baseline_ha": area[mask] / M2_PER_HA,
            "lost_ha": lost[mask] / M2_PER_HA,
            "lost_share": lost[mask] / np.where(area[mask] > 0, area[mask], 1.0),
        }
    )
    return out.reset_index(drop=True)


def _restoration_area(ctx: _Context, p: dict) -> tuple:
    from .measure.restoration import restoration_progress

    projects = ctx.first("restoration")
    if projects is None:
        return None, {}, {}
    status = p.get("status", "completed")
    got = restoration_progress(projects, 0.0, type=p.get("type"), until=p.get("until"), status=status,
                               zones=ctx.districts if p.get("zone") else None, zone=p.get("zone"), zone_field=ctx.zone_field)
    return got["achieved_ha"], {"projects": got["projects"], "overlap_ha": got["overlap_ha"], "status": got["status"]}, {}


def _river_designation(ctx: _Context, p: dict) -> tuple:
    from .measure.rivers import river_designation

    rivers = ctx.first("river")
    if rivers is None or ctx.districts is None:
        return None, {}, {}
    by_zone, missing = ctx.once(("rivers", p.get("until")), lambda: river_designation(
        rivers, ctx.districts, zone_field=ctx.zone_field, until=p.get("until")))
    row = _zone_row(by_zone, p.get("zone"))
    if row is None:
        raise _unknown_zone(ctx, p["zone"])
    value = None if pd.isna(row["designated_share"]) else float(row["designated_share"]) * 100
    return value, {"river_km": float(row["river_km"]), "designated_km": float(row["designated_km"])}, {"rivers_undesignated": missing}


def _mines_in_view(ctx: _Context) -> gpd.GeoDataFrame:
    from .measure.mines import DEFAULT_CURVATURE_COEFF, atlas_mines_in_view

    return ctx.once("mines_in_view", lambda: atlas_mines_in_view(
        ctx.atlas, ctx.settings.get("view_distance_m", 1000.0), observer_m=ctx.settings.get("observer_m", 1.7),
        target_m=ctx.settings.get("target_m", 0.0), curvature_coeff=ctx.settings.get("curvature_coeff", DEFAULT_CURVATURE_COEFF)))


def _mine_rate(ctx: _Context, p: dict) -> tuple:
    from .measure.mines import mine_restoration

    mines = ctx.first("mine")
    if mines is None:
        return None, {}, {}
    tables: dict[str, pd.DataFrame] = {}
    method: dict[str, str] = {}
    if p.get("scope", "all") == "in_view":
        if not (ctx.atlas.names("transport") or ctx.atlas.names("sensitive_area") or ctx.atlas.names("river")):
            return None, {}, {}
        view = _mines_in_view(ctx)
        tables["mines_in_view"] = pd.DataFrame(view.drop(columns=view.geometry.name))
        mines = view[view["in_view"]]
        # how the visible range was decided (distances, and with a DEM the line-of-sight method and its parameters)
        sight = [n for n in view.attrs.get("notes", []) if n.startswith("line of sight")]
        method = {"visible_range": f"within {ctx.settings.get('view_distance_m', 1000.0):g} m of a class"
                  + (f"; {sight[0]}" if sight else "; no DEM: distance only")}
    table = mine_restoration(mines, ctx.districts, zone_field=ctx.zone_field) if ctx.districts is not None else mine_restoration(mines)
    if "zone" not in table.columns:
        table.insert(0, "zone", "total")
    status = p.get("status", "historic")
    rows = table[(table["zone"] == (p.get("zone") or "total")) & ((table["status"] == status) if status != "all" else True)]
    count = int(rows["mines"].sum())
    if count == 0:
        return None, {"mines": 0, **method}, tables
    if p.get("basis", "count") == "area":
        area = float(rows["area_ha"].sum())
        value = float(rows["restored_ha"].sum()) / area * 100 if area > 0 else None
    else:
        value = float(rows["restored"].sum()) / count * 100
    return value, {"mines": count, "restored": int(rows["restored"].sum()), "area_ha": float(rows["area_ha"].sum()),
                   "restored_ha": float(rows["restored_ha"].sum()), **method}, tables


def _ranches(ctx: _Context, p: dict, *, area: bool) -> tuple:
    from .validate import coded_field

    ranches = ctx.first("marine_ranch")
    if ranches is None:
        return None, {}, {}
    keep = np.ones(len(ranches), dtype=bool)
    for key in ("level", "type"):
        if p.get(key):
            from .schema import KINDS, normalise_code

            wanted = normalise_code(KINDS["marine_ranch"].field(key).codes, p[key])
            if wanted is None:
                raise ConfigError(f"{key} {p[key]!r} unknown; fix: use one of {KINDS['marine_ranch'].field(key).codes.describe()}")
            keep &= coded_field(ranches, "marine_ranch", key) == wanted
    chosen = ranches[keep]
    if area:
        return float(shapely.union_all(chosen.geometry.values).area) / 1e6 if len(chosen) else 0.0, {"ranches": int(keep.sum())}, {}
    return float(keep.sum()), {}, {}


def _land_cover_share(ctx: _Context, p: dict) -> tuple:
    names = [p["raster"]] if p.get("raster") else ctx.atlas.raster_names("land_cover")
    if not names or ctx.districts is None:
        return None, {}, {}
    raster = ctx.atlas.rasters.get(names[0])
    if raster is None:
        raise ConfigError(f"no raster named {names[0]!r}; fix: use one of {', '.join(ctx.atlas.rasters) or '(none)'}")
    table = ctx.once(("zonal", raster.name), lambda: land_cover_table(raster, ctx.districts, ctx.zone_field))
    cls = p.get("class", "forest")
    zone = p.get("zone") or "total"
    rows = table[(table["zone"] == zone) & (table["land_cover"] == cls)]
    if zone != "total" and not (table["zone"] == zone).any():
        raise _unknown_zone(ctx, zone)
    value = float(rows["share"].sum()) * 100 if len(rows) else 0.0
    return value, {"class_ha": float(rows["area_ha"].sum()) if len(rows) else 0.0}, {"land_cover": table}


def land_cover_table(raster, zones: gpd.GeoDataFrame, zone_field: str = "name") -> pd.DataFrame:
    """Class areas and shares per zone of an atlas land-cover raster, and for the union of the zones
    (zone ``total``); ``land_cover`` names each cell value's class (forest, cropland …)."""
    from .prepare import TOTAL
    from .measure.zonal import zonal

    union = gpd.GeoDataFrame({zone_field: [TOTAL]}, geometry=[shapely.union_all(zones.geometry.values)], crs=zones.crs)
    table = pd.concat([zonal(raster.path, zones, categorical=True, zone_field=zone_field),
                       zonal(raster.path, union, categorical=True, zone_field=zone_field)], ignore_index=True)
    classes = raster.classes or {}
    table.insert(2, "land_cover", [classes.get(int(v), str(int(v))) if pd.notna(v) else None for v in table["class"]])
    return table


def _violations(ctx: _Context, p: dict) -> tuple:
    from .measure.conflicts import atlas_conflicts

    found = ctx.once("conflicts", lambda: atlas_conflicts(ctx.atlas, search_m=ctx.settings.get("search_m", 1000.0)))
    severity = p.get("severity", "violation")
    return float((found["severity"] == severity).sum()), {}, {"conflicts": found}


_ZONE = {"zone": ((str,), "a district's name: the figure for that district instead of the city")}
_RANCH = {"level": ((str,), "national, provincial or city", _schema_codes("marine_ranch", "level")),
          "type": ((str,), "ranch type", _schema_codes("marine_ranch", "type"))}

INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        Indicator("coastline_retention", "大陆自然岸线保有率", "natural mainland coastline retention", "%",
                  "(natural + restored-natural coastline length) ÷ mainland coastline length × 100", _retention, ">=",
                  params={**_ZONE, "bay": ((str,), "a bay's name: the figure for that bay")}),
        Indicator("redline_coverage", "生态保护红线面积占比", "red-line share of the area", "%",
                  "red-line area (dissolved) inside the zone ÷ zone area × 100", _redline_coverage, ">=",
                  params={**_ZONE, "realm": ((str,), "land (default) or marine", _schema_codes("redline", "realm"))}),
        Indicator("redline_not_reduced", "生态保护红线面积不减少", "red-line area not reduced", "ha",
                  "area of the baseline red line not inside the current red line (any loss fails)", _redline_not_reduced,
                  "<=", 0.0, params={"baseline": ((str,), "layer name of the baseline red line (required)"),
                                     "realm": ((str,), "land or marine: compare only that part of the current red line",
                                               _schema_codes("redline", "realm"))}),
        Indicator("restoration_area", "生态修复面积", "restored area", "ha",
                  "union area of the restoration projects of the type and status, up to the year", _restoration_area, ">=",
                  params={**_ZONE, "type": ((str,), "restoration type, e.g. coastal_wetland / 滨海湿地", _schema_codes("restoration", "type")),
                          "status": ((str, list), "statuses counted (default completed)", _schema_codes("restoration", "status")),
                          "until": ((int,), "count projects of this year or earlier")}),
        Indicator("river_designation_share", "美丽幸福河湖覆盖率", "river length designated", "%",
                  "designated river length ÷ river length × 100", _river_designation, ">=",
                  params={**_ZONE, "until": ((int,), "count designations of this year or earlier")}),
        Indicator("mine_restoration_rate", "矿山地质环境治理率", "mine restoration rate", "%",
                  "restored mines ÷ mines × 100 (by count or by area)", _mine_rate, ">=",
                  params={**_ZONE, "status": ((str,), "historic (default), production, closed or all",
                                             Choices(KINDS["mine"].field("status").codes, ("all",))),
                          "basis": ((str,), "count (default) or area", Choices(words=("count", "area"))),
                          "scope": ((str,), "all (default) or in_view: the 三区两线 visible range", Choices(words=("all", "in_view")))}),
        Indicator("ranch_count", "海洋牧场数量", "marine ranches", "count", "number of marine ranches of the level and type",
                  lambda ctx, p: _ranches(ctx, p, area=False), ">=",
                  params=_RANCH),
        Indicator("ranch_area", "海洋牧场面积", "marine ranch area", "km²", "union area of the marine ranches of the level and type",
                  lambda ctx, p: _ranches(ctx, p, area=True), ">=",
                  params=_RANCH),
        Indicator("land_cover_share", "土地覆盖栅格类型占比(如森林/林地覆盖)", "land-cover raster class share (e.g. forest cover)", "%",
                  "area of the raster class in the zone ÷ zone area with data × 100 (fractional cells); with class=forest "
                  "the 森林/林地覆盖 share of the raster's forest class, not the official 林木绿化率, which also counts "
                  "shrub land (灌木林地) and scattered trees (四旁树) over the total land area", _land_cover_share, ">=",
                  params={**_ZONE, "class": ((str,), "land-cover class (default forest)", Choices(LAND_COVER_CLASSES)),
                          "raster": ((str,), "raster name (default: the first land_cover raster)")}),
        Indicator("violations", "违规冲突数", "violations", "count",
                  "number of conflict findings of the severity (red line: mines, ranches, projects)", _violations, "<=", 0.0,
                  params={"severity": ((str,), "violation (default), warning or info", _SEVERITY)}),
    )
}


# ----------------------------------------------------------------------------- presets

#: Targets from published plans.  Each indicator carries the source it comes from.
PRESETS: dict[str, dict[str, Any]] = {
    "national": {
        "title": "全国 自然岸线保有率 ≥ 35 %",
        "source": "海岸线保护与利用管理办法 (国家海洋局, 2017): 全国自然岸线保有率不低于35% (不含海岛岸线)",
        "indicators": {"coastline_retention": {"target": 35}},
    },
    "shandong-city-2025": {
        "title": "山东沿海城市 2025 (自然岸线保有率 ≥ 37 %, 滨海湿地修复 ≥ 120 公顷)",
        "source": "a Shandong coastal city's 2025 美丽城市/生态文明 action plan, targets as quoted in ecozone's design "
                  "notes (DESIGN.md §1); check them against the city's published text",
        "indicators": {
            "coastline_retention": {"target": 37},
            "coastal_wetland_restoration": {"indicator": "restoration_area", "type": "coastal_wetland",
                                            "until": 2025, "target": 120},
        },
    },
    "qingdao-2025": {
        "title": "青岛市 2025 自然岸线保有率 ≥ 41.68 %",
        "source": "青岛市 2025 年目标: 大陆自然岸线保有率不低于 41.68% (as quoted in ecozone's design notes, DESIGN.md §1)",
        "indicators": {"coastline_retention": {"target": 41.68}},
    },
    "shandong-2020-mines": {
        "title": "山东省 2020 矿山治理 (历史遗留、生产矿山治理率 ≥ 60 %)",
        "source": "山东省 2020 年矿山地质环境治理目标: 历史遗留矿山与生产矿山治理率 ≥ 60% (as quoted in ecozone's design "
                  "notes, DESIGN.md §1-2)",
        "indicators": {
            "historic_mine_restoration": {"indicator": "mine_restoration_rate", "status": "historic", "target": 60},
            "production_mine_restoration": {"indicator": "mine_restoration_rate", "status": "production", "target": 60},
        },
    },
}


# ----------------------------------------------------------------------------- loading


@dataclass
class AuditConfig:
    """A checked config: where it is, its raw text's sha256, and its parts with the preset merged in.

    ``layer_kinds`` and ``raster_kinds`` are the kinds of every layer and raster the audit will
    read (the manifest's and the config's own); ``text`` is the config's text (for the line of a
    key in messages) and ``manifest_doc`` the manifest as it was checked.
    """

    path: Path
    sha256: str
    title: str
    preset: str | None
    manifest: Path | None
    crs: str | None
    lang: str
    layers: dict[str, Any]
    rasters: dict[str, Any]
    zones: dict[str, Any]
    settings: dict[str, Any]
    indicators: dict[str, dict[str, Any]]
    layer_kinds: dict[str, str] = field(default_factory=dict)
    raster_kinds: dict[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    manifest_doc: dict[str, Any] | None = field(default=None, repr=False)

    def files(self) -> list[Path]:
        """Every file the audit will read, known before any is: the config, the manifest, and the ``file`` of
        each layer and raster (a manifest's relative to the manifest, the config's relative to the config)."""
        files = [self.path] + ([self.manifest] if self.manifest is not None else [])
        tables = []
        if self.manifest is not None and self.manifest_doc is not None:
            tables += [(self.manifest.parent, e) for key in ("layers", "rasters")
                       for e in (self.manifest_doc.get(key) or {}).values()]
        tables += [(self.path.parent, e) for e in (*self.layers.values(), *self.rasters.values())]
        for root, entry in tables:
            if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                files.append(root / entry["file"])
        return files


_HEADER = re.compile(r"^\[\[?\s*([^\[\]=,#]+?)\s*\]\]?\s*(?:#.*)?$")


def _dotted(raw: str) -> str:
    """``indicators . "四十里湾"`` -> ``indicators.四十里湾`` (a TOML table header as a key path)."""
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def _line(text: str, section: str, key: str | None) -> int:
    """The 1-based line of ``key`` inside ``[section]`` (``key = …``, the header of the table
    ``[section.key]``, or a dotted ``section.key = …`` at the top), else of the section header, else
    of the inline table holding the section (``NAME = { … }``); 0 if not found."""
    target = f"{section}.{key}" if section and key is not None else (key if key is not None else section)
    assign = re.compile(rf"^[\"']?{re.escape(key)}[\"']?\s*[=.]") if key is not None else None
    dotted = re.compile(r"^" + r"\s*\.\s*".join(rf"[\"']?{re.escape(part)}[\"']?" for part in target.split(".")) + r"\s*=")
    current = ""
    header_line = table_line = dotted_line = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = _HEADER.match(line)
        if m:
            current = _dotted(m.group(1))
            if key is not None and not table_line and (current == target or current.startswith(target + ".")):
                table_line = n
            if current == section and section and not header_line:
                header_line = n
                if key is None:
                    return n
            continue
        if assign is not None and current == section and assign.match(line):
            return n
        if current == "" and section and not dotted_line and dotted.match(line):
            dotted_line = n
    found = table_line or dotted_line or header_line
    if not found and "." in section:  # [indicators] x = { target = 250 }: the line of x
        parent, _, last = section.rpartition(".")
        return _line(text, parent, last)
    return found


def _one_line(message: str) -> str:
    return message.replace("\r", "\\r").replace("\n", "\\n")


def _fail(path: Path, text: str, section: str, key: str | None, problem: str, fix: str) -> ConfigError:
    where = f"[{section}] " if section else ""
    name = f"{where}{key}" if key else where.strip()
    line = _line(text, section, key)
    at = f" (line {line})" if line else ""
    return ConfigError(_one_line(f"{path}: {name}{at}: {problem}; fix: {fix}"))


def _suggest(value: Any, spellings: Any) -> str:
    """``did you mean 'violation'? `` when a spelling is close to ``value``, else ''."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(s) for s in spellings], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


_TYPE_NAMES = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true/false", "dict": "a table",
               "list": "a list"}


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _check_keys(path: Path, text: str, section: str, table: Mapping[str, Any], spec: Mapping[str, tuple]) -> None:
    for key, value in table.items():
        if key not in spec:
            what = "unknown table" if isinstance(value, dict) else "unknown key"
            raise _fail(path, text, section, key, what, f"{_suggest(key, spec)}use one of {', '.join(spec)}")
        types = spec[key][0]
        if not _type_ok(value, types):
            names = " or ".join(_TYPE_NAMES[t.__name__] for t in types)
            raise _fail(path, text, section, key, f"{value!r} is not {names}", f"write {key} as {names}")


def _number(path: Path, text: str, section: str, key: str, value: Any, ok: Callable[[float], bool], must: str) -> None:
    """Refuse a number that is nan, infinite or outside what ``ok`` allows (``must`` says what it must be)."""
    if not math.isfinite(value) or not ok(value):
        raise _fail(path, text, section, key, f"{value!r} is out of range", f"give {must}")


def _target_check(unit: str) -> tuple[Callable[[float], bool], str]:
    """What a target in ``unit`` must be, and how to say it."""
    if unit == "%":
        return (lambda v: 0 <= v <= 100), "a share in % from 0 to 100"
    if unit == "count":
        return (lambda v: v >= 0 and float(v).is_integer()), "a count: a whole number of 0 or more"
    return (lambda v: v >= 0), f"an amount in {unit} of 0 or more"


def _check_settings(path: Path, text: str, settings: dict[str, Any]) -> dict[str, Any]:
    """``[settings]``: known keys of the right type, distances finite and positive, rules known."""
    _check_keys(path, text, "settings", settings, SPEC["settings"])
    for key, (ok, must) in _SETTING_RANGES.items():
        if key in settings:
            _number(path, text, "settings", key, settings[key], ok, must)
    if settings.get("estuarine", "artificial") not in _ESTUARINE:
        raise _fail(path, text, "settings", "estuarine", f"{settings['estuarine']!r} is not a rule",
                    f"{_suggest(settings['estuarine'], _ESTUARINE)}use one of {', '.join(_ESTUARINE)}")
    if "river_widths" in settings:
        levels = _schema_codes("river", "level")
        widths = {}
        for level, width in settings["river_widths"].items():
            code = levels.normalise(level)
            if code is None:
                raise _fail(path, text, "settings", "river_widths", f"{level!r} is not a river level",
                            f"{_suggest(level, levels.spellings())}use one of {levels.describe()}")
            if not _type_ok(width, (int, float)) or not math.isfinite(width) or width <= 0:
                raise _fail(path, text, "settings", "river_widths", f"{level} = {width!r} is not a width",
                            "give a width in metres greater than 0")
            widths[code] = width
        settings = {**settings, "river_widths": widths}
    return settings


#: Types of the keys of a ``[layers.NAME]`` / ``[rasters.NAME]`` table (keys not listed: any type).
_ENTRY_TYPES: dict[str, tuple[type, ...]] = {
    "file": (str,), "kind": (str,), "crs": (str, int), "layer": (str, int), "encoding": (str,), "source": (str,),
    "licence": (str,), "illustrative": (bool,), "title": (str,), "fields": (dict,), "classes": (dict,),
}


def _check_entries(path: Path, text: str, section: str, tables: dict[str, Any]) -> dict[str, str]:
    """The config's own ``[layers.NAME]`` or ``[rasters.NAME]`` tables, without reading a file;
    returns their kinds by name."""
    keys, kinds = (_LAYER_KEYS, KINDS) if section == "layers" else (_RASTER_KEYS, RASTER_KINDS)
    found: dict[str, str] = {}
    for name, entry in tables.items():
        where = f"{section}.{name}"
        if not isinstance(entry, dict):
            raise _fail(path, text, section, name, "is not a table", f"write it as [{where}] with file and kind")
        for key, value in entry.items():
            if key not in keys:
                raise _fail(path, text, where, key, "unknown key", f"{_suggest(key, keys)}use only {', '.join(sorted(keys))}")
            if key in _ENTRY_TYPES and not _type_ok(value, _ENTRY_TYPES[key]):
                names = " or ".join(_TYPE_NAMES[t.__name__] for t in _ENTRY_TYPES[key])
                raise _fail(path, text, where, key, f"{value!r} is not {names}", f"write {key} as {names}")
        for key in ("file", "kind"):
            if key not in entry:
                raise _fail(path, text, where, None, f"'{key}' is missing", f"add {key} = \"…\"")
        if entry["kind"] not in kinds:
            raise _fail(path, text, where, "kind", f"kind {entry['kind']!r} is unknown",
                        f"{_suggest(entry['kind'], kinds)}use one of {', '.join(kinds)}")
        if section == "layers" and "crs" in entry:
            try:
                _crs.parse_crs(entry["crs"], what="crs")
            except CRSError as exc:
                problem, _, fix = str(exc).partition("; fix: ")
                raise _fail(path, text, where, "crs", problem, fix or "give an EPSG code") from None
        if "fields" in entry and not all(isinstance(v, str) for v in entry["fields"].values()):
            raise _fail(path, text, where, "fields", "must map ecozone names to your column names",
                        'fields = { class = "岸线类型" }')
        found[name] = entry["kind"]
    return found


def _read_manifest(config: Path, text: str, manifest: Path, raw_value: Any) -> dict[str, Any]:
    """Read and check a manifest named by the config, without reading its layers.  A problem
    names the manifest and says that the config's ``manifest`` key referred to it."""

    def broken(problem: str) -> ConfigError:
        line = _line(text, "", "manifest")
        at = f" (line {line})" if line else ""
        return ConfigError(_one_line(f"{config}: manifest{at}: the manifest it names is broken: {problem}"))

    if not manifest.is_file():
        raise _fail(config, text, "", "manifest", f"{raw_value} not found ({manifest})",
                    "give the path of a manifest.toml (or of its folder) relative to the config")
    try:
        doc = tomllib.loads(manifest.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise broken(f"{manifest}: cannot be read ({exc.strerror}); fix: check its permissions") from None
    except UnicodeDecodeError:
        raise broken(f"{manifest}: not UTF-8 text; fix: save the manifest as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise broken(f"{manifest}: not valid TOML ({exc}); fix: correct the syntax at that line") from None
    unknown = sorted(set(doc) - _MANIFEST_KEYS)
    if unknown:
        raise broken(f"{manifest}: unknown key {unknown[0]!r}; fix: {_suggest(unknown[0], _MANIFEST_KEYS)}"
                     f"use only {', '.join(sorted(_MANIFEST_KEYS))}")
    for key in ("layers", "rasters"):
        if not isinstance(doc.get(key, {}), dict):
            raise broken(f"{manifest}: {key} is not a table; fix: write [{key}.NAME] tables with file and kind")
    for key in ("name", "title", "description", "crs"):
        if key in doc and not isinstance(doc[key], str):
            raise broken(f"{manifest}: {key} {doc[key]!r} is not text; fix: write {key} = \"…\"")
    if "credits" in doc and not (isinstance(doc["credits"], list) and all(isinstance(c, str) for c in doc["credits"])):
        raise broken(f"{manifest}: credits is not a list of text; fix: write credits = [\"…\", \"…\"]")
    try:
        for lname, entry in doc.get("layers", {}).items():
            _LayerSpec.from_manifest(manifest, lname, entry)  # keys, kind, crs, fields: no file is read
        for rname, entry in doc.get("rasters", {}).items():
            _checked_entry(manifest, "rasters", rname, entry, _RASTER_KEYS, RASTER_KINDS)
    except ConfigError as exc:
        raise broken(str(exc)) from None
    return doc


def _check_indicator(path: Path, text: str, name: str, entry: dict[str, Any], merged: dict[str, Any],
                     layer_kinds: Mapping[str, str], raster_kinds: Mapping[str, str]) -> dict[str, Any]:
    """One ``[indicators.NAME]`` entry (``entry`` as written, ``merged`` with its preset): keys,
    types, parameter values, target and operator, the layers it names.  Returns ``merged`` with
    coded values as their English codes."""
    section = f"indicators.{name}"
    ind_id = merged.get("indicator", name)
    if ind_id not in INDICATORS:
        raise _fail(path, text, section, "indicator" if "indicator" in entry else None, f"{ind_id!r} is not an indicator",
                    f"{_suggest(ind_id, INDICATORS)}use one of {', '.join(INDICATORS)}")
    ind = INDICATORS[ind_id]
    spec = {**SPEC["indicator"], **ind.params}
    _check_keys(path, text, section, entry, spec)
    operator = merged.get("operator", ind.operator)
    if operator not in _OPERATORS:
        raise _fail(path, text, section, "operator", f"{operator!r} is not an operator", f"use one of {', '.join(_OPERATORS)}")
    out = dict(merged)
    for key, declared in ind.params.items():
        if key not in merged:
            continue
        value = merged[key]
        choices = declared[2] if len(declared) > 2 else None
        if choices is not None:
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not value:
                raise _fail(path, text, section, key, "is an empty list", f"give one or more of {choices.describe()}")
            codes = []
            for v in values:
                code = choices.normalise(v)
                if code is None:
                    raise _fail(path, text, section, key, f"{v!r} is not a {key} ecozone knows",
                                f"{_suggest(v, choices.spellings())}use one of {choices.describe()}")
                codes.append(code)
            out[key] = codes if isinstance(value, list) else codes[0]
        elif isinstance(value, str) and not value.strip():
            raise _fail(path, text, section, key, "is empty", f"name one, or leave {key} out")
    if "zone" in out and "bay" in out:
        raise _fail(path, text, section, "bay", "zone and bay are both given",
                    "give zone (a district) or bay, not both: one indicator table for each")
    if "until" in out and not 1900 <= out["until"] <= 2100:
        raise _fail(path, text, section, "until", f"{out['until']!r} is not a year", "give a year such as 2025")
    if "target" in merged:
        ok, must = _target_check(ind.unit)
        _number(path, text, section, "target", merged["target"], ok, must)
    if ind_id == "redline_not_reduced":
        baseline = out.get("baseline")
        if baseline is None:
            raise _fail(path, text, section, None, "needs a baseline red-line layer", "add baseline = \"LAYER NAME\"")
        if layer_kinds.get(baseline) != "redline_baseline":
            have = [n for n, k in layer_kinds.items() if k == "redline_baseline"]
            problem = (f"layer {baseline!r} is a {layer_kinds[baseline]} layer, not a redline_baseline layer"
                       if baseline in layer_kinds else f"no layer named {baseline!r}")
            fix = (f"use one of {', '.join(have)}" if have
                   else f"add [layers.{baseline}] with kind = \"redline_baseline\" and the earlier red line's file")
            raise _fail(path, text, section, "baseline", problem, fix)
    if "raster" in out and raster_kinds.get(out["raster"]) != "land_cover":
        have = [n for n, k in raster_kinds.items() if k == "land_cover"]
        problem = (f"raster {out['raster']!r} is a {raster_kinds[out['raster']]} raster, not a land_cover raster"
                   if out["raster"] in raster_kinds else f"no raster named {out['raster']!r}")
        raise _fail(path, text, section, "raster", problem,
                    f"use one of {', '.join(have)}" if have else "add [rasters.NAME] with kind = \"land_cover\"")
    return out


#: Layer kinds each ``[zones]`` key may name.
_ZONE_KINDS = {"districts": ("district", "sea_zone"), "bays": ("bay",)}


def load_config(path: str | Path) -> AuditConfig:
    """Read and check an audit config (TOML) completely, before any layer is read; merge its preset.

    Checked: every key and table against :data:`SPEC` and the indicators'
    parameters, value types, parameter values against the code lists of
    :mod:`ecozone.schema` (Chinese names accepted, kept as the English code),
    targets finite and in range for their unit, settings in range, the
    manifest (read and checked, not its layers), every ``[layers.NAME]`` /
    ``[rasters.NAME]`` table, and that ``[zones]``, ``baseline`` and ``raster``
    name layers of the right kind.  Every problem raises
    :class:`ecozone.errors.ConfigError`: one line naming the file, the key,
    its line and the fix.  ``ecozone audit`` and ``ecozone validate`` both
    call this, then :func:`load_atlas`, which reads the layers and checks
    what needs their contents (zone and bay names) before anything is measured.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config not found; fix: check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config; fix: give the audit's .toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror}); fix: check the path and permissions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; fix: save the config as UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_one_line(f"{path}: not valid TOML: {exc}; fix: correct the syntax at that line")) from None
    _check_keys(path, text, "", doc, SPEC[""])
    lang = doc.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise _fail(path, text, "", "lang", f"{lang!r} is not a language ecozone writes", "use zh or en")
    preset = doc.get("preset")
    if preset is not None and preset not in PRESETS:
        raise _fail(path, text, "", "preset", f"{preset!r} is not a preset", f"{_suggest(preset, PRESETS)}use one of {', '.join(PRESETS)}")
    if doc.get("crs") is not None:
        try:
            _crs.check_measurement_crs(doc["crs"])
        except CRSError as exc:
            problem, _, fix = str(exc).partition("; fix: ")
            raise _fail(path, text, "", "crs", problem, fix or "give a projected CRS in metres") from None
    zones = dict(doc.get("zones", {}))
    _check_keys(path, text, "zones", zones, SPEC["zones"])
    for key, value in zones.items():
        if not value.strip():
            raise _fail(path, text, "zones", key, "is empty", f"name a layer or a field, or leave {key} out")
    settings = _check_settings(path, text, dict(doc.get("settings", {})))

    # the layers the audit will read: the manifest's, then the config's own (by name and kind, no file read)
    manifest = doc.get("manifest")
    manifest_path = (path.parent / manifest).resolve() if manifest else None
    if manifest_path is not None and manifest_path.is_dir():
        manifest_path = manifest_path / "manifest.toml"
    manifest_doc = _read_manifest(path, text, manifest_path, manifest) if manifest_path is not None else None
    layer_kinds = {n: e["kind"] for n, e in (manifest_doc or {}).get("layers", {}).items()}
    raster_kinds = {n: e["kind"] for n, e in (manifest_doc or {}).get("rasters", {}).items()}
    layer_kinds.update(_check_entries(path, text, "layers", doc.get("layers", {})))
    raster_kinds.update(_check_entries(path, text, "rasters", doc.get("rasters", {})))
    if not layer_kinds:
        raise _fail(path, text, "", None, "no layers", "add [layers.NAME] tables or manifest = \"manifest.toml\" with layers")
    for key, kinds in _ZONE_KINDS.items():
        lname = zones.get(key)
        if lname is None:
            continue
        have = [n for n, k in layer_kinds.items() if k in kinds]
        if lname not in layer_kinds:
            raise _fail(path, text, "zones", key, f"no layer named {lname!r}",
                        f"{_suggest(lname, have)}use one of {', '.join(have)}" if have else f"add a {' or '.join(kinds)} layer")
        if layer_kinds[lname] not in kinds:
            raise _fail(path, text, "zones", key, f"layer {lname!r} is a {layer_kinds[lname]} layer, not a {' or '.join(kinds)} layer",
                        f"use one of {', '.join(have)}" if have else f"name a layer of kind {' or '.join(kinds)}")

    indicators: dict[str, dict[str, Any]] = {}
    if preset is not None:
        for name, entry in PRESETS[preset]["indicators"].items():
            indicators[name] = {**entry, "source": PRESETS[preset]["source"]}
    for name, entry in doc.get("indicators", {}).items():
        if not isinstance(entry, dict):
            raise _fail(path, text, "indicators", name, "is not a table", f"write it as [indicators.{name}] with target = …")
        merged = {**indicators.get(name, {}), **entry}
        if "target" in entry and "source" not in entry:
            merged.pop("source", None)  # the user's own target: the preset's source no longer applies
        indicators[name] = _check_indicator(path, text, name, entry, merged, layer_kinds, raster_kinds)
    return AuditConfig(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), title=str(doc.get("title", path.stem)), preset=preset,
        manifest=manifest_path, crs=doc.get("crs"), lang=lang, layers=dict(doc.get("layers", {})),
        rasters=dict(doc.get("rasters", {})), zones=zones, settings=settings, indicators=indicators,
        layer_kinds=layer_kinds, raster_kinds=raster_kinds, text=text, manifest_doc=manifest_doc,
    )


def load_atlas(config: AuditConfig) -> Atlas:
    """The audit's layers (manifest first, then the config's own) as one validated Atlas.

    Then, before anything is measured, what needs the layers' contents: the
    zone field of the districts, and every indicator's ``zone`` and ``bay``
    (a district / bay of those layers) and land-cover ``class`` (the raster
    must say which cell value is which class).
    """
    layers: dict[str, Any] = {}
    rasters: dict[str, Any] = {}
    credits: list[str] = []
    name = config.path.stem
    if config.manifest is not None:
        doc = config.manifest_doc
        if doc is None:
            doc = _read_manifest(config.path, config.text, config.manifest, config.manifest)
        for lname, entry in (doc.get("layers") or {}).items():
            layers[lname] = _rebase(entry, config.manifest.parent)
        for rname, entry in (doc.get("rasters") or {}).items():
            rasters[rname] = _rebase(entry, config.manifest.parent)
        credits = [str(c) for c in doc.get("credits", [])]
        name = str(doc.get("name", name))
    layers.update(config.layers)
    rasters.update(config.rasters)
    atlas = Atlas.from_tables(config.path, layers, rasters, name=name, title=config.title, crs=config.crs, credits=credits)
    for key in ("districts", "bays"):
        lname = config.zones.get(key)
        if lname is not None and lname not in atlas:
            raise ConfigError(f"{config.path}: [zones] {key}: no layer {lname!r}; fix: use one of {', '.join(atlas.layers)}")
    _check_against_layers(config, atlas)
    return atlas


def _check_against_layers(config: AuditConfig, atlas: Atlas) -> None:
    """The checks that need the layers' contents, run by :func:`load_atlas` before any measurement."""
    from .validate import ROW

    path, text = config.path, config.text
    ctx = _Context(atlas, config.zones, config.settings)
    districts = ctx.districts
    if districts is not None and ctx.zone_field not in districts.columns:
        fields = [c for c in districts.columns if c not in (districts.geometry.name, ROW)]
        raise _fail(path, text, "zones", "zone_field", f"layer {ctx.districts_name!r} has no field {ctx.zone_field!r}",
                    f"{_suggest(ctx.zone_field, fields)}use one of {', '.join(map(str, fields))}")
    if districts is not None:  # a district named total/outside would take over the city-wide row
        from .prepare import check_zone_names

        check_zone_names(districts, ctx.zone_field, name=ctx.districts_name)
    zone_names = districts[ctx.zone_field].astype(str).tolist() if districts is not None else []
    bay_names = ctx.bays["name"].astype(str).tolist() if ctx.bays is not None else []

    def listed(names: list[str]) -> str:
        return ", ".join(names[:30]) + (f" … ({len(names)} in all)" if len(names) > 30 else "")

    for name, entry in config.indicators.items():
        section = f"indicators.{name}"
        if entry.get("zone") and districts is not None and str(entry["zone"]) not in zone_names:
            raise _fail(path, text, section, "zone", f"no district named {entry['zone']!r} in layer {ctx.districts_name!r}",
                        f"{_suggest(entry['zone'], zone_names)}use one of {listed(zone_names)}")
        if entry.get("bay") and ctx.bays is not None and str(entry["bay"]) not in bay_names:
            raise _fail(path, text, section, "bay", f"no bay named {entry['bay']!r} in layer {ctx.bays_name!r}",
                        f"{_suggest(entry['bay'], bay_names)}use one of {listed(bay_names)}")
        if entry.get("indicator", name) == "river_designation_share":  # the field the measure reads, checked now
            for lname in atlas.names("river"):
                frame = atlas[lname]
                wanted = ["designation"] + (["designation_year"] if entry.get("until") is not None else [])
                missing = [f for f in wanted if f not in frame.columns]
                if missing:
                    fields = [c for c in frame.columns if c not in (frame.geometry.name, ROW)]
                    raise _fail(path, text, section, None, f"layer {lname!r} has no field {missing[0]!r} saying which rivers "
                                f"are designated (fields: {', '.join(map(str, fields))})",
                                f"map your column to it in [layers.{lname}] fields = {{ {missing[0]} = \"<your column>\" }}")
        if entry.get("indicator", name) == "land_cover_share":
            names = [entry["raster"]] if entry.get("raster") else atlas.raster_names("land_cover")
            raster = atlas.rasters.get(names[0]) if names else None
            if raster is not None and not raster.classes:
                raise _fail(path, text, section, "class", f"raster {raster.name!r} does not say which cell value is which class",
                            f"add classes = {{ 1 = \"forest\", … }} to [rasters.{raster.name}]")


def _rebase(entry: Any, root: Path) -> Any:
    """A manifest's layer entry with its file made absolute (it is relative to the manifest's folder)."""
    if not isinstance(entry, dict) or "file" not in entry:
        return entry
    return {**entry, "file": str((root / str(entry["file"])).resolve())}


# ----------------------------------------------------------------------------- running


@dataclass
class AuditResult:
    """What an audit found: the indicators with their status, the tables behind them, the inputs."""

    config: AuditConfig
    atlas: Atlas
    indicators: list[dict[str, Any]]
    tables: dict[str, pd.DataFrame]
    inputs: list[dict[str, Any]]
    generated_at: str

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [i for i in self.indicators if i["status"] == "fail"]

    @property
    def exit_code(self) -> int:
        """0 when every target passes (not applicable ones aside), 1 when any fails."""
        return 1 if self.failed else 0


def run_audit(config: AuditConfig | str | Path, *, progress: Callable[[str], None] | None = None) -> AuditResult:
    """Load the layers, measure every indicator of the config, judge it against its target."""
    if not isinstance(config, AuditConfig):
        config = load_config(config)
    say = progress or (lambda _msg: None)
    say("reading and validating the layers")
    atlas = load_atlas(config)
    ctx = _Context(atlas, config.zones, config.settings)
    results: list[dict[str, Any]] = []
    tables: dict[str, pd.DataFrame] = {}
    for name, entry in config.indicators.items():
        ind = INDICATORS[entry.get("indicator", name)]
        params = {k: v for k, v in entry.items() if k in ind.params}
        say(f"measuring {name}")
        try:
            value, details, found = ind.compute(ctx, params)
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: [indicators.{name}]: {exc}") from None
        for tname, table in found.items():
            tables.setdefault(tname, table)
        target = entry.get("target", ind.target)
        operator = entry.get("operator", ind.operator)
        zh, en = ind.zh, ind.en
        if details.get("coastline") == MAINLAND_AND_ISLANDS:  # the plans' 大陆 would be wrong: islands are in the figure
            zh, en = "自然岸线保有率(大陆及海岛岸线)", "natural coastline retention, mainland and islands"
        if value is None or target is None:
            status = "not_applicable"
        else:
            status = "pass" if _OPERATORS[operator](value, float(target)) else "fail"
        results.append(
            {
                "id": name,
                "indicator": ind.id,
                "label_zh": entry.get("label", zh) if config.lang == "zh" else zh,
                "label_en": entry.get("label", en) if config.lang == "en" else en,
                "unit": ind.unit,
                "formula": ind.formula,
                "params": params,
                "value": value,
                "operator": operator,
                "target": target,
                "status": status,
                "source": entry.get("source"),
                "details": details,
            }
        )
    inputs = _inputs(atlas, config)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return AuditResult(config=config, atlas=atlas, indicators=results, tables=tables, inputs=inputs, generated_at=now)


def _inputs(atlas: Atlas, config: AuditConfig) -> list[dict[str, Any]]:
    """Every input file with its path (relative to the config), sha256 and feature count."""
    rows = [{"name": "config", "kind": "config", "path": config.path.name, "sha256": config.sha256, "features": None}]
    for layer in atlas.layers.values():
        rows.append({"name": layer.name, "kind": layer.kind, "path": _relative(layer.path, config.path.parent),
                     "sha256": _sha256(layer.path), "features": layer.report.features_read if layer.report else len(layer.frame)})
    for raster in atlas.rasters.values():
        rows.append({"name": raster.name, "kind": raster.kind, "path": _relative(raster.path, config.path.parent),
                     "sha256": _sha256(raster.path), "features": None})
    return rows


def _relative(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    import os

    try:
        return Path(os.path.relpath(path, base.resolve())).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _sha256(path: str | None) -> str | None:
    """sha256 of the file; for a Shapefile, of its .shp, .shx, .dbf, .prj and .cpg in that order."""
    if path is None:
        return None
    p = Path(path)
    parts = [p.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")] if p.suffix.lower() == ".shp" else [p]
    digest = hashlib.sha256()
    for part in parts:
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()

