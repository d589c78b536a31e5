"""The dask engine (分布式引擎): coverage, restoration, conflicts and land use on a Dask cluster.

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
partition is checked on its own and the findings are concatenated.  Land use
neither: each 图斑 is measured on its own (cut by the zones, never dissolved), so
each worker reads its own range of rows of the survey file and returns its
partial sums per zone and class, which are added up (:func:`summed_by_rows`).

The machinery is in one module per job, its public names importable from here as before:
:mod:`ecozone.dask_client` (the extra, the Client, computing), :mod:`ecozone.dask_layer` (the big
layer, read by partitions), :mod:`ecozone.dask_regions` (the Hilbert regions) and
:mod:`ecozone.dask_passes` (the two passes); this module keeps the three measures.  It imports
nothing from :mod:`ecozone.measure`: the kernels come as arguments.

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

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from . import crs as _crs
from .dask_client import INSTALL, cluster_cores, compute, connect, connected, local_client, require_dask  # noqa: F401
from .dask_layer import FEATURES_PER_READ, Partitioned, load, partitioned  # noqa: F401
from .dask_passes import FEATURES_PER_PARTITION, by_region  # noqa: F401
from .dask_regions import Regions, hilbert_index  # noqa: F401
from .prepare import check_input, note, projected, repair_notes

__all__ = ["require_dask", "connect", "local_client", "partitioned", "Partitioned", "Regions", "row_ranges",
           "summed_by_rows"]

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
    results, _, _ = by_region(big, target, zones, kernel, by_fields, notes, select=None, polygons=True,
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
    results, ids, target = by_region(big, target, zone_geoms, kernel, by_fields, notes, select=select, polygons=True,
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
    with connected(client) as client:
        return _conflict_rows(big, control, rules, notes, kernel=kernel, search_m=search_m, id_field=id_field,
                              name_field=name_field, layer_name=layer_name, against_name=against_name, client=client,
                              progress=progress)


def _conflict_rows(big, control, rules, notes, *, kernel, search_m, id_field, name_field, layer_name, against_name,
                   client, progress):
    import dask

    starts = [0] * len(big.parts)
    if id_field not in big.columns:  # features are named by their row in the file
        lengths = compute([dask.delayed(len)(p) for p in big.parts], client, False)
        starts = list(np.cumsum([0, *lengths[:-1]]))
    if not big.crs.equals(control.crs):
        note(notes, f"{layer_name} reprojected from {_crs.short_label(big.crs)} to {_crs.short_label(control.crs)}")
    payload = client.scatter(control, broadcast=True) if client is not None else dask.delayed(control)
    tasks = [dask.delayed(_conflict_task)(kernel, p, int(start), big.source, payload, rules, search_m, id_field,
                                          name_field, layer_name, against_name) for p, start in zip(big.parts, starts)]
    out = compute(tasks, client, progress)

    repair_notes(layer_name, sum(o[1] for o in out), sum(o[2] for o in out), notes)
    return [row for o in out for row in o[0]]


def _conflict_task(kernel, part, start, big, control, rules, search_m, id_field, name_field, layer_name, against_name):
    return kernel(load(part, big), start, control, rules, search_m, id_field, name_field, layer_name, against_name)


def row_ranges(rows: int, batch: int, partitions: int | None, client: Any) -> list[tuple[int, int]]:
    """``rows`` rows cut into consecutive ``(start, stop)`` ranges of whole batches of ``batch`` rows (a batch
    is never split: each is read and measured as the one-process engine would): ``partitions`` of them, or one
    per :data:`FEATURES_PER_READ` rows and at least one per worker; never more than there are batches."""
    batches = max(1, -(-rows // max(batch, 1)))
    wanted = partitions or max(-(-rows // FEATURES_PER_READ), cluster_cores(client))
    n = max(1, min(int(wanted), batches))
    edges = [round(i * batches / n) * batch for i in range(n + 1)]
    return [(a, min(b, rows)) for a, b in zip(edges[:-1], edges[1:])]


def summed_by_rows(kernel: Callable, shared: Any, pieces: list, *, client: Any, progress: bool) -> list:
    """``kernel(shared, piece)`` on every piece (a row range the worker reads itself, or a frame's rows), each a
    task; ``shared`` (the measurement's settings, the zones) sent once to every worker.  The kernels' results
    in the pieces' order: partial sums for the caller to add up."""
    import dask

    with connected(client) as client:
        payload = client.scatter(shared, broadcast=True) if client is not None else dask.delayed(shared)
        tasks = [dask.delayed(kernel)(payload, piece) for piece in pieces]
        return compute(tasks, client, progress)
