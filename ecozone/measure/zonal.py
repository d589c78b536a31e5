"""Raster zonal statistics (分区统计): a raster's values summarised inside each zone.

A continuous raster (slope, NDVI, elevation) gives per zone the count, mean,
min, max and sum of its cells; a categorical one (land cover) gives the area
and share of each class per zone — e.g. the forest share behind 林木绿化率.

Every cell counts with the exact fraction of its area that lies inside the
zone, as exactextract does, so a zone smaller than a cell or thinner than a
cell is measured, not missed.  The fractions come from one pass over the
zone's outline: each edge is cut where it crosses a grid line, and each piece
adds the area between itself and the right edge of its cell; a running sum
along the row then gives every cell's covered area (the exact area integral
of the polygon, holes included).  The raster is read a block of neighbouring
zones at a time (bounded memory), in a second thread while the first one
computes.

Example
-------
>>> import tempfile, pathlib, numpy as np, rasterio, geopandas as gpd
>>> from rasterio.transform import Affine
>>> from shapely.geometry import box
>>> path = pathlib.Path(tempfile.mkdtemp()) / "slope.tif"
>>> profile = dict(driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:4549",
...                transform=Affine(10, 0, 500000, 0, -10, 4150040), nodata=-1)  # 10 m cells
>>> with rasterio.open(path, "w", **profile) as dst:
...     dst.write(np.arange(16, dtype="float32").reshape(4, 4), 1)
>>> zones = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(500000, 4150020, 500015, 4150040)], crs=4549)
>>> zonal(path, zones).round(4).to_dict("records")
[{'zone': '甲', 'zone_area_ha': 0.03, 'nodata_ha': 0.0, 'nodata_share': 0.0, 'count': 3.0, 'mean': 2.3333, 'min': 0.0, 'max': 5.0, 'sum': 7.0}]
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import GeometryType

from .. import crs as _crs
from ..errors import CRSError, InputError, SchemaError
from ..units import M2_PER_HA
from ..validate import repair
from ..prepare import refuse_non_polygons

__all__ = ["zonal", "STATS"]

#: The statistics of a continuous raster, in their default order.
STATS = ("count", "mean", "min", "max", "sum")

#: Coverage fractions below this are rounding noise of the running sum, not area.
_EPS = 1e-9
#: Cells read at once: neighbouring zones up to this many, a larger zone in strips of rows.
_BLOCK_CELLS = 1 << 22
#: Cells of the tiles read through one dataset handle before it is reopened (dropping GDAL's cached tiles).
_REOPEN_CELLS = 1 << 24
#: Segments per parallel edge of a cell when its geodesic area is measured.
_DENSIFY = 8


def zonal(
    raster: Any,
    zones: gpd.GeoDataFrame,
    stats: str | Sequence[str] = STATS,
    categorical: bool = False,
    *,
    band: int = 1,
    zone_field: str | None = None,
) -> pd.DataFrame:
    """Statistics of a raster inside each zone, with exact partial-cell coverage (分区统计).

    Parameters
    ----------
    raster : path of a raster file (GeoTIFF …) or an open rasterio dataset
    zones : polygons (districts, bays …); reprojected to the raster's CRS
    stats : any of ``count``, ``mean``, ``min``, ``max``, ``sum`` (a list, or
        one comma-separated string); ignored when ``categorical``
    categorical : the raster holds class codes (land cover): report the area
        and share of each class instead of statistics of the values
    band : band number, from 1
    zone_field : column naming the zones; default ``name``, else ``id``, else
        the row index of ``zones``

    Returns
    -------
    DataFrame, one row per zone (continuous) with ``zone``, ``zone_area_ha``
    (the zone's area), ``nodata_ha`` and ``nodata_share`` (the part of the
    zone with no value: nodata or masked cells, or outside the raster) and
    the requested statistics:

    * ``count``: Σ coverage fraction of the valid cells (fractional: a zone of
      a quarter cell has count 0.25);
    * ``mean``: Σ value × w / Σ w with w = fraction × cell area;
    * ``min`` / ``max``: over valid cells with any part in the zone;
    * ``sum``: Σ value × fraction.

    With ``categorical=True``: one row per zone and class, ``zone``, ``class``,
    ``count`` (Σ fraction), ``area_ha``, ``share`` (of the zone's area with
    data: the shares of a zone add up to 1), ``zone_area_ha``, ``nodata_ha``,
    ``nodata_share``.  A zone without any valid cell has one row with an empty
    ``class``, so it does not vanish.

    ``table.attrs["notes"]`` says what was reprojected, repaired or missed.

    Raises
    ------
    InputError : the raster file is missing or unreadable
    CRSError : the raster or the zones have no CRS
    SchemaError : no such band, statistic or zone field
    GeometryError : zones that are not polygons

    Notes
    -----
    A cell has no data when it holds the band's nodata value or NaN, or is
    masked by a mask band or alpha band (exactextract 0.3 honours the nodata
    value only).  On a projected raster every cell has the area ``|a·e|`` of
    the transform, and count, mean, min, max and sum equal exactextract's.  On a geographic
    raster (EPSG:4326/4490), and on a Mercator one (which inflates areas by
    1/cos²φ), cell areas are geodesic (``pyproj.Geod``, one per row) and the
    zone's area is geodesic too; there ``mean`` weights cells by their
    covered area, where exactextract weights by coverage fraction only (its
    mean leans towards the poleward cells, whose area is smaller).
    """
    stat_list = _check_stats(stats) if not categorical else []
    notes: list[str] = []
    with _opened(raster) as ds:
        grid = _Grid.of(ds, band)
        ids = _zone_ids(zones, zone_field)
        geoms = _zone_geometries(zones, grid, notes)
        measured = _measure(grid, geoms, categorical, notes)
    zone_m2, nodata_m2 = measured.zone_m2, measured.nodata_m2
    share = np.divide(nodata_m2, zone_m2, out=np.full(len(zone_m2), np.nan), where=zone_m2 > 0)
    base = pd.DataFrame(
        {"zone": ids, "zone_area_ha": zone_m2 / M2_PER_HA, "nodata_ha": nodata_m2 / M2_PER_HA, "nodata_share": share}
    )
    table = _class_table(base, measured, grid) if categorical else _stats_table(base, measured, stat_list)
    table.attrs["notes"] = notes
    return table


# ------------------------------------------------------------------ inputs


def _check_stats(stats: str | Sequence[str]) -> list[str]:
    names = [s.strip() for s in stats.split(",")] if isinstance(stats, str) else [str(s).strip() for s in stats]
    names = [s for s in names if s]
    unknown = [s for s in names if s not in STATS]
    if unknown:
        raise SchemaError(f"zonal: unknown statistic '{unknown[0]}'; fix: choose from {', '.join(STATS)}")
    if not names:
        raise SchemaError(f"zonal: no statistic asked for; fix: choose from {', '.join(STATS)}")
    return list(dict.fromkeys(names))


@contextlib.contextmanager
def _opened(raster: Any) -> Iterator[Any]:
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
class _Grid:
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
    def of(cls, ds: Any, band: int) -> _Grid:
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
        geodesic = crs.is_geographic or _crs._is_mercator_like(crs)
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


def _zone_ids(zones: gpd.GeoDataFrame, zone_field: str | None) -> np.ndarray:
    """The zone names: ``zone_field``, else ``name``, else ``id``, else the index (values, never positions)."""
    if zone_field is None:
        zone_field = next((f for f in ("name", "id") if f in zones.columns), None)
        if zone_field is None:
            return zones.index.to_numpy()
    if zone_field not in zones.columns:
        have = ", ".join(str(c) for c in zones.columns if c != zones.geometry.name) or "none"
        source = zones.attrs.get("source", "zones")
        raise SchemaError(f"{source}: no field '{zone_field}' to name the zones (fields: {have}); fix: pass zone_field=NAME")
    return zones[zone_field].to_numpy()


def _zone_geometries(zones: gpd.GeoDataFrame, grid: _Grid, notes: list[str]) -> np.ndarray:
    """The zones' polygons in the raster's CRS, repaired; missing and empty ones as empty polygons."""
    source = zones.attrs.get("source", "zones")
    if zones.crs is None:
        raise CRSError(f"{source}: zones have no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)")
    geoms = np.asarray(zones.geometry.values, dtype=object)
    refuse_non_polygons(geoms, source, "zonal statistics need polygons",
                        "buffer lines or points first if their surroundings are meant")
    if not grid.crs.equals(zones.crs, ignore_axis_order=True):
        notes.append(f"zones reprojected from {_crs.short_label(zones.crs)} to {grid.label()} (the raster's CRS)")
        geoms = np.asarray(zones.to_crs(grid.crs).geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        notes.append(f"{int(empty.sum())} zone(s) without geometry: no cells, no statistics")
        geoms = geoms.copy()
        geoms[empty] = shapely.Polygon()
    invalid = ~shapely.is_valid(geoms) & ~empty
    if invalid.any():
        notes.append(f"{int(invalid.sum())} invalid zone polygon(s) repaired with make_valid")
        geoms = geoms.copy()
        geoms[invalid] = repair(geoms[invalid], "polygon")
    return geoms


# ------------------------------------------------------------------ measuring


@dataclass
class _Measured:
    """Per-zone sums (arrays over the zones), and class areas for a categorical raster."""

    zone_m2: np.ndarray
    nodata_m2: np.ndarray
    count: np.ndarray
    sum: np.ndarray
    wsum: np.ndarray  # Σ fraction × cell area over valid cells
    wvsum: np.ndarray  # Σ value × fraction × cell area
    min: np.ndarray
    max: np.ndarray
    classes: list[dict] | None  # per zone {class: [count, m²]}


def _measure(grid: _Grid, geoms: np.ndarray, categorical: bool, notes: list[str]) -> _Measured:
    n = len(geoms)
    if grid.geodesic:
        notes.append(
            f"raster in {grid.label()} ({'geographic' if grid.crs.is_geographic else 'Mercator'}): cell areas are "
            "geodesic (pyproj.Geod, one per row), zone areas too; the mean weights cells by covered area "
            "(exactextract's by coverage fraction only)"
        )
    m = _Measured(
        zone_m2=_areas(geoms, grid),
        nodata_m2=np.zeros(n),
        count=np.zeros(n),
        sum=np.zeros(n),
        wsum=np.zeros(n),
        wvsum=np.zeros(n),
        min=np.full(n, np.nan),
        max=np.full(n, np.nan),
        classes=[{} for _ in range(n)] if categorical else None,
    )
    bounds = grid.bounds
    shapely.prepare(bounds)
    hits = ~shapely.is_empty(geoms) & shapely.intersects(bounds, geoms)
    clipped = geoms.copy()
    cross = np.flatnonzero(hits & ~shapely.contains(bounds, geoms))
    if len(cross):
        clipped[cross] = shapely.intersection(geoms[cross], bounds)
        inside_m2 = _areas(clipped[cross], grid)
        hits[cross] = shapely.area(clipped[cross]) > 0  # not just touching the raster's edge
        m.nodata_m2[cross] = np.maximum(m.zone_m2[cross] - inside_m2, 0.0)
        partly = int(hits[cross].sum())
        if partly:
            notes.append(f"{partly} zone(s) partly outside the raster: the part outside counts as nodata")
    outside = ~hits & ~shapely.is_empty(geoms)
    if outside.any():
        notes.append(f"{int(outside.sum())} zone(s) wholly outside the raster: count 0, no statistics, all nodata")
        m.nodata_m2[outside] = m.zone_m2[outside]

    todo = np.flatnonzero(hits)
    if len(todo) == 0:
        return m
    # pixel coordinates: column, row (fractional); clamped to the grid against rounding
    t = grid.transform
    pix = shapely.transform(clipped[todo], lambda xy: (xy - (t.c, t.f)) / (t.a, t.e))
    pix = shapely.transform(pix, lambda xy: np.clip(xy, 0.0, (grid.width, grid.height)))
    b = shapely.bounds(pix)
    windows = np.column_stack(
        [np.floor(b[:, 1]), np.ceil(b[:, 3]), np.floor(b[:, 0]), np.ceil(b[:, 2])]
    ).astype(np.int64)
    windows[:, 1] = np.maximum(windows[:, 1], windows[:, 0] + 1)
    windows[:, 3] = np.maximum(windows[:, 3], windows[:, 2] + 1)
    row_m2 = None  # geodesic: area of a cell of each row (NaN for rows no zone reaches)
    if grid.geodesic:
        r_lo, r_hi = int(windows[:, 0].min()), int(windows[:, 1].max())
        row_m2 = np.full(grid.height, np.nan)
        row_m2[r_lo:r_hi] = grid.row_areas(r_lo, r_hi)
    # spatial order: bands of 256 rows, then along the band, so that a block of neighbours is compact
    order = np.lexsort((windows[:, 2], windows[:, 0] // 256))
    with contextlib.closing(_prefetched(grid, _blocks(windows, order))) as blocks:  # no read after an error
        for block, values in blocks:
            _measure_block(grid, block, values, pix, windows, todo, row_m2, m)
    nodata_only = hits & (m.count == 0)
    if nodata_only.any():
        notes.append(f"{int(nodata_only.sum())} zone(s) with no valid cell (nodata or masked only)")
    return m


def _measure_block(
    grid: _Grid,
    block: tuple,
    values: tuple[np.ndarray, np.ndarray | None],
    pix: np.ndarray,
    windows: np.ndarray,
    todo: np.ndarray,
    row_m2: np.ndarray | None,
    m: _Measured,
) -> None:
    """Add the cells of one block read (see :func:`_blocks`) to the sums of its zones."""
    top, bottom, left, _, positions, strip = block
    data, mask = values
    outlines = pix[positions]
    if strip:  # one large zone, a strip of rows at a time
        outlines = shapely.intersection(outlines, shapely.box(0, top, grid.width, bottom))
    zone_of, rows, cols, own, right = _pieces(outlines)
    starts = np.searchsorted(zone_of, np.arange(len(positions) + 1))
    for k, pos in enumerate(positions):
        r0, r1, c0, c1 = (int(v) for v in windows[pos])
        r0, r1 = max(r0, top), min(r1, bottom)
        sel = slice(starts[k], starts[k + 1])
        row, col, length, frac = _runs(rows[sel] - r0, cols[sel] - c0, own[sel], right[sel], r1 - r0, c1 - c0)
        # the covered cells, as positions in the block read
        first = (row + (r0 - top)) * data.shape[1] + col + (c0 - left)
        offset = np.cumsum(length) - length
        cells = np.repeat(first - offset, length) + np.arange(int(length.sum()))
        f, v = np.repeat(frac, length), data.ravel().take(cells)
        cell = grid.cell_m2 if row_m2 is None else np.repeat(row_m2[row + r0], length)
        bad = _nodata(grid, v, None if mask is None else mask.ravel().take(cells))
        zi = todo[pos]
        if bad is not None:
            m.nodata_m2[zi] += float(np.sum(f[bad] * (cell if row_m2 is None else cell[bad])))
            good = ~bad
            f, v = f[good], v[good]
            cell = cell if row_m2 is None else cell[good]
        if f.size:
            _add(m, zi, f, v, cell)


def _blocks(windows: np.ndarray, order: np.ndarray) -> Iterator[tuple]:
    """Group neighbouring zones (in ``order``) into blocks of the raster read at once.

    Yields ``(top, bottom, left, right, positions, strip)``: the block's rows
    and columns and its zones.  A block spans at most ``_BLOCK_CELLS`` cells,
    so memory stays bounded, and beyond 65,536 cells (a 256 × 256 tile) at
    most twice the cells its zones' windows need, so that scattered zones do
    not read the whole raster.  A
    zone whose own window is larger is a block of its own, cut into strips of
    rows (``strip`` True).
    """
    group: list[int] = []
    top = bottom = left = right = need = 0
    for pos in order.tolist():
        r0, r1, c0, c1 = (int(v) for v in windows[pos])
        cells = (r1 - r0) * (c1 - c0)
        if cells > _BLOCK_CELLS:
            step = max(1, _BLOCK_CELLS // (c1 - c0))
            for s0 in range(r0, r1, step):
                yield s0, min(r1, s0 + step), c0, c1, [pos], True
            continue
        if group:
            t, b, lo, hi = min(top, r0), max(bottom, r1), min(left, c0), max(right, c1)
            union = (b - t) * (hi - lo)
            if union <= _BLOCK_CELLS and (union <= 1 << 16 or union <= 2 * (need + cells)):
                group.append(pos)
                top, bottom, left, right, need = t, b, lo, hi, need + cells
                continue
            yield top, bottom, left, right, group, False
        group, top, bottom, left, right, need = [pos], r0, r1, c0, c1, cells
    if group:
        yield top, bottom, left, right, group, False


def _prefetched(grid: _Grid, blocks: Iterator[tuple], depth: int = 3) -> Iterator[tuple]:
    """Each block with its values, the next ``depth`` blocks being read in a second thread meanwhile.

    GDAL decompresses outside the GIL, so reading overlaps the numpy work.
    Only that thread reads (a rasterio dataset must not be used by two
    threads at once).
    """
    pending: deque = deque()
    reader = _Reader(grid)
    with ThreadPoolExecutor(1) as pool:
        try:
            for block in blocks:
                pending.append((block, pool.submit(reader.read, *block[:4])))
                if len(pending) > depth:
                    block, values = pending.popleft()
                    yield block, values.result()
            while pending:
                block, values = pending.popleft()
                yield block, values.result()
        finally:  # closed early (an error): read no more, wait for the read under way
            for _, values in pending:
                values.cancel()
            pool.submit(reader.close).result()


class _Reader:
    """Reads blocks through a handle of its own, reopened after ``_REOPEN_CELLS`` cells of tiles.

    GDAL keeps every block it decompresses in its cache (up to 5 % of RAM by
    default) until the dataset is closed; the blocks are read in order and
    seldom needed twice, so closing the handle now and then bounds memory.
    A dataset that cannot be reopened by name (an in-memory VRT) is read as given.
    """

    def __init__(self, grid: _Grid):
        self.grid = grid
        self.ds: Any = None
        self.cells = 0

    def read(self, top: int, bottom: int, left: int, right: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The values of a block, and its mask (0: no data) when the raster has a mask band or alpha."""
        from rasterio.errors import RasterioIOError
        from rasterio.windows import Window

        if self.ds is None or (self.cells > _REOPEN_CELLS and self.ds is not self.grid.dataset):
            self.close()
            self.ds = self._open()
        # what GDAL decompresses and caches: the whole tiles (or strips) the window touches
        bh, bw = self.ds.block_shapes[self.grid.band - 1]
        self.cells += (-(-bottom // bh) - top // bh) * bh * (-(-right // bw) - left // bw) * bw
        window = Window(left, top, right - left, bottom - top)
        try:
            data = self.ds.read(self.grid.band, window=window)
            mask = self.ds.read_masks(self.grid.band, window=window) if self.grid.mask_read else None
        except RasterioIOError as exc:
            reason = " ".join(str(exc).split())
            raise InputError(
                f"{self.grid.dataset.name}: rows {top}–{bottom}, columns {left}–{right} cannot be read ({reason}); "
                "fix: check the file with gdalinfo -checksum, or rewrite it with gdal_translate"
            ) from exc
        return data, mask

    def _open(self) -> Any:
        import rasterio
        from rasterio.errors import RasterioIOError

        self.cells = 0
        try:
            return rasterio.open(self.grid.dataset.name)
        except RasterioIOError:
            return self.grid.dataset

    def close(self) -> None:
        if self.ds is not None and self.ds is not self.grid.dataset:
            self.ds.close()
        self.ds = None


def _runs(rows: np.ndarray, cols: np.ndarray, own: np.ndarray, right: np.ndarray, h: int, w: int) -> tuple[np.ndarray, ...]:
    """Covered cells of an ``h × w`` window, from the outline's pieces in it (see :func:`_pieces`).

    Returns runs of cells along a row that share one coverage fraction:
    row, first column, length and fraction (> 0).  Between two pieces the
    running sum is constant (a polygon's interior: 1), so the runs come from
    the pieces' entries sorted along the rows, without touching every cell.
    """
    stride = w + 1  # one spare column: contributions right of the last cell
    idx = rows * stride + cols
    key = np.concatenate([idx, idx + 1])
    order = np.argsort(key)
    key = key[order]
    running = np.cumsum(np.concatenate([own, right])[order])
    last = np.ones(len(key), dtype=bool)  # the running sum after all of a cell's entries
    last[:-1] = key[1:] != key[:-1]
    start, frac = key[last], running[last]  # a closed outline adds up to 0 across a row: no carry
    end = np.append(start[1:], h * stride)
    keep = frac > _EPS
    start, end, frac = start[keep], end[keep], np.minimum(frac[keep], 1.0)
    row = start // stride
    col = start - row * stride
    length = np.minimum(end, row * stride + w) - start  # never into the spare column
    keep = length > 0
    return row[keep], col[keep], length[keep], frac[keep]


def _nodata(grid: _Grid, v: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
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


def _add(m: _Measured, zi: int, f: np.ndarray, v: np.ndarray, cell: float | np.ndarray) -> None:
    """Add valid cells (fractions ``f``, values ``v``, cell areas ``cell``) to zone ``zi``'s sums."""
    if m.classes is not None:
        classes, inv = np.unique(v, return_inverse=True)
        counts, areas = np.bincount(inv, f), np.bincount(inv, f * cell)
        found = m.classes[zi]
        for c, cnt, area in zip(classes.tolist(), counts.tolist(), areas.tolist()):
            got = found.setdefault(c, [0.0, 0.0])
            got[0] += cnt
            got[1] += area
        m.count[zi] += float(counts.sum())
        return
    v = v.astype(np.float64, copy=False)
    count, total = float(f.sum()), float(v @ f)
    m.count[zi] += count
    m.sum[zi] += total
    if np.isscalar(cell):  # planar: one cell area
        m.wsum[zi] += count * cell
        m.wvsum[zi] += total * cell
    else:
        wa = f * cell
        m.wsum[zi] += float(wa.sum())
        m.wvsum[zi] += float(v @ wa)
    lo, hi = float(v.min()), float(v.max())
    m.min[zi] = lo if np.isnan(m.min[zi]) else min(m.min[zi], lo)
    m.max[zi] = hi if np.isnan(m.max[zi]) else max(m.max[zi], hi)


def _pieces(pix: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cut the outlines of polygons (pixel coordinates) where they cross grid lines.

    Returns, per piece, in the order of the zones: the zone (position in
    ``pix``), the cell's row and column, and the piece's contributions to a
    row accumulator: ``own`` to its cell and ``right`` to the next cell.  A
    piece that spans ``dy`` rows at mean distance ``xm`` from its cell's left
    edge covers ``dy × (1 − xm)`` of its cell and all of every cell to its
    right over ``dy``; with ``dy`` signed by the ring's direction (exterior
    rings one way, holes the other), the running sum of the contributions
    along a row is the area of each cell inside the polygon.
    """
    parts, part_zone = shapely.get_parts(pix, return_index=True)
    polygon = shapely.get_type_id(parts) == GeometryType.POLYGON  # clipping at the raster's edge may leave lines too
    parts, part_zone = parts[polygon], part_zone[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]  # consecutive vertices of one ring: a segment
    x0, y0, x1, y1 = xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
    seg_ring = ring[:-1][same]
    # orient: exterior rings one way, holes the other, whatever the file's winding
    twice_area = np.bincount(seg_ring, x0 * y1 - x1 * y0, minlength=len(rings))
    seg_sign = np.where(exterior, -1.0, 1.0) * np.sign(twice_area)
    seg_zone = part_zone[ring_part]
    # horizontal segments add nothing; cut the others at rows, then at columns
    live = y0 != y1
    x0, y0, x1, y1, seg_ring = x0[live], y0[live], x1[live], y1[live], seg_ring[live]
    x0, y0, x1, y1, parent = _cut(x0, y0, x1, y1, along_x=False)
    live = y0 != y1
    x0, y0, x1, y1, parent = x0[live], y0[live], x1[live], y1[live], parent[live]
    x0, y0, x1, y1, parent2 = _cut(x0, y0, x1, y1, along_x=True)
    seg = seg_ring[parent[parent2]]
    h = (y1 - y0) * seg_sign[seg]
    xm = 0.5 * (x0 + x1)
    col = np.floor(xm)
    xr = xm - col
    row = np.floor(0.5 * (y0 + y1)).astype(np.int64)
    return seg_zone[seg], row, col.astype(np.int64), h * (1.0 - xr), h * xr


def _cut(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, *, along_x: bool) -> tuple[np.ndarray, ...]:
    """Cut segments where they cross whole-number x (``along_x``) or y; keep their order.

    Returns the sub-segments' ends, in travel order within each segment, and
    for each the index of the segment it came from.
    """
    a0, a1 = (x0, x1) if along_x else (y0, y1)
    f0, f1 = np.floor(a0), np.floor(a1)
    k = np.abs(f1 - f0).astype(np.int64)  # grid lines crossed
    n, total = len(a0), int(k.sum())
    if total == 0:
        return x0, y0, x1, y1, np.arange(n)
    seg = np.repeat(np.arange(n), k)
    first = np.repeat(np.cumsum(k) - k, k)
    step = np.arange(total) - first  # 0 .. k-1 within each segment
    # lines in travel order: up from floor(a0) + 1, or down from floor(a0)
    line = np.where((a1 > a0)[seg], f0[seg] + 1 + step, f0[seg] - step)
    t = (line - a0[seg]) / (a1 - a0)[seg]
    cx = x0[seg] + t * (x1 - x0)[seg]
    cy = y0[seg] + t * (y1 - y0)[seg]
    if along_x:
        cx = line
    else:
        cy = line
    # segment s becomes k[s] + 1 sub-segments at offsets off[s] ..
    size = k + 1
    off = np.cumsum(size) - size
    at = off[seg] + step  # the sub-segment a crossing ends (the next one starts there)
    sx, sy, ex, ey = (np.empty(n + total) for _ in range(4))
    sx[off], sy[off] = x0, y0
    ex[off + k], ey[off + k] = x1, y1
    sx[at + 1], sy[at + 1] = cx, cy
    ex[at], ey[at] = cx, cy
    return sx, sy, ex, ey, np.repeat(np.arange(n), size)


def _areas(geoms: np.ndarray, grid: _Grid) -> np.ndarray:
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


# ------------------------------------------------------------------ tables


def _stats_table(base: pd.DataFrame, m: _Measured, stats: list[str]) -> pd.DataFrame:
    columns = {
        "count": m.count,
        "mean": np.divide(m.wvsum, m.wsum, out=np.full(len(m.count), np.nan), where=m.wsum > 0),
        "min": m.min,  # NaN where no valid cell
        "max": m.max,
        "sum": m.sum,
    }
    return base.assign(**{s: columns[s] for s in stats})


def _class_table(base: pd.DataFrame, m: _Measured, grid: _Grid) -> pd.DataFrame:
    pos, cls, count, area = [], [], [], []
    for i, found in enumerate(m.classes or []):
        if not found:
            pos.append(i)
            cls.append(None)
            count.append(0.0)
            area.append(0.0)
            continue
        for c in sorted(found):
            pos.append(i)
            cls.append(c)
            count.append(found[c][0])
            area.append(found[c][1])
    pos_a, area_a = np.asarray(pos, dtype=np.int64), np.asarray(area)
    valid = np.bincount(pos_a, area_a, minlength=len(base))[pos_a]
    dtype = "Int64" if grid.dtype.kind in "iub" else "Float64"
    table = base.iloc[pos_a].reset_index(drop=True)
    table.insert(1, "class", pd.array(cls, dtype=dtype))
    table.insert(2, "count", np.asarray(count))
    table.insert(3, "area_ha", area_a / M2_PER_HA)
    table.insert(4, "share", np.divide(area_a, valid, out=np.full(len(area_a), np.nan), where=valid > 0))
    return table
