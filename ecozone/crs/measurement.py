"""The measurement CRS (量算坐标系): chosen, parsed, checked, labelled.

ecozone never measures in degrees or in Web Mercator.  It measures in the
CGCS2000 3-degree Gauss-Krüger zone whose central meridian is nearest the
data's centre (Yantai: EPSG:4549, CM 120°E), unless the caller names another
projected CRS.

Example
-------
>>> measurement_crs((119.5, 36.5, 121.9, 38.4)).to_epsg()
4549
>>> short_label(WGS84)
'EPSG:4326'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pyproj import CRS

from ..errors import CRSError

__all__ = [
    "WGS84",
    "CGCS2000",
    "SHIFTED_CRS",
    "gk_zone_crs",
    "parse_crs",
    "is_mercator_like",
    "check_measurement_crs",
    "is_measurement_crs",
    "short_label",
    "label",
    "lonlat_bounds",
    "measurement_crs",
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


def is_mercator_like(crs: CRS) -> bool:
    """A Mercator projection other than transverse Mercator (areas inflated by 1/cos²φ)."""
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
    name = label(parsed)
    if not parsed.is_projected:
        raise CRSError(
            f"measurement CRS {name} is not projected (its units are degrees); "
            "fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) or an equal-area projection, "
            "or leave the measurement CRS to ecozone"
        )
    if is_mercator_like(parsed):
        raise CRSError(
            f"measurement CRS {name} is a Mercator projection, which inflates areas by "
            "1/cos²(latitude) (≈1.6× at 37°N); fix: measure in a Gauss-Krüger zone (e.g. EPSG:4549) "
            "or an equal-area projection, or leave the measurement CRS to ecozone"
        )
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(
            f"measurement CRS {name} has units of {unit}; fix: choose a projected CRS in metres"
        )
    return parsed


def is_measurement_crs(crs: Any) -> bool:
    """True when :func:`check_measurement_crs` accepts ``crs`` (projected, in metres, not a Mercator): a layer
    in it is measured as it is, not reprojected first."""
    try:
        check_measurement_crs(crs)
    except CRSError:
        return False
    return True


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


def label(crs: CRS) -> str:
    """``EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)``, or the CRS name when it has no EPSG code."""
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
