"""Looking inside what a GIS department hands over (数据盘点): a FileGDB, a GeoPackage or a folder of files.

:func:`scan` lists every vector layer of ``source`` and recognises it: the land survey's 地类图斑 (``DLTB``,
or the fields ``DLBM`` / 地类编码) as ``land_survey``, its 行政区 (``XZQ``: ``XZQDM``, ``XZQMC``) as
``district``, and ecozone's own kinds by their fields under their names or their Chinese names
(岸线类型, 红线类型 …), a coded field's first values checked against its code list so that a road's
``class`` is not taken for a coastline's, and by the words of their names (:mod:`~ecozone.scan.names`).
What it cannot read — a table without geometry, a broken file, a link out of the folder, a CSV — is listed
as not recognised with why (:mod:`~ecozone.scan.files`).  :func:`manifest_text` writes what it found as a
``manifest.toml`` that ``ecozone audit``, ``map`` and ``export`` read at once, the layers it did not recognise
listed in comments; every name from the files in it is quoted or, in a comment, made inert (a newline in a
layer's name cannot start a table).

Example
-------
>>> import tempfile, pathlib, geopandas as gpd, shapely
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"地类编码": ["0101"], "TBMJ": [1.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490).to_file(d / "dltb.gpkg")
>>> [(f.layer, f.kind) for f in scan(d)]
[('dltb', 'land_survey')]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from ..codes import normalised_codes
from ..errors import InputError
from ..escape import line_text, toml_string
from ..fields import field_renames
from ..io import guess_dbf_encoding
from ..land_survey import refuse_delivery
from ..schema import KINDS
from .files import entries
from .names import base, hint, says, year

__all__ = ["Found", "scan", "manifest_text", "read_files"]

_ONE_LAYER = (".shp", ".geojson", ".json", ".fgb")
_FAMILY = {"point": "point", "multipoint": "point", "linestring": "line", "multilinestring": "line",
           "polygon": "polygon", "multipolygon": "polygon"}
_SAMPLE = 500  # values of a coded field looked at
_KNOWN_SHARE = 0.9  # of them known for the kind to be taken


@dataclass
class Found:
    """One layer of the source: where it is, what it was recognised as (``kind`` None: not recognised), why.

    ``within`` names it inside the scanned folder; ``read`` is False for a file not opened (a link out of the
    folder, a CSV, an ``.mdb``); ``note`` is said above its table in the manifest (which red line is current)."""

    path: Path
    layer: str | None
    geometry: str
    features: int
    fields: list[str]
    kind: str | None = None
    why: str = ""
    encoding: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    within: str = ""
    read: bool = True
    note: str = ""

    @property
    def label(self) -> str:
        """``folder/file.gpkg / layer``, as the manifest's comments and stderr name it (not yet made inert)."""
        return (self.within or self.path.name) + (f" / {self.layer}" if self.layer else "")


class _Unreadable(Exception):
    """A file GDAL cannot open (its reason, without the path)."""


def read_files(source: str | os.PathLike) -> list[Path]:
    """The files (and FileGDBs) :func:`scan` opens in ``source``: the inputs an output must not be."""
    return [e.path for e in entries(source) if not e.skip]


def scan(source: str | os.PathLike) -> list[Found]:
    """Every vector layer in ``source`` (a ``.gdb``, ``.gpkg``, Shapefile, or a folder of them), recognised."""
    root = Path(source)
    if root.exists():
        refuse_delivery(root)
    single = root.is_file() or root.suffix.lower() == ".gdb"
    out: list[Found] = []
    for entry in entries(root):
        if entry.skip:
            out.append(Found(entry.path, None, "", 0, [], why=entry.skip, within=entry.within, read=False))
            continue
        try:
            out += _layers(entry.path, entry.within)
        except _Unreadable as exc:
            if single:
                raise InputError(f"{root}: cannot be read ({exc}); fix: check it is a complete GeoPackage, FileGDB, "
                                 "GeoJSON, FlatGeobuf or Shapefile (with its .shx and .dbf beside it)") from None
            out.append(Found(entry.path, None, "", 0, [], why=f"cannot be read ({exc})", within=entry.within, read=False))
    _current_redlines(out)
    return out


def _layers(path: Path, within: str) -> list[Found]:
    try:
        refuse_delivery(path)
    except InputError as exc:  # listed, with how to convert it
        return [Found(path, None, "", 0, [], why=str(exc).removeprefix(f"{path}: "), within=within, read=False)]
    try:
        encoding = guess_dbf_encoding(path)
        names = [None] if path.suffix.lower() in _ONE_LAYER else [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # noqa: BLE001  (GDAL's errors have their own classes; an unreadable .dbf is an OSError)
        raise _Unreadable(_reason(exc, path)) from None
    out = []
    for name in names:
        try:
            info = pyogrio.read_info(path, layer=name, **({"encoding": encoding} if encoding else {}))
        except Exception as exc:  # noqa: BLE001
            if name is None:
                raise _Unreadable(_reason(exc, path)) from None
            out.append(Found(path, name, "", 0, [], why=f"cannot be read ({_reason(exc, path)})", within=within, read=False))
            continue
        found = Found(path, name, str(info.get("geometry_type") or ""), int(info.get("features") or 0),
                      [str(f) for f in info.get("fields", [])], encoding=encoding, within=within)
        if info.get("geometry_type") is None:
            found.why = "a table without geometry (attributes only): not a layer"
        else:
            _recognise(found)
        out.append(found)
    return out


def _reason(exc: Exception, path: Path) -> str:
    """GDAL's message, one line, without the path, cut at its first sentence."""
    message = " ".join(str(exc).split())
    for p in (str(path), path.as_posix()):
        message = message.replace(f"'{p}' ", "").replace(f"{p}: ", "").replace(p, path.name)
    message = message.split(".;")[0].split("; ")[0].rstrip(".") or type(exc).__name__
    if path.suffix.lower() == ".json" and "not recognized" in message:
        message = f"not GeoJSON: {message}"
    return line_text(message[:200])


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
        types = sample.geometry.dropna().geom_type.unique()
    except Exception:  # noqa: BLE001  (unreadable, or no geometry column)
        return set()
    return {f for f in (_family(t) for t in types) if f is not None}


def _recognise(found: Found) -> None:
    name = found.layer or found.path.stem
    families = _families(found)
    cols = found.fields
    folded = {c.casefold(): c for c in cols}
    if families == {"polygon"} and (says(name, ("dltb",)) or "DLBM" in _present(cols, "land_survey")):
        found.kind = "land_survey"
        found.why = "地类图斑: " + ("layer DLTB" if says(name, ("dltb",)) else "field DLBM (地类编码)")
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
        said = hint(kind, name)
        if said == 0 and not any(f.codes is not None for f in spec.required):
            continue  # a polygon with a name (or nothing required) could be anything: its file must say what it is
        score = (said, len(present), kind, ", ".join(f"{f.name} ({present[f.name]})" if present[f.name] != f.name
                                                     else f.name for f in spec.required))
        if best is None or score[:2] > best[:2]:
            best = score
    if best is not None:
        found.kind, found.why = best[2], ("fields " + best[3]) if best[3] else "its name"
        return
    found.why = f"no kind's required fields among {', '.join(cols[:8]) or 'none'}" if families else \
        f"geometry {found.geometry or 'none'}"


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


def _current_redlines(found: list[Found]) -> None:
    """Red lines named alike but for a year (``redline_land``, ``redline_land_2020``): the latest (a name without
    a year: the current one) stays ``redline``, the earlier become ``redline_baseline``, and both say so."""
    groups: dict[tuple[str, ...], list[Found]] = {}
    for f in found:
        if f.kind == "redline":
            groups.setdefault(base(_dated(f)), []).append(f)
    for group in groups.values():
        years = [year(_dated(f)) for f in group]
        if len(group) < 2 or all(y is None for y in years):
            continue
        rank = [float("inf") if y is None else y for y in years]
        latest = [f for f, r in zip(group, rank) if r == max(rank)]
        if len(latest) > 1:
            for f in group:
                f.note = (f"{len(group)} red lines named alike ({', '.join(g.label for g in group)}): which is current "
                          "cannot be told from their names; check: an earlier one is kind = \"redline_baseline\"")
            continue
        current = latest[0]
        earlier = [(f, y) for f, y in zip(group, years) if f is not current]
        for f, y in earlier:
            f.kind = "redline_baseline"
            f.note = (f"{f.label} ({y}): taken as an earlier red line than {current.label}, the current one, so kind "
                      "redline_baseline (what redline_not_reduced compares with); check it")
        current.note = (f"{current.label}: taken as the current red line ("
                        + ("no year in its name" if year(_dated(current)) is None else "the latest year") + "); "
                        + ", ".join(f.label for f, _ in earlier) + " as earlier (redline_baseline)")


def _dated(f: Found) -> str:
    """The folders, file name and layer that may carry a red line's year: ``2020/stbhhx.gpkg/redline``."""
    within = f.within or f.path.name
    return within[: -len(Path(within).suffix) or None] + (f"/{f.layer}" if f.layer else "")


def manifest_text(found: list[Found], manifest: str | os.PathLike, *, name: str | None = None) -> str:
    """A ``manifest.toml`` for the recognised layers (paths relative to ``manifest``'s folder, links not resolved);
    the others in comments.  Every text from the files is quoted (:func:`~ecozone.escape.toml_string`) or, in a
    comment, one inert line (:func:`~ecozone.escape.line_text`)."""
    here = Path(os.path.abspath(manifest)).parent.resolve()
    lines = ["# Written by ecozone scan: check the kinds, then give this file to ecozone audit, map or export."]
    if name:
        lines.append(f"name = {toml_string(name)}")
    used: set[str] = set()
    for f in [f for f in found if f.kind]:
        key = _key(f, used)
        try:
            rel = os.path.relpath(f.path, here).replace(os.sep, "/")
        except ValueError:  # another drive
            rel = f.path.as_posix()
        lines.append("")
        if f.note:
            lines.append(f"# {line_text(f.note)}")
        lines += [f"[layers.{key}]", f"file = {toml_string(rel)}", f"kind = {toml_string(f.kind)}"]
        if f.layer is not None and f.path.suffix.lower() in (".gdb", ".gpkg"):
            lines.append(f"layer = {toml_string(f.layer)}")
        if f.encoding:
            lines.append(f"encoding = {toml_string(f.encoding)}")
        lines.append(f"title = {toml_string(KINDS[f.kind].zh)}")
        lines.append(f"source = {toml_string(f'{f.label}: {f.why}')}")
        if f.mapping:
            lines.append("fields = { " + ", ".join(f"{k} = {toml_string(v)}" for k, v in f.mapping.items()) + " }")
    rest = [f for f in found if not f.kind]
    if rest:
        lines += ["", "# Not recognised (give them a [layers.NAME] table with their kind and fields to use them):"]
        lines += ["#   " + line_text(f"{f.label}: " + (f"{f.geometry or 'no geometry'}, {f.features} features; " if f.read
                                                          else "") + f.why) for f in rest]
    return "\n".join(lines) + "\n"


def _key(f: Found, used: set[str]) -> str:
    stem = (f.layer or f.path.stem).lower()
    key = stem if stem and stem.isascii() and stem.replace("_", "").isalnum() and not stem[0].isdigit() else f.kind
    candidate, n = key, 2
    while candidate in used:
        candidate, n = f"{key}_{n}", n + 1
    used.add(candidate)
    return candidate
