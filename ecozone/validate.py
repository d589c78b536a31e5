"""Validation of layers against their kind (图层检查), returned as a report.

:func:`validate_layer` checks one layer and returns the cleaned layer and a
:class:`LayerReport` listing every :class:`Issue`.  Errors are problems ecozone
cannot measure through (no CRS, wrong geometry type, missing field, unknown
code value, duplicate ids); warnings are problems it repaired or that the user
should look at (invalid geometry repaired with ``make_valid``, empty geometry
dropped, gaps or overlaps between districts).  With ``strict=True`` the first
issue of either severity is raised as an exception.

Every issue prints as one line naming the file, the feature and the fix.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from ecozone.validate import validate_layer
>>> gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(120, 37, 120.1, 37.1)], crs=4326)
>>> clean, report = validate_layer(gdf, "district", name="districts")
>>> report.ok
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import crs as _crs
from . import dates as _dates
from .errors import CRSError, EcozoneError, GeometryError, SchemaError
from .features import ROW, describe_feature, describe_features, nonfinite_message, nonfinite_positions, without_zm
from .schema import KINDS, Field, LayerKind, normalise_codes

__all__ = [
    "Issue",
    "LayerReport",
    "ValidationReport",
    "validate_layer",
    "repair",
    "coded_field",
    "field_renames",
    "describe_features",
    "nonfinite_positions",
    "without_zm",
    "ROW",
]


_GEOM_FAMILY = {
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Point": "point",
    "MultiPoint": "point",
}

_EXC = {"crs": CRSError, "geometry": GeometryError, "schema": SchemaError}

_TRUE = {"1", "true", "t", "yes", "y", "是", "真"}
_FALSE = {"0", "false", "f", "no", "n", "否", "假", ""}


@dataclass
class Issue:
    """One problem found in a layer."""

    severity: str  # "error" or "warning"
    category: str  # "crs", "geometry" or "schema"
    rule: str  # short rule id, e.g. "missing_field"
    source: str  # file path or layer name
    feature: str  # "feature 5 (name=芝罘区)" or "layer"
    problem: str
    fix: str
    count: int = 1
    location: tuple[float, float] | None = None  # lon, lat

    def __str__(self) -> str:
        where = f" near ({self.location[0]:.5f}, {self.location[1]:.5f})" if self.location else ""
        return f"{self.source}: {self.feature}: {self.problem}{where}; fix: {self.fix}"

    def exception(self) -> EcozoneError:
        return _EXC[self.category](str(self))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = str(self)
        if self.location is not None:
            d["location"] = [round(self.location[0], 6), round(self.location[1], 6)]
        return d


@dataclass
class LayerReport:
    """What validation found and did in one layer."""

    name: str
    kind: str
    source: str
    features_read: int = 0
    features_kept: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    dropped_degenerate: int = 0  # collapsed to nothing when repaired (a ring of identical points, zero area)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what ecozone did: conversions, reprojections

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "features_read": self.features_read,
            "features_kept": self.features_kept,
            "repaired": self.repaired,
            "dropped_empty": self.dropped_empty,
            "dropped_degenerate": self.dropped_degenerate,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "notes": list(self.notes),
        }


@dataclass
class ValidationReport:
    """Validation reports of every layer of an atlas."""

    layers: list[LayerReport] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for r in self.layers for i in r.errors]

    @property
    def warnings(self) -> list[Issue]:
        return [i for r in self.layers for i in r.warnings]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "layers": [r.to_dict() for r in self.layers],
        }


class _Checker:
    def __init__(self, report: LayerReport, strict: bool):
        self.report = report
        self.strict = strict

    def add(self, severity: str, category: str, rule: str, feature: str, problem: str, fix: str, **kw: Any) -> None:
        issue = Issue(severity, category, rule, self.report.source, feature, problem, fix, **kw)
        self.report.issues.append(issue)
        if self.strict:
            raise issue.exception()


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


def _lonlat(geom: Any, crs: Any) -> tuple[float, float] | None:
    if geom is None or geom.is_empty or crs is None:
        return None
    pt = gpd.GeoSeries([geom.representative_point()], crs=crs).to_crs(_crs.WGS84).iloc[0]
    return (float(pt.x), float(pt.y))


def _rename_aliases(gdf: gpd.GeoDataFrame, kind: LayerKind, mapping: dict[str, str] | None) -> gpd.GeoDataFrame:
    renames: dict[str, str] = {}
    if mapping:
        renames.update({src: dst for dst, src in mapping.items() if src in gdf.columns and src != dst})
    renames.update(field_renames(gdf.columns, kind, taken=renames))
    return gdf.rename(columns=renames) if renames else gdf


def field_renames(columns: Any, kind: LayerKind | str, *, taken: dict[str, str] | None = None) -> dict[str, str]:
    """``{column: field}`` for the columns that hold a field of ``kind`` under another name: its Chinese name or
    an alias (any case), or its name cut to a Shapefile's 10 characters (``restoratio`` for ``restoration``,
    when no other field of the kind is cut to the same).  ``taken``: renames already decided.

    Example
    -------
    >>> field_renames(["id", "restoratio", "矿山类型"], "mine")
    {'矿山类型': 'status', 'restoratio': 'restoration'}
    """
    spec = KINDS[kind] if isinstance(kind, str) else kind
    taken = dict(taken or {})
    columns = list(columns)
    folded = {str(c).strip().casefold(): c for c in columns}
    cut = [_shapefile_cut(f.name) for f in spec.fields]
    renames: dict[str, str] = {}
    for f, short in zip(spec.fields, cut):
        if f.name in columns or f.name in taken.values():
            continue
        spellings = [f.zh, *f.aliases] + ([short] if short != f.name and cut.count(short) == 1 else [])
        for alias in spellings:
            col = folded.get(alias.casefold())
            if col is not None and col not in taken and col not in renames:
                renames[col] = f.name
                break
    return renames


def _shapefile_cut(name: str) -> str:
    """A field name as a Shapefile (DBF: 10 bytes) stores it."""
    while len(name.encode("utf-8")) > 10:
        name = name[:-1]
    return name


def _keep_family(geom: Any, family: str) -> Any:
    """Keep only the parts of ``geom`` of one family (make_valid may return collections)."""
    if geom is None or geom.is_empty:
        return geom
    if _GEOM_FAMILY.get(geom.geom_type) == family:
        return geom
    parts = [g for g in shapely.get_parts(geom) if _GEOM_FAMILY.get(g.geom_type) == family]
    if not parts:
        return shapely.Polygon() if family == "polygon" else shapely.LineString()
    if family == "polygon":
        return shapely.union_all(parts)
    if family == "line":
        return shapely.line_merge(shapely.MultiLineString([p for p in parts]))
    return shapely.MultiPoint(parts)


def repair(geoms: Any, family: Any) -> np.ndarray:
    """``make_valid`` each geometry and keep only its parts of ``family``
    (``"polygon"``, ``"line"``, ``"point"``; one per geometry or one for all).

    make_valid may return a GeometryCollection (a polygon with a spike gives
    a polygon and a line): the polygon is kept, not the whole feature lost.
    """
    geoms = np.asarray(geoms, dtype=object)
    families = np.broadcast_to(np.asarray(family, dtype=object), geoms.shape)
    return np.array([_keep_family(g, f) for g, f in zip(shapely.make_valid(geoms), families)], dtype=object)


def _coerce(series: pd.Series, f: Field) -> tuple[pd.Series, list[int]]:
    """Convert a column to the field's dtype; return it and the positions that failed."""
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


def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    name: str | None = None,
    source: str | None = None,
    strict: bool = False,
    fields: dict[str, str] | None = None,
    sliver_m2: float = 10_000.0,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Check a layer against its kind; repair what can be repaired (校验图层).

    Parameters
    ----------
    gdf : the layer as read
    kind : a key of :data:`ecozone.schema.KINDS`
    name : the layer's name in the atlas (default: the kind)
    source : what to call the layer in messages, usually its file path
    strict : raise the first issue, warnings included, instead of reporting it
    fields : mapping from ecozone's field names to the layer's column names,
        e.g. ``{"class": "岸线类型"}``
    sliver_m2 : district gaps and overlaps smaller than this are ignored

    Returns
    -------
    (clean, report) : the layer with fields renamed and coerced, codes
        normalised to English, invalid geometries repaired and empty ones
        dropped; and the :class:`LayerReport`.  When the report has errors,
        ``clean`` is the best effort and must not be measured.
    """
    if kind not in KINDS:
        raise SchemaError(
            f"{source or name or 'layer'}: layer kind {kind!r} is unknown; fix: use one of {', '.join(KINDS)}"
        )
    spec = KINDS[kind]
    source = source or f"<{name or kind}>"
    report = LayerReport(name=name or kind, kind=kind, source=source, features_read=len(gdf))
    check = _Checker(report, strict)
    gdf = gdf.copy()
    report.notes.extend(gdf.attrs.get("read_notes", []))  # what read_layer did (Z/M dropped …)
    if ROW not in gdf.columns:
        gdf[ROW] = np.arange(len(gdf))
    for ours, theirs in (fields or {}).items():
        if ours not in {f.name for f in spec.fields}:
            raise SchemaError(f"{source}: fields: {ours!r} is not a field of a {kind} layer; "
                              f"fix: map one of {', '.join(f.name for f in spec.fields)}")
        if theirs not in gdf.columns:
            have = ", ".join(str(c) for c in gdf.columns if c not in (ROW, gdf.geometry.name)) or "none"
            raise SchemaError(f"{source}: fields: {ours} = {theirs!r}, but the layer has no column {theirs!r} "
                              f"(columns: {have}); fix: name one of its columns")
    gdf = _rename_aliases(gdf, spec, fields)

    # 1. CRS
    if gdf.crs is None:
        check.add(
            "error",
            "crs",
            "missing_crs",
            "layer",
            "has no coordinate reference system",
            "add a .prj (or a CRS to the GeoPackage/GeoJSON), or declare it: crs = 'EPSG:4490' "
            "(or 'gcj02' for AMap/Gaode data) in the manifest, or --input-crs on the command line",
        )

    # Z/M: dropped (2D measures), noted
    gdf, note = without_zm(gdf)
    if note:
        report.notes.append(note)

    # 2. empty geometries: dropped, warned
    geoms = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if empty.any():
        pos = list(np.flatnonzero(empty))
        check.add(
            "warning",
            "geometry",
            "empty_geometry",
            describe_features(gdf, pos),
            f"{len(pos)} feature(s) with empty or missing geometry, dropped",
            "delete these features or draw their geometry",
            count=len(pos),
        )
        gdf = gdf.loc[~empty].copy()
        report.dropped_empty = len(pos)

    # 2b. NaN/Inf coordinates: refused by feature
    nonfinite = np.zeros(len(gdf), dtype=bool)
    bad = nonfinite_positions(gdf.geometry.values)
    if len(bad):
        nonfinite[bad] = True
        check.add("error", "geometry", "nonfinite_coordinates", describe_features(gdf, bad), *nonfinite_message(bad),
                  count=len(bad))

    # 2c. coordinates that cannot be right for the CRS (swapped axes, lon/lat labelled metres, zone prefix …)
    if gdf.crs is not None and len(gdf) and not nonfinite.any():
        found = _crs.implausible(gdf.total_bounds, gdf.crs, _crs.sample_coordinates(gdf.geometry.values), source=source)
        if found is not None:
            check.add("error", "crs", "implausible_coordinates", "layer", *found)

    # 3. geometry type
    types = gdf.geometry.geom_type.to_numpy()
    families = np.array([_GEOM_FAMILY.get(t, t) for t in types], dtype=object)
    wrong = ~np.isin(families, list(spec.geometry))
    if wrong.any():
        pos = list(np.flatnonzero(wrong))
        found = sorted(set(types[wrong]))
        check.add(
            "error",
            "geometry",
            "geometry_type",
            describe_features(gdf, pos),
            f"geometry type {'/'.join(found)} in a {kind} layer, which takes {' or '.join(spec.geometry)} geometries",
            _geometry_fix(kind, spec, found),
            count=len(pos),
        )

    # 4. invalid geometries: repaired with make_valid, counted, warned; those that collapse to nothing
    #    (a ring of identical points, a zero-area ring) dropped, named, warned
    geoms = gdf.geometry.values
    invalid = ~np.asarray(shapely.is_valid(geoms)) & ~wrong & ~nonfinite
    if invalid.any():
        pos = np.flatnonzero(invalid)
        reasons = np.asarray(shapely.is_valid_reason(geoms[invalid]), dtype=object)
        fixed = repair(geoms[invalid], families[invalid])
        gone = np.asarray(shapely.is_empty(fixed))
        new = np.array(geoms, dtype=object)
        new[invalid] = fixed
        gdf[gdf.geometry.name] = gpd.GeoSeries(list(new), index=gdf.index, crs=gdf.crs)
        kept = [int(p) for p in pos[~gone]]
        if kept:
            report.repaired = len(kept)
            check.add(
                "warning",
                "geometry",
                "invalid_geometry",
                describe_features(gdf, kept),
                f"{len(kept)} invalid geometr{'y' if len(kept) == 1 else 'ies'} ({reasons[~gone][0]}) repaired with make_valid",
                "check the repaired shapes; fix the source data (e.g. QGIS 'Fix geometries') to silence this",
                count=len(kept),
                location=_lonlat(fixed[~gone][0], gdf.crs),
            )
        dropped = [int(p) for p in pos[gone]]
        if dropped:
            n = len(dropped)
            what = "area or length" if kind != "mine" else "area, length or point"
            check.add(
                "warning",
                "geometry",
                "degenerate_geometry",
                describe_features(gdf, dropped, limit=10),
                f"{n} degenerate geometr{'y' if n == 1 else 'ies'} ({_reason(reasons[gone][0])}) with no {what} left "
                f"after repair, dropped: not counted in any figure",
                "redraw these features (a ring needs three distinct corners enclosing an area) or delete them",
                count=n,
                location=_lonlat(shapely.centroid(geoms[dropped[0]]), gdf.crs),
            )
            gdf = gdf.loc[~np.isin(np.arange(len(gdf)), dropped)].copy()
            report.dropped_degenerate = n

    # 5. required fields, 6. types and codes
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
        col = gdf[f.name]
        if f.dtype == "code" and f.codes is not None:
            lookup = f.codes.lookup()
            values = col.tolist()
            normal = [None if _isnull(v) else lookup.get(str(v).strip().casefold()) for v in values]
            unknown = [i for i, (v, n) in enumerate(zip(values, normal)) if not _isnull(v) and n is None]
            missing = [i for i, v in enumerate(values) if _isnull(v)]
            if unknown:
                bad_values = sorted({str(values[i]) for i in unknown})
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
            coerced, bad = _coerce(col, f)
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
            missing = [i for i, v in enumerate(col.tolist()) if _isnull(v) or str(v).strip() == ""]
            if missing:
                _missing_value(check, gdf, f, missing)

    # 7. duplicate ids
    if "id" in gdf.columns:
        ids = gdf["id"].astype("string")
        dup = ids.duplicated(keep=False) & ids.notna()
        if dup.any():
            pos = list(np.flatnonzero(dup.to_numpy()))
            values = sorted(set(ids[dup]))
            check.add(
                "error",
                "schema",
                "duplicate_id",
                describe_features(gdf, pos),
                f"id {', '.join(values[:5])} used by more than one feature",
                "give every feature its own id (or delete the id column to let ecozone number them)",
                count=len(pos),
            )

    # 8. districts must tile the city: gaps and overlaps
    if kind == "district" and gdf.crs is not None and not wrong.any() and len(gdf) > 1:
        _check_mosaic(gdf, check, sliver_m2)

    # 9. a layer with no features, or whose every feature was dropped, has nothing to measure: a figure of
    # zero from it would look like a measurement
    if not report.features_read:
        check.add("error", "geometry", "no_features", "layer", "has no features",
                  "give the layer with its features (or leave this layer out)")
    elif not len(gdf) and (report.dropped_empty or report.dropped_degenerate):
        dropped = report.dropped_empty + report.dropped_degenerate
        check.add(
            "error",
            "geometry",
            "no_features_left",
            "layer",
            f"none of its {report.features_read} feature(s) is left after dropping {report.dropped_empty} empty and "
            f"{report.dropped_degenerate} degenerate geometr{'y' if dropped == 1 else 'ies'}",
            "draw the features' geometry (or leave this layer out)",
        )

    report.features_kept = len(gdf)
    return gdf, report


def _reason(text: Any) -> str:
    """GEOS's is_valid_reason without the coordinates it appends: ``Too few points in geometry component``."""
    return str(text).split("[", 1)[0].strip()


def is_year_field(f: Field) -> bool:
    """A whole-number field holding a year (``year``, ``designation_year``): read by :func:`ecozone.dates.parse_year`."""
    return f.dtype == "int" and (f.name == "year" or f.name.endswith("_year"))


def _missing_value(check: _Checker, gdf: pd.DataFrame, f: Field, positions: list[int], fix: str | None = None) -> None:
    check.add(
        "error",
        "schema",
        "missing_value",
        describe_features(gdf, positions),
        f"required field '{f.name}' ({f.zh}) is empty",
        fix or f"fill in {f.name} for every feature",
        count=len(positions),
    )


def _geometry_fix(kind: str, spec: LayerKind, found: list[str]) -> str:
    if kind == "coastline" and any(_GEOM_FAMILY.get(t) == "polygon" for t in found):
        return "a coastline is a line: convert the land polygons to their boundary (QGIS 'Polygons to lines', or gdf.boundary)"
    if "polygon" in spec.geometry and any(_GEOM_FAMILY.get(t) in ("line", "point") for t in found):
        return f"give the {kind} areas as polygons, or load this file as a different layer kind"
    return f"give {' or '.join(spec.geometry)} geometries, or load this file as a different layer kind"


def _isnull(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(isinstance(v, float) and np.isnan(v))
    except TypeError:
        return False


def _check_mosaic(gdf: gpd.GeoDataFrame, check: _Checker, sliver_m2: float) -> None:
    """Report overlaps between districts and gaps inside their union."""
    if gdf.crs.is_geographic:
        b = gdf.total_bounds
        proj = gdf.to_crs(_crs.measurement_crs(tuple(b)))
    else:
        proj = gdf
    geoms = proj.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left):
        inter = shapely.intersection(geoms[left], geoms[right])
        areas = shapely.area(inter)
        for i, j, a, g in zip(left, right, areas, inter):
            if a >= sliver_m2:
                check.add(
                    "warning",
                    "geometry",
                    "district_overlap",
                    f"{describe_feature(gdf, int(i))} and {describe_feature(gdf, int(j))}",
                    f"districts overlap by {a / 10_000:.2f} ha",
                    "snap or clip the boundaries so that every place lies in exactly one district",
                    location=_lonlat(g, proj.crs),
                )
    union = shapely.union_all(geoms)
    for poly in shapely.get_parts(union):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            if hole.area >= sliver_m2:
                check.add(
                    "warning",
                    "geometry",
                    "district_gap",
                    "layer",
                    f"gap of {hole.area / 10_000:.2f} ha between districts",
                    "extend the neighbouring districts to close the gap (or add the missing district)",
                    location=_lonlat(hole, proj.crs),
                )
