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
"""

from ._version import __version__
from .atlas import Atlas, Layer
from .crs import (
    check_measurement_crs,
    gcj02_to_wgs84,
    gk_zone_crs,
    measurement_crs,
    wgs84_to_gcj02,
)
from .demo import demo_atlas
from ._options import options
from .errors import ConfigError, CRSError, EcozoneError, GeometryError, InputError, SchemaError
from .export import export
from .io import read_layer
from .measure.area import area_table
from .measure.bays import bay_report
from .measure.change import coastline_change, shoreline_change
from .measure.coastline import Retention, coastline_retention
from .measure.conflicts import atlas_conflicts, conflicts
from .measure.coverage import coverage
from .measure.mines import mine_restoration, mines_in_view
from .measure.ranches import ranch_summary
from .measure.restoration import restoration, restoration_progress
from .measure.rivers import river_buffers, river_designation, river_encroachment
from .measure.sea import SeaZoneWarning, sea_zones
from .measure.setback import setback_findings, setback_zones
from .measure.zonal import zonal
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
