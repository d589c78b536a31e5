"""The manifest of an atlas (图层清单): ``manifest.toml`` read and checked, its ``[layers.NAME]`` and
``[rasters.NAME]`` tables turned into :class:`LayerSpec` and :class:`Raster`, one-line errors naming
the table and the fix.  :class:`ecozone.atlas.Atlas` builds itself from them; an audit config holds
the same tables.

Example
-------
>>> checked_entry(Path("manifest.toml"), "layers", "coast", {"file": "coast.shp", "kind": "coast"}, LAYER_KEYS, {"coastline": 1})
Traceback (most recent call last):
...
ecozone.errors.ConfigError: manifest.toml: [layers.coast]: kind 'coast' is unknown; fix: use one of coastline
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from pyproj import CRS

from . import crs as _crs
from .errors import ConfigError, CRSError, InputError
from .schema import KINDS

__all__ = ["MANIFEST_KEYS", "RASTER_KEYS", "LAYER_KEYS", "RASTER_KINDS", "checked_entry", "read_manifest", "LayerSpec",
           "Raster"]

#: The keys of a manifest, of its ``[rasters.NAME]`` and of its ``[layers.NAME]`` tables.
MANIFEST_KEYS = {"name", "title", "description", "crs", "credits", "layers", "rasters"}
RASTER_KEYS = {"file", "kind", "source", "licence", "illustrative", "title", "classes"}
#: Kinds of raster an atlas may hold: a DEM (line of sight), a land-cover map (class shares), any other.
RASTER_KINDS = {"dem": "数字高程模型", "land_cover": "土地覆盖", "continuous": "栅格数据"}
LAYER_KEYS = {"file", "kind", "crs", "layer", "encoding", "source", "licence", "illustrative", "title", "fields"}


def checked_entry(manifest: Path, section: str, name: str, entry: Any, keys: set[str], kinds: Mapping[str, Any]) -> str:
    """Check a ``[layers.NAME]`` / ``[rasters.NAME]`` table: a table, known keys, a file and a known kind.
    Returns how messages name it."""
    where = f"{manifest}: [{section}.{name}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not a table; fix: write it as [{section}.{name}] with file and kind")
    unknown = set(entry) - keys
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}; fix: use only {', '.join(sorted(keys))}")
    for key in ("file", "kind"):
        if key not in entry:
            raise ConfigError(f"{where}: '{key}' is missing; fix: add {key} = \"…\"")
    if entry["kind"] not in kinds:
        raise ConfigError(f"{where}: kind {entry['kind']!r} is unknown; fix: use one of {', '.join(kinds)}")
    return where


@dataclass
class Raster:
    """A raster of an Atlas, kept as a file (read by window when measured): where it is and what it holds."""

    name: str
    kind: str
    path: str
    crs: Any = field(repr=False)
    source: str = ""
    licence: str = ""
    illustrative: bool = False
    title: str = ""
    classes: dict[int, str] | None = None  # land_cover: cell value -> land-cover code

    @classmethod
    def from_manifest(cls, manifest: Path, rname: str, entry: Any) -> Raster:
        import rasterio

        from .schema import LAND_COVER_CLASSES, normalise_code

        where = checked_entry(manifest, "rasters", rname, entry, RASTER_KEYS, RASTER_KINDS)
        classes = None
        if "classes" in entry:
            classes = {}
            for value, code in dict(entry["classes"]).items():
                norm = normalise_code(LAND_COVER_CLASSES, code)
                if norm is None or not str(value).lstrip("-").isdigit():
                    raise ConfigError(f"{where}: classes: {value} = {code!r}; fix: map cell values to one of "
                                      f"{LAND_COVER_CLASSES.describe()}")
                classes[int(value)] = norm
        path = (manifest.parent / str(entry["file"])).resolve()
        try:
            with rasterio.open(path) as ds:
                crs, bounds = ds.crs, tuple(ds.bounds)
        except rasterio.errors.RasterioIOError as err:
            raise InputError(f"{path}: cannot open the raster ({str(err).splitlines()[0]}); fix: check {where} file") from None
        if crs is None:
            raise CRSError(f"{path}: raster has no CRS; fix: assign one (gdal_edit.py -a_srs EPSG:4549 {path.name})")
        # a transform that does not fit the CRS (metres labelled EPSG:4326, degrees labelled a GK zone …)
        _crs.check_plausible(bounds, CRS.from_user_input(crs.to_wkt()), path, raster=True)
        return cls(name=rname, kind=entry["kind"], path=str(path), crs=crs, source=str(entry.get("source", "")),
                   licence=str(entry.get("licence", "")), illustrative=bool(entry.get("illustrative", False)),
                   title=str(entry.get("title", "")), classes=classes)


def read_manifest(path: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    """``(manifest.toml path, its table)`` of a manifest file or the folder holding one; one-line errors."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.toml"
    if not path.exists():
        raise InputError(f"{path}: manifest not found; fix: give a folder with a manifest.toml or the file itself")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix: correct the syntax at that line") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; fix: save the manifest as UTF-8") from exc
    unknown = set(doc) - MANIFEST_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r}; fix: use only {', '.join(sorted(MANIFEST_KEYS))}")
    return path, doc


@dataclass
class LayerSpec:
    """A layer an atlas is to load: a frame given, or a file and how to read it (a ``[layers.NAME]`` table)."""

    name: str
    kind: str
    frame: gpd.GeoDataFrame | None = None
    path: Path | None = None
    source: str = ""
    declared_crs: str | None = None
    layer: str | None = None
    encoding: str | None = None
    source_text: str = ""
    licence: str = ""
    illustrative: bool = False
    title: str = ""
    fields: dict[str, str] | None = None
    #: Where the layer is listed, as messages name it: ``manifest.toml: [layers.NAME]``.
    entry: str = ""

    @classmethod
    def from_manifest(cls, manifest: Path, lname: str, entry: Any) -> LayerSpec:
        where = checked_entry(manifest, "layers", lname, entry, LAYER_KEYS, KINDS)
        kind = entry["kind"]
        declared = entry.get("crs")
        if declared is not None:
            try:
                _crs.parse_crs(declared, what=f"{where}: crs")
            except CRSError as exc:
                raise ConfigError(str(exc)) from exc
        fields = entry.get("fields")
        if fields is not None and not (isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values())):
            raise ConfigError(f"{where}: fields must map ecozone names to your column names; fix: fields = {{ class = \"岸线类型\" }}")
        path = (manifest.parent / str(entry["file"])).resolve()
        try:
            shown = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            shown = str(path)
        if len(shown) > len(str(path)):
            shown = str(path)
        return cls(
            name=lname,
            kind=kind,
            path=path,
            source=shown,
            declared_crs=str(declared) if declared is not None else None,
            layer=entry.get("layer"),
            encoding=entry.get("encoding"),
            source_text=str(entry.get("source", "")),
            licence=str(entry.get("licence", "")),
            illustrative=bool(entry.get("illustrative", False)),
            title=str(entry.get("title", "")),
            fields=fields,
            entry=where,
        )
