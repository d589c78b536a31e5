"""ecozone targets on careless and hostile input (found in review): a long sentence is text, not a file name; large
targets are written exactly; a rate per year is not mapped as an area; a range's top is in the value's unit; a
crafted file name or quote cannot add a table to the TOML; broken files are one line, exit 2."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from ecozone.cli import main
from ecozone.errors import InputError
from ecozone.plans import plan_targets, targets_toml
from ecozone.plans.read import decode_text


def test_a_long_sentence_is_text_not_a_file_name():
    text = "到2025年，全市自然岸线保有率达到37%，" + "滨海湿地修复面积不少于120公顷，" * 6 + "。"
    assert len(text.encode("utf-8")) > 255
    assert any(t["indicator"] == "coastline_retention" for t in plan_targets(text))


def test_large_targets_are_written_exactly():
    toml = tomllib.loads(targets_toml(plan_targets("到2025年，完成滨海湿地修复面积1234567公顷。")))
    assert next(iter(toml["indicators"].values()))["target"] == 1234567


def test_a_rate_per_year_is_not_an_area_and_a_range_keeps_its_unit():
    rate = plan_targets("到2025年，全市滨海湿地修复面积达到10公顷/年。")[0]
    assert rate["indicator"] is None and rate["unit"] == "公顷/年"
    ranch = plan_targets("到2025年，海洋牧场面积达到10-20平方公里。")[0]
    assert (ranch["indicator"], ranch["value"], ranch["value_max"], ranch["unit"]) == ("ranch_area", 10.0, 20.0, "km²")


def test_a_crafted_file_name_or_quote_cannot_add_a_table(tmp_path):
    targets = plan_targets("到2025年，建成省级以上海洋牧场50处\x01\x7f。")
    for t in targets:
        t["source"] = {"file": "plan\n[indicators.coastline_retention]\ntarget = 1\n#.txt", "paragraph": 1}
    text = targets_toml(targets)
    doc = tomllib.loads(text)  # valid TOML: no raw control character, no injected line
    assert set(doc.get("indicators", {})) == {"ranch_count"}
    assert "\n[indicators.coastline_retention]" not in text


def test_broken_files_are_one_line(tmp_path):
    with pytest.raises(InputError, match="UTF-16"):
        decode_text(b"\xff\xfeA", "x.txt")
    bad = tmp_path / "plan.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a pdf")
    result = CliRunner().invoke(main, ["targets", str(bad)])
    assert result.exit_code == 2 and "PDF" in result.output and "Traceback" not in result.output
