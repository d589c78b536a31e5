"""Global options (选项): ``ecozone.options``, as geopandas has ``geopandas.options``.

The rule (DESIGN.md §4, after geopandas): an ``engine=`` argument wins over the global option,
and the option over the default.  Oracles: the rule itself, observed through the public
``ecozone.coverage`` (which engine ran is in its notes), and shapely areas for its figures.
Every test restores the option (monkeypatch), so no test leaks a setting into another.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

import ecozone
from ecozone import EcozoneError

X0, Y0 = 600_000.0, 4_150_000.0


@pytest.fixture
def options(monkeypatch):
    """``ecozone.options``, its engine put back after the test."""
    monkeypatch.setattr(ecozone.options, "engine", ecozone.options.engine)
    return ecozone.options


def zones_and_layer():
    zones = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000),
                                                             box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)], crs=4549)
    layer = gpd.GeoDataFrame({"type": ["wetland"]}, geometry=[box(X0 + 500, Y0, X0 + 1300, Y0 + 600)], crs=4549)
    return zones, layer


def test_default_engine_is_geopandas(options):
    assert options.engine == "geopandas"
    assert repr(options) == "Options(engine='geopandas')"


def test_setting_a_known_engine(options):
    options.engine = "dask"
    assert options.engine == "dask" and ecozone.options.engine == "dask"
    assert repr(options) == "Options(engine='dask')"
    options.engine = "geopandas"
    assert options.engine == "geopandas"


@pytest.mark.parametrize("bad", ["spark", "", "Dask", None, 1])
def test_unknown_engine_is_refused_and_the_option_is_unchanged(options, bad):
    with pytest.raises(EcozoneError) as err:
        options.engine = bad
    msg = str(err.value)
    assert "\n" not in msg and "unknown" in msg and "'geopandas'" in msg and "'dask'" in msg and "fix:" in msg
    assert options.engine == "geopandas"


def test_a_misspelt_option_is_not_silently_ignored(options):
    with pytest.raises(AttributeError):
        options.engin = "dask"  # a typo must not pass as a setting that does nothing


def test_engine_argument_then_option_then_default(options):
    pytest.importorskip("dask_geopandas")
    zones, layer = zones_and_layer()

    def ran_on_dask(table) -> bool:
        return any("dask engine" in n for n in table.attrs.get("notes", []))

    default = ecozone.coverage(zones, layer)  # the default: geopandas
    assert not ran_on_dask(default)
    options.engine = "dask"
    by_option = ecozone.coverage(zones, layer)  # the option
    assert ran_on_dask(by_option)
    by_argument = ecozone.coverage(zones, layer, engine="geopandas")  # the argument wins over the option
    assert not ran_on_dask(by_argument)
    options.engine = "geopandas"
    assert ran_on_dask(ecozone.coverage(zones, layer, engine="dask"))  # and over the default
    # the same figures whichever engine: against shapely
    for table in (default, by_option, by_argument):
        rows = table.set_index("zone")
        for name, zone in zip(zones["name"], zones.geometry):
            assert rows.loc[name, "covered_ha"] == pytest.approx(zone.intersection(layer.geometry.iloc[0]).area / 1e4)


def test_unknown_engine_argument_is_refused_whatever_the_option(options):
    zones, layer = zones_and_layer()
    with pytest.raises(EcozoneError, match="engine 'spark': unknown"):
        ecozone.coverage(zones, layer, engine="spark")


def test_unknown_engine_is_a_value_error(options):
    with pytest.raises(ValueError) as err:
        options.engine = "spark"
    assert not isinstance(err.value, OSError)
