"""Rivers and lakes (美丽河湖): buffer zones, encroachment into them, designation coverage.

The plans ask that buffer zones be drawn on both banks of rivers (河流两岸划定
缓冲带), that nothing encroach on them, and that rivers be designated
"beautiful and happy rivers and lakes" (美丽幸福河湖) until all are.

- :func:`river_buffers`: buffer polygons on both banks, width by river level
  (a table the user sets) or by a per-feature field, dissolved per river;
  lakes and reservoirs (polygons) get their own width around the water, and
  their zone includes the water itself.
- :func:`river_encroachment`: the features of any layer (mines, projects …)
  inside the buffers, as a findings table like :func:`ecozone.conflicts`.
- :func:`river_designation`: per district, the share of river length that is
  designated, and the list of rivers and lakes that are not.

The default widths (trunk 50 m, tributary 20 m, lake 50 m, reservoir 100 m)
are a convention for the demo, not a national rule: provinces set their own.

Example
-------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString, box
>>> rivers = gpd.GeoDataFrame({"id": ["R1"], "name": ["甲河"], "level": ["干流"]},
...                           geometry=[LineString([(0, 0), (1000, 0)])], crs=4549)
>>> zone = river_buffers(rivers, {"trunk": 50})
>>> round(float(zone["buffer_ha"].iloc[0]), 2)  # 1000 m × 100 m + a disc of 50 m (as a polygon)
10.78
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..dates import years_in
from ..errors import SchemaError
from ..schema import RIVER_LEVELS, normalise_code
from ..units import M2_PER_HA, M_PER_KM
from .._renamed import renamed
from ..validate import coded_field
from .conflicts import FINDING_COLUMNS, Rule, conflicts, sort_findings
from .overlay import zones_union
from ..prepare import TOTAL, prepare_layers, projected

__all__ = ["DEFAULT_WIDTHS", "river_buffers", "river_encroachment", "river_designation"]

#: Buffer widths in metres by river level: a convention, set your province's (e.g. 省级河湖管理范围).
DEFAULT_WIDTHS: dict[str, float] = {"trunk": 50.0, "tributary": 20.0, "lake": 50.0, "reservoir": 100.0}

#: The rule that reports features inside a river buffer (information for the river chief, 河长).
ENCROACHMENT = Rule(
    "river_buffer_encroachment",
    "占用河湖缓冲带",
    "inside a river or lake buffer zone",
    kind="",
    against="river_buffer",
    default="warning",
    basis="河湖岸线保护与利用规划; 河流两岸划定缓冲带 (widths are a setting)",
)


def river_buffers(
    rivers: gpd.GeoDataFrame,
    widths: Mapping[str, float] | None = None,
    *,
    width_field: str = "buffer_m",
    id_field: str = "id",
) -> gpd.GeoDataFrame:
    """Buffer zones on both banks of rivers, and around lakes and reservoirs (河湖缓冲带).

    Parameters
    ----------
    rivers : rivers as lines, lakes and reservoirs as polygons, with a ``level``
        field (trunk/干流, tributary/支流, lake/湖泊, reservoir/水库)
    widths : buffer width in metres per level (English or Chinese level names);
        levels not given keep :data:`DEFAULT_WIDTHS`
    width_field : a per-feature width (m) that overrides the level's where set
    id_field : features with the same id (else name) are one river: their
        buffers are dissolved into one polygon

    Returns
    -------
    GeoDataFrame in the measurement CRS, one row per river: ``id``, ``name``,
    ``level``, ``width_m`` (the widest of its features), ``length_km`` (lines),
    ``water_ha`` (polygons), ``buffer_ha`` (the dissolved zone, water included).
    ``attrs["notes"]`` says what was reprojected.
    """
    notes: list[str] = []
    source = rivers.attrs.get("source", "rivers")
    levels = coded_field(rivers, "river", "level", source=source)
    table = _widths(widths)
    width = np.array([table[lv] for lv in levels], dtype=float)
    if width_field in rivers.columns:
        own = pd.to_numeric(rivers[width_field], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(own < 0)
        if len(bad):
            raise SchemaError(f"{source}: feature {int(bad[0])}: {width_field} {own[bad[0]]} is negative; fix: give a width in metres ≥ 0")
        width = np.where(np.isnan(own), width, own)
    gdf = projected(rivers, "rivers", notes)
    geoms = gdf.geometry.values
    dims = shapely.get_dimensions(geoms)
    zones = shapely.buffer(geoms, width)
    keys = _river_keys(gdf, id_field)
    rows = []
    for key, idx in pd.Series(range(len(gdf))).groupby(keys, sort=False).indices.items():
        first = idx[0]
        rows.append(
            {
                "id": gdf[id_field].iloc[first] if id_field in gdf.columns else key,
                "name": gdf["name"].iloc[first] if "name" in gdf.columns else None,
                "level": levels[first],
                "width_m": float(width[idx].max()),
                "length_km": float(shapely.length(geoms[idx][dims[idx] == 1]).sum()) / M_PER_KM,
                "water_ha": float(shapely.area(geoms[idx][dims[idx] == 2]).sum()) / M2_PER_HA,
                "geometry": shapely.union_all(zones[idx]),
            }
        )
    out = gpd.GeoDataFrame(rows, columns=["id", "name", "level", "width_m", "length_km", "water_ha", "geometry"],
                           geometry="geometry", crs=gdf.crs)
    out.insert(6, "buffer_ha", shapely.area(out.geometry.values) / M2_PER_HA)
    out.attrs["notes"] = notes
    out.attrs["source"] = "river_buffers"
    return out


def river_encroachment(
    buffers: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
) -> pd.DataFrame:
    """Features of each layer inside the river buffer zones (侵占河湖缓冲带), as findings.

    Parameters
    ----------
    buffers : from :func:`river_buffers`
    layers : ``{name: layer}`` of features to check (mines, construction projects,
        any polygon, line or point layer)

    Returns
    -------
    A findings table with the columns of :func:`ecozone.conflicts`: the feature
    (``feature_layer``, ``feature_id``, ``feature_name``), the river
    (``against_id``, ``against_name``), ``overlap_ha`` and ``share`` of the
    feature inside; rule ``river_buffer_encroachment``, severity warning.
    """
    frames = [
        conflicts(layer, buffers, ENCROACHMENT, layer_name=name, against_name="river_buffers")
        for name, layer in layers.items()
    ]
    # a polygon that only touches the edge of a buffer (no area in common) does not encroach on it
    frames = [f[f["relation"] != "touches"] for f in frames]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return sort_findings(pd.concat(frames, ignore_index=True), ["feature_layer", "feature_id", "against_id"])


@renamed(field="designation_field")
def river_designation(
    rivers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_field: str = "name",
    designation_field: str = "designation",
    until: int | None = None,
    id_field: str = "id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of river length designated 美丽幸福河湖, per district, and the rivers not yet designated.

    A river (or lake) is designated when ``designation_field`` (``field=`` before; it still works, with a
    warning) holds a value (the level,
    e.g. 省级美丽幸福河湖) and, with ``until``, its ``designation_year`` is
    that year or earlier.  River lengths are split at district boundaries (a
    river crossing two districts counts in both, by its length in each); lakes
    and reservoirs are counted, not measured in length.

    Returns
    -------
    (by_zone, undesignated) : ``by_zone`` has ``zone``, ``river_km``,
    ``designated_km``, ``designated_share`` (0–1), ``lakes``,
    ``lakes_designated`` and a totals row measured on the union of the zones;
    ``undesignated`` lists ``id``, ``name``, ``level``, ``length_km`` and the
    ``zones`` each undesignated river or lake lies in.
    """
    source = rivers.attrs.get("source", "rivers")
    levels = coded_field(rivers, "river", "level", source=source)
    if zone_field not in zones.columns:
        raise SchemaError(f"zones: no field '{zone_field}' to name the zones; fix: pass zone_field=NAME")
    notes: list[str] = []
    zones_p, moved = prepare_layers(zones, {"rivers": rivers.assign(_level=levels)}, notes, polygons=False,
                                    zone_field=zone_field)
    gdf = moved["rivers"]
    designated = _designated(gdf, designation_field, until, source)
    geoms = gdf.geometry.values
    is_line = shapely.get_dimensions(geoms) == 1
    zone_geoms = zones_p.geometry.values
    zone_names = zones_p[zone_field].astype(str).tolist()
    union = zones_union(zone_geoms)
    rows = []
    for name, zg in [*zip(zone_names, zone_geoms), (TOTAL, union)]:
        inside = shapely.length(shapely.intersection(geoms[is_line], zg))
        lakes = ~is_line & shapely.intersects(geoms, zg)
        river_km = float(inside.sum()) / M_PER_KM
        designated_km = float(inside[designated[is_line]].sum()) / M_PER_KM
        rows.append(
            {
                "zone": name,
                "river_km": river_km,
                "designated_km": designated_km,
                "designated_share": designated_km / river_km if river_km > 0 else float("nan"),
                "lakes": int(lakes.sum()),
                "lakes_designated": int((lakes & designated).sum()),
            }
        )
    by_zone = pd.DataFrame(rows)
    by_zone.attrs["notes"] = notes

    tree = shapely.STRtree(zone_geoms)
    ri, zi = tree.query(geoms, predicate="intersects")
    order = np.lexsort((zi, ri))  # the tree returns zones in its own order: list them in the zones' order
    ri, zi = ri[order], zi[order]
    where: dict[int, list[str]] = {}
    for r, z in zip(ri, zi):
        where.setdefault(int(r), []).append(zone_names[z])
    keys = _river_keys(gdf, id_field)
    undesignated = []
    for key, idx in pd.Series(range(len(gdf))).groupby(keys, sort=False).indices.items():
        if designated[idx].any():
            continue
        first = idx[0]
        undesignated.append(
            {
                "id": gdf[id_field].iloc[first] if id_field in gdf.columns else key,
                "name": gdf["name"].iloc[first] if "name" in gdf.columns else None,
                "level": gdf["_level"].iloc[first],
                "length_km": float(shapely.length(geoms[idx][is_line[idx]]).sum()) / M_PER_KM,
                "zones": "、".join(dict.fromkeys(z for i in idx for z in where.get(int(i), []))),
            }
        )
    return by_zone, pd.DataFrame(undesignated, columns=["id", "name", "level", "length_km", "zones"])


def _widths(widths: Mapping[str, float] | None) -> dict[str, float]:
    table = dict(DEFAULT_WIDTHS)
    for level, metres in (widths or {}).items():
        code = normalise_code(RIVER_LEVELS, level)
        if code is None:
            raise SchemaError(f"river buffer widths: level {level!r} unknown; fix: use one of {RIVER_LEVELS.describe()}")
        if not metres >= 0:
            raise SchemaError(f"river buffer widths: {level} = {metres}; fix: give a width in metres ≥ 0")
        table[code] = float(metres)
    return table


def _river_keys(gdf: pd.DataFrame, id_field: str) -> list[Any]:
    """What makes features one river: the id, else the name, else the feature itself."""
    for col in (id_field, "name"):
        if col in gdf.columns and gdf[col].notna().all():
            return gdf[col].astype(str).tolist()
    return [str(i) for i in range(len(gdf))]


def _designated(gdf: pd.DataFrame, field: str, until: int | None, source: str) -> np.ndarray:
    if field not in gdf.columns:
        have = ", ".join(str(c) for c in gdf.columns if c not in ("geometry", "_level")) or "none"
        raise SchemaError(
            f"{source}: no field '{field}' saying which rivers are designated (fields: {have}); "
            f"fix: name the column holding the 美丽幸福河湖 level (designation_field=NAME)"
        )
    values = gdf[field]
    # a value says designated (省级美丽幸福河湖, 是, yes, 2023); blank and no/否/0/false say not
    text = values.astype(str).str.strip().str.casefold()
    designated = values.notna().to_numpy() & ~text.isin(_NOT_DESIGNATED).to_numpy()
    if until is not None:
        if "designation_year" not in gdf.columns:
            raise SchemaError(f"{source}: no field 'designation_year' to count designations up to {until}; fix: add it or drop until")
        designated &= (years_in(gdf, "designation_year", source=source) <= until).fillna(False).to_numpy(dtype=bool)
    return designated


#: Values of a designation field that mean "not designated".
_NOT_DESIGNATED = {"", "0", "no", "n", "false", "f", "否", "无", "未", "none", "nan", "null"}
