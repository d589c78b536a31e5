"""The raster as zonal statistics measure it (分区统计的栅格): opening it, its grid, cell and zone areas, nodata.

- :func:`opened_raster`: a path or an open rasterio dataset, as an open dataset.
- :class:`RasterGrid`: what the measurement needs to know of the raster (transform,
  CRS, nodata and mask, planar or geodesic cell areas).
- :func:`zone_areas`: a zone's area as the raster measures it; :func:`nodata_cells`:
  which values have no data.

Used by :func:`ecozone.measure.zonal.zonal`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .. import crs as _crs
from ..errors import CRSError, InputError, SchemaError

__all__ = ["RasterGrid", "opened_raster", "zone_areas", "nodata_cells"]

#: Segments per parallel edge of a cell when its geodesic area is measured.
_DENSIFY = 8


@contextlib.contextmanager
def opened_raster(raster: Any) -> Iterator[Any]:
    """The raster as an open rasterio dataset; a dataset given open stays open."""
    import rasterio
    from rasterio.errors import RasterioIOError

    if hasattr(raster, "read") and hasattr(raster, "transform"):
        yield raster
        return
    name = str(raster)
    if not name.startswith("/vsi") and "://" not in name and not Path(name).exists():
        raise InputError(f"{name}: file not found; fix: check the path (relative paths start at {Path.cwd()})")
    try:
        ds = rasterio.open(name)
    except RasterioIOError as exc:
        reason = " ".join(str(exc).split())
        raise InputError(f"{name}: cannot be read as a raster ({reason}); fix: give a GeoTIFF or another raster GDAL reads") from exc
    with ds:
        yield ds


@dataclass
class RasterGrid:
    """What the measurement needs to know about the raster."""

    band: int
    transform: Any  # affine.Affine
    width: int
    height: int
    crs: Any  # pyproj.CRS
    dtype: np.dtype
    nodata: float | None
    mask_read: bool  # a mask band or alpha: read it (else nodata value and NaN only)
    geodesic: bool  # cell areas per row from pyproj.Geod (geographic or Mercator)
    m2_per_unit2: float  # square metres per square unit of a projected CRS (1 for metres)
    dataset: Any  # the open rasterio dataset (the blocks are read through a handle of their own)

    @classmethod
    def of(cls, ds: Any, band: int) -> RasterGrid:
        from pyproj import CRS
        from rasterio.enums import MaskFlags

        name = ds.name
        if ds.crs is None:
            raise CRSError(
                f"{name}: raster has no CRS; fix: assign one with gdal_edit.py -a_srs EPSG:xxxx "
                "(e.g. EPSG:4549 for CGCS2000 Gauss-Krüger CM 120°E)"
            )
        if not isinstance(band, (int, np.integer)) or not 1 <= band <= ds.count:
            raise SchemaError(f"{name}: no band {band} (the raster has {ds.count}); fix: pass band=1 to {ds.count}")
        t = ds.transform
        if t.b != 0 or t.d != 0:
            raise InputError(f"{name}: the raster grid is rotated or sheared; fix: warp it north-up with gdalwarp first")
        crs = CRS.from_user_input(ds.crs.to_wkt())
        # a transform that does not fit the CRS (metres labelled EPSG:4326, degrees labelled a GK zone …)
        _crs.check_plausible(tuple(ds.bounds), crs, name, raster=True)
        geodesic = crs.is_geographic or _crs.is_mercator_like(crs)
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info and not geodesic else 1.0
        flags = ds.mask_flag_enums[band - 1]
        return cls(
            band=int(band),
            transform=t,
            width=ds.width,
            height=ds.height,
            crs=crs,
            dtype=np.dtype(ds.dtypes[band - 1]),
            nodata=ds.nodatavals[band - 1],
            mask_read=MaskFlags.all_valid not in flags and MaskFlags.nodata not in flags,
            geodesic=geodesic,
            m2_per_unit2=unit * unit,
            dataset=ds,
        )

    @property
    def cell_m2(self) -> float:
        """Area of every cell of a planar (not geodesic) grid."""
        return abs(self.transform.a * self.transform.e) * self.m2_per_unit2

    @property
    def bounds(self) -> shapely.Geometry:
        t = self.transform
        xs, ys = (t.c, t.c + t.a * self.width), (t.f, t.f + t.e * self.height)
        return shapely.box(min(xs), min(ys), max(xs), max(ys))

    def label(self) -> str:
        return _crs.short_label(self.crs)

    def geod(self):
        return self.crs.get_geod()

    def to_lonlat(self):
        """A function (x, y) → (lon, lat) for coordinates in the raster's CRS."""
        from pyproj import Transformer

        if self.crs.is_geographic:
            # the raster's own lon/lat, whatever its axis order says
            return lambda x, y: (np.asarray(x), np.asarray(y))
        return Transformer.from_crs(self.crs, self.crs.geodetic_crs, always_xy=True).transform

    def row_areas(self, r0: int, r1: int) -> np.ndarray:
        """Geodesic area (m²) of a cell of each row ``r0 .. r1-1`` (all cells of a row are equal).

        The cell's edges along the row are parallels: each is followed by
        ``_DENSIFY`` geodesic segments, close enough for cells of any size.
        """
        t, geod, lonlat = self.transform, self.geod(), self.to_lonlat()
        xs = t.c + t.a * np.linspace(0.0, 1.0, _DENSIFY + 1)
        ys = t.f + t.e * np.arange(r0, r1 + 1, dtype=np.float64)
        lon, lat = lonlat(*np.broadcast_arrays(xs[None, :], ys[:, None]))
        out = np.empty(r1 - r0)
        for k in range(r1 - r0):
            ring_lon = np.concatenate([lon[k], lon[k + 1][::-1]])
            ring_lat = np.concatenate([lat[k], lat[k + 1][::-1]])
            out[k] = abs(geod.polygon_area_perimeter(ring_lon, ring_lat)[0])
        return out


def nodata_cells(grid: RasterGrid, v: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
    """True for the values ``v`` that are nodata or NaN, or whose ``mask`` is 0; None if none is."""
    bad = None
    if grid.nodata is not None and not np.isnan(grid.nodata):
        bad = v == grid.nodata  # a Python float: compared in the raster's type (NEP 50)
    if grid.dtype.kind == "f":
        nan = np.isnan(v)
        bad = nan if bad is None else bad | nan
    if mask is not None:
        masked = mask == 0
        bad = masked if bad is None else bad | masked
    return bad if bad is not None and bad.any() else None


def zone_areas(geoms: np.ndarray, grid: RasterGrid) -> np.ndarray:
    """Area (m²) of each zone as the raster measures it: planar, or geodesic on a geographic/Mercator raster."""
    if not grid.geodesic:
        return shapely.area(geoms) * grid.m2_per_unit2
    geod, lonlat = grid.geod(), grid.to_lonlat()
    # straight edges in the raster's CRS, followed closely on the ellipsoid
    step = 0.01 if grid.crs.is_geographic else 1000.0
    dense = shapely.segmentize(geoms, step)
    out = np.zeros(len(geoms))
    for i, g in enumerate(dense):
        if g is None or g.is_empty:
            continue
        total = 0.0
        for part in shapely.get_parts(g):
            for k, ring in enumerate(shapely.get_rings(part)):
                xy = shapely.get_coordinates(ring)
                lon, lat = lonlat(xy[:, 0], xy[:, 1])
                area = abs(geod.polygon_area_perimeter(lon, lat)[0])
                total += area if k == 0 else -area
        out[i] = total
    return out
