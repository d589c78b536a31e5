"""Global options (选项): ``ecozone.options``, as geopandas has ``geopandas.options``.

``engine`` is the engine coverage, restoration, conflicts and land use run on:
``"geopandas"`` (the default: one process, the layers in memory) or
``"dask"`` (a Dask cluster, for layers that outgrow one process; needs the
``dask`` extra).  An ``engine=`` argument wins over this option, and this
option over the default.

Example
-------
>>> import ecozone
>>> ecozone.options.engine
'geopandas'
>>> ecozone.options.engine = "spark"
Traceback (most recent call last):
...
ecozone.errors.ConfigError: engine 'spark': unknown; fix: choose 'geopandas' or 'dask'
"""

from __future__ import annotations

from .errors import ConfigError

__all__ = ["options", "ENGINES", "resolve_engine"]

#: The engines, default first.
ENGINES = ("geopandas", "dask")


def _checked_engine(value: str) -> str:
    if value not in ENGINES:
        raise ConfigError(f"engine {value!r}: unknown; fix: choose {' or '.join(repr(e) for e in ENGINES)}")
    return value


class Options:
    """ecozone's global options; set an attribute to change it for the whole session."""

    __slots__ = ("_engine",)

    def __init__(self) -> None:
        self._engine = ENGINES[0]

    @property
    def engine(self) -> str:
        """Engine of coverage, restoration, conflicts and land use: ``"geopandas"`` (default) or ``"dask"``."""
        return self._engine

    @engine.setter
    def engine(self, value: str) -> None:
        self._engine = _checked_engine(value)

    def __repr__(self) -> str:
        return f"Options(engine={self._engine!r})"


options = Options()


def resolve_engine(engine: str | None) -> str:
    """The engine to run on: ``engine`` when given, else ``options.engine``."""
    return options.engine if engine is None else _checked_engine(engine)
