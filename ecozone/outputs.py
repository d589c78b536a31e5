"""Where ecozone may write (输出位置): inside the output, never over an input, never more than its own.

Every command that writes passes through here before it measures anything:

* :func:`safe_filename` turns a name that came from data (a layer or atlas name in a
  manifest) into one file name: no folder separators, no ``..``, no control characters,
  no reserved Windows names, unique within the output.
* :func:`check_inside` refuses a path that would land outside the output folder.
* :func:`input_files` / :func:`check_not_inputs`: an output is never one of the run's
  inputs (a Shapefile's ``.dbf``/``.shx``/``.prj``/``.cpg`` and a FileGDB's files count as
  the input too).
* :class:`OutputFolder` is the folder of a report (``ecozone audit``, ``ecozone demo``,
  ``ecozone coastline-change``): the command writes a marker file (``.ecozone-outputs.json``)
  naming itself and each file it wrote with its size and modification time, so its next run
  may write there again without ``--overwrite`` and removes its own earlier outputs that it
  does not write again (no stale table stays beside a new report).  A folder holding anything
  else — another command's outputs, a listed file someone changed since — is refused without
  ``--overwrite``; with it, ecozone writes its outputs and leaves everything else alone.
  Nothing is deleted but a file the marker lists, unchanged, inside the folder, not an input.

Example
-------
>>> safe_filename("../../etc/passwd"), safe_filename("红线/2020"), safe_filename("CON")
('etc_passwd', '红线_2020', '_CON')
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> folder = OutputFolder(root / "report", inputs=[], overwrite=False, command="audit")
>>> with folder:
...     _ = folder.path("report.json").write_text("{}")
>>> sorted(p.name for p in (root / "report").iterdir())
['.ecozone-outputs.json', 'report.json']
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

__all__ = ["safe_filename", "check_inside", "input_files", "is_input", "check_not_inputs", "check_writable", "OutputFolder",
           "MARKER"]

#: The file in a report folder that lists what ecozone wrote there.
MARKER = ".ecozone-outputs.json"

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")



def safe_filename(name: object, *, taken: set[str] | None = None, default: str = "layer", max_bytes: int = 120) -> str:
    """A file name (without suffix) made from ``name``: one path component, printable, not hidden.

    Separators, ``..``, control characters and characters Windows forbids become ``_``;
    leading dots and spaces go; a reserved Windows device name gets a leading ``_``; the
    name is cut to ``max_bytes`` of UTF-8.  With ``taken`` (lower-cased names already used,
    updated here), a repeated name gets ``_2``, ``_3`` … so two layers never share a file.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text)  # no ".." anywhere
    text = text.strip(" ._") or default
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    if taken is not None:
        base, i = text, 2
        while text.lower() in taken:
            text = f"{base}_{i}"
            i += 1
        taken.add(text.lower())
    return text


def check_inside(folder: str | os.PathLike, path: str | os.PathLike) -> Path:
    """``path`` if it lies inside ``folder`` (symbolic links resolved), else an InputError."""
    root = Path(folder).resolve()
    target = Path(path).resolve()
    if target != root and root not in target.parents:
        raise InputError(f"{path}: would be written outside the output folder {folder} (a name with .. or a "
                         "symbolic link leading out); fix: remove the link, or rename the layer (letters, digits, _ and -)")
    return Path(path)


def input_files(paths: Iterable[str | os.PathLike | None]) -> set[Path]:
    """The resolved files of a run's inputs: each path, a Shapefile's companion files, a folder's (FileGDB) files."""
    files: set[Path] = set()
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        if not p.is_dir() or p.suffix.lower() == ".gdb":  # a FileGDB folder is one input: nothing is written in it
            files.add(p.resolve())
        if p.suffix.lower() == ".shp":
            stem = str(p)[: -len(p.suffix)]
            for suffix in _SHAPEFILE_PARTS:
                for case in (suffix, suffix.upper()):
                    files.add(Path(stem + case).resolve())
        elif p.is_dir():
            files.update(q.resolve() for q in p.rglob("*") if q.is_file())
    return files


def check_not_inputs(outputs: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse any output that is one of the inputs (compared as resolved paths, and as the same file)."""
    known = input_files(inputs)
    for out in outputs:
        if is_input(out, known):
            raise InputError(f"{out}: is also an input of this run; fix: write the outputs to another file or folder (-o)")


def is_input(path: str | os.PathLike, known: set[Path]) -> bool:
    """``path`` is one of the ``known`` input files (:func:`input_files`), lies inside one (a FileGDB), or is
    one of them under another name (a hard link, a bind mount: the same inode)."""
    path = Path(path)
    resolved = path.resolve()
    return resolved in known or any(parent in known for parent in resolved.parents) or _same_file(path, known)


def _same_file(out: Path, known: set[Path]) -> bool:
    """``out`` is one of ``known`` under another name (a hard link, a bind mount)."""
    try:
        st = out.stat()
    except OSError:
        return False
    for k in known:
        try:
            ks = k.stat()
        except OSError:
            continue
        if (ks.st_ino, ks.st_dev) == (st.st_ino, st.st_dev) and not out.is_dir():
            return True
    return False


def check_writable(folder: str | os.PathLike) -> None:
    """Refuse, before any work, a folder that cannot be made or written (read-only, a file in the way, disk full)."""
    folder = Path(folder)
    probe_root = folder
    while not probe_root.exists():  # the first existing ancestor decides
        if probe_root.parent == probe_root:
            break
        probe_root = probe_root.parent
    if probe_root.exists() and not probe_root.is_dir():
        raise InputError(f"{folder}: {probe_root} is a file, not a folder; fix: choose another output folder")
    probe = probe_root / f".ecozone-write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise InputError(f"{folder}: cannot write there ({reason}); fix: choose a folder you can write to (-o)") from None


class OutputFolder:
    """A folder a report command (``command``: ``audit``, ``demo``, ``coastline-change``) writes its
    outputs into, guarded as the module says.

    ``OutputFolder(out, inputs=…, overwrite=…, command=…)`` checks at once, before any measuring:
    ``out`` is not a file, not inside an input, and can be written; it is new, empty, or holds
    nothing but what the same command wrote there last time — files its marker lists, unchanged
    since (same size and modification time) — unless ``overwrite`` is set.  Then ``path(name)``
    gives each output's path (inside, not an input, recorded).  Leaving the ``with`` block without
    an error removes the earlier run's outputs that were not written again (only those: listed,
    unchanged, inside the folder, not an input) and writes the marker.
    """

    def __init__(self, folder: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (),
                 overwrite: bool = False, command: str):
        self.folder = Path(folder)
        self.command = command
        self.inputs: list[Path] = [Path(p) for p in inputs if p is not None]
        self.written: list[str] = []
        self.created = False
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(f"{self.folder}: is a file, not a folder; fix: give a folder for the outputs (-o)")
        check_not_inputs([self.folder], self.inputs)  # never write into an input (a FileGDB, a layer)
        check_writable(self.folder)
        self.earlier = self._earlier_outputs()
        others = self._other_contents()
        if others and not overwrite:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise InputError(f"{self.folder}: holds files this command did not write or that changed since "
                             f"({shown}); fix: choose a new or empty folder, or pass --overwrite to write ecozone's "
                             "outputs beside them (nothing else is touched)")

    def _earlier_outputs(self) -> dict[str, tuple[int, int]]:
        """The files the marker says this command wrote here and that are as it left them."""
        marker = self.folder / MARKER
        try:
            doc = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
            listed = doc.get("files", {}) if doc.get("command") == self.command else {}
            listed = listed if isinstance(listed, dict) else {}
        except (OSError, ValueError, AttributeError):
            return {}
        ours = {}
        for rel, stamp in listed.items():
            if not isinstance(rel, str) or not isinstance(stamp, list) or len(stamp) != 2:
                continue
            path = Path(rel)
            if path.is_absolute() or ".." in path.parts or rel in ("", ".", MARKER):
                continue
            target = self.folder / path
            try:
                check_inside(self.folder, target)
                st = target.lstat()
            except (InputError, OSError):
                continue
            if target.is_file() and not target.is_symlink() and [st.st_size, st.st_mtime_ns] == stamp:
                ours[path.as_posix()] = (st.st_size, st.st_mtime_ns)
        return ours

    def _other_contents(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        from .io import PARTIAL as partial

        others = []
        for p in sorted(self.folder.rglob("*")):
            if p.is_dir() and not p.is_symlink():
                continue
            rel = p.relative_to(self.folder).as_posix()
            if rel == MARKER or rel in self.earlier or any(partial in part for part in Path(rel).parts):
                continue
            others.append(rel)
        return others

    def path(self, name: str | os.PathLike) -> Path:
        """The path of output ``name`` (relative to the folder, fixed by ecozone or made by :func:`safe_filename`)."""
        target = check_inside(self.folder, self.folder / name)
        check_not_inputs([target], self.inputs)
        self.record(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def expect(self, names: Iterable[str]) -> None:
        """Check, before any work, outputs whose names are known in advance (inside, not an input)."""
        for name in names:
            check_not_inputs([check_inside(self.folder, self.folder / name)], self.inputs)

    def subfolder(self, name: str) -> Path:
        """A folder inside this one for a writer that names its own files (maps, exports); record what it wrote."""
        target = check_inside(self.folder, self.folder / name)
        check_not_inputs([target], self.inputs)
        target.mkdir(parents=True, exist_ok=True)
        _clean_partials(target)
        return target

    def record(self, *paths: str | os.PathLike) -> None:
        """Note files written into the folder by a writer of their own (maps, exports)."""
        for p in paths:
            check_inside(self.folder, p)
            rel = Path(p).resolve().relative_to(self.folder.resolve()).as_posix()
            if rel not in self.written:
                self.written.append(rel)

    def __enter__(self) -> OutputFolder:
        self.created = not self.folder.exists()
        if not self.created:
            _clean_partials(self.folder)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        done = [w for w in self.written if (self.folder / w).is_file()]
        if exc_type is not None:  # a failed run: a folder it made and left empty goes; files it finished stay ecozone's
            if done:
                with contextlib.suppress(Exception):
                    self._write_marker([*self.earlier, *done])
            elif self.created:
                with contextlib.suppress(OSError):
                    self.folder.rmdir()
            return
        now = {w.casefold() for w in self.written}  # a case-insensitive disk: Roads.geojson is roads.geojson
        known = input_files(self.inputs)
        stale = [rel for rel in self.earlier if rel.casefold() not in now]
        for rel in stale:  # the earlier run's outputs that this run did not write again
            target = self.folder / rel
            with contextlib.suppress(OSError, InputError):
                check_inside(self.folder, target)
                if not is_input(target, known):
                    target.unlink()
        for rel in sorted({Path(r).parent for r in stale if Path(r).parent != Path(".")}, key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError, InputError):
                (check_inside(self.folder, self.folder / rel)).rmdir()  # only when empty
        self._write_marker(done)

    def _write_marker(self, outputs: Iterable[str]) -> None:
        files = {}
        for rel in sorted(set(outputs)):
            with contextlib.suppress(OSError):
                st = (self.folder / rel).stat()
                files[rel] = [st.st_size, st.st_mtime_ns]
        doc = {"written_by": "ecozone", "command": self.command,
               "note": "what this command wrote here last time; the next run of it replaces these files (and only "
                       "these, if unchanged)", "files": files}
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_text(self.folder / MARKER, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


# ecozone.io (the writers, beside the readers) imports geopandas: imported when a folder is written, not with this
# module (the commands import it for their --help)
def _clean_partials(folder: Path) -> list[Path]:
    from .io import clean_partials

    return clean_partials(folder)


def _write_text(target: Path, text: str) -> Path:
    from .io import write_text

    return write_text(target, text)
