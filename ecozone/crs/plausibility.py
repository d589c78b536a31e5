"""Coordinates that cannot be right for their CRS (坐标合理性): swapped axes, lon/lat labelled as metres
(or metres as lon/lat), a Gauss-Krüger zone number present or missing in front of the eastings.

Example
-------
>>> implausible((499000, 4150000, 501000, 4151000), "EPSG:4549") is None
True
"""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from ..errors import CRSError
from .measurement import label as _label
from .measurement import short_label

__all__ = ["implausible", "check_plausible", "sample_coordinates"]

#: How many vertices of a layer are transformed back to lon/lat to check them (beside its bounding box).
_SAMPLE = 2048


def implausible(bounds: Any, crs: Any, sample: Any = None, *, raster: bool = False,
                source: str = "FILE") -> tuple[str, str] | None:
    """``(problem, fix)`` when coordinates with these ``bounds`` cannot be right in ``crs``, else None.

    The bounding box (densified) and ``sample`` (an ``(n, 2)`` array of
    vertices, x first) are transformed back to longitude/latitude with pyproj;
    they must be finite and lie within the CRS's area of use widened on
    every side by ``max(3°, its east-west width)``.  Data a little past a
    zone's edge is normal (Yantai reaches 121.93°E in EPSG:4549, whose area
    of use ends at 121.5°E); coordinates a zone's width beyond it are not
    data of this CRS.  The problem names the
    likely cause: longitude/latitude labelled as a projected CRS (or metres as
    lon/lat), swapped axes, a Gauss-Krüger zone prefix present or missing.
    ``raster=True`` words the fix for a raster (``gdal_edit.py -a_srs``);
    ``source`` is the file the fix names.  CRSs with neither a geographic nor
    a projected horizontal part are not judged (None).

    Example
    -------
    >>> implausible((499000, 4150000, 501000, 4151000), "EPSG:4549") is None
    True
    >>> implausible((4150000, 499000, 4151000, 501000), "EPSG:4549")[0]
    'coordinates (4150000 … 4151000, 499000 … 501000) look like (northing, easting): the axes are swapped for EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), whose x is the easting (about 500000)'
    """
    if crs is None:
        return None
    if not isinstance(crs, CRS):
        crs = CRS.from_user_input(crs)
    b = np.asarray(bounds, dtype="float64")
    if b.shape != (4,) or not np.isfinite(b).all():
        return None  # empty layer (or non-finite vertices, which are refused elsewhere by feature)
    geo = _geo(crs)
    if geo is None:
        return None
    x, y = _points(b, sample)
    if _fits(x, y, crs):
        return None
    return _diagnose(x, y, b, crs, raster, source)


def check_plausible(bounds: Any, crs: Any, source: Any, sample: Any = None, *, raster: bool = False) -> None:
    """Raise :class:`CRSError` naming ``source``, the likely cause and the fix when coordinates with
    these ``bounds`` (and the vertex ``sample``) cannot be right in ``crs`` (see :func:`implausible`).

    Example
    -------
    >>> check_plausible((121.4, 37.5, 121.5, 37.6), "EPSG:4549", "parks.geojson")
    Traceback (most recent call last):
    ...
    ecozone.errors.CRSError: parks.geojson: coordinates (121.4 … 121.5, 37.5 … 37.6) look like longitude/latitude in degrees, yet the file says EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), whose coordinates are metres; fix: declare the real CRS (--input-crs EPSG:4490, or crs = "EPSG:4490" in the manifest) or reproject the file
    """
    found = implausible(bounds, crs, sample, raster=raster, source=str(source))
    if found is not None:
        problem, fix = found
        raise CRSError(f"{source}: {problem}; fix: {fix}")


def sample_coordinates(geoms: Any, limit: int = _SAMPLE) -> np.ndarray:
    """Up to ``limit`` vertices (x, y) spread over an array of geometries, for :func:`implausible`."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty((0, 2))
    step = max(1, len(geoms) // max(1, limit // 8))
    coords = shapely.get_coordinates(geoms[::step])
    if len(coords) > limit:
        coords = coords[np.linspace(0, len(coords) - 1, limit).astype(int)]
    return coords


def _geo(crs: CRS) -> CRS | None:
    """The 2D geographic or projected CRS to judge (the horizontal part of a compound CRS)."""
    if crs.is_compound:
        crs = next((c for c in crs.sub_crs_list if c.is_geographic or c.is_projected), None)
        if crs is None:
            return None
    if not (crs.is_geographic or crs.is_projected):
        return None
    return crs


def _points(b: np.ndarray, sample: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 1.0, 11)
    minx, miny, maxx, maxy = b
    xs = np.concatenate([minx + (maxx - minx) * t, np.full(11, maxx), maxx - (maxx - minx) * t, np.full(11, minx)])
    ys = np.concatenate([np.full(11, miny), miny + (maxy - miny) * t, np.full(11, maxy), maxy - (maxy - miny) * t])
    if sample is not None and len(sample):
        s = np.asarray(sample, dtype="float64")[:, :2]
        s = s[np.isfinite(s).all(axis=1)]
        xs, ys = np.concatenate([xs, s[:, 0]]), np.concatenate([ys, s[:, 1]])
    return xs, ys


@functools.lru_cache(maxsize=64)
def _inverse(crs: CRS):
    from pyproj import Transformer

    return Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)


@functools.lru_cache(maxsize=64)
def _window(crs: CRS) -> tuple[float, float, float, float] | None:
    """The area of use widened on every side by max(3°, its east-west width)."""
    area = _area(crs)
    if area is None:
        cm = _central_meridian(crs) if crs.is_projected else None
        if cm is None or "transverse mercator" not in (crs.coordinate_operation.method_name or "").lower():
            return None
        west, south, east, north = cm - 1.5, -90.0, cm + 1.5, 90.0  # a 3° zone of unknown latitudes
    else:
        west, south, east, north = area
    width = (east - west) % 360.0 or (360.0 if east != west else 0.0)
    margin = max(3.0, width)  # a zone's width beyond a zone: no real data lies there
    return west - margin, south - margin, west + width + margin, north + margin


def _area(crs: CRS) -> tuple[float, float, float, float] | None:
    """The CRS's area of use (west, south, east, north); a WKT without its usage (GeoTIFF keys, a .prj)
    takes it from the EPSG entry it matches."""
    area = crs.area_of_use
    if area is None:
        code = crs.to_epsg(min_confidence=70)
        area = CRS.from_epsg(code).area_of_use if code else None
    return tuple(area.bounds) if area is not None else None


def _lonlat(x: np.ndarray, y: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    geo = _geo(crs)
    if geo.is_geographic:
        return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    try:
        with np.errstate(all="ignore"):
            lon, lat = _inverse(geo).transform(x, y)
    except Exception:  # pyproj refuses the values outright
        return np.full(len(x), np.nan), np.full(len(y), np.nan)
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def _fits(x: Any, y: Any, crs: CRS) -> bool:
    """Every point, transformed to lon/lat, is finite and within the widened area of use."""
    x, y = np.atleast_1d(np.asarray(x, dtype="float64")), np.atleast_1d(np.asarray(y, dtype="float64"))
    lon, lat = _lonlat(x, y, crs)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return False
    if (np.abs(lat) > 90.5).any():
        return False
    if _geo(crs).is_geographic and (np.abs(lon) > 180.5).any():
        return False
    window = _window(_geo(crs))
    if window is None:
        return True
    west, south, east, north = window
    if (lat < south).any() or (lat > north).any():
        return False
    if east - west >= 360.0:
        return True
    return bool((((lon - west) % 360.0) <= east - west).all())


def _central_meridian(crs: CRS) -> float | None:
    op = crs.coordinate_operation
    for p in (op.params if op is not None else []):
        if "longitude of natural origin" in p.name.lower() or "central meridian" in p.name.lower():
            return float(p.value)
    return None


def _false_easting(crs: CRS) -> float:
    op = crs.coordinate_operation
    for p in (op.params if op is not None else []):
        if p.name.lower() == "false easting":
            return float(p.value)
    return 0.0


@functools.lru_cache(maxsize=1)
def _projected_names() -> dict[str, str]:
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    return {i.name: f"{i.auth_name}:{i.code}" for i in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS)}


def _variant(crs: CRS, old: str, new: str) -> CRS | None:
    """The EPSG CRS named like ``crs`` with ``old`` replaced by ``new`` (``CM 120E`` ↔ ``zone 40``)."""
    name = re.sub(old, new, crs.name)
    code = _projected_names().get(name) if name != crs.name else None
    return CRS.from_user_input(code) if code else None


def _span(lo: float, hi: float) -> str:
    def f(v: float) -> str:
        return f"{v:.0f}" if abs(v) >= 1e4 else f"{v:.6g}"

    return f(lo) if lo == hi else f"{f(lo)} … {f(hi)}"


def _declare(code: str | None, raster: bool, source: str, what: str = "") -> str:
    """The fix: declare (vector) or assign (raster) ``code``; ``what`` says why that CRS."""
    from pathlib import Path

    if code is None:
        if raster:
            return (f"assign the CRS the raster is really in (gdal_edit.py -a_srs EPSG:xxxx {Path(source).name}) "
                    "or rebuild its transform")
        return ("declare the CRS the coordinates are really in (--input-crs EPSG:xxxx, or crs = \"EPSG:xxxx\" in the "
                "manifest) or reproject the file")
    if raster:
        return f"assign {code}{what} (gdal_edit.py -a_srs {code} {Path(source).name}) or warp the raster"
    if what:
        return f"declare {code}{what} (--input-crs {code}, or crs = \"{code}\" in the manifest)"
    return f"declare the real CRS (--input-crs {code}, or crs = \"{code}\" in the manifest) or reproject the file"


def _diagnose(x: np.ndarray, y: np.ndarray, b: np.ndarray, crs: CRS, raster: bool, source: str) -> tuple[str, str]:
    geo = _geo(crs)
    label = _label(crs)
    minx, miny, maxx, maxy = (float(v) for v in b)
    where = f"coordinates ({_span(minx, maxx)}, {_span(miny, maxy)})"
    swap_fix = ("swap the X and Y coordinates (QGIS: Processing ▸ Swap X and Y coordinates; Python: "
                "shapely.transform(geoms, lambda c: c[:, ::-1])) and read it again")
    if raster:
        swap_fix = ("give the raster's transform with x as the easting/longitude (its origin and pixel size are "
                    "swapped): rebuild it with gdal_translate -a_ullr")
    if geo.is_geographic:
        if _fits(y, x, crs):
            return (f"{where} look like (latitude, longitude): the axes are swapped for {label}, whose x is the longitude",
                    swap_fix)
        inside = -180.5 <= minx <= maxx <= 180.5 and -90.5 <= miny <= maxy <= 90.5
        if not inside:
            guess = "EPSG:4549"
            zone = _zone_prefix(minx, maxx)
            if zone is not None:
                guess = _prefixed_guess(zone) or guess
            return (f"coordinates up to ({max(abs(minx), abs(maxx)):.0f}, {max(abs(miny), abs(maxy)):.0f}) are not "
                    f"longitude/latitude, yet the file says {crs.to_string()}: they look projected (metres)",
                    _declare(guess, raster, source))
        return (f"{where} lie far outside the area of use of {label} ({_area_text(crs)})", _declare(None, raster, source))
    # projected
    unit = geo.axis_info[0].unit_name if geo.axis_info else "metre"
    units = "metres" if unit in ("metre", "meter") else f"in {unit}"
    if np.all(np.abs(x) <= 180.0) and np.all(np.abs(y) <= 90.0):
        return (f"{where} look like longitude/latitude in degrees, yet the file says {label}, whose coordinates are {units}",
                _declare("EPSG:4490", raster, source))
    if np.all(np.abs(x) <= 90.0) and np.all(np.abs(y) <= 180.0):
        return (f"{where} look like latitude/longitude in degrees (latitude first), yet the file says {label}, whose "
                f"coordinates are {units}", "swap the X and Y coordinates, then " + _declare("EPSG:4490", raster, source))
    fe = _false_easting(geo)
    zone = _zone_prefix(minx, maxx)
    if zone is not None and fe < 1e7:
        prefixed = _variant(geo, r"CM \d+E", f"zone {zone}")
        ok = prefixed is not None and _fits(x, y, prefixed)
        if not ok:
            guess = _prefixed_guess(zone)
            prefixed = CRS.from_user_input(guess) if guess else None
            ok = prefixed is not None and _fits(x, y, prefixed)
        fix = (_declare(short_label(prefixed), raster, source, f", {prefixed.name}, whose eastings carry the zone number")
               if ok else f"subtract {zone}000000 from the eastings, or declare the zone-{zone} CRS of your datum")
        return (f"eastings ({_span(minx, maxx)}) carry the Gauss-Krüger zone number {zone} in front, but {label} expects "
                f"eastings without it (about {fe:.0f})", fix)
    if fe >= 1e7 and maxx < 1e7:
        zone = int(fe // 1e6)
        plain = _variant(geo, rf"zone {zone}\b", f"CM {_central_meridian(geo):.0f}E")
        ok = plain is not None and _fits(x, y, plain)
        fix = (_declare(short_label(plain), raster, source, f", {plain.name}, whose eastings have no zone number")
               if ok else f"add {zone}000000 to the eastings, or declare the CRS of your data without a zone number")
        return (f"eastings ({_span(minx, maxx)}) have no zone number in front, but {label} expects zone-{zone} "
                f"eastings (about {fe:.0f})", fix)
    if _fits(y, x, crs):
        return (f"{where} look like (northing, easting): the axes are swapped for {label}, whose x is the easting "
                f"(about {fe:.0f})", swap_fix)
    lon, lat = _lonlat(x, y, crs)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return (f"{where} are not coordinates {label} can give (they do not convert to longitude/latitude)",
                _declare(None, raster, source))
    return (f"{where} would lie at {_span(float(np.min(lon)), float(np.max(lon)))}°E, "
            f"{_span(float(np.min(lat)), float(np.max(lat)))}°N, far outside the area of use of {label} "
            f"({_area_text(crs)}): they are not coordinates of this CRS", _declare(None, raster, source))


def _zone_prefix(minx: float, maxx: float) -> int | None:
    """The zone number in front of Gauss-Krüger eastings such as 40500000 (zones 13–23 of 6°, 25–45 of 3°)."""
    if minx < 1e7 or maxx >= 1e8:
        return None
    zone = int(minx // 1e6)
    return zone if zone == int(maxx // 1e6) and (13 <= zone <= 23 or 25 <= zone <= 45) else None


def _prefixed_guess(zone: int) -> str | None:
    """The CGCS2000 Gauss-Krüger CRS with eastings prefixed by ``zone`` (3° zones 25–45, 6° zones 13–23)."""
    if 25 <= zone <= 45:
        return f"EPSG:{4513 + zone - 25}"
    if 13 <= zone <= 23:
        return f"EPSG:{4491 + zone - 13}"
    return None


def _area_text(crs: CRS) -> str:
    area = _area(_geo(crs))
    if area is None:
        return "no area of use recorded"
    w, s, e, n = area
    return f"{w:g}°E … {e:g}°E, {s:g}°N … {n:g}°N"
