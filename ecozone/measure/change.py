"""Coastline change between surveys (岸线动态监测): class change and shoreline position change.

Two questions the plans' quarterly monitoring asks:

* :func:`coastline_change` — between two classified surveys, how much natural
  coastline became artificial (lost), how much was restored (gained), the
  retention before and after, and where: the changed stretches as a layer.
  Each piece (``spacing_m``) of the later survey takes the class of the
  nearest segment of the earlier one within ``match_m``.
* :func:`shoreline_change` — how far the shoreline moved, along transects
  cast from a baseline as USGS DSAS does: in :mod:`ecozone.measure.shoreline`
  (its statistics in :mod:`ecozone.measure.shoreline_stats`), importable from
  here as well with ``transects``, ``decimal_year``, ``shoreline_uncertainty``
  and ``t_quantile``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..prepare import extent_frame, prepare_layers
from ..schema import NATURAL_CLASSES
from ..units import M_PER_KM
from .coastline import checked_coastline, coastline_pieces, coastline_retention
from .shoreline import (MAX_TRANSECTS, UNCERTAINTY_FIX, decimal_year, shoreline_change,  # noqa: F401 (re-exported)
                        shoreline_uncertainty, t_quantile, transects)

__all__ = ["coastline_change", "shoreline_change", "shoreline_uncertainty", "transects", "decimal_year", "t_quantile"]

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
    b = checked_coastline(before, class_field, notes)
    a = checked_coastline(after, class_field, notes)
    if not include_islands:
        b, a = (x.loc[~x["island"].fillna(False).astype(bool).to_numpy()] if "island" in x.columns else x for x in (b, a))
    anchor, moved = prepare_layers(extent_frame(b), {"before": b, "after": a}, notes, polygons=False,
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
