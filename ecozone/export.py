"""Export layers and result layers for GIS software (导出): GeoJSON (RFC 7946), GeoPackage, CSV, Shapefile.

* **GeoJSON** follows RFC 7946: WGS84 lon/lat, no ``crs`` member, exterior
  rings counter-clockwise and holes clockwise, geometries crossing the
  antimeridian split, ``precision`` decimals (7 by default, ≈ 1 cm), UTF-8 with
  Chinese as it is, an optional ``bbox``, the layer's ``id`` as feature id.
  One layer: a ``.geojson`` file; several: a folder with one file each.
* **GeoPackage**: one file with a layer per input and result layer, the CRS
  recorded (CGCS2000 geographic EPSG:4490 by default), a spatial index,
  full-length UTF-8 field names.
* **CSV**: a folder, one table per layer with its geometry as WKT (in the
  chosen CRS), UTF-8 with BOM so Excel shows Chinese.
* **Shapefile** (only on request): a folder, a ``.shp`` set per layer and
  geometry type with a ``.cpg`` of UTF-8; field names cut to 10 characters,
  with the mapping written beside it (``NAME.fields.csv``) and a warning.

Every file is written atomically: into a temporary file or folder beside the
output, then renamed.  An existing output is replaced only with
``overwrite=True``; an input is never an output.  GCJ-02 coordinates are
written only when asked for by name (``crs="gcj02"``).

Example
-------
>>> import tempfile, pathlib, ecozone
>>> out = pathlib.Path(tempfile.mkdtemp()) / "yantai.gpkg"
>>> paths = ecozone.export(ecozone.demo_atlas(), out, layers=["districts"], results=True)
>>> import pyogrio
>>> [name for name, _ in pyogrio.list_layers(out)][:3]
['districts', 'redline_coverage', 'retention_by_district']
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from .atlas import Atlas
from .crs import from_wgs84_geometries, parse_crs
from .errors import CRSError, InputError
from .schema import EXPORT_FORMATS
from .geometry import FAMILY
from .io import atomic_path, clean_partials, partial_path, write_csv, write_geojson
from .gdal_paths import check_gdal_path
from .outputs import check_inside, check_not_inputs, check_writable, safe_filename

__all__ = ["export", "check_target", "FORMATS", "ShapefileFieldWarning", "GCJ02Warning"]

#: Formats and the suffix of their file (or of the files in their folder).
FORMATS = EXPORT_FORMATS
CGCS2000 = 4490


class ShapefileFieldWarning(UserWarning):
    """Field names were cut to the Shapefile's 10 characters."""


class GCJ02Warning(UserWarning):
    """Coordinates were written shifted to GCJ-02, as asked."""


def export(
    data: Atlas | gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    format: str | None = None,
    *,
    layers: Sequence[str] | None = None,
    results: bool = False,
    findings: pd.DataFrame | None = None,
    crs: Any = None,
    precision: int = 7,
    bbox: bool = False,
    overwrite: bool = False,
    neutralise: bool = True,
) -> list[Path]:
    """Write layers (and result layers) for GIS software; return the files written.

    Parameters
    ----------
    data : an Atlas, one GeoDataFrame, or ``{name: GeoDataFrame}``
    path : the output file (one GeoJSON layer, a GeoPackage) or folder (several GeoJSON
        layers, CSV, Shapefile)
    format : ``geojson``, ``gpkg``, ``csv`` or ``shp`` (default: from the suffix of ``path``)
    layers : the atlas's layers to write (default: all, unless ``results`` alone is asked for)
    results : add the result layers (:func:`ecozone.results.result_layers`)
    findings : the findings for the ``findings`` result layer (default: the atlas's own)
    crs : the output CRS for GeoPackage, CSV and Shapefile: EPSG:4490 by default,
        ``"measurement"`` for the atlas's, any EPSG code; ``"gcj02"`` shifts the coordinates
        to GCJ-02 (AMap), for any format, and warns
    precision : GeoJSON decimals
    bbox : write GeoJSON ``bbox`` members
    overwrite : replace existing files of the export's names (nothing else in a folder is touched)
    neutralise : CSV only: text cells a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``)
        get a leading ``'`` (the default); ``False`` writes values untouched, for machine pipelines

    Layer names become file names made safe (:func:`ecozone.outputs.safe_filename`: no folders, no
    ``..``, unique), and every file is checked to lie inside ``path``.
    """
    fmt = (format or _format_of(Path(path))).lower()
    if fmt not in FORMATS:
        raise InputError(f"{path}: unknown export format {fmt!r}; fix: use one of {', '.join(FORMATS)}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 15:
        raise InputError(f"precision {precision!r}; fix: a whole number of decimals from 0 to 15 (7 ≈ 1 cm)")
    frames, inputs, measurement = _frames(data, layers, results, findings)
    shift = crs is not None and str(crs).lower() == "gcj02"
    target_crs = _target_crs(crs, fmt, measurement)
    path = Path(path)
    stems = _file_stems(frames, fmt)
    outputs = _outputs(path, fmt, stems, {name: _families(frame) for name, frame in frames.items()} if fmt == "shp" else None)
    check_not_inputs(outputs, inputs)
    for output in outputs:  # GDAL writes them: a path it would take for another is refused before anything is written
        check_gdal_path(output)
    check_target(path, fmt, overwrite=overwrite, outputs=outputs)
    ready = {name: _prepared(frame, target_crs, shift, fmt) for name, frame in frames.items()}
    if shift:
        warnings.warn("coordinates written shifted to GCJ-02 (as asked): for AMap/Tencent only, never for "
                      "measurement or exchange", GCJ02Warning, stacklevel=2)
    if fmt == "gpkg":
        with atomic_path(path, overwrite=overwrite) as tmp:
            for name, frame in ready.items():
                pyogrio.write_dataframe(frame, tmp, driver="GPKG", layer=stems[name], layer_options={"SPATIAL_INDEX": "YES"})
        return [path]
    if fmt == "geojson" and path.suffix.lower() in (".geojson", ".json"):
        (name, frame), = ready.items()
        with atomic_path(path, overwrite=overwrite) as tmp:
            write_geojson(frame, tmp, precision=precision, bbox=bbox)
        return [path]
    with _staging(path) as stage:
        written = []
        for name, frame in ready.items():
            if fmt == "geojson":
                write_geojson(frame, stage / f"{stems[name]}.geojson", precision=precision, bbox=bbox)
            elif fmt == "csv":
                _write_csv(frame, stage / f"{stems[name]}.csv", neutralise=neutralise)
            else:
                _write_shapefiles(frame, stage, stems[name])
        for file in sorted(stage.iterdir()):
            os.replace(file, check_inside(path, path / file.name))
            written.append(path / file.name)
    return written


def check_target(path: str | os.PathLike, fmt: str, *, overwrite: bool, outputs: Sequence[Path] | None = None) -> None:
    """Refuse, before anything is read or written, an export target that cannot be written or whose files exist
    (without ``overwrite``): one file (``.gpkg``, one ``.geojson``), or ``outputs`` inside a folder."""
    path = Path(path)
    single = fmt == "gpkg" or (fmt == "geojson" and path.suffix.lower() in (".geojson", ".json"))
    check_writable(path.parent if single else path)
    for out in [path] if single else (outputs or []):
        if out.exists() and not overwrite:
            raise InputError(f"{out}: exists already; fix: choose another output or pass --overwrite")


def _file_stems(frames: Mapping[str, Any], fmt: str = "gpkg") -> dict[str, str]:
    """Each layer's file name (without suffix), also its GeoPackage layer name: its name made safe and unique
    (a manifest may name a layer ``../../x`` or give two layers names that differ only in case); names that
    SQLite or GeoPackage reserve (``gpkg…``, ``sqlite_…``, ``rtree_…``) get a ``layer_`` prefix.  For
    Shapefiles a layer may become ``NAME_line``, ``NAME_polygon`` …: those names are taken too, so a layer
    ``rivers`` of lines and polygons and a layer ``rivers_line`` never write the same file."""
    taken: set[str] = set()
    stems = {}
    for name in frames:
        stem = safe_filename(name)
        if stem.lower().startswith(("gpkg", "sqlite_", "rtree_")):
            stem = "layer_" + stem
        base, i = stem, 2
        while any(n.casefold() in taken for n in _shapefile_stems(stem, fmt)):
            stem = f"{base}_{i}"
            i += 1
        taken.update(n.casefold() for n in _shapefile_stems(stem, fmt))
        stems[name] = stem
    return stems


def _shapefile_stems(stem: str, fmt: str) -> list[str]:
    """The file stems a layer's export may use: its own, and for Shapefiles one per geometry family."""
    return [stem] + ([f"{stem}_{fam}" for fam in sorted(set(FAMILY.values()))] if fmt == "shp" else [])


def _outputs(path: Path, fmt: str, frames: Mapping[str, str], families: Mapping[str, list[str]] | None = None) -> list[Path]:
    """The files an export will write (checked before anything is); ``frames``: layer name -> file stem;
    ``families``: for Shapefiles, the geometry families of each layer (one Shapefile each)."""
    if not frames:
        raise InputError(f"{path}: nothing to export; fix: name layers (--layers) or ask for --results")
    if fmt == "gpkg":
        return [path]
    if fmt == "geojson" and path.suffix.lower() in (".geojson", ".json"):
        if len(frames) > 1:
            raise InputError(f"{path}: {len(frames)} layers do not fit one GeoJSON file; fix: give a folder (no suffix) "
                             f"for one .geojson per layer, or a .gpkg")
        return [path]
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: {fmt} export writes a folder of files, and this is a file; fix: give a folder")
    ext = FORMATS[fmt]
    if fmt != "shp":
        return [check_inside(path, path / f"{stem}{ext}") for stem in frames.values()]
    # a Shapefile per geometry family when a layer mixes them (rivers_line.shp), each of five files, and the
    # field mapping
    files = []
    for name, stem in frames.items():
        fams = (families or {}).get(name) or []
        shapefiles = [stem] if len(fams) <= 1 else [f"{stem}_{fam}" for fam in fams]
        files += [f"{stem}.fields.csv", *(f"{s}{part}" for s in shapefiles for part in _SHAPEFILE_PARTS)]
    return [check_inside(path, path / f) for f in files]


#: The files GDAL writes for one Shapefile.
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    for fmt, ext in FORMATS.items():
        if suffix == ext or (fmt == "geojson" and suffix == ".json"):
            return fmt
    raise InputError(f"{path}: which format? fix: pass format= (--format geojson|gpkg|csv|shp) or name the file .geojson/.gpkg")


def _frames(data, layers, results, findings) -> tuple[dict[str, gpd.GeoDataFrame], list[Path], Any]:
    """The frames to write by name, the files they came from, and the measurement CRS."""
    if isinstance(data, Atlas):
        names = list(data.layers) if layers is None and not results else list(layers or [])
        unknown = [n for n in names if n not in data]
        if unknown:
            raise InputError(f"no layer {unknown[0]!r} in the atlas; fix: use some of {', '.join(data.layers)}")
        frames = {n: data[n] for n in names}
        if results:
            from .results import result_layers

            frames.update(result_layers(data, findings=findings))
        return frames, data.files(), data.crs
    if isinstance(data, gpd.GeoDataFrame):
        name = str(data.attrs.get("source", "layer")).rsplit("/", 1)[-1].rsplit(".", 1)[0] or "layer"
        source = data.attrs.get("source")
        return {name: data}, [Path(source)] if source else [], data.crs
    if isinstance(data, Mapping) and all(isinstance(f, gpd.GeoDataFrame) for f in data.values()):
        sources = [Path(f.attrs["source"]) for f in data.values() if f.attrs.get("source")]
        return dict(data), sources, None
    raise TypeError(f"export needs an Atlas, a GeoDataFrame or {{name: GeoDataFrame}}, not {type(data).__name__}")


def _target_crs(crs: Any, fmt: str, measurement: Any):
    if fmt == "geojson":
        if crs is not None and str(crs).lower() not in ("gcj02", "4326", "epsg:4326", "wgs84"):
            raise CRSError(f"GeoJSON is WGS84 lon/lat (RFC 7946), not {crs}; fix: drop --crs, or export gpkg/csv/shp")
        return 4326
    if crs is None:
        return CGCS2000
    text = str(crs).lower()
    if text == "gcj02":
        return 4326
    if text == "measurement":
        if measurement is None:
            raise CRSError("crs='measurement' needs an Atlas; fix: give an EPSG code")
        return measurement
    parsed = parse_crs(crs, what="export CRS")
    if isinstance(parsed, str):
        raise CRSError(f"export CRS {crs!r}: only gcj02 is written shifted; fix: an EPSG code such as 4490")
    return parsed


def _prepared(frame: gpd.GeoDataFrame, target_crs: Any, shift: bool, fmt: str) -> gpd.GeoDataFrame:
    """A copy in the output CRS, without ecozone's internal columns, empty geometries dropped."""
    if frame.crs is None:
        raise CRSError("a layer to export has no CRS; fix: set one (gdf.set_crs(...))")
    out = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")])
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    out = out.to_crs(target_crs)
    if shift:
        out[out.geometry.name] = from_wgs84_geometries(out.geometry.values, "gcj02")
    for col in out.columns:  # GDAL writes neither objects nor pandas' nullable text as such
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
    return out


def _write_csv(frame: gpd.GeoDataFrame, target: Path, *, neutralise: bool = True) -> None:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["wkt"] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    write_csv(table, target, neutralise=neutralise)


def _write_shapefiles(frame: gpd.GeoDataFrame, folder: Path, name: str) -> None:
    """One Shapefile per geometry family (a Shapefile holds one), UTF-8 (.cpg), field names cut to 10."""
    mapping = _short_names([c for c in frame.columns if c != frame.geometry.name])
    renamed = frame.rename(columns=mapping)
    cut = {k: v for k, v in mapping.items() if k != v}
    if cut:
        warnings.warn(f"{name}: Shapefile field names are at most 10 characters: {', '.join(f'{k} → {v}' for k, v in cut.items())} "
                      f"(the mapping is in {name}.fields.csv); fix: use GeoPackage to keep the names", ShapefileFieldWarning,
                      stacklevel=3)
    write_csv(pd.DataFrame({"field": list(mapping), "shapefile_field": list(mapping.values())}), folder / f"{name}.fields.csv")
    family = pd.Series(shapely.get_type_id(renamed.geometry.values)).map(FAMILY).to_numpy()
    present = _families(renamed)
    for fam in present:
        part = renamed[family == fam]
        stem = name if len(present) == 1 else f"{name}_{fam}"
        pyogrio.write_dataframe(part, folder / f"{stem}.shp", driver="ESRI Shapefile", layer_options={"ENCODING": "UTF-8"})


def _families(frame: gpd.GeoDataFrame) -> list[str]:
    """The Shapefile families of a layer's (non-empty) geometries: one Shapefile each."""
    geoms = frame.geometry.values
    types = shapely.get_type_id(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))])
    return sorted({FAMILY[int(t)] for t in types})




def _short_names(columns: list[str]) -> dict[str, str]:
    """Unique names of at most 10 characters (UTF-8 bytes), keeping the start of each."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        short = _cut(str(col), 10)
        i = 1
        while short.lower() in used:
            tail = f"_{i}"
            short = _cut(str(col), 10 - len(tail)) + tail
            i += 1
        used.add(short.lower())
        out[col] = short
    return out


def _cut(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


@contextlib.contextmanager
def _staging(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` for a set of files, removed whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    clean_partials(folder)
    stage = partial_path(folder / "export", folder=True)
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)
