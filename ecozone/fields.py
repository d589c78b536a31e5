"""The fields of a layer (字段): their names, their values, and the rules on them.

A column is found under its field's name, its Chinese name, an alias or its name cut to a
Shapefile's 10 characters (:func:`field_renames`); its values are coerced to the field's type,
coded values normalised to the English codes (:func:`coded_field`); the rules
(:func:`check_fields`, :func:`check_duplicate_ids`) report through a :class:`ecozone.issues.Checker`.

Example
-------
>>> field_renames(["id", "restoratio", "矿山类型"], "mine")
{'矿山类型': 'status', 'restoratio': 'restoration'}
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import dates as _dates
from .codes import code_array
from .errors import SchemaError
from .features import ROW, describe_feature, describe_features
from .issues import Checker
from .schema import KINDS, Field, LayerKind, normalise_codes

__all__ = [
    "coded_field",
    "field_renames",
    "rename_aliases",
    "shapefile_cut",
    "coerce",
    "is_year_field",
    "isnull",
    "check_fields",
    "check_field",
    "check_duplicate_ids",
    "repeated_ids",
]

_TRUE = {"1", "true", "t", "yes", "y", "是", "真"}
_FALSE = {"0", "false", "f", "no", "n", "否", "假", ""}


def coded_field(gdf: pd.DataFrame, kind: str, name: str, *, source: str | None = None) -> np.ndarray:
    """The English codes of a coded field (given in English, Chinese or an alias), as an object array.

    Raises :class:`SchemaError` naming the first feature whose value is missing
    or unknown and listing the allowed values, e.g. for a mine layer with a
    status ``open``.  Measurement functions call this on the raw frames they
    are given; an Atlas has already normalised its layers.
    """
    f = KINDS[kind].field(name)
    source = source or gdf.attrs.get("source", kind)
    if name not in gdf.columns:
        have = ", ".join(str(c) for c in gdf.columns if c != "geometry") or "none"
        raise SchemaError(f"{source}: no field '{name}' ({f.zh}) (fields: {have}); fix: rename the column holding it to '{name}'")
    values = gdf[name].tolist()
    codes = np.array(normalise_codes(f.codes, values), dtype=object)
    bad = np.flatnonzero(pd.isna(codes))
    if len(bad):
        pos = int(bad[0])
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SchemaError(
            f"{source}: {describe_feature(gdf, pos)}: {name} {values[pos]!r} unknown{more}; fix: use one of {f.codes.describe()}"
        )
    return codes


def rename_aliases(gdf: gpd.GeoDataFrame, kind: LayerKind, mapping: dict[str, str] | None) -> gpd.GeoDataFrame:
    """``gdf`` with the columns of ``mapping`` (ecozone's name → the layer's column) and those found by
    :func:`field_renames` renamed to their fields."""
    renames: dict[str, str] = {}
    if mapping:
        renames.update({src: dst for dst, src in mapping.items() if src in gdf.columns and src != dst})
    renames.update(field_renames(gdf.columns, kind, taken=renames))
    return gdf.rename(columns=renames) if renames else gdf


def field_renames(columns: Any, kind: LayerKind | str, *, taken: dict[str, str] | None = None) -> dict[str, str]:
    """``{column: field}`` for the columns that hold a field of ``kind`` under another name: its own name in
    another case (``dlbm`` for ``DLBM``, as PostGIS and ``ogr2ogr -lco LAUNDER`` write it), its Chinese name or an
    alias (any case), or one of those cut to a Shapefile's 10 bytes (``restoratio`` for ``restoration``;
    ``座落单位代`` for ``座落单位代码`` in a GBK file), when no other field of the kind is cut to the same.
    ``taken``: renames already decided.

    Example
    -------
    >>> field_renames(["id", "restoratio", "矿山类型"], "mine")
    {'矿山类型': 'status', 'restoratio': 'restoration'}
    """
    spec = KINDS[kind] if isinstance(kind, str) else kind
    taken = dict(taken or {})
    columns = list(columns)
    folded = {str(c).strip().casefold(): c for c in columns}
    cuts = {f.name: {shapefile_cut(n, enc) for n in (f.name, f.zh, *f.aliases) for enc in _DBF_ENCODINGS} - {f.name, f.zh, *f.aliases}
            for f in spec.fields}
    shared = {c for name, mine in cuts.items() for c in mine if any(c in theirs for other, theirs in cuts.items() if other != name)}
    renames: dict[str, str] = {}
    for f in spec.fields:
        if f.name in columns or f.name in taken.values():
            continue
        spellings = [f.name, f.zh, *f.aliases, *sorted(cuts[f.name] - shared)]
        for alias in spellings:
            col = folded.get(alias.casefold())
            if col is not None and col not in taken and col not in renames:
                renames[col] = f.name
                break
    return renames


#: The encodings a Shapefile's field names are cut in: UTF-8 (3 bytes a CJK character) and GBK (2).
_DBF_ENCODINGS = ("utf-8", "gbk")


def shapefile_cut(name: str, encoding: str = "utf-8") -> str:
    """A field name as a Shapefile (DBF: 10 bytes in the file's encoding) stores it."""
    while len(name.encode(encoding, errors="replace")) > 10:
        name = name[:-1]
    return name


def coerce(series: pd.Series, f: Field) -> tuple[pd.Series, list[int]]:
    """Convert a column to the field's dtype; return it and the positions that failed."""
    fast = _coerce_plain(series, f)
    if fast is not None:
        return fast, []
    bad: list[int] = []
    values = list(series)
    out: list[Any] = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(None)
            continue
        try:
            if f.dtype == "int":
                fv = float(v)
                if not fv.is_integer():
                    raise ValueError
                out.append(int(fv))
            elif f.dtype == "float":
                out.append(float(v))
            elif f.dtype == "bool":
                if isinstance(v, (bool, np.bool_)):
                    out.append(bool(v))
                elif str(v).strip().casefold() in _TRUE:
                    out.append(True)
                elif str(v).strip().casefold() in _FALSE:
                    out.append(False)
                else:
                    raise ValueError
            else:
                out.append(v)
        except (TypeError, ValueError):
            bad.append(i)
            out.append(None)
    if f.dtype == "int":
        return pd.Series(out, index=series.index, dtype="Int64"), bad
    if f.dtype == "float":
        return pd.Series(out, index=series.index, dtype="float64"), bad
    if f.dtype == "bool":
        return pd.Series(out, index=series.index, dtype="boolean"), bad
    return pd.Series(out, index=series.index, dtype="object"), bad


def _coerce_plain(series: pd.Series, f: Field) -> pd.Series | None:
    """:func:`coerce` of a numpy bool, integer or float column, whose every value converts: the same
    values without a Python loop (None: do it value by value)."""
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
    if not kind:
        return None
    if f.dtype == "bool" and kind == "b":
        return pd.Series(series.to_numpy(), index=series.index, dtype="boolean")
    if f.dtype == "float" and kind in "biuf":  # NaN stays missing
        return pd.Series(series.to_numpy(dtype="float64"), index=series.index, dtype="float64")
    if f.dtype == "int" and kind in "biu":
        values = series.to_numpy()
        # coerce goes through float: beyond 2**53 it rounds, so leave those to it
        if len(values) == 0 or np.abs(values.astype("float64")).max() <= 2.0**53:
            return pd.Series(values.astype("int64"), index=series.index, dtype="Int64")
    return None


def is_year_field(f: Field) -> bool:
    """A whole-number field holding a year (``year``, ``designation_year``): read by :func:`ecozone.dates.parse_year`."""
    return f.dtype == "int" and (f.name == "year" or f.name.endswith("_year"))


def isnull(v: Any) -> bool:
    """A missing value: None, ``pd.NA`` or a float NaN."""
    if v is None or v is pd.NA:
        return True
    try:
        return bool(isinstance(v, float) and np.isnan(v))
    except TypeError:
        return False


def check_fields(gdf: gpd.GeoDataFrame, spec: LayerKind, check: Checker) -> None:
    """Rules 5 and 6: every required field present; every field's values of its type, codes known
    (normalised to English in place)."""
    for f in spec.fields:
        if f.name not in gdf.columns:
            if f.required:
                have = ", ".join(str(c) for c in gdf.columns if c not in (ROW, gdf.geometry.name)) or "none"
                check.add(
                    "error",
                    "schema",
                    "missing_field",
                    "layer",
                    f"required field '{f.name}' ({f.zh}) is missing (fields present: {have})",
                    f"add a '{f.name}' or '{f.zh}' column, or map your column to it (fields: {{{f.name} = \"<your column>\"}})",
                )
            continue
        check_field(gdf, f, check)


def check_field(gdf: gpd.GeoDataFrame, f: Field, check: Checker) -> None:
    """Rule 6 for one field present in the layer: coerce its values in place, report those that fail."""
    col = gdf[f.name]
    if f.dtype == "code" and f.codes is not None:
        _check_codes(gdf, f, col, check)
    elif is_year_field(f):
        coerced, bad_years = _dates.years_of(col)
        if bad_years:
            bad = [p for p, _ in bad_years]
            check.add(
                "error",
                "schema",
                "bad_year",
                describe_features(gdf, bad),
                f"{f.name} ({f.zh}): {bad_years[0][1]}",
                _dates.YEAR_FIX,
                count=len(bad),
            )
        gdf[f.name] = coerced
        if f.required and coerced.isna().any() and not bad_years:
            _missing_value(check, gdf, f, list(np.flatnonzero(coerced.isna().to_numpy())))
    elif f.dtype in ("int", "float", "bool"):
        coerced, bad = coerce(col, f)
        if bad:
            check.add(
                "error",
                "schema",
                "bad_value",
                describe_features(gdf, bad),
                f"{f.name} value {col.iloc[bad[0]]!r} is not a{'n' if f.dtype == 'int' else ''} {f.dtype}",
                f"give {f.name} ({f.zh}) as {'a whole number' if f.dtype == 'int' else 'a number' if f.dtype == 'float' else 'true/false (是/否)'}",
                count=len(bad),
            )
        gdf[f.name] = coerced
        if f.required and coerced.isna().any() and not bad:
            _missing_value(check, gdf, f, list(np.flatnonzero(coerced.isna().to_numpy())))
    elif f.required:
        missing = [i for i, v in enumerate(col.tolist()) if isnull(v) or str(v).strip() == ""]
        if missing:
            _missing_value(check, gdf, f, missing)


def _check_codes(gdf: gpd.GeoDataFrame, f: Field, col: pd.Series, check: Checker) -> None:
    normal, null = code_array(f.codes, col, isnull)  # each distinct value looked up once
    unknown = np.flatnonzero(~null & pd.isna(normal)).tolist()
    missing = np.flatnonzero(null).tolist()
    if unknown:
        bad_values = sorted({str(v) for v in col.iloc[unknown].tolist()})
        check.add(
            "error",
            "schema",
            "unknown_code",
            describe_features(gdf, unknown),
            f"{f.name} value{'s' if len(bad_values) > 1 else ''} {', '.join(repr(v) for v in bad_values[:5])} "
            f"not in the {f.codes.name} list",
            f"use one of {f.codes.describe()}",
            count=len(unknown),
        )
    if missing and f.required:
        _missing_value(check, gdf, f, missing, f"fill it with one of {f.codes.describe()}")
    gdf[f.name] = pd.Series(normal, index=gdf.index, dtype="object")


def _missing_value(check: Checker, gdf: pd.DataFrame, f: Field, positions: list[int], fix: str | None = None) -> None:
    check.add(
        "error",
        "schema",
        "missing_value",
        describe_features(gdf, positions),
        f"required field '{f.name}' ({f.zh}) is empty",
        fix or f"fill in {f.name} for every feature",
        count=len(positions),
    )


def _all_distinct(ids: pd.Series) -> bool:
    """No id present twice (text).  Arrow-backed text, as read_layer gives it: sorted and each compared with
    the next, a million ids in 0.07 s where pandas' hash table takes 0.19 s."""
    to_arrow = getattr(ids.array, "__arrow_array__", None)
    if to_arrow is None or not len(ids):
        return bool(ids.dropna().is_unique)
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = to_arrow()
    except (UnicodeEncodeError, pa.ArrowInvalid):  # text Arrow cannot hold (a lone surrogate): pandas' hash table
        return bool(ids.dropna().is_unique)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    ordered = values.take(pc.array_sort_indices(values))
    return not pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py()  # missing ids compare as null: skipped


def repeated_ids(ids: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(positions of the features whose id another feature has too, those ids sorted): ids compared as text,
    missing ids never repeated.  The usual case, every id distinct, is told in one pass (:func:`_all_distinct`)."""
    if not isinstance(ids.dtype, pd.StringDtype):  # a text column already compares as text
        ids = ids.astype("string")
    if _all_distinct(ids):
        return np.empty(0, dtype=np.int64), []
    dup = ids.duplicated(keep=False) & ids.notna()
    return np.flatnonzero(dup.to_numpy()), sorted(set(ids[dup]))


def check_duplicate_ids(gdf: gpd.GeoDataFrame, check: Checker) -> None:
    """Rule 7: no id used by two features."""
    if "id" not in gdf.columns:
        return
    pos, values = repeated_ids(gdf["id"])
    if len(pos):
        pos = list(pos)
        check.add(
            "error",
            "schema",
            "duplicate_id",
            describe_features(gdf, pos),
            f"id {', '.join(values[:5])} used by more than one feature",
            "give every feature its own id (or delete the id column to let ecozone number them)",
            count=len(pos),
        )
