"""``ecozone targets`` / ``ecozone.plan_targets`` (issue 20): the quantified targets of a plan's own text.

The two real plans of ``../shared/plans/`` are read in place (skipped when absent, failing when CI is set); the edge
cases are short sentences written here; .docx and .pdf plans are built by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zlib
from pathlib import Path

import pytest

from ecozone.audit.catalogue import INDICATORS
from ecozone.errors import InputError
from ecozone.plans import plan_targets, targets_toml
from ecozone.plans.mapping import SUGGESTED

PLANS = Path(__file__).resolve().parents[2] / "shared" / "plans"
CITY = PLANS / "beautiful_city_action_plan_2023_2025.txt"
SHANXI = PLANS / "beautiful_shanxi_opinions_press_2024_traditional.txt"
DEMO_MANIFEST = Path(__file__).resolve().parents[1] / "layers" / "yantai" / "manifest.toml"


def shared(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing (the shared plans are laid beside the repository in CI)")
        pytest.skip(f"{path} not here")
    return path


def one(text: str) -> dict:
    found = plan_targets(text)
    assert len(found) == 1, found
    return found[0]


def ecozone(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecozone", *args], capture_output=True, text=True, cwd=cwd)


# --- the shared plans: every spatial target a careful reader finds, and the others marked non-spatial ---------------

#: (label, indicator or suggested id or None, value, unit, operator, year, kind) of each spatial target.
CITY_SPATIAL = [
    ("城市建成区绿地率", "area_share", None, "%", ">=", 2025, "target"),  # a blank in the template: no value
    ("人均公园绿地面积", None, None, "平方米", ">=", 2025, "target"),  # a blank too
    ("地下河道恢复试点", None, 1.0, "条", ">=", 2025, "target"),  # 1-2条
    ("美丽幸福河湖建设全覆盖", "river_designation_share", 100.0, "%", ">=", 2025, "target"),
    ("自然岸线保有率", "coastline_retention", 37.0, "%", ">=", 2025, "target"),
    ("滨海湿地修复面积", "restoration_area", 120.0, "ha", ">=", 2025, "target"),
    ('国家级"美丽海湾"套子湾', None, 1.0, "个", ">=", 2025, "target"),  # ecozone has no count of bays
    ('省级"美丽海湾"XX岸段', None, 3.0, "个", ">=", 2025, "target"),
    ("省级以上海洋牧场", "ranch_count", 50.0, "count", ">=", 2025, "target"),
]
CITY_OTHER = [
    ("新增和更新的巡游出租车中新能源车辆占比", 100.0, "%"), ("新增邮政快递、通勤新能源车比例", 80.0, "%"),
    ("充电桩", 25000.0, "台"), ("大宗货物绿色运输方式比例", 90.0, "%"), ("农村生活污水累计治理率", 55.0, "%"),
    ("非常规水利用量", None, "亿立方米"), ("海水淡化日产规模", 30.0, "万吨"), ("再生水利用率", 55.0, "%"),
    ("近岸海域水质优良(Ⅰ、Ⅱ类)比例", None, "%"), ("细颗粒物浓度", 29.0, "微克/立方米"), ("水产品总产量", 180.0, "万吨"),
    ("公共交通等绿色出行比重", 70.0, "%"),
]
SHANXI_SPATIAL = [
    ("营造林", "afforestation_area", 200000.0, "ha", ">=", None, "target"),  # 300萬畝
    ("未成林地抚育管护", "afforestation_area", 66666.6667, "ha", ">=", None, "target"),  # 100萬畝
    ("国省森林抚育项目", "afforestation_area", 66666.6667, "ha", ">=", None, "target"),
    ("森林覆盖率年均增长", "forest_cover", 0.5, "个百分点", ">=", 2025, "target"),  # “十四五”期间
    ("设区城市黑臭水体", None, 76.0, "条", "==", None, "status"),  # 76 water bodies cleaned up: already done
]
SHANXI_OTHER = [
    ("地表水国考断面优良水体比例", 93.6, "%", "status"), ("PM2.5平均浓度", 37.0, "微克/立方米", "status"),
    ("试点单位创建零碳(近零碳)产业示范区", 8.0, "个", "status"), ("省级及以上开发区创建绿色低碳循环示范园区", 25.0, "个", "target"),
    ("制造业增加值比上年增长", 8.1, "%", "status"), ("工业战略性新兴产业增长", 10.9, "%", "status"),
    ("历史遗留矿山治理项目", 2.0, "个", "target"), ("成交价", 202.95, "亿元", "status"), ("增储", 1200.0, "亿方", "target"),
    ("城镇生活污水处理厂", 156.0, "座", "status"), ("总处理能力", 554.94, "万立方米/日", "status"),
    ("平均负荷率", 71.0, "%", "status"), ("设区城市共建成生活垃圾焚烧处理厂", 12.0, "座", "status"),
    ("处理能力", 1.93, "万吨/日", "status"), ("绿色建筑", 5045.93, "万平方米", "status"),
    ("占新建建筑面积比例", 73.66, "%", "status"), ("占新建建筑面积比例", 97.09, "%", "status"),
    ("新开工装配式建筑", 2056.71, "万平方米", "status"), ("占新建建筑面积比例", 18.7, "%", "status"),
    ("占新建建筑面积比例", 31.37, "%", "status"),
]


def spatial_rows(found):
    return [(t["label"], t["indicator"] or t.get("suggested_indicator"), None if t["value"] is None else round(t["value"], 4),
             t["unit"], t["operator"], t["year"], t["kind"]) for t in found if t["spatial"]]


def test_the_city_plan_spatial_targets():
    found = plan_targets(shared(CITY))
    assert spatial_rows(found) == CITY_SPATIAL
    by_label = {t["label"]: t for t in found}
    assert by_label["省级以上海洋牧场"]["params"] == {"level": ["national", "provincial"]}
    assert by_label["滨海湿地修复面积"]["params"] == {"type": "coastal_wetland", "until": 2025}
    assert (by_label["滨海湿地修复面积"]["plan_value"], by_label["滨海湿地修复面积"]["plan_unit"]) == (120.0, "公顷")
    assert by_label["自然岸线保有率"]["scope"] == "mainland"
    assert by_label["自然岸线保有率"]["source"] == {"file": CITY.name, "paragraph": 31}
    assert by_label["地下河道恢复试点"]["value_max"] == 2.0
    assert by_label["城市建成区绿地率"]["value"] is None  # never invented
    assert by_label['国家级"美丽海湾"套子湾']["scope"] == "套子湾"
    assert by_label['省级"美丽海湾"XX岸段']["scope"] == "XX岸段、XX岛群岛海域、四十里湾"
    assert "no indicator counting designated bays" in by_label['国家级"美丽海湾"套子湾']["note"]


def test_the_city_plan_other_targets_are_found_and_not_spatial():
    found = [t for t in plan_targets(shared(CITY)) if not t["spatial"]]
    assert [(t["label"], t["value"], t["unit"]) for t in found] == CITY_OTHER
    assert all(t["kind"] == "target" and t["indicator"] is None for t in found)
    ops = {t["label"]: t["operator"] for t in found}
    assert ops["细颗粒物浓度"] == "<=" and ops["海水淡化日产规模"] == ">"  # a ceiling; 突破
    assert {t["label"]: t["year"] for t in found}["公共交通等绿色出行比重"] == 2023


def test_the_traditional_press_release():
    found = plan_targets(shared(SHANXI))
    assert spatial_rows(found) == SHANXI_SPATIAL
    assert [(t["label"], t["value"], t["unit"], t["kind"]) for t in found if not t["spatial"]] == SHANXI_OTHER
    forest = next(t for t in found if t["label"] == "营造林")
    assert (forest["plan_value"], forest["plan_unit"]) == (300.0, "万亩")
    assert "300萬畝營造林" in forest["quote"] and "300万亩营造林" in forest["quote_simplified"]
    assert all("quote_simplified" in t for t in found)
    assert not any("quote_simplified" in t for t in plan_targets(shared(CITY)))  # Simplified text: no second quote


def test_every_indicator_written_exists_in_the_catalogue():
    for path in (CITY, SHANXI):
        for t in plan_targets(shared(path)):
            assert t["indicator"] is None or t["indicator"] in INDICATORS
            assert t.get("suggested_indicator") is None or t["suggested_indicator"] in SUGGESTED
            assert set(t["params"]) <= set(INDICATORS[t["indicator"]].params) if t["indicator"] else not t["params"]


def test_year_keeps_only_the_targets_due_that_year():
    assert {t["year"] for t in plan_targets(shared(CITY), year=2023)} == {2023}


# --- edge cases, in sentences of our own ---------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("2025年年底前，全市自然岸线保有率不低于35%。", ("coastline_retention", 35.0, "%", ">=", 2025)),
    ("到2025年,耕地保有量不少于100474亩。", ("cultivated_land", 100474.0, "mu", ">=", 2025)),
    ("全市湿地面积不少于0.03万公顷。", ("wetland_area", 300.0, "ha", ">=", None)),
    ("建设用地规模控制在120平方公里以内。", (None, 12000.0, "ha", "<=", None)),
    ("PM2.5浓度不超过35微克/立方米。", (None, 35.0, "微克/立方米", "<=", None)),
    ("到2025年，海绵城市建设面积占建成区面积比例达到45%以上。", ("area_share", 45.0, "%", ">=", 2025)),
    ("林木绿化率达到35%。", ("tree_cover", 35.0, "%", ">=", None)),
    ("森林覆盖率提高2个百分点。", ("forest_cover", 2.0, "个百分点", ">=", None)),
    ("林地面积占国土面积比例达到30%。", ("land_cover_share", 30.0, "%", ">=", None)),
    ("陆域生态保护红线面积占国土面积比例不低于25%。", ("redline_coverage", 25.0, "%", ">=", None)),
    ("2020年前，历史遗留矿山治理率达到60%。", ("mine_restoration_rate", 60.0, "%", ">=", 2020)),
    ("新建绿道100公里。", (None, 100.0, "公里", ">=", None)),
    ("力争全市充电桩达到25000台。", (None, 25000.0, "台", ">=", None)),
    ("到2025年，国家级海洋牧场示范区达到5个。", ("ranch_count", 5.0, "count", ">=", 2025)),
    ("完成历史遗留矿山治理面积1.2万亩。", ("restoration_area", 800.0, "ha", ">=", None)),
    ("城市建成区绿化覆盖率达到42%。", ("area_share", 42.0, "%", ">=", None)),
    ("2025年，滨海湿地修复面积达到120公顷。", ("restoration_area", 120.0, "ha", ">=", 2025)),
    ("到2027年，生态保护红线面积占陆域国土面积比例稳定在20%左右。", ("redline_coverage", 20.0, "%", "~", 2027)),
])
def test_operators_units_and_deadlines(sentence, expected):
    t = one(sentence)
    got = (t["indicator"] or t.get("suggested_indicator"), round(t["value"], 4), t["unit"], t["operator"], t["year"])
    assert got == expected


def test_mapping_parameters():
    assert one("可视范围内历史遗留矿山地质环境治理率达到80%。")["params"] == {"status": "historic", "scope": "in_view"}
    assert one("生产矿山治理率达到60%以上。")["params"] == {"status": "production"}
    assert one("海洋生态保护红线面积占管辖海域面积比例不低于30%。")["params"] == {"realm": "marine"}
    assert one("国家级海洋牧场示范区达到5个。")["params"] == {"level": "national"}
    assert one("省级以上海洋牧场面积达到1.5万公顷。")["params"] == {"level": ["national", "provincial"]}
    assert one("省级以上海洋牧场面积达到1.5万公顷。")["value"] == pytest.approx(150.0)  # km², ranch_area's unit


def test_about_gets_a_tolerance():
    t = one("湿地保护率保持在50%左右。")
    assert (t["operator"], t["tolerance"], t["suggested_indicator"]) == ("~", 2.5, "wetland_area")


def test_full_coverage_and_not_reduced():
    t = one("到2025年年底，基本实现美丽幸福河湖建设全覆盖。")
    assert (t["indicator"], t["value"], t["operator"], t["params"]) == ("river_designation_share", 100.0, ">=", {"until": 2025})
    t = one("确保生态保护红线面积不减少。")
    assert (t["indicator"], t["value"], t["operator"], t["baseline"]) == ("redline_not_reduced", None, ">=", True)
    fragment = targets_toml([t])
    assert "# [indicators.redline_not_reduced]" in fragment and '# baseline = "LAYER"' in fragment
    assert tomllib.loads(fragment) == {}  # all commented: nothing runs before the baseline is named


def test_blanks_are_targets_without_a_value():
    found = plan_targets("到2025年年底,城市建成区绿地率达到%,人均公园绿地面积达到平方米。")
    assert [(t["label"], t["value"], t["unit"], t["year"]) for t in found] == [
        ("城市建成区绿地率", None, "%", 2025), ("人均公园绿地面积", None, "平方米", 2025)]


def test_a_blank_mapped_target_is_a_commented_table_the_audit_would_refuse():
    fragment = targets_toml(plan_targets("到2025年，全市自然岸线保有率达到%。"))
    assert '# target = "?"' in fragment and "# [indicators.coastline_retention]" in fragment
    assert tomllib.loads(fragment) == {}


def test_blanks_written_xx_and_lists_of_figures():
    t = one("生态保护红线面积不低于XX平方公里。")
    assert (t["label"], t["value"], t["plan_unit"]) == ("生态保护红线面积", None, "平方公里")
    found = plan_targets("确保耕地保有量不低于1234.5万亩、永久基本农田保护面积不低于1000万亩。")
    assert [(t["label"], t["indicator"] or t["suggested_indicator"], t["plan_value"]) for t in found] == [
        ("耕地保有量", "cultivated_land", 1234.5), ("永久基本农田保护面积", "cultivated_land", 1000.0)]
    assert [t["indicator"] for t in found] == ["cultivated_land", None]  # 永久基本农田: a designation, not a 地类


def test_qualifiers_and_status():
    assert plan_targets("大力推进单机容量30万千瓦以下煤电机组关停整合。") == []
    assert [t["value"] for t in plan_targets("力争50%以上中心城区公共交通等绿色出行比重达到70%。")] == [70.0]
    t = one("截至2023年底，全市自然岸线保有率为38.5%。")
    assert (t["kind"], t["operator"], t["year"]) == ("status", "==", 2023)


def test_full_width_digits_and_thousands():
    assert [(t["value"], t["unit"]) for t in plan_targets("全市自然岸线保有率达到３７．５％，充电桩达到25,000台。")] == [
        (37.5, "%"), (25000.0, "台")]


def test_traditional_sentences_read_as_simplified():
    t = one("到2025年，省級以上海洋牧場達到50處。")
    assert (t["indicator"], t["value"], t["params"]) == ("ranch_count", 50.0, {"level": ["national", "provincial"]})
    assert t["quote"] == "到2025年，省級以上海洋牧場達到50處。" and t["quote_simplified"] == "到2025年，省级以上海洋牧场达到50处。"
    assert one("新增造林300萬畝。")["plan_unit"] == "万亩"


# --- file formats --------------------------------------------------------------------------------------------------

SENTENCE = "到2025年，滨海湿地修复面积不少于120公顷。"


def test_gbk_and_utf8_text(tmp_path):
    for encoding in ("gbk", "gb18030", "utf-8-sig", "utf-8"):
        path = tmp_path / f"plan_{encoding}.txt"
        path.write_bytes(SENTENCE.encode(encoding))
        t = one(path)
        assert (t["indicator"], t["value"], t["source"]) == ("restoration_area", 120.0, {"file": path.name, "paragraph": 1})


def test_big5_traditional_text(tmp_path):
    path = tmp_path / "plan_big5.txt"
    path.write_bytes("到2025年，全市自然岸線保有率達到37%，完成300萬畝營造林。".encode("big5"))
    found = plan_targets(path)
    assert [(t["indicator"] or t["suggested_indicator"], t["value"]) for t in found] == [
        ("coastline_retention", 37.0), ("afforestation_area", 200000.0)]
    assert found[0]["quote"].startswith("到2025年，全市自然岸線") and "自然岸线" in found[0]["quote_simplified"]


def test_html_saved_from_a_government_site(tmp_path):
    page = (f'<!DOCTYPE html><html><head><meta charset="gbk"><title>方案</title><script>var a="达到99%";</script>'
            f"</head><body><div><p>一、目标</p><p>{SENTENCE}</p></div></body></html>")
    path = tmp_path / "plan.html"
    path.write_bytes(page.encode("gbk"))
    assert [t["value"] for t in plan_targets(path)] == [120.0]


def test_docx(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("一、主要目标")
    document.add_paragraph(SENTENCE)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "自然岸线保有率", "不低于37%"
    path = tmp_path / "plan.docx"
    document.save(str(path))
    assert [(t["indicator"], t["value"]) for t in plan_targets(path)] == [("restoration_area", 120.0),
                                                                          ("coastline_retention", 37.0)]


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer is ``text`` (a Type0 font, Identity-H, with a ToUnicode map); no text: a scan."""
    chars = sorted(set(text))
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(chars)} beginbfchar " + " ".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars)
            + " endbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode()
    content = (f"BT /F1 12 Tf 72 720 Td <{''.join(f'{ord(c):04X}' for c in text)}> Tj ET" if text
               else "0 0 m 100 100 l S").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
        b"/Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(zlib.compress(cmap)) + zlib.compress(cmap) + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_with_a_text_layer(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(tiny_pdf(SENTENCE))
    assert [(t["indicator"], t["value"], t["year"]) for t in plan_targets(path)] == [("restoration_area", 120.0, 2025)]


@pytest.mark.parametrize("name, content, words", [
    ("scan.pdf", None, "OCR"), ("plan.doc", b"\xd0\xcf\x11\xe0old", ".docx"), ("plan.wps", b"\xd0\xcf\x11\xe0", ".docx"),
    ("plan.ofd", b"PK\x03\x04", "PDF"),
])
def test_formats_refused_with_how_to_convert(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(tiny_pdf("") if content is None else content)
    with pytest.raises(InputError, match=words):
        plan_targets(path)
    run = ecozone("targets", str(path))
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "fix:" in run.stderr


# --- the command and the audit -------------------------------------------------------------------------------------

def test_command_json_and_toml(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text("到2025年年底，全市自然岸线保有率达到37%，充电桩达到25000台。\n\n2023年年底前，湿地保护率保持在50%左右。",
                    encoding="utf-8")
    run = ecozone("targets", str(plan), "-o", str(tmp_path / "t.json"))
    assert run.returncode == 0, run.stderr
    found = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert [t["label"] for t in found] == ["自然岸线保有率", "充电桩", "湿地保护率"]
    run = ecozone("targets", str(plan), "--year", "2025")
    assert [t["label"] for t in json.loads(run.stdout)] == ["自然岸线保有率", "充电桩"]
    assert ecozone("targets", str(plan), "-o", str(tmp_path / "t.csv")).returncode == 2


def run_audit_with(tmp_path: Path, fragment: str, extra: str = "") -> subprocess.CompletedProcess:
    (tmp_path / "targets.toml").write_text(fragment, encoding="utf-8")
    (tmp_path / "audit.toml").write_text(f'title = "plan"\nmanifest = {json.dumps(str(DEMO_MANIFEST))}\n'
                                         f'include = ["targets.toml"]\n{extra}', encoding="utf-8")
    return ecozone("audit", "audit.toml", "-o", "report", cwd=tmp_path)


def test_the_toml_of_the_city_plan_runs_in_the_audit(tmp_path):
    run = ecozone("targets", str(shared(CITY)), "-o", str(tmp_path / "targets.toml"))
    assert run.returncode == 0, run.stderr
    fragment = (tmp_path / "targets.toml").read_text("utf-8")
    tables = tomllib.loads(fragment)["indicators"]
    assert sorted(tables) == ["coastline_retention", "ranch_count", "restoration_area", "river_designation_share"]
    assert tables["ranch_count"]["level"] == ["national", "provincial"]
    assert "美丽海湾" in fragment and "area_share" in fragment  # the unmapped ones, as comments
    run = run_audit_with(tmp_path, fragment)
    assert run.returncode in (0, 1), run.stderr
    doc = json.loads((tmp_path / "report" / "report.json").read_text("utf-8"))
    sources = {i["id"]: i["source"] for i in doc["indicators"]}
    assert "全市自然岸线保有率达到37%" in sources["coastline_retention"] and CITY.name in sources["coastline_retention"]
    md = (tmp_path / "report" / "report.md").read_text("utf-8")
    assert "仙境海岸" in md and "beautiful\\_city" in md  # escaped for Markdown
    page = (tmp_path / "report" / "report.html").read_text("utf-8")
    assert "&quot;仙境海岸&quot;" in page


def test_the_traditional_toml_runs_in_the_audit(tmp_path):
    run = ecozone("targets", str(shared(SHANXI)), "-o", str(tmp_path / "targets.toml"))
    assert run.returncode == 0, run.stderr
    assert run_audit_with(tmp_path, (tmp_path / "targets.toml").read_text("utf-8")).returncode in (0, 1)


def test_about_and_list_levels_in_the_audit(tmp_path):
    fragment = ('[indicators.coast]\nindicator = "coastline_retention"\ntarget = 50\noperator = "~"\ntolerance = 1\n'
                '[indicators.ranches]\nindicator = "ranch_count"\nlevel = ["national", "provincial"]\ntarget = 1\n')
    run = run_audit_with(tmp_path, fragment)
    assert run.returncode in (0, 1), run.stderr
    doc = json.loads((tmp_path / "report" / "report.json").read_text("utf-8"))
    coast = next(i for i in doc["indicators"] if i["id"] == "coast")
    assert coast["tolerance"] == 1 and coast["status"] == ("pass" if abs(coast["value"] - 50) <= 1 else "fail")
    assert "± 1" in run.stdout
    run = run_audit_with(tmp_path, '[indicators.coast]\nindicator = "coastline_retention"\ntarget = 50\noperator = "~"\n')
    assert run.returncode == 2 and "tolerance" in run.stderr and run.stderr.count("\n") == 1


def test_include_errors_are_one_line(tmp_path):
    (tmp_path / "audit.toml").write_text(f'manifest = {json.dumps(str(DEMO_MANIFEST))}\ninclude = ["nowhere.toml"]\n',
                                         encoding="utf-8")
    run = ecozone("audit", "audit.toml", "-o", "report", cwd=tmp_path)
    assert run.returncode == 2 and "nowhere.toml not found" in run.stderr and run.stderr.count("\n") == 1
    run = run_audit_with(tmp_path, "[indicators.coastline_retention]\ntarget = 37\n",
                         "[indicators.coastline_retention]\ntarget = 35\n")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "targets.toml" in run.stderr and "audit.toml" in run.stderr and "also defined in" in run.stderr
    run = run_audit_with(tmp_path, 'title = "no"\n')
    assert run.returncode == 2 and "targets.toml" in run.stderr and "title" in run.stderr
