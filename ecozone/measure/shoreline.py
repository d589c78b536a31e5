"""Shoreline position change along transects (岸线位置变化, as USGS DSAS).

:func:`shoreline_change` measures how far the shoreline moved, along transects
cast from a baseline as USGS DSAS does, across any number of dated shorelines:
per transect NSM (net shoreline movement, youngest minus oldest), SCE
(shoreline change envelope, the largest distance between any two shorelines),
EPR (end point rate, NSM ÷ years between them, with its uncertainty from the
two shorelines' uncertainties) and, with three or more dates, LRR (linear
regression rate, with R², standard error of the estimate and the 95 %
confidence interval of the rate) and WLR (the same, weighted by
1/uncertainty²). Positive values are seaward (accretion), negative landward
(erosion). Seaward advance above ``reclamation_m`` is flagged as possible
reclamation (围填海).

Conventions (documented, as DSAS leaves them to the user):

* transects are cast perpendicular to the baseline every ``spacing_m``,
  ``length_m`` to each side;
* every distance from the baseline is **signed, seaward positive** (DSAS's
  convention), whichever side of the shorelines the baseline lies: an
  offshore baseline gives negative distances, a shoreline that advances past
  it positive ones (−100 m → +50 m is NSM +150 m);
* the sea's side is decided once for each baseline part (a connected line of
  the baseline), never shoreline by shoreline: on each transect the
  earliest shoreline crossing it lies on one side of the baseline; the side
  most of the part's transects agree on is the shorelines' side. With
  ``baseline_side="offshore"`` (the default) the sea is on the other side,
  with ``"onshore"`` on that side. The earliest shoreline rather than all of
  them: a later survey that crossed the baseline (the reclamation the flag
  is for) must not move the sea, and with two dates a median of all
  positions would lie between them (−100 → +150 would put the sea inland);
* where a transect crosses one date's shoreline more than once, the
  intersection **closest to the baseline** is used (``intersection="farthest"``
  takes the farthest from it), as DSAS's "closest" option;
* several features with the same date are one shoreline (each crossing keeps
  its own feature's uncertainty);
* dates become decimal years: year + (day of year − 1) ÷ days in that year.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> base = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])], crs=32617)
>>> shores = gpd.GeoDataFrame({"date": ["2000-01-01", "2010-01-01"]},
...     geometry=[LineString([(0, 100), (1000, 100)]), LineString([(0, 130), (1000, 130)])], crs=32617)
>>> rates = shoreline_change(shores, base, spacing_m=500, length_m=300)
>>> rates["nsm_m"].round(3).tolist(), rates["epr_m_yr"].round(3).tolist()
([-30.0, -30.0, -30.0], [-3.0, -3.0, -3.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import crs as _crs
from ..dates import dates_of, parse_date
from ..errors import CRSError, GeometryError, InputError, SchemaError
from ..features import describe_feature
from ..prepare import extent_frame, prepare_layers
from .shoreline_stats import STAT_COLUMNS, t_quantile, transect_statistics

__all__ = ["shoreline_change", "shoreline_uncertainty", "transects", "decimal_year", "t_quantile", "MAX_TRANSECTS",
           "UNCERTAINTY_FIX"]

def decimal_year(dates) -> np.ndarray:
    """Decimal years: year + (day of year − 1) ÷ days in that year (2000-07-02 → 2000.5).

    Dates are read by :func:`ecozone.dates.parse_date` (a bare year 2023 is 2023-01-01, never 1970 plus
    2023 nanoseconds).
    """
    d = pd.Series(pd.to_datetime(pd.Series([parse_date(v) for v in dates], dtype="object"), errors="raise"))
    days = np.where(d.dt.is_leap_year, 366.0, 365.0)
    return (d.dt.year + (d.dt.day_of_year - 1) / days).to_numpy(dtype=float)


#: The most transects one baseline may be cast into (1,000 km at 1 m): beyond, a typo in the spacing, not a survey.
MAX_TRANSECTS = 1_000_000


def transects(baseline: gpd.GeoDataFrame, spacing_m: float = 50.0, length_m: float = 1000.0) -> gpd.GeoDataFrame:
    """Lines perpendicular to the baseline every ``spacing_m``, ``length_m`` to each side.

    Each transect's ``station_m`` is its distance along the baseline part it
    starts from; its direction is the baseline's local normal (left of the
    baseline's direction is positive ``offset``).
    """
    rows = []
    parts = shapely.get_parts(shapely.line_merge(shapely.union_all(baseline.geometry.values)))
    count = int(sum(part.length // spacing_m + 1 for part in parts))
    if count > MAX_TRANSECTS:
        raise InputError(f"{baseline.attrs.get('source', 'baseline')}: {count:,} transects at {spacing_m:g} m spacing along "
                         f"{sum(p.length for p in parts) / 1000:,.1f} km of baseline (at most {MAX_TRANSECTS:,}); fix: "
                         "a larger spacing_m= (DSAS uses 10–100 m)")
    for part_id, line in enumerate(parts):
        if line.length == 0:
            continue
        stations = np.arange(0.0, line.length + 1e-9, spacing_m)
        p = shapely.get_coordinates(shapely.line_interpolate_point(line, stations))
        a = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(stations - 1.0, 0.0)))
        b = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(stations + 1.0, line.length)))
        d = b - a
        normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]  # left normal
        ends = np.stack([p - normal * length_m, p + normal * length_m], axis=1)
        rows.append(pd.DataFrame({"baseline_part": part_id, "station_m": stations.astype(float),
                                  "geometry": shapely.linestrings(ends)}))
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        {"baseline_part": pd.Series(dtype=int), "station_m": pd.Series(dtype=float), "geometry": []})
    frame.insert(0, "transect", np.arange(len(frame)))
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=baseline.crs)


def shoreline_change(
    shorelines: gpd.GeoDataFrame | Sequence[gpd.GeoDataFrame],
    baseline: gpd.GeoDataFrame,
    *,
    date_field: str = "date",
    spacing_m: float = 50.0,
    length_m: float = 1000.0,
    baseline_side: str = "offshore",
    intersection: str = "closest",
    reclamation_m: float = 100.0,
    uncertainty_field: str | None = None,
    default_uncertainty_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Shoreline position change per transect, DSAS-style: NSM, SCE, EPR, LRR, WLR and their uncertainties.

    Parameters
    ----------
    shorelines : dated shoreline lines: one layer holding every date, or a list
        of layers (one per survey, or several dates each); several features may
        share a date (they are one shoreline)
    baseline : the baseline line(s), roughly parallel to the shorelines
    date_field : the column with each shoreline's date (in every layer)
    spacing_m, length_m : transect spacing and half-length
    baseline_side : ``"offshore"`` (the baseline lies seaward of the shorelines) or ``"onshore"``
    intersection : ``"closest"`` or ``"farthest"`` crossing from the baseline, where a
        transect crosses one date's shoreline more than once
    reclamation_m : seaward NSM above this is flagged ``possible_reclamation``
    uncertainty_field : column with each shoreline feature's positional uncertainty (m);
        an empty or 0 value takes ``default_uncertainty_m`` (as DSAS does)
    default_uncertainty_m : the uncertainty of shorelines without their own (DSAS's
        "default data uncertainty"); with neither, the uncertainty columns are NaN

    Returns
    -------
    GeoDataFrame of transects: ``transect``, ``baseline_part``, ``station_m``,
    ``dates`` (number of shorelines crossed), ``first``, ``last`` (dates),
    ``nsm_m``, ``sce_m``, ``epr_m_yr``, ``epr_unc_m_yr`` (two or more dates),
    ``lrr_m_yr``, ``lrr_r2``, ``lrr_se_m``, ``lrr_ci95_m_yr``, ``wlr_m_yr``,
    ``wlr_r2``, ``wlr_se_m``, ``wlr_ci95_m_yr`` (three or more dates; NaN
    otherwise), ``possible_reclamation``.  ``attrs["positions"]`` is the long
    table (``transect``, ``date``, ``year``, ``distance_m`` signed seaward
    positive, ``uncertainty_m``); ``attrs["sea_side"]`` maps each baseline part
    to the side of it (``"left"``/``"right"`` of its direction) taken as the sea;
    ``attrs["notes"]`` says what was assumed.

    Notes
    -----
    Every distance is signed, seaward positive (DSAS's convention): a shoreline
    that advances past an offshore baseline, or retreats past an onshore one,
    changes sign and its movement is measured in full.  The side of the sea is
    decided once per baseline part (see the module's conventions), never per
    shoreline.  Statistics follow the DSAS v5 user guide (Himmelstoss et al.):
    ``epr_unc = sqrt(U_first² + U_last²) / years between``; LSE
    ``= sqrt(Σ(y − ŷ)² / (n − 2))``; LCI95 ``= t(0.975, n − 2) · LSE /
    sqrt(Σ(x − x̄)²)``; WLR is the weighted least-squares slope with weights
    ``w = 1/U²``, WR2 its weighted R², WSE ``= sqrt(Σw(y − ŷ)² / (n − 2))`` and
    WCI95 ``= t(0.975, n − 2) · WSE / sqrt(Σw(x − x̄_w)²)``.  With weights
    ``1/U²`` the WSE is a ratio to the uncertainty, not metres, whatever its
    column's name says: about 1 when the residuals are as large as the stated
    uncertainties.
    """
    if baseline_side not in ("offshore", "onshore"):
        raise ValueError("baseline_side must be 'offshore' or 'onshore'")
    if intersection not in ("closest", "farthest"):
        raise ValueError("intersection must be 'closest' or 'farthest'")
    if default_uncertainty_m is not None and not (np.isfinite(default_uncertainty_m) and default_uncertainty_m > 0):
        raise InputError(f"default uncertainty {default_uncertainty_m!r} m: not a positive number; fix: give the "
                         "shorelines' positional uncertainty in metres, e.g. default_uncertainty_m=10")
    layers = [shorelines] if isinstance(shorelines, gpd.GeoDataFrame) else list(shorelines)
    if not layers:
        raise InputError("shorelines: no layer given; fix: give the dated shorelines")
    base_source = baseline.attrs.get("source", "baseline")
    _check_lines(baseline, base_source, "baseline")
    notes: list[str] = []
    frames = []
    for layer in layers:
        source = layer.attrs.get("source", "shorelines")
        if date_field not in layer.columns:
            have = ", ".join(str(c) for c in layer.columns if c != layer.geometry.name) or "none"
            raise SchemaError(f"{source}: no date field '{date_field}' (fields: {have}); fix: pass date_field=NAME")
        _check_lines(layer, source, "dated shorelines")
        # one reader for every date (2023, 45000, 2023/5/1, 20230501, 2023年5月1日; 01/02/2023 refused as ambiguous)
        dates = dates_of(layer, date_field, source=source)
        unc = shoreline_uncertainty(layer, uncertainty_field, default_uncertainty_m, source=source)
        frame = gpd.GeoDataFrame({"_date": dates.to_numpy(), "_unc": unc}, geometry=layer.geometry.values, crs=layer.crs)
        if len(layers) > 1 and not frame.crs.equals(baseline.crs):  # the layers join in the baseline's CRS
            notes.append(f"{source} reprojected from {_crs.short_label(frame.crs)} to {_crs.short_label(baseline.crs)} "
                         "to join the other shorelines")
            frame = frame.to_crs(baseline.crs)
        frames.append(frame)
    shores = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    shores.attrs["source"] = " + ".join(str(x.attrs.get("source", "shorelines")) for x in layers)
    if uncertainty_field is None and default_uncertainty_m is None:
        notes.append("no shoreline uncertainty given (uncertainty field or default uncertainty): epr_unc_m_yr and the "
                     "weighted regression (wlr_*) are left empty")
    n_dates = shores["_date"].nunique()
    if n_dates < 2:
        notes.append(f"the shorelines have {n_dates} date{'s' if n_dates != 1 else ''}: no movement can be measured "
                     "(two dates give NSM/EPR, three or more the regressions)")
    _, moved = prepare_layers(extent_frame(baseline), {"shorelines": shores, "baseline": baseline}, notes,
                              polygons=False, zones_name="baseline extent")
    shores, base = moved["shorelines"], moved["baseline"]
    lines = transects(base, spacing_m, length_m)
    positions, sea_side = _positions(lines, shores, baseline_side, intersection, notes)

    out = lines.copy()
    stats = transect_statistics(positions)
    for col in STAT_COLUMNS:
        out[col] = stats[col].reindex(out["transect"]).to_numpy() if len(stats) else np.nan
    out["dates"] = out["dates"].fillna(0).astype(int)
    out["possible_reclamation"] = (out["nsm_m"] > reclamation_m).fillna(False).astype(bool)
    out = out[["transect", "baseline_part", "station_m", *STAT_COLUMNS, "possible_reclamation", "geometry"]]
    out.attrs["positions"] = positions
    out.attrs["sea_side"] = sea_side
    out.attrs["notes"] = notes
    return out


#: What the uncertainty messages ask for.
UNCERTAINTY_FIX = ("give each shoreline's positional uncertainty as a number of metres above 0 (e.g. 10), or leave it "
                   "empty and pass default_uncertainty_m=")


def _check_lines(gdf: gpd.GeoDataFrame, what: str, role: str) -> None:
    if gdf.crs is None:
        raise CRSError(f"{what}: layer: has no CRS; fix: add a .prj or declare it (declared_crs=EPSG:xxxx when reading)")
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= {"LineString", "MultiLineString"}:
        raise GeometryError(f"{what}: geometry {sorted(kinds)}; fix: give lines")
    geoms = gdf.geometry.values
    if not (~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (shapely.length(geoms) > 0)).any():
        raise GeometryError(f"{what}: layer: no line with a length ({len(gdf)} features, all empty or of zero "
                            f"length): no transect can be cast; fix: give the lines of the {role}")


def shoreline_uncertainty(shorelines: pd.DataFrame, field: str | None, default_m: float | None = None, *,
                          source: str | None = None) -> np.ndarray:
    """Each shoreline feature's positional uncertainty (m): its ``field`` value, else ``default_m``, else NaN.

    As in DSAS, an empty or 0 value takes the default uncertainty.  Raises
    :class:`SchemaError` naming the file, the feature and the fix for a missing
    field, a value that is no number, a negative or infinite one, or an empty
    value without a default.

    Example
    -------
    >>> import pandas as pd
    >>> shoreline_uncertainty(pd.DataFrame({"unc": [5, None, "7.5", 0]}), "unc", 10.0).tolist()
    [5.0, 10.0, 7.5, 10.0]
    """
    source = source or shorelines.attrs.get("source", "shorelines")
    default = np.nan if default_m is None else float(default_m)
    if field is None:
        return np.full(len(shorelines), default)
    if field not in shorelines.columns:
        have = ", ".join(str(c) for c in shorelines.columns if c != getattr(shorelines, "_geometry_column_name", None)
                         and c != "geometry") or "none"
        raise SchemaError(f"{source}: no uncertainty field '{field}' (fields: {have}); fix: pass uncertainty_field= "
                          "with the column of uncertainties (m), or leave it out and pass default_uncertainty_m=")
    raw = shorelines[field]
    text = raw.astype("string").str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float)
    empty = raw.isna().to_numpy() | (text == "").fillna(True).to_numpy()
    bad = np.flatnonzero(~empty & (np.isnan(values) | ~np.isfinite(values) | (values < 0)))
    if len(bad):
        pos = int(bad[0])
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        value = raw.iloc[pos]
        shown = repr(value) if isinstance(value, str) else str(value.item() if hasattr(value, "item") else value)
        raise SchemaError(f"{source}: {describe_feature(shorelines, pos)}: {field} {shown} is not an "
                          f"uncertainty{more}; fix: {UNCERTAINTY_FIX}")
    use_default = empty | (values == 0)
    if use_default.any() and default_m is None:
        pos = int(np.flatnonzero(use_default)[0])
        n = int(use_default.sum())
        more = f" (and {n - 1} more)" if n > 1 else ""
        what = "is empty" if empty[pos] else "is 0"
        raise SchemaError(f"{source}: {describe_feature(shorelines, pos)}: {field} {what}{more}; fix: {UNCERTAINTY_FIX}")
    return np.where(use_default, default, values)


def _positions(lines: gpd.GeoDataFrame, shores: gpd.GeoDataFrame, baseline_side: str, intersection: str,
               notes: list[str]) -> tuple[pd.DataFrame, dict[int, str]]:
    """Signed positions (seaward positive) of each date's shoreline along each transect, and the sea's side per part."""
    columns = ["transect", "date", "year", "distance_m", "uncertainty_m"]
    geoms = lines.geometry.values
    ends = shapely.get_coordinates(geoms).reshape(-1, 2, 2)  # each transect: its start (right) and end (left)
    origin = ends.mean(axis=1)  # the baseline point
    unit = (ends[:, 1] - ends[:, 0]) / np.hypot(*(ends[:, 1] - ends[:, 0]).T)[:, None]  # the baseline's left normal
    # the shorelines cut into their straight segments: each transect meets a few short lines, not whole surveys
    parts, owner = shapely.get_parts(shores.geometry.values, return_index=True)
    coords, vertex_of = shapely.get_coordinates(parts, return_index=True)
    inner = vertex_of[:-1] == vertex_of[1:]
    segments = shapely.linestrings(np.stack([coords[:-1][inner], coords[1:][inner]], axis=1))
    segment_owner = owner[vertex_of[:-1][inner]]
    t_idx, s_idx = shapely.STRtree(segments).query(geoms, predicate="intersects")
    hits = shapely.intersection(geoms[t_idx], segments[s_idx])
    xy, which = shapely.get_coordinates(hits, return_index=True)
    if not len(xy):
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}), {}
    t = t_idx[which]
    f = segment_owner[s_idx[which]]
    offset = ((xy - origin[t]) * unit[t]).sum(axis=1)  # signed, positive on the baseline's left
    pts = pd.DataFrame({"transect": lines["transect"].to_numpy()[t], "date": shores["_date"].to_numpy()[f],
                        "offset": offset, "uncertainty_m": shores["_unc"].to_numpy(dtype=float)[f]})
    pts["reach"] = pts["offset"].abs()
    # one crossing per transect and date: the closest to (or farthest from) the baseline, ties by offset
    pts = pts.sort_values(["transect", "date", "reach", "offset"], kind="mergesort")
    pts = pts.drop_duplicates(["transect", "date"], keep="first" if intersection == "closest" else "last")

    # the sea's side, once per baseline part: the earliest shoreline crossing each transect lies landward of an
    # offshore baseline (the sea is on the other side), seaward of an onshore one; the part's transects vote
    part_of = pd.Series(lines["baseline_part"].to_numpy(), index=lines["transect"].to_numpy())
    earliest = pts.sort_values(["transect", "date"], kind="mergesort").drop_duplicates("transect", keep="first")
    offsets = earliest["offset"].to_numpy()
    side = np.where(np.abs(offsets) > 1e-6, np.sign(offsets), 0.0)  # a shoreline on the baseline takes no side
    vote = pd.DataFrame({"part": part_of.reindex(earliest["transect"].to_numpy()).to_numpy(), "side": side,
                         "offset": earliest["offset"].to_numpy()})
    sea_sign: dict[int, float] = {}
    sea_side: dict[int, str] = {}
    for part, g in vote.groupby("part", sort=True):
        total = g["side"].sum()
        shore_sign = np.sign(total) if total != 0 else np.sign(g["offset"].sum())
        undecided = shore_sign == 0
        shore_sign = shore_sign if not undecided else 1.0
        sign = -shore_sign if baseline_side == "offshore" else shore_sign
        sea_sign[int(part)] = float(sign)
        sea_side[int(part)] = "left" if sign > 0 else "right"
        if undecided:
            notes.append(f"baseline part {part}: the earliest shorelines lie on neither side of it; the sea is taken "
                         f"to be on its {sea_side[int(part)]}")
        sided = g["side"] != 0
        agree = float((g["side"][sided] == shore_sign).mean()) if sided.any() else 0.0
        if agree < 0.9:
            notes.append(
                f"baseline part {part}: the earliest shoreline lies on the {'left' if shore_sign > 0 else 'right'} of "
                f"the baseline at only {agree:.0%} of its {int(sided.sum())} measured transects; the sea is taken "
                f"to be on its {sea_side[int(part)]} throughout — where the baseline lies offshore along one stretch and "
                "onshore along another, measure each stretch in a run of its own, with its own baseline side")
    sign_of = part_of.map(sea_sign)
    pts["distance_m"] = pts["offset"].to_numpy() * sign_of.reindex(pts["transect"].to_numpy()).to_numpy()
    days = pd.unique(pts["date"])
    pts["year"] = pts["date"].map(dict(zip(days, decimal_year(list(days)))))
    positions = pts[columns].sort_values(["transect", "year"], kind="mergesort").reset_index(drop=True)
    return positions, sea_side
