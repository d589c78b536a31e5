"""Looking inside what a GIS department hands over (数据盘点): a FileGDB, a GeoPackage or a folder of files.

:func:`scan` lists every vector layer of ``source`` and recognises it: the land survey's 地类图斑 (``DLTB``,
or the fields ``DLBM`` / 地类编码) as ``land_survey``, its 行政区 (``XZQ``: ``XZQDM``, ``XZQMC``) as
``district``, and ecozone's own kinds by their fields under their names or their Chinese names
(岸线类型, 红线类型 …), a coded field's first values checked against its code list so that a road's
``class`` is not taken for a coastline's.  :func:`manifest_text` writes what it found as a
``manifest.toml`` that ``ecozone audit``, ``map`` and ``export`` read at once, the layers it did not
recognise listed in comments.

Example
-------
>>> import tempfile, pathlib, geopandas as gpd, shapely
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"地类编码": ["0101"], "TBMJ": [1.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490).to_file(d / "dltb.gpkg")
>>> [(f.layer, f.kind) for f in scan(d)]
[('dltb', 'land_survey')]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from .codes import normalised_codes
from .errors import InputError
from .fields import field_renames
from .io import guess_dbf_encoding
from .land_survey import refuse_delivery
from .schema import KINDS

__all__ = ["Found", "scan", "manifest_text"]

_FILES = (".shp", ".geojson", ".json", ".gpkg", ".fgb")
_FAMILY = {"point": "point", "multipoint": "point", "linestring": "line", "multilinestring": "line",
           "polygon": "polygon", "multipolygon": "polygon"}
_SAMPLE = 500  # values of a coded field looked at
_KNOWN_SHARE = 0.9  # of them known for the kind to be taken


@dataclass
class Found:
    """One layer of the source: where it is, what it was recognised as (``kind`` None: not recognised), why."""

    path: Path
    layer: str | None
    geometry: str
    features: int
    fields: list[str]
    kind: str | None = None
    why: str = ""
    encoding: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)


def scan(source: str | os.PathLike) -> list[Found]:
    """Every vector layer in ``source`` (a ``.gdb``, ``.gpkg``, Shapefile, or a folder of them), recognised."""
    root = Path(source)
    if not root.exists():
        raise InputError(f"{root}: not found; fix: give a FileGDB (.gdb), a GeoPackage or a folder of Shapefiles")
    refuse_delivery(root)
    out = []
    for path in _sources(root):
        try:
            refuse_delivery(path)
        except InputError as exc:  # listed, with how to convert it
            out.append(Found(path, None, "", 0, [], why=str(exc).split(": ", 1)[1]))
            continue
        encoding = guess_dbf_encoding(path)
        try:
            layers = [(None, None)] if path.suffix.lower() in (".shp", ".geojson", ".json", ".fgb") else \
                [(str(n), g) for n, g in pyogrio.list_layers(path)]
        except Exception as exc:  # noqa: BLE001  (GDAL's errors have their own classes)
            raise InputError(f"{path}: cannot be read ({' '.join(str(exc).split())}); fix: check the file is complete") from exc
        for name, _ in layers:
            info = pyogrio.read_info(path, layer=name, encoding=encoding) if encoding else pyogrio.read_info(path, layer=name)
            if info.get("geometry_type") in (None, "Unknown") and not len(info.get("fields", [])):
                continue
            found = Found(path, name, str(info.get("geometry_type") or ""), int(info.get("features") or 0),
                          [str(f) for f in info["fields"]], encoding=encoding)
            _recognise(found)
            out.append(found)
    return out


def _sources(root: Path) -> list[Path]:
    if root.is_file() or root.suffix.lower() == ".gdb":
        return [root]
    found = []
    for path in sorted(root.rglob("*")):
        if any(p.suffix.lower() == ".gdb" for p in path.relative_to(root).parents):
            continue  # inside a FileGDB: the .gdb itself is listed
        if path.suffix.lower() == ".gdb" and path.is_dir():
            found.append(path)
        elif path.is_file() and path.suffix.lower() in (*_FILES, ".mdb", ".vct"):
            found.append(path)
    return found


def _family(geometry: str) -> str | None:
    """``polygon``, ``line`` or ``point`` for pyogrio's ``Polygon``, ``MultiLineString Z``, ``2.5D Point`` …"""
    return next((_FAMILY[w] for w in geometry.lower().split() if w in _FAMILY), None)


def _present(columns: list[str], kind: str) -> dict[str, str]:
    """``{field: column}`` of the fields of ``kind`` the columns hold (by name, Chinese name, alias or cut name)."""
    spec = KINDS[kind]
    out = {f.name: f.name for f in spec.fields if f.name in columns}
    out.update({f: c for c, f in field_renames(columns, spec).items()})
    return out


def _families(found: Found) -> set[str]:
    """The geometry families of the layer: from its declared type, or (``Unknown``: a GeoJSON of polygons and
    multipolygons, of lines and polygons) from its first features."""
    family = _family(found.geometry)
    if family is not None:
        return {family}
    try:
        sample = pyogrio.read_dataframe(found.path, layer=found.layer, columns=[], max_features=_SAMPLE,
                                        **({"encoding": found.encoding} if found.encoding else {}))
    except Exception:  # noqa: BLE001
        return set()
    return {f for f in (_family(t) for t in sample.geometry.dropna().geom_type.unique()) if f is not None}


def _recognise(found: Found) -> None:
    name = (found.layer or found.path.stem).casefold()
    families = _families(found)
    cols = found.fields
    folded = {c.casefold(): c for c in cols}
    if families == {"polygon"} and (name == "dltb" or "DLBM" in _present(cols, "land_survey")):
        found.kind, found.why = "land_survey", "地类图斑: " + ("layer DLTB" if name == "dltb" else "field DLBM (地类编码)")
        return
    if families == {"polygon"} and "xzqdm" in folded and "xzqmc" in folded:
        found.kind, found.why = "district", "行政区 XZQ: XZQDM, XZQMC"
        found.mapping = {"name": folded["xzqmc"], "id": folded["xzqdm"]}
        return
    best: tuple[int, int, str, str] | None = None
    for kind, spec in KINDS.items():
        if kind == "land_survey" or not families or not families <= set(spec.geometry):
            continue
        present = _present(cols, kind)
        if not all(f.name in present for f in spec.required):
            continue
        if not all(_codes_fit(found, present[f.name], f) for f in spec.required if f.codes is not None):
            continue
        hint = _hint(kind, name)
        if hint == 0 and not any(f.codes is not None for f in spec.required):
            continue  # a polygon with a name (or nothing required) could be anything: its file must say what it is
        score = (hint, len(present), kind, ", ".join(f"{f.name} ({present[f.name]})" if present[f.name] != f.name
                                                     else f.name for f in spec.required))
        if best is None or score[:2] > best[:2]:
            best = score
    if best is not None:
        found.kind, found.why = best[2], ("fields " + best[3]) if best[3] else "its name"
        return
    found.why = f"no kind's required fields among {', '.join(cols[:8]) or 'none'}" if families else \
        f"geometry {found.geometry or 'none'}"


#: Words in a layer's or file's name that say its kind (besides the kind's own name and Chinese label).
_HINTS = {"district": ("xzq", "区县", "行政区", "county", "districts"), "bay": ("海湾", "bays"), "sea_zone": ("海域",),
          "project": ("项目", "projects"), "redline": ("红线", "stbhhx"), "redline_baseline": ("baseline", "基线"),
          "land": ("陆地", "lands"), "wind_farm": ("风电", "wind")}


def _hint(kind: str, name: str) -> int:
    """2: the name says this kind; 1: a red line not said to be the baseline; 0: the name says nothing."""
    words = (kind, KINDS[kind].zh.casefold(), *_HINTS.get(kind, ()))
    baseline = any(w in name for w in _HINTS["redline_baseline"])
    if kind == "redline":
        return 0 if baseline else (2 if any(w in name for w in words) else 1)
    if kind == "redline_baseline":
        return 3 if baseline else 0
    return 2 if any(w in name for w in words) else 0


def _codes_fit(found: Found, column: str, f: Any) -> bool:
    try:
        values = pyogrio.read_dataframe(found.path, layer=found.layer, columns=[column], read_geometry=False,
                                        max_features=_SAMPLE, **({"encoding": found.encoding} if found.encoding else {}))
    except Exception:  # noqa: BLE001
        return False
    vals = values[column].dropna()
    if not len(vals):
        return False
    return bool(pd.notna(normalised_codes(f.codes, vals)).mean() >= _KNOWN_SHARE)


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def manifest_text(found: list[Found], manifest: str | os.PathLike, *, name: str | None = None) -> str:
    """A ``manifest.toml`` for the recognised layers (paths relative to ``manifest``'s folder); the others in comments."""
    base = Path(manifest).resolve().parent
    lines = ["# Written by ecozone scan: check the kinds, then give this file to ecozone audit, map or export."]
    if name:
        lines.append(f"name = {_toml(name)}")
    used: set[str] = set()
    for f in [f for f in found if f.kind]:
        key = _key(f, used)
        rel = os.path.relpath(f.path.resolve(), base).replace(os.sep, "/")
        lines += ["", f"[layers.{key}]", f"file = {_toml(rel)}", f"kind = {_toml(f.kind)}"]
        if f.layer is not None and f.path.suffix.lower() in (".gdb", ".gpkg"):
            lines.append(f"layer = {_toml(f.layer)}")
        if f.encoding:
            lines.append(f"encoding = {_toml(f.encoding)}")
        lines.append(f"title = {_toml(KINDS[f.kind].zh)}")
        lines.append(f"source = {_toml(f'{f.path.name}' + (f' / {f.layer}' if f.layer else '') + f': {f.why}')}")
        if f.mapping:
            lines.append("fields = { " + ", ".join(f"{k} = {_toml(v)}" for k, v in f.mapping.items()) + " }")
    rest = [f for f in found if not f.kind]
    if rest:
        lines += ["", "# Not recognised (give them a [layers.NAME] table with their kind and fields to use them):"]
        lines += [f"#   {f.path.name}{' / ' + f.layer if f.layer else ''}: {f.geometry or 'no geometry'}, "
                  f"{f.features} features; {f.why}" for f in rest]
    return "\n".join(lines) + "\n"


def _key(f: Found, used: set[str]) -> str:
    stem = (f.layer or f.path.stem).lower()
    key = stem if stem.isascii() and stem.replace("_", "").isalnum() and not stem[0].isdigit() else f.kind
    candidate, n = key, 2
    while candidate in used:
        candidate, n = f"{key}_{n}", n + 1
    used.add(candidate)
    return candidate
