"""What a preset layer draws: an atlas layer kind, or a measured layer (成果图层) from :mod:`ecozone.results`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import results
from ..atlas import Atlas
from ..schema import KINDS

__all__ = ["Context", "SOURCES", "layer_kind", "source_frame"]


@dataclass
class Context:
    atlas: Atlas
    lang: str
    findings: pd.DataFrame | None = None
    changes: gpd.GeoDataFrame | None = None


def _kind_source(kind: str):
    def make(ctx: Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
        if not ctx.atlas.names(kind):
            raise results.Missing(f"no {kind} layer")
        frame = ctx.atlas.of_kind(kind)
        if spec.get("realm"):
            from ..measure.conflicts import of_realm

            frame = of_realm(frame, spec["realm"])
        return results.measured(frame)

    return make


def _coastline_change(ctx: Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
    if ctx.changes is None:
        raise results.Missing("no coastline change given (--earlier FILE)")
    return ctx.changes


def _findings(ctx: Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """One feature per feature in conflict: the most serious severity, every rule and control feature;
    and each once more as a ring at a point on it, visible when the whole city is in view."""
    from ..measure.conflicts import RULES, SEVERITIES

    found = results.findings_layer(ctx.atlas, ctx.findings)
    order = list(SEVERITIES)
    found["_o"] = found["severity"].map(lambda v: order.index(v) if v in order else len(order))
    found = found.sort_values("_o", kind="stable")

    def label(rule: str) -> str:
        return (RULES[rule].zh if ctx.lang == "zh" else RULES[rule].en) if rule in RULES else rule

    rows, geoms = [], []
    for (lname, fid), group in found.groupby(["feature_layer", "feature_id"], sort=False):
        rows.append({
            "id": fid,
            "name": group["feature_name"].iloc[0] if "feature_name" in group else "",
            "layer": lname,
            "severity": group["severity"].iloc[0],
            "rules": "; ".join(dict.fromkeys(label(r) for r in group["rule"])),
            "against_name": "; ".join(dict.fromkeys(str(n) for n in group.get("against_name", []))),
            "overlap_ha": float(group["overlap_ha"].fillna(0).sum()) if "overlap_ha" in group else np.nan,
            "distance_m": float(group["distance_m"].min()) if "distance_m" in group else np.nan,
            "findings": len(group),
        })
        geoms.append(group.geometry.iloc[0])
    rings = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    return gpd.GeoDataFrame(rows + rows, geometry=list(geoms) + list(rings), crs=ctx.atlas.crs)


#: Measured layers a preset can show besides the atlas's own kinds.
SOURCES = {
    "river_buffers": lambda ctx, spec: results.river_buffer_layer(ctx.atlas),
    "setback_zones": lambda ctx, spec: results.setback_layer(ctx.atlas),
    "coastline_change": _coastline_change,
    "retention_by_district": lambda ctx, spec: results.retention_layer(ctx.atlas, "district"),
    "retention_by_bay": lambda ctx, spec: results.retention_layer(ctx.atlas, "bay"),
    "coverage": lambda ctx, spec: results.coverage_layer(ctx.atlas, spec.get("of", "redline"), spec.get("realm")),
    "findings": _findings,
}

#: Which layer kind's field table labels a measured layer's fields.
_SOURCE_KIND = {"river_buffers": "river", "setback_zones": None, "coastline_change": "coastline",
                "retention_by_district": "district", "retention_by_bay": "bay", "coverage": "district", "findings": None}


def layer_kind(source: str) -> str | None:
    """The layer kind whose field table labels the fields of a preset layer's ``source``."""
    return source if source in KINDS else _SOURCE_KIND.get(source)


def source_frame(ctx: Context, spec: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The features a preset layer draws; :class:`ecozone.results.Missing` when the atlas lacks them."""
    source = spec["source"]
    return (SOURCES[source] if source in SOURCES else _kind_source(source))(ctx, spec)
