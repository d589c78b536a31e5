"""Coverage of zones by a layer (覆盖率): how much of each district a layer covers.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> table = ecozone.coverage(atlas["districts"], atlas["redline_land"], by="type")
>>> table.columns.tolist()[:3], table["zone"].iloc[-1]
(['zone', 'type', 'zone_area_ha'], 'total')
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import crs as _crs
from ..errors import CRSError, GeometryError, SchemaError
from .._options import resolve_engine
from ..units import M2_PER_HA, M2_PER_KM2, M2_PER_MU
from ..validate import ROW, repair
from .overlay import covered_area, dissolve, overlapping_pairs, threaded

__all__ = ["coverage", "TOTAL", "OUTSIDE", "RESERVED_ZONE_NAMES", "check_zone_names", "prepare_layers", "projected"]

_log = logging.getLogger("ecozone")

#: The ``zone`` value of the totals row.
TOTAL = "total"
#: The ``zone`` value of what lies in none of the zones (restoration on tidal flats, ranches at sea …).
OUTSIDE = "outside"
#: Zone names the tables keep for their own rows, with what each row is (compared case-folded, spaces stripped).
RESERVED_ZONE_NAMES = {TOTAL: "the city-wide row", OUTSIDE: "the row of what lies outside every zone"}


def check_zone_names(zones: gpd.GeoDataFrame, zone_field: str, name: str = "zones") -> None:
    """Refuse a zone named like a row the tables keep for themselves (``total``, ``outside``; any case,
    surrounding spaces ignored): it would take over the city-wide row.  A missing field is left to the caller."""
    if zone_field not in zones.columns or not len(zones):
        return
    names = zones[zone_field]
    folded = names.astype("string").str.strip().str.casefold()
    bad = folded.isin(list(RESERVED_ZONE_NAMES)).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        row = int(zones[ROW].iloc[pos]) if ROW in zones.columns else pos
        value, what = names.iloc[pos], RESERVED_ZONE_NAMES[folded.iloc[pos]]
        raise SchemaError(f"{zones.attrs.get('source', name)}: feature {row}: zone name {value!r} is reserved for {what}; "
                          "fix: rename the zone or pick another --zone-field")


def prepare_layers(
    zones: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    notes: list[str],
    *,
    polygons: bool = True,
    zones_name: str = "zones",
    zones_polygons: bool = True,
    zone_field: str | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Bring zones and layers into one projected measurement CRS; repair invalid polygons.

    Zones in a geographic CRS move to the Gauss-Krüger zone of their centre;
    a layer in another CRS is reprojected to the zones'.  What was done is
    appended to ``notes`` (and logged).  Zones must be polygons; so must the
    layers unless ``polygons=False`` (conflicts check points and lines too)
    and the zones unless ``zones_polygons=False`` (the zones are then the
    layer the others are measured against, e.g. mines or a coastline).
    With ``zone_field`` (the zones name the rows of a table with ``total`` /
    ``outside`` rows), a zone named like those rows is refused
    (:func:`check_zone_names`).
    """
    _check_input(zones, zones_name, polygons=zones_polygons)
    if zone_field is not None:
        check_zone_names(zones, zone_field, zones_name)
    zones = projected(zones, zones_name, notes)
    target = zones.crs
    zones = _repair(zones, zones_name, notes)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, layer in layers.items():
        _check_input(layer, name, polygons=polygons)
        if not layer.crs.equals(target):
            _note(notes, f"{name} reprojected from {_crs.short_label(layer.crs)} to {_crs.short_label(target)}")
            layer = layer.to_crs(target)
        out[name] = _repair(layer, name, notes)
    return zones, out


def projected(gdf: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    """``gdf`` itself if its CRS is fit for measuring, else reprojected to the Gauss-Krüger zone
    of its centre (noted)."""
    if gdf.crs is None:
        _check_input(gdf, name, polygons=False)
    if _measurable(gdf.crs):
        return gdf
    target = _crs.measurement_crs(_crs.lonlat_bounds(gdf)) if len(gdf) else _crs.gk_zone_crs(120)
    _note(notes, f"{name} reprojected from {_crs.short_label(gdf.crs)} to {_crs.short_label(target)} for measuring")
    return gdf.to_crs(target)


def _check_input(gdf: gpd.GeoDataFrame, name: str, *, polygons: bool = True) -> None:
    """Refuse a frame without CRS, or with geometries that are not polygons, naming its file."""
    source = gdf.attrs.get("source", name)
    if gdf.crs is None:
        raise CRSError(f"{source}: layer: has no CRS; fix: add a .prj or declare it (--input-crs / crs = ...)")
    if polygons:
        refuse_non_polygon_layer(gdf.geometry.values, source)


def refuse_non_polygon_layer(geoms: Any, source: str, rows: np.ndarray | None = None) -> None:
    """Raise GeometryError naming the first feature of a layer to measure that is not a polygon."""
    refuse_non_polygons(geoms, source, "coverage measures polygons",
                        "buffer lines or points first if their area is meant", rows=rows)


def refuse_non_polygons(geoms: Any, source: str, why: str, hint: str, rows: np.ndarray | None = None) -> None:
    """Raise GeometryError naming the first feature that is neither a polygon nor missing
    (by its position, or by ``rows[position]`` when the geometries are some rows of a file)."""
    types = shapely.get_type_id(geoms)  # ids, not names: no million strings
    wrong = (types != 3) & (types != 6) & (types != -1)  # Polygon, MultiPolygon, missing
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        if rows is not None:
            pos, geoms = int(rows[pos]), {int(rows[pos]): geoms[pos]}
        raise GeometryError(f"{source}: feature {pos}: geometry type {geoms[pos].geom_type}, "
                            f"but {why}; fix: give a polygon layer ({hint})")


def _measurable(crs: Any) -> bool:
    """True for a projected CRS in metres that is not a Mercator (see check_measurement_crs)."""
    try:
        _crs.check_measurement_crs(crs)
    except CRSError:
        return False
    return True


def _note(notes: list[str], text: str) -> None:
    notes.append(text)
    _log.info(text)


def _repair(gdf: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    gdf, empty, invalid = repaired(gdf)
    repair_notes(name, empty, invalid, notes)
    return gdf


def repaired(gdf: gpd.GeoDataFrame, counted: np.ndarray | None = None) -> tuple[gpd.GeoDataFrame, int, int]:
    """``gdf`` without empty geometries and with invalid polygons made valid:
    ``(frame, empty geometries dropped, polygons repaired)``, counting only the rows ``counted``
    marks (all by default)."""
    geoms = gdf.geometry.values
    counted = np.ones(len(gdf), dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    empty = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dropped = int((empty & counted).sum())
    if empty.any():
        gdf = gdf.loc[~empty]
        geoms = gdf.geometry.values
        counted = counted[~empty]
    # is_valid on all CPUs: the one pass over every feature of a large layer
    invalid = ~threaded(shapely.is_valid, geoms) & np.isin(shapely.get_type_id(geoms), [3, 6])  # polygons only
    if invalid.any():
        fixed = np.array(geoms, dtype=object)
        fixed[invalid] = repair(fixed[invalid], "polygon")
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(list(fixed), index=gdf.index, crs=gdf.crs)
    return gdf, dropped, int((invalid & counted).sum())


def repair_notes(name: str, empty: int, invalid: int, notes: list[str]) -> None:
    """Say what :func:`repaired` did to layer ``name``."""
    if empty:
        _note(notes, f"{name}: {empty} empty geometr{'y' if empty == 1 else 'ies'} ignored")
    if invalid:
        _note(notes, f"{name}: {invalid} invalid polygon(s) repaired with make_valid")


def coverage(
    zones: gpd.GeoDataFrame | str | os.PathLike,
    layer: Any,
    by: str | Sequence[str] | None = None,
    *,
    zone_field: str = "name",
    grid_size: float | None = None,
    total: bool = True,
    engine: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Area of a layer inside each zone and the share of the zone it covers (覆盖面积与覆盖率).

    The layer is dissolved first, so overlapping polygons are never counted
    twice, and the totals row is measured on the union of the zones — it equals
    the union's area, never a sum of rows.  Zones that overlap each other
    (functional zones such as 开发区 over districts) are allowed and flagged in
    ``zone_overlaps``.

    Parameters
    ----------
    zones : polygons to measure in (districts, sea zones, bays …), or their file
    layer : the polygon layer to measure (a GeoDataFrame or a file path), or
        ``{name: layer}`` for several at once: one table with a column block
        per layer, prefixed ``name_``.  With ``engine="dask"`` also a
        dask-geopandas GeoDataFrame or a (Geo)Parquet / GeoPackage path.
    by : field(s) of the layer to break the figures down by (e.g. red-line ``type``)
    zone_field : column of ``zones`` naming each zone (default ``name``)
    grid_size : precision grid for the clipping overlay, in metres (None: exact)
    total : add a totals row (``zone == "total"``)
    engine : ``"geopandas"`` (in memory) or ``"dask"`` (see :mod:`ecozone.dask_engine`);
        default :data:`ecozone.options.engine <ecozone.options.Options.engine>`
    client, partitions, progress : for the dask engine: a ``distributed.Client``
        or scheduler address, the number of spatial partitions, a progress bar on stderr

    Returns
    -------
    DataFrame with ``zone``, ``zone_area_ha``, ``covered_ha``, ``covered_km2``,
    ``covered_mu``, ``covered_share`` (0–1), ``zone_overlaps`` and the ``by``
    field(s).  ``df.attrs["notes"]`` says what was reprojected or repaired.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> zones = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=4549)
    >>> red = gpd.GeoDataFrame(geometry=[box(500, 0, 1500, 1000), box(600, 0, 1400, 1000)], crs=4549)
    >>> coverage(zones, red)[["zone", "covered_ha", "covered_share"]].to_dict("records")
    [{'zone': '甲', 'covered_ha': 50.0, 'covered_share': 0.5}, {'zone': '乙', 'covered_ha': 50.0, 'covered_share': 0.5}, {'zone': 'total', 'covered_ha': 100.0, 'covered_share': 0.5}]
    """
    dask = resolve_engine(engine) == "dask"
    single = not isinstance(layer, Mapping)
    layers = {"layer": layer} if single else dict(layer)
    by_fields = [by] if isinstance(by, str) else list(by or [])
    zones = as_frame(zones)
    if dask:
        from ..dask_engine import partitioned

        layers = {name: partitioned(lyr, name, partitions=partitions) for name, lyr in layers.items()}
    else:
        layers = {name: as_frame(lyr) for name, lyr in layers.items()}
    if zone_field not in zones.columns:
        have = ", ".join(str(c) for c in zones.columns if c != zones.geometry.name) or "none"
        raise SchemaError(f"zones: no field '{zone_field}' to name the zones (fields: {have}); fix: pass --zone-field NAME")
    for name, lyr in layers.items():
        missing = [f for f in by_fields if f not in lyr.columns]
        if missing:
            have = ", ".join(str(c) for c in lyr.columns if c != lyr.geometry.name) or "none"
            raise SchemaError(f"{name}: no field '{missing[0]}' to break down by (fields: {have}); fix: choose one of those for --by")
    notes: list[str] = []
    zones, frames = prepare_layers(zones, {} if dask else layers, notes, zone_field=zone_field if total else None)

    zone_geoms = zones.geometry.values
    zone_names = zones[zone_field].astype(str).to_numpy()
    zone_area = shapely.area(zone_geoms)
    flags = np.zeros(len(zones), dtype=bool)
    if len(zones) > 1:
        left, right = overlapping_pairs(zone_geoms)
        flags[left] = True
        flags[right] = True
        if flags.any():
            _note(notes, f"{int(flags.sum())} zones overlap other zones: their rows must not be added up")
    base = pd.DataFrame({"zone": zone_names, "zone_area_ha": zone_area / M2_PER_HA, "zone_overlaps": flags})
    all_zones, denominators = zone_geoms, zone_area
    if total:  # measured on the union of the zones, never summed from the rows
        union = shapely.union_all(zone_geoms, grid_size=grid_size) if len(zones) else shapely.Polygon()
        base = pd.concat(
            [base, pd.DataFrame({"zone": [TOTAL], "zone_area_ha": [union.area / M2_PER_HA], "zone_overlaps": [False]})],
            ignore_index=True,
        )
        all_zones = np.append(zone_geoms, [union])
        denominators = np.append(zone_area, [union.area])

    blocks = []
    for name, lyr in layers.items():
        if dask:
            from ..dask_engine import coverage_by_key

            covered_by_key = coverage_by_key(lyr, all_zones, zones.crs, by_fields, notes, grid_size=grid_size,
                                             client=client, partitions=partitions, progress=progress)
        else:
            covered_by_key = covered_by_group(frames[name], all_zones, by_fields, grid_size=grid_size)
        frames_ = []
        for key in sorted(covered_by_key):
            covered = covered_by_key[key]
            frame = base.copy()
            for f, v in zip(by_fields, key):
                frame[f] = v
            frame["covered_ha"] = covered / M2_PER_HA
            frame["covered_km2"] = covered / M2_PER_KM2
            frame["covered_mu"] = covered / M2_PER_MU
            frame["covered_share"] = np.divide(covered, denominators, out=np.zeros_like(covered), where=denominators > 0)
            frames_.append(frame)
        if not frames_:  # an empty layer with a breakdown: no categories, no rows
            frames_ = [base.iloc[0:0].assign(**{f: pd.Series(dtype="string") for f in by_fields},
                                              covered_ha=0.0, covered_km2=0.0, covered_mu=0.0, covered_share=0.0)]
        block = pd.concat(frames_, ignore_index=True)
        blocks.append((name, block))

    cols = ["zone", *by_fields, "zone_area_ha", "covered_ha", "covered_km2", "covered_mu", "covered_share", "zone_overlaps"]
    if single:
        result = blocks[0][1][cols].reset_index(drop=True)
    else:
        keys = ["zone", *by_fields, "zone_area_ha", "zone_overlaps"]
        result = None
        for name, block in blocks:
            renamed = block.rename(columns={c: f"{name}_{c}" for c in ("covered_ha", "covered_km2", "covered_mu", "covered_share")})
            result = renamed if result is None else result.merge(renamed, on=keys, how="outer")
        order = {z: i for i, z in enumerate([*zone_names, TOTAL])}
        result = result.assign(_order=result["zone"].map(order)).sort_values(["_order", *by_fields], kind="stable")
        result = result.drop(columns="_order").reset_index(drop=True)
        order = ["zone", *by_fields, "zone_area_ha"] + [c for c in result.columns if c not in keys] + ["zone_overlaps"]
        result = result[order]
    result.attrs["notes"] = notes
    return result


def covered_by_group(
    layer: gpd.GeoDataFrame, zones: np.ndarray, by_fields: Sequence[str], *, grid_size: float | None = None
) -> dict[tuple[str, ...], np.ndarray]:
    """The coverage kernel: ``{by-field values: area covered in each zone}`` (m², one per zone).

    Each group of the layer is dissolved, then clipped by the zones.  The dask
    engine runs this same function on each spatial partition.
    """
    if by_fields:
        keys = layer[list(by_fields)].astype("string").fillna("")
        groups = layer.groupby([keys[f] for f in by_fields], sort=False, dropna=False).indices.items()
    else:
        groups = [((), np.arange(len(layer)))]
    out = {}
    geoms = layer.geometry.values
    for key, idx in groups:
        key = key if isinstance(key, tuple) else (key,)
        # merge=True: a layer that tiles without overlaps comes back as its
        # coverage union's parts, which the zones clip in a few overlays
        # instead of testing every parcel (1M parcels: 10 s → 0.2 s)
        pieces = dissolve(geoms[idx], grid_size=grid_size, merge=True)
        out[tuple(str(k) for k in key)] = covered_area(zones, pieces, grid_size=grid_size)
    return out


def as_frame(source: Any) -> Any:
    """A file path read with :func:`ecozone.read_layer`; anything else as it is."""
    if isinstance(source, (str, os.PathLike)):
        from ..io import read_layer

        return read_layer(source)
    return source
