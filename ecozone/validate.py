"""Validation of layers against their kind (图层检查), returned as a report.

:func:`validate_layer` checks one layer and returns the cleaned layer and a
:class:`LayerReport` listing every :class:`Issue`.  Errors are problems ecozone
cannot measure through (no CRS, wrong geometry type, missing field, unknown
code value, duplicate ids); warnings are problems it repaired or that the user
should look at (invalid geometry repaired with ``make_valid``, empty geometry
dropped, gaps or overlaps between districts).  With ``strict=True`` the first
issue of either severity is raised as an exception.

The rules are in :mod:`ecozone.checks` (geometry, CRS) and :mod:`ecozone.fields` (fields, codes),
one function per rule; the report classes in :mod:`ecozone.issues`; geometry repair in
:mod:`ecozone.repair`.  Their public names are importable from here as before.

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

import geopandas as gpd
import numpy as np

from .checks import (
    check_crs,
    check_geometry_type,
    check_mosaic,
    check_nonfinite,
    check_not_empty,
    check_plausible,
    drop_empty,
    repair_invalid,
)
from .crs import is_measurement_crs
from .errors import SchemaError
from .features import ROW, describe_features, nonfinite_positions, without_zm
from .fields import check_duplicate_ids, check_fields, coded_field, field_renames, rename_aliases
from .fields import is_year_field  # noqa: F401  (importable from here as before)
from .line_overlaps import ask_in_background
from .issues import Checker, Issue, LayerReport, ValidationReport
from .repair import repair
from .schema import KINDS

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

def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    name: str | None = None,
    source: str | None = None,
    strict: bool = False,
    fields: dict[str, str] | None = None,
    sliver_m2: float = 10_000.0,
    coordinates_checked: bool = False,
    drawn_twice_ahead: bool = False,
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
    coordinates_checked : the caller has just read ``gdf`` with :func:`ecozone.io.read_layer`, which
        refused NaN/Inf coordinates and coordinates that cannot be right for the CRS and dropped Z/M:
        they are not checked twice (a million features: 0.25 s)
    drawn_twice_ahead : a coastline retention measure follows: its check for segments drawn twice
        (:func:`ecozone.line_overlaps.segments_apart`) starts now on another core, and the measure finds the
        answer (a coastline layer in the CRS it is measured in)

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
    check = Checker(report, strict)
    gdf = gdf.copy()
    report.notes.extend(gdf.attrs.get("read_notes", []))  # what read_layer did (Z/M dropped …)
    if ROW not in gdf.columns:
        gdf[ROW] = np.arange(len(gdf))
    _check_mapping(gdf, kind, fields, source)
    gdf = rename_aliases(gdf, spec, fields)

    check_crs(gdf, check)  # 1
    if not coordinates_checked:  # read_layer dropped Z/M already, and noted it (read_notes above)
        gdf, note = without_zm(gdf)  # Z/M: dropped (2D measures), noted
        if note:
            report.notes.append(note)
    gdf = drop_empty(gdf, check)  # 2
    if coordinates_checked:  # read_layer refused them already
        nonfinite = np.zeros(len(gdf), dtype=bool)
    else:
        nonfinite = check_nonfinite(gdf, check)  # 2b
        if not nonfinite.any():
            check_plausible(gdf, check, source)  # 2c
    if drawn_twice_ahead and kind == "coastline" and len(gdf) > 1 and is_measurement_crs(gdf.crs):
        ask_in_background(np.asarray(gdf.geometry.values))  # the measure's drawn-twice check, now on another core
    families, wrong = check_geometry_type(gdf, kind, spec, check)  # 3
    gdf = repair_invalid(gdf, kind, families, wrong | nonfinite, check)  # 4
    check_fields(gdf, spec, check)  # 5, 6
    check_duplicate_ids(gdf, check)  # 7
    if kind == "district" and gdf.crs is not None and not wrong.any() and len(gdf) > 1 and np.isfinite(sliver_m2):
        check_mosaic(gdf, check, sliver_m2)  # 8 (sliver_m2=inf: zones that need not tile, nothing to report)
    check_not_empty(gdf, check)  # 9

    report.features_kept = len(gdf)
    return gdf, report


def _check_mapping(gdf: gpd.GeoDataFrame, kind: str, fields: dict[str, str] | None, source: str) -> None:
    """``fields`` maps fields of the kind to columns the layer has."""
    spec = KINDS[kind]
    for ours, theirs in (fields or {}).items():
        if ours not in {f.name for f in spec.fields}:
            raise SchemaError(f"{source}: fields: {ours!r} is not a field of a {kind} layer; "
                              f"fix: map one of {', '.join(f.name for f in spec.fields)}")
        if theirs not in gdf.columns:
            have = ", ".join(str(c) for c in gdf.columns if c not in (ROW, gdf.geometry.name)) or "none"
            raise SchemaError(f"{source}: fields: {ours} = {theirs!r}, but the layer has no column {theirs!r} "
                              f"(columns: {have}); fix: name one of its columns")
