"""Conflicts (冲突核查): features of one layer that overlap a control layer such as the red line.

A :class:`Rule` says which layer kind it checks, against which control
layer, and how severe an overlap is for each value of a field: a production
mine inside the red line is a violation (违规), a historic one a warning (the
place needs restoration first); a reef-type marine ranch inside the marine
red line is a violation, a stock-enhancement one is information.  Rules can
also report features that do not touch the control layer but lie within a
search radius, with their distance — a project 400 m outside the red line
is worth a look before it is built.

The built-in rules follow the 2022 notice on red-line management (自然资发
〔2022〕142号): inside the red line only ten limited activities are allowed,
and production mining, reef-type marine ranching (投礁型海洋牧场), enclosed-sea
aquaculture (围海养殖) and construction projects are not among them.

Example
-------
>>> import ecozone
>>> atlas = ecozone.demo_atlas()
>>> found = ecozone.conflicts(atlas["mines"], atlas["redline_land"], rules="mine_in_redline")
>>> found.loc[found["severity"] == "violation", ["feature_id", "against_name"]].values.tolist()
[['M037', '罗山水源涵养红线']]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._options import resolve_engine
from ..errors import SchemaError
from ..schema import KINDS, normalise_code
from ..prepare import as_frame, prepare_layers, repaired
from ..units import M2_PER_HA
from .rules import RULES, SEVERITIES, Rule, share_of  # noqa: F401 (re-exported)

__all__ = ["Rule", "RULES", "SEVERITIES", "conflicts", "atlas_conflicts", "of_realm", "sort_findings", "FINDING_COLUMNS"]


#: Columns of a findings table, in order.
FINDING_COLUMNS = [
    "rule",
    "severity",
    "feature_layer",
    "feature_id",
    "feature_name",
    "feature_type",
    "against_layer",
    "against_id",
    "against_name",
    "against_type",
    "relation",
    "overlap_ha",
    "overlap_m",
    "share",
    "distance_m",
]


def conflicts(
    layer: Any,
    against: gpd.GeoDataFrame,
    rules: str | Rule | Sequence[str | Rule] | None = None,
    *,
    search_m: float = 1000.0,
    id_field: str = "id",
    name_field: str = "name",
    layer_name: str | None = None,
    against_name: str | None = None,
    engine: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every overlap between ``layer``'s features and a control layer, as a findings table (冲突清单).

    Parameters
    ----------
    layer : features to check (mines, marine ranches, projects …): polygons, lines
        or points, or their file; with ``engine="dask"`` also a dask-geopandas
        GeoDataFrame or a (Geo)Parquet path
    against : the control layer (the red line …): polygons
    rules : rule name(s) from :data:`RULES` or :class:`Rule` objects; None: report
        every overlap as a warning (rule ``overlap``)
    search_m : radius in metres within which rules with a ``near`` severity report
        features that do not touch the control layer, with their distance
    id_field, name_field : fields that identify features on both sides (row number
        in the file and empty name when absent)
    layer_name, against_name : names of the layers in the table (default: their file stem)
    engine, client, partitions, progress : as for :func:`ecozone.coverage`

    Returns
    -------
    DataFrame with :data:`FINDING_COLUMNS`: one row per feature and control
    feature they touch (``relation`` ``inside`` or ``partly_inside``), or per
    feature near one (``near``, with ``distance_m``).  ``overlap_ha`` is the
    area in common (polygons), ``overlap_m`` the length inside (lines),
    ``share`` the share of the feature's area, length or points inside.
    Sorted by severity, rule, feature.
    """
    rule_list = _rules(rules)
    dask = resolve_engine(engine) == "dask"
    against = with_row_ids(as_frame(against), id_field)
    against_name = against_name or _stem(against, "against")
    notes: list[str] = []
    if dask:
        from ..dask_engine import conflict_rows, partitioned

        big = partitioned(layer, "layer", partitions=partitions)
        layer_name = layer_name or _stem(big.meta, "layer")
        _checked(big.meta, rule_list)
        against_p, _ = prepare_layers(against, {}, notes, zones_name=against_name)
        rows = conflict_rows(big, against_p, rule_list, notes, kernel=partition_findings, search_m=search_m,
                             id_field=id_field, name_field=name_field, layer_name=layer_name, against_name=against_name,
                             client=client, progress=progress)
    else:
        layer = with_row_ids(as_frame(layer), id_field)
        layer_name = layer_name or _stem(layer, "layer")
        against_p, moved = prepare_layers(against, {layer_name: _checked(layer, rule_list)}, notes, polygons=False,
                                          zones_name=against_name)
        rows = findings(moved[layer_name], against_p, rule_list, search_m, id_field, name_field, layer_name, against_name)
    table = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    table = sort_findings(table, ["rule", "feature_layer", "feature_id", "distance_m", "against_id"])
    table.attrs["notes"] = notes
    return table


def findings(layer, control, rule_list, search_m, id_field, name_field, layer_name, against_name) -> list[dict[str, Any]]:
    """The conflicts kernel: the finding rows of every rule for features and control layer in one CRS.

    The dask engine runs this same function on each partition of the features."""
    rows: list[dict[str, Any]] = []
    for rule in rule_list:
        rows.extend(_check(rule, layer, of_realm(control, rule.realm), search_m, id_field, name_field, layer_name, against_name))
    return rows


def partition_findings(part, start, control, rule_list, search_m, id_field, name_field, layer_name, against_name):
    """The findings of one partition of a big layer (the dask engine's kernel): its features numbered from
    ``start``, checked, in the control layer's CRS, repaired; ``(rows, empty dropped, polygons repaired)``."""
    part = with_row_ids(part, id_field, start)
    _checked(part, rule_list)
    if not part.crs.equals(control.crs):
        part = part.to_crs(control.crs)
    part, empty, invalid = repaired(part)
    return findings(part, control, rule_list, search_m, id_field, name_field, layer_name, against_name), empty, invalid


def with_row_ids(gdf: gpd.GeoDataFrame, id_field: str, start: int = 0) -> gpd.GeoDataFrame:
    """``gdf`` with its row numbers (from ``start``) as ``id_field`` when it has no such field,
    so a feature is named by its row in the file, whatever is dropped later."""
    if id_field in gdf.columns:
        return gdf
    out = gdf.copy()
    out[id_field] = [str(i) for i in range(start, start + len(gdf))]
    out.attrs = dict(gdf.attrs)
    return out


def atlas_conflicts(atlas, *, search_m: float = 1000.0) -> pd.DataFrame:
    """Run every built-in rule on the atlas's layers: one findings table."""
    frames = []
    for rule in RULES.values():
        controls = atlas.names(rule.against)
        for lname in atlas.names(rule.kind):
            for cname in controls:
                found = conflicts(atlas[lname], atlas[cname], rule, search_m=search_m, layer_name=lname, against_name=cname)
                if len(found):
                    frames.append(found)
    if not frames:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return sort_findings(pd.concat(frames, ignore_index=True), ["rule", "feature_id"])


def of_realm(redline: gpd.GeoDataFrame, realm: str | None) -> gpd.GeoDataFrame:
    """The part of a red-line layer in one realm (``land``/``marine``, or 陆域/海洋 in the data);
    the whole layer when ``realm`` is None or the layer has no ``realm`` field.  A feature without a
    realm is on land (the field is optional; a layer that has none is the land red line), also when
    layers with and without the field are put together (``atlas.of_kind``)."""
    if realm is None or "realm" not in redline.columns:
        return redline
    codes = KINDS["redline"].field("realm").codes
    missing = redline["realm"].isna().to_numpy()
    return redline[[("land" if gap else normalise_code(codes, v)) == realm for v, gap in zip(redline["realm"], missing)]]


def sort_findings(table: pd.DataFrame, then: Sequence[str] = ()) -> pd.DataFrame:
    """Findings most severe first (violation, warning, info), then by ``then``; stable."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    table = table.assign(_rank=table["severity"].map(rank)).sort_values(["_rank", *then], kind="stable")
    return table.drop(columns="_rank").reset_index(drop=True)


_OVERLAP = Rule("overlap", "图斑重叠", "overlap", kind="", default="warning")


def _rules(rules) -> list[Rule]:
    if rules is None:
        return [_OVERLAP]
    items = [rules] if isinstance(rules, (str, Rule)) else list(rules)
    out = []
    for r in items:
        if isinstance(r, Rule):
            out.append(r)
        elif r in RULES:
            out.append(RULES[r])
        else:
            raise SchemaError(f"unknown conflict rule '{r}'; fix: choose one of {', '.join(RULES)}")
    return out


def _checked(layer: gpd.GeoDataFrame, rules: list[Rule]) -> gpd.GeoDataFrame:
    for rule in rules:
        if rule.field is not None and rule.field not in layer.columns:
            source = layer.attrs.get("source", rule.kind)
            have = ", ".join(str(c) for c in layer.columns if c != layer.geometry.name) or "none"
            raise SchemaError(f"{source}: rule {rule.name} needs the field '{rule.field}' (fields: {have}); fix: rename the column")
    return layer


def _stem(gdf: gpd.GeoDataFrame, default: str) -> str:
    source = gdf.attrs.get("source")
    if not source:
        return default
    from pathlib import Path

    return Path(str(source).split("|")[0]).stem


def _values(gdf: gpd.GeoDataFrame, name: str, fallback: Any = None) -> list[Any]:
    if name in gdf.columns:
        return [None if (v is None or (isinstance(v, float) and v != v)) else v for v in gdf[name].tolist()]
    return [fallback(i) if callable(fallback) else fallback for i in range(len(gdf))]


def _check(rule, layer, control, search_m, id_field, name_field, layer_name, against_name) -> list[dict[str, Any]]:
    if not len(layer) or not len(control):
        return []
    geoms = layer.geometry.values
    cgeoms = control.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    fid = _values(layer, id_field, lambda i: str(i))
    fname = _values(layer, name_field)
    ftype = _values(layer, rule.field) if rule.field else _values(layer, "type")
    cid = _values(control, id_field, lambda i: str(i))
    cname = _values(control, name_field)
    ctype = _values(control, "type")
    severity = [rule.severity(v) for v in ftype]
    near_ok = rule.near is not None and search_m > 0

    tree = shapely.STRtree(cgeoms)
    fi, ci = tree.query(geoms, predicate="intersects")
    dims = shapely.get_dimensions(geoms)
    rows = []
    touched = np.zeros(len(layer), dtype=bool)
    if len(fi):
        common = shapely.intersection(geoms[fi], cgeoms[ci])
        for f, c, g in zip(fi, ci, common):
            sev = severity[f]
            if sev is None or not keep[f]:
                continue
            dim = dims[f]
            if dim == 2:
                size, total = shapely.area(g), shapely.area(geoms[f])
            elif dim == 1:
                size, total = shapely.length(g), shapely.length(geoms[f])
            else:
                size = float(shapely.get_num_geometries(g)) if not g.is_empty else 0.0
                total = float(shapely.get_num_geometries(geoms[f]))
            share = size / total if total > 0 else 0.0
            if dim == 2 and size <= 0.0:
                relation = "touches"  # boundaries meet, no area in common
            else:
                relation = "inside" if share >= 1.0 - 1e-9 else "partly_inside"
            touched[f] = True
            rows.append(
                _row(rule, sev, layer_name, fid[f], fname[f], ftype[f], against_name, cid[c], cname[c], ctype[c],
                     relation, size / M2_PER_HA if dim == 2 else 0.0, size if dim == 1 else 0.0, share, 0.0)
            )
    if near_ok:
        far = np.flatnonzero(~touched & keep)
        if len(far):
            fj, cj = tree.query(geoms[far], predicate="dwithin", distance=search_m)
            if len(fj):
                dist = shapely.distance(geoms[far][fj], cgeoms[cj])
                # the nearest control feature per feature (ties: the first)
                order = np.lexsort((cj, dist, fj))
                fj, cj, dist = fj[order], cj[order], dist[order]
                first = np.r_[True, fj[1:] != fj[:-1]]
                for j, c, d in zip(fj[first], cj[first], dist[first]):
                    f = far[j]
                    rows.append(
                        _row(rule, rule.near, layer_name, fid[f], fname[f], ftype[f], against_name, cid[c], cname[c],
                             ctype[c], "near", 0.0, 0.0, 0.0, float(d))
                    )
    return rows


def _row(rule, severity, layer_name, fid, fname, ftype, against_name, cid, cname, ctype, relation, ha, m, share, dist):
    return {
        "rule": rule.name,
        "severity": severity,
        "feature_layer": layer_name,
        "feature_id": fid,
        "feature_name": fname,
        "feature_type": ftype,
        "against_layer": against_name,
        "against_id": cid,
        "against_name": cname,
        "against_type": ctype,
        "relation": relation,
        "overlap_ha": ha,
        "overlap_m": m,
        "share": share,
        "distance_m": dist,
    }
