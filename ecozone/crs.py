"""Coordinate reference systems: the measurement CRS, and GCJ-02 / BD-09.

ecozone never measures in degrees or in Web Mercator.  It measures in the
CGCS2000 3-degree Gauss-Krüger zone whose central meridian is nearest the
data's centre (Yantai: EPSG:4549, CM 120°E), unless the caller names another
projected CRS.

GCJ-02 (火星坐标, AMap/Gaode, Tencent, DataV) and BD-09 (Baidu) look like
lon/lat but are shifted by an obfuscation that pyproj does not know.  Layers
declared as ``gcj02`` or ``bd09`` are converted to WGS84 when read.

Example
-------
>>> from ecozone.crs import gcj02_to_wgs84, wgs84_to_gcj02
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
from pyproj import CRS

from .errors import CRSError

__all__ = [
    "WGS84",
    "CGCS2000",
    "SHIFTED_CRS",
    "gk_zone_crs",
    "lonlat_bounds",
    "short_label",
    "measurement_crs",
    "check_measurement_crs",
    "parse_crs",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "to_wgs84_geometries",
    "from_wgs84_geometries",
]

WGS84 = CRS.from_epsg(4326)
CGCS2000 = CRS.from_epsg(4490)

#: Names accepted for the two shifted Chinese "CRSs" that pyproj cannot express.
SHIFTED_CRS = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "baidu": "bd09",
}

# CGCS2000 / 3-degree Gauss-Kruger CM 75E .. CM 135E are EPSG:4534 .. EPSG:4554.
_GK3_FIRST_EPSG = 4534
_GK3_FIRST_CM = 75


def gk_zone_crs(lon: float) -> CRS:
    """CGCS2000 3-degree Gauss-Krüger CRS (高斯-克吕格 3度带) whose central meridian is nearest ``lon``.

    Central meridians are multiples of 3°; a longitude exactly on a zone edge
    (e.g. 121.5°E) goes to the western zone.  Inside China's range the EPSG
    "CM" code without zone prefix is returned (CM 120°E → EPSG:4549);
    elsewhere an equivalent transverse Mercator on the CGCS2000 ellipsoid.

    Example
    -------
    >>> gk_zone_crs(121.2).to_epsg()
    4549
    """
    cm = 3 * math.floor(lon / 3 + 0.5)
    if lon / 3 + 0.5 == math.floor(lon / 3 + 0.5):  # exactly on an edge: western zone
        cm -= 3
    if _GK3_FIRST_CM <= cm <= 135:
        return CRS.from_epsg(_GK3_FIRST_EPSG + (cm - _GK3_FIRST_CM) // 3)
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    )


def parse_crs(value: Any, *, what: str = "CRS") -> CRS | str:
    """Return a pyproj CRS, or ``"gcj02"``/``"bd09"`` for the shifted systems.

    Raises :class:`CRSError` with the fix when ``value`` is not understood.
    """
    if isinstance(value, CRS):
        return value
    if isinstance(value, str) and value.strip().lower() in SHIFTED_CRS:
        return SHIFTED_CRS[value.strip().lower()]
    if isinstance(value, int):
        value = f"EPSG:{value}"
    try:
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises its own CRSError
        raise CRSError(
            f"{what} {value!r} is not a known coordinate reference system; "
            "fix: give an EPSG code such as 'EPSG:4490', a WKT/PROJ string, or 'gcj02'/'bd09'"
        ) from exc


def _is_mercator_like(crs: CRS) -> bool:
    op = crs.coordinate_operation
    name = (op.method_name if op is not None else "") or ""
    name = name.lower()
    return "mercator" in name and "transverse" not in name


def check_measurement_crs(crs: Any) -> CRS:
    """Return ``crs`` as a pyproj CRS if lengths and areas may be measured in it.

    Geographic CRSs (degrees, EPSG:4326/4490) and Mercator variants (Web
    Mercator EPSG:3857 inflates area by 1/cos²φ, ≈1.6× at 37°N) are refused
    with a :class:`CRSError` naming the fix.

    Example
    -------
    >>> check_measurement_crs("EPSG:3857")
    Traceback (most recent call last):
    ...
    ecozone.errors.CRSError: measurement CRS EPSG:3857 (WGS 84 / Pseudo-Mercator) is a Mercator projection, which inflates areas by 1/cos²(latitude) (≈1.6× at 37°N); fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) or an equal-area projection, or leave the measurement CRS to ecozone
    """
    parsed = parse_crs(crs, what="measurement CRS")
    if isinstance(parsed, str):
        raise CRSError(
            f"measurement CRS {crs!r} is a shifted lon/lat system; "
            "fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) or leave the measurement CRS to ecozone"
        )
    label = _label(parsed)
    if not parsed.is_projected:
        raise CRSError(
            f"measurement CRS {label} is not projected (its units are degrees); "
            "fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) or an equal-area projection, "
            "or leave the measurement CRS to ecozone"
        )
    if _is_mercator_like(parsed):
        raise CRSError(
            f"measurement CRS {label} is a Mercator projection, which inflates areas by "
            "1/cos²(latitude) (≈1.6× at 37°N); fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) "
            "or an equal-area projection, or leave the measurement CRS to ecozone"
        )
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(
            f"measurement CRS {label} has units of {unit}; fix: choose a projected CRS in metres"
        )
    return parsed


def short_label(crs: CRS) -> str:
    """``EPSG:4549``, or the CRS name when it has no EPSG code."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


def lonlat_bounds(gdf: Any) -> tuple[float, float, float, float]:
    """WGS84 bounds of a GeoDataFrame, transforming only its bounding box (densified)."""
    from pyproj import Transformer

    bounds = gdf.total_bounds
    if gdf.crs is None or gdf.crs.equals(WGS84) or not np.isfinite(bounds).all():
        return tuple(float(v) for v in bounds)
    return Transformer.from_crs(gdf.crs, WGS84, always_xy=True).transform_bounds(*bounds, densify_pts=21)


def _label(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def measurement_crs(bounds_lonlat: tuple[float, float, float, float], override: Any = None) -> CRS:
    """Choose the CRS to measure in for data with these WGS84 bounds.

    ``override`` (any projected CRS) wins; otherwise the CGCS2000 3° Gauss-Krüger
    zone of the centre longitude.

    Example
    -------
    >>> measurement_crs((119.5, 36.5, 121.9, 38.4)).to_epsg()
    4549
    """
    if override is not None:
        return check_measurement_crs(override)
    minx, _, maxx, _ = bounds_lonlat
    if not all(math.isfinite(v) for v in bounds_lonlat):
        raise CRSError("cannot choose a measurement CRS for empty data; fix: give at least one feature")
    return gk_zone_crs((minx + maxx) / 2)


# --------------------------------------------------------------------------- GCJ-02

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
