"""The dask engine's cluster (集群): the ``dask`` extra checked, a Client connected to a scheduler or a
local cluster started, tasks computed on it with a progress bar.

Example
-------
>>> import pytest
>>> _ = pytest.importorskip("distributed")
>>> with local_client(1) as client:
...     compute([], client, False)
[]
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from typing import Any

from . import parallel
from .errors import InputError

__all__ = ["INSTALL", "require_dask", "connect", "quiet", "local_client", "connected", "compute", "cluster_cores"]

#: How to install what the engine needs.
INSTALL = "pip install 'ecozone[dask]'"


def require_dask() -> None:
    """Raise a one-line InputError naming the ``dask`` extra when dask-geopandas or distributed is missing."""
    for module in ("dask", "dask_geopandas", "distributed"):
        try:
            __import__(module)
        except ImportError:
            raise InputError(
                f"engine 'dask': needs the optional 'dask' extra ({module.replace('_', '-')} is not installed); fix: {INSTALL}"
            ) from None


def connect(scheduler: Any, *, timeout: float = 10.0):
    """A ``distributed.Client`` for a scheduler address (``tcp://HOST:8786``); a Client is returned as it is.

    An address where no scheduler answers within ``timeout`` seconds raises a
    one-line InputError instead of waiting for ever.
    """
    require_dask()
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    address = str(scheduler)
    if not re.fullmatch(r"(tcp|tls|ws|wss|ucx)://[^\s/]+:\d+", address):
        raise InputError(f"scheduler {address}: not a Dask scheduler address; fix: give PROTOCOL://HOST:PORT, "
                         "e.g. tcp://10.0.0.5:8786 (what `dask scheduler` prints)")
    quiet()
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # OSError (refused, timed out) …
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(
            f"scheduler {address}: no Dask scheduler answered within {timeout:g} s ({reason}); "
            "fix: check the address and that the scheduler is running, or leave --scheduler out for a local cluster"
        ) from None


def quiet() -> None:
    """Dask's own INFO messages (workers starting, connections …) stay out of ecozone's stderr."""
    import logging

    for name in ("distributed", "tornado"):
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def local_client(workers: int | None = None):
    """A LocalCluster of ``workers`` single-threaded processes (default: one per CPU) and its Client."""
    require_dask()
    import logging

    from distributed import Client, LocalCluster

    quiet()
    # no dashboard; the scheduler's HTTP endpoints on a free port, not 8787 (two clusters would clash)
    with LocalCluster(n_workers=workers or parallel.workers(), threads_per_worker=1, processes=True, dashboard_address=":0",
                      scheduler_kwargs={"dashboard": False}, silence_logs=logging.WARNING) as cluster:
        with Client(cluster, set_as_default=False) as client:
            yield client


# --------------------------------------------------------------------------- the big layer


@contextlib.contextmanager
def connected(client: Any):
    """The Client to compute on: ``client`` itself, or one connected to an address (closed afterwards),
    or None (dask's default: the current Client if there is one)."""
    if client is None:
        yield None
    elif isinstance(client, (str, os.PathLike)):
        with connect(client) as connected:
            yield connected
    else:
        yield connect(client)


def compute(tasks: list, client: Any, progress: bool, *, keep: bool = False) -> list:
    """Compute dask tasks on the client (or dask's default scheduler), with a progress bar on stderr:
    their results, or with ``keep`` their handles, the results staying in the workers' memory."""
    import dask

    if client is not None:
        futures = client.persist(tasks) if keep else client.compute(tasks)
        if progress:
            from distributed import progress as bar

            with contextlib.redirect_stdout(sys.stderr):
                bar(futures)
        return futures if keep else client.gather(futures)
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr) if progress else contextlib.nullcontext():
        return list((dask.persist if keep else dask.compute)(*tasks))


def cluster_cores(client: Any) -> int:
    if client is None:
        return parallel.workers()
    return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
