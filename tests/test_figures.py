"""The atlas's shared figures: each measured once, equal to the measurement made directly."""

from __future__ import annotations

import gc

import pytest

import ecozone
from ecozone.measure.figures import _BY_ATLAS, figures


def test_a_figure_is_measured_once_and_equals_the_direct_measurement(demo_atlas):
    calls = []
    shared = figures(demo_atlas)
    first = shared.once("x", lambda: calls.append(1) or "made")
    assert shared.once("x", lambda: calls.append(1) or "again") == first == "made" and calls == [1]
    assert figures(demo_atlas) is shared
    r = shared.retention()
    assert shared.retention() is r
    direct = ecozone.coastline_retention(demo_atlas["coastline"], zones=demo_atlas["districts"], bays=demo_atlas["bays"])
    assert r.retention == pytest.approx(direct.retention, rel=1e-12) and r.total_km == pytest.approx(direct.total_km)
    assert r.by_zone.equals(direct.by_zone) and r.by_bay.equals(direct.by_bay)
    # other settings are another figure
    islands = shared.retention(include_islands=True)
    assert islands is not r and islands.total_km > r.total_km
    assert shared.conflicts() is shared.conflicts() and shared.conflicts(search_m=500) is not shared.conflicts()


def test_figures_never_keep_an_atlas_alive():
    atlas = ecozone.demo_atlas()
    figures(atlas).once("x", lambda: 1)
    key = id(atlas)
    assert key in _BY_ATLAS
    del atlas
    gc.collect()
    assert key not in _BY_ATLAS
