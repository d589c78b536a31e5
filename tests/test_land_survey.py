"""The land survey (issue 21): 地类图斑 as a GBK Shapefile and a FileGDB with the standard's fields, land use per
zone and class checked against pyproj.Geod (ellipsoidal) and direct shapely areas (planar)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod, Transformer

import ecozone
from ecozone.cli import main
from ecozone.crs.ellipsoidal import ellipsoidal_areas
from ecozone.errors import InputError, SchemaError
from ecozone.land_classes import LAND_CLASSES, level1
from ecozone.land_survey import read_survey
from ecozone.schema import normalise_code

CRS = "EPSG:4549"  # CGCS2000 3-degree GK, CM 120°E
X0, Y0 = 620_000.0, 4_150_000.0  # 120 km east of the CM: the plane overstates areas by 0.036 %
GEOD = Geod(ellps="GRS80")
TO_LL = Transformer.from_crs(CRS, 4490, always_xy=True)
REL = 1e-4  # 0.01 %

#: (DLBM, DLMC, KCXS) per 图斑, row by row: a 4 × 3 grid of 200 m × 150 m
CLASSES = [
    ("0101", "水田", 0.08), ("0102", "水浇地", 0.10), ("0103", "旱地", 0.12), ("0301", "乔木林地", 0.0),
    ("0305", "灌木林地", 0.0), ("0201K", "可调整果园", 0.0), ("1105", "沿海滩涂", 0.0), ("08H2A", "高教用地", 0.0),
    ("0702", "农村宅基地", 0.0), ("1203", "田坎", 0.0), ("0101", "水田", 0.05), ("09", "特殊用地", 0.0),
]
DISTRICTS = ["370602", "370611"]  # 芝罘区, 牟平区: columns 0–1 and 2–3
WRONG = 4  # this 图斑's TBMJ is 1 % off


def geod_area(geom) -> float:
    ll = shapely.transform(geom, lambda xy: np.column_stack(TO_LL.transform(xy[:, 0], xy[:, 1])))
    return abs(GEOD.geometry_area_perimeter(ll)[0])


def survey_frame() -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for i, (dlbm, dlmc, kcxs) in enumerate(CLASSES):
        col, row = i % 4, i // 4
        g = shapely.box(X0 + col * 200, Y0 + row * 150, X0 + (col + 1) * 200, Y0 + (row + 1) * 150)
        if i == 0:  # a hole: 图斑 are not all boxes
            g = g.difference(shapely.box(X0 + 50, Y0 + 50, X0 + 80, Y0 + 70))
        tbmj = geod_area(g) * (1.01 if i == WRONG else 1.0)
        kcmj = round(tbmj * kcxs, 2)
        district = DISTRICTS[col // 2]
        zldwdm = f"{district}{100 + row:03d}{200 + col:03d}0000000"
        rows.append({"BSM": f"3706{i:06d}", "TBBH": str(i + 1), "DLBM": dlbm, "DLMC": dlmc,
                     "QSDWDM": zldwdm, "QSDWMC": f"第{col}村", "ZLDWDM": zldwdm, "ZLDWMC": f"第{col}村",
                     "KCDLBM": "1203" if kcxs else None, "KCXS": kcxs, "TBMJ": tbmj, "KCMJ": kcmj,
                     "TBDLMJ": tbmj - kcmj, "BGRQ": "2023-12-31"})
        geoms.append(g)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def zones_frame() -> gpd.GeoDataFrame:
    # two zones cutting 图斑: a west zone to x0+300 (halfway through column 1), an east zone from there, short of the top
    return gpd.GeoDataFrame({"name": ["西区", "东区"]}, geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 300, Y0 + 460),
                                                                  shapely.box(X0 + 300, Y0 + 20, X0 + 900, Y0 + 400)],
                            crs=CRS)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("survey")
    gdf = survey_frame()
    shp = d / "dltb.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()  # a GBK shapefile as delivered: no .cpg, guessed
    gdb = d / "survey.gdb"
    pyogrio.write_dataframe(gdf, gdb, layer="DLTB", driver="OpenFileGDB")
    xzq = gpd.GeoDataFrame({"XZQDM": ["370602", "370611"], "XZQMC": ["芝罘区", "牟平区"]},
                           geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 450), shapely.box(X0 + 400, Y0, X0 + 800, Y0 + 450)],
                           crs=CRS)
    pyogrio.write_dataframe(xzq, gdb, layer="XZQ", driver="OpenFileGDB")
    zones = d / "zones.gpkg"
    zones_frame().to_file(zones)
    return {"shp": shp, "gdb": gdb, "zones": zones, "dir": d}


def test_land_classes():
    assert normalise_code(LAND_CLASSES, "0201k") == "0201K" and normalise_code(LAND_CLASSES, "水田") == "0101"
    assert normalise_code(LAND_CLASSES, "101") is None and normalise_code(LAND_CLASSES, "9999") is None
    assert {c for c in ("05H1", "0508", "0601", "0603", "08H1", "08H2", "08H2A", "0809", "0810", "09", "1001", "1009",
                        "1104A", "1107A", "1110", "1207")} <= set(LAND_CLASSES.codes)
    assert level1("0603") == "00" and level1("0603", wetland=False) == "06" and level1("0201K") == "02"
    assert LAND_CLASSES.label("0305") == "灌木林地" and LAND_CLASSES.label("1105", "en") == "coastal tidal flat"


def test_ellipsoidal_areas_match_geod():
    rng = np.random.default_rng(21)
    geoms = [shapely.box(x, y, x + w, y + h) for x, y, w, h in
             zip(rng.uniform(380_000, 640_000, 50), rng.uniform(3_900_000, 4_300_000, 50), rng.uniform(10, 900, 50),
                 rng.uniform(10, 900, 50))]
    got = ellipsoidal_areas(geoms, CRS)
    want = np.array([geod_area(g) for g in geoms])
    assert np.allclose(got, want, rtol=1e-8)
    assert not np.allclose(shapely.area(geoms), want, rtol=REL)  # the plane is not the ellipsoid here


@pytest.mark.parametrize("which", ["shp", "gdb"])
def test_read_survey_keeps_codes_and_chinese(files, which):
    gdf = read_survey(files[which])
    assert gdf["DLBM"].tolist()[:3] == ["0101", "0102", "0103"]
    assert gdf["ZLDWDM"].str.len().eq(19).all() and gdf["DLMC"].iloc[0] == "水田"


def test_numbers_get_their_leading_zeros_back(tmp_path):
    gdf = survey_frame()
    gdf = gdf[gdf["DLBM"].str.fullmatch(r"\d{4}")].copy()
    gdf["DLBM"] = gdf["DLBM"].astype(int)  # 101 for 0101, as a DBF numeric field stores it
    path = tmp_path / "numeric.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    read = read_survey(path)
    assert read["DLBM"].iloc[0] == "0101"
    assert any("leading zeros" in n for n in read.attrs["read_notes"])


def oracle(zones: gpd.GeoDataFrame, survey: gpd.GeoDataFrame, planar: bool) -> dict[tuple[str, str], float]:
    """Net m² per (zone, class), deduction to 1203: direct shapely intersections, areas by shapely or Geod."""
    out: dict[tuple[str, str], float] = {}
    for zname, z in zip(zones["name"], zones.geometry):
        for dlbm, kcxs, g in zip(survey["DLBM"], survey["KCXS"], survey.geometry):
            piece = z.intersection(g)
            if piece.is_empty:
                continue
            a = piece.area if planar else geod_area(piece)
            out[(zname, dlbm)] = out.get((zname, dlbm), 0.0) + a * (1 - kcxs)
            if kcxs:
                out[(zname, "1203")] = out.get((zname, "1203"), 0.0) + a * kcxs
    return out


def assert_matches_oracle(table, zones: gpd.GeoDataFrame, survey: gpd.GeoDataFrame, method: str) -> None:
    """Every (zone, class) of ``table`` equals :func:`oracle`'s area, and no row is missing or extra."""
    want = oracle(zones, survey, planar=method == "planar")
    got = {(z, c): a * 1e4 for z, c, a in zip(table["zone"], table["class"], table["area_ha"])}
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=REL), key


@pytest.mark.parametrize("method", ["ellipsoidal", "planar"])
def test_land_use_with_zones_against_oracles(method):
    survey, zones = survey_frame(), zones_frame()
    table = ecozone.land_use(survey, zones, area_method=method)
    assert_matches_oracle(table, zones, survey, method)
    # per zone the classes, 田坎 included, add up to the zone's surveyed area; shares to 1
    union = shapely.union_all(survey.geometry.values)
    for zname, z in zip(zones["name"], zones.geometry):
        piece = z.intersection(union)
        surveyed = piece.area if method == "planar" else geod_area(piece)
        rows = table[table["zone"] == zname]
        assert rows["area_ha"].sum() * 1e4 == pytest.approx(surveyed, rel=REL)
        assert rows["share"].sum() == pytest.approx(1.0)
        assert table.attrs["surveyed_area_ha"][zname] * 1e4 == pytest.approx(surveyed, rel=REL)
    paddy = table[(table["zone"] == "西区") & (table["class"] == "0101")].iloc[0]
    assert paddy["gross_area_ha"] > paddy["area_ha"] and paddy["area_mu"] == pytest.approx(paddy["area_ha"] * 15)
    assert np.isnan(table[table["class"] == "0301"]["gross_area_ha"]).all()  # no deduction: no gross
    assert table.attrs["area_method"] == method


def test_land_use_by_district_carries_the_official_figures(files):
    survey = survey_frame()
    table = ecozone.land_use(files["gdb"], xzq=files["gdb"], level=2)
    assert set(table["zone"]) == {"芝罘区", "牟平区"} and set(table["zone_code"]) == set(DISTRICTS)
    for code in DISTRICTS:
        mine = survey[survey["ZLDWDM"].str[:6] == code]
        rows = table[table["zone_code"] == code]
        assert rows["area_ha"].sum() * 1e4 == pytest.approx(mine["TBMJ"].sum(), rel=1e-9)  # TBDLMJ + KCMJ
        for dlbm in set(mine["DLBM"]) - {"1203"}:
            row = rows[rows["class"] == dlbm].iloc[0]
            assert row["area_ha"] * 1e4 == pytest.approx(mine.loc[mine["DLBM"] == dlbm, "TBDLMJ"].sum(), rel=1e-9)
            net = sum(geod_area(g) * (1 - k) for g, k, d in zip(mine.geometry, mine["KCXS"], mine["DLBM"]) if d == dlbm)
            assert row["geometry_area_ha"] * 1e4 == pytest.approx(net, rel=REL)
    check = table.attrs["tbmj_check"]
    assert check["checked"] == len(survey) and check["disagree"] == 1 and check["first"] == [survey["BSM"][WRONG]]


def test_level1_and_townships():
    table = ecozone.land_use(survey_frame(), level=1, by_township=True)
    assert set(table["zone"].str.len()) == {9}
    assert {"00", "01", "02", "03", "08", "1203"} <= set(table["class"])  # 1105 in the 湿地 group; 田坎 its own row
    assert table.loc[table["class"] == "00", "class_name"].iloc[0] == "湿地"
    gb = ecozone.land_use(survey_frame(), level=1, wetland=False)
    assert "11" in set(gb["class"]) and "00" not in set(gb["class"])


def test_unknown_dlbm_is_refused_in_one_line():
    survey = survey_frame()
    survey.loc[3, "DLBM"] = "0399"
    with pytest.raises(SchemaError, match=r"feature 3 \(BSM=3706000003\): DLBM '0399' is no 地类编码; fix: use .*GB/T 21010"):
        ecozone.land_use(survey)


def test_mdb_and_vct_are_refused(tmp_path):
    for name in ("dltb.mdb", "dltb.vct"):
        (tmp_path / name).write_bytes(b"\0")
        with pytest.raises(InputError, match="fix: .*(FileGDB|GeoPackage)"):
            read_survey(tmp_path / name)


def test_cli_land_use_shapefile_and_gdb(files):
    out = files["dir"] / "by_zone.csv"
    r = CliRunner().invoke(main, ["land-use", "--survey", str(files["shp"]), "--zones", str(files["zones"]),
                                  "--area-method", "planar", "-o", str(out)])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out, dtype={"class": str}, encoding="utf-8-sig")
    assert "0101" in set(csv["class"]) and "1203" in set(csv["class"])
    want = oracle(zones_frame(), survey_frame(), planar=True)
    got = {(z, c): a * 1e4 for z, c, a in zip(csv["zone"], csv["class"], csv["area_ha"])}
    assert got.keys() == want.keys() and all(got[k] == pytest.approx(v, rel=REL) for k, v in want.items())
    js = files["dir"] / "official.json"
    r = CliRunner().invoke(main, ["land-use", "--survey", str(files["gdb"]), "--xzq", str(files["gdb"]), "--level", "1",
                                  "-o", str(js)])
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text("utf-8"))
    assert doc["area_method"] == "ellipsoidal" and doc["level"] == 1
    assert doc["tbmj_check"]["disagree"] == 1
    assert {row["zone"] for row in doc["rows"]} == {"芝罘区", "牟平区"}
    assert "differ from their TBMJ" in r.output


def test_cli_refuses_unknown_codes_and_mdb(files, tmp_path):
    bad = survey_frame()
    bad.loc[5, "DLBM"] = "9999"
    path = tmp_path / "bad.shp"
    pyogrio.write_dataframe(bad, path, encoding="GBK")
    r = CliRunner().invoke(main, ["land-use", "--survey", str(path)])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "BSM=3706000005" in lines[0] and "'9999'" in lines[0] and "fix:" in lines[0]
    mdb = tmp_path / "survey.mdb"
    mdb.write_bytes(b"\0")
    r = CliRunner().invoke(main, ["land-use", "--survey", str(mdb)])
    assert r.exit_code == 2 and "ogr2ogr" in r.output


def test_coverage_and_area_table_take_the_area_method(tmp_path):
    survey, zones = survey_frame(), zones_frame()
    layer = survey[survey["DLBM"].isin(["0301", "0305"])]
    planar = ecozone.coverage(zones, layer)
    ell = ecozone.coverage(zones, layer, area_method="ellipsoidal")
    assert planar.attrs["area_method"] == "planar" and ell.attrs["area_method"] == "ellipsoidal"
    for zname, z in zip(zones["name"], zones.geometry):
        piece = z.intersection(shapely.union_all(layer.geometry.values))
        p = planar.loc[planar["zone"] == zname, "covered_ha"].iloc[0] * 1e4
        e = ell.loc[ell["zone"] == zname, "covered_ha"].iloc[0] * 1e4
        assert p == pytest.approx(piece.area, rel=REL) and e == pytest.approx(geod_area(piece), rel=REL)
        assert ell.loc[ell["zone"] == zname, "zone_area_ha"].iloc[0] * 1e4 == pytest.approx(geod_area(z), rel=REL)
    table = ecozone.area_table(survey, area_method="ellipsoidal", zone_field="BSM")
    assert np.allclose(table["area_ha"] * 1e4, [geod_area(g) for g in survey.geometry], rtol=REL)
    assert np.allclose(ecozone.area_table(survey)["area_ha"] * 1e4, shapely.area(survey.geometry.values), rtol=1e-12)
    with pytest.raises(SchemaError, match="area_method"):
        ecozone.area_table(survey, area_method="spherical")
    zpath, lpath, out = tmp_path / "z.gpkg", tmp_path / "l.gpkg", tmp_path / "c.json"
    zones.to_file(zpath)
    layer.to_file(lpath)
    r = CliRunner().invoke(main, ["coverage", "--zones", str(zpath), "--layer", str(lpath), "--area-method", "ellipsoidal",
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["area_method"] == "ellipsoidal"
    assert doc["rows"][0]["covered_ha"] == pytest.approx(ell["covered_ha"].iloc[0])


def test_scan_writes_a_manifest_an_atlas_reads(files, tmp_path):
    import shutil

    src = tmp_path / "delivery"
    src.mkdir()
    shutil.copytree(files["gdb"], src / "2023变更.gdb")
    line = shapely.LineString([(X0, Y0 - 100), (X0 + 800, Y0 - 100)])
    coast = gpd.GeoDataFrame({"名称": ["岸段"], "岸线类型": ["砂质"]}, geometry=[line], crs=CRS)
    pyogrio.write_dataframe(coast, src / "岸线.shp", encoding="GBK")
    (src / "岸线.cpg").unlink()
    roads = gpd.GeoDataFrame({"name": ["G18"], "class": ["高速"]}, geometry=[line.offset_curve(50)], crs=CRS)
    roads.to_file(src / "roads.geojson")
    parks = gpd.GeoDataFrame({"name": ["公园"]}, geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS)
    parks.to_file(src / "parks.gpkg")
    (src / "old.mdb").write_bytes(b"\0")
    manifest = src / "manifest.toml"
    r = CliRunner().invoke(main, ["scan", str(src), "-o", str(manifest)])
    assert r.exit_code == 0, r.output
    text = manifest.read_text("utf-8")
    assert 'kind = "land_survey"' in text and 'layer = "DLTB"' in text and 'kind = "coastline"' in text
    assert 'kind = "transport"' in text and 'encoding = "GBK"' in text and 'fields = { name = "XZQMC"' in text
    assert "# Not recognised" in text and "parks.gpkg" in text and "old.mdb" in text and "ogr2ogr" in text
    atlas = ecozone.Atlas.from_manifest(manifest)
    dltb = atlas[next(n for n in atlas.names() if atlas.layers[n].kind == "land_survey")]
    assert dltb["DLBM"].iloc[0] == "0101"
    table = ecozone.land_use(dltb, area_method="planar")
    assert table["area_ha"].sum() * 1e4 == pytest.approx(survey_frame()["TBMJ"].sum(), rel=1e-9)


@pytest.mark.parametrize("method", ["ellipsoidal", "planar"])
def test_zones_with_many_vertices_are_cut_into_parts_exactly(method):
    """A zone of thousands of vertices (a district's boundary) is measured in parts; the areas are the same."""
    survey = survey_frame()
    angle = np.linspace(0, 2 * np.pi, 2400, endpoint=False)
    radius = 260 + 4 * np.sin(np.arange(2400))  # a star: 2,400 vertices, valid
    wobbly = shapely.Polygon(np.column_stack([X0 + 350 + radius * np.cos(angle), Y0 + 200 + radius * np.sin(angle)]))
    assert wobbly.is_valid
    zones = gpd.GeoDataFrame({"name": ["圆", "其余"]}, geometry=[wobbly, shapely.box(X0, Y0, X0 + 800, Y0 + 450).difference(wobbly)],
                             crs=CRS)
    assert shapely.get_num_coordinates(zones.geometry.values).min() > 1000
    table = ecozone.land_use(survey, zones, area_method=method)
    assert_matches_oracle(table, zones, survey, method)
    total = sum(geod_area(g) if method == "ellipsoidal" else g.area for g in survey.geometry)
    assert table["area_ha"].sum() * 1e4 == pytest.approx(total, rel=REL)


def test_batches_give_the_same_table_and_name_features_by_their_row(files):
    zones = zones_frame()
    whole = ecozone.land_use(files["gdb"], zones)
    for survey in (files["gdb"], files["shp"], survey_frame()):
        small = ecozone.land_use(survey, zones, batch_size=5)
        pd.testing.assert_frame_equal(small.sort_values(["zone", "class"]).reset_index(drop=True),
                                      whole.sort_values(["zone", "class"]).reset_index(drop=True), rtol=1e-12)
        assert small.attrs["tbmj_check"]["disagree"] == 1
    official = ecozone.land_use(files["gdb"], batch_size=3)
    assert official["area_ha"].sum() * 1e4 == pytest.approx(survey_frame()["TBMJ"].sum(), rel=1e-12)
    bad = survey_frame()
    bad.loc[10, "DLBM"] = "0000"
    with pytest.raises(SchemaError, match=r"feature 10 \(BSM=3706000010\)"):
        ecozone.land_use(bad, batch_size=4)


def test_the_demo_land_survey():
    from ecozone._resources import dataset_dir

    path = dataset_dir("yantai") / "land_survey.gpkg"
    table = ecozone.land_use(path, xzq=path, level=1)
    dltb = read_survey(path)
    assert len(dltb) > 5000 and dltb["ZLDWDM"].str.len().eq(19).all()
    assert set(table["zone"]) == {"芝罘区", "福山区", "牟平区", "莱山区", "蓬莱区", "龙口市", "莱阳市", "莱州市", "招远市",
                                  "栖霞市", "海阳市"}
    assert table["area_ha"].sum() * 1e4 == pytest.approx(dltb["TBMJ"].sum(), rel=1e-9)
    assert table["geometry_area_ha"].sum() == pytest.approx(table["area_ha"].sum(), rel=1e-4)
    assert {"00", "01", "02", "03", "1203"} <= set(table["class"])


def test_without_zones_the_survey_needs_its_zldwdm(files):
    with pytest.raises(SchemaError, match="no ZLDWDM .*fix: give zones"):
        ecozone.land_use(survey_frame().drop(columns="ZLDWDM"))
    short = survey_frame()
    short.loc[2, "ZLDWDM"] = "3706"
    with pytest.raises(SchemaError, match=r"feature 2 \(BSM=3706000002\): ZLDWDM '3706' has no 6-digit district code"):
        ecozone.land_use(short)
    r = CliRunner().invoke(main, ["land-use", "--survey", str(files["gdb"]), "--zones", str(files["zones"]), "--by-township"])
    assert r.exit_code == 2 and "--by-township" in r.output


def test_scan_recognises_the_demo_folder():
    from ecozone._resources import dataset_dir
    from ecozone.scan import scan

    kinds = {f"{f.path.stem}/{f.layer}" if f.layer and f.path.suffix == ".gpkg" else f.path.stem: f.kind
             for f in scan(dataset_dir("yantai"))}
    assert kinds["land_survey/DLTB"] == "land_survey" and kinds["land_survey/XZQ"] == "district"
    assert {kinds[k] for k in ("redline_land", "redline_marine")} == {"redline"}
    assert kinds["redline_land_2020"] == "redline_baseline"  # named as redline_land but for its year: the earlier one
    assert (kinds["districts"], kinds["coastline"], kinds["rivers"], kinds["transport"], kinds["land"], kinds["wind_farms"],
            kinds["restoration"], kinds["mines"], kinds["marine_ranches"], kinds["sensitive_areas"], kinds["bays"]) == \
        ("district", "coastline", "river", "transport", "land", "wind_farm", "restoration", "mine", "marine_ranch",
         "sensitive_area", "bay")


def test_fields_under_their_chinese_names(tmp_path):
    from ecozone.schema import KINDS

    zh = {f.name: f.zh for f in KINDS["land_survey"].fields if f.name != "id"}
    survey = survey_frame()
    gdb = tmp_path / "中文字段.gdb"
    pyogrio.write_dataframe(survey.rename(columns=zh), gdb, layer="DLTB", driver="OpenFileGDB")
    read = read_survey(gdb)
    assert {"DLBM", "ZLDWDM", "KCXS", "TBMJ", "TBDLMJ"} <= set(read.columns) and read["DLBM"].iloc[0] == "0101"
    a = ecozone.land_use(gdb, zones_frame())
    b = ecozone.land_use(survey, zones_frame())
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    assert a.attrs["tbmj_check"]["disagree"] == 1
