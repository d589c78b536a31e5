"""Coordinate reference systems: the measurement CRS, and GCJ-02 / BD-09.

ecozone never measures in degrees or in Web Mercator.  It measures in the
CGCS2000 3-degree Gauss-Krüger zone whose central meridian is nearest the
data's centre (Yantai: EPSG:4549, CM 120°E), unless the caller names another
projected CRS.

GCJ-02 (火星坐标, AMap/Gaode, Tencent, DataV) and BD-09 (Baidu) look like
lon/lat but are shifted by an obfuscation that pyproj does not know.  Layers
declared as ``gcj02`` or ``bd09`` are converted to WGS84 when read.

One job per module, every name importable from ``ecozone.crs``: :mod:`ecozone.crs.measurement` (the
measurement CRS, parsing, labels), :mod:`ecozone.crs.plausibility` (coordinates that cannot be right
for their CRS) , :mod:`ecozone.crs.gcj02` (the GCJ-02 / BD-09 shifts) and :mod:`ecozone.crs.reprojection` (many
geometries on every core).

Example
-------
>>> from ecozone.crs import gk_zone_crs, measurement_crs
>>> measurement_crs((121.0, 37.2, 121.8, 37.8)).to_epsg(), gk_zone_crs(120.3).to_epsg()
(4549, 4549)

(the GCJ-02 round trip is the example of :mod:`ecozone.crs.gcj02`)
"""

from __future__ import annotations

from .gcj02 import (
    bd09_to_gcj02,
    from_wgs84_geometries,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84_geometries,
    wgs84_to_gcj02,
)
from .measurement import (
    CGCS2000,
    SHIFTED_CRS,
    WGS84,
    check_measurement_crs,
    gk_zone_crs,
    is_measurement_crs,
    is_mercator_like,
    label,
    lonlat_bounds,
    measurement_crs,
    parse_crs,
    short_label,
)
from .plausibility import check_plausible, implausible, sample_coordinates
from .reprojection import reproject, reproject_frame

__all__ = [
    "reproject",
    "reproject_frame",
    "WGS84",
    "CGCS2000",
    "SHIFTED_CRS",
    "gk_zone_crs",
    "lonlat_bounds",
    "short_label",
    "measurement_crs",
    "check_measurement_crs",
    "is_measurement_crs",
    "implausible",
    "check_plausible",
    "parse_crs",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "to_wgs84_geometries",
    "from_wgs84_geometries",
]

# importable from here as before (measure/raster_grid asks for the private name)
