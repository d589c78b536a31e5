"""The schema (图层类型表): every layer kind's fields and code lists, code normalisation, labels.

Oracles: DESIGN.md §2's domain rules, written out here by hand (the natural coastline classes of
海岸线保护与利用管理办法 2017, the red-line types, 三区两线, the ranch types the red-line notice
bans), and set arithmetic on the table itself (no spelling maps to two codes).
Only public names: ``ecozone.KINDS`` and ``ecozone.schema.__all__``.
"""

from __future__ import annotations

import math

import pytest

import ecozone
from ecozone.schema import (
    COASTLINE_CLASSES,
    KINDS,
    LAND_COVER_CLASSES,
    NATURAL_CLASSES,
    CodeList,
    LayerKind,
    label,
    normalise_code,
    normalise_codes,
)

from ecozone.land_classes import LandClassList

GEOMETRY_FAMILIES = {"polygon", "line", "point"}
DTYPES = {"str", "int", "float", "bool", "code"}


def code_lists() -> dict[str, CodeList]:
    """Every code list a layer kind uses, and the land-cover classes of rasters."""
    lists = {LAND_COVER_CLASSES.name: LAND_COVER_CLASSES}
    for kind in KINDS.values():
        for f in kind.fields:
            if f.codes is not None:
                lists[f.codes.name] = f.codes
    return lists


def test_public_table():
    assert ecozone.KINDS is KINDS


#: What each kind must hold (DESIGN.md §2): geometry families and required fields.
EXPECTED = {
    "district": ({"polygon"}, {"name"}),
    "sea_zone": ({"polygon"}, {"name"}),
    "land": ({"polygon"}, set()),
    "redline": ({"polygon"}, {"type"}),
    "redline_baseline": ({"polygon"}, {"type"}),
    "bay": ({"polygon"}, {"name"}),
    "river": ({"line", "polygon"}, {"name", "level"}),
    "mine": ({"polygon", "point"}, {"status", "restoration"}),
    "marine_ranch": ({"polygon"}, {"level", "type"}),
    "coastline": ({"line"}, {"class"}),
    "restoration": ({"polygon"}, {"type", "status", "year"}),
    "project": ({"polygon", "line", "point"}, {"name"}),
    "transport": ({"line"}, {"class"}),
    "sensitive_area": ({"polygon"}, {"class"}),
    "wind_farm": ({"polygon"}, set()),
    "land_survey": ({"polygon"}, {"DLBM"}),
    "built_up_area": ({"polygon"}, set()),
    "sponge_city": ({"polygon"}, set()),
}


def test_the_kinds_are_the_expected_ones():
    assert set(KINDS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kind_geometry_and_required_fields(name):
    kind = KINDS[name]
    geometry, required = EXPECTED[name]
    assert isinstance(kind, LayerKind) and kind.name == name
    assert set(kind.geometry) == geometry
    assert {f.name for f in kind.required} == required
    assert kind.zh and kind.en and kind.description


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kind_fields_are_well_formed(name):
    kind = KINDS[name]
    names = [f.name for f in kind.fields]
    assert len(names) == len(set(names))
    assert "id" in names  # every layer may carry its own ids
    spellings: dict[str, str] = {}
    for f in kind.fields:
        assert f.dtype in DTYPES and f.zh and f.en
        assert (f.dtype == "code") == (f.codes is not None), f.name
        assert kind.field(f.name) is f
        for spelling in (f.name, f.zh, *f.aliases):  # a column name means one field only
            assert spellings.setdefault(spelling, f.name) == f.name, (name, spelling)
    with pytest.raises(KeyError):
        kind.field("no_such_field")


@pytest.mark.parametrize("codes", list(code_lists().values()), ids=list(code_lists()))
def test_code_lists_have_unique_codes_labels_and_spellings(codes):
    items = codes.items
    assert len(items) >= 2
    for attr in ("code", "zh", "en"):
        values = [getattr(c, attr) for c in items]
        assert len(values) == len(set(values)), f"{codes.name}: duplicate {attr}"
    assert codes.codes == tuple(c.code for c in items)
    owner: dict[str, str] = {}
    for c in items:
        assert c.code.isascii() and c.code == c.code.strip() and c.zh != c.code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c.zh), c.zh  # the zh label is Chinese
        for spelling in (c.code, c.zh, c.en, *c.aliases):
            key = spelling.strip().casefold()
            assert owner.setdefault(key, c.code) == c.code, f"{codes.name}: {spelling!r} means two codes"
            assert normalise_code(codes, spelling) == c.code
    assert set(codes.lookup()) == set(owner)
    if isinstance(codes, LandClassList):  # a hundred 地类: named by the standard, not listed in every message
        assert "GB/T 21010" in codes.describe()
    else:
        assert codes.describe().count("(") == len(items)


def test_coastline_classes_follow_the_2017_rules():
    cls = KINDS["coastline"].field("class").codes
    assert cls is COASTLINE_CLASSES
    assert set(NATURAL_CLASSES) == {"bedrock", "sandy", "muddy", "biological", "restored_natural"}
    assert set(cls.codes) == set(NATURAL_CLASSES) | {"artificial", "estuarine"}
    assert "artificial" not in NATURAL_CLASSES and "estuarine" not in NATURAL_CLASSES  # estuarine is a setting
    assert cls.label("bedrock") == "基岩岸线" and cls.label("artificial") == "人工岸线"


def test_domain_code_lists():
    codes = lambda kind, field: set(KINDS[kind].field(field).codes.codes)  # noqa: E731
    assert codes("redline", "type") >= {"water_conservation", "biodiversity", "soil_conservation",
                                        "windbreak_sand_fixation", "coastal_stability"}
    assert codes("redline", "realm") == {"land", "marine"}
    assert codes("redline_baseline", "type") == codes("redline", "type")
    assert codes("mine", "status") == {"historic", "production", "closed"}
    assert codes("mine", "restoration") == {"untreated", "in_progress", "restored"}
    assert {"reef", "enclosed"} <= codes("marine_ranch", "type")  # 投礁型 and 围海养殖: banned in the red line
    assert codes("sensitive_area", "class") == {"nature_reserve", "scenic_area", "residential"}  # 三区
    assert codes("transport", "class") >= {"expressway", "national_road", "railway"}


@pytest.mark.parametrize(
    "kind, field, value, code",
    [
        ("coastline", "class", "bedrock", "bedrock"),
        ("coastline", "class", "基岩", "bedrock"),
        ("coastline", "class", "基岩岸线", "bedrock"),
        ("coastline", "class", "  Rocky ", "bedrock"),
        ("coastline", "class", "沙质", "sandy"),
        ("coastline", "class", "SANDY SHORELINE", "sandy"),
        ("coastline", "class", "红树林", "biological"),
        ("coastline", "class", "整治修复后具有自然形态特征和生态功能的岸线", "restored_natural"),
        ("coastline", "class", "港口", "artificial"),
        ("coastline", "class", "河口", "estuarine"),
        ("redline", "type", "水源涵养", "water_conservation"),
        ("redline", "type", "海岸带生态稳定", "coastal_stability"),
        ("redline", "realm", "海域", "marine"),
        ("mine", "status", "历史遗留矿山", "historic"),
        ("mine", "restoration", "已修复", "restored"),
        ("marine_ranch", "type", "投礁型", "reef"),
        ("marine_ranch", "level", "国家级", "national"),
        ("river", "level", "干流", "trunk"),
        ("restoration", "status", "竣工", "completed"),
    ],
)
def test_normalise_code(kind, field, value, code):
    assert normalise_code(KINDS[kind].field(field).codes, value) == code


@pytest.mark.parametrize("value", [None, "", "granite", "基岩x", 3])
def test_normalise_code_unknown_is_none(value):
    assert normalise_code(COASTLINE_CLASSES, value) is None


def test_normalise_codes_column():
    values = ["基岩", None, float("nan"), "sand", "人工", "?", "基岩"]
    assert normalise_codes(COASTLINE_CLASSES, values) == ["bedrock", None, None, "sandy", "artificial", None, "bedrock"]
    assert normalise_codes(COASTLINE_CLASSES, []) == []
    assert not any(isinstance(v, float) and math.isnan(v) for v in normalise_codes(COASTLINE_CLASSES, values))


def test_land_cover_classes():
    assert normalise_code(LAND_COVER_CLASSES, "林地") == "forest"
    assert normalise_code(LAND_COVER_CLASSES, "耕地") == "cropland"
    assert LAND_COVER_CLASSES.label("built_up", "en") == "built-up"


def test_label():
    assert label("redline") == "生态保护红线"
    assert label("redline", "en") == "ecological protection red line"
    assert label("coastline") == "海岸线" and label("district") == "行政区"
    for name, kind in KINDS.items():
        assert label(name) == kind.zh and label(name, "en") == kind.en
    with pytest.raises(KeyError):
        label("forest")
    assert COASTLINE_CLASSES.label("no_such_code") == "no_such_code"
