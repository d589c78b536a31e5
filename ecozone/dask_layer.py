"""The big layer of the dask engine (分区图层): read partition by partition on the workers.

A dask-geopandas frame as it is, a geopandas frame cut in row partitions, a (Geo)Parquet file by
its row groups (with a bounding-box column: read later without parsing), a GeoPackage, Shapefile …
in feature ranges; each partition checked as :func:`ecozone.io.read_layer` checks a layer (:func:`load`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
from pyproj import CRS

from . import crs as _crs
from . import parallel
from .dask_client import require_dask
from .errors import InputError

__all__ = ["FEATURES_PER_READ", "Partitioned", "Source", "Parquet", "partitioned", "load"]

#: Features per partition when a GeoPackage / Shapefile … is read in feature ranges.
FEATURES_PER_READ = 250_000


@dataclass
class Partitioned:
    """A layer read partition by partition on the workers."""

    name: str  # what messages call it: its file, or the name given
    parts: list  # dask Delayed objects, each a GeoDataFrame partition
    meta: gpd.GeoDataFrame  # no rows: its columns and CRS
    declared: Any = None  # a declared CRS (a CRS, or "gcj02" / "bd09") applied to each partition
    parquet: Parquet | None = None  # a GeoParquet file with a bounding-box column: read without parsing

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
    def source(self) -> Source:
        """What a task needs to load a partition (never the partitions themselves)."""
        return Source(self.name, self.declared)


class Source(NamedTuple):
    name: str
    declared: Any


class Parquet(NamedTuple):
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


def _covered_parquet(path: Path) -> Parquet | None:
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
    return Parquet(str(path), column, bbox["xmin"][0], [int(v) for v in starts])


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


def load(part: gpd.GeoDataFrame, big: Source) -> gpd.GeoDataFrame:
    """A partition as the in-memory engine would have read it (:func:`ecozone.io.read_layer`'s checks): NaN/Inf
    coordinates refused, Z/M dropped, the declared CRS applied, coordinates checked against the CRS."""
    from .io import checked_coordinates

    part = checked_coordinates(part, Path(big.name), big.declared)
    part.attrs["source"] = big.name
    return part
