"""Coverage of densely overlapping layers (issue 19): a layer whose features each overlap many others is
unioned at once, in spatial chunks on every core, instead of first proving each overlap.  The figures must
be what a direct shapely union gives (the oracle), whichever path the layer takes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import ecozone
from ecozone.measure import overlay


def discs(n: int, radius: float, seed: int, extent: float = 10_000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, extent, size=(n, 2))
    return shapely.buffer(shapely.points(centres), radius * rng.uniform(0.5, 1.5, n), quad_segs=4)


ZONES = gpd.GeoDataFrame({"name": ["west", "east", "beyond"]},
                         geometry=[shapely.box(-500, -500, 5_000, 10_500), shapely.box(5_000, -500, 10_500, 10_500),
                                   shapely.box(20_000, 0, 21_000, 1_000)], crs=4549)


def oracle(geoms: np.ndarray) -> list[float]:
    union = shapely.union_all(geoms)
    return [shapely.intersection(z, union).area / 10_000 for z in ZONES.geometry]


@pytest.mark.parametrize("n, radius, dense", [(5_000, 400.0, True), (5_000, 60.0, False), (300, 900.0, True)])
def test_dense_and_sparse_layers_give_the_union_s_area(monkeypatch, n, radius, dense):
    geoms = discs(n, radius, seed=n + int(radius))
    taken = []
    real = overlay._chunked_union
    monkeypatch.setattr(overlay, "_chunked_union", lambda g, **kw: taken.append(len(g)) or real(g, **kw))
    layer = gpd.GeoDataFrame(geometry=geoms, crs=4549)
    table = ecozone.coverage(ZONES, layer)
    assert bool(taken) == dense, "the dense path is taken exactly when the boxes meet many others"
    got = table.set_index("zone").loc[["west", "east", "beyond"], "covered_ha"].tolist()
    assert got == pytest.approx(oracle(geoms), rel=1e-9, abs=1e-9)


def test_the_chunked_union_is_the_union():
    geoms = discs(6_000, 300.0, seed=7)
    assert overlay._chunked_union(geoms).area == pytest.approx(shapely.union_all(geoms).area, rel=1e-12)
    assert overlay._dense(geoms, shapely.STRtree(geoms))
    sparse = discs(6_000, 20.0, seed=8)
    assert not overlay._dense(sparse, shapely.STRtree(sparse))
