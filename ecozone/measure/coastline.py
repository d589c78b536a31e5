"""Natural-coastline retention (自然岸线保有率): lengths by class, per city, district and bay.

Retention = (natural + restored-to-natural) length ÷ total length of the
**mainland** coastline (海岸线保护与利用管理办法, 2017).  Islands are left out
unless asked.  The estuarine class (河口岸线) is a setting:

* ``"artificial"`` (default) — in the total, not natural: the national formula
  divides natural length by the whole mainland coastline;
* ``"natural"`` — counted as natural (some provinces do);
* ``"exclude"`` — neither in the numerator nor in the total.

A segment belongs to the district whose coast it is: each segment is cut into
short pieces (``spacing_m``) and every piece goes to the district nearest to
its midpoint, so a segment crossing a district boundary is split there.  A
piece belongs to a bay when it lies inside the bay polygon or within
``bay_tolerance_m`` of it.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> result = ecozone.coastline_retention(atlas["coastline"], zones=atlas["districts"])
>>> round(result.total_km), 0 < result.retention < 1
(610, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..line_overlaps import DRAWN_TWICE_M, lines_may_share, segments_apart
from ..errors import CRSError, GeometryError, SchemaError
from ..geometry import LINEAL, POLYGONAL
from ..codes import normalised_codes
from ..schema import COASTLINE_CLASSES, ESTUARINE_RULES, NATURAL_CLASSES
from ..units import M_PER_KM
from ..prepare import extent_frame, prepare_layers

__all__ = ["coastline_retention", "Retention", "ESTUARINE_RULES", "coastline_pieces"]

# ESTUARINE_RULES (from ecozone.schema, where the CLI and the audit config read them too): how the estuarine
# class (河口岸线) counts, see the module docstring.

_CLASSES = COASTLINE_CLASSES.codes


@dataclass
class Retention:
    """The result of :func:`coastline_retention`.

    ``by_class``: class, label, length_km, share of the total; ``by_zone`` and
    ``by_bay``: one row per zone/bay with ``total_km``, ``natural_km``,
    ``retention``, a ``<class>_km`` column per class and ``coastline`` (which coastline
    the figures are on: ``mainland``, or ``mainland and islands`` with ``include_islands``).
    """

    total_km: float
    natural_km: float
    retention: float
    by_class: pd.DataFrame
    by_zone: pd.DataFrame | None = None
    by_bay: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``total_km``, ``natural_km``, ``retention`` (0–1), ``by_class``, ``by_zone``, ``by_bay``."""

        from ..json_values import json_records, json_value

        def records(df):  # NaN (a district without coast) -> null, figures unrounded
            return None if df is None else json_records(df, None)

        return {
            "total_km": self.total_km,
            "natural_km": self.natural_km,
            "retention": json_value(self.retention),
            "settings": self.settings,
            "by_class": records(self.by_class),
            "by_zone": records(self.by_zone),
            "by_bay": records(self.by_bay),
            "notes": self.notes,
        }


#: Which coastline a figure is on, as the tables and reports say it.
MAINLAND = "mainland"
MAINLAND_AND_ISLANDS = "mainland and islands"


def coastline_label(include_islands: bool) -> str:
    """``mainland``, or ``mainland and islands`` when island shoreline is counted."""
    return MAINLAND_AND_ISLANDS if include_islands else MAINLAND


def coastline_retention(
    coastline: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    bays: gpd.GeoDataFrame | None = None,
    *,
    class_field: str = "class",
    include_islands: bool = False,
    estuarine: str = "artificial",
    zone_field: str = "name",
    bay_field: str = "name",
    bay_tolerance_m: float = 500.0,
    spacing_m: float = 50.0,
) -> Retention:
    """Coastline length by class and the natural-coastline retention rate (自然岸线保有率).

    Parameters
    ----------
    coastline : coastline segments (lines) with a class field (English codes or
        Chinese: 基岩, 砂质, 人工 …) and optionally a boolean ``island`` field
    zones : districts: adds ``by_zone`` (segments split at district boundaries)
    bays : bay polygons: adds ``by_bay``
    class_field : the column holding the class (e.g. ``"岸线类型"``)
    include_islands : count island shoreline too (default: mainland only)
    estuarine : ``"artificial"`` (default), ``"natural"`` or ``"exclude"``
    bay_tolerance_m : coastline within this distance of a bay polygon belongs to the bay
    spacing_m : length of the pieces segments are cut into for zones and bays

    Returns
    -------
    :class:`Retention`; ``to_dict()`` for JSON.
    """
    if estuarine not in ESTUARINE_RULES:
        raise ValueError(f"estuarine must be one of {', '.join(ESTUARINE_RULES)}, not {estuarine!r}")
    settings = {"include_islands": include_islands, "estuarine": estuarine, "bay_tolerance_m": bay_tolerance_m}
    notes: list[str] = []
    lines = checked_coastline(coastline, class_field, notes)
    anchor = zones if zones is not None else extent_frame(lines)
    anchor, moved = prepare_layers(
        anchor, {"coastline": lines}, notes, polygons=False, zones_name="zones" if zones is not None else "coastline extent"
    )
    lines = moved["coastline"]
    _check_duplicates(lines, coastline.attrs.get("source", "coastline"))
    counted_rows = slice(None)  # the segments counted: all, or the mainland ones
    if not include_islands and "island" in lines.columns:
        island = lines["island"].fillna(False).astype(bool).to_numpy()
        if island.any():
            notes.append(f"{int(island.sum())} island segment(s) left out (include_islands=False)")
            counted_rows = ~island
    elif not include_islands:
        notes.append("no 'island' field: every segment counted as mainland")
    # each segment's class as its position in _CLASSES (one pass over the strings), then integer masks:
    # the same rows, in the same order, as comparing the strings, so the same sums
    positions, found = pd.factorize(lines["_class"].to_numpy()[counted_rows])
    kind = np.array([_CLASSES.index(c) for c in found] + [-1], dtype=np.int64)[positions]
    of_class = {c: kind == k for k, c in enumerate(_CLASSES)}
    lengths = shapely.length(np.asarray(lines.geometry.values)[counted_rows])

    counted = ~of_class["estuarine"] | (estuarine != "exclude")  # _counted
    natural = np.logical_or.reduce([of_class[c] for c in NATURAL_CLASSES]) | (of_class["estuarine"] & (estuarine == "natural"))  # _natural
    total_m = float(lengths[counted].sum())
    natural_m = float(lengths[counted & natural].sum())
    by_class = pd.DataFrame(
        {
            "class": list(_CLASSES),
            "label": [COASTLINE_CLASSES.label(c) for c in _CLASSES],
            "length_km": [float(lengths[of_class[c]].sum()) / M_PER_KM for c in _CLASSES],
        }
    )
    by_class["natural"] = [c in NATURAL_CLASSES or (c == "estuarine" and estuarine == "natural") for c in _CLASSES]
    by_class["counted"] = [c != "estuarine" or estuarine != "exclude" for c in _CLASSES]
    by_class["share"] = by_class["length_km"] / (total_m / M_PER_KM) if total_m > 0 else 0.0
    by_class.loc[~by_class["counted"], "share"] = 0.0

    by_zone = by_bay = None
    if zones is not None or bays is not None:
        lines = lines if isinstance(counted_rows, slice) else lines.loc[counted_rows]
        pieces = coastline_pieces(lines, anchor if zones is not None else None, zone_field=zone_field, spacing_m=spacing_m)
        if zones is not None:
            by_zone = _table(pieces, "zone", list(anchor[zone_field].astype(str)), estuarine)
        if bays is not None:
            if bay_field not in bays.columns:
                raise SchemaError(f"bays: no field '{bay_field}' to name the bays; fix: pass bay_field=")
            _, moved = prepare_layers(anchor, {"bays": bays}, notes)
            bay_geoms = moved["bays"].geometry.values
            bay_names = list(moved["bays"][bay_field].astype(str))
            mids = shapely.line_interpolate_point(pieces.geometry.values, 0.5, normalized=True)
            tree = shapely.STRtree(bay_geoms)
            pi, bi = tree.query(mids, predicate="dwithin", distance=bay_tolerance_m)
            in_bay = pieces.iloc[pi].assign(zone=[bay_names[i] for i in bi])
            by_bay = _table(in_bay, "zone", bay_names, estuarine).rename(columns={"zone": "bay"})
    # every table says which coastline its figures are on
    which = coastline_label(include_islands)
    for table in (by_zone, by_bay):
        if table is not None:
            table["coastline"] = which
    return Retention(
        total_km=total_m / M_PER_KM,
        natural_km=natural_m / M_PER_KM,
        retention=natural_m / total_m if total_m > 0 else float("nan"),
        by_class=by_class,
        by_zone=by_zone,
        by_bay=by_bay,
        settings=settings,
        notes=notes,
    )


def coastline_pieces(
    lines: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, *, zone_field: str = "name", spacing_m: float = 50.0
) -> gpd.GeoDataFrame:
    """Cut segments into pieces of at most ``spacing_m`` and give each the nearest zone.

    ``lines`` must be in a projected CRS and carry ``_class``; the result has
    ``segment`` (row position in ``lines``), ``class``, ``zone`` and ``length_m``.
    """
    geoms = lines.geometry.values
    dense = shapely.segmentize(geoms, spacing_m)
    # consecutive vertices of the same line part form one piece
    part_geoms, parts = shapely.get_parts(dense, return_index=True)
    part_coords, part_idx = shapely.get_coordinates(part_geoms, return_index=True)
    same = part_idx[1:] == part_idx[:-1]
    starts, ends = part_coords[:-1][same], part_coords[1:][same]
    seg = parts[part_idx[:-1][same]]
    pieces = shapely.linestrings(np.stack([starts, ends], axis=1))
    frame = gpd.GeoDataFrame(
        {"segment": seg, "class": lines["_class"].to_numpy()[seg], "length_m": shapely.length(pieces)},
        geometry=pieces,
        crs=lines.crs,
    )
    if zones is not None and len(zones) and len(frame):
        mids = (starts + ends) / 2
        tree = shapely.STRtree(zones.geometry.values)
        nearest = tree.query_nearest(shapely.points(mids), all_matches=False)[1]
        frame["zone"] = zones[zone_field].astype(str).to_numpy()[nearest]
    else:
        frame["zone"] = None
    return frame


def _table(pieces: pd.DataFrame, key: str, order: list[str], estuarine: str) -> pd.DataFrame:
    classes = pieces["class"].to_numpy()
    counted = _counted(classes, estuarine)
    natural = counted & _natural(classes, estuarine)
    frame = pd.DataFrame(
        {
            key: pieces[key].to_numpy(),
            "total": np.where(counted, pieces["length_m"], 0.0),
            "natural": np.where(natural, pieces["length_m"], 0.0),
            **{c: np.where(classes == c, pieces["length_m"], 0.0) for c in _CLASSES},
        }
    )
    sums = frame.groupby(key, sort=False).sum().reindex(list(dict.fromkeys(order)), fill_value=0.0) / M_PER_KM
    out = pd.DataFrame({key: sums.index, "total_km": sums["total"].to_numpy(), "natural_km": sums["natural"].to_numpy()})
    out["retention"] = np.divide(out["natural_km"], out["total_km"], out=np.full(len(out), np.nan), where=out["total_km"] > 0)
    for c in _CLASSES:
        out[f"{c}_km"] = sums[c].to_numpy()
    return out.reset_index(drop=True)


def _counted(classes: np.ndarray, estuarine: str) -> np.ndarray:
    return (classes != "estuarine") | (estuarine != "exclude")


def _natural(classes: np.ndarray, estuarine: str) -> np.ndarray:
    natural = np.isin(classes, NATURAL_CLASSES)
    if estuarine == "natural":
        natural |= classes == "estuarine"
    return natural


def checked_coastline(coastline: gpd.GeoDataFrame, class_field: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Lines only, a known class on every segment; adds ``_class`` (English code)."""
    source = coastline.attrs.get("source", "coastline")
    if coastline.crs is None:
        raise CRSError(f"{source}: layer: has no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)")
    geoms = np.asarray(coastline.geometry.values)  # shapely's functions on the array itself, not through pandas
    types = shapely.get_type_id(geoms)
    empty = (types == shapely.GeometryType.MISSING) | shapely.is_empty(geoms)
    if empty.any():
        notes.append(f"{int(empty.sum())} empty coastline segment(s) ignored")
    polygons = np.flatnonzero(np.isin(types, POLYGONAL) & ~empty)
    if len(polygons):
        raise GeometryError(
            f"{source}: feature {feature_label(coastline, polygons[0])}: a polygon, but the coastline is a line; "
            "fix: take the polygon's outline (GeoDataFrame.boundary, or QGIS 'Polygons to lines') and give each segment a class"
        )
    if not np.isin(types[~empty], LINEAL).all():
        bad = np.flatnonzero(~np.isin(types, LINEAL) & ~empty)[0]
        raise GeometryError(f"{source}: feature {feature_label(coastline, bad)}: not a line; fix: give the coastline as lines")
    if class_field not in coastline.columns:
        have = ", ".join(str(c) for c in coastline.columns if c != coastline.geometry.name) or "none"
        raise SchemaError(f"{source}: no class field '{class_field}' (fields: {have}); fix: pass class_field=NAME")
    codes = normalised_codes(COASTLINE_CLASSES, coastline[class_field])  # each distinct value looked up once
    bad = np.flatnonzero(pd.isna(codes) & ~empty).tolist()
    if bad:
        shown = ", ".join(f"{feature_label(coastline, i)} ({coastline[class_field].iloc[i]!r})" for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise SchemaError(
            f"{source}: {len(bad)} segment(s) with a missing or unknown class: {shown}{more}; "
            f"fix: use one of {COASTLINE_CLASSES.describe()}"
        )
    # the caller's frame is never changed: a shallow copy gets the new columns (copy-on-write does the rest)
    out = (coastline.loc[~empty] if empty.any() else coastline).copy(deep=False)
    # as Python strings (object): pandas would otherwise convert a million of them to its text type (0.07 s)
    out["_class"] = pd.Series(codes[~empty], index=out.index, dtype=object)
    out["_row"] = np.flatnonzero(~empty)  # position in the user's file, for messages
    return out


def _check_duplicates(lines: gpd.GeoDataFrame, source: str, tolerance_m: float = DRAWN_TWICE_M) -> None:
    """Refuse segments that run along each other (drawn twice): they would double the length."""
    geoms = np.asarray(lines.geometry.values)
    if len(geoms) < 2:
        return
    if segments_apart(geoms, tolerance_m):  # the usual case, told without a tree
        return
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms)  # boxes only; neighbours that merely share an end point drop out next
    keep = a < b
    a, b = a[keep], b[keep]
    keep = lines_may_share(geoms, a, b, tolerance_m)  # only pairs with collinear stretches go on to GEOS
    a, b = a[keep], b[keep]
    along = shapely.relate_pattern(geoms[a], geoms[b], "1********")  # interiors share a line
    a, b = a[along], b[along]
    if not len(a):
        return
    shared = shapely.length(shapely.intersection(geoms[a], geoms[b]))
    dup = shared > tolerance_m
    if dup.any():
        pairs = [(int(i), int(j), float(s)) for i, j, s in zip(a[dup], b[dup], shared[dup])]
        rows = lines["_row"].to_numpy()
        shown = "; ".join(f"{feature_label(lines, i, rows[i])} and {feature_label(lines, j, rows[j])} share {s:,.0f} m" for i, j, s in pairs[:3])
        more = f" (and {len(pairs) - 3} more pairs)" if len(pairs) > 3 else ""
        raise GeometryError(
            f"{source}: {len(pairs)} pair(s) of segments overlap — they would count twice: {shown}{more}; "
            "fix: delete the duplicate segments (or dissolve the coastline per class)"
        )


def feature_label(gdf: pd.DataFrame, pos: int, shown: int | None = None) -> str:
    """``12 (id=S3)``: the feature's position (``shown``, else ``pos``) and its id when there is one."""
    label = gdf["id"].iloc[int(pos)] if "id" in gdf.columns else None
    number = int(pos if shown is None else shown)
    return f"{number} (id={label})" if label is not None else str(number)
