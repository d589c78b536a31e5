"""Dates and years as people type them (日期与年份), read one way everywhere.

Attribute tables carry dates in many forms: ``2023-05-01``, ``2023/5/1``,
``20230501``, ``2023年5月1日``, a bare year ``2023``, an Excel serial number
``45000`` (a date cell saved as a number), or a real date column.  Every date
and year field ecozone reads goes through :func:`parse_date` /
:func:`parse_year`, so that none of them becomes 1970 plus nanoseconds (what
``pd.to_datetime(2023)`` gives) and none is guessed:

* a whole number 1000–9999 is a year (its 1 January as a date);
* a whole number 10000–99999 is an Excel serial day number (1927–2173; days
  since 1899-12-30, as Excel counts them after its 1900 leap-year bug);
* 8 digits are YYYYMMDD;
* year-first forms with ``-``, ``/`` or ``.`` (``2023-5-1``), ISO 8601 date
  times, ``2023年5月1日`` (and ``2023年5月``, ``2023年``), month names
  (``1 May 2023``);
* day/month/year forms (``13/02/2023``) only when the order cannot be
  mistaken: ``01/02/2023`` is 1 February in Britain and 2 January in the
  United States, and is refused with the fix (write YYYY-MM-DD).

Example
-------
>>> from ecozone.dates import parse_date, parse_year
>>> [str(parse_date(v).date()) for v in (2023, 45000, "2023/5/1", "20230501", "2023年5月1日")]
['2023-01-01', '2023-03-15', '2023-05-01', '2023-05-01', '2023-05-01']
>>> parse_year("2023-05-01"), parse_year(2023.0)
(2023, 2023)
>>> parse_date("01/02/2023")
Traceback (most recent call last):
...
ValueError: '01/02/2023' is ambiguous: day/month or month/day
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from .errors import SchemaError
from .features import describe_feature

__all__ = ["parse_date", "parse_year", "dates_of", "years_of", "years_in", "DATE_FIX", "YEAR_FIX"]

#: What the messages ask for.
DATE_FIX = "write dates as YYYY-MM-DD (e.g. 2023-05-01), or as a year (2023)"
YEAR_FIX = "write the year as a number such as 2023 (or the date as YYYY-MM-DD)"

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,2}))?(?:[T\s].*)?$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T\s]\d{1,2}:\d{2}")
_CJK = re.compile(r"^(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
_NAMED = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y")


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return isinstance(value, str) and not value.strip()


def _ymd(y: int, m: int, d: int, text: Any) -> pd.Timestamp:
    try:
        return pd.Timestamp(_dt.date(y, m, d))
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


def _from_number(v: float, text: Any) -> pd.Timestamp:
    if not np.isfinite(v):
        raise ValueError(f"{text!r} is not a date")
    if v.is_integer() and 1000 <= v <= 9999:
        return pd.Timestamp(int(v), 1, 1)
    if v.is_integer() and 19000101 <= v <= 29991231:
        n = int(v)
        return _ymd(n // 10000, n // 100 % 100, n % 100, text)
    if 10000 <= v < 100000:
        return _EXCEL_EPOCH + pd.Timedelta(days=v)
    raise ValueError(f"{text!r} is neither a year (1000–9999), an Excel day number (10000–99999) nor YYYYMMDD")


def parse_date(value: Any) -> pd.Timestamp:
    """One date as a :class:`pandas.Timestamp` (time zone dropped, wall time kept); NaT when empty.

    Raises ``ValueError`` saying why when the value is not a date or its
    day/month order is ambiguous (see the module's rules).
    """
    if _missing(value):
        return pd.NaT
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
        return ts.tz_localize(None) if ts.tzinfo is not None else ts
    if isinstance(value, (int, np.integer)):
        return _from_number(float(value), value)
    if isinstance(value, (float, np.floating)):
        return _from_number(float(value), value)
    text = unicodedata.normalize("NFKC", str(value)).strip()  # full-width digits: ２０２３年 → 2023年
    if _NUMBER.match(text):
        return _from_number(float(text), value)
    m = _CJK.match(text)
    if m:
        return _ymd(int(m[1]), int(m[2] or 1), int(m[3] or 1), value)
    if _ISO_TIME.match(text):
        try:
            ts = pd.Timestamp(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date") from None
        return ts.tz_localize(None) if ts.tzinfo is not None else ts
    m = _YEAR_FIRST.match(text)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3] or 1), value)
    m = _DAY_FIRST.match(text)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if a > 12 >= b:
            return _ymd(y, b, a, value)  # 13/02/2023: day first
        if b > 12 >= a:
            return _ymd(y, a, b, value)  # 02/13/2023: month first
        if a == b:
            return _ymd(y, a, a, value)
        raise ValueError(f"{value!r} is ambiguous: day/month or month/day")
    for fmt in _NAMED:
        try:
            return pd.Timestamp(_dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date")


def parse_year(value: Any) -> int | None:
    """The year of a value given as a year (2023, "2023", "2023年") or as any date :func:`parse_date` reads;
    None when empty.  Raises ``ValueError`` saying why otherwise."""
    if _missing(value):
        return None
    if isinstance(value, (int, np.integer, float, np.floating)) and not isinstance(value, (bool, np.bool_)):
        v = float(value)
        if np.isfinite(v) and v.is_integer() and 1000 <= v <= 9999:
            return int(v)
        if np.isfinite(v) and not v.is_integer() and 1000 <= v <= 9999:
            raise ValueError(f"{value!r} is not a whole year")
    try:
        return int(parse_date(value).year)
    except ValueError as err:
        if str(err).endswith("is not a date"):
            raise ValueError(f"{value!r} is not a year") from None
        raise


def dates_of(frame: pd.DataFrame, field: str, *, source: str | None = None, required: bool = True) -> pd.Series:
    """The column ``field`` of ``frame`` as datetime64 (missing values NaT).

    Raises :class:`SchemaError` naming the file, the first feature whose value
    is not a date (or whose day/month order is ambiguous, or, when
    ``required``, is missing) and the fix.

    Example
    -------
    >>> import pandas as pd
    >>> dates_of(pd.DataFrame({"date": [2023, "2023/5/1"]}), "date").dt.strftime("%Y-%m-%d").tolist()
    ['2023-01-01', '2023-05-01']
    """
    source = source or frame.attrs.get("source", "layer")
    out, bad = [], []
    for pos, value in enumerate(frame[field].tolist()):
        try:
            ts = parse_date(value)
        except ValueError as err:
            bad.append((pos, str(err)))
            ts = pd.NaT
        if ts is pd.NaT and required and not (bad and bad[-1][0] == pos):
            bad.append((pos, f"{value!r} is missing"))
        out.append(ts)
    if bad:
        pos, why = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SchemaError(f"{source}: {describe_feature(frame, pos)}: {field} {why}{more}; fix: {DATE_FIX}")
    return pd.Series(pd.to_datetime(pd.Series(out, dtype="object"), errors="raise").to_numpy(), index=frame.index,
                     name=field)


def years_of(values: Any) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Years of a sequence of values (nullable Int64) and the positions that are not years, with why."""
    out: list[Any] = []
    bad: list[tuple[int, str]] = []
    index = values.index if isinstance(values, pd.Series) else None
    for pos, value in enumerate(list(values)):
        try:
            out.append(parse_year(value))
        except ValueError as err:
            bad.append((pos, str(err)))
            out.append(None)
    return pd.Series(out, index=index, dtype="Int64"), bad


def years_in(frame: pd.DataFrame, field: str, *, source: str | None = None) -> pd.Series:
    """The column ``field`` of ``frame`` as years (nullable Int64; empty cells stay empty), for measures that
    filter by year (``until``).  Raises :class:`SchemaError` naming the file, the first feature whose value
    is not a year and the fix.

    Example
    -------
    >>> import pandas as pd
    >>> years_in(pd.DataFrame({"year": [2023, "2022-05-01", 44927, "2021年", None]}), "year").tolist()
    [2023, 2022, 2023, 2021, <NA>]
    """
    source = source or frame.attrs.get("source", "layer")
    years, bad = years_of(frame[field])
    if bad:
        pos, why = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SchemaError(f"{source}: {describe_feature(frame, pos)}: {field} {why}{more}; fix: {YEAR_FIX}")
    return years
