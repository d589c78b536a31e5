"""Land use on the dask engine (issue 21, a province's 图斑): each task reads its own rows of the survey file and the
partial sums are added up.  The table is the one-process engine's to 1e-9 (relative), and its figures are checked
against pyproj.Geod (ellipsoidal) and direct shapely intersections (planar), as in test_land_survey."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import ecozone
from ecozone.cli import main
from ecozone.errors import SchemaError
from ecozone.land_classes import level1
from ecozone.land_survey import SurveySource

from .test_land_survey import CRS, REL, X0, Y0, geod_area, oracle

pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

from ecozone.dask_engine import row_ranges  # noqa: E402

#: 地类, KCXS, KCDLBM of the made-up 图斑, cycled over a 9 × 6 grid of 150 m × 120 m
KINDS = [("0101", 0.08, "1203"), ("0103", 0.12, "1203"), ("0301", 0.0, None), ("0201K", 0.0, None),
         ("1105", 0.0, None), ("0102", 0.10, None), ("0702", 0.0, None), ("0603", 0.0, None), ("08H2A", 0.0, None),
         ("1203", 0.0, None), ("0305", 0.0, None)]
COLS, ROWS, W, H = 9, 6, 150.0, 120.0
BATCH = 5  # 54 图斑: 11 batches, cut into row ranges of whole batches


def made_up_survey() -> gpd.GeoDataFrame:
    """54 图斑 in two districts and four townships, a hole in one, one TBMJ 1 % off, a deduction field to each."""
    rows, geoms = [], []
    for i in range(COLS * ROWS):
        col, row = i % COLS, i // COLS
        dlbm, kcxs, kcdlbm = KINDS[i % len(KINDS)]
        g = shapely.box(X0 + col * W, Y0 + row * H, X0 + (col + 1) * W, Y0 + (row + 1) * H)
        if i == 10:
            g = g.difference(shapely.box(X0 + col * W + 20, Y0 + row * H + 20, X0 + col * W + 60, Y0 + row * H + 50))
        tbmj = geod_area(g) * (1.01 if i == 23 else 1.0)
        kcmj = round(tbmj * kcxs, 2)
        district = "370602" if col < 5 else "370611"
        zldwdm = f"{district}{100 + row // 3:03d}{200 + col:03d}0000000"
        rows.append({"BSM": f"3706{i:06d}", "DLBM": dlbm, "ZLDWDM": zldwdm, "KCDLBM": kcdlbm, "KCXS": kcxs,
                     "TBMJ": tbmj, "KCMJ": kcmj, "TBDLMJ": tbmj - kcmj})
        geoms.append(g)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def made_up_zones() -> gpd.GeoDataFrame:
    """Three zones whose edges cut 图斑 (and a strip of survey outside every zone)."""
    return gpd.GeoDataFrame({"name": ["甲", "乙", "丙"]}, geometry=[
        shapely.box(X0 - 30, Y0 - 30, X0 + 420, Y0 + 400),
        shapely.box(X0 + 420, Y0 + 10, X0 + 1000, Y0 + 400),
        shapely.box(X0 + 100, Y0 + 400, X0 + 1500, Y0 + 800)], crs=CRS)


@pytest.fixture(scope="module")
def survey_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask_survey") / "dltb.gpkg"
    pyogrio.write_dataframe(made_up_survey(), path, layer="DLTB", driver="GPKG")
    return path


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same rows in the same order, text equal, numbers to 1e-9 relative, and the same attrs."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-9, atol=0, equal_nan=True)
        else:
            assert a[col].tolist() == b[col].tolist(), col
    assert a.attrs["notes"] == b.attrs["notes"]
    assert a.attrs["tbmj_check"] == b.attrs["tbmj_check"]
    assert a.attrs["surveyed_area_ha"].keys() == b.attrs["surveyed_area_ha"].keys()
    for zone, value in a.attrs["surveyed_area_ha"].items():
        assert b.attrs["surveyed_area_ha"][zone] == pytest.approx(value, rel=1e-9)


def test_row_ranges_are_whole_batches():
    assert row_ranges(54, 5, 4, None) == [(0, 15), (15, 30), (30, 40), (40, 54)]
    assert row_ranges(54, 5, 100, None)[-1] == (50, 54) and len(row_ranges(54, 5, 100, None)) == 11
    assert row_ranges(3, 100_000, 4, None) == [(0, 3)]
    ranges = row_ranges(10_000_000, 100_000, None, None)  # one per 250,000 图斑
    assert len(ranges) == 40 and ranges[0] == (0, 200_000) and ranges[-1][1] == 10_000_000
    assert all(a % 100_000 == 0 for a, _ in ranges)


def test_a_worker_reads_only_its_rows(survey_file):
    whole = pd.concat(SurveySource(survey_file).batches(BATCH))
    part = pd.concat(SurveySource(survey_file).batches(BATCH, 15, 32))
    assert part["BSM"].tolist() == whole["BSM"].iloc[15:32].tolist()
    assert [len(b) for b in SurveySource(survey_file).batches(BATCH, 15, 32)] == [5, 5, 5, 2]
    source = SurveySource(survey_file)
    assert source.count() == COLS * ROWS and source.fid_span == ("fid", 1)  # rows by a fid range


def test_a_geopackage_with_gaps_in_its_fids(client, tmp_path):
    """Deleted features leave gaps in the fids: the rows are found by GDAL's skip_features instead."""
    import sqlite3

    path = tmp_path / "gaps.gpkg"
    pyogrio.write_dataframe(made_up_survey(), path, layer="DLTB", driver="GPKG")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM DLTB WHERE fid IN (3, 31)")  # GeoPackage's triggers keep the feature count
    source = SurveySource(path)
    assert source.count() == COLS * ROWS - 2 and source.fid_span is None
    bsm = pd.concat(source.batches(BATCH, 20, 30))["BSM"].tolist()
    assert bsm == pd.concat(SurveySource(path).batches(BATCH))["BSM"].iloc[20:30].tolist()
    assert "3706000030" not in bsm and bsm[0] == "3706000021"  # fid = BSM + 1: fids 3 and 31 gone
    memory = ecozone.land_use(path, made_up_zones(), batch_size=BATCH)
    dask = ecozone.land_use(path, made_up_zones(), batch_size=BATCH, engine="dask", client=client, partitions=4)
    assert_same_table(memory, dask)


@pytest.mark.parametrize("method", ["ellipsoidal", "planar"])
@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("with_zones", [True, False])
def test_dask_engine_gives_the_one_process_table(client, survey_file, method, level, with_zones):
    zones = made_up_zones() if with_zones else None
    kwargs = {"level": level, "area_method": method, "batch_size": BATCH}
    memory = ecozone.land_use(survey_file, zones, **kwargs)
    dask = ecozone.land_use(survey_file, zones, engine="dask", client=client, partitions=4, **kwargs)
    assert_same_table(memory, dask)
    survey = made_up_survey()
    if with_zones:  # the zones cut 图斑: the oracle intersects them one by one
        want = oracle(zones, survey.assign(DLBM=[level1(c) if level == 1 and c != "1203" else c
                                                 for c in survey["DLBM"]]), planar=method == "planar")
        got = {(z, c): a * 1e4 for z, c, a in zip(dask["zone"], dask["class"], dask["area_ha"])}
        assert set(got) == set(want)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=REL), key
    else:  # per district: the survey's own TBDLMJ summed, the geometry's ellipsoidal net area beside it
        keys = [level1(c) if level == 1 and c != "1203" else c for c in survey["DLBM"]]
        official: dict = {}
        geometric: dict = {}
        for key, z, row, g in zip(keys, survey["ZLDWDM"].str[:6], survey.itertuples(), survey.geometry):
            area = geod_area(g) if method == "ellipsoidal" else g.area
            official[(z, key)] = official.get((z, key), 0.0) + row.TBDLMJ
            geometric[(z, key)] = geometric.get((z, key), 0.0) + area * (1 - row.KCXS)
            if row.KCXS:
                official[(z, "1203")] = official.get((z, "1203"), 0.0) + row.KCMJ
                geometric[(z, "1203")] = geometric.get((z, "1203"), 0.0) + area * row.KCXS
        got = {(z, c): (a * 1e4, g * 1e4) for z, c, a, g in
               zip(dask["zone"], dask["class"], dask["area_ha"], dask["geometry_area_ha"])}
        assert set(got) == set(official)
        for key in official:
            assert got[key][0] == pytest.approx(official[key], rel=1e-6), key
            assert got[key][1] == pytest.approx(geometric[key], rel=REL), key
    assert dask.attrs["tbmj_check"]["disagree"] == 1 and dask.attrs["tbmj_check"]["first"] == ["3706000023"]
    assert dask.attrs["tbmj_check"]["checked"] == COLS * ROWS


def test_dask_engine_on_a_frame_and_by_township(client):
    survey = made_up_survey()
    memory = ecozone.land_use(survey, level=1, by_township=True, batch_size=BATCH)
    dask = ecozone.land_use(survey, level=1, by_township=True, batch_size=BATCH, engine="dask", client=client,
                            partitions=3)
    assert_same_table(memory, dask)
    assert sorted(set(dask["zone"])) == ["370602100", "370602101", "370611100", "370611101"]


def test_dask_engine_names_the_bad_feature_by_its_row(client, tmp_path):
    bad = made_up_survey()
    bad.loc[37, "DLBM"] = "9999"
    path = tmp_path / "bad.gpkg"
    pyogrio.write_dataframe(bad, path, layer="DLTB")
    with pytest.raises(SchemaError, match=r"feature 37 \(BSM=3706000037\): DLBM '9999' is no 地类编码"):
        ecozone.land_use(path, engine="dask", client=client, partitions=4, batch_size=BATCH)


def test_cli_land_use_engine_dask(client, survey_file, tmp_path):
    zones = tmp_path / "zones.gpkg"
    made_up_zones().to_file(zones)
    address = client.scheduler.address
    outs = {}
    for name, extra in (("memory", []), ("dask", ["--engine", "dask", "--scheduler", address, "--partitions", "3"])):
        out = tmp_path / f"{name}.json"
        r = CliRunner().invoke(main, ["land-use", "--survey", str(survey_file), "--zones", str(zones), "--level", "1",
                                      "-o", str(out), *extra])
        assert r.exit_code == 0, r.output
        outs[name] = json.loads(out.read_text("utf-8"))
    assert outs["memory"].keys() == outs["dask"].keys()
    rows = {name: {(r["zone"], r["class"]): r["area_ha"] for r in doc["rows"]} for name, doc in outs.items()}
    assert rows["memory"].keys() == rows["dask"].keys() and rows["memory"]
    for key, value in rows["memory"].items():
        assert rows["dask"][key] == pytest.approx(value, rel=1e-9)
    r = CliRunner().invoke(main, ["land-use", "--survey", str(survey_file), "--partitions", "3"])
    assert r.exit_code == 2 and "--partitions: only for the dask engine" in r.output


@pytest.mark.parametrize("suffix", [".shp", ".gdb"])
def test_dask_engine_on_a_gbk_shapefile_and_a_filegdb(client, tmp_path, suffix):
    """Beyond GeoPackage the workers find their rows by GDAL's skip_features: the same table."""
    path = tmp_path / f"dltb{suffix}"
    if suffix == ".shp":
        pyogrio.write_dataframe(made_up_survey(), path, encoding="GBK")
    else:
        pyogrio.write_dataframe(made_up_survey(), path, layer="DLTB", driver="OpenFileGDB")
    source = SurveySource(path)
    assert source.count() == COLS * ROWS and not source.fid_span
    assert pd.concat(source.batches(BATCH, 40, 47))["BSM"].tolist() == [f"3706{i:06d}" for i in range(40, 47)]
    memory = ecozone.land_use(path, made_up_zones(), level=1, batch_size=BATCH)
    dask = ecozone.land_use(path, made_up_zones(), level=1, batch_size=BATCH, engine="dask", client=client,
                            partitions=5)
    assert_same_table(memory, dask)
