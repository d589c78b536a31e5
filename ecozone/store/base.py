"""What every monitoring store shares: the survey record, the content hash, the schema and its migrations,
the rules of ``add`` and ``correct``, and how a location is named in messages (password masked).

A backend (:mod:`~ecozone.store.gpkg`, :mod:`~ecozone.store.postgis`) implements five steps — create the
tables, read the survey rows, read the schema version, migrate, and one locked transaction that checks,
inserts the row and writes the layer — and :class:`Store` does the rest the same way for both.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import StoreError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Survey", "Store", "SCHEMA_VERSION", "SURVEY_COLUMNS", "content_hash", "mask_url", "mask_text", "SHAPEFILE_MEMBERS", "url_secrets",
           "frame_hash", "PAUSE_ENV", "pause_hook", "LOCK_TIMEOUT_S"]

#: The store layout this ecozone writes.  1: surveys and meta; 2: the ``simulated`` flag of a survey.
SCHEMA_VERSION = 2
#: The survey table's columns, per schema version (a later version only adds columns, so an older store reads).
SURVEY_COLUMNS = {
    1: ("id", "kind", "date", "label", "note", "sha256", "source", "features", "crs", "layer", "supersedes", "reason",
        "added_at"),
    2: ("simulated",),
}
#: How long a writer waits for another one to finish (seconds), unless told otherwise.
LOCK_TIMEOUT_S = 60.0
#: Test hook: ``MARKER[:SECONDS]`` makes ``add`` touch MARKER and sleep (default an hour) inside its
#: transaction, after the layer and the row are written and before the commit — so a test can kill it there.
PAUSE_ENV = "ECOZONE_STORE_PAUSE_IN_ADD"


@dataclass(frozen=True)
class Survey:
    """One stored survey (one version of it): what, when, from which file, and which version it corrects."""

    id: int
    kind: str
    date: str
    label: str | None
    note: str | None
    sha256: str
    source: str
    features: int
    crs: str | None
    layer: str
    supersedes: int | None
    reason: str | None
    added_at: str
    simulated: bool = False
    superseded_by: int | None = None

    @property
    def name(self) -> str:
        """``#3 coastline 2026-09-30 (2026Q3)``: how messages and reports name it."""
        return f"#{self.id} {self.kind} {self.date}" + (f" ({self.label})" if self.label else "")

    @property
    def current(self) -> bool:
        return self.superseded_by is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: A Shapefile's member files (GDAL's and ESRI's list: geometry, index, attributes, CRS, code page, spatial and
#: attribute indexes).  Other files beside it with its name (``coast.shp.xml`` metadata, ``coast.readme.txt``,
#: ``coast.gpkg``) are not the Shapefile and do not count.
SHAPEFILE_MEMBERS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".cst", ".qix", ".sbn", ".sbx", ".fbn", ".fbx",
                               ".ain", ".aih", ".atx", ".ixs", ".mxs", ".qpj"})


def content_hash(sources: list[str | os.PathLike]) -> str:
    """sha256 over every file of the sources: a Shapefile's members (:data:`SHAPEFILE_MEMBERS`: .shp .shx .dbf
    .prj .cpg …), a folder's (FileGDB) files by relative path, a single file's bytes.  The file's own name does
    not count: the same data under another name is the same data."""
    digest = hashlib.sha256()
    for source in sources:
        p = Path(source)
        if p.is_dir():
            parts = sorted((q.relative_to(p).as_posix(), q) for q in p.rglob("*") if q.is_file())
        elif p.suffix.lower() == ".shp":
            stem = p.name[: -len(p.suffix)]
            parts = sorted((q.name[len(stem):].lower(), q) for q in p.parent.iterdir()
                           if q.is_file() and q.name[: len(stem)].lower() == stem.lower()
                           and q.name[len(stem):].lower() in SHAPEFILE_MEMBERS)
        else:
            parts = [("", p)]
        for key, q in parts:
            file_digest = hashlib.sha256()
            with open(q, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    file_digest.update(block)
            digest.update(key.encode("utf-8") + b"\0" + file_digest.digest())
    return digest.hexdigest()


_QUERY_PASSWORD = re.compile(r"((?:^|\b)password=)[^&#\s]*", re.I)


def frame_hash(frame: gpd.GeoDataFrame) -> str:
    """sha256 of a layer that has no file (a survey made in memory, as the demo's simulated ones): its CRS,
    columns, attribute values and geometries (WKB)."""
    import shapely

    digest = hashlib.sha256()
    digest.update((frame.crs.to_wkt() if frame.crs is not None else "").encode("utf-8"))
    attrs = frame.drop(columns=frame.geometry.name)
    digest.update(attrs.to_json(orient="split", date_format="iso", default_handler=str).encode("utf-8"))
    for wkb in shapely.to_wkb(frame.geometry.values, hex=False):
        digest.update(wkb or b"")
    return digest.hexdigest()


def mask_url(location: str) -> str:
    """A store's location as messages may show it: every credential replaced by ``***`` — the userinfo's
    password (everything after its first ``:`` up to the LAST ``@``, so an unencoded ``@`` in it is masked too)
    and a ``password=`` query parameter.

    >>> mask_url("postgresql://gis:pa@ss@db.example:5432/eco"), mask_url("monitor.gpkg")
    ('postgresql://gis:***@db.example:5432/eco', 'monitor.gpkg')
    >>> mask_url("postgresql:///eco?host=db&user=gis&password=s3cret")
    'postgresql:///eco?host=db&user=gis&password=***'
    """
    text = str(location)
    m = re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I)
    if not m:
        return _QUERY_PASSWORD.sub(lambda q: q.group(1) + "***", text)
    head, sep, query = text[m.end():].partition("?")
    at = head.rfind("@")
    if at >= 0 and ":" in head[:at]:
        head = head[: head.index(":")] + ":***" + head[at:]
    return m.group(0) + head + sep + _QUERY_PASSWORD.sub(lambda q: q.group(1) + "***", query)


def url_secrets(url: str) -> list[str]:
    """The passwords a URL holds (its userinfo's, up to the last ``@``, and ``password=`` query values), as
    written and percent-decoded, longest first: what :func:`mask_text` must hide."""
    from urllib.parse import unquote

    text = str(url)
    m = re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I)
    head, _, query = text[m.end():].partition("?") if m else ("", "", text)
    found = []
    at = head.rfind("@")
    if at >= 0 and ":" in head[:at]:
        found.append(head[head.index(":") + 1: at])
    found += re.findall(r"(?:^|[&;])password=([^&#]*)", query, flags=re.I)
    out = {v for f in found for v in (f, unquote(f)) if v}
    return sorted(out, key=len, reverse=True)


def mask_text(text: str, secret: str | list[str] | tuple[str, ...] | None) -> str:
    """``text`` with ``secret`` (a password, or several) replaced by ``***`` wherever it appears, every URL
    masked (:func:`mask_url`) and every ``password=…`` (a libpq connection string) masked."""
    text = str(text)
    for one in sorted([secret] if isinstance(secret, str) else list(secret or ()), key=len, reverse=True):
        if one:
            text = text.replace(one, "***")
    text = re.sub(r"[a-z][a-z0-9+.-]*://\S+", lambda m: mask_url(m.group(0)), text, flags=re.I)
    return _QUERY_PASSWORD.sub(lambda q: q.group(1) + "***", text)


def pause_hook() -> None:
    """The test hook of :data:`PAUSE_ENV` (nothing when it is unset)."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    marker, _, seconds = spec.rpartition(":") if re.search(r":\d+(\.\d+)?$", spec) else (spec, "", "3600")
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(seconds))


def survey_date(value: Any) -> str:
    """A survey date as ``YYYY-MM-DD``: a date, or text that is exactly ``YYYY-MM-DD`` and a real calendar day
    (``2026``, ``2026-06`` or an Excel day number are refused: a survey has one day)."""
    if isinstance(value, (_dt.date, _dt.datetime)) and not isinstance(value, bool):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip() if value is not None else ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return _dt.date.fromisoformat(text).strftime("%Y-%m-%d")
    except ValueError:
        raise StoreError(f"--date {text!r}: not a calendar date written YYYY-MM-DD; fix: give the survey's day, "
                         "e.g. --date 2026-09-30") from None


#: Column names a store keeps for itself: GeoPackage's feature id and the PostGIS store's row number.
RESERVED_COLUMNS = ("fid", "ecozone_row")
#: The longest column name both stores keep as it is (PostgreSQL cuts identifiers at 63 bytes).
MAX_COLUMN_BYTES = 63


def storable_columns(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """``frame`` with the columns both stores would mishandle renamed (and ``{old: new}``): a column named
    like a store's own (``fid``/``FID`` — GeoPackage's feature id —, ``ecozone_row``), one longer than 63 bytes,
    one equal to another but for case.  The new names end ``_1``, ``_2`` … and are unique."""
    geometry = frame.geometry.name
    taken = {str(c).casefold() for c in frame.columns}
    seen: set[str] = set()
    renamed: dict[str, str] = {}
    for col in frame.columns:
        name = str(col)
        key = name.casefold()
        if col == geometry:
            seen.add(key)
            continue
        if key in RESERVED_COLUMNS or len(name.encode("utf-8")) > MAX_COLUMN_BYTES or key in seen:
            base = name.encode("utf-8")[: MAX_COLUMN_BYTES - 4].decode("utf-8", "ignore")
            n = 1
            while f"{base}_{n}".casefold() in taken or f"{base}_{n}".casefold() in seen:
                n += 1
            renamed[name] = f"{base}_{n}"
            key = renamed[name].casefold()
            taken.add(key)
        seen.add(key)
    if not renamed:
        return frame, {}
    out = frame.copy()
    out.columns = [renamed.get(str(c), c) if c != geometry else c for c in frame.columns]
    return out.set_geometry(geometry), renamed


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """A store of dated surveys (监测库).  Open one with :func:`ecozone.store.open_store`.

    ``surveys()`` lists every version; ``current()`` the versions reports use (none superseding them);
    ``load(survey)`` reads a survey's layer; ``add`` stores a new survey in one transaction (refused when
    the same data is stored already); ``correct`` stores a corrected version that supersedes one.
    """

    location: str  # as shown: password masked
    #: The columns the last ``add`` renamed to store them ({old: new}; see :func:`storable_columns`).
    renamed: dict[str, str] = {}

    # --- what a backend implements ---------------------------------------------------------------------
    def _create(self, version: int) -> None:
        raise NotImplementedError

    def _exists(self) -> bool:
        raise NotImplementedError

    def _rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _version(self) -> int:
        raise NotImplementedError

    def _migrate(self, lock_timeout: float) -> None:
        raise NotImplementedError

    def _add(self, record: dict[str, Any], frame: gpd.GeoDataFrame, check: Callable[[list[dict]], None],
             lock_timeout: float) -> int:
        raise NotImplementedError

    def _read(self, survey: Survey) -> gpd.GeoDataFrame:
        raise NotImplementedError

    # --- the same for every backend ----------------------------------------------------------------------
    def init(self, *, version: int = SCHEMA_VERSION) -> None:
        """Create an empty store (refused where one, or anything else, is already)."""
        if self._exists():
            raise StoreError(f"{self.location}: exists already; fix: give a new store, or use the existing one "
                             "(ecozone monitor list)")
        self._create(version)

    def schema_version(self) -> int:
        self._check_exists()
        return self._version()

    def _check_exists(self) -> None:
        if not self._exists():
            raise StoreError(f"{self.location}: no ecozone store there; fix: create it with ecozone monitor init "
                             f"{self.location}")

    def surveys(self) -> list[Survey]:
        """Every survey version, oldest first (by date, then the order they were added)."""
        self._check_exists()
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.location}: store schema version {version} is newer than this ecozone's "
                             f"({SCHEMA_VERSION}); fix: upgrade ecozone")
        names = {f.name for f in fields(Survey)}
        rows = [{k: v for k, v in r.items() if k in names} for r in self._rows()]
        by = {}
        for r in rows:
            if r.get("supersedes") is not None:
                by[int(r["supersedes"])] = int(r["id"])
        out = []
        for r in rows:
            r = {**r, "id": int(r["id"]), "features": int(r["features"]), "simulated": bool(r.get("simulated") or False),
                 "supersedes": None if r.get("supersedes") is None else int(r["supersedes"])}
            out.append(Survey(**r, superseded_by=by.get(r["id"])))
        return sorted(out, key=lambda s: (s.date, s.id))

    def current(self, kind: str | None = None) -> list[Survey]:
        """The survey versions reports use (the latest correction of each), oldest first; of one kind if given."""
        return [s for s in self.surveys() if s.current and (kind is None or s.kind == kind)]

    def find(self, ref: str | int) -> Survey:
        """A survey by its number (``3`` or ``#3``) or its label."""
        surveys = self.surveys()
        text = str(ref).strip().lstrip("#")
        hits = [s for s in surveys if str(s.id) == text] or [s for s in surveys if s.label == str(ref) and s.current]
        if len(hits) != 1:
            known = ", ".join(s.name for s in surveys if s.current) or "none"
            raise StoreError(f"{self.location}: no survey {str(ref)!r}{' (the label is not unique)' if hits else ''}; "
                             f"fix: give its number from ecozone monitor list (current: {known})")
        return hits[0]

    def load(self, survey: Survey | str | int) -> gpd.GeoDataFrame:
        """The survey's layer as stored, in its CRS; ``attrs["source"]`` names the survey."""
        s = survey if isinstance(survey, Survey) else self.find(survey)
        frame = self._read(s)
        if s.crs:
            frame = frame.set_crs(s.crs, allow_override=True)
        frame.attrs["source"] = f"{self.location} {s.name}"
        return frame

    def add(self, frame: gpd.GeoDataFrame, *, kind: str, date: Any, sources: list[str | os.PathLike],
            label: str | None = None, note: str | None = None, simulated: bool = False,
            lock_timeout: float = LOCK_TIMEOUT_S, _supersedes: Survey | None = None, _reason: str | None = None) -> Survey:
        """Store a survey: its layer and its record, in one transaction.  Refused when a stored survey has the
        same content hash (over every file of ``sources``), when a current survey of the same kind and date is
        stored (a correction replaces it), and unless ``date`` is one calendar day (``YYYY-MM-DD``).  Columns the
        stores would mishandle are renamed (:func:`storable_columns`; ``self.renamed`` says which).  Waits up to
        ``lock_timeout`` s for another writer."""
        from ..schema import KINDS

        self._check_exists()
        if kind not in KINDS:
            raise StoreError(f"kind {kind!r} unknown; fix: use one of {', '.join(KINDS)}")
        day = survey_date(date)
        digest = content_hash(sources) if sources else frame_hash(frame)
        if len(frame) == 0:
            raise StoreError(f"{', '.join(map(str, sources))}: no features; fix: give the survey's layer with its features")
        frame, self.renamed = storable_columns(frame)
        if self._version() < SCHEMA_VERSION:
            self._migrate(lock_timeout)
        record = {"kind": kind, "date": day, "label": label, "note": note, "sha256": digest,
                  "source": " + ".join(Path(s).name for s in sources) or "(made in memory)", "features": int(len(frame)),
                  "crs": frame.crs.to_wkt() if frame.crs is not None else None, "layer": "",
                  "supersedes": _supersedes.id if _supersedes is not None else None, "reason": _reason,
                  "added_at": now_utc(), "simulated": bool(simulated)}

        def check(rows: list[dict[str, Any]]) -> None:  # under the writer lock: nothing changes meanwhile
            for r in rows:
                if r["sha256"] == digest:
                    raise StoreError(f"{record['source']}: the same data is stored already as #{r['id']} {r['kind']} "
                                     f"{r['date']}; fix: nothing to do, or correct that survey with another file")
            if _supersedes is not None:
                later = [r for r in rows if r.get("supersedes") is not None and int(r["supersedes"]) == _supersedes.id]
                if later:
                    raise StoreError(f"{self.location}: {_supersedes.name} was corrected already by #{later[0]['id']}; "
                                     f"fix: correct #{later[0]['id']}, the current version")
            replaced = {int(r["supersedes"]) for r in rows if r.get("supersedes") is not None}
            for r in rows:
                if (r["kind"] == kind and r["date"] == record["date"] and int(r["id"]) not in replaced
                        and (_supersedes is None or int(r["id"]) != _supersedes.id)):
                    raise StoreError(f"{record['source']}: a current {kind} survey of {record['date']} is stored already "
                                     f"(#{r['id']}); fix: use ecozone monitor correct {r['id']} to replace it")

        new_id = self._add(record, frame, check, lock_timeout)
        return self.find(new_id)

    def correct(self, survey: Survey | str | int, frame: gpd.GeoDataFrame, *, sources: list[str | os.PathLike],
                reason: str, date: Any = None, lock_timeout: float = LOCK_TIMEOUT_S) -> Survey:
        """Store a corrected version of ``survey``: it supersedes the old one in reports; the old one stays readable."""
        old = survey if isinstance(survey, Survey) else self.find(survey)
        if not reason or not str(reason).strip():
            raise StoreError("no reason for the correction; fix: say why with --reason TEXT")
        return self.add(frame, kind=old.kind, date=date if date is not None else old.date, sources=sources,
                        label=old.label, note=old.note, simulated=old.simulated, lock_timeout=lock_timeout,
                        _supersedes=old, _reason=str(reason))


def lock_message(location: str, waited: float) -> str:
    return (f"{location}: another ecozone monitor add or correct holds the store's writer lock; waited {waited:g} s; "
            "fix: try again when it has finished, or wait longer with --lock-timeout SECONDS")
