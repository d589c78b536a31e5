"""What the benchmarks share: timing a child process, formatting, and their section of RESULTS.md.

Imported by the bench scripts (``python bench/coverage.py`` puts ``bench/`` on the path).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: str = "ok"  # ok, failed, timeout
    detail: str = ""
    cpu_s: float = 0.0  # user + system CPU seconds of the child (its rusage)


class Timed:
    """For a result that holds its ``runs``: whether all succeeded, and their median time and peak memory."""

    runs: list[Run]

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.status == "ok" for r in self.runs)

    @property
    def seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.ok else None

    @property
    def peak_mb(self) -> float | None:
        return statistics.median(r.peak_mb for r in self.runs) if self.ok else None


def outside_virtualenv(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the virtualenv the bench runs in: with its python3 first on PATH (an activated
    environment), QGIS's embedded Python takes that environment's prefix and cannot import qgis."""
    import sys

    own = {Path(sys.prefix, "bin").resolve(), Path(sys.executable).parent.resolve()}
    env = dict(env)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() not in own)
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONHOME", None)
    return env


def run_once(argv: list[str], timeout: float, log: Path, env: dict[str, str] | None = None) -> Run:
    """Run one child; wall time from spawn to exit, peak RSS from its rusage; killed after ``timeout`` s.
    QGIS (``qgis_process``) runs outside this virtualenv (:func:`outside_virtualenv`)."""
    full = {**os.environ, **(env or {})}
    if Path(argv[0]).name.startswith("qgis_process"):
        full = outside_virtualenv(full)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Run(time.perf_counter() - start, usage.ru_maxrss / 1024, "timeout", f"> {timeout:.0f} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        return Run(seconds, usage.ru_maxrss / 1024, "failed", f"exit {proc.returncode}: {tail[0][:200]}",
                   usage.ru_utime + usage.ru_stime)
    return Run(seconds, usage.ru_maxrss / 1024, cpu_s=usage.ru_utime + usage.ru_stime)


def compile_ecozone(source: Path | None = None) -> None:
    """Byte-compile ecozone's modules, as ``pip install`` does when it installs a package.

    This machine sets PYTHONDONTWRITEBYTECODE, so an editable checkout would compile its 60-odd modules
    again on every run (0.1 s of a command's start-up) where an installed copy, like the peers' packages,
    reads them compiled.  ``source``: the folder holding ``ecozone/`` (default: the one imported)."""
    import compileall
    import importlib.util

    if source is None:
        spec = importlib.util.find_spec("ecozone")
        package = Path(next(iter(spec.submodule_search_locations)))
    else:
        package = Path(source) / "ecozone"
    compileall.compile_dir(package, quiet=1)


def fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def machine() -> dict[str, str]:
    """The machine, Python and ecozone: the first lines of every benchmark's versions."""
    import ecozone

    return {
        "machine": f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
                   f"{platform.platform()}",
        "python": platform.python_version(),
        "ecozone": ecozone.__version__,
    }


def update_results(text: str, begin: str, end: str) -> None:
    """Replace the section between the ``begin`` and ``end`` markers of bench/RESULTS.md, or append it."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + text + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(new, encoding="utf-8")
