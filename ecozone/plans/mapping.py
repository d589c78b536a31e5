"""From a plan's wording to ecozone's catalogue (目标与指标对应): which indicator measures a target, with which
parameters; which targets are spatial; and the ids of the spatial ones ecozone does not measure yet.

The ids are those of :data:`ecozone.audit.catalogue.INDICATORS` (``tests/test_targets.py`` checks that each
exists); this module imports nothing from the audit, which sits in a layer above.

Example
-------
>>> m = map_target("可视范围内历史遗留矿山地质环境治理率", "share", "可视范围内历史遗留矿山地质环境治理率达到80%")
>>> m.indicator, m.params
('mine_restoration_rate', {'status': 'historic', 'scope': 'in_view'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Mapping", "SUGGESTED", "map_target", "is_spatial"]

#: Spatial targets ecozone does not measure yet, by the id the land-survey work will give them.
SUGGESTED = {
    "area_share": "share of an area in another (海绵城市建设面积占建成区面积比例, 绿地率)",
    "cultivated_land": "cultivated land kept (耕地保有量)",
    "forest_cover": "forest cover as the forestry statistics count it (森林覆盖率)",
    "tree_cover": "tree cover (林木绿化率)",
    "wetland_area": "wetland area or protection rate (湿地面积, 湿地保护率)",
    "afforestation_area": "afforestation and forest tending area (营造林, 造林, 抚育)",
}


@dataclass
class Mapping:
    """What ecozone makes of one target: its catalogue indicator (or None), the parameters for the audit, a
    suggested id for a spatial target it cannot measure, whether it is spatial, the scope, and a note."""

    indicator: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    suggested: str | None = None
    spatial: bool = False
    scope: str | None = None
    note: str | None = None


_PLACES = re.compile(r"海湾|河|湖|水体|牧场|矿山|湿地|保护地|保护区|公园|岸段|岸线|海岛|森林|林地|绿地|草原|耕地|红线|海域")
_NOT_LAND = re.compile(r"建筑|住房|房屋|厂房|装配式")


def _ranch_level(text: str) -> str | list[str] | None:
    if re.search(r"市级(及)?以上", text):
        return ["national", "provincial", "city"]
    if re.search(r"省级(及)?以上", text):
        return ["national", "provincial"]
    for word, code in (("国家级", "national"), ("省级", "provincial"), ("市级", "city")):
        if word in text:
            return code
    return None


def map_target(label: str, kind: str, sentence: str) -> Mapping:
    """The :class:`Mapping` of a target whose quantity is worded ``label``, whose unit is of ``kind``
    (:func:`ecozone.plans.grammar.unit_kind`), in ``sentence`` (all Simplified Chinese)."""
    text = label
    if "自然岸线" in text and "保有率" in text and kind == "share":
        islands = bool(re.search(r"含海岛|海岛岸线|及海岛", text)) and not re.search(r"不含海岛|不计海岛|大陆", text)
        return Mapping("coastline_retention", spatial=True, scope="mainland and islands" if islands else "mainland",
                       note=("the plan counts island shoreline: set [settings] include_islands = true" if islands else
                             "mainland coastline (大陆岸线), island shoreline not counted"))
    if "红线" in text and re.search(r"不减少|只增不减", sentence):
        return Mapping("redline_not_reduced", {"realm": "marine"} if re.search(r"海洋|海域", text) else {}, spatial=True,
                       note="needs the earlier red line: add baseline = \"LAYER\" naming a redline_baseline layer")
    if "红线" in text and re.search(r"占|比例|比重", text) and kind == "share":
        return Mapping("redline_coverage", {"realm": "marine" if re.search(r"海洋|海域", text) else "land"}, spatial=True)
    if re.search(r"修复|治理|整治", text) and kind == "area" and "面积" in text:
        params: dict[str, Any] = {}
        for words, code in (("滨海湿地|海岸带湿地|滨海湿地", "coastal_wetland"), ("矿山", "mine"), ("岸线", "coastline"),
                            ("海岛", "island"), ("河湖|河道", "river"), ("森林", "forest")):
            if re.search(words, text):
                params["type"] = code
                break
        return Mapping("restoration_area", params, spatial=True)
    if re.search(r"美丽(幸福)?河湖", text) and (kind == "share" or "全覆盖" in sentence):
        return Mapping("river_designation_share", spatial=True, note="share of river length designated")
    if "矿山" in text and re.search(r"治理率|修复率|治理恢复率", text) and kind == "share":
        params = {}
        for words, code in (("历史遗留", "historic"), ("生产矿山", "production"), ("关闭矿山|闭坑", "closed")):
            if re.search(words, text):
                params["status"] = code
                break
        if re.search(r"可视范围|三区两线", text):
            params["scope"] = "in_view"
        return Mapping("mine_restoration_rate", params, spatial=True, scope="in view" if "scope" in params else None)
    if "海洋牧场" in text and kind in ("count", "area"):
        level = _ranch_level(text)
        return Mapping("ranch_count" if kind == "count" else "ranch_area", {"level": level} if level else {}, spatial=True)
    if "美丽海湾" in text and kind == "count":
        return Mapping(spatial=True, note="ecozone measures bays (ecozone bays) but has no indicator counting designated bays")
    if re.search(r"(林地|森林)(面积)?(占.{0,8}(面积|比例|比重)|占比)", text) and kind == "share":
        return Mapping("land_cover_share", {"class": "forest"}, spatial=True,
                       note="the land-cover raster's forest class share, not the forestry statistics' 森林覆盖率")
    if _NOT_LAND.search(text):
        return Mapping()
    for words, suggested in (("森林覆盖率", "forest_cover"), ("林木绿化率|林木覆盖率", "tree_cover"),
                             ("耕地保有量|耕地面积|永久基本农田", "cultivated_land"), ("营造林|造林|抚育", "afforestation_area"),
                             ("湿地", "wetland_area"), ("海绵城市.*占|绿地率|绿化覆盖率|面积占.*比|面积比例|面积占比", "area_share")):
        if re.search(words, text) and (kind in ("share", "area", "points") or suggested == "cultivated_land"):
            # measured from a land survey (or the area layers) when the figure is the level itself, not a change
            measured = ((suggested in ("forest_cover", "tree_cover") and kind == "share")
                        or (suggested in ("cultivated_land", "wetland_area") and kind == "area"
                            and not re.search("永久基本农田|保护率", text))  # a designation, a rate: not the survey's class
                        or (suggested == "area_share" and kind == "share" and "海绵城市" in text))
            if measured:
                source = "the sponge-city and built-up area layers" if suggested == "area_share" else "a land_survey layer"
                return Mapping(suggested, spatial=True, note=f"measured from {source}")
            return Mapping(suggested=suggested, spatial=True, note="ecozone does not measure it yet")
    return Mapping(spatial=is_spatial(text, kind))


def is_spatial(label: str, kind: str) -> bool:
    """Whether a target ecozone cannot map is still spatial: an area or length of land or sea (not of buildings), a
    share of land, or a count of mapped places (bays, rivers, mines, ranches …; not projects or facilities)."""
    if _NOT_LAND.search(label):
        return False
    if kind in ("area", "length"):
        return True
    if kind == "share":
        return bool(re.search(r"覆盖率|绿化率|保有率|面积占|占.{0,10}面积|自然岸线", label))
    if kind == "count":
        return bool(_PLACES.search(label)) and not re.search(r"项目|单位|设施|企业|厂", label)
    return False
