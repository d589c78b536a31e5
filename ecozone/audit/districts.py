"""The districts behind a city-wide indicator (分区县明细): what the report's charts draw.

An audit's city-wide natural-coastline retention and red-line coverage are measured per
district on the way (:func:`~ecozone.audit.catalogue.retention_figures`,
:func:`~ecozone.audit.catalogue.redline_coverage_table`, memoised per atlas):
:func:`district_figures` hands those rows out next to the indicator they belong to, with its
target, so that nothing is measured again.  An indicator for one district or one bay, or one
without a value, has none.

Example
-------
>>> DISTRICT_INDICATORS["coastline_retention"], DISTRICT_INDICATORS["redline_coverage"]
('retention', 'covered_share')
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..prepare import TOTAL
from .catalogue import redline_coverage_table, retention_figures
from .context import Context

__all__ = ["DISTRICT_INDICATORS", "district_figures"]

#: The indicators with per-district figures, and the column of the share (0–1) in their table.
DISTRICT_INDICATORS = {"coastline_retention": "retention", "redline_coverage": "covered_share"}


def district_figures(result) -> list[dict[str, Any]]:
    """For each city-wide indicator of ``result`` (an :class:`~ecozone.audit.AuditResult`) with per-district
    figures, in the config's order: ``{"indicator": the indicator's dict, "zones": [district names],
    "values": [percent, None where the district has none (no coastline)]}``; districts in the layer's order."""
    ctx = Context(result.atlas, result.config.zones, result.config.settings)
    if ctx.districts_name is None:
        return []
    found = []
    for ind in result.indicators:
        column = DISTRICT_INDICATORS.get(ind["indicator"])
        if column is None or ind["value"] is None or set(ind["params"]) & {"zone", "bay"}:
            continue
        if ind["indicator"] == "coastline_retention":
            table = retention_figures(ctx).by_zone
        else:
            table = redline_coverage_table(ctx, ind["params"].get("realm", "land"))
        if table is None:
            continue
        rows = table[table["zone"].astype(str) != TOTAL]
        values = [None if pd.isna(v) or not math.isfinite(float(v)) else float(v) * 100 for v in rows[column]]
        found.append({"indicator": ind, "zones": rows["zone"].astype(str).tolist(), "values": values})
    return found
