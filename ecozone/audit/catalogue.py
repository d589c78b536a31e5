"""The indicator catalogue (指标目录): :class:`Indicator`, how each is computed from the atlas, and
:data:`INDICATORS`, the table a config's ``[indicators.NAME]`` entries name.

Example
-------
>>> from ecozone.audit.catalogue import INDICATORS
>>> INDICATORS["coastline_retention"].unit, INDICATORS["violations"].operator
('%', '<=')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ConfigError
from ..land_classes import CULTIVATED, FOREST_COVER, TREE_COVER, WETLAND
from ..measure.figures import figures
from ..measure.redline import redline_loss
from ..schema import KINDS, LAND_COVER_CLASSES
from ..units import M2_PER_HA
from .context import Context, unknown_zone, zone_row
from .spec import SEVERITY, Choices, schema_codes


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



def retention_figures(ctx: Context):
    """The coastline retention of the audit's first coastline layer per district and per bay, with its settings
    (measured once per atlas: the indicators and the report's charts share it)."""
    return figures(ctx.atlas).retention(districts=ctx.districts_name, bays=ctx.bays_name, zone_field=ctx.zone_field,
                                        include_islands=ctx.settings.get("include_islands", False),
                                        estuarine=ctx.settings.get("estuarine", "artificial"))


def redline_coverage_table(ctx: Context, realm: str | None) -> pd.DataFrame:
    """The red line's (``realm``: land, marine, None for all) coverage of each district and of all of them."""
    return figures(ctx.atlas).coverage("redline", realm, districts=ctx.districts_name, zone_field=ctx.zone_field)


def _retention(ctx: Context, p: dict) -> tuple:
    from ..measure.coastline import coastline_label

    coast = ctx.first("coastline")
    if coast is None or (p.get("zone") and ctx.districts is None) or (p.get("bay") and ctx.bays is None):
        return None, {}, {}
    r = retention_figures(ctx)
    if p.get("bay"):
        row = zone_row(r.by_bay, p["bay"], "bay")
        if row is None:
            raise unknown_zone(ctx, p["bay"], "bay")
    elif p.get("zone"):
        row = zone_row(r.by_zone, p["zone"])
        if row is None:
            raise unknown_zone(ctx, p["zone"])
    else:
        row = pd.Series({"total_km": r.total_km, "natural_km": r.natural_km, "retention": r.retention})
    value = None if pd.isna(row["retention"]) else float(row["retention"]) * 100
    # which coastline the figure is on: the report shows it beside the figure
    coastline = coastline_label(ctx.settings.get("include_islands", False))
    return value, {"natural_km": float(row["natural_km"]), "total_km": float(row["total_km"]), "coastline": coastline}, {}


def _redline_layers(ctx: Context, realm: str | None) -> gpd.GeoDataFrame | None:
    from ..measure.conflicts import of_realm

    return of_realm(ctx.atlas.of_kind("redline"), realm) if ctx.atlas.names("redline") else None


def _redline_coverage(ctx: Context, p: dict) -> tuple:
    if not ctx.atlas.names("redline") or ctx.districts is None:
        return None, {}, {}
    table = redline_coverage_table(ctx, p.get("realm", "land"))
    row = zone_row(table, p.get("zone"))
    if row is None:
        raise unknown_zone(ctx, p["zone"])
    return float(row["covered_share"]) * 100, {"covered_km2": float(row["covered_km2"])}, {}


def _redline_not_reduced(ctx: Context, p: dict) -> tuple:
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


def _restoration_area(ctx: Context, p: dict) -> tuple:
    from ..measure.restoration import restoration_progress

    projects = ctx.first("restoration")
    if projects is None:
        return None, {}, {}
    status = p.get("status", "completed")
    got = restoration_progress(projects, 0.0, restoration_type=p.get("type"), until=p.get("until"), status=status,
                               zones=ctx.districts if p.get("zone") else None, zone=p.get("zone"), zone_field=ctx.zone_field)
    return got["achieved_ha"], {"projects": got["projects"], "overlap_ha": got["overlap_ha"], "status": got["status"]}, {}


def _river_designation(ctx: Context, p: dict) -> tuple:
    if ctx.first("river") is None or ctx.districts is None:
        return None, {}, {}
    by_zone, missing = figures(ctx.atlas).river_designation(districts=ctx.districts_name, zone_field=ctx.zone_field,
                                                            until=p.get("until"))
    row = zone_row(by_zone, p.get("zone"))
    if row is None:
        raise unknown_zone(ctx, p["zone"])
    value = None if pd.isna(row["designated_share"]) else float(row["designated_share"]) * 100
    return value, {"river_km": float(row["river_km"]), "designated_km": float(row["designated_km"])}, {"rivers_undesignated": missing}


def _mines_in_view(ctx: Context) -> gpd.GeoDataFrame:
    from ..measure.mines import DEFAULT_CURVATURE_COEFF

    return figures(ctx.atlas).mines_in_view(
        ctx.settings.get("view_distance_m", 1000.0), observer_m=ctx.settings.get("observer_m", 1.7),
        target_m=ctx.settings.get("target_m", 0.0), curvature_coeff=ctx.settings.get("curvature_coeff", DEFAULT_CURVATURE_COEFF))


def _mine_rate(ctx: Context, p: dict) -> tuple:
    from ..measure.mines import mine_restoration

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
        method = {"visible_range": view.attrs["method"]}
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


def _ranches(ctx: Context, p: dict, *, area: bool) -> tuple:
    from ..validate import coded_field

    ranches = ctx.first("marine_ranch")
    if ranches is None:
        return None, {}, {}
    keep = np.ones(len(ranches), dtype=bool)
    for key in ("level", "type"):
        if p.get(key):
            from ..schema import KINDS, normalise_code

            codes = KINDS["marine_ranch"].field(key).codes
            wanted = [normalise_code(codes, v) for v in (p[key] if isinstance(p[key], list) else [p[key]])]
            if None in wanted:
                raise ConfigError(f"{key} {p[key]!r} unknown; fix: use one of {codes.describe()}")
            keep &= np.isin(coded_field(ranches, "marine_ranch", key), np.array(wanted, dtype=object))
    chosen = ranches[keep]
    if area:
        return float(shapely.union_all(chosen.geometry.values).area) / 1e6 if len(chosen) else 0.0, {"ranches": int(keep.sum())}, {}
    return float(keep.sum()), {}, {}


def _land_cover_share(ctx: Context, p: dict) -> tuple:
    names = [p["raster"]] if p.get("raster") else ctx.atlas.raster_names("land_cover")
    if not names or ctx.districts is None:
        return None, {}, {}
    raster = ctx.atlas.rasters.get(names[0])
    if raster is None:
        raise ConfigError(f"no raster named {names[0]!r}; fix: use one of {', '.join(ctx.atlas.rasters) or '(none)'}")
    table = figures(ctx.atlas).land_cover(raster.name, districts=ctx.districts_name, zone_field=ctx.zone_field)
    cls = p.get("class", "forest")
    zone = p.get("zone") or "total"
    rows = table[(table["zone"] == zone) & (table["land_cover"] == cls)]
    if zone != "total" and not (table["zone"] == zone).any():
        raise unknown_zone(ctx, zone)
    value = float(rows["share"].sum()) * 100 if len(rows) else 0.0
    return value, {"class_ha": float(rows["area_ha"].sum()) if len(rows) else 0.0}, {"land_cover": table}


def _survey_classes(ctx: Context, p: dict, default: tuple[str, ...]) -> tuple | None:
    """The land survey's classes per district (ellipsoidal, net of 田坎): (the zone's rows, the rows of
    ``p["classes"]`` or ``default``, the table), or None without a survey or districts."""
    if not ctx.atlas.names("land_survey") or ctx.districts is None:
        return None
    table = figures(ctx.atlas).land_use(districts=ctx.districts_name, zone_field=ctx.zone_field)
    zone = p.get("zone")
    if zone and not (table["zone"].astype(str) == zone).any():
        raise unknown_zone(ctx, zone)
    rows = table[table["zone"].astype(str) == zone] if zone else table
    wanted = tuple(p.get("classes") or default)
    base = rows["class"].astype(str).str[:4]  # 0201K counts as 0201
    return rows, rows[base.isin(wanted) | rows["class"].astype(str).isin(wanted)], table, wanted


def _survey_amount(unit_column: str, default: tuple[str, ...]):
    def compute(ctx: Context, p: dict) -> tuple:
        got = _survey_classes(ctx, p, default)
        if got is None:
            return None, {}, {}
        _, chosen, table, wanted = got
        return (float(chosen[unit_column].sum()), {"classes": list(wanted), "area_ha": float(chosen["area_ha"].sum()),
                                                   "area_method": "ellipsoidal"}, {"land_use": table})

    return compute


def _survey_share(default: tuple[str, ...]):
    def compute(ctx: Context, p: dict) -> tuple:
        got = _survey_classes(ctx, p, default)
        if got is None:
            return None, {}, {}
        rows, chosen, table, wanted = got
        total = float(rows["area_ha"].sum())
        value = float(chosen["area_ha"].sum()) / total * 100 if total > 0 else None
        return value, {"classes": list(wanted), "class_ha": float(chosen["area_ha"].sum()), "surveyed_ha": total,
                       "area_method": "ellipsoidal"}, {"land_use": table}

    return compute


def _area_share(ctx: Context, p: dict) -> tuple:
    of, within = p.get("of", "sponge_city"), p.get("within", "built_up_area")
    if not ctx.atlas.names(of) or not ctx.atlas.names(within):
        return None, {}, {}
    layer = ctx.atlas.of_kind(of)
    if p.get("until") is not None and "year" in layer.columns:
        layer = layer[pd.to_numeric(layer["year"], errors="coerce").fillna(0) <= p["until"]]
    boundary = shapely.union_all(ctx.atlas.of_kind(within).geometry.values)
    inside = shapely.intersection(shapely.union_all(layer.geometry.values), boundary).area if len(layer) else 0.0
    if boundary.area <= 0:
        return None, {}, {}
    return inside / boundary.area * 100, {"area_ha": inside / M2_PER_HA, "within_ha": boundary.area / M2_PER_HA,
                                          "of": of, "within": within}, {}


def _violations(ctx: Context, p: dict) -> tuple:
    found = figures(ctx.atlas).conflicts(search_m=ctx.settings.get("search_m", 1000.0))
    severity = p.get("severity", "violation")
    return float((found["severity"] == severity).sum()), {}, {"conflicts": found}


_ZONE = {"zone": ((str,), "a district's name: the figure for that district instead of the city")}
_CLASSES = {**_ZONE, "classes": ((list,), "the 地类编码 (DLBM) counted, e.g. [\"0301\", \"0302\"] (default: as the definition says)")}
_RANCH = {"level": ((str, list), "national, provincial or city, or a list of them (省级以上: [\"national\", \"provincial\"])",
                    schema_codes("marine_ranch", "level")),
          "type": ((str, list), "ranch type, or a list of them", schema_codes("marine_ranch", "type"))}

INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        Indicator("coastline_retention", "大陆自然岸线保有率", "natural mainland coastline retention", "%",
                  "(natural + restored-natural coastline length) ÷ mainland coastline length × 100", _retention, ">=",
                  params={**_ZONE, "bay": ((str,), "a bay's name: the figure for that bay")}),
        Indicator("redline_coverage", "生态保护红线面积占比", "red-line share of the area", "%",
                  "red-line area (dissolved) inside the zone ÷ zone area × 100", _redline_coverage, ">=",
                  params={**_ZONE, "realm": ((str,), "land (default) or marine", schema_codes("redline", "realm"))}),
        Indicator("redline_not_reduced", "生态保护红线面积不减少", "red-line area not reduced", "ha",
                  "area of the baseline red line not inside the current red line (any loss fails)", _redline_not_reduced,
                  "<=", 0.0, params={"baseline": ((str,), "layer name of the baseline red line (required)"),
                                     "realm": ((str,), "land or marine: compare only that part of the current red line",
                                               schema_codes("redline", "realm"))}),
        Indicator("restoration_area", "生态修复面积", "restored area", "ha",
                  "union area of the restoration projects of the type and status, up to the year", _restoration_area, ">=",
                  params={**_ZONE, "type": ((str,), "restoration type, e.g. coastal_wetland / 滨海湿地", schema_codes("restoration", "type")),
                          "status": ((str, list), "statuses counted (default completed)", schema_codes("restoration", "status")),
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
        Indicator("cultivated_land", "耕地保有量", "cultivated land", "mu",
                  "area of the land survey's 耕地 (0101 水田, 0102 水浇地, 0103 旱地; GB/T 21010-2017, 三调工作分类), net "
                  "of 田坎, ellipsoidal (CGCS2000, as TBMJ), in 亩", _survey_amount("area_mu", CULTIVATED), ">=",
                  params=_CLASSES),
        Indicator("forest_cover", "森林覆盖率", "forest cover", "%",
                  "乔木林地 0301 + 竹林地 0302 + 红树林地 0303 + 森林沼泽 0304 of the land survey ÷ the surveyed area × 100 "
                  "(森林覆盖率 = (有林地 + 国家特别规定灌木林地) ÷ 土地总面积, GB/T 26424; the survey's DLBM cannot tell the "
                  "特别规定 shrub land: add it with classes if your province counts 0305)", _survey_share(FOREST_COVER), ">=",
                  params=_CLASSES),
        Indicator("tree_cover", "林木绿化率", "tree and shrub cover", "%",
                  "森林覆盖率's classes + 灌木林地 0305 ÷ the surveyed area × 100; 四旁树 (scattered trees) are not 图斑 "
                  "and are left out, so the figure is a lower bound", _survey_share(TREE_COVER), ">=", params=_CLASSES),
        Indicator("wetland_area", "湿地面积", "wetland area", "ha",
                  "the 三调 湿地 group (0303 红树林地, 0304 森林沼泽, 0306 灌丛沼泽, 0402 沼泽草地, 0603 盐田, 1105 沿海滩涂, "
                  "1106 内陆滩涂, 1108 沼泽地; GB/T 21010-2017 附录 B) of the land survey, in ha",
                  _survey_amount("area_ha", WETLAND), ">=", params=_CLASSES),
        Indicator("area_share", "面积占比(如海绵城市建设面积占建成区面积比例)", "area share (e.g. sponge city in the built-up area)",
                  "%", "area of the layers of kind `of` (default sponge_city 海绵城市达标片区, unioned) inside those of kind "
                  "`within` (default built_up_area 城市建成区) ÷ the area of `within` × 100", _area_share, ">=",
                  params={"of": ((str,), "the layer kind whose area is counted (default sponge_city)",
                                 Choices(words=tuple(KINDS))),
                          "within": ((str,), "the layer kind of the boundary (default built_up_area)",
                                     Choices(words=tuple(KINDS))),
                          "until": ((int,), "count features whose year is this year or earlier")}),
        Indicator("violations", "违规冲突数", "violations", "count",
                  "number of conflict findings of the severity (red line: mines, ranches, projects)", _violations, "<=", 0.0,
                  params={"severity": ((str,), "violation (default), warning or info", SEVERITY)}),
    )
}
