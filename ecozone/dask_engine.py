"""The dask engine (分布式引擎): coverage, restoration and conflicts on a Dask cluster.

A province's land-survey parcels — tens of millions of polygons — outgrow one
process.  With ``engine="dask"`` the big layer is read partition by
partition on the workers (a dask-geopandas frame, a (Geo)Parquet file by its
row groups, a GeoPackage in feature ranges), the small one (districts, the
red line) is sent to every worker, and each partition is measured by the
same kernel as in memory (:func:`ecozone.measure.coverage.covered_by_group`,
:func:`ecozone.measure.restoration.restoration_by_group`,
:func:`ecozone.measure.conflicts.findings`).

Exact across partitions
-----------------------
Coverage and restoration dissolve a layer before measuring it, so that
overlapping polygons count once.  A dissolve cannot be cut at arbitrary rows:
two overlapping polygons in different partitions would each be counted.  So
the big layer is cut in space, not in rows:

1. a first pass reads each partition's bounds and a sample of feature centres;
2. the extent is divided into a grid of cells; the cells, taken in Hilbert
   curve order, are cut into ``partitions`` runs of equal feature counts —
   the *regions*: compact, disjoint, together covering the plane (the edge
   cells reach far beyond the extent);
3. a second pass sends each feature to every region its bounding box meets
   (features in one region, nearly all of them, go to that one only), packed
   as Shapely ragged arrays (coordinates and offsets, a fraction of the
   memory of geometry objects);
4. each region dissolves and measures what reaches into it, the features
   that cross its edge clipped to it; areas of disjoint regions add up
   exactly.  Counts and plain sums (restoration's ``projects`` and
   ``overlap_ha``) are taken on each feature once, in the region of its
   bounding-box centre.

Conflicts need none of this: each finding concerns one feature, so each row
partition is checked on its own and the findings are concatenated.

Example
-------
>>> import ecozone, pytest
>>> _ = pytest.importorskip("dask_geopandas")
>>> atlas = ecozone.demo_atlas()
>>> table = ecozone.coverage(atlas["districts"], atlas["redline_land"], engine="dask", partitions=4)
>>> memory = ecozone.coverage(atlas["districts"], atlas["redline_land"])
>>> bool(abs(table["covered_ha"] - memory["covered_ha"]).max() < 1e-6)
True
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import crs as _crs
from .errors import InputError
from . import parallel
from .geometry import polygonal_each
from .parallel import one_thread
from .prepare import check_input, note, projected, refuse_non_polygon_layer, repair_notes, repaired

__all__ = ["require_dask", "connect", "local_client", "partitioned", "Partitioned", "Regions"]

#: How to install what the engine needs.
INSTALL = "pip install 'ecozone[dask]'"

#: Features per spatial partition when ``partitions`` is not given.
FEATURES_PER_PARTITION = 250_000

#: Features per partition when a GeoPackage / Shapefile … is read in feature ranges.
FEATURES_PER_READ = 250_000


def require_dask() -> None:
    """Raise a one-line InputError naming the ``dask`` extra when dask-geopandas or distributed is missing."""
    for module in ("dask", "dask_geopandas", "distributed"):
        try:
            __import__(module)
        except ImportError:
            raise InputError(
                f"engine 'dask': needs the optional 'dask' extra ({module.replace('_', '-')} is not installed); fix: {INSTALL}"
            ) from None


def connect(scheduler: Any, *, timeout: float = 10.0):
    """A ``distributed.Client`` for a scheduler address (``tcp://HOST:8786``); a Client is returned as it is.

    An address where no scheduler answers within ``timeout`` seconds raises a
    one-line InputError instead of waiting for ever.
    """
    require_dask()
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    address = str(scheduler)
    if not re.fullmatch(r"(tcp|tls|ws|wss|ucx)://[^\s/]+:\d+", address):
        raise InputError(f"scheduler {address}: not a Dask scheduler address; fix: give PROTOCOL://HOST:PORT, "
                         "e.g. tcp://10.0.0.5:8786 (what `dask scheduler` prints)")
    _quiet()
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # OSError (refused, timed out) …
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(
            f"scheduler {address}: no Dask scheduler answered within {timeout:g} s ({reason}); "
            "fix: check the address and that the scheduler is running, or leave --scheduler out for a local cluster"
        ) from None


def _quiet() -> None:
    """Dask's own INFO messages (workers starting, connections …) stay out of ecozone's stderr."""
    import logging

    for name in ("distributed", "tornado"):
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def local_client(workers: int | None = None):
    """A LocalCluster of ``workers`` single-threaded processes (default: one per CPU) and its Client."""
    require_dask()
    import logging

    from distributed import Client, LocalCluster

    _quiet()
    # no dashboard; the scheduler's HTTP endpoints on a free port, not 8787 (two clusters would clash)
    with LocalCluster(n_workers=workers or parallel.workers(), threads_per_worker=1, processes=True, dashboard_address=":0",
                      scheduler_kwargs={"dashboard": False}, silence_logs=logging.WARNING) as cluster:
        with Client(cluster, set_as_default=False) as client:
            yield client


# --------------------------------------------------------------------------- the big layer


@dataclass
class Partitioned:
    """A layer read partition by partition on the workers."""

    name: str  # what messages call it: its file, or the name given
    parts: list  # dask Delayed objects, each a GeoDataFrame partition
    meta: gpd.GeoDataFrame  # no rows: its columns and CRS
    declared: Any = None  # a declared CRS (a CRS, or "gcj02" / "bd09") applied to each partition
    parquet: _Parquet | None = None  # a GeoParquet file with a bounding-box column: read without parsing

    @property
    def columns(self):
        return self.meta.columns

    @property
    def geometry(self):
        return self.meta.geometry

    @property
    def crs(self) -> CRS | None:
        return self.meta.crs

    @property
    def source(self) -> _Source:
        """What a task needs to load a partition (never the partitions themselves)."""
        return _Source(self.name, self.declared)


class _Source(NamedTuple):
    name: str
    declared: Any


class _Parquet(NamedTuple):
    """A GeoParquet file whose features carry their bounding boxes (GeoParquet 1.1 ``covering``)."""

    path: str
    geometry: str  # the WKB column
    bbox: str  # the struct column of xmin, ymin, xmax, ymax
    starts: list[int]  # the first row of each row group


def partitioned(source: Any, name: str, *, declared_crs: Any = None, partitions: int | None = None) -> Partitioned:
    """The big layer for the dask engine, from a dask-geopandas or geopandas frame or a file.

    (Geo)Parquet is read by its row groups; other formats (GeoPackage,
    Shapefile, GeoJSON …) in ranges of :data:`FEATURES_PER_READ` features.
    ``declared_crs`` is what ``--input-crs`` declares (gcj02/bd09 converted on each partition).
    """
    require_dask()
    import dask_geopandas

    if isinstance(source, Partitioned):
        return source
    parquet = None
    if isinstance(source, dask_geopandas.GeoDataFrame):
        ddf, label = source, name
    elif isinstance(source, gpd.GeoDataFrame):
        ddf = dask_geopandas.from_geopandas(source, npartitions=max(1, partitions or parallel.workers()), sort=False)
        label = source.attrs.get("source", name)
    elif isinstance(source, (str, os.PathLike)):
        ddf, label = _read(Path(source), partitions), str(source)
        parquet = _covered_parquet(Path(source))
    else:
        raise InputError(f"{name}: a {type(source).__name__} is not a layer; "
                         "fix: give a GeoDataFrame, a dask-geopandas GeoDataFrame or a file path")
    meta = ddf._meta
    declared = None
    if declared_crs is not None:
        declared = _crs.parse_crs(declared_crs, what=f"{label}: declared CRS")
        meta = meta.set_crs(declared if isinstance(declared, CRS) else _crs.WGS84, allow_override=True)
    meta = meta.copy()
    meta.attrs["source"] = label
    return Partitioned(label, list(ddf.to_delayed()), meta, declared, parquet)


def _covered_parquet(path: Path) -> _Parquet | None:
    """The file's row groups and columns when it is one GeoParquet file of WKB with a bbox covering column."""
    import json

    import pyarrow.parquet as pq

    if path.is_dir():
        return None
    try:
        meta = pq.ParquetFile(path).metadata
        geo = json.loads(meta.metadata[b"geo"])
        column = geo["primary_column"]
        spec = geo["columns"][column]
        bbox = spec["covering"]["bbox"]
        if spec.get("encoding", "WKB").upper() != "WKB" or {tuple(v) for v in bbox.values()} != {
                (bbox["xmin"][0], f) for f in ("xmin", "ymin", "xmax", "ymax")}:
            return None
    except (KeyError, TypeError, ValueError, OSError):
        return None
    starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])[:-1]
    return _Parquet(str(path), column, bbox["xmin"][0], [int(v) for v in starts])


def _read(path: Path, partitions: int | None):
    import dask_geopandas
    import pyogrio

    from .io import guess_dbf_encoding

    if not path.exists():
        raise InputError(f"{path}: file not found; fix: check the path (relative paths start at {Path.cwd()})")
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet") or path.is_dir():
            return dask_geopandas.read_parquet(path, split_row_groups=True)
        count = pyogrio.read_info(path)["features"]
        n = partitions or max(1, math.ceil(max(count, 0) / FEATURES_PER_READ))
        encoding = guess_dbf_encoding(path)
        return dask_geopandas.read_file(path, npartitions=n, **({"encoding": encoding} if encoding else {}))
    except InputError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise InputError(f"{path}: cannot be read as a partitioned layer ({reason}); "
                         "fix: give a GeoParquet file (geopandas' to_parquet) or a GeoPackage") from None


def _load(part: gpd.GeoDataFrame, big: _Source) -> gpd.GeoDataFrame:
    """A partition as the in-memory engine would have read it (:func:`ecozone.io.read_layer`'s checks): NaN/Inf
    coordinates refused, Z/M dropped, the declared CRS applied, coordinates checked against the CRS."""
    from .io import checked_coordinates

    part = checked_coordinates(part, Path(big.name), big.declared)
    part.attrs["source"] = big.name
    return part


# --------------------------------------------------------------------------- regions


def hilbert_index(level: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Position of cells ``(x, y)`` along the Hilbert curve through a ``2**level`` square grid.

    >>> hilbert_index(1, np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0])).tolist()
    [0, 1, 2, 3]
    """
    n = 1 << level
    x, y = np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x[flip] = n - 1 - x[flip]
        y[flip] = n - 1 - y[flip]
        swap = ~ry
        x[swap], y[swap] = y[swap], x[swap].copy()
        s >>= 1
    return d


@dataclass
class Regions:
    """Disjoint regions covering the plane: runs of grid cells along a Hilbert curve.

    ``cell_region[iy, ix]`` is the region of a cell.  Cells on the grid's edge
    reach ten extents beyond it, so that nothing lies outside every region.
    """

    bounds: tuple[float, float, float, float]
    cell_region: np.ndarray
    geometries: list = field(default_factory=list)

    @classmethod
    def balanced(cls, bounds, centres: np.ndarray, count: int) -> Regions:
        """``count`` regions holding about as many of the sampled ``centres`` (n × 2) each."""
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1.0)
        # a hair beyond the extent, so the extent's own edge lies inside the grid
        bounds = (minx - 1e-6 * span, miny - 1e-6 * span, maxx + 1e-6 * span, maxy + 1e-6 * span)
        level = int(min(9, max(1, math.ceil(math.log(max(count, 1) * 16, 4)))))
        n = 1 << level
        grid = cls(bounds, np.zeros((n, n), dtype=np.int64))
        ix, iy = grid._cells(centres[:, 0], centres[:, 1])
        weight = np.bincount(iy * n + ix, minlength=n * n).astype(float) + 1e-3  # empty cells still spread
        cx, cy = np.meshgrid(np.arange(n), np.arange(n))
        order = np.argsort(hilbert_index(level, cx.ravel(), cy.ravel()))
        before = np.cumsum(weight[order]) - weight[order]
        region = np.minimum((before / weight.sum() * count).astype(np.int64), count - 1)
        _, region = np.unique(region, return_inverse=True)  # no empty region numbers
        cell_region = np.empty(n * n, dtype=np.int64)
        cell_region[order] = region
        grid.cell_region = cell_region.reshape(n, n)
        grid.geometries = [grid._geometry(k) for k in range(int(region.max()) + 1)]
        return grid

    @property
    def count(self) -> int:
        return len(self.geometries)

    def _cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.cell_region.shape[0]
        minx, miny, maxx, maxy = self.bounds
        ix = np.clip(np.floor((x - minx) / (maxx - minx) * n), 0, n - 1).astype(np.int64)
        iy = np.clip(np.floor((y - miny) / (maxy - miny) * n), 0, n - 1).astype(np.int64)
        return ix, iy

    def _geometry(self, k: int) -> shapely.Geometry:
        n = self.cell_region.shape[0]
        minx, miny, maxx, maxy = self.bounds
        iy, ix = np.nonzero(self.cell_region == k)
        xs = minx + (maxx - minx) * np.arange(n + 1) / n
        ys = miny + (maxy - miny) * np.arange(n + 1) / n
        pad = 10 * max(maxx - minx, maxy - miny)
        xs[0], xs[-1], ys[0], ys[-1] = xs[0] - pad, xs[-1] + pad, ys[0] - pad, ys[-1] + pad
        boxes = shapely.box(xs[ix], ys[iy], xs[ix + 1], ys[iy + 1])
        return shapely.union_all(boxes)

    def assign(self, bboxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For features with these bounding boxes (n × 4): ``(feature, region, owner)`` for every
        region a feature's box meets; ``owner`` marks the region of its box's centre."""
        n = len(bboxes)
        span = max(self.bounds[2] - self.bounds[0], self.bounds[3] - self.bounds[1])
        eps = 1e-9 * span  # a box on a cell line meets both cells: clipped, never lost
        ix0, iy0 = self._cells(bboxes[:, 0] - eps, bboxes[:, 1] - eps)
        ix1, iy1 = self._cells(bboxes[:, 2] + eps, bboxes[:, 3] + eps)
        cx, cy = self._cells((bboxes[:, 0] + bboxes[:, 2]) / 2, (bboxes[:, 1] + bboxes[:, 3]) / 2)
        own = self.cell_region[cy, cx]
        rows, regions = [np.arange(n)], [own]
        small = (ix1 - ix0 <= 1) & (iy1 - iy0 <= 1)  # its corners' cells are all its cells
        idx = np.flatnonzero(small & ((ix0 != ix1) | (iy0 != iy1)))
        seen = [own[idx]]
        for cy_, cx_ in ((iy0, ix0), (iy0, ix1), (iy1, ix0), (iy1, ix1)):
            r = self.cell_region[cy_[idx], cx_[idx]]
            new = np.all([r != s for s in seen], axis=0)
            rows.append(idx[new])
            regions.append(r[new])
            seen.append(r)
        for i in np.flatnonzero(~small):  # large features: every cell under the box
            for r in np.unique(self.cell_region[iy0[i] : iy1[i] + 1, ix0[i] : ix1[i] + 1]):
                if r != own[i]:
                    rows.append(np.array([i]))
                    regions.append(np.array([r]))
        rows_, regions_ = np.concatenate(rows), np.concatenate(regions)
        owner = np.zeros(len(rows_), dtype=bool)
        owner[:n] = True
        return rows_, regions_, owner


# --------------------------------------------------------------------------- the two passes


def _bounds(part: gpd.GeoDataFrame, big: _Source, select: Callable | None) -> tuple | None:
    """A partition's bounds in its own CRS (for a measurement CRS chosen from the extent)."""
    part = _load(part, big)
    if select is not None:
        part = select(part)
    return _extent(shapely.bounds(part.geometry.values))["bounds"]


def _extent(boxes: np.ndarray) -> dict[str, Any]:
    """Of features' bounding boxes (n × 4; NaN rows, of empty geometries, left out): the ``bounds``
    of them all (None if there are none) and a sample of about 4,096 box ``centres``."""
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    sample = boxes[:: max(1, len(boxes) // 4096)]
    return {"bounds": (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()) if len(boxes) else None,
            "centres": np.column_stack([(sample[:, 0] + sample[:, 2]) / 2, (sample[:, 1] + sample[:, 3]) / 2])}


def _packed(part: gpd.GeoDataFrame, index: int, big: _Source, select: Callable | None, target: CRS, polygons: bool,
            columns: Sequence[str], id_field: str | None) -> dict[str, Any]:
    """Pass 1 on one partition, kept in the workers' memory: the features chosen, in the measurement
    CRS, repaired, as WKB (a compact Arrow array) with their bounding boxes and the ``columns`` the
    kernel needs; and what the client needs to cut the regions (count, bounds, a sample of centres)."""
    with one_thread():
        return _packed_part(part, index, big, select, target, polygons, columns, id_field)


def _packed_part(part, index, big, select, target, polygons, columns, id_field):
    import pyarrow as pa


    part = _load(part, big)
    if select is not None:
        part = select(part)
    if polygons:
        refuse_non_polygon_layer(part.geometry.values, f"{big.name} (partition {index})")
    if part.crs is not None and not part.crs.equals(target):
        part = part.to_crs(target)
    part, empty, invalid = repaired(part)
    geoms = part.geometry.values
    boxes = shapely.bounds(geoms)
    stats = {"count": len(part), "empty": empty, "invalid": invalid, **_extent(boxes),
             "ids": part[id_field].astype(str).tolist() if id_field and id_field in part.columns else []}
    return {"wkb": pa.array(shapely.to_wkb(np.asarray(geoms)), pa.binary()), "boxes": boxes,
            "attrs": part[list(columns)].reset_index(drop=True), "stats": stats}


def _stats(packed: dict[str, Any]) -> dict[str, Any]:
    return packed["stats"]


def _split(packed: dict[str, Any], regions: Regions) -> tuple:
    """Pass 2 on one partition: a bucket for each region, with every feature whose box meets it."""
    return _buckets(packed["wkb"], packed["boxes"], packed["attrs"], regions)


def _buckets(wkb, boxes: np.ndarray, attrs: pd.DataFrame, regions: Regions, first_row: int | None = None) -> tuple:
    """A bucket for each region: the features whose box meets it (WKB, attributes, whether the region
    owns the feature, whether to clip it); with ``first_row``, the features' rows in the file, to check."""
    import pyarrow as pa

    rows, region, owner = regions.assign(boxes)
    spread = np.bincount(rows, minlength=len(boxes)) > 1  # sent to several regions: clipped in each
    order = np.argsort(region, kind="stable")
    cuts = np.searchsorted(region[order], np.arange(regions.count + 1))
    buckets = []
    for k in range(regions.count):
        sel = order[cuts[k] : cuts[k + 1]]
        r = rows[sel]
        bucket = {"wkb": wkb.take(pa.array(r)), "attrs": attrs.iloc[r].reset_index(drop=True), "owner": owner[sel],
                  "clip": spread[r]}
        if first_row is not None:
            bucket["row"] = first_row + r
        buckets.append(bucket)
    return tuple(buckets)


def _unpack(buckets: Sequence[dict[str, Any]], region: shapely.Geometry, crs: CRS, name: str):
    """A region's features: ``(clipped to the region, the features it owns, empty, repaired)`` — the
    last two counted on the features it owns, for buckets of a file's raw WKB (not yet checked)."""
    buckets = [b for b in buckets if len(b["wkb"])] or list(buckets[:1])
    geoms = np.concatenate([shapely.from_wkb(b["wkb"].to_numpy(zero_copy_only=False)) for b in buckets])
    attrs = pd.concat([b["attrs"] for b in buckets], ignore_index=True)
    owner = np.concatenate([b["owner"] for b in buckets])
    clip = np.concatenate([b["clip"] for b in buckets])
    empty = invalid = 0
    if buckets and "row" in buckets[0]:  # raw: check and repair here, as pass 1 does for the other sources

        refuse_non_polygon_layer(geoms, name, rows=np.concatenate([b["row"] for b in buckets]))
        frame = gpd.GeoDataFrame(attrs.assign(_owner=owner, _clip=clip), geometry=geoms)
        frame, empty, invalid = repaired(frame, counted=owner)  # counted once: where owned
        owner, clip = frame.pop("_owner").to_numpy(), frame.pop("_clip").to_numpy()
        geoms, attrs = frame.geometry.values.to_numpy(), pd.DataFrame(frame.drop(columns=frame.geometry.name))
        attrs = attrs.reset_index(drop=True)
    own = gpd.GeoDataFrame(attrs[owner].reset_index(drop=True), geometry=geoms[owner], crs=crs)
    clipped = geoms.copy()
    if clip.any():
        clipped[clip] = polygonal_each(shapely.intersection(geoms[clip], region))
    keep = ~shapely.is_empty(clipped)
    inside = gpd.GeoDataFrame(attrs[keep].reset_index(drop=True), geometry=clipped[keep], crs=crs)
    return inside, own, empty, invalid


def _by_region(big: Partitioned, target: CRS | None, zones_payload: Any, kernel: Callable, columns: Sequence[str],
               notes: list[str], *, select: Callable | None, polygons: bool, id_field: str | None, client: Any,
               partitions: int | None, progress: bool, measured_crs: Callable | None = None):
    """Run ``kernel(inside, own, payload)`` on every region of the big layer; ``(results, ids, target)``."""
    check_input(big.meta, big.name, polygons=False)  # a CRS, at least
    with _connected(client) as client:
        return _two_passes(big, target, zones_payload, kernel, columns, notes, select=select, polygons=polygons,
                           id_field=id_field, client=client, partitions=partitions, progress=progress,
                           measured_crs=measured_crs)


def _two_passes(big, target, zones_payload, kernel, columns, notes, *, select, polygons, id_field, client, partitions,
                progress, measured_crs):
    import dask

    src = big.source
    if target is None:  # no zones: the measurement CRS of the layer's extent, which a first look finds
        boxes = _compute([dask.delayed(_bounds)(p, src, select) for p in big.parts], client, progress)
        target = measured_crs([b for b in boxes if b is not None])
    if not big.crs.equals(target):
        note(notes, f"{big.name} reprojected from {_crs.short_label(big.crs)} to {_crs.short_label(target)}")
    if big.parquet is not None and select is None and big.declared is None and big.crs.equals(target):
        # GeoParquet with bounding boxes: regions cut from the boxes alone, the WKB sent as it is in the file
        pq_ = big.parquet
        stats = _compute([dask.delayed(_parquet_boxes)(pq_, i) for i in range(len(pq_.starts))], client, progress)
        results = _measure_regions(big, stats, lambda regions_d, n: [
            dask.delayed(_parquet_split, nout=n)(pq_, i, list(columns), regions_d) for i in range(len(pq_.starts))],
            target, zones_payload, kernel, notes, client=client, partitions=partitions, progress=progress)
        return results, [], target
    packed = _compute([dask.delayed(_packed)(p, i, src, select, target, polygons, list(columns), id_field)
                       for i, p in enumerate(big.parts)], client, progress, keep=True)
    stats = _compute([dask.delayed(_stats)(p) for p in packed], client, False)
    results = _measure_regions(big, stats, lambda regions_d, n: [dask.delayed(_split, nout=n)(p, regions_d) for p in packed],
                               target, zones_payload, kernel, notes, client=client, partitions=partitions, progress=progress)
    return results, [i for s in stats for i in s["ids"]], target


def _measure_regions(big, stats, splits, target, zones_payload, kernel, notes, *, client, partitions, progress) -> list:
    """Cut the regions from pass 1's ``stats``, send the features there (``splits(regions, n)``: the
    tasks giving each partition's buckets) and run the kernel on each region."""
    import dask


    count = sum(s["count"] for s in stats)
    boxes = [s["bounds"] for s in stats if s["bounds"] is not None]
    if not boxes:
        repair_notes(big.name, sum(s["empty"] for s in stats), 0, notes)
        return []
    bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    n = partitions or max(_cluster_cores(client), math.ceil(count / FEATURES_PER_PARTITION))
    regions = Regions.balanced(bounds, np.concatenate([s["centres"] for s in stats]), n)
    note(notes, f"{big.name}: {count:,} features in {regions.count} Hilbert partitions (dask engine)")
    split = splits(dask.delayed(regions, traverse=False), regions.count)
    payload = client.scatter(zones_payload, broadcast=True) if client is not None else dask.delayed(zones_payload)
    tasks = [dask.delayed(_region_task)(kernel, [s[k] for s in split], regions.geometries[k], target, payload, big.name)
             for k in range(regions.count)]
    out = _compute(tasks, client, progress)
    repair_notes(big.name, sum(s["empty"] for s in stats) + sum(o[1] for o in out),
                 sum(s["invalid"] for s in stats) + sum(o[2] for o in out), notes)
    return [o[0] for o in out]


def _region_task(kernel: Callable, buckets: Sequence[dict[str, Any]], region: shapely.Geometry, crs: CRS, payload: Any,
                 name: str) -> tuple:
    with one_thread():  # the cluster runs a task per core already
        inside, own, empty, invalid = _unpack(buckets, region, crs, name)
        # the kernels prepare the zones (a change to the objects): each task its own copy, for
        # schedulers that run tasks as threads of one process over one shared payload
        return kernel(inside, own, shapely.from_wkb(shapely.to_wkb(payload))), empty, invalid


def _parquet_boxes(pq_: _Parquet, group: int) -> dict[str, Any]:
    """Pass 1 on a row group of a GeoParquet file with bounding boxes: only the boxes are read."""
    import pyarrow.parquet as pq

    boxes = _boxes(pq.ParquetFile(pq_.path).read_row_group(group, columns=[pq_.bbox]).column(pq_.bbox))
    return {"count": len(boxes), "empty": 0, "invalid": 0, "ids": [], **_extent(boxes)}


def _boxes(column) -> np.ndarray:
    """An Arrow struct column of xmin, ymin, xmax, ymax as an n × 4 array (NaN where missing)."""
    import pyarrow.compute as pc

    if not len(column):
        return np.zeros((0, 4))
    return np.column_stack([pc.struct_field(column, f).to_numpy(zero_copy_only=False).astype(float)
                            for f in ("xmin", "ymin", "xmax", "ymax")])


def _parquet_split(pq_: _Parquet, group: int, columns: list[str], regions: Regions) -> tuple:
    """Pass 2 on a row group: its WKB, untouched, in a bucket for each region its boxes meet."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(pq_.path).read_row_group(group, columns=[pq_.geometry, pq_.bbox, *columns])
    boxes = _boxes(table.column(pq_.bbox))
    missing = ~np.isfinite(boxes).all(axis=1)  # empty or missing geometries: dropped in their region
    boxes[missing] = np.array(regions.bounds)[[0, 1, 0, 1]]
    attrs = table.select(columns).to_pandas() if columns else pd.DataFrame(index=range(len(boxes)))
    return _buckets(table.column(pq_.geometry).combine_chunks(), boxes, attrs, regions, first_row=pq_.starts[group])


@contextlib.contextmanager
def _connected(client: Any):
    """The Client to compute on: ``client`` itself, or one connected to an address (closed afterwards),
    or None (dask's default: the current Client if there is one)."""
    if client is None:
        yield None
    elif isinstance(client, (str, os.PathLike)):
        with connect(client) as connected:
            yield connected
    else:
        yield connect(client)


def _compute(tasks: list, client: Any, progress: bool, *, keep: bool = False) -> list:
    """Compute dask tasks on the client (or dask's default scheduler), with a progress bar on stderr:
    their results, or with ``keep`` their handles, the results staying in the workers' memory."""
    import dask

    if client is not None:
        futures = client.persist(tasks) if keep else client.compute(tasks)
        if progress:
            from distributed import progress as bar

            with contextlib.redirect_stdout(sys.stderr):
                bar(futures)
        return futures if keep else client.gather(futures)
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr) if progress else contextlib.nullcontext():
        return list((dask.persist if keep else dask.compute)(*tasks))


def _cluster_cores(client: Any) -> int:
    if client is None:
        return parallel.workers()
    return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))


def _add(total: dict, part: dict) -> None:
    """Add figures (numbers, arrays or dicts of them) of ``part`` into ``total``, key by key."""
    for key, value in part.items():
        if key not in total:
            total[key] = value.copy() if isinstance(value, (dict, np.ndarray)) else value
        elif isinstance(value, dict):
            _add(total[key], value)
        else:
            total[key] = total[key] + value


# --------------------------------------------------------------------------- the three measures


def coverage_by_key(big: Partitioned, zones: np.ndarray, target: CRS, by_fields: Sequence[str], notes: list[str], *,
                    kernel: Callable, grid_size: float | None, client: Any, partitions: int | None,
                    progress: bool) -> dict:
    """``kernel(layer, zones, by_fields, grid_size=)`` — the measurement's own (coverage's
    ``covered_by_group``) — on the big layer, region by region, added up."""
    from functools import partial

    covered_by_group = kernel
    kernel = partial(_coverage_kernel, measure=covered_by_group, by_fields=list(by_fields), grid_size=grid_size)
    results, _, _ = _by_region(big, target, zones, kernel, by_fields, notes, select=None, polygons=True,
                               id_field=None, client=client, partitions=partitions, progress=progress)
    total: dict = {}
    for r in results:
        _add(total, r)
    if not by_fields and () not in total:  # an empty layer: one row of zeros, as in memory
        total[()] = covered_by_group(big.meta, zones, [])[()]
    return total


def _coverage_kernel(inside, own, zones, *, measure, by_fields, grid_size):
    return measure(inside, zones, by_fields, grid_size=grid_size)


def restoration_figures(big: Partitioned, zone_geoms: np.ndarray, target: CRS | None, by_fields: Sequence[str],
                        select: Callable, notes: list[str], *, kernel: Callable, id_field: str | None, client: Any,
                        partitions: int | None, progress: bool) -> tuple[dict, list[str]]:
    """``kernel(inside, own, zone_geoms, by_fields)`` — restoration's ``restoration_by_group`` — on the big
    layer, region by region, added up."""
    from functools import partial

    restoration_by_group = kernel

    def measured_crs(boxes):

        if not boxes:
            return _crs.gk_zone_crs(120)
        b = np.array(boxes)
        extent = gpd.GeoDataFrame(geometry=[shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())],
                                  crs=big.crs)
        return projected(extent, "projects' extent", []).crs

    kernel = partial(_restoration_kernel, measure=restoration_by_group, by_fields=list(by_fields))
    results, ids, target = _by_region(big, target, zone_geoms, kernel, by_fields, notes, select=select, polygons=True,
                                      id_field=id_field, client=client, partitions=partitions, progress=progress,
                                      measured_crs=measured_crs)
    total: dict = {}
    for r in results:
        _add(total, r)
    if not by_fields and () not in total:
        empty = select(big.meta)
        total[()] = restoration_by_group(empty, empty, zone_geoms, [])[()]
    return total, ids


def _restoration_kernel(inside, own, zone_geoms, *, measure, by_fields):
    return measure(inside, own, zone_geoms, by_fields)


def conflict_rows(big: Partitioned, control: gpd.GeoDataFrame, rules: list, notes: list[str], *, kernel: Callable,
                  search_m: float, id_field: str, name_field: str, layer_name: str, against_name: str, client: Any,
                  progress: bool) -> list[dict[str, Any]]:
    """``kernel(part, start, control, rules, search_m, id_field, name_field, layer_name, against_name)`` —
    conflicts' ``partition_findings``: ``(rows, empty dropped, polygons repaired)`` — on each partition of the
    big layer (``start``: the row number of its first feature), the rows concatenated."""
    check_input(big.meta, big.name, polygons=False)  # a CRS, at least
    with _connected(client) as client:
        return _conflict_rows(big, control, rules, notes, kernel=kernel, search_m=search_m, id_field=id_field,
                              name_field=name_field, layer_name=layer_name, against_name=against_name, client=client,
                              progress=progress)


def _conflict_rows(big, control, rules, notes, *, kernel, search_m, id_field, name_field, layer_name, against_name,
                   client, progress):
    import dask

    starts = [0] * len(big.parts)
    if id_field not in big.columns:  # features are named by their row in the file
        lengths = _compute([dask.delayed(len)(p) for p in big.parts], client, False)
        starts = list(np.cumsum([0, *lengths[:-1]]))
    if not big.crs.equals(control.crs):
        note(notes, f"{layer_name} reprojected from {_crs.short_label(big.crs)} to {_crs.short_label(control.crs)}")
    payload = client.scatter(control, broadcast=True) if client is not None else dask.delayed(control)
    tasks = [dask.delayed(_conflict_task)(kernel, p, int(start), big.source, payload, rules, search_m, id_field,
                                          name_field, layer_name, against_name) for p, start in zip(big.parts, starts)]
    out = _compute(tasks, client, progress)

    repair_notes(layer_name, sum(o[1] for o in out), sum(o[2] for o in out), notes)
    return [row for o in out for row in o[0]]


def _conflict_task(kernel, part, start, big, control, rules, search_m, id_field, name_field, layer_name, against_name):
    return kernel(_load(part, big), start, control, rules, search_m, id_field, name_field, layer_name, against_name)
