"""Paths GDAL opens as they are written (GDAL 路径检查).

pyogrio hands GDAL a path after reading it as a URL: ``zones;v2.gpkg`` becomes ``zones`` (a URL's
parameters), ``a!b.gpkg`` the file ``b.gpkg`` inside an archive ``a`` (in the working folder), and tabs and
newlines vanish.  A path it would change is refused before anything is read or written, so ecozone never
reads another file than the one named, and never writes over one.
"""

from __future__ import annotations

import os

from .errors import InputError
from .escape import line_text

__all__ = ["gdal_path_problem", "check_gdal_path"]


def gdal_path_problem(path: str | os.PathLike) -> str:
    """Why GDAL, through pyogrio, would open another file than ``path`` ('' if it would not): pyogrio reads a
    path as a URL, so a ``;`` cuts the name (``zones;v2.gpkg`` → ``zones``), a ``!`` names a file inside an archive
    (``a!b.gpkg`` → ``b.gpkg``, in the working folder) and tabs and newlines vanish.  A ``.zip`` is meant as one."""
    text = os.fspath(path)
    if text.startswith("/vsi") or text.lower().endswith(".zip"):
        return ""
    from pyogrio.util import vsi_path

    seen = vsi_path(text)
    if seen == text:
        return ""
    odd = sorted({ch for ch in text if ch in ";!\t\n\r"})
    shown = ", ".join(repr(ch) for ch in odd) or "its characters"
    return (f"GDAL would open {seen!r}, not this path ({shown} in a path is read as a URL's); fix: rename the file "
            "or folder without those characters")


def check_gdal_path(path: str | os.PathLike) -> None:
    """Raise :class:`InputError` for a path :func:`gdal_path_problem` finds a problem with, before anything is read
    or written: never another file read, never another file replaced."""
    problem = gdal_path_problem(path)
    if problem:
        raise InputError(f"{line_text(os.fspath(path))}: {problem}")
