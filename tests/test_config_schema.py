"""One spec per config file (issue 18, point 4): the same table checks the file, writes CONFIG.md and
is printed as JSON Schema by ``ecozone config-schema``.

The oracle for the schema is the independent ``jsonschema`` validator: every file ecozone ships
validates, and every broken file below is refused by ecozone's loader *and* by the schema, so an
editor flags what ``ecozone`` would refuse.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from ecozone.cli import main
from ecozone.config_files import config_reference, config_schema
from ecozone.errors import ConfigError
from ecozone.manifest import checked_entry, read_manifest
from ecozone.maps.presets import load_preset, preset_names

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "layers" / "yantai"


def validator(kind: str) -> jsonschema.Draft7Validator:
    schema = config_schema(kind)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_config_md_is_written_from_the_specs():
    assert (ROOT / "CONFIG.md").read_text("utf-8") == config_reference(), \
        "CONFIG.md is out of date; fix: ecozone config-schema --markdown -o CONFIG.md --overwrite"


@pytest.mark.parametrize("kind, files", [
    ("manifest", [DEMO / "manifest.toml"]),
    ("audit", [DEMO / "audit.toml"]),
    ("preset", [ROOT / "maps" / f"{name}.toml" for name in preset_names()]),
])
def test_every_shipped_file_fits_its_schema(kind, files):
    check = validator(kind)
    assert files
    for path in files:
        errors = [e.message for e in check.iter_errors(tomllib.loads(path.read_text("utf-8")))]
        assert errors == [], (path, errors)


def load_manifest(path: Path) -> None:
    path, doc = read_manifest(path)
    for section in ("layers", "rasters"):
        for name, entry in doc.get(section, {}).items():
            checked_entry(path, section, name, entry)


MANIFEST = (DEMO / "manifest.toml").read_text("utf-8")
MANIFEST_BROKEN = {
    "unknown top-level key": MANIFEST + '\ncolour = "red"\n',
    "credits not text": MANIFEST.replace("credits = [", "credits = [1, ", 1),
    "layer kind unknown": MANIFEST.replace('kind = "bay"', 'kind = "bays"', 1),
    "layer without a file": MANIFEST + '\n[layers.extra]\nkind = "bay"\n',
    "illustrative as text": MANIFEST + '\n[layers.extra]\nfile = "x.geojson"\nkind = "bay"\nillustrative = "yes"\n',
    "fields not text": MANIFEST + '\n[layers.extra]\nfile = "x.geojson"\nkind = "bay"\nfields = { name = 3 }\n',
    "raster kind unknown": MANIFEST + '\n[rasters.extra]\nfile = "x.tif"\nkind = "elevation"\n',
}


@pytest.mark.parametrize("case", MANIFEST_BROKEN)
def test_a_broken_manifest_is_refused_by_ecozone_and_by_the_schema(tmp_path, case):
    text = MANIFEST_BROKEN[case]
    assert text != MANIFEST
    path = tmp_path / "manifest.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_manifest(path)
    assert "\n" not in str(err.value) and "fix: " in str(err.value)
    assert "(line " in str(err.value), str(err.value)
    assert list(validator("manifest").iter_errors(tomllib.loads(text))), case


AUDIT = (DEMO / "audit.toml").read_text("utf-8").replace('manifest = "manifest.toml"',
                                                         f"manifest = {json.dumps(str(DEMO / 'manifest.toml'))}")
AUDIT_BROKEN = {
    "estuarine rule unknown": ('estuarine = "artificial"', 'estuarine = "estuary"'),
    "view distance zero": ("view_distance_m = 1000", "view_distance_m = 0"),
    "language unknown": ('lang = "zh"', 'lang = "fr"'),
    "unknown zones key": ('districts = "districts"', 'district = "districts"'),
    "include_islands as text": ("include_islands = false", 'include_islands = "no"'),
    "operator unknown": ('bay = "四十里湾"', 'bay = "四十里湾"\noperator = "=>"'),
    "another indicator's parameter": ('bay = "四十里湾"', 'bay = "四十里湾"\nseverity = "violation"'),
    "target as text": ("target = 35", 'target = "35"'),
    "config layer kind unknown": ('kind = "redline_baseline"', 'kind = "redline_base"'),
}


@pytest.mark.parametrize("case", AUDIT_BROKEN)
def test_a_broken_audit_config_is_refused_by_ecozone_and_by_the_schema(tmp_path, case):
    from ecozone.audit import load_config

    old, new = AUDIT_BROKEN[case]
    assert old in AUDIT
    text = AUDIT.replace(old, new, 1)
    path = tmp_path / "audit.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"\(line \d+\)"):
        load_config(path)
    assert list(validator("audit").iter_errors(tomllib.loads(text))), case


def test_the_demo_audit_config_loads():
    from ecozone.audit import load_config

    assert load_config(DEMO / "audit.toml").indicators


PRESET = (ROOT / "maps" / "coastline.toml").read_text("utf-8")
PRESET_BROKEN = {
    "weight out of range": ("weight = 1.5", "weight = 30"),
    "opacity above one": ("fill_opacity = 0.03", "fill_opacity = 2"),
    "unknown style key": ("weight = 1.5", "width = 1.5"),
    "unknown source": ('source = "retention_by_district"', 'source = "retention_by_county"'),
    "unknown top-level key": ("simplify_m = 10", "simplify_m = 10\ncolour = 1"),
    "simplify as text": ("simplify_m = 10", 'simplify_m = "10"'),
    "realm unknown": ('source = "retention_by_district"', 'source = "retention_by_district"\nrealm = "sea"'),
}


@pytest.mark.parametrize("case", PRESET_BROKEN)
def test_a_broken_preset_is_refused_by_ecozone_and_by_the_schema(tmp_path, case):
    old, new = PRESET_BROKEN[case]
    assert old in PRESET
    text = PRESET.replace(old, new, 1)
    path = tmp_path / "preset.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_preset(path)
    # the line named is the line changed
    line = next(n for n, (a, b) in enumerate(zip(text.splitlines(), PRESET.splitlines()), 1) if a != b)
    assert f"(line {line})" in str(err.value), str(err.value)
    assert list(validator("preset").iter_errors(tomllib.loads(text))), case


def test_preset_error_in_the_second_layer_names_its_line(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('title = "x"\n\n[[layers]]\nsource = "district"\n\n[[layers]]\nsource = "bay"\n'
                    "style = { weight = 30 }\n", "utf-8")
    with pytest.raises(ConfigError, match=r"p.toml \(line 8\): \[\[layers\]\] #2 style.weight = 30; fix: a number from 0 to 20"):
        load_preset(path)


def test_manifest_error_names_its_line(tmp_path):
    path = tmp_path / "manifest.toml"
    path.write_text('name = "x"\n\n[layers.d]\nfile = "d.geojson"\nkind = "districts"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"manifest.toml \(line 5\): \[layers.d\]: kind 'districts' is unknown"):
        load_manifest(path)


def test_cli_prints_the_schema_and_writes_it(tmp_path):
    runner = CliRunner()
    for kind in ("manifest", "audit", "preset"):
        result = runner.invoke(main, ["config-schema", kind])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == config_schema(kind)
    out = tmp_path / "audit.schema.json"
    assert runner.invoke(main, ["config-schema", "audit", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text("utf-8"))["title"] == "ecozone audit config"
    again = runner.invoke(main, ["config-schema", "audit", "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    missing = runner.invoke(main, ["config-schema"])
    assert missing.exit_code == 2 and "KIND" in missing.output
    assert runner.invoke(main, ["config-schema", "--markdown"]).output == config_reference()


def test_a_table_named_after_its_indicator_holds_only_its_parameters_and_tilde_needs_a_tolerance():
    check = validator("audit")
    assert list(check.iter_errors({"indicators": {"ranch_count": {"target": 50, "status": "historic"}}}))
    assert not list(check.iter_errors({"indicators": {"ranch_count": {"target": 50, "level": ["national", "provincial"]}}}))
    assert list(check.iter_errors({"indicators": {"c": {"indicator": "coastline_retention", "target": 50, "operator": "~"}}}))
    assert not list(check.iter_errors({"indicators": {"c": {"indicator": "coastline_retention", "target": 50,
                                                            "operator": "~", "tolerance": 2}}}))
