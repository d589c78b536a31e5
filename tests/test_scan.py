"""``ecozone scan`` on hostile and odd deliveries (issue 21, review items 8, 9, 10, 13): names from the files
made inert in the manifest (checked by parsing it with tomllib), odd files listed instead of crashing, kinds
from whole words of names, links out of the folder not followed, and earlier red lines said so.

The oracles are independent of scan's code: tomllib parses the manifest, the expected kinds and layer names are
written out here by hand, and the links are checked with os.path."""

from __future__ import annotations

import os
import sqlite3
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import ecozone
from ecozone.cli import main
from ecozone.scan import scan

CRS = "EPSG:4549"
X0, Y0 = 620_000.0, 4_150_000.0
EVIL = 'y\n[layers.evil]\nfile = "../outside/secret.gpkg"\nkind = "redline"\n#'
#: Layer names a delivery may hold: a TOML injection, a template, a path, a quote, a backslash, control characters
HOSTILE = [EVIL, "{{7*7}}", "../x", 'a"b', "c\\d", "e\r\n[layers.cr]\x7f\x01f", "g\u2028[layers.ls]\u202eh"]


def boxes(n: int) -> list:
    return [shapely.box(X0 + k * 200, Y0, X0 + k * 200 + 100, Y0 + 100) for k in range(n)]


def frame(columns: dict, n: int = 2, geometry=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in columns.items()},
                            geometry=geometry if geometry is not None else boxes(n), crs=CRS)


def gpkg_with_layers(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """A GeoPackage whose layers have any names (written as t0, t1 … and renamed in SQLite, as GDAL would not)."""
    for i, gdf in enumerate(layers.values()):
        pyogrio.write_dataframe(gdf, path, layer=f"t{i}", layer_options={"SPATIAL_INDEX": "NO"})
    con = sqlite3.connect(path)
    for i, name in enumerate(layers):
        con.execute(f'ALTER TABLE "t{i}" RENAME TO "{name.replace(chr(34), chr(34) * 2)}"')
        for table in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
            con.execute(f"UPDATE {table} SET table_name=? WHERE table_name=?", (name, f"t{i}"))
        con.execute("UPDATE gpkg_contents SET identifier=? WHERE table_name=?", (name, name))
    con.commit()
    con.close()


def run_scan(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["scan", *args])
    return r.exit_code, r.stdout, r.stderr


def coast(n: int = 2) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(X0 + k * 200, Y0), (X0 + k * 200 + 100, Y0 + 50)]) for k in range(n)]
    return frame({"名称": "岸段", "岸线类型": "砂质"}, n, lines)


def test_hostile_layer_field_and_file_names_stay_data(tmp_path):
    src = tmp_path / "delivery"
    src.mkdir()
    # every hostile name a recognised coastline layer (its name lands in `layer = "…"` and `source = "…"`)
    layers = {name: coast() for name in HOSTILE}
    # and a layer whose field names are hostile: not recognised, its fields listed in a comment
    layers["fields"] = frame({EVIL: "x", "{{7*7}}": "y", 'q"\\': "z"})
    gpkg_with_layers(src / "multi.gpkg", layers)
    assert {str(n) for n, _ in pyogrio.list_layers(src / "multi.gpkg")} == set(layers)
    # hostile file names: a recognised XZQ (its mapping quoted) and files scan does not read
    xzq = frame({"XZQDM": ["370602", "370611"], "XZQMC": ["芝罘区", "牟平区"]})
    xzq.to_file(src / 'x\n[layers.file]\nfile = "a"\n#"\\.gpkg', layer="XZQ")
    (src / 'z\n[layers.csv]\nkind = "redline"\n.csv').write_text("a\n")
    manifest = tmp_path / "out" / "manifest.toml"
    manifest.parent.mkdir()
    code, _, err = run_scan(str(src), "-o", str(manifest), "--name", 'n\n[layers.name]\n"')
    assert code == 0, err
    text = manifest.read_text("utf-8")
    doc = tomllib.loads(text)
    assert set(doc) == {"name", "layers"} and doc["name"] == 'n\n[layers.name]\n"'
    found = {(entry["layer"], entry["kind"]) for entry in doc["layers"].values()}
    assert found == {(name, "coastline") for name in HOSTILE} | {("XZQ", "district")}
    for entry in doc["layers"].values():  # each file relative to the manifest, the real file
        target = manifest.parent / entry["file"]
        assert target.is_file() and target.parent.resolve() == src.resolve()
        assert entry["file"].startswith("../delivery/")
    xzq_entry = next(e for e in doc["layers"].values() if e["kind"] == "district")
    assert xzq_entry["fields"] == {"name": "XZQMC", "id": "XZQDM"} and xzq_entry["file"].endswith('"\\.gpkg')
    # every file-derived name of the not recognised is in one comment line, inert
    comments = [line for line in text.splitlines() if line.startswith("#   ")]
    assert any("multi.gpkg / fields" in line and "{{7*7}}" in line and "y\\n[layers.evil]" in line for line in comments)
    assert any(".csv" in line and "z\\n[layers.csv]" in line for line in comments)
    for line in text.splitlines():  # nothing TOML refuses or a terminal obeys
        assert not any(ch in line for ch in "\r\x01\x7f\u2028\u202e")
    # stderr: one line per layer (beside GDAL's warnings about the odd file name), each starting "ecozone: "
    assert all(line.startswith("ecozone: ") for line in err.splitlines())
    assert len([line for line in err.splitlines() if not line.startswith("ecozone: warning: ")]) == len(layers) + 2
    # the atlas reads the hostile-named layer it names
    atlas = ecozone.Atlas.from_manifest(manifest)
    name = next(k for k, e in doc["layers"].items() if e["layer"] == EVIL)
    assert len(atlas[name]) == 2 and atlas[name]["class"].tolist() == ["sandy", "sandy"]


def test_printed_manifest_without_out_is_the_same(tmp_path):
    gpkg_with_layers(tmp_path / "m.gpkg", {EVIL: coast()})
    code, out, err = run_scan(str(tmp_path))
    assert code == 0, err
    assert [(e["layer"], e["kind"]) for e in tomllib.loads(out)["layers"].values()] == [(EVIL, "coastline")]


def test_odd_files_are_listed_not_crashed_on(tmp_path):
    src = tmp_path / "odd"
    src.mkdir()
    survey = frame({"BSM": ["a", "b"], "DLBM": ["0101", "0301"], "ZLDWDM": "3706020010010000000"})
    table = pd.DataFrame({"DM": ["370602"], "MC": ["芝罘区"]})  # an attribute table (代码表) beside DLTB
    for path, driver in ((src / "survey.gpkg", "GPKG"), (src / "survey.gdb", "OpenFileGDB")):
        pyogrio.write_dataframe(survey, path, layer="DLTB", driver=driver)
        pyogrio.write_dataframe(table, path, layer="ZDB", driver=driver)
    (src / "metadata.json").write_text('{"project": "三调", "year": 2023}', "utf-8")
    (src / "broken.shp").write_bytes(b"\x00\x00\x27\x0a1234")
    (src / "table.csv").write_text("a,b\n1,2\n")
    for i in range(6):  # many of one kind: one line
        (src / f"tile{i}.tif").write_bytes(b"II*\x00")
    pyogrio.write_dataframe(survey, src / "gbk.gpkg", layer="DLTB")
    os.rename(src / "gbk.gpkg", os.fsencode(src) + "/红线.gpkg".encode("gbk"))  # a name from a GBK disk
    found = {f.label: f for f in scan(src)}
    gbk = os.fsdecode("红线.gpkg".encode("gbk"))
    assert {k: f.kind for k, f in found.items()} == {
        "survey.gpkg / DLTB": "land_survey", "survey.gpkg / ZDB": None, "survey.gdb / DLTB": "land_survey",
        "survey.gdb / ZDB": None, "metadata.json": None, "broken.shp": None, "table.csv": None, "*.tif": None,
        gbk: None}
    assert found[gbk].why.startswith("a name that is not UTF-8")
    assert "without geometry" in found["survey.gpkg / ZDB"].why and "without geometry" in found["survey.gdb / ZDB"].why
    assert found["metadata.json"].why.startswith("cannot be read (not GeoJSON")
    assert found["broken.shp"].why.startswith("cannot be read (")
    assert ".csv is not a layer format" in found["table.csv"].why and "6 files: a raster" in found["*.tif"].why
    manifest = tmp_path / "m.toml"
    code, _, err = run_scan(str(src), "-o", str(manifest))
    assert code == 0 and "Traceback" not in err and "internal error" not in err
    assert {e["kind"] for e in tomllib.loads(manifest.read_text("utf-8"))["layers"].values()} == {"land_survey"}


@pytest.mark.parametrize("name", ["table.csv", "broken.shp", "metadata.json", "missing.gpkg"])
def test_an_unreadable_source_is_one_line_exit_2(tmp_path, name):
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    (tmp_path / "broken.shp").write_bytes(b"\x00\x00\x27\x0a1234")
    (tmp_path / "metadata.json").write_text('{"year": 2023}')
    code, out, err = run_scan(str(tmp_path / name))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert f"{name}:" in err and "fix:" in err and "Traceback" not in err


#: file name → the kind a polygon layer holding only ``name`` (or ``type``, a red line's field) is taken for
NAMED = {
    "wetland": None, "farmland_protect": None, "islands": None, "roads_window": None, "landscape": None,
    "lands": "land", "land": "land", "Land_2023": "land", "陆地范围": "land",
    "wind_farms": "wind_farm", "offshore_wind": "wind_farm", "海上风电场": "wind_farm",
    "XZQ_2023": "district", "districts": "district", "区县界": "district", "bays": "bay", "美丽海湾": "bay",
    "建成区2020": "built_up_area", "海绵城市达标区": "sponge_city", "sponge_city_zones": "sponge_city",
    "redline_land_name_only": None,  # a red line's name, no red line field: neither a red line nor the land
}
TYPED = {"redline_land_2020": "redline", "陆域生态保护红线": "redline", "stbhhx_hy": "redline",
         "redline_baseline": "redline_baseline", "红线基线": "redline_baseline"}


def test_kinds_from_whole_words_of_names(tmp_path):
    for stem in NAMED:
        pyogrio.write_dataframe(frame({"name": ["a", "b"]}), tmp_path / f"{stem}.shp", encoding="UTF-8")
    for stem in TYPED:
        pyogrio.write_dataframe(frame({"type": ["水源涵养", "生物多样性维护"]}), tmp_path / f"{stem}.shp", encoding="UTF-8")
    kinds = {f.path.stem: f.kind for f in scan(tmp_path)}
    assert kinds == {**NAMED, **TYPED}


def test_rerun_in_the_folder_it_scans_and_links(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    gpd.GeoDataFrame({"XZQDM": ["1"], "XZQMC": ["秘密"]}, geometry=boxes(1), crs=CRS).to_file(outside / "secret.gpkg")
    src = tmp_path / "src"
    src.mkdir()
    coast().to_file(src / "coast.gpkg")
    os.symlink("coast.gpkg", src / "alias.gpkg")  # a link inside: kept as it is
    os.symlink("../outside/secret.gpkg", src / "link.gpkg")  # out: not followed
    os.symlink(outside, src / "linkdir")
    os.symlink(src / "nowhere.gpkg", src / "broken.gpkg")
    manifest = src / "manifest.toml"
    for attempt in range(2):
        code, _, err = run_scan(str(src), "-o", str(manifest), *(["--overwrite"] if attempt else []))
        assert code == 0, err
    text = manifest.read_text("utf-8")
    assert "secret" not in text and "outside" not in text
    layers = tomllib.loads(text)["layers"]
    assert sorted(e["file"] for e in layers.values()) == ["alias.gpkg", "coast.gpkg"]
    assert os.path.islink(src / "alias.gpkg")  # written as the link, not as coast.gpkg twice
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#   "))
    assert "link.gpkg: a link out of the folder" in comments and "linkdir: a link out of the folder" in comments
    assert "broken.gpkg: a broken link" in comments
    # an output that is an input under another name is still refused
    os.symlink("coast.gpkg", src / "m2.toml")
    code, _, err = run_scan(str(src), "-o", str(src / "m2.toml"), "--overwrite")
    assert code == 2 and "is also an input" in err and (src / "coast.gpkg").stat().st_size > 1000
    # from another folder, paths relative to it, the inside link not resolved
    elsewhere = tmp_path / "elsewhere" / "m.toml"
    elsewhere.parent.mkdir()
    code, _, err = run_scan(str(src), "-o", str(elsewhere))
    layers = tomllib.loads(elsewhere.read_text("utf-8"))["layers"]
    assert code == 0, err
    assert sorted(e["file"] for e in layers.values()) == ["../src/alias.gpkg", "../src/coast.gpkg"]
    assert len(ecozone.Atlas.from_manifest(elsewhere).names()) == 2


def test_earlier_red_lines_are_said_so(tmp_path):
    red = frame({"type": ["水源涵养", "生物多样性维护"]})
    for stem in ("redline_land", "redline_land_2020", "redline_marine", "stbhhx_2018", "stbhhx_2023"):
        red.to_file(tmp_path / f"{stem}.geojson")
    for folder in ("2019", "2023"):  # the year in the folder's name
        (tmp_path / folder).mkdir()
        red.to_file(tmp_path / folder / "hx.geojson")
    found = {f.label: f for f in scan(tmp_path)}
    assert {k: f.kind for k, f in found.items()} == {
        "redline_land.geojson": "redline", "redline_land_2020.geojson": "redline_baseline",
        "redline_marine.geojson": "redline", "stbhhx_2018.geojson": "redline_baseline",
        "stbhhx_2023.geojson": "redline", "2019/hx.geojson": "redline_baseline", "2023/hx.geojson": "redline"}
    assert "current" in found["redline_land.geojson"].note and "redline_land_2020" in found["redline_land.geojson"].note
    assert found["redline_marine.geojson"].note == ""
    text = ecozone.scan.manifest_text(list(found.values()), tmp_path / "manifest.toml")
    doc = tomllib.loads(text)
    assert doc["layers"]["redline_land_2020"]["kind"] == "redline_baseline"
    lines = text.splitlines()
    above = lines[lines.index("[layers.redline_land]") - 1]
    assert above.startswith("# redline_land.geojson: taken as the current red line (no year in its name)")
    above = lines[lines.index("[layers.stbhhx_2018]") - 1]
    assert above.startswith("# stbhhx_2018.geojson (2018): taken as an earlier red line than stbhhx_2023.geojson")
    assert sum(line.startswith("# ") for line in lines) == 1 + 6  # the heading, a line above each dated red line


def test_same_year_red_lines_are_left_to_check(tmp_path):
    red = frame({"type": ["水源涵养", "生物多样性维护"]})
    for stem in ("hx_2021", "hx2021", "hx_2019"):
        red.to_file(tmp_path / f"{stem}.geojson")
    found = scan(tmp_path)
    assert [f.kind for f in found] == ["redline"] * 3
    assert all("which is current cannot be told" in f.note for f in found)
