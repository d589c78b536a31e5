"""One test per validation rule, each on a bad file written here; messages name file, feature and fix."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

import ecozone
from ecozone.errors import CRSError, GeometryError, SchemaError
from ecozone.io import read_layer
from ecozone.validate import validate_layer

from .conftest import square_districts


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def feature(props: dict, geom) -> dict:
    from shapely.geometry import mapping

    return {"type": "Feature", "properties": props, "geometry": None if geom is None else mapping(geom)}


def manifest(tmp_path: Path, name: str, file: str, kind: str) -> Path:
    (tmp_path / "manifest.toml").write_text(
        f'name = "t"\n[layers.{name}]\nfile = "{file}"\nkind = "{kind}"\n', "utf-8"
    )
    return tmp_path


def load(tmp_path: Path, name: str, file: str, kind: str):
    return ecozone.Atlas.from_manifest(manifest(tmp_path, name, file, kind))


def assert_one_line(msg: str, *parts: str) -> None:
    assert "\n" not in msg
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"
    assert "; fix: " in msg


def test_missing_crs_is_refused_with_the_fix(tmp_path):
    gdf = square_districts()
    gdf.to_file(tmp_path / "d.shp", encoding="UTF-8")
    (tmp_path / "d.prj").unlink()
    with pytest.raises(CRSError) as err:
        load(tmp_path, "districts", "d.shp", "district")
    assert_one_line(str(err.value), "d.shp", "layer", "no coordinate reference system", "gcj02")


def test_missing_crs_accepted_when_declared(tmp_path):
    gdf = square_districts()
    gdf.to_file(tmp_path / "d.shp", encoding="UTF-8")
    (tmp_path / "d.prj").unlink()
    (tmp_path / "manifest.toml").write_text(
        '[layers.districts]\nfile = "d.shp"\nkind = "district"\ncrs = "EPSG:4490"\n', "utf-8"
    )
    atlas = ecozone.Atlas.from_manifest(tmp_path)
    assert atlas.crs.to_epsg() == 4549
    assert any("declared" in n for n in atlas.layers["districts"].report.notes)


def test_invalid_geometry_is_repaired_counted_and_warned(tmp_path):
    bowtie = Polygon([(121.0, 37.0), (121.1, 37.1), (121.1, 37.0), (121.0, 37.1), (121.0, 37.0)])
    path = write_geojson(tmp_path / "red.geojson", [feature({"id": 7, "name": "蝴蝶", "type": "水源涵养"}, bowtie)])
    atlas = load(tmp_path, "red", "red.geojson", "redline")
    rep = atlas.layers["red"].report
    assert rep.repaired == 1
    (warning,) = rep.warnings
    assert_one_line(str(warning), str(path.name), "feature 0 (id=7, name=蝴蝶)", "Self-intersection", "make_valid")
    # the repaired bow-tie keeps both triangles: its area is the direct shapely computation
    assert atlas["red"].geometry.iloc[0].is_valid
    expected = gpd.GeoSeries([shapely.make_valid(bowtie)], crs=4326)
    assert atlas["red"].area.iloc[0] == pytest.approx(expected.to_crs(atlas.crs).area.iloc[0], rel=1e-9)
    # strict mode raises the same message
    gdf = gpd.read_file(path)
    with pytest.raises(GeometryError, match="repaired with make_valid"):
        validate_layer(gdf, "redline", source=str(path), strict=True)


def test_empty_geometry_is_dropped_and_warned(tmp_path):
    path = write_geojson(
        tmp_path / "bays.geojson",
        [feature({"name": "四十里湾"}, box(121.4, 37.5, 121.5, 37.6)), feature({"name": "空湾"}, None)],
    )
    atlas = load(tmp_path, "bays", "bays.geojson", "bay")
    assert len(atlas["bays"]) == 1
    (warning,) = atlas.layers["bays"].report.warnings
    assert_one_line(str(warning), path.name, "feature 1 (name=空湾)", "empty or missing geometry, dropped")


def test_wrong_geometry_type_is_refused(tmp_path):
    write_geojson(
        tmp_path / "d.geojson",
        [feature({"name": "甲"}, box(121, 37, 121.1, 37.1)), feature({"name": "线"}, LineString([(121, 37), (121.1, 37.1)]))],
    )
    with pytest.raises(GeometryError) as err:
        load(tmp_path, "districts", "d.geojson", "district")
    assert_one_line(str(err.value), "d.geojson", "feature 1 (name=线)", "LineString", "polygon")


def test_coastline_of_polygons_is_refused_with_the_fix(tmp_path):
    write_geojson(tmp_path / "c.geojson", [feature({"class": "基岩"}, box(121, 37, 121.1, 37.1))])
    with pytest.raises(GeometryError) as err:
        load(tmp_path, "coast", "c.geojson", "coastline")
    assert_one_line(str(err.value), "c.geojson", "feature 0", "Polygon", "boundary")


def test_missing_required_field_is_refused(tmp_path):
    write_geojson(tmp_path / "red.geojson", [feature({"name": "无类型"}, box(121, 37, 121.1, 37.1))])
    with pytest.raises(SchemaError) as err:
        load(tmp_path, "red", "red.geojson", "redline")
    assert_one_line(str(err.value), "red.geojson", "layer", "required field 'type' (红线类型) is missing", "name")


def test_unknown_code_lists_the_allowed_values(tmp_path):
    write_geojson(
        tmp_path / "coast.geojson",
        [
            feature({"id": "C1", "class": "砂质"}, LineString([(121, 37), (121.1, 37)])),
            feature({"id": "C2", "class": "concrete"}, LineString([(121.1, 37), (121.2, 37)])),
        ],
    )
    with pytest.raises(SchemaError) as err:
        load(tmp_path, "coast", "coast.geojson", "coastline")
    msg = str(err.value)
    assert_one_line(msg, "coast.geojson", "feature 1 (id=C2)", "'concrete'", "bedrock (基岩岸线)", "artificial (人工岸线)")


def test_chinese_codes_and_field_names_are_accepted(tmp_path):
    write_geojson(
        tmp_path / "mines.geojson",
        [feature({"名称": "甲矿", "矿山类型": "生产矿山", "治理状态": "已治理"}, box(121, 37, 121.01, 37.01))],
    )
    atlas = load(tmp_path, "mines", "mines.geojson", "mine")
    row = atlas["mines"].iloc[0]
    assert (row["name"], row["status"], row["restoration"]) == ("甲矿", "production", "restored")


def test_duplicate_ids_are_refused(tmp_path):
    write_geojson(
        tmp_path / "m.geojson",
        [
            feature({"id": 1, "status": "historic", "restoration": "untreated"}, box(121, 37, 121.01, 37.01)),
            feature({"id": 1, "status": "historic", "restoration": "restored"}, box(121.1, 37, 121.11, 37.01)),
        ],
    )
    with pytest.raises(SchemaError) as err:
        load(tmp_path, "mines", "m.geojson", "mine")
    assert_one_line(str(err.value), "m.geojson", "feature 0 (id=1), feature 1 (id=1)", "id 1 used by more than one feature")


@pytest.mark.parametrize("seed", range(12))
def test_duplicate_ids_found_by_sorting_as_by_a_set(seed):
    """The id check's fast path (Arrow text sorted, each id compared with the next) against a Python set of the
    ids present: missing ids are never duplicates; text, numbers and mixed columns, Arrow-backed or not."""
    import numpy as np
    import pandas as pd

    from ecozone.fields import _all_distinct

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    pool = ["a", "b", "甲", "1", "１", "", " a", "A", None, None]
    values = [pool[i] for i in rng.integers(0, len(pool), n)] if seed % 2 else [f"S{i}" for i in rng.permutation(n)]
    if seed % 4 == 3 and n:
        values[-1] = None
    present = [v for v in values if v is not None]
    expected = len(set(present)) == len(present)
    for dtype in ("string[pyarrow]", "string[python]", "str", object):
        series = pd.Series(values, dtype=dtype)
        assert _all_distinct(series if dtype is not object else series.astype("string")) == expected, (values, dtype)


def test_ids_arrow_cannot_hold_are_told_distinct_as_before():
    """Text with a lone surrogate (legal in Python strings, not in Arrow): the id check falls back to pandas."""
    import pandas as pd

    from ecozone.fields import _all_distinct

    assert _all_distinct(pd.Series(["a\udcff", "b"], dtype="string[python]"))
    assert not _all_distinct(pd.Series(["a\udcff", "a\udcff"], dtype="string[python]"))


def test_district_overlap_and_gap_are_reported_with_locations(tmp_path):
    path = write_geojson(
        tmp_path / "d.geojson",
        [
            feature({"name": "甲区"}, box(121.0, 37.0, 121.12, 37.1)),  # overlaps 乙区 by 0.02°
            feature({"name": "乙区"}, box(121.1, 37.0, 121.2, 37.1)),
            feature({"name": "丙区"}, box(121.0, 37.1, 121.2, 37.2).difference(box(121.05, 37.12, 121.08, 37.15))),
            feature({"name": "丁区"}, box(121.0, 37.2, 121.2, 37.3)),
        ],
    )
    atlas = load(tmp_path, "districts", "d.geojson", "district")
    rules = {w.rule: w for w in atlas.layers["districts"].report.warnings}
    overlap = rules["district_overlap"]
    assert_one_line(str(overlap), path.name, "feature 0 (name=甲区) and feature 1 (name=乙区)", "overlap", "near (121.1")
    assert overlap.location[0] == pytest.approx(121.11, abs=0.011)
    gap = rules["district_gap"]
    assert_one_line(str(gap), path.name, "gap of", "near (121.0")
    assert 121.05 < gap.location[0] < 121.08 and 37.12 < gap.location[1] < 37.15
    with pytest.raises(GeometryError, match="districts overlap"):
        validate_layer(gpd.read_file(path), "district", source=str(path), strict=True)


def test_clean_layer_has_no_issues():
    clean, report = validate_layer(square_districts(), "district", name="districts")
    assert report.ok and not report.issues and len(clean) == 2


def test_several_errors_are_all_reported_without_strict(tmp_path):
    path = write_geojson(
        tmp_path / "r.geojson",
        [feature({"id": 1, "level": "big"}, LineString([(121, 37), (121.1, 37)])), feature({"id": 1, "level": "干流"}, box(121, 37, 121.1, 37.1))],
    )
    _, report = validate_layer(read_layer(path), "river", source=path.name)
    assert {i.rule for i in report.errors} == {"missing_field", "unknown_code", "duplicate_id"}


def test_required_value_left_empty_is_refused(tmp_path):
    write_geojson(
        tmp_path / "p.geojson",
        [feature({"name": "湿地", "type": "滨海湿地", "status": "已完成", "year": None}, box(121, 37, 121.01, 37.01))],
    )
    with pytest.raises(SchemaError) as err:
        load(tmp_path, "projects", "p.geojson", "restoration")
    assert_one_line(str(err.value), "p.geojson", "feature 0 (name=湿地)", "required field 'year' (年份) is empty")


def test_field_names_in_another_case_or_cut_to_a_shapefiles_ten_bytes():
    from ecozone.fields import field_renames

    # PostGIS / ogr2ogr -lco LAUNDER write the standard's codes in lower case
    assert field_renames(["dlbm", "zldwdm", "kcxs", "BSM"], "land_survey") == {"dlbm": "DLBM", "zldwdm": "ZLDWDM", "kcxs": "KCXS"}
    # a GBK Shapefile keeps 10 bytes of 座落单位代码 / 扣除地类系数: five characters ("座落单位代")
    assert "座落单位代码".encode("gbk")[:10].decode("gbk") == "座落单位代"
    assert field_renames(["座落单位代", "扣除地类系", "地类编码"], "land_survey") == {
        "地类编码": "DLBM", "座落单位代": "ZLDWDM", "扣除地类系": "KCXS"}
    # a cut two fields share names neither: UTF-8 keeps 座落单 of both 座落单位代码 and 座落单位名称
    assert field_renames(["座落单"], "land_survey") == {}
