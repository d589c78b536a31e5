"""DSAS's statistics of shoreline positions along transects (岸线变化速率统计): NSM, SCE, EPR, LRR, WLR.

:func:`transect_statistics` turns the signed positions of dated shorelines on
each transect into the rates :func:`ecozone.measure.shoreline.shoreline_change`
reports; :func:`t_quantile` is Student's t quantile behind their 95 % intervals.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

__all__ = ["STAT_COLUMNS", "transect_statistics", "t_quantile"]

STAT_COLUMNS = ("dates", "first", "last", "nsm_m", "sce_m", "epr_m_yr", "epr_unc_m_yr", "lrr_m_yr", "lrr_r2",
                 "lrr_se_m", "lrr_ci95_m_yr", "wlr_m_yr", "wlr_r2", "wlr_se_m", "wlr_ci95_m_yr")


def transect_statistics(positions: pd.DataFrame) -> pd.DataFrame:
    """Per transect, DSAS's statistics of the signed positions (see :func:`shoreline_change`)."""
    if not len(positions):
        return pd.DataFrame(columns=list(STAT_COLUMNS))
    p = positions.sort_values(["transect", "year"], kind="mergesort").reset_index(drop=True)
    t = p["transect"].to_numpy()
    x = p["year"].to_numpy(dtype=float)
    y = p["distance_m"].to_numpy(dtype=float)
    u = p["uncertainty_m"].to_numpy(dtype=float)
    key = pd.Index(t)

    def total(values: np.ndarray) -> pd.Series:
        return pd.Series(values).groupby(t, sort=True).sum()

    def per_row(series: pd.Series) -> np.ndarray:
        return series.reindex(key).to_numpy(dtype=float)

    n = pd.Series(t).groupby(t, sort=True).size().astype(float)
    first = p.drop_duplicates("transect", keep="first").set_index("transect")
    last = p.drop_duplicates("transect", keep="last").set_index("transect")
    span = last["year"] - first["year"]
    nsm = last["distance_m"] - first["distance_m"]
    g = pd.Series(y).groupby(t, sort=True)
    sce = g.max() - g.min()

    # ordinary least squares on centred values
    dx = x - per_row(total(x) / n)
    dy = y - per_row(total(y) / n)
    sxx, sxy, syy = total(dx * dx), total(dx * dy), total(dy * dy)
    slope = sxy / sxx
    sse = total((dy - per_row(slope) * dx) ** 2)
    df = n - 2
    tq = df.map(lambda d: t_quantile(0.975, int(d)) if d >= 1 else np.nan)
    lse = np.sqrt(sse / df.where(df >= 1))
    # weighted least squares, w = 1/U²
    w = 1.0 / u**2
    known = ~pd.Series(np.isnan(w)).groupby(t, sort=True).any()
    sw = total(w)
    dxw = x - per_row(total(w * x) / sw)
    dyw = y - per_row(total(w * y) / sw)
    sxxw, sxyw, syyw = total(w * dxw * dxw), total(w * dxw * dyw), total(w * dyw * dyw)
    slope_w = sxyw / sxxw
    ssew = total(w * (dyw - per_row(slope_w) * dxw) ** 2)
    wse = np.sqrt(ssew / df.where(df >= 1))

    two = (n >= 2) & (span > 0)
    three = (n >= 3) & (sxx > 0)
    three_w = three & known
    out = pd.DataFrame({
        "dates": n.astype(int),
        "first": first["date"],
        "last": last["date"],
        "nsm_m": nsm.where(n >= 2),
        "sce_m": sce.where(n >= 2),
        "epr_m_yr": (nsm / span).where(two),
        "epr_unc_m_yr": (np.sqrt(first["uncertainty_m"] ** 2 + last["uncertainty_m"] ** 2) / span).where(two),
        "lrr_m_yr": slope.where(three),
        "lrr_r2": (1.0 - sse / syy).where(syy > 0, 1.0).where(three),
        "lrr_se_m": lse.where(three),
        "lrr_ci95_m_yr": (tq * lse / np.sqrt(sxx)).where(three),
        "wlr_m_yr": slope_w.where(three_w),
        "wlr_r2": (1.0 - ssew / syyw).where(syyw > 0, 1.0).where(three_w),
        "wlr_se_m": wse.where(three_w),
        "wlr_ci95_m_yr": (tq * wse / np.sqrt(sxxw)).where(three_w),
    })
    out.index.name = "transect"
    return out


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """Student's t quantile for a probability ``p`` in [0.5, 1) and whole degrees of freedom ``df`` ≥ 1.

    Exact to floating point: the t distribution's CDF for whole ``df`` is a finite
    series (Abramowitz & Stegun 26.7.3–4), inverted by bisection; no SciPy needed.

    Example
    -------
    >>> round(t_quantile(0.975, 1), 4), round(t_quantile(0.975, 2), 4), round(t_quantile(0.975, 30), 4)
    (12.7062, 4.3027, 2.0423)
    """
    if not 0.5 <= p < 1.0:
        raise ValueError("p must be in [0.5, 1)")
    if int(df) != df or df < 1:
        raise ValueError("df must be a whole number >= 1")
    df = int(df)
    want = 2.0 * p - 1.0  # P(|T| < t)

    def inside(theta: float) -> float:  # P(|T| < sqrt(df)·tan θ)
        s, c = math.sin(theta), math.cos(theta)
        c2 = c * c
        if df % 2:
            if df == 1:
                return 2.0 * theta / math.pi
            term = total = c
            k = 1
            for _ in range((df - 3) // 2):
                term *= c2 * (k + 1) / (k + 2)
                total += term
                k += 2
            return 2.0 / math.pi * (theta + s * total)
        term = total = 1.0
        k = 1
        for _ in range((df - 2) // 2):
            term *= c2 * k / (k + 1)
            total += term
            k += 2
        return s * total

    lo, hi = 0.0, math.pi / 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if inside(mid) < want:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-16:
            break
    return math.sqrt(df) * math.tan(0.5 * (lo + hi))
