"""GCJ-02 and BD-09 (火星坐标, 百度坐标): the shifted lon/lat of AMap/Gaode, Tencent, DataV and Baidu.

They look like lon/lat but are shifted by an obfuscation that pyproj does not know.  Layers
declared as ``gcj02`` or ``bd09`` are converted to WGS84 when read.

Example
-------
>>> lon, lat = wgs84_to_gcj02(121.4, 37.5)
>>> round(float(lon) - 121.4, 4), round(float(lat) - 37.5, 4)
(0.0053, 0.001)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 7), round(float(back[1]), 7)
(121.4, 37.5)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from ..errors import CRSError

__all__ = [
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "to_wgs84_geometries",
    "from_wgs84_geometries",
]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    # The published algorithm leaves points outside this box unshifted.
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat to GCJ-02 (the published forward algorithm; vectorised).

    Points outside China are returned unchanged, as the algorithm defines.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: Any, lat: Any, *, tolerance_deg: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat to WGS84 by inverting the forward shift.

    Fixed-point iteration ``w ← w − (f(w) − g)`` converges to well below a
    millimetre in a few steps (the shift varies slowly in space).
    """
    glon = np.asarray(lon, dtype="float64")
    glat = np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.size(elon) == 0 or max(np.nanmax(np.abs(elon)), np.nanmax(np.abs(elat))) < tolerance_deg:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Shift GCJ-02 lon/lat to Baidu's BD-09."""
    x = np.asarray(lon, dtype="float64")
    y = np.asarray(lat, dtype="float64")
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Convert Baidu BD-09 lon/lat to GCJ-02."""
    x = np.asarray(lon, dtype="float64") - 0.0065
    y = np.asarray(lat, dtype="float64") - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _coords_fn(fn):
    def apply(coords: np.ndarray) -> np.ndarray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return apply


def to_wgs84_geometries(geoms: Any, shifted: str) -> np.ndarray:
    """Convert an array of geometries from ``"gcj02"`` or ``"bd09"`` lon/lat to WGS84."""
    if shifted == "gcj02":
        return shapely.transform(geoms, _coords_fn(gcj02_to_wgs84))
    if shifted == "bd09":
        return shapely.transform(geoms, _coords_fn(lambda x, y: gcj02_to_wgs84(*bd09_to_gcj02(x, y))))
    raise CRSError(f"unknown shifted coordinate system {shifted!r}; fix: use 'gcj02' or 'bd09'")


def from_wgs84_geometries(geoms: Any, shifted: str) -> np.ndarray:
    """Shift an array of WGS84 geometries to ``"gcj02"`` or ``"bd09"`` (display copies only)."""
    if shifted == "gcj02":
        return shapely.transform(geoms, _coords_fn(wgs84_to_gcj02))
    if shifted == "bd09":
        return shapely.transform(geoms, _coords_fn(lambda x, y: gcj02_to_bd09(*wgs84_to_gcj02(x, y))))
    raise CRSError(f"unknown shifted coordinate system {shifted!r}; fix: use 'gcj02' or 'bd09'")
