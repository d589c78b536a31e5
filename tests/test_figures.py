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


def test_coverage_rivers_mines_and_land_cover_are_shared_and_equal_direct_measurements(demo_atlas):
    from ecozone.measure.conflicts import of_realm

    shared = figures(demo_atlas)
    cov = shared.coverage("redline", "land")
    assert shared.coverage("redline", "land") is cov and shared.coverage("redline", "marine") is not cov
    direct = ecozone.coverage(demo_atlas["districts"], of_realm(demo_atlas.of_kind("redline"), "land"))
    assert cov["covered_ha"].tolist() == pytest.approx(direct["covered_ha"].tolist(), rel=1e-12)
    by_zone, missing = shared.river_designation()
    assert shared.river_designation()[0] is by_zone
    direct_zone, direct_missing = ecozone.river_designation(demo_atlas["rivers"], demo_atlas["districts"])
    assert by_zone["designated_km"].tolist() == pytest.approx(direct_zone["designated_km"].tolist(), rel=1e-12)
    assert len(missing) == len(direct_missing)
    view = shared.mines_in_view()
    # the defaults spelled out are the same figure; another distance is another
    assert shared.mines_in_view(1000, observer_m=1.7, target_m=0.0, curvature_coeff=0.85714) is view
    assert shared.mines_in_view(500) is not view
    assert view.attrs["method"].startswith("within 1000 m of a class")


def test_the_demo_and_its_audit_measure_each_figure_once(demo_atlas, monkeypatch, tmp_path):
    """ecozone demo measures the tables, audits the same atlas and draws its maps: the coverage, the river
    designation, the mines in view and the retention are each measured once."""
    import ecozone.measure.rivers as rivers_mod
    import ecozone.measure.visible_range as view_mod
    from ecozone.demo import run_demo

    counts: dict[str, int] = {}

    def counting(module, name):
        real = getattr(module, name)

        def wrapped(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapped)

    counting(rivers_mod, "river_designation")
    counting(view_mod, "atlas_mines_in_view")
    run_demo(tmp_path / "demo")
    assert counts == {"river_designation": 1, "atlas_mines_in_view": 1}, counts
