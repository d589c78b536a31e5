"""Coastline change between surveys (岸线动态监测): class change and shoreline position change.

Two questions the plans' quarterly monitoring asks:

* :func:`coastline_change` — between two classified surveys, how much natural
  coastline became artificial (lost), how much was restored (gained), the
  retention before and after, and where: the changed stretches as a layer.
  Each piece (``spacing_m``) of the later survey takes the class of the
  nearest segment of the earlier one within ``match_m``.
* :func:`shoreline_change` — how far the shoreline moved, along transects
  cast from a baseline as USGS DSAS does: per transect NSM (net shoreline
  movement, youngest minus oldest), SCE (shoreline change envelope, the
  largest distance between any two shorelines), EPR (end point rate, NSM ÷
  years between them) and, with three or more dates, LRR (linear regression
  rate, with R²).  Positive values are seaward (accretion), negative landward
  (erosion).  Seaward advance above ``reclamation_m`` is flagged as possible
  reclamation (围填海).

Conventions (documented, as DSAS leaves them to the user):

* transects are cast perpendicular to the baseline every ``spacing_m``,
  ``length_m`` to each side; the baseline's side is ``baseline="offshore"``
  (the default: seaward is toward the baseline) or ``"onshore"``;
* where a transect crosses one survey's shoreline more than once, the
  intersection **closest to the baseline** is used (``intersection="farthest"``
  takes the other end), as DSAS's "closest" option;
* several features with the same date are one shoreline;
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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..dates import dates_of, parse_date
from ..errors import GeometryError, InputError, SchemaError
from ..schema import NATURAL_CLASSES
from ..units import M_PER_KM
from .coastline import _checked, _extent, coastline_pieces, coastline_retention
from .coverage import prepare_layers

__all__ = ["coastline_change", "shoreline_change", "transects", "decimal_year"]


def coastline_change(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    class_field: str = "class",
    include_islands: bool = False,
    estuarine: str = "artificial",
    match_m: float = 100.0,
    spacing_m: float = 50.0,
) -> tuple[dict, gpd.GeoDataFrame]:
    """Natural coastline lost and gained between two classified surveys (自然岸线变化).

    Returns ``(summary, changes)``: ``summary`` has ``retention_before``,
    ``retention_after``, ``total_km_before/after``, ``natural_km_before/after``,
    ``lost_km`` (natural → not natural), ``gained_km`` (not natural → natural),
    ``new_km`` (no earlier coastline within ``match_m``: new shore, e.g.
    reclamation) and ``removed_km``; ``changes`` is a line layer of the changed
    stretches with ``class_before``, ``class_after``, ``change`` (lost / gained /
    new / removed / reclassified) and ``length_m``.
    """
    notes: list[str] = []
    b = _checked(before, class_field, notes)
    a = _checked(after, class_field, notes)
    if not include_islands:
        b, a = (x.loc[~x["island"].fillna(False).astype(bool).to_numpy()] if "island" in x.columns else x for x in (b, a))
    anchor, moved = prepare_layers(_extent(b), {"before": b, "after": a}, notes, polygons=False,
                                   zones_name="coastline extent")
    b, a = moved["before"], moved["after"]
    kw = {"class_field": "_class", "include_islands": True, "estuarine": estuarine}
    r_before = coastline_retention(b.drop(columns=["island"], errors="ignore"), **kw)
    r_after = coastline_retention(a.drop(columns=["island"], errors="ignore"), **kw)

    natural = set(NATURAL_CLASSES) | ({"estuarine"} if estuarine == "natural" else set())
    frames = []
    for pieces, other, direction in ((coastline_pieces(a, None, spacing_m=spacing_m), b, "after"),
                                     (coastline_pieces(b, None, spacing_m=spacing_m), a, "before")):
        mids = shapely.line_interpolate_point(pieces.geometry.values, 0.5, normalized=True)
        tree = shapely.STRtree(other.geometry.values)
        found = tree.query_nearest(mids, max_distance=match_m, all_matches=False)
        other_class = np.full(len(pieces), None, dtype=object)
        other_class[found[0]] = other["_class"].to_numpy()[found[1]]
        own = pieces["class"].to_numpy(dtype=object)
        unmatched = pd.isna(other_class)
        if direction == "after":
            before_class, after_class = other_class, own
            was, now = np.isin(other_class, list(natural)), np.isin(own, list(natural))
            change = np.select(
                [unmatched, other_class == own, was & ~now, ~was & now],
                ["new", "", "lost", "gained"],
                default="reclassified",
            )
        else:  # earlier coastline with no later coastline near it
            before_class, after_class = own, np.full(len(pieces), None, dtype=object)
            change = np.where(unmatched, "removed", "")
        keep = change != ""
        frames.append(pd.DataFrame({
            "geometry": pieces.geometry.values[keep],
            "class_before": before_class[keep],
            "class_after": after_class[keep],
            "change": change[keep],
            "length_m": pieces["length_m"].to_numpy()[keep],
        }))
    rows = pd.concat(frames, ignore_index=True)
    changes = gpd.GeoDataFrame(rows, geometry="geometry", crs=a.crs)
    changes = _merge_runs(changes)
    km = changes.groupby("change")["length_m"].sum() / M_PER_KM if len(changes) else pd.Series(dtype=float)
    summary = {
        "total_km_before": r_before.total_km,
        "total_km_after": r_after.total_km,
        "natural_km_before": r_before.natural_km,
        "natural_km_after": r_after.natural_km,
        "retention_before": r_before.retention,
        "retention_after": r_after.retention,
        "lost_km": float(km.get("lost", 0.0)),
        "gained_km": float(km.get("gained", 0.0)),
        "new_km": float(km.get("new", 0.0)),
        "removed_km": float(km.get("removed", 0.0)),
        "settings": {"include_islands": include_islands, "estuarine": estuarine, "match_m": match_m},
        "notes": notes,
    }
    return summary, changes


def _merge_runs(changes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join touching pieces with the same change and classes into longer lines."""
    if not len(changes):
        return changes
    out = []
    for key, group in changes.groupby(["change", "class_before", "class_after"], dropna=False, sort=True):
        merged = shapely.line_merge(shapely.union_all(group.geometry.values))
        for part in shapely.get_parts(merged):
            out.append({"change": key[0], "class_before": key[1], "class_after": key[2], "length_m": part.length, "geometry": part})
    frame = gpd.GeoDataFrame(out, geometry="geometry", crs=changes.crs)
    for col in ("class_before", "class_after"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame[["change", "class_before", "class_after", "length_m", "geometry"]]


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
                         "a larger --spacing (DSAS uses 10–100 m)")
    for part_id, line in enumerate(parts):
        if line.length == 0:
            continue
        stations = np.arange(0.0, line.length + 1e-9, spacing_m)
        for s in stations:
            p = line.interpolate(s)
            a = line.interpolate(max(s - 1.0, 0.0))
            b = line.interpolate(min(s + 1.0, line.length))
            dx, dy = b.x - a.x, b.y - a.y
            n = np.hypot(dx, dy)
            nx, ny = -dy / n, dx / n  # left normal
            rows.append({
                "transect": len(rows),
                "baseline_part": part_id,
                "station_m": float(s),
                "geometry": shapely.LineString([(p.x - nx * length_m, p.y - ny * length_m), (p.x + nx * length_m, p.y + ny * length_m)]),
            })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=baseline.crs)


def shoreline_change(
    shorelines: gpd.GeoDataFrame,
    baseline: gpd.GeoDataFrame,
    *,
    date_field: str = "date",
    spacing_m: float = 50.0,
    length_m: float = 1000.0,
    baseline_side: str = "offshore",
    intersection: str = "closest",
    reclamation_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """Shoreline position change per transect: NSM, SCE, EPR and LRR (DSAS-style).

    Parameters
    ----------
    shorelines : dated shoreline lines (several features may share a date)
    baseline : the baseline line(s), roughly parallel to the shorelines
    date_field : the column with each shoreline's date
    spacing_m, length_m : transect spacing and half-length
    baseline_side : ``"offshore"`` (seaward = toward the baseline) or ``"onshore"``
    intersection : ``"closest"`` or ``"farthest"`` intersection from the baseline
    reclamation_m : seaward NSM above this is flagged ``possible_reclamation``

    Returns
    -------
    GeoDataFrame of transects: ``transect``, ``station_m``, ``dates`` (number),
    ``first``, ``last`` (dates), ``nsm_m``, ``sce_m``, ``epr_m_yr``, ``lrr_m_yr``,
    ``lrr_r2`` (NaN with fewer than three dates), ``possible_reclamation``;
    ``attrs["positions"]`` is the long table (transect, date, year, distance_m).
    """
    if baseline_side not in ("offshore", "onshore"):
        raise ValueError("baseline_side must be 'offshore' or 'onshore'")
    if intersection not in ("closest", "farthest"):
        raise ValueError("intersection must be 'closest' or 'farthest'")
    source = shorelines.attrs.get("source", "shorelines")
    if date_field not in shorelines.columns:
        have = ", ".join(str(c) for c in shorelines.columns if c != shorelines.geometry.name) or "none"
        raise SchemaError(f"{source}: no date field '{date_field}' (fields: {have}); fix: pass --date-field NAME")
    for gdf, what in ((shorelines, source), (baseline, baseline.attrs.get("source", "baseline"))):
        if gdf.crs is None:
            raise GeometryError(f"{what}: layer: has no CRS; fix: add a .prj or declare it (--input-crs)")
        kinds = set(gdf.geom_type.dropna())
        if not kinds <= {"LineString", "MultiLineString"}:
            raise GeometryError(f"{what}: geometry {sorted(kinds)}; fix: give lines")
        geoms = gdf.geometry.values
        if not (~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (shapely.length(geoms) > 0)).any():
            raise GeometryError(f"{what}: layer: no line with a length ({len(gdf)} features, all empty or of zero "
                                "length): no transect can be cast; fix: give the lines of the "
                                + ("baseline" if gdf is baseline else "dated shorelines"))
    # one reader for every date (2023, 45000, 2023/5/1, 20230501, 2023年5月1日; 01/02/2023 refused as ambiguous)
    dates = dates_of(shorelines, date_field, source=source)
    notes: list[str] = []
    _, moved = prepare_layers(_extent(baseline), {"shorelines": shorelines, "baseline": baseline}, notes,
                              polygons=False, zones_name="baseline extent")
    shores, base = moved["shorelines"], moved["baseline"]
    lines = transects(base, spacing_m, length_m)
    by_date = {d: shapely.union_all(shores.geometry.values[(dates == d).to_numpy()]) for d in sorted(dates.unique())}
    date_list = list(by_date)
    years = decimal_year(date_list)
    sign = -1.0 if baseline_side == "offshore" else 1.0

    starts = shapely.line_interpolate_point(lines.geometry.values, 0.5, normalized=True)  # the baseline point
    rec = []
    for d, y in zip(date_list, years):
        shore = by_date[d]
        hits = shapely.intersection(lines.geometry.values, shore)
        for t, hit in enumerate(hits):
            if hit.is_empty:
                continue
            pts = shapely.get_parts(hit)
            pts = np.concatenate([shapely.points(shapely.get_coordinates(p)) for p in pts])
            dist = shapely.distance(starts[t], pts)
            # the side of the baseline the shoreline lies on: take the chosen intersection's signed offset
            k = int(np.argmin(dist) if intersection == "closest" else np.argmax(dist))
            rec.append((t, d, y, float(dist[k])))
    positions = pd.DataFrame(rec, columns=["transect", "date", "year", "distance_m"])
    out = lines.copy()
    stats = positions.groupby("transect").apply(_rates, sign=sign, include_groups=False) if len(positions) else None
    for col in ("dates", "first", "last", "nsm_m", "sce_m", "epr_m_yr", "lrr_m_yr", "lrr_r2"):
        out[col] = stats[col].reindex(out["transect"]).to_numpy() if stats is not None else np.nan
    out["dates"] = out["dates"].fillna(0).astype(int)
    out["possible_reclamation"] = (out["nsm_m"] > reclamation_m).fillna(False).astype(bool)
    out = out[["transect", "baseline_part", "station_m", "dates", "first", "last", "nsm_m", "sce_m", "epr_m_yr",
               "lrr_m_yr", "lrr_r2", "possible_reclamation", "geometry"]]
    out.attrs["positions"] = positions
    out.attrs["notes"] = notes
    return out


def _rates(group: pd.DataFrame, sign: float) -> pd.Series:
    g = group.sort_values("year")
    # position along the seaward direction: seaward movement is positive
    pos = sign * g["distance_m"].to_numpy()
    yrs = g["year"].to_numpy()
    n = len(g)
    nsm = pos[-1] - pos[0] if n >= 2 else np.nan
    span = yrs[-1] - yrs[0] if n >= 2 else np.nan
    lrr = r2 = np.nan
    if n >= 3:
        slope, intercept = np.polyfit(yrs, pos, 1)
        fitted = slope * yrs + intercept
        ss_res = float(((pos - fitted) ** 2).sum())
        ss_tot = float(((pos - pos.mean()) ** 2).sum())
        lrr, r2 = slope, (1.0 - ss_res / ss_tot) if ss_tot > 0 else 1.0
    return pd.Series({
        "dates": n,
        "first": g["date"].iloc[0],
        "last": g["date"].iloc[-1],
        "nsm_m": nsm,
        "sce_m": float(pos.max() - pos.min()) if n >= 2 else np.nan,
        "epr_m_yr": nsm / span if n >= 2 and span > 0 else np.nan,
        "lrr_m_yr": lrr,
        "lrr_r2": r2,
    })
