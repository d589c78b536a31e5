"""The GeoPackage store (the embedded default: one file to copy or back up).

Tables: ``ecozone_meta`` (``schema_version``), ``ecozone_surveys`` (one row per survey version) and one
feature table per survey (``survey_<id>``, with its R-tree spatial index), all registered as a
GeoPackage's tables are, so QGIS opens every survey.

``add`` is one SQLite transaction.  GDAL writes the survey's layer into a staging GeoPackage in a
temporary folder first; then, under ``BEGIN IMMEDIATE`` (SQLite's writer lock: a second writer waits up
to its timeout, then gives up), the staging table, its GeoPackage registrations and its R-tree are
copied in, the survey row is inserted, and the transaction commits.  A crash anywhere leaves the store
as it was: SQLite's rollback journal undoes an unfinished transaction the next time the file is opened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import StoreError
from .base import SCHEMA_VERSION, SURVEY_COLUMNS, Store, lock_message, pause_hook

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["GeoPackageStore"]

_STAGING = "ecozone_staging_layer"
_TYPES = {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "features": "INTEGER NOT NULL", "supersedes": "INTEGER",
          "simulated": "INTEGER NOT NULL DEFAULT 0", "kind": "TEXT NOT NULL", "date": "TEXT NOT NULL",
          "sha256": "TEXT NOT NULL", "layer": "TEXT NOT NULL", "added_at": "TEXT NOT NULL"}


def _columns(version: int) -> list[str]:
    return [c for v in sorted(SURVEY_COLUMNS) if v <= version for c in SURVEY_COLUMNS[v]]


class GeoPackageStore(Store):
    """A store in one GeoPackage file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.location = str(path)

    # --- connections ----------------------------------------------------------------------------------
    def _connect(self, timeout: float = 60.0) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            # a read rolls back what a killed writer left unfinished (a hot journal) before anything else reads
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(lock_message(self.location, timeout)) from None
            raise StoreError(f"{self.location}: cannot be opened as a GeoPackage ({exc}); fix: give an ecozone store "
                             "(ecozone monitor init)") from None
        return con

    def _check_writable(self, *, new: bool = False) -> None:
        """Refuse, before writing, a store (or its folder, where SQLite keeps its journal) this user cannot write."""
        folder = self.path.parent if str(self.path.parent) else Path(".")
        while new and not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not new and not os.access(self.path, os.W_OK):
            raise StoreError(readonly_message(self.location, f"the file {self.path} is read-only",
                                              f"chmod u+w {self.path}"))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(readonly_message(self.location, f"the folder {folder} is read-only",
                                              f"chmod u+w {folder}"))

    def _exists(self) -> bool:
        if not self.path.is_file():
            return False
        with contextlib.closing(self._connect()) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'ecozone_surveys'").fetchone() is not None

    def _create(self, version: int) -> None:
        import pandas as pd
        import pyogrio

        if self.path.exists():
            raise StoreError(f"{self.location}: a file is there already; fix: give a new file name for the store")
        self._check_writable(new=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # GDAL makes the GeoPackage (its system tables); the two ecozone tables are then made in SQL
        partial = self.path.with_name(f".{self.path.stem}.init-{os.getpid()}.gpkg")
        try:
            pyogrio.write_dataframe(pd.DataFrame({"key": ["schema_version"], "value": [str(version)]}), partial,
                                    layer="ecozone_meta", driver="GPKG")
            with contextlib.closing(self._connect_to(partial)) as con:
                cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in _columns(version))
                con.execute("BEGIN")
                con.execute(f"CREATE TABLE ecozone_surveys ({cols})")
                con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
                            "('ecozone_surveys', 'attributes', 'ecozone_surveys', 'ecozone monitoring: the surveys')")
                con.execute("COMMIT")
            os.replace(partial, self.path)
        finally:
            with contextlib.suppress(OSError):
                partial.unlink()

    @staticmethod
    def _connect_to(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(path, isolation_level=None)

    # --- reading --------------------------------------------------------------------------------------
    def _rows(self) -> list[dict[str, Any]]:
        with contextlib.closing(self._connect()) as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM ecozone_surveys ORDER BY id")]

    def _version(self) -> int:
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT value FROM ecozone_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1

    def _read(self, survey) -> gpd.GeoDataFrame:
        import pyogrio

        with contextlib.closing(self._connect()):  # rolls back a killed writer's leftovers first
            pass
        frame = pyogrio.read_dataframe(self.path, layer=survey.layer)
        return frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame

    # --- writing --------------------------------------------------------------------------------------
    def _begin(self, con: sqlite3.Connection, lock_timeout: float) -> None:
        start = time.monotonic()
        try:
            con.execute("BEGIN IMMEDIATE")  # the writer lock; SQLite's busy handler waits up to the timeout
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(lock_message(self.location, round(time.monotonic() - start, 1))) from None
            if "readonly" in str(exc):
                raise StoreError(readonly_message(self.location, str(exc), f"chmod u+w {self.path}")) from None
            raise

    def _migrate(self, lock_timeout: float) -> None:
        self._check_writable()
        with contextlib.closing(self._connect(lock_timeout)) as con:
            self._begin(con, lock_timeout)
            try:
                row = con.execute("SELECT value FROM ecozone_meta WHERE key = 'schema_version'").fetchone()
                version = int(row[0]) if row else 1
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for col in SURVEY_COLUMNS[v]:
                        con.execute(f"ALTER TABLE ecozone_surveys ADD COLUMN {col} {_TYPES.get(col, 'TEXT')}")
                con.execute("UPDATE ecozone_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _add(self, record: dict[str, Any], frame: gpd.GeoDataFrame, check: Callable[[list[dict]], None],
             lock_timeout: float) -> int:
        import pyogrio

        self._check_writable()
        staging_dir = Path(tempfile.mkdtemp(prefix="ecozone-store-"))
        try:
            staging = staging_dir / "survey.gpkg"
            pyogrio.write_dataframe(frame, staging, layer=_STAGING, driver="GPKG")  # with its R-tree index
            with contextlib.closing(self._connect(lock_timeout)) as con:
                con.row_factory = sqlite3.Row
                self._begin(con, lock_timeout)
                try:
                    check([dict(r) for r in con.execute("SELECT * FROM ecozone_surveys")])
                    cols = [r[1] for r in con.execute("PRAGMA table_info(ecozone_surveys)") if r[1] != "id"]
                    values = {**record, "simulated": int(bool(record.get("simulated")))}
                    cur = con.execute(f"INSERT INTO ecozone_surveys ({', '.join(cols)}) VALUES "
                                      f"({', '.join('?' for _ in cols)})", [values.get(c) for c in cols])
                    new_id = int(cur.lastrowid)
                    layer = f"survey_{new_id}"
                    con.execute("UPDATE ecozone_surveys SET layer = ? WHERE id = ?", (layer, new_id))
                    con.execute("ATTACH DATABASE ? AS staging", (str(staging),))
                    _copy_layer(con, layer, f"{record['kind']} {record['date']}")
                    pause_hook()
                    con.execute("COMMIT")
                except BaseException as exc:
                    with contextlib.suppress(sqlite3.Error):
                        con.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                        raise StoreError(readonly_message(self.location, str(exc), f"chmod u+w {self.path}")) from None
                    raise
                with contextlib.suppress(sqlite3.Error):
                    con.execute("DETACH DATABASE staging")
            return new_id
        finally:
            shutil.rmtree(staging_dir, ignore_errors=True)


def readonly_message(location: str, why: str, command: str) -> str:
    return (f"{location}: cannot write the store ({why}); fix: give yourself write permission ({command}) or copy "
            "the store to a folder you can write to")


def _copy_layer(con: sqlite3.Connection, layer: str, description: str) -> None:
    """Copy the staging GeoPackage's layer into the store as ``layer``: the table, its GeoPackage registrations,
    its CRS, its R-tree and its triggers (inside the caller's transaction)."""

    def renamed(sql: str) -> str:
        return sql.replace(_STAGING, layer)

    one = con.execute("SELECT srs_id FROM staging.gpkg_geometry_columns WHERE table_name = ?", (_STAGING,)).fetchone()
    srs_id = int(one[0])
    srs = con.execute("SELECT * FROM staging.gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)).fetchone()
    mine = con.execute("SELECT * FROM main.gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)).fetchone()
    if mine is None:
        con.execute("INSERT INTO main.gpkg_spatial_ref_sys SELECT * FROM staging.gpkg_spatial_ref_sys WHERE srs_id = ?",
                    (srs_id,))
    elif tuple(mine)[4] != tuple(srs)[4]:  # the same number for another CRS (GDAL numbers custom CRSs from 100000)
        new = max(100000, con.execute("SELECT max(srs_id) FROM main.gpkg_spatial_ref_sys").fetchone()[0] + 1)
        values = list(tuple(srs))
        values[0], values[1] = f"{values[0]} ({new})", new
        con.execute(f"INSERT INTO main.gpkg_spatial_ref_sys VALUES ({', '.join('?' for _ in values)})", values)
        srs_id = new
    ddl = con.execute("SELECT sql FROM staging.sqlite_master WHERE type = 'table' AND name = ?", (_STAGING,)).fetchone()[0]
    con.execute(renamed(ddl))
    con.execute(f'INSERT INTO main."{layer}" SELECT * FROM staging."{_STAGING}"')
    con.execute("INSERT INTO main.gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, "
                "min_y, max_x, max_y, srs_id) SELECT ?, data_type, ?, ?, last_change, min_x, min_y, max_x, max_y, ? "
                "FROM staging.gpkg_contents WHERE table_name = ?", (layer, layer, description, srs_id, _STAGING))
    con.execute("INSERT INTO main.gpkg_geometry_columns SELECT ?, column_name, geometry_type_name, ?, z, m "
                "FROM staging.gpkg_geometry_columns WHERE table_name = ?", (layer, srs_id, _STAGING))
    has_ext = con.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'gpkg_extensions'").fetchone()
    for row in con.execute("SELECT * FROM staging.gpkg_extensions WHERE table_name = ?", (_STAGING,)).fetchall():
        if not has_ext:
            ext_ddl = con.execute("SELECT sql FROM staging.sqlite_master WHERE name = 'gpkg_extensions'").fetchone()[0]
            con.execute(ext_ddl)
            has_ext = True
        values = [layer, *tuple(row)[1:]]
        con.execute(f"INSERT INTO main.gpkg_extensions VALUES ({', '.join('?' for _ in values)})", values)
    geom = con.execute("SELECT column_name FROM staging.gpkg_geometry_columns WHERE table_name = ?", (_STAGING,)).fetchone()[0]
    rtree = f"rtree_{_STAGING}_{geom}"
    if con.execute("SELECT 1 FROM staging.sqlite_master WHERE name = ?", (rtree,)).fetchone():
        con.execute(f'CREATE VIRTUAL TABLE main."{renamed(rtree)}" USING rtree(id, minx, maxx, miny, maxy)')
        con.execute(f'INSERT INTO main."{renamed(rtree)}" SELECT * FROM staging."{rtree}"')
    for (sql,) in con.execute("SELECT sql FROM staging.sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
                              "AND sql IS NOT NULL", (_STAGING,)).fetchall():
        con.execute(renamed(sql))
    if con.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
        count = con.execute(f'SELECT count(*) FROM main."{layer}"').fetchone()[0]
        con.execute("INSERT INTO main.gpkg_ogr_contents (table_name, feature_count) VALUES (?, ?)", (layer, count))
