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
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .fields import field_renames
from .io import read_layer
from .gdal_paths import check_gdal_path

__all__ = ["CODE_WIDTHS", "refuse_delivery", "read_survey", "SurveySource", "as_text_codes", "read_xzq", "xzq_names",
           "field_values",
           "survey_layer_name"]

#: The text code fields of DLTB and the width a number stored in them is padded back to: a 地类编码 to 4
#: characters (101 → 0101), or 2 below 100 (9 → 09 特殊用地, a 一级 code the 三调 uses as it is); the 座落/权属
#: 单位代码 never (they begin with the province, 1–6: a number of them has lost no zero, and padding it to 19 would
#: turn 370602001001 into 0000000370602001001, district 000000).
CODE_WIDTHS = {"DLBM": 4, "KCDLBM": 4, "ZLDWDM": 0, "QSDWDM": 0, "BSM": 0, "TBBH": 0}


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
    source = SurveySource(path, layer=layer, declared_crs=declared_crs, all_fields=all_fields)
    parts = list(source.batches(65_536))
    if len(parts) == 1:
        return parts[0]
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    gdf.attrs.update(parts[0].attrs)
    gdf.attrs["read_notes"] = list(dict.fromkeys(n for part in parts for n in part.attrs.get("read_notes", [])))
    return gdf


class SurveySource:
    """A 地类图斑 layer in a file, read batch by batch (:meth:`batches`): a million 图斑 are measured a batch at a
    time, never all held at once.  ``source``: its path, for messages."""

    def __init__(self, path: str | os.PathLike, *, layer: str | None = None, declared_crs: Any = None,
                 all_fields: bool = False):
        refuse_delivery(path)
        check_gdal_path(path)
        self.path = Path(path)
        self.source = str(self.path)
        self.layer = layer or survey_layer_name(path, "DLTB")
        self.declared_crs = declared_crs
        self.all_fields = all_fields
        self.fid_span: tuple[str, int] | None | bool = False  # (fid column, first fid) of a gapless GeoPackage; False: unknown

    def extent(self) -> tuple[Any, tuple[float, float, float, float]] | None:
        """``(crs, bounds)`` of the layer as its file says them (None when it cannot say)."""
        import pyogrio

        try:
            info = pyogrio.read_info(self.path, layer=self.layer, force_total_bounds=True)
        except Exception:  # noqa: BLE001
            return None
        bounds = info.get("total_bounds")
        if bounds is None or not np.isfinite(bounds).all():
            return None
        crs = info.get("crs")
        if self.declared_crs is not None:
            from . import crs as _crs

            parsed = _crs.parse_crs(self.declared_crs, what=f"{self.path}: declared CRS")
            crs = parsed if not isinstance(parsed, str) else _crs.WGS84  # gcj02/bd09: lon/lat, nearly
        return (crs, tuple(float(b) for b in bounds)) if crs is not None else None

    def count(self) -> int:
        """The number of 图斑 in the layer (counted by GDAL when the file does not say)."""
        import pyogrio

        from .io import guess_dbf_encoding

        encoding = guess_dbf_encoding(self.path)
        try:
            n = pyogrio.read_info(self.path, layer=self.layer, force_feature_count=True,
                                  **({"encoding": encoding} if encoding else {}))["features"]
        except Exception:  # noqa: BLE001  (read_layer says what is wrong, its own way)
            n = -1
        if n is None or n < 0:
            n = len(read_layer(self.path, layer=self.layer, declared_crs=self.declared_crs))
        if self.fid_span is False and self.path.suffix.lower() == ".gpkg":  # found once, before the tasks are sent
            self.fid_span = _gapless_fids(self.path, self.layer)
        return int(n)

    def batches(self, size: int, start: int = 0, stop: int | None = None) -> Iterator[gpd.GeoDataFrame]:
        """The layer in frames of ``size`` 图斑: the standard's fields renamed, codes as text, coordinates checked
        (NaN refused, the declared CRS applied).  ``start``/``stop``: only the rows ``start`` to ``stop`` - 1 (GDAL
        skips to ``start`` without reading what is before it: how each worker of the dask engine reads its own
        rows).  A file GDAL cannot stream is read whole by :func:`ecozone.io.read_layer` (which says what is wrong
        with it) and sliced."""
        streamed = self._streamed(size, start, stop)
        if streamed is None:
            whole = _standardised(read_layer(self.path, layer=self.layer, declared_crs=self.declared_crs))
            end = len(whole) if stop is None else min(stop, len(whole))
            streamed = (whole.iloc[i : min(i + size, end)] for i in range(start, max(end, start + 1), size))
        yield from streamed

    def _streamed(self, size: int, start: int = 0, stop: int | None = None) -> Iterator[gpd.GeoDataFrame] | None:
        import pyarrow as pa
        import pyogrio

        from .io import checked_coordinates, guess_dbf_encoding
        from .schema import KINDS

        p = self.path
        if p.suffix.lower() in (".parquet", ".geoparquet") or not p.exists() or (p.is_dir() and p.suffix.lower() != ".gdb"):
            return None
        encoding = guess_dbf_encoding(p)
        kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
        try:
            fields = [str(f) for f in pyogrio.read_info(p, layer=self.layer, **kwargs)["fields"]]
        except Exception:  # noqa: BLE001  (read_layer says what is wrong, its own way)
            return None
        wanted = {f.name for f in KINDS["land_survey"].fields} - {"id"}
        keep = [c for c in fields if c in wanted]
        keep += [c for c, f in field_renames(fields, "land_survey").items() if f in wanted and c not in keep]
        if self.all_fields:
            keep = fields
        left = [c for c in fields if c not in keep]
        note = (f"{len(left)} field{'s' if len(left) > 1 else ''} ecozone does not use left unread ({', '.join(left[:6])}"
                f"{' …' if len(left) > 6 else ''}; read_survey(all_fields=True) reads them)") if left else None
        strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}

        def frames() -> Iterator[gpd.GeoDataFrame]:
            # the WKB of one batch at a time beside the geometries; the text in Arrow strings
            left_to_read = None if stop is None else max(stop - start, 0)
            window = self._fid_window(start, stop)
            rows = {"where": window} if window else {"skip_features": start}
            with pyogrio.open_arrow(p, layer=self.layer, columns=keep, use_pyarrow=True, batch_size=size, **rows,
                                    **kwargs) as (meta, reader):
                geometry = meta["geometry_name"] or "wkb_geometry"
                empty = True
                for batch in reader:
                    if left_to_read is not None:
                        if left_to_read <= 0:
                            break
                        batch = batch.slice(0, left_to_read)
                        left_to_read -= batch.num_rows
                    empty = False
                    yield self._frame(pa.Table.from_batches([batch]), geometry, meta["crs"], strings, note,
                                      checked_coordinates)
                if empty:
                    yield self._frame(reader.schema.empty_table(), geometry, meta["crs"], strings, note, checked_coordinates)

        try:  # a file pyogrio cannot open as Arrow: read_layer's turn
            with pyogrio.open_arrow(p, layer=self.layer, columns=keep, use_pyarrow=True, batch_size=1, **kwargs) as (meta, reader):
                if (meta["geometry_name"] or "wkb_geometry") not in reader.schema.names:
                    return None
        except Exception:  # noqa: BLE001
            return None
        return frames()

    def _fid_window(self, start: int, stop: int | None) -> str | None:
        """The rows ``start`` to ``stop`` - 1 of a GeoPackage whose fids run without a gap, as a filter on the fid (an
        index range: GDAL's skip_features steps through every row before ``start``, seconds at a province's
        millions); None elsewhere (skip_features it is)."""
        if not start and stop is None or self.path.suffix.lower() != ".gpkg":
            return None
        if self.fid_span is False:
            self.fid_span = _gapless_fids(self.path, self.layer)
        if self.fid_span is None:
            return None
        column, first = self.fid_span
        return f'"{column}" >= {first + start}' + (f' AND "{column}" < {first + stop}' if stop is not None else "")

    def _frame(self, table: Any, geometry: str, crs: Any, strings: dict, note: str | None,
               checked_coordinates: Any) -> gpd.GeoDataFrame:
        attrs = table.drop_columns([geometry]).to_pandas(types_mapper=strings.get)
        geoms = shapely.from_wkb(table.column(geometry).to_numpy(zero_copy_only=False))
        gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
        gdf = checked_coordinates(gdf, self.path, self.declared_crs)
        gdf.attrs["source"] = self.source
        if note:
            gdf.attrs.setdefault("read_notes", []).append(note)
        return _standardised(gdf)


def _gapless_fids(path: Path, layer: str | None) -> tuple[str, int] | None:
    """``(fid column, first fid)`` of a GeoPackage layer whose fids run from the first to the last without a gap
    (the row ``i`` is the fid ``first + i``), else None."""
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer)
        column, name, count = info["fid_column"], info["layer_name"], int(info["features"])
        if not column or count < 0 or '"' in column + name:
            return None
        # one MIN and one MAX each: SQLite answers them from the rowid's b-tree, not a scan
        span = pyogrio.read_dataframe(path, sql=f'SELECT (SELECT MIN("{column}") FROM "{name}") AS a, '
                                                f'(SELECT MAX("{column}") FROM "{name}") AS b', read_geometry=False)
        first, last = int(span["a"].iloc[0]), int(span["b"].iloc[0])
    except Exception:  # noqa: BLE001  (an empty layer, an odd file: skip_features will do)
        return None
    return (column, first) if last - first + 1 == count else None


def _standardised(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The standard's fields under their codes (their Chinese names renamed), codes as text."""
    renames = {c: f for c, f in field_renames(gdf.columns, "land_survey").items() if f != "id"}
    attrs = dict(gdf.attrs)
    gdf = gdf.rename(columns=renames)
    gdf.attrs.update(attrs)
    return as_text_codes(gdf)


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
            text = pd.Series([f"{int(v):0{_width(v, width)}d}" if ok else None for v, ok in zip(numbers, finite)],
                             index=gdf.index, dtype="object")
            gdf[col] = text
            if width:
                notes.append(f"{col} was stored as a number: read as text with its leading zeros (101 → 0101, 9 → 09)")
        elif isinstance(values.dtype, pd.StringDtype):  # Arrow strings stay Arrow strings (compact)
            gdf[col] = values.str.strip()
        elif values.dtype == object:
            gdf[col] = values.astype("string").str.strip().astype("object").where(values.notna(), None)
    gdf.attrs["read_notes"] = notes
    return gdf


def field_values(survey: Any, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The values of the standard's numeric fields ``names`` over the whole survey (a frame, or a
    :class:`SurveySource`: that column alone read from the file), as floats; a field the survey lacks is left out."""
    import pyogrio

    if isinstance(survey, SurveySource):
        from .io import guess_dbf_encoding

        encoding = guess_dbf_encoding(survey.path)
        kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
        try:
            columns = [str(f) for f in pyogrio.read_info(survey.path, layer=survey.layer, **kwargs)["fields"]]
        except Exception:  # noqa: BLE001  (the batches say what is wrong with the file)
            return {}
        read = lambda col: pyogrio.read_dataframe(survey.path, layer=survey.layer, columns=[col], read_geometry=False,
                                                  **kwargs)[col]
    else:
        columns = [str(c) for c in survey.columns]
        read = lambda col: survey[col]
    named = {f: c for c, f in field_renames(columns, "land_survey").items()}
    out = {}
    for name in names:
        col = name if name in columns else named.get(name)
        if col is not None:
            out[name] = pd.to_numeric(read(col), errors="coerce").to_numpy(dtype="float64")
    return out


def _width(value: float, width: int) -> int:
    """The width a 地类编码 stored as the number ``value`` had: 2 for a 一级 code (below 100), else ``width``."""
    return 2 if width == 4 and 0 <= value < 100 else width


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
