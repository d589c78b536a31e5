"""Land classes of the national land survey (地类): GB/T 21010-2017 and the 三调 working classification.

``DLBM`` (地类编码) of a 地类图斑 layer holds a 二级 class (``0101`` 水田, ``0301`` 乔木林地 …), or
``09`` 特殊用地, which has none in the 三调 working classification (国土调查工作分类, 第三次全国国土调查
技术规程 TD/T 1055-2019, 附录 A).  The list here holds:

* the 二级 classes of GB/T 21010-2017 (土地利用现状分类);
* the 三调 working classes that merge or split them: ``05H1`` 商业服务业设施用地, ``08H1``
  机关团体新闻出版用地, ``08H2`` 科教文卫用地 with ``08H2A`` 高教用地, ``0810A`` 广场用地, ``1104A``
  养殖坑塘, ``1107A`` 干渠, ``09`` 特殊用地;
* the 可调整地类 (``K``: land taken from 耕地 that may go back, counted apart from 耕地 in 三调):
  ``0201K`` … ``0204K``, ``0301K``, ``0302K``, ``0307K``, ``0403K``, ``1104K``.

Codes are text (``'0101'``, never ``101``).  The 一级 class of a code is its first two characters,
except under the 三调 statistics' 湿地 (``00``) group: 0303 红树林地, 0304 森林沼泽, 0306 灌丛沼泽,
0402 沼泽草地, 0603 盐田, 1105 沿海滩涂, 1106 内陆滩涂, 1108 沼泽地 (GB/T 21010-2017 附录 B; the 三调
主要数据公报 reports 湿地 as a class of its own).

Example
-------
>>> normalise_code(LAND_CLASSES, "0201k"), LAND_CLASSES.label("0301"), level1("0303"), level1("0303", wetland=False)
('0201K', '乔木林地', '00', '03')
"""

from __future__ import annotations

from .codes import Code, CodeList, normalise_code

__all__ = [
    "LAND_CLASSES",
    "LEVEL1",
    "WETLAND",
    "CULTIVATED",
    "FOREST_COVER",
    "TREE_COVER",
    "DEDUCTION_CLASS",
    "LandClassList",
    "level1",
    "class_name",
    "normalise_code",
]

#: 一级 classes: code → (zh, en).
LEVEL1: dict[str, tuple[str, str]] = {
    "00": ("湿地", "wetland"),
    "01": ("耕地", "cultivated land"),
    "02": ("园地", "garden and plantation land"),
    "03": ("林地", "woodland"),
    "04": ("草地", "grassland"),
    "05": ("商业服务业用地", "commercial and service land"),
    "06": ("工矿用地", "industrial and mining land"),
    "07": ("住宅用地", "residential land"),
    "08": ("公共管理与公共服务用地", "public administration and service land"),
    "09": ("特殊用地", "special-use land"),
    "10": ("交通运输用地", "transport land"),
    "11": ("水域及水利设施用地", "water and water-conservancy land"),
    "12": ("其他土地", "other land"),
}

_SECOND = (
    ("0101", "水田", "paddy field"),
    ("0102", "水浇地", "irrigated land"),
    ("0103", "旱地", "dry land"),
    ("0201", "果园", "orchard"),
    ("0202", "茶园", "tea garden"),
    ("0203", "橡胶园", "rubber plantation"),
    ("0204", "其他园地", "other garden land"),
    ("0301", "乔木林地", "arbor forest land"),
    ("0302", "竹林地", "bamboo forest land"),
    ("0303", "红树林地", "mangrove forest land"),
    ("0304", "森林沼泽", "forest swamp"),
    ("0305", "灌木林地", "shrubland"),
    ("0306", "灌丛沼泽", "shrub swamp"),
    ("0307", "其他林地", "other woodland"),
    ("0401", "天然牧草地", "natural pasture"),
    ("0402", "沼泽草地", "marsh grassland"),
    ("0403", "人工牧草地", "artificial pasture"),
    ("0404", "其他草地", "other grassland"),
    # 05: GB/T 21010-2017 0501–0507; the 三调 working classification merges 0501–0507 into 05H1
    ("05H1", "商业服务业设施用地", "commercial and service facilities"),
    ("0501", "零售商业用地", "retail"),
    ("0502", "批发市场用地", "wholesale market"),
    ("0503", "餐饮用地", "catering"),
    ("0504", "旅馆用地", "hotel"),
    ("0505", "商务金融用地", "business and finance"),
    ("0506", "娱乐用地", "entertainment"),
    ("0507", "其他商服用地", "other commercial"),
    ("0508", "物流仓储用地", "logistics and warehousing"),
    ("0601", "工业用地", "industrial land"),
    ("0602", "采矿用地", "mining land"),
    ("0603", "盐田", "salt pan"),
    ("0604", "仓储用地", "warehousing (GB/T 21010-2017)"),
    ("0701", "城镇住宅用地", "urban residential land"),
    ("0702", "农村宅基地", "rural homestead"),
    # 08: GB/T 21010-2017 0801–0810; 三调: 08H1 (0801, 0802), 08H2 (0803–0808), 08H2A, 0809, 0810, 0810A
    ("08H1", "机关团体新闻出版用地", "government, organisations and press"),
    ("08H2", "科教文卫用地", "science, education, culture and health"),
    ("08H2A", "高教用地", "higher education"),
    ("0801", "机关团体用地", "government and organisations"),
    ("0802", "新闻出版用地", "press and publishing"),
    ("0803", "教育用地", "education"),
    ("0804", "科研用地", "research"),
    ("0805", "医疗卫生用地", "health care"),
    ("0806", "社会福利用地", "social welfare"),
    ("0807", "文化设施用地", "cultural facilities"),
    ("0808", "体育用地", "sports"),
    ("0809", "公用设施用地", "public utilities"),
    ("0810", "公园与绿地", "parks and green space"),
    ("0810A", "广场用地", "squares"),
    # 09: one class in the 三调 working classification; GB/T 21010-2017 0901–0906
    ("09", "特殊用地", "special-use land"),
    ("0901", "军事设施用地", "military facilities"),
    ("0902", "使领馆用地", "embassies and consulates"),
    ("0903", "监教场所用地", "prisons and reformatories"),
    ("0904", "宗教用地", "religious land"),
    ("0905", "殡葬用地", "burial land"),
    ("0906", "风景名胜设施用地", "scenic-spot facilities"),
    ("1001", "铁路用地", "railway land"),
    ("1002", "轨道交通用地", "rail transit land"),
    ("1003", "公路用地", "highway land"),
    ("1004", "城镇村道路用地", "urban and village roads"),
    ("1005", "交通服务场站用地", "transport service stations"),
    ("1006", "农村道路", "rural roads"),
    ("1007", "机场用地", "airport land"),
    ("1008", "港口码头用地", "port and wharf land"),
    ("1009", "管道运输用地", "pipeline transport land"),
    ("1101", "河流水面", "river water surface"),
    ("1102", "湖泊水面", "lake water surface"),
    ("1103", "水库水面", "reservoir water surface"),
    ("1104", "坑塘水面", "pond water surface"),
    ("1104A", "养殖坑塘", "aquaculture pond"),
    ("1105", "沿海滩涂", "coastal tidal flat"),
    ("1106", "内陆滩涂", "inland tidal flat"),
    ("1107", "沟渠", "ditch"),
    ("1107A", "干渠", "main canal"),
    ("1108", "沼泽地", "swamp"),
    ("1109", "水工建筑用地", "hydraulic construction land"),
    ("1110", "冰川及永久积雪", "glacier and permanent snow"),
    ("1201", "空闲地", "vacant land"),
    ("1202", "设施农用地", "agricultural facility land"),
    ("1203", "田坎", "field ridge"),
    ("1204", "盐碱地", "saline-alkali land"),
    ("1205", "沙地", "sandy land"),
    ("1206", "裸土地", "bare soil"),
    ("1207", "裸岩石砾地", "bare rock and gravel"),
)

#: The 可调整地类 of the 三调 (code + ``K``).
_ADJUSTABLE = ("0201", "0202", "0203", "0204", "0301", "0302", "0307", "0403", "1104")

_NAMES = {code: (zh, en) for code, zh, en in _SECOND}


class LandClassList(CodeList):
    """The 地类编码 list: a CodeList whose :meth:`describe` names the standard, not its 100 codes."""

    def describe(self) -> str:
        return ("a 地类编码 of GB/T 21010-2017 or the 三调 working classification, as text with its leading zero "
                "(e.g. 0101 水田, 0301 乔木林地, 1203 田坎, 0201K, 08H2A; the list: ecozone.land_classes)")


LAND_CLASSES = LandClassList(
    "地类编码 (DLBM)",
    tuple(Code(code, zh, en) for code, zh, en in _SECOND)
    + tuple(Code(f"{c}K", f"可调整{_NAMES[c][0]}", f"adjustable {_NAMES[c][1]}") for c in _ADJUSTABLE),
)

#: The 湿地 group (00) of the 三调 statistics (GB/T 21010-2017 附录 B 湿地归类).
WETLAND = ("0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108")
#: 耕地 (耕地保有量): 0101 水田, 0102 水浇地, 0103 旱地.
CULTIVATED = ("0101", "0102", "0103")
#: 森林覆盖率's classes: 乔木林地, 竹林地, 红树林地, 森林沼泽 (国家特别规定灌木林地 too, which DLBM cannot tell).
FOREST_COVER = ("0301", "0302", "0303", "0304")
#: 林木绿化率's classes: those of 森林覆盖率 and 灌木林地 (四旁树 are not 图斑).
TREE_COVER = FOREST_COVER + ("0305",)
#: Where deducted area (田坎) goes when ``KCDLBM`` does not say.
DEDUCTION_CLASS = "1203"


def level1(code: str, *, wetland: bool = True) -> str:
    """The 一级 class of a DLBM code: its first two characters, or ``00`` for the 湿地 group when ``wetland``."""
    base = code[:4]
    if wetland and base in WETLAND:
        return "00"
    return code[:2]


def class_name(code: str, lang: str = "zh") -> str:
    """The name of a 一级 or 二级 class (``'01'`` → 耕地, ``'0201K'`` → 可调整果园); the code when unknown."""
    if code in LEVEL1 and code != "09":
        zh, en = LEVEL1[code]
        return zh if lang == "zh" else en
    return LAND_CLASSES.label(code, lang)
