"""The land survey's layers as GIS departments hold them (国土调查数据库): 地类图斑 ``DLTB`` and 行政区 ``XZQ``.

A survey comes as a FileGDB (``.gdb``), a GeoPackage or GBK Shapefiles.  :func:`read_survey` reads its
``DLTB`` (found by name inside a FileGDB or GeoPackage), with the standard's fields under their codes
(``DLBM``, ``ZLDWDM`` …) whether the file names them so or by their Chinese names (地类编码 …), and keeps
the codes as text: a code column stored as a number (``101`` for ``0101``) gets its leading zeros back,
said in ``attrs["read_notes"]``.  Personal geodatabases (``.mdb``) and VCT exchange files are refused
with how to convert them.

Example
-------
>>> refuse_delivery("dltb.mdb")
Traceback (most recent call last):
...
ecozone.errors.InputError: dltb.mdb: a personal geodatabase (.mdb) is not read; fix: convert it to a FileGDB or GeoPackage, e.g. ogr2ogr -f GPKG dltb.gpkg dltb.mdb (GDAL with its PGeo/MDB driver) or ArcGIS's Export / Feature Class to Geodatabase
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .fields import field_renames
from .io import read_layer

__all__ = ["CODE_WIDTHS", "refuse_delivery", "read_survey", "read_xzq", "xzq_names", "survey_layer_name"]

#: The text code fields of DLTB and the width a number stored in them is padded back to.
CODE_WIDTHS = {"DLBM": 4, "KCDLBM": 4, "ZLDWDM": 19, "QSDWDM": 19, "BSM": 0, "TBBH": 0}


def refuse_delivery(path: str | os.PathLike) -> None:
    """Refuse a personal geodatabase (``.mdb``) or a VCT exchange file, saying how to convert it."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".mdb":
        raise InputError(f"{p}: a personal geodatabase (.mdb) is not read; fix: convert it to a FileGDB or GeoPackage, "
                         f"e.g. ogr2ogr -f GPKG {p.stem}.gpkg {p.name} (GDAL with its PGeo/MDB driver) or ArcGIS's "
                         "Export / Feature Class to Geodatabase")
    if suffix == ".vct":
        raise InputError(f"{p}: a VCT exchange file (国土调查 VCT) is not read; fix: import it in the survey's database "
                         "software or ArcGIS (a VCT converter) and export DLTB to a FileGDB or GeoPackage, then give that")


def survey_layer_name(path: str | os.PathLike, wanted: str) -> str | None:
    """The name of the layer ``wanted`` (``DLTB``, ``XZQ``; any case) in a FileGDB or GeoPackage, or None for a
    single-layer file.  A multi-layer file without it is an error naming its layers."""
    import pyogrio

    p = Path(path)
    if p.suffix.lower() not in (".gdb", ".gpkg"):
        return None
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(p)]
    except Exception:  # not readable: read_layer says why
        return None
    match = [n for n in names if n.casefold() == wanted.casefold()]
    if match:
        return match[0]
    if len(names) == 1:
        return names[0]
    raise InputError(f"{p}: holds no layer {wanted} (layers: {', '.join(names[:8])}{' …' if len(names) > 8 else ''}); "
                     f"fix: name the layer holding the {wanted} (layer=…), or give its own file")


def read_survey(path: str | os.PathLike, *, layer: str | None = None, declared_crs: Any = None,
                all_fields: bool = False) -> gpd.GeoDataFrame:
    """Read a 地类图斑 layer: its fields under the standard's codes, its codes as text.

    Parameters
    ----------
    path : a FileGDB (its ``DLTB`` layer), a GeoPackage, a Shapefile (GBK or UTF-8) …
    layer : the layer's name inside the file (default ``DLTB``)
    declared_crs : the CRS the coordinates are really in (see :func:`ecozone.io.read_layer`)
    all_fields : read every field; by default only the standard's fields of the ``land_survey`` kind are
        read (a DLTB has thirty, a million 图斑 a gigabyte of text), their text kept in Arrow strings
    """
    refuse_delivery(path)
    name = layer or survey_layer_name(path, "DLTB")
    gdf = None if all_fields else _read_standard_fields(Path(path), name, declared_crs)
    if gdf is None:
        gdf = read_layer(path, layer=name, declared_crs=declared_crs)
    renames = {c: f for c, f in field_renames(gdf.columns, "land_survey").items() if f != "id"}
    attrs = dict(gdf.attrs)
    gdf = gdf.rename(columns=renames)
    gdf.attrs.update(attrs)
    return as_text_codes(gdf)


def _read_standard_fields(p: Path, name: str | None, declared_crs: Any) -> gpd.GeoDataFrame | None:
    """The layer with the standard's fields only, text as Arrow strings; None where :func:`read_layer` should read
    it (GeoParquet, or a file it will refuse with its own message)."""
    import pyarrow as pa
    import pyogrio

    from .io import checked_coordinates, guess_dbf_encoding
    from .schema import KINDS

    if p.suffix.lower() in (".parquet", ".geoparquet") or not p.exists() or (p.is_dir() and p.suffix.lower() != ".gdb"):
        return None
    encoding = guess_dbf_encoding(p)
    kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
    try:
        fields = [str(f) for f in pyogrio.read_info(p, layer=name, **kwargs)["fields"]]
    except Exception:  # noqa: BLE001  (read_layer says what is wrong, its own way)
        return None
    wanted = {f.name for f in KINDS["land_survey"].fields} - {"id"}
    keep = [c for c in fields if c in wanted]
    keep += [c for c, f in field_renames(fields, "land_survey").items() if f in wanted and c not in keep]
    strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    try:  # batch by batch: the WKB of one batch at a time beside the geometries (a million 图斑: 0.3 GB less)
        with pyogrio.open_arrow(p, layer=name, columns=keep, use_pyarrow=True, batch_size=65_536, **kwargs) as (meta, reader):
            geometry = meta["geometry_name"] or "wkb_geometry"
            if geometry not in reader.schema.names:
                return None
            geoms, frames = [], []
            for batch in reader:
                table = pa.Table.from_batches([batch])
                geoms.append(shapely.from_wkb(table.column(geometry).to_numpy()))
                frames.append(table.drop_columns([geometry]).to_pandas(types_mapper=strings.get))
            crs = meta["crs"]
    except Exception:  # noqa: BLE001
        return None
    attrs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=keep)
    gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(np.concatenate(geoms) if geoms else [], crs=crs), crs=crs)
    gdf = checked_coordinates(gdf, p, declared_crs)
    gdf.attrs["source"] = str(p)
    left = [c for c in fields if c not in keep]
    if left:
        gdf.attrs.setdefault("read_notes", []).append(
            f"{len(left)} field{'s' if len(left) > 1 else ''} ecozone does not use left unread "
            f"({', '.join(left[:6])}{' …' if len(left) > 6 else ''}; read_survey(all_fields=True) reads them)")
    return gdf


def as_text_codes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` with its code fields as text: numbers (``101``) padded back to the field's width (``'0101'``), noted."""
    notes = list(gdf.attrs.get("read_notes", []))
    for col, width in CODE_WIDTHS.items():
        if col not in gdf.columns:
            continue
        values = gdf[col]
        if values.dtype.kind in "iuf":
            numbers = values.to_numpy(dtype="float64")
            finite = np.isfinite(numbers)
            if not np.all(numbers[finite] == np.round(numbers[finite])):
                continue  # not codes: validation says so
            text = pd.Series([f"{int(v):0{width}d}" if ok else None for v, ok in zip(numbers, finite)],
                             index=gdf.index, dtype="object")
            gdf[col] = text
            if width:
                notes.append(f"{col} was stored as a number: read as text with its leading zeros ({width} characters)")
        elif isinstance(values.dtype, pd.StringDtype):  # Arrow strings stay Arrow strings (compact)
            gdf[col] = values.str.strip()
        elif values.dtype == object:
            gdf[col] = values.astype("string").str.strip().astype("object").where(values.notna(), None)
    gdf.attrs["read_notes"] = notes
    return gdf


def read_xzq(path: str | os.PathLike, *, layer: str | None = None) -> pd.DataFrame:
    """The 行政区 layer's codes and names (``XZQDM``, ``XZQMC``; or 行政区代码/行政区名称) as a table."""
    refuse_delivery(path)
    name = layer or survey_layer_name(path, "XZQ")
    gdf = read_layer(path, layer=name)
    folded = {str(c).casefold(): c for c in gdf.columns}
    code = next((folded[k] for k in ("xzqdm", "行政区代码", "行政区划代码") if k in folded), None)
    label = next((folded[k] for k in ("xzqmc", "行政区名称", "行政区划名称") if k in folded), None)
    if code is None or label is None:
        have = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(f"{path}: no XZQDM and XZQMC (行政区代码, 行政区名称) fields (fields: {have}); fix: give the "
                         "survey's XZQ layer, or leave --xzq out to name the units by their codes")
    codes = gdf[code]
    if codes.dtype.kind in "iuf":
        codes = codes.astype("int64").astype(str)
    return pd.DataFrame({"XZQDM": codes.astype(str).str.strip().to_numpy(), "XZQMC": gdf[label].astype(str).to_numpy()})


def xzq_names(xzq: pd.DataFrame | None, length: int) -> dict[str, str]:
    """``{code of ``length`` digits: name}`` from an XZQ table: the rows whose code is that unit's own (its code,
    or its code followed by zeros to 9 or 12 digits; a township's ``370602001`` as ``370602001000``)."""
    if xzq is None:
        return {}
    out: dict[str, str] = {}
    for code, name in zip(xzq["XZQDM"], xzq["XZQMC"]):
        code = str(code)
        if len(code) >= length and code[:length].isdigit() and set(code[length:]) <= {"0"}:
            out.setdefault(code[:length], str(name))
    return out
