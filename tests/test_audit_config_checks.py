"""An audit config is checked completely before anything is measured (issue 16).

Each bad config below is written next to nothing but itself: it names the demo
dataset's manifest by its absolute path (``ecozone._resources.dataset_dir``),
so the configs are small and the demo files are never copied.  For each one,
``ecozone audit`` and ``ecozone validate`` must both exit 2 with the same
single line ``ecozone: error: CONFIG: … KEY (line N): …; fix: …`` on stderr,
create no output folder and measure nothing (every indicator's compute is
replaced by one that fails the test).  Configs whose problem needs no layer
contents must fail before any layer file is read (``read_layer`` fails the test
if called).  The line each message must name is marked ``# <-`` in the config.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecozone.atlas
from ecozone import audit as audit_mod
from ecozone._resources import dataset_dir
from ecozone.audit import INDICATORS, PRESETS, load_config
from ecozone.cli import main
from ecozone.errors import ConfigError
from ecozone.schema import KINDS, LAND_COVER_CLASSES

DEMO = dataset_dir("yantai")
MANIFEST_LINE = f'manifest = "{(DEMO / "manifest.toml").as_posix()}"'
README = Path(__file__).resolve().parents[1] / "README.md"


#: Only the demo's districts and bays, for the checks that read the layers (fast: two small files).
ZONE_LAYERS = [
    "[layers.districts]", f'file = "{(DEMO / "districts.geojson").as_posix()}"', 'kind = "district"',
    "[layers.bays]", f'file = "{(DEMO / "bays.geojson").as_posix()}"', 'kind = "bay"',
]


def ind(name: str, indicator: str, *lines: str) -> list[str]:
    """An ``[indicators.NAME]`` table of the catalogue's ``indicator``."""
    return [f"[indicators.{name}]", f'indicator = "{indicator}"', *lines]


#: (id, config lines after the manifest line, the key the message must name, files written beside the config,
#:  whether the check needs the layers' contents)
BAD: list[tuple[str, list[str], str, dict[str, str], bool]] = [
    # parameter values not in the catalogue's / schema's lists
    ("severity misspelt", ["[indicators.violations]", 'severity = "violatoin"  # <-'], "severity", {}, False),
    ("mine status misspelt", ind("m", "mine_restoration_rate", 'status = "histroic"  # <-'), "status", {}, False),
    ("scope with a hyphen", ind("m", "mine_restoration_rate", 'scope = "in-view"  # <-'), "scope", {}, False),
    ("basis unknown", ind("m", "mine_restoration_rate", 'basis = "number"  # <-'), "basis", {}, False),
    ("realm misspelt", ind("r", "redline_coverage", 'realm = "lnad"  # <-'), "realm", {}, False),
    ("baseline realm unknown", ["[indicators.redline_not_reduced]", 'baseline = "redline_land_2020"',
                                'realm = "sea"  # <-'], "realm",
     {}, False),
    ("restoration type unknown", ind("w", "restoration_area", 'type = "mangrove_forest"  # <-'), "type", {}, False),
    ("one restoration status of a list unknown", ind("w", "restoration_area", 'status = ["completed", "finished"]  # <-'),
     "status", {}, False),
    ("ranch level unknown", ind("n", "ranch_count", 'level = "county"  # <-'), "level", {}, False),
    ("ranch type unknown", ind("n", "ranch_area", 'type = "reefs"  # <-'), "type", {}, False),
    ("land-cover class misspelt", ind("f", "land_cover_share", 'class = "forrest"  # <-'), "class", {}, False),
    ("operator unknown", ind("c", "coastline_retention", 'operator = "=>"  # <-'), "operator", {}, False),
    ("until not a year", ind("w", "restoration_area", "until = 25  # <-"), "until", {}, False),
    ("zone and bay together", ind("c", "coastline_retention", 'zone = "芝罘区"', 'bay = "四十里湾"  # <-'), "bay", {}, False),
    # targets out of range for their unit
    ("share of 250 %", ind("c", "coastline_retention", "target = 250  # <-"), "target", {}, False),
    ("negative share", ind("c", "redline_coverage", "target = -5  # <-"), "target", {}, False),
    ("nan target", ind("c", "coastline_retention", "target = nan  # <-"), "target", {}, False),
    ("infinite hectares", ind("w", "restoration_area", "target = inf  # <-"), "target", {}, False),
    ("negative hectares", ind("w", "restoration_area", "target = -3  # <-"), "target", {}, False),
    ("negative km2", ind("a", "ranch_area", "target = -1.5  # <-"), "target", {}, False),
    ("negative count", ind("n", "ranch_count", "target = -1  # <-"), "target", {}, False),
    ("fractional count", ["[indicators.violations]", "target = 2.5  # <-"], "target", {}, False),
    ("target as text", ind("c", "coastline_retention", 'target = "high"  # <-'), "target", {}, False),
    # settings
    ("view distance zero", ["[settings]", "view_distance_m = 0  # <-"], "view_distance_m", {}, False),
    ("observer below ground", ["[settings]", "observer_m = -1.7  # <-"], "observer_m", {}, False),
    ("search radius infinite", ["[settings]", "search_m = inf  # <-"], "search_m", {}, False),
    ("view distance nan", ["[settings]", "view_distance_m = nan  # <-"], "view_distance_m", {}, False),
    ("distance as text", ["[settings]", 'view_distance_m = "1 km"  # <-'], "view_distance_m", {}, False),
    ("estuarine rule unknown", ["[settings]", 'estuarine = "estuary"  # <-'], "estuarine", {}, False),
    ("include_islands as text", ["[settings]", 'include_islands = "no"  # <-'], "include_islands", {}, False),
    ("river width negative", ["[settings]", "river_widths = { trunk = -50 }  # <-"], "river_widths", {}, False),
    ("dotted key at the top", ["settings.search_m = 0  # <-"], "search_m", {}, False),
    ("inline indicator table", ["[indicators]", 'c = { indicator = "coastline_retention", target = 250 }  # <-'], "target",
     {}, False),
    # unknown tables and keys
    ("unknown top-level key", ['colour = "red"  # <-'], "colour", {}, False),
    ("unknown top-level table", ["[setting]  # <-", "include_islands = true"], "setting", {}, False),
    ("unknown key in settings", ["[settings]", "view_distance = 500  # <-"], "view_distance", {}, False),
    ("unknown key in zones", ["[zones]", 'district = "districts"  # <-'], "district", {}, False),
    ("unknown key in an indicator", ind("c", "coastline_retention", 'bays = "四十里湾"  # <-'), "bays", {}, False),
    ("unknown indicator", ["[indicators.c]", 'indicator = "coastline_retension"  # <-'], "indicator", {}, False),
    ("unknown key in a config layer", ["[layers.extra]", 'file = "x.geojson"', 'kind = "bay"', 'colour = "red"  # <-'],
     "colour", {}, False),
    ("unknown kind of a config layer", ["[layers.extra]", 'file = "x.geojson"', 'kind = "bays"  # <-'], "kind", {}, False),
    ("measurement crs in degrees", ['crs = "EPSG:4326"  # <-'], "crs", {}, False),
    # [zones] and parameters naming layers that are not of the right kind, or do not exist
    ("districts naming a bay layer", ["[zones]", 'districts = "bays"  # <-'], "districts", {}, False),
    ("bays naming the districts", ["[zones]", 'bays = "districts"  # <-'], "bays", {}, False),
    ("districts naming no layer", ["[zones]", 'districts = "counties"  # <-'], "districts", {}, False),
    ("baseline naming the current red line", ["[indicators.redline_not_reduced]", 'baseline = "redline_land"  # <-'],
     "baseline", {}, False),
    ("raster naming the DEM", ind("f", "land_cover_share", 'raster = "dem"  # <-'), "raster", {}, False),
    # a broken manifest referenced from the config
    ("manifest missing", ['manifest = "nowhere/manifest.toml"  # <-'], "manifest", {}, False),
    ("manifest not TOML", ['manifest = "m.toml"  # <-'], "manifest", {"m.toml": 'name = "x\n'}, False),
    ("manifest layers not a table", ['manifest = "m.toml"  # <-'], "manifest", {"m.toml": "layers = 3\n"}, False),
    ("manifest unknown key", ['manifest = "m.toml"  # <-'], "manifest",
     {"m.toml": (DEMO / "manifest.toml").read_text("utf-8") + '\ncolour = "red"\n'}, False),
    ("manifest layer unknown key", ['manifest = "m.toml"  # <-'], "manifest",
     {"m.toml": '[layers.d]\nfile = "d.geojson"\nkind = "district"\ncolour = "red"\n'}, False),
    # what needs the layers' contents: checked after reading, still before measuring
    ("zone not a district", [*ZONE_LAYERS, *ind("r", "redline_coverage", 'zone = "芝罘"  # <-')], "zone", {}, True),
    ("bay not a bay", [*ZONE_LAYERS, *ind("c", "coastline_retention", 'bay = "四十里"  # <-')], "bay", {}, True),
    ("zone field missing", [*ZONE_LAYERS, "[zones]", 'zone_field = "区名"  # <-'], "zone_field", {}, True),
]


def write_config(folder: Path, lines: list[str], files: dict[str, str]) -> tuple[Path, int]:
    """The config (the demo manifest first unless the case names its own manifest or districts) and the line
    marked ``# <-`` (0: none)."""
    if not any(line.startswith("manifest =") or line == "[layers.districts]" for line in lines):
        lines = [MANIFEST_LINE, *lines]
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "audit.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    marked = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith("# <-")]
    assert len(marked) <= 1, lines
    return path, marked[0] if marked else 0


@pytest.fixture()
def nothing_measured(monkeypatch):
    """Every indicator's compute fails the test if called."""

    def measured(*_args, **_kwargs):
        raise AssertionError("an indicator was measured although the config is bad")

    for key, indicator in list(INDICATORS.items()):
        monkeypatch.setitem(audit_mod.INDICATORS, key, dataclasses.replace(indicator, compute=measured))


def one_error_line(result, config: Path, key: str, line: int) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith(f"ecozone: error: {config}: "), message
    assert re.search(rf"(^|[\s\]]){re.escape(key)} \(line {line}\): ", message), (key, line, message)
    assert "; fix: " in message, message
    return message


@pytest.mark.parametrize("lines, key, files, needs_layers", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_config_one_line_exit_2_from_audit_and_validate_nothing_measured(
    tmp_path, monkeypatch, nothing_measured, lines, key, files, needs_layers
):
    if not needs_layers:  # refused from the config (and manifest) alone: no layer file is read
        def read(*_args, **_kwargs):
            raise AssertionError("a layer was read although the config alone is bad")

        monkeypatch.setattr(ecozone.atlas, "read_layer", read)
    config, line = write_config(tmp_path, lines, files)
    out = tmp_path / "report"
    runner = CliRunner()
    audited = one_error_line(runner.invoke(main, ["audit", str(config), "-o", str(out)]), config, key, line)
    validated = one_error_line(runner.invoke(main, ["validate", str(config)]), config, key, line)
    assert audited == validated  # validate refuses exactly what audit refuses, with the same words
    if needs_layers:  # the CLI prepares its report folder before reading the layers: nothing may be in it
        assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())
    else:
        assert not out.exists()  # nothing written, not even the folder
    with pytest.raises(ConfigError) as err:  # the library refuses it the same way
        audit_mod.load_atlas(load_config(config))
    assert f"ecozone: error: {err.value}" == audited


def test_the_messages_say_what_is_wrong_and_the_fix(tmp_path):
    """A few messages in full: the problem in the user's words and a suggestion for a misspelling."""
    expect = {
        'severity = "violatoin"': ("'violatoin' is not a severity", "did you mean 'violation'?"),
        'scope = "in-view"': ("'in-view' is not a scope", "did you mean 'in_view'?"),
        'realm = "lnad"': ("'lnad' is not a realm", "did you mean 'land'?"),
    }
    for setting, (problem, fix) in expect.items():
        indicator = "violations" if "severity" in setting else ("redline_coverage" if "realm" in setting else "mine_restoration_rate")
        config, _ = write_config(tmp_path, ind("x", indicator, setting + "  # <-"), {})
        with pytest.raises(ConfigError) as err:
            load_config(config)
        assert problem in str(err.value) and f"fix: {fix}" in str(err.value), str(err.value)
    config, _ = write_config(tmp_path, ['manifest = "m.toml"  # <-'], {"m.toml": "layers = 3\n"})
    with pytest.raises(ConfigError) as err:
        load_config(config)
    # names the manifest and that the config referred to it
    assert str(err.value).startswith(f"{config}: manifest (line 1): ") and str(tmp_path / "m.toml") in str(err.value)


def test_allowed_values_come_from_the_schema_code_lists_chinese_names_included(tmp_path):
    """Every code (and Chinese name) of the schema's lists is accepted and kept as the English code."""
    cases = {
        ("redline_coverage", "realm"): KINDS["redline"].field("realm").codes,
        ("restoration_area", "type"): KINDS["restoration"].field("type").codes,
        ("restoration_area", "status"): KINDS["restoration"].field("status").codes,
        ("mine_restoration_rate", "status"): KINDS["mine"].field("status").codes,
        ("ranch_count", "level"): KINDS["marine_ranch"].field("level").codes,
        ("ranch_area", "type"): KINDS["marine_ranch"].field("type").codes,
        ("land_cover_share", "class"): LAND_COVER_CLASSES,
    }
    lines: list[str] = []
    expected: dict[str, tuple[str, str]] = {}
    for (indicator, key), codes in cases.items():
        for n, code in enumerate(codes.items):
            for spelling in (code.code, code.zh):
                name = f"{indicator}_{key}_{n}_{'zh' if spelling == code.zh else 'en'}"
                lines += ind(name, indicator, f'{key} = "{spelling}"')
                expected[name] = (key, code.code)
    config, _ = write_config(tmp_path, lines, {})
    got = load_config(config)
    for name, (key, code) in expected.items():
        assert got.indicators[name][key] == code, (name, got.indicators[name])
    assert len(expected) >= 2 * sum(len(c.items) for c in cases.values())
    # and the words that are not schema codes
    config, _ = write_config(tmp_path, ind("m", "mine_restoration_rate", 'status = "all"', 'basis = "area"',
                                           'scope = "in_view"'), {})
    assert {k: load_config(config).indicators["m"][k] for k in ("status", "basis", "scope")} == {
        "status": "all", "basis": "area", "scope": "in_view"}
    config, _ = write_config(tmp_path, ["[indicators.violations]", 'severity = "违规"'], {})
    assert load_config(config).indicators["violations"]["severity"] == "violation"


def test_every_preset_and_the_demo_config_pass_validate(tmp_path):
    for preset in PRESETS:
        config, _ = write_config(tmp_path, [f'preset = "{preset}"'], {})
        assert load_config(config).preset == preset
    r = CliRunner().invoke(main, ["validate", str(DEMO / "audit.toml")])
    assert r.exit_code == 0, r.output
    assert "ok — 16 layers, 2 rasters, 15 indicators" in r.stdout


def readme_config(folder: Path) -> Path:
    """The README's complete audit config, on the demo data: its manifest the demo's, its own layers
    replaced by the demo's baseline red line under the name the README gives it."""
    section = README.read_text("utf-8").split("## Audits (`ecozone audit`)", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    kept, skipping = [], False
    for line in block.splitlines():
        if line.startswith("["):
            skipping = line.startswith("[layers.")
        if not skipping:
            kept.append(re.sub(r'^manifest = "[^"]*"', MANIFEST_LINE, line))
    baseline = (DEMO / "redline_land_2020.geojson").as_posix()
    text = "\n".join(kept) + textwrap.dedent(f"""
        [layers.redline_2020]
        file = "{baseline}"
        kind = "redline_baseline"
        """)
    path = folder / "readme_audit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_readme_example_passes_validate(tmp_path):
    config = readme_config(tmp_path)
    doc = tomllib.loads(config.read_text("utf-8"))
    assert {"zones", "settings", "indicators", "preset", "manifest", "lang"} <= set(doc)  # the example was found
    r = CliRunner().invoke(main, ["validate", str(config)])
    assert r.exit_code == 0, r.output
    got = load_config(config).indicators
    assert got["visible_mine_restoration"]["scope"] == "in_view" and got["forest_share"]["class"] == "forest"
