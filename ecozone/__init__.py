"""ecozone: ecological-zoning analysis for Chinese cities (生态分区分析).

Overlay the layers behind "Beautiful China" plan targets — red lines, bays,
rivers, mines, marine ranches, coastline, restoration projects, districts —
measure them in a projected CRS, and report the figures the audit needs.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> atlas.crs.to_epsg()
4549
>>> round(ecozone.area_table(atlas["districts"])["area_km2"].sum())
14177

The public names are imported on first use (PEP 562), so ``import ecozone``
and the ``ecozone`` command's ``--help`` load no geopandas, pandas or numpy.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from ._options import options
    from .atlas import Atlas, Layer
    from .crs import check_measurement_crs, gcj02_to_wgs84, gk_zone_crs, measurement_crs, wgs84_to_gcj02
    from .demo import demo_atlas
    from .errors import ConfigError, CRSError, EcozoneError, GeometryError, InputError, SchemaError
    from .export import export
    from .io import read_layer
    from .measure.area import area_table
    from .measure.bays import bay_report
    from .measure.change import coastline_change, shoreline_change
    from .measure.coastline import Retention, coastline_retention
    from .measure.conflicts import atlas_conflicts, conflicts
    from .measure.coverage import coverage
    from .measure.land_use import land_use
    from .measure.mines import mine_restoration, mines_in_view
    from .measure.ranches import ranch_summary
    from .measure.restoration import restoration, restoration_progress
    from .measure.rivers import river_buffers, river_designation, river_encroachment
    from .measure.sea import SeaZoneWarning, sea_zones
    from .measure.setback import setback_findings, setback_zones
    from .measure.zonal import zonal
    from .plans import plan_targets
    from .schema import KINDS
    from .validate import ValidationReport, validate_layer

__all__ = [
    "__version__",
    "options",
    "Atlas",
    "Layer",
    "KINDS",
    "ValidationReport",
    "area_table",
    "coverage",
    "land_use",
    "coastline_retention",
    "bay_report",
    "coastline_change",
    "shoreline_change",
    "Retention",
    "conflicts",
    "atlas_conflicts",
    "restoration",
    "restoration_progress",
    "river_buffers",
    "river_encroachment",
    "river_designation",
    "mine_restoration",
    "mines_in_view",
    "ranch_summary",
    "zonal",
    "plan_targets",
    "sea_zones",
    "SeaZoneWarning",
    "setback_zones",
    "setback_findings",
    "check_measurement_crs",
    "demo_atlas",
    "gcj02_to_wgs84",
    "gk_zone_crs",
    "measurement_crs",
    "read_layer",
    "export",
    "validate_layer",
    "wgs84_to_gcj02",
    "EcozoneError",
    "InputError",
    "CRSError",
    "SchemaError",
    "GeometryError",
    "ConfigError",
]

#: Each public name (but ``__version__``) and the module, relative to this package, that defines it.
_LAZY: dict[str, str] = {
    "options": "._options",
    "Atlas": ".atlas",
    "Layer": ".atlas",
    "KINDS": ".schema",
    "ValidationReport": ".validate",
    "validate_layer": ".validate",
    "area_table": ".measure.area",
    "coverage": ".measure.coverage",
    "land_use": ".measure.land_use",
    "coastline_retention": ".measure.coastline",
    "Retention": ".measure.coastline",
    "bay_report": ".measure.bays",
    "coastline_change": ".measure.change",
    "shoreline_change": ".measure.change",
    "conflicts": ".measure.conflicts",
    "atlas_conflicts": ".measure.conflicts",
    "restoration": ".measure.restoration",
    "restoration_progress": ".measure.restoration",
    "river_buffers": ".measure.rivers",
    "river_encroachment": ".measure.rivers",
    "river_designation": ".measure.rivers",
    "mine_restoration": ".measure.mines",
    "mines_in_view": ".measure.mines",
    "ranch_summary": ".measure.ranches",
    "zonal": ".measure.zonal",
    "plan_targets": ".plans",
    "sea_zones": ".measure.sea",
    "SeaZoneWarning": ".measure.sea",
    "setback_zones": ".measure.setback",
    "setback_findings": ".measure.setback",
    "check_measurement_crs": ".crs",
    "gcj02_to_wgs84": ".crs",
    "gk_zone_crs": ".crs",
    "measurement_crs": ".crs",
    "wgs84_to_gcj02": ".crs",
    "demo_atlas": ".demo",
    "read_layer": ".io",
    "export": ".export",
    "EcozoneError": ".errors",
    "InputError": ".errors",
    "CRSError": ".errors",
    "SchemaError": ".errors",
    "GeometryError": ".errors",
    "ConfigError": ".errors",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use; or a submodule (``ecozone.io``, ``ecozone.measure``)."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # the next look-up is a plain attribute
        return value
    if not name.startswith("__"):
        # ``import ecozone; ecozone.io.read_layer`` worked when this module imported everything: it still does.
        # Only that submodule: ``from . import crs`` in a module of the package asks here first (hasattr)
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":  # the submodule exists but needs something missing
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The import system binds a submodule to its package's attribute when it is first imported: the module
    ``ecozone.export`` must not then hide the function ``ecozone.export`` (it did not when this module imported
    everything at once).  Anything else set on the package (a test's monkeypatch) is set as usual."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
