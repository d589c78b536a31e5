"""The two passes of the dask engine (两遍分区计算), exact across partitions.

1. a first pass reads each partition's bounds and a sample of feature centres (and keeps the
   features, in the measurement CRS, repaired, as WKB, in the workers' memory);
2. :meth:`ecozone.dask_regions.Regions.balanced` cuts the extent into regions of equal feature counts;
3. a second pass sends each feature to every region its bounding box meets;
4. each region runs the kernel on what reaches into it, the features that cross its edge clipped to it.

A GeoParquet file with a bounding-box column skips the parsing of pass 1: the regions are cut from
the boxes alone and the WKB is sent as it is in the file.  :func:`by_region` is the entry point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import crs as _crs
from .dask_client import cluster_cores, compute, connected
from .dask_layer import Parquet, Partitioned, Source, load
from .dask_regions import Regions
from .geometry import polygonal_each
from .parallel import one_thread
from .prepare import check_input, note, refuse_non_polygon_layer, repair_notes, repaired

__all__ = ["FEATURES_PER_PARTITION", "by_region"]

#: Features per spatial partition when ``partitions`` is not given.
FEATURES_PER_PARTITION = 250_000


def _bounds(part: gpd.GeoDataFrame, big: Source, select: Callable | None) -> tuple | None:
    """A partition's bounds in its own CRS (for a measurement CRS chosen from the extent)."""
    part = load(part, big)
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


def _packed(part: gpd.GeoDataFrame, index: int, big: Source, select: Callable | None, target: CRS, polygons: bool,
            columns: Sequence[str], id_field: str | None) -> dict[str, Any]:
    """Pass 1 on one partition, kept in the workers' memory: the features chosen, in the measurement
    CRS, repaired, as WKB (a compact Arrow array) with their bounding boxes and the ``columns`` the
    kernel needs; and what the client needs to cut the regions (count, bounds, a sample of centres)."""
    with one_thread():
        return _packed_part(part, index, big, select, target, polygons, columns, id_field)


def _packed_part(part, index, big, select, target, polygons, columns, id_field):
    import pyarrow as pa


    part = load(part, big)
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


def by_region(big: Partitioned, target: CRS | None, zones_payload: Any, kernel: Callable, columns: Sequence[str],
               notes: list[str], *, select: Callable | None, polygons: bool, id_field: str | None, client: Any,
               partitions: int | None, progress: bool, measured_crs: Callable | None = None):
    """Run ``kernel(inside, own, payload)`` on every region of the big layer; ``(results, ids, target)``."""
    check_input(big.meta, big.name, polygons=False)  # a CRS, at least
    with connected(client) as client:
        return _two_passes(big, target, zones_payload, kernel, columns, notes, select=select, polygons=polygons,
                           id_field=id_field, client=client, partitions=partitions, progress=progress,
                           measured_crs=measured_crs)


def _two_passes(big, target, zones_payload, kernel, columns, notes, *, select, polygons, id_field, client, partitions,
                progress, measured_crs):
    import dask

    src = big.source
    if target is None:  # no zones: the measurement CRS of the layer's extent, which a first look finds
        boxes = compute([dask.delayed(_bounds)(p, src, select) for p in big.parts], client, progress)
        target = measured_crs([b for b in boxes if b is not None])
    if not big.crs.equals(target):
        note(notes, f"{big.name} reprojected from {_crs.short_label(big.crs)} to {_crs.short_label(target)}")
    if big.parquet is not None and select is None and big.declared is None and big.crs.equals(target):
        # GeoParquet with bounding boxes: regions cut from the boxes alone, the WKB sent as it is in the file
        pq_ = big.parquet
        stats = compute([dask.delayed(_parquet_boxes)(pq_, i) for i in range(len(pq_.starts))], client, progress)
        results = _measure_regions(big, stats, lambda regions_d, n: [
            dask.delayed(_parquet_split, nout=n)(pq_, i, list(columns), regions_d) for i in range(len(pq_.starts))],
            target, zones_payload, kernel, notes, client=client, partitions=partitions, progress=progress)
        return results, [], target
    packed = compute([dask.delayed(_packed)(p, i, src, select, target, polygons, list(columns), id_field)
                       for i, p in enumerate(big.parts)], client, progress, keep=True)
    stats = compute([dask.delayed(_stats)(p) for p in packed], client, False)
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
    n = partitions or max(cluster_cores(client), math.ceil(count / FEATURES_PER_PARTITION))
    regions = Regions.balanced(bounds, np.concatenate([s["centres"] for s in stats]), n)
    note(notes, f"{big.name}: {count:,} features in {regions.count} Hilbert partitions (dask engine)")
    split = splits(dask.delayed(regions, traverse=False), regions.count)
    payload = client.scatter(zones_payload, broadcast=True) if client is not None else dask.delayed(zones_payload)
    tasks = [dask.delayed(_region_task)(kernel, [s[k] for s in split], regions.geometries[k], target, payload, big.name)
             for k in range(regions.count)]
    out = compute(tasks, client, progress)
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


def _parquet_boxes(pq_: Parquet, group: int) -> dict[str, Any]:
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


def _parquet_split(pq_: Parquet, group: int, columns: list[str], regions: Regions) -> tuple:
    """Pass 2 on a row group: its WKB, untouched, in a bucket for each region its boxes meet."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(pq_.path).read_row_group(group, columns=[pq_.geometry, pq_.bbox, *columns])
    boxes = _boxes(table.column(pq_.bbox))
    missing = ~np.isfinite(boxes).all(axis=1)  # empty or missing geometries: dropped in their region
    boxes[missing] = np.array(regions.bounds)[[0, 1, 0, 1]]
    attrs = table.select(columns).to_pandas() if columns else pd.DataFrame(index=range(len(boxes)))
    return _buckets(table.column(pq_.geometry).combine_chunks(), boxes, attrs, regions, first_row=pq_.starts[group])
