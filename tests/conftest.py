"""Shared fixtures.  Test data is made inside the tests (see tests/data/README.md);
reference files in ../shared/data are read, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: skipped when absent, but a hard failure in CI."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"CI is set but the reference data folder {SHARED} is missing")
        pytest.skip(f"reference data {SHARED} not present")
    return SHARED


@pytest.fixture(scope="session")
def demo_atlas():
    import ecozone

    return ecozone.demo_atlas()


def square_districts(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Two adjacent districts near Yantai, 0.1° wide, sharing an edge."""
    return gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["甲区", "乙区"]},
        geometry=[box(121.0, 37.0, 121.1, 37.1), box(121.1, 37.0, 121.2, 37.1)],
        crs=crs,
    )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``run_demo`` once for the session: (output folder, report)."""
    from ecozone.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out)
