"""Values made ready for JSON (JSON 数值): numpy scalars as Python values, no NaN or Infinity, dates as text.

Every JSON file ecozone writes (reports, tables, summaries) passes through
these, so no ``NaN`` — which JSON does not have — ever reaches a file.  Below
the measurements (their result objects' ``to_dict``) and the reports.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["json_value", "json_records", "json_ready"]


def json_value(v: Any, digits: int | None = None) -> Any:
    """A JSON-ready value: numpy scalars as Python values, floats rounded (unless ``digits`` is None), NaN, ±Inf
    and NA as null (JSON has no NaN), dates as ISO 8601 text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (pd.Timestamp, _dt.date)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).isoformat()
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float):
        return None if not math.isfinite(v) else (v if digits is None else round(v, digits))
    return v


def json_records(table: pd.DataFrame, digits: int | None = 6) -> list[dict[str, Any]]:
    """JSON-ready rows: numpy scalars as Python values, floats rounded (``digits=None``: as they are), NaN/NA as null."""
    return [{str(k): json_value(v, digits) for k, v in row.items()} for row in table.to_dict("records")]


def json_ready(value: Any, digits: int | None = 6) -> Any:
    """Nested dicts and lists made JSON-ready by :func:`json_value` (no NaN or Infinity ever reaches a JSON file)."""
    if isinstance(value, dict):
        return {str(k): json_ready(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v, digits) for v in value]
    return json_value(value, digits)
