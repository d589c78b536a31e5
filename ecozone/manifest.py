"""The manifest of an atlas (图层清单): ``manifest.toml`` read and checked, its ``[layers.NAME]`` and
``[rasters.NAME]`` tables turned into :class:`LayerSpec` and :class:`Raster`, one-line errors naming
the table and the fix.  :class:`ecozone.atlas.Atlas` builds itself from them; an audit config holds
the same tables.

Example
-------
>>> checked_entry(Path("manifest.toml"), "layers", "coast", {"file": "coast.shp", "kind": "coastlines"})
Traceback (most recent call last):
...
ecozone.errors.ConfigError: manifest.toml: [layers.coast]: kind 'coastlines' is unknown; fix: use one of district, sea_zone, ...
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
from .config_spec import Key, Table
from .schema import KINDS, RASTER_KINDS
from .toml_lines import line_of, suggest

__all__ = ["entry_problem", "MANIFEST_SPEC", "LAYER_SPEC", "RASTER_SPEC", "MANIFEST_KEYS", "RASTER_KEYS", "LAYER_KEYS", "RASTER_KINDS", "checked_entry", "read_manifest", "LayerSpec",
           "Raster"]

_TEXT = {"source": Key("text", "where the data comes from (shown in credits)", "数据来源"),
         "licence": Key("text", "the data's licence", "数据许可"),
         "illustrative": Key("boolean", "drawn for illustration, not surveyed data (marked on reports and maps)",
                             "示意数据(非调查数据), 报告和地图上注明", default=False),
         "title": Key("text", "a title for reports and map legends", "报告和图例中的标题")}
#: A ``[layers.NAME]`` table.
LAYER_SPEC = Table({
    "file": Key("text", "the layer's file, relative to the file that lists it", "图层文件(相对于本文件所在目录)",
                required=True),
    "kind": Key("text", "what the layer holds (ecozone layer-kinds lists them)", "图层类型", choices=tuple(KINDS),
                required=True),
    "crs": Key("text|integer", "the CRS of a file that declares none (e.g. EPSG:4549, gcj02)",
               "文件未声明坐标系时指定(如 EPSG:4549、gcj02)"),
    "layer": Key("text|integer", "which layer of a GeoPackage or FileGDB", "GeoPackage/FileGDB 中的图层"),
    "encoding": Key("text", "a Shapefile's text encoding when it has no .cpg (e.g. GBK)", "无 .cpg 时 Shapefile 的编码(如 GBK)"),
    **_TEXT,
    "fields": Key("table", "ecozone field names mapped to your column names, e.g. { class = \"岸线类型\" }",
                  "字段映射: ecozone 字段名 = 你的列名", table=Table({}, other=Key("text", "your column name", "你的列名"))),
}, "a layer of the atlas", "图集中的一个矢量图层")
#: A ``[rasters.NAME]`` table.
RASTER_SPEC = Table({
    "file": Key("text", "the raster's file (GeoTIFF …), relative to the file that lists it", "栅格文件", required=True),
    "kind": Key("text", "dem (line of sight), land_cover (class shares) or continuous", "栅格类型",
                choices=tuple(RASTER_KINDS), required=True),
    **_TEXT,
    "classes": Key("table", "land_cover: cell values mapped to land-cover classes, e.g. { 10 = \"forest\" }",
                   "土地覆盖: 像元值 = 地类", table=Table({}, other=Key("text", "a land-cover class", "地类"))),
}, "a raster of the atlas", "图集中的一个栅格")
#: What a ``manifest.toml`` may hold.
MANIFEST_SPEC = Table({
    "name": Key("text", "the atlas's short name (used in file names)", "图集简称(用于文件名)"),
    "title": Key("text", "the atlas's title", "图集标题"),
    "description": Key("text", "what the atlas holds", "图集说明"),
    "crs": Key("text", "measurement CRS (default: the Gauss-Krüger zone of the data)", "量算坐标系(默认: 数据所在的高斯-克吕格带)"),
    "credits": Key("list", "credits shown on maps and reports", "地图和报告上的数据署名", each=Key("text", "a credit", "署名")),
    "layers": Key("table", "[layers.NAME] tables", "[layers.名称] 图层表", each=LAYER_SPEC),
    "rasters": Key("table", "[rasters.NAME] tables", "[rasters.名称] 栅格表", each=RASTER_SPEC),
}, "an atlas: the city's layers and rasters", "图集清单: 城市的图层和栅格")

#: The keys of a manifest, of its ``[rasters.NAME]`` and of its ``[layers.NAME]`` tables.
MANIFEST_KEYS = set(MANIFEST_SPEC.keys)
RASTER_KEYS = set(RASTER_SPEC.keys)
LAYER_KEYS = set(LAYER_SPEC.keys)


def line_in(path: Path, section: str, key: str | None) -> str:
    """`` (line N)`` of ``key`` in ``[section]`` of the TOML file ``path``, or '' when it is not found."""
    try:
        line = line_of(path.read_text(encoding="utf-8-sig"), section, key)
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (line {line})" if line else ""


def entry_problem(section: str, entry: Any) -> tuple[str | None, str, str] | None:
    """The first problem of a ``[layers.NAME]`` / ``[rasters.NAME]`` table against :data:`LAYER_SPEC` /
    :data:`RASTER_SPEC`, as ``(key, problem, fix)`` (key None: the table itself), or None.  The manifest and
    the audit config both check their tables with it, each saying where in its own words."""
    spec = LAYER_SPEC if section == "layers" else RASTER_SPEC
    if not isinstance(entry, dict):
        return None, "is not a table", "write it with file and kind"
    for key, value in entry.items():
        if key not in spec.keys:
            return key, f"unknown key {key!r}", f"{suggest(key, spec.keys)}use only {', '.join(sorted(spec.keys))}"
        problem = spec.keys[key].problem(value) if key != "kind" else None
        if problem is not None:
            return key, f"{key} {problem[0]}", problem[1]
    for key in spec.required():
        if key not in entry:
            return None, f"'{key}' is missing", f"add {key} = \"…\""
    kinds = spec.keys["kind"].choices
    if entry["kind"] not in kinds:
        maybe = suggest(entry["kind"], kinds).strip()
        return "kind", f"kind {entry['kind']!r} is unknown", f"use one of {', '.join(kinds)}" + (f" ({maybe})" if maybe else "")
    for key, value in entry.items():
        other = spec.keys[key].table.other if spec.keys[key].table is not None else None
        if other is not None and any(other.problem(v) for v in value.values()):
            return key, f"{key} must map names to text", f'e.g. {key} = {{ class = "岸线类型" }}' if key == "fields" \
                else f'e.g. {key} = {{ 10 = "forest" }}'
    return None


def checked_entry(manifest: Path, section: str, name: str, entry: Any) -> str:
    """Check a ``[layers.NAME]`` / ``[rasters.NAME]`` table (:func:`entry_problem`).  Returns how messages name it;
    a problem is one line with the key's line in the file."""
    found = entry_problem(section, entry)
    if found is not None:
        key, problem, fix = found
        at = line_in(manifest, f"{section}.{name}", key)
        raise ConfigError(f"{manifest}{at}: [{section}.{name}]: {problem}; fix: {fix}")
    return f"{manifest}: [{section}.{name}]"


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

        where = checked_entry(manifest, "rasters", rname, entry)
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
    check_manifest(path, doc)
    return path, doc


def check_manifest(path: Path, doc: Mapping[str, Any]) -> None:
    """The top level of a manifest against :data:`MANIFEST_SPEC` (its layer and raster tables are checked
    one by one by :func:`checked_entry`)."""
    unknown = MANIFEST_SPEC.unknown(doc)
    if unknown:
        raise ConfigError(f"{path}{line_in(path, '', unknown[0])}: unknown key {unknown[0]!r}; fix: "
                          f"{suggest(unknown[0], MANIFEST_KEYS)}use only {', '.join(sorted(MANIFEST_KEYS))}")
    for key, value in doc.items():
        spec = MANIFEST_SPEC.keys[key]
        problem = spec.problem(value)
        if problem is None and isinstance(spec.each, Key) and isinstance(value, list):
            problem = next((spec.each.problem(v) for v in value if spec.each.problem(v)), None)
        if problem is not None:
            raise ConfigError(f"{path}{line_in(path, '', key)}: {key}: {problem[0]}; fix: {problem[1]}")


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
        where = checked_entry(manifest, "layers", lname, entry)
        kind = entry["kind"]
        declared = entry.get("crs")
        if declared is not None:
            try:
                _crs.parse_crs(declared, what=f"{where}: crs")
            except CRSError as exc:
                raise ConfigError(str(exc)) from exc
        fields = entry.get("fields")
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
