"""Marine ranches (海洋牧场): count and area per sea zone or bay, red line, wind farms.

Yantai counted 14 national demonstration ranches (国家级海洋牧场示范区) in 2020
and 45 provincial-or-higher in 2022; the plans track them per sea area.
:func:`ranch_summary` gives, per zone (sea zones, districts or bays) and per
level and type: the number of ranches (each counted once, in the zone holding
most of it), their area (union, split at zone boundaries), how many overlap
the marine red line and how many of those are of a type not allowed there
(reef-type 投礁型 and enclosed-sea 围海养殖 are not among the ten activities
the red line allows), and, with a wind-farm layer, how many share a wind farm
site (风渔融合, reported as information: the plans promote it).

The ranch-by-ranch lists are :func:`ecozone.conflicts` findings with rules
``ranch_in_marine_redline`` and ``ranch_wind_farm``.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> seas = gpd.GeoDataFrame({"name": ["甲海域", "乙海域"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=4549)
>>> ranches = gpd.GeoDataFrame({"id": ["MR1"], "level": ["国家级"], "type": ["投礁型"]},
...                            geometry=[box(600, 0, 1000, 500)], crs=4549)
>>> ranch_summary(ranches, seas)[["zone", "level", "type", "ranches", "area_ha"]].values.tolist()
[['甲海域', 'national', 'reef', 1, 20.0], ['total', 'national', 'reef', 1, 20.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SchemaError
from ..units import M2_PER_HA, M2_PER_KM2
from ..validate import coded_field
from .conflicts import conflicts, of_realm
from ..prepare import OUTSIDE, TOTAL, prepare_layers
from .coverage import coverage
from .overlay import zones_union

__all__ = ["ranch_summary"]


def ranch_summary(
    ranches: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_field: str = "name",
    by: Sequence[str] = ("level", "type"),
    redline: gpd.GeoDataFrame | None = None,
    wind_farms: gpd.GeoDataFrame | None = None,
    area_method: str = "planar",
) -> pd.DataFrame:
    """Marine ranches per zone, level and type (海洋牧场统计).

    Parameters
    ----------
    ranches : ranch polygons with ``level`` (national/国家级, provincial/省级,
        city/市级) and ``type`` (reef/投礁型, enclosed/围海养殖型, …)
    zones : sea zones (:func:`ecozone.sea_zones`), districts or bays
    by : ranch fields to break down by (coded fields are normalised)
    redline : the marine red line (a ``realm`` field, if present, selects the
        marine part): adds ``in_marine_redline``, ``not_allowed_in_redline``
        and ``redline_overlap_ha``
    wind_farms : offshore wind farm sites: adds ``with_wind_farm``
    area_method : ``"planar"`` or ``"ellipsoidal"`` (on the CGCS2000 ellipsoid), as for :func:`ecozone.coverage`;
        in ``attrs["area_method"]``

    Returns
    -------
    DataFrame: ``zone``, the ``by`` fields, ``ranches`` (count, each ranch in
    the zone holding most of its area; ``outside`` when none), ``area_ha``,
    ``area_km2`` (union area inside the zone, so a ranch counted in one zone
    still has its area split across the zones it covers; ``outside`` holds the
    area in no zone), and the columns above; a ``total`` row per group with
    every ranch and the area of the group's whole union.  Groups with neither a
    ranch nor any area in a zone are left out.
    """
    source = ranches.attrs.get("source", "ranches")
    if zone_field not in zones.columns:
        raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass zone_field=NAME")
    frame = ranches.copy()
    for f in by:
        if f in ("level", "type"):
            frame[f] = coded_field(ranches, "marine_ranch", f, source=source)
        elif f not in frame.columns:
            raise SchemaError(f"{source}: no field '{f}' to break down by; fix: choose another by=")
    notes: list[str] = []
    zones_p, moved = prepare_layers(zones, {"ranches": frame}, notes, zone_field=zone_field, area_method=area_method)
    frame = moved["ranches"]
    frame[_POS] = np.arange(len(frame))  # findings name ranches by position: ids may be missing or repeat
    geoms = frame.geometry.values
    names = zones_p[zone_field].astype(str).to_numpy()
    home = _largest_zone(geoms, zones_p.geometry.values, names)
    flags = {}
    if redline is not None:
        found = conflicts(frame, redline, "ranch_in_marine_redline", layer_name="ranches", against_name="redline",
                          id_field=_POS)
        found = found[found["relation"] != "touches"]
        pos = _positions(frame, found)
        flags["in_marine_redline"] = np.isin(np.arange(len(frame)), pos)
        flags["not_allowed_in_redline"] = np.isin(np.arange(len(frame)), pos[found["severity"].to_numpy() == "violation"])
        flags["redline_overlap_ha"] = np.zeros(len(frame))  # measured per row below, on unions
    if wind_farms is not None:
        found = conflicts(frame, wind_farms, "ranch_wind_farm", layer_name="ranches", against_name="wind_farms",
                          id_field=_POS)
        found = found[found["relation"] != "touches"]
        flags["with_wind_farm"] = np.isin(np.arange(len(frame)), _positions(frame, found))

    by = list(by)
    keys = ["zone", *by]
    labels = {f: frame[f].astype("string").fillna("").astype(object).to_numpy() for f in by}
    per = pd.DataFrame({"zone": home, **labels, "ranches": 1, **flags})
    counts = per.groupby(keys, sort=False).sum(numeric_only=True).reset_index()
    totals = per.drop(columns="zone").groupby(by, sort=False).sum(numeric_only=True).reset_index() if by else \
        per.drop(columns="zone").sum(numeric_only=True).to_frame().T
    totals.insert(0, "zone", TOTAL)
    counts = pd.concat([counts, totals], ignore_index=True)
    # areas: each group's union split at the zone boundaries (a ranch counted in one zone still
    # has its area in every zone it covers), the part in no zone (outside) and the whole union (total)
    area = coverage(zones_p, frame, by=by or None, zone_field=zone_field, total=False)
    area = area[keys + ["covered_ha"]].rename(columns={"covered_ha": "area_ha"})
    zone_union = zones_union(zones_p.geometry.values)
    groups = pd.DataFrame(labels).groupby(by, sort=False).indices.items() if by else [((), np.arange(len(frame)))]
    extra = []
    for key, idx in groups:
        key = key if isinstance(key, tuple) else (key,)
        union = shapely.union_all(geoms[idx])
        rest = shapely.difference(union, zone_union).area
        extra.append({"zone": OUTSIDE, **dict(zip(by, key)), "area_ha": rest / M2_PER_HA})
        extra.append({"zone": TOTAL, **dict(zip(by, key)), "area_ha": union.area / M2_PER_HA})
    area = pd.concat([area, pd.DataFrame(extra, columns=area.columns)], ignore_index=True)
    for f in by:  # merge keys of one dtype on both sides
        area[f] = area[f].astype(object)
        counts[f] = counts[f].astype(object)
    table = counts.merge(area, on=keys, how="outer")
    table["ranches"] = table["ranches"].fillna(0).astype(int)
    for col in flags:
        table[col] = table[col].fillna(0)
    table["area_ha"] = table["area_ha"].fillna(0.0)
    # rows with neither a ranch counted nor any area (a zone the group does not reach) are left out
    table = table[(table["ranches"] > 0) | (table["area_ha"] * M2_PER_HA > 1e-6)].copy()
    table["area_km2"] = table["area_ha"] * M2_PER_HA / M2_PER_KM2
    for col in ("in_marine_redline", "not_allowed_in_redline", "with_wind_farm"):
        if col in table:
            table[col] = table[col].astype(int)
    if redline is not None:
        # the union of the row's ranches (those counted in it) inside the union of the marine red line:
        # red-line polygons that overlap each other, or ranches that do, are never counted twice
        _, red = prepare_layers(zones_p, {"redline": redline}, notes)
        red = of_realm(red["redline"], "marine")
        marine = shapely.union_all(red.geometry.values)
        overlap = []
        for _, r in table.iterrows():
            mask = np.ones(len(frame), dtype=bool) if r["zone"] == TOTAL else (home == r["zone"])
            for f in by:
                mask &= labels[f] == r[f]
            inside = shapely.intersection(shapely.union_all(geoms[mask]), marine).area if mask.any() else 0.0
            overlap.append(inside / M2_PER_HA)
        table["redline_overlap_ha"] = overlap
    order = {z: i for i, z in enumerate([*names, OUTSIDE, TOTAL])}
    table = table.sort_values(keys, key=lambda c: c.map(order) if c.name == "zone" else c, kind="stable")
    cols = [*keys, "ranches", "area_ha", "area_km2", *flags]
    table = table[cols].reset_index(drop=True)
    table.attrs["notes"] = notes
    table.attrs["area_method"] = area_method
    return table


def _largest_zone(geoms: np.ndarray, zone_geoms: np.ndarray, names: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(zone_geoms)
    gi, zi = tree.query(geoms, predicate="intersects")
    home = np.full(len(geoms), OUTSIDE, dtype=object)
    if len(gi):
        shared = shapely.area(shapely.intersection(geoms[gi], zone_geoms[zi]))
        order = np.lexsort((-shared, gi))  # per ranch, the largest share first
        gi, zi, shared = gi[order], zi[order], shared[order]
        first = np.r_[True, gi[1:] != gi[:-1]] & (shared > 0)
        home[gi[first]] = names[zi[first]]
    return home


def _positions(frame: gpd.GeoDataFrame, found: pd.DataFrame) -> np.ndarray:
    """Row positions of the ranches a findings table names (by their ``_POS``)."""
    return found["feature_id"].to_numpy(dtype=int)


#: The column that numbers the ranches for the findings.
_POS = "ranch_position"
