"""Shared fixtures.  Test data is made inside the tests (see tests/data/README.md);
reference files in ../shared/data are read, never copied."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
IN_CI = bool(os.environ.get("CI"))
#: Debian's Chromium, driven by playwright (never `playwright install`)
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: skipped when absent, but a hard failure in CI."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"CI is set but the reference data folder {SHARED} is missing")
        pytest.skip(f"reference data {SHARED} not present")
    return SHARED


@pytest.fixture(scope="session")
def _demo_atlas_once():
    """The demo atlas, loaded once per session; never handed to a test (see ``demo_atlas``)."""
    import ecozone

    return ecozone.demo_atlas()


@pytest.fixture
def demo_atlas(_demo_atlas_once):
    """The demo atlas: loaded once per session, each test gets its own deep copy (frames, reports,
    rasters), so a test that changes a frame cannot change what another test sees (≈ 30 ms a test)."""
    return copy.deepcopy(_demo_atlas_once)


def square_districts(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Two adjacent districts near Yantai, 0.1° wide, sharing an edge."""
    return gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["甲区", "乙区"]},
        geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.1, 37.0, 121.2, 37.1)],
        crs=crs,
    )


#: Test layers drawn in metres: CGCS2000 / 3-degree Gauss-Krüger CM 120°E, from a corner ≈ 121.1°E, 37.5°N.
GK_CRS = "EPSG:4549"
GK_X0, GK_Y0 = 600_000.0, 4_150_000.0


def square_zones_m(names: tuple[str, str]) -> gpd.GeoDataFrame:
    """Two adjacent 1 km squares east of (GK_X0, GK_Y0), named ``names``, in EPSG:4549."""
    return gpd.GeoDataFrame(
        {"name": list(names)},
        geometry=[box(GK_X0, GK_Y0, GK_X0 + 1000, GK_Y0 + 1000), box(GK_X0 + 1000, GK_Y0, GK_X0 + 2000, GK_Y0 + 1000)],
        crs=GK_CRS,
    )


@pytest.fixture(scope="session")
def _demo_run_once(tmp_path_factory):
    """``run_demo`` once for the session: (output folder, report); never handed to a test (see ``demo_run``)."""
    from ecozone.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out)


@pytest.fixture
def demo_run(_demo_run_once, tmp_path):
    """``run_demo``'s (output folder, report), run once per session: each test gets its own copy of the
    folder (≈ 10 MB) and of the report, so what one test changes no other test sees."""
    out, report = _demo_run_once
    mine = tmp_path / out.name
    shutil.copytree(out, mine)
    return mine, copy.deepcopy(report)


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, started as `ecozone … --engine dask` starts them
    (:func:`ecozone.dask_client.local_client`)."""
    pytest.importorskip("distributed")
    from ecozone.dask_client import local_client

    with local_client(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium: skipped when missing, a failure in CI (.ci/run installs it)."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI is set but {CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def postgis_url():
    """The URL of a new, empty database with PostGIS on a throwaway cluster (tests/postgis.py): skipped when none
    can be started, a failure in CI."""
    from .postgis import cluster

    return cluster().new_database()
