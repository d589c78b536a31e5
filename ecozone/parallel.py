"""Threads for GEOS work (并行): vectorised shapely calls in slices on all CPUs, or on one.

GEOS releases the GIL, so a vectorised shapely call over a large array runs
on every core when cut into slices (:func:`threaded`).  Inside a Dask task
the cluster already runs one task per core: :func:`one_thread` keeps that
task's GEOS work on its own thread.  Below :mod:`ecozone.prepare`, the
measurements and the engines.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["one_thread", "workers", "threaded"]

_local = threading.local()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """GEOS work of this thread on this thread only (for Dask tasks: the cluster runs one task per core)."""
    before = getattr(_local, "threads", None)
    _local.threads = 1
    try:
        yield
    finally:
        _local.threads = before


def workers() -> int:
    """Threads for GEOS work: the CPUs this process may use (one inside :func:`one_thread`)."""
    if getattr(_local, "threads", None):
        return _local.threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threaded(func: Callable[..., np.ndarray], *arrays: np.ndarray, min_size: int = 50_000) -> np.ndarray:
    """``func(*arrays)`` for a vectorised function, in slices on all CPUs (GEOS releases the GIL).

    The arrays are cut at the same places; the slices' results are joined.
    Used for the passes over every feature or pair of a large layer
    (``is_valid`` of a million parcels: 1.3 s on one core, 0.75 s on two).
    """
    arrays = tuple(np.asarray(a) for a in arrays)
    n, threads = len(arrays[0]), workers()
    if n < min_size or threads == 1:
        return func(*arrays)
    cuts = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        parts = pool.map(lambda lo, hi: func(*(a[lo:hi] for a in arrays)), cuts[:-1], cuts[1:])
        return np.concatenate(list(parts))


