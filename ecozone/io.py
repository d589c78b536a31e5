"""Reading layers and writing files.

Layers are read with pyogrio (GeoJSON, GeoPackage, Shapefile and whatever
else GDAL reads), GeoParquet with geopandas.  Shapefiles honour their ``.cpg``; a shapefile with no
``.cpg`` and no code page in its DBF header has its encoding guessed (UTF-8,
else GBK, the usual encoding of Chinese shapefiles).  A layer declared as
``gcj02`` or ``bd09`` is converted to WGS84 here, on load.

Every file ecozone writes goes through :func:`atomic_path`: the data is
written to a temporary file beside the target and renamed over it only when
complete, so an interrupted run leaves the previous output intact.

Example
-------
>>> from ecozone._resources import dataset_dir
>>> from ecozone.io import read_layer
>>> gdf = read_layer(dataset_dir("yantai") / "districts.geojson")
>>> len(gdf), gdf.crs.to_epsg()
(11, 4326)
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from . import crs as _crs
from .errors import CRSError, GeometryError, InputError
from .features import describe_features, finite_extent, nonfinite_message, without_zm
from .gdal_paths import check_gdal_path

__all__ = ["read_layer", "atomic_path", "write_text", "write_csv", "guess_dbf_encoding", "clean_partials"]

# DBF language driver ids (byte 29 of the header) that GDAL understands itself.


def guess_dbf_encoding(shp_path: str | os.PathLike) -> str | None:
    """Encoding of a shapefile's DBF when neither a ``.cpg`` nor the DBF header says it.

    Returns None when GDAL can decide by itself (a ``.cpg`` exists, or the
    header carries a language driver id), ``"UTF-8"`` when every text byte
    decodes as UTF-8, ``"GBK"`` when they decode as GBK, else None.
    """
    shp = Path(shp_path)
    if shp.suffix.lower() != ".shp":
        return None
    for suffix in (".cpg", ".CPG"):
        if shp.with_suffix(suffix).exists():
            return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    if len(data) < 32:
        return None
    if data[29] != 0:
        return None
    header_len = int.from_bytes(data[8:10], "little")
    body = data[header_len:]
    if all(b < 0x80 for b in body):
        return None
    for encoding in ("utf-8", "gbk"):
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "UTF-8" if encoding == "utf-8" else "GBK"
    return None


def read_layer(
    path: str | os.PathLike,
    *,
    layer: str | int | None = None,
    declared_crs: Any = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer into a GeoDataFrame (读取图层).

    Parameters
    ----------
    path : file path (GeoJSON, GeoPackage, Shapefile, GeoParquet …)
    layer : layer name or index inside a multi-layer file (GeoPackage)
    declared_crs : the CRS the coordinates are really in, when the file does
        not say or says it wrongly: an EPSG code / WKT / PROJ string, or
        ``"gcj02"`` / ``"bd09"`` for AMap / Baidu coordinates, which are
        converted to WGS84 here.
    encoding : text encoding of a Shapefile's attributes; guessed if absent.

    Returns
    -------
    GeoDataFrame with the file's CRS (or the declared one; WGS84 for
    gcj02/bd09).  A file without CRS and no declaration comes back with
    ``crs=None``; validation refuses it.

    Example
    -------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "amap.geojson"
    >>> gpd.GeoDataFrame(geometry=[Point(121.40527, 37.50103)], crs=4326).to_file(path)
    >>> p = read_layer(path, declared_crs="gcj02").geometry.iloc[0]
    >>> round(p.x, 4), round(p.y, 4)
    (121.4, 37.5)
    """
    p = Path(path)
    check_gdal_path(p)  # `zones;v2.gpkg` would be read as `zones`
    if not p.exists():
        raise InputError(f"{p}: file not found; fix: check the path (relative paths start at {Path.cwd()})")
    if p.is_dir() and p.suffix.lower() not in (".gdb",):
        raise InputError(f"{p}: is a folder, not a layer file; fix: name the .geojson, .gpkg or .shp file itself")
    if encoding is None:
        encoding = guess_dbf_encoding(p)
    kwargs: dict[str, Any] = {}
    if encoding:
        kwargs["encoding"] = encoding
    if layer is not None:
        kwargs["layer"] = layer
    elif p.suffix.lower() == ".gpkg":  # several layers: GDAL would silently take the first
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(p)]
        except Exception:  # not readable: said below, by the read itself
            names = []
        if len(names) > 1:
            raise InputError(f"{p}: holds {len(names)} layers ({', '.join(names[:6])}{' …' if len(names) > 6 else ''}) "
                             "and none was named; fix: name it (layer = \"…\" in the manifest) or save that layer "
                             "to a file of its own")
    try:
        with warnings.catch_warnings():
            # GDAL's GeoJSON driver renumbers repeated "id"s; validation reports them itself
            warnings.filterwarnings("ignore", message="Several features with id", category=RuntimeWarning)
            # pyogrio reads measured (M) geometries all the same; Z/M are dropped below, and said so
            warnings.filterwarnings("ignore", message=r"Measured \(M\) geometry types are not supported")
            # shapely warns of NaN coordinates in the WKB: they are refused below, naming the features
            warnings.filterwarnings("ignore", message="invalid value encountered", category=RuntimeWarning)
            if p.suffix.lower() in (".parquet", ".geoparquet"):  # GeoParquet: geopandas, not GDAL
                gdf = gpd.read_parquet(p)
            elif p.suffix.lower() in _GEOMETRY_APART:
                gdf = _read_in_batches(p, kwargs)
            else:
                gdf = pyogrio.read_dataframe(p, use_arrow=True, **kwargs)  # pyarrow: a dependency
    except Exception as exc:  # pyogrio/GDAL errors carry their own class hierarchy
        reason = " ".join(str(exc).split())
        raise InputError(
            f"{p}: cannot be read as a vector layer ({reason}); "
            "fix: check that it is a complete GeoJSON, GeoPackage or Shapefile (with .shx and .dbf beside it)"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{p}: has no geometry column; fix: give a spatial layer, not a table")
    if p.suffix.lower() == ".shp":
        _check_text(gdf, p)
    gdf = checked_coordinates(gdf, p, declared_crs)
    gdf.attrs["source"] = str(p)  # messages about this frame name the file
    return gdf


def _check_text(gdf: gpd.GeoDataFrame, p: Path) -> None:
    """A Shapefile's text decodes in the encoding it declares: GBK bytes under a .cpg saying UTF-8 fail later,
    deep inside a measurement, unless found here."""
    for col in gdf.columns:
        if col == gdf.geometry.name or not (gdf[col].dtype == object or isinstance(gdf[col].dtype, pd.StringDtype)):
            continue
        try:
            gdf[col].tolist()
        except Exception as exc:  # pyarrow's invalid UTF-8, a UnicodeDecodeError
            cpg = next((p.with_suffix(s) for s in (".cpg", ".CPG") if p.with_suffix(s).exists()), None)
            said = f" ({cpg.name} says {cpg.read_text(errors='replace').strip()!r})" if cpg else ""
            raise InputError(f"{p}: field {col!r}: text is not in the encoding the file declares{said} "
                             f"({type(exc).__name__}); fix: correct the .cpg (GBK for most Chinese Shapefiles), or "
                             "declare encoding = \"GBK\" in the manifest") from None


def checked_coordinates(gdf: gpd.GeoDataFrame, p: Path, declared_crs: Any) -> gpd.GeoDataFrame:
    """The coordinates as read, checked: NaN/Inf refused naming the features; Z/M dropped (noted in
    ``attrs["read_notes"]``, which validation copies into its report); the declared CRS applied (gcj02/bd09
    converted); coordinates that cannot be right for the CRS refused (:func:`ecozone.crs.check_plausible`:
    metres labelled lon/lat, lon/lat labelled metres, swapped axes, a zone prefix present or missing)."""

    bad, extent = finite_extent(gdf.geometry.values)  # the total bounds from the same pass
    if len(bad):
        problem, fix = nonfinite_message(bad)
        raise GeometryError(f"{p}: {describe_features(gdf, bad)}: {problem}; fix: {fix}")
    gdf, note = without_zm(gdf)  # x and y stay as they were
    if note:
        gdf.attrs["read_notes"] = [note]
    if declared_crs is not None:
        gdf = _apply_declared_crs(gdf, declared_crs, p)
        extent = gdf.total_bounds  # gcj02/bd09 moved the coordinates
    if gdf.crs is not None and len(gdf):
        _crs.check_plausible(extent, gdf.crs, p, _crs.sample_coordinates(gdf.geometry.values))
    return gdf


#: Formats whose attributes GDAL reads without decoding the geometries.
_GEOMETRY_APART = {".gpkg", ".shp"}


def _read_in_batches(p: Path, kwargs: dict[str, Any]) -> gpd.GeoDataFrame:
    """Read a layer as ``read_dataframe`` does, converting the geometries batch by batch.

    ``read_dataframe`` turns the whole layer's WKB into Python bytes before
    converting it, so every WKB string sits in memory beside every geometry
    (a million parcels: 1.1 GB peak).  Here the attributes are read by
    ``read_dataframe`` without geometry (same dtypes), and the geometries
    stream in Arrow batches of 16k features (0.79 GB peak; as fast as 64k
    batches, 80 MB less).  The two reads are matched by feature id.
    """
    with pyogrio.open_arrow(p, columns=[], return_fids=True, use_pyarrow=True, batch_size=16_384, **kwargs) as (meta, reader):
        name = meta["geometry_name"] or "wkb_geometry"
        if name not in reader.schema.names:  # no geometry: read_dataframe says so its own way
            return pyogrio.read_dataframe(p, use_arrow=True, **kwargs)
        with ThreadPoolExecutor(1) as pool:  # the attributes meanwhile, on another core (GDAL, GEOS: no GIL)
            reading = pool.submit(pyogrio.read_dataframe, p, use_arrow=True, read_geometry=False, fid_as_index=True,
                                  **kwargs)
            parts, fids = [], []
            for batch in reader:
                parts.append(shapely.from_wkb(batch.column(name).to_numpy(zero_copy_only=False)))
                # a copy: a view would keep the whole batch, WKB included, alive
                fids.append(batch.column(meta["fid_column"]).to_numpy().copy())
            attrs = reading.result()
    geoms = np.concatenate(parts) if parts else np.array([], dtype=object)
    fid = np.concatenate(fids) if fids else np.array([], dtype=np.int64)
    if not np.array_equal(attrs.index.to_numpy(), fid):
        attrs = attrs.loc[fid]
    attrs = attrs.reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=meta["crs"]), crs=meta["crs"])


def _apply_declared_crs(gdf: gpd.GeoDataFrame, declared: Any, path: Path) -> gpd.GeoDataFrame:
    parsed = _crs.parse_crs(declared, what=f"{path}: declared CRS")
    if isinstance(parsed, CRS):
        return gdf.set_crs(parsed, allow_override=True)
    # gcj02 / bd09: the coordinates are shifted lon/lat whatever the file says
    if gdf.crs is not None and not gdf.crs.is_geographic:
        raise CRSError(
            f"{path}: declared {parsed} but the file's CRS is projected ({gdf.crs.name}); "
            f"fix: {parsed} data is lon/lat — remove the declaration or give the layer in lon/lat"
        )
    out = gdf.copy()
    out[out.geometry.name] = _crs.to_wgs84_geometries(gdf.geometry.values, parsed)
    return out.set_crs(_crs.WGS84, allow_override=True)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left as
    it was.  With ``overwrite=False`` an existing target is an error.

    Example
    -------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "report.json"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("{}")
    >>> target.read_text()
    '{}'
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise InputError(f"{target}: exists already; fix: choose another output or pass --overwrite")
    if target.exists() and not target.is_file():  # a folder, a device (/dev/full), a pipe: never replaced by a file
        raise InputError(f"{target}: is {'a folder' if target.is_dir() else 'not a regular file'}; fix: name a file as the output")
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_partials(target.parent)
    tmp = partial_path(target)
    try:
        yield tmp
        if not tmp.exists():
            raise InputError(f"{target}: nothing was written; fix: report this as a bug in ecozone")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


#: What the name of a file or folder still being written holds: ``NAME.ecozone-partial-HOST-PID-XXXX.SUFFIX``.
PARTIAL = ".ecozone-partial-"
_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24] or "host"
_PARTIAL_NAME = re.compile(re.escape(PARTIAL) + r"([A-Za-z0-9]+)-(\d+)-[A-Za-z0-9_]{6,}(\.[^.]+)?$")


def partial_path(target: str | os.PathLike, *, folder: bool = False) -> Path:
    """A new, unused path beside ``target`` to write into before renaming: named after the target, this machine
    and this process, so an interrupted run's leftovers are found (and removed by :func:`clean_partials`)."""
    target = Path(target)
    stem, suffix = (target.name, "") if folder else (target.stem, target.suffix)
    prefix = f"{stem}{PARTIAL}{_HOST}-{os.getpid()}-"
    if folder:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
    os.close(fd)
    os.unlink(name)  # writers (GDAL among them) want to create the file themselves
    return Path(name)


def clean_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove the partial files and folders that interrupted ecozone runs on this machine left in ``folder``
    (named as :func:`partial_path` names them, by a process that no longer runs); returns what was removed.
    Another machine's partial files (a shared disk) are left alone: its processes cannot be seen from here."""
    import shutil

    removed = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            match = _PARTIAL_NAME.search(entry.name)
            if match is None or match.group(1) != _HOST or _running(int(match.group(2))):
                continue
            with contextlib.suppress(OSError):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
                removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def write_text(target: str | os.PathLike, text: str, *, overwrite: bool = True) -> Path:
    """Write UTF-8 text atomically and return the path."""
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_csv(table: Any, target: str | os.PathLike, *, overwrite: bool = True, neutralise: bool = True) -> Path:
    """Write a table as CSV atomically: UTF-8 with BOM (Excel shows Chinese), CRLF line ends (RFC 4180: a line
    break inside a value, CR included, is then quoted), no index; with ``neutralise`` (the default) text a
    spreadsheet would run as a formula gets a leading ``'`` (:func:`ecozone.escape.csv_safe`)."""
    from .escape import csv_safe

    with atomic_path(target, overwrite=overwrite) as tmp:
        (csv_safe(table) if neutralise else table).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(target)


def write_layer(gdf: gpd.GeoDataFrame, target: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Write a layer atomically: ``.gpkg`` in the layer's CRS, ``.geojson`` as RFC 7946 (WGS84 lon/lat).

    Example
    -------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"name": ["芝罘区"]}, geometry=[box(500000, 4150000, 501000, 4151000)], crs=4549)
    >>> path = write_layer(gdf, pathlib.Path(tempfile.mkdtemp()) / "zones.geojson")
    >>> '"crs"' in path.read_text(), read_layer(path).crs.to_epsg()
    (False, 4326)
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise InputError(f"{target}: unknown layer format {suffix or '(none)'}; fix: name the output .gpkg or .geojson")
    check_gdal_path(target)
    with atomic_path(target, overwrite=overwrite) as tmp:
        if suffix == ".gpkg":
            pyogrio.write_dataframe(gdf, tmp, driver="GPKG", layer=target.stem)
        else:
            write_geojson(gdf.to_crs(4326), tmp, ids=False)
    return target


def write_geojson(gdf: gpd.GeoDataFrame, target: str | os.PathLike, *, precision: int = 7, bbox: bool = False,
                  ids: bool = True) -> None:
    """Write WGS84 features as RFC 7946 GeoJSON with GDAL's writer (counter-clockwise exteriors, the
    antimeridian split, ``precision`` decimals); ``ids``: the ``id`` column as feature ids, when unique."""
    check_gdal_path(target)
    options: dict[str, Any] = {"RFC7946": "YES", "COORDINATE_PRECISION": precision}
    if bbox:
        options["WRITE_BBOX"] = "YES"
    if ids and "id" in gdf and gdf["id"].notna().all() and gdf["id"].astype(str).is_unique:
        options["ID_FIELD"] = "id"
    pyogrio.write_dataframe(gdf, target, driver="GeoJSON", layer_options=options)
