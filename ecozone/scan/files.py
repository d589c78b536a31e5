"""What :func:`ecozone.scan.scan` opens in a folder (待读文件): the layer files, the links it does not follow
and the other files it lists as not read.

A folder is walked without following links: a link (file or folder) that leads out of the scanned folder, or
nowhere, is listed as not read and never opened, so a manifest never points outside what was handed over.  Paths
keep the links inside the folder as they are (``link.gpkg``, not the file it points to): the scanned folder itself
is resolved, the part below it is not.  Hidden files, a Shapefile's companion files (``.dbf``, ``.prj``,
``.shp.xml`` …) and ``.toml`` files (ecozone's configs: the manifest scan writes among them) are passed over in
silence; every other file is listed as not read (more than a few of one suffix in a folder: as one line).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..gdal_paths import gdal_path_problem

#: Files scan reads: each one layer, or (GeoPackage) several.
LAYER_FILES = (".shp", ".geojson", ".json", ".gpkg", ".fgb")
#: Deliveries scan lists with how to convert them (:func:`ecozone.land_survey.refuse_delivery`).
REFUSED = (".mdb", ".vct")
_RASTERS = (".tif", ".tiff", ".img", ".vrt", ".asc", ".nc", ".jp2")
_GROUP = 4  # more files of one suffix in one folder than this: one line for them all
_READS = ".gdb, .gpkg, .shp, .geojson, .json, .fgb"


@dataclass
class Entry:
    """One thing in the source: ``path`` (the scanned folder resolved, the part inside it as it is), ``within``
    (that part, as the manifest's comments and stderr name it) and ``skip`` (why it is not opened; '' to open it)."""

    path: Path
    within: str
    skip: str = ""


def entries(source: str | os.PathLike) -> list[Entry]:
    """The files and FileGDBs of ``source`` scan opens, and those it does not with why, in path order."""
    root = Path(source)
    if not root.exists():
        raise InputError(f"{root}: not found; fix: give a FileGDB (.gdb), a GeoPackage or a folder of Shapefiles")
    if root.is_file() or root.suffix.lower() == ".gdb":
        suffix = root.suffix.lower()
        if root.is_file() and suffix not in (*LAYER_FILES, *REFUSED):
            raise InputError(f"{root}: not a layer file scan reads ({suffix or 'no suffix'}); fix: give a FileGDB (.gdb), "
                             "a GeoPackage (.gpkg), a Shapefile (.shp), a GeoJSON (.geojson) or FlatGeobuf (.fgb) file, "
                             "or a folder of them")
        return [Entry(Path(os.path.abspath(root)).parent.resolve() / root.name, root.name)]
    base = root.resolve()
    out: list[Entry] = []

    def unreadable(exc: OSError) -> None:  # a subfolder that cannot be listed: said, not passed over
        p = Path(exc.filename)
        out.append(Entry(p, _within(p, base), f"cannot be read ({exc.strerror or type(exc).__name__})"))

    for dirpath, dirs, files in os.walk(base, onerror=unreadable):  # links to folders are not walked into
        here = Path(dirpath)
        dirs.sort()
        kept = []
        for d in dirs:
            p = here / d
            if d.startswith("."):
                continue
            problem = _link_problem(p, base)
            if problem:
                out.append(Entry(p, _within(p, base), problem))
            elif d.lower().endswith(".gdb"):
                out.append(Entry(p, _within(p, base)))  # one source: what is inside is its own
            elif p.is_symlink():
                out.append(Entry(p, _within(p, base), "a link to a folder inside this one: its layers are listed there"))
            else:
                kept.append(d)
        dirs[:] = kept
        out += _files(here, sorted(files), base)
    return sorted(out, key=lambda e: e.within)


def _files(here: Path, files: list[str], base: Path) -> list[Entry]:
    shapefiles = {f[:-4].casefold() for f in files if f.lower().endswith(".shp")}
    out, others = [], {}
    for f in files:
        p = here / f
        suffix = p.suffix.lower()
        if f.startswith(".") or suffix == ".toml":
            continue
        problem = _link_problem(p, base)
        if problem:
            out.append(Entry(p, _within(p, base), problem))
        elif suffix in LAYER_FILES or suffix in REFUSED:
            out.append(Entry(p, _within(p, base)))
        elif not any(f.casefold().startswith(stem + ".") for stem in shapefiles):
            others.setdefault(suffix, []).append(p)
    for suffix, paths in others.items():
        what = ("a raster (scan lists vector layers; a raster goes in the manifest as [rasters.NAME])" if suffix in _RASTERS
                else f"{suffix or 'a file without suffix'} is not a layer format scan reads ({_READS})")
        if len(paths) > _GROUP:
            p = here / f"*{suffix}"
            out.append(Entry(p, _within(p, base), f"{len(paths)} files: {what}"))
        else:
            out += [Entry(p, _within(p, base), what) for p in paths]
    return out


def _within(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path != base else path.name


def _link_problem(path: Path, base: Path) -> str:
    """Why ``path`` is not opened: a link out of ``base`` or to nowhere, or a name a manifest cannot hold ('' if
    none of these)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 (a name from a GBK disk): TOML cannot write it
        return "a name that is not UTF-8 (a manifest cannot name it); fix: rename it (in UTF-8)"
    problem = gdal_path_problem(path)
    if problem:
        return problem
    if not path.is_symlink():
        return ""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # nowhere, or a loop
        return "a broken link (it leads nowhere); fix: remove it, or copy the file it meant into the folder"
    if target != base and base not in target.parents:
        return ("a link out of the folder (not followed: scan reads only what is inside); fix: copy the file into "
                "the folder, or scan the folder it is in")
    return ""
