"""The PostgreSQL/PostGIS store (a department's shared database): ``postgresql://user@host:port/db``.

Needs the ``postgis`` extra (SQLAlchemy, GeoAlchemy2, psycopg 3).  Credentials come from the URL, from
``~/.pgpass`` or from ``PGPASSWORD`` (libpq reads both); the password never appears in a message: the
location is shown masked and every database error is passed through :func:`~ecozone.store.base.mask_text`.

Tables (in the URL's database, schema ``public`` unless ``?options=-csearch_path=…`` says otherwise):
``ecozone_meta``, ``ecozone_surveys`` and one table per survey (``ecozone_survey_<id>``, with a GiST index
on its geometry).  ``add`` is one transaction: a transaction-scoped advisory lock is the writer lock (a
second writer polls it up to its timeout, then gives up), then the check, the row and the layer
(``GeoDataFrame.to_postgis`` on the same connection); a crash rolls it all back.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any, Callable

from ..errors import StoreError
from .base import SCHEMA_VERSION, SURVEY_COLUMNS, Store, lock_message, mask_text, mask_url, pause_hook, url_secrets

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["PostGISStore", "sqlalchemy_url"]

#: pg_advisory_xact_lock key of the writer lock (any fixed number: "ecozone" in ASCII, cut to 63 bits).
_LOCK_KEY = 0x65636F7A6F6E65
_TYPES = {"id": "BIGSERIAL PRIMARY KEY", "features": "BIGINT NOT NULL", "supersedes": "BIGINT",
          "simulated": "BOOLEAN NOT NULL DEFAULT FALSE", "kind": "TEXT NOT NULL", "date": "TEXT NOT NULL",
          "sha256": "TEXT NOT NULL", "layer": "TEXT NOT NULL", "added_at": "TEXT NOT NULL"}
_ROW = "ecozone_row"


def sqlalchemy_url(url: str) -> str:
    """``postgresql://…`` (or ``postgres://…``) as SQLAlchemy's psycopg 3 URL ``postgresql+psycopg://…``."""
    from urllib.parse import quote, unquote

    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            head, sep, query = url[len(prefix):].partition("?")
            at = head.rfind("@")
            if at >= 0 and ":" in head[:at]:  # a password with an unencoded @ or / in it: encoded, up to the last @
                colon = head.index(":")
                head = head[:colon + 1] + quote(unquote(head[colon + 1:at]), safe="") + head[at:]
            return "postgresql+psycopg://" + head + sep + query
    raise StoreError(f"{mask_url(url)}: not a PostgreSQL URL; fix: give postgresql://USER@HOST:PORT/DATABASE")


class PostGISStore(Store):
    """A store in a PostgreSQL database with PostGIS."""

    def __init__(self, url: str):
        try:
            import geoalchemy2  # noqa: F401  (to_postgis needs it)
            import psycopg  # noqa: F401
            import sqlalchemy
        except ImportError as exc:
            raise StoreError(f"{mask_url(url)}: a PostGIS store needs {exc.name}; fix: pip install 'ecozone[postgis]'") from None
        self.location = mask_url(url)
        parsed = sqlalchemy.engine.make_url(sqlalchemy_url(url))
        self._secret = url_secrets(url) + ([parsed.password] if parsed.password else [])
        self.engine = sqlalchemy.create_engine(parsed, pool_pre_ping=True, hide_parameters=True)

    @contextlib.contextmanager
    def _errors(self):
        """Database errors as one masked line (never the password, never the URL with it)."""
        import sqlalchemy

        try:
            yield
        except sqlalchemy.exc.SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StoreError(f"{self.location}: {mask_text(reason, self._secret)}; fix: check the database URL, that "
                             "the server runs and that the user may create tables (and the postgis extension)") from None

    def _exec(self, conn, sql: str, **params: Any):
        from sqlalchemy import text

        return conn.execute(text(sql), params)

    def _exists(self) -> bool:
        import sqlalchemy

        with self._errors(), self.engine.connect() as conn:
            return sqlalchemy.inspect(conn).has_table("ecozone_surveys")

    def _create(self, version: int) -> None:
        cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for v in sorted(SURVEY_COLUMNS) if v <= version
                         for c in SURVEY_COLUMNS[v])
        with self._errors(), self.engine.begin() as conn:
            self._exec(conn, "CREATE EXTENSION IF NOT EXISTS postgis")
            self._exec(conn, "CREATE TABLE ecozone_meta (key TEXT PRIMARY KEY, value TEXT)")
            self._exec(conn, "INSERT INTO ecozone_meta VALUES ('schema_version', :v)", v=str(version))
            self._exec(conn, f"CREATE TABLE ecozone_surveys ({cols})")

    def _rows(self) -> list[dict[str, Any]]:
        with self._errors(), self.engine.connect() as conn:
            return [dict(r._mapping) for r in self._exec(conn, "SELECT * FROM ecozone_surveys ORDER BY id")]

    def _version(self) -> int:
        with self._errors(), self.engine.connect() as conn:
            row = self._exec(conn, "SELECT value FROM ecozone_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1

    def _lock(self, conn, lock_timeout: float) -> None:
        start = time.monotonic()
        while not self._exec(conn, "SELECT pg_try_advisory_xact_lock(:k)", k=_LOCK_KEY).scalar():
            if time.monotonic() - start >= lock_timeout:
                raise StoreError(lock_message(self.location, round(time.monotonic() - start, 1)))
            time.sleep(0.2)

    def _migrate(self, lock_timeout: float) -> None:
        with self._errors(), self.engine.begin() as conn:
            self._lock(conn, lock_timeout)
            row = self._exec(conn, "SELECT value FROM ecozone_meta WHERE key = 'schema_version'").fetchone()
            for v in range(int(row[0]) if row else 1, SCHEMA_VERSION):
                for col in SURVEY_COLUMNS[v + 1]:
                    self._exec(conn, f"ALTER TABLE ecozone_surveys ADD COLUMN IF NOT EXISTS {col} {_TYPES.get(col, 'TEXT')}")
            self._exec(conn, "UPDATE ecozone_meta SET value = :v WHERE key = 'schema_version'", v=str(SCHEMA_VERSION))

    def _add(self, record: dict[str, Any], frame: gpd.GeoDataFrame, check: Callable[[list[dict]], None],
             lock_timeout: float) -> int:
        import psycopg
        import sqlalchemy

        srid = frame.crs.to_epsg() if frame.crs is not None else None
        with self._errors(), self.engine.begin() as conn:
            self._lock(conn, lock_timeout)
            check([dict(r._mapping) for r in self._exec(conn, "SELECT * FROM ecozone_surveys")])
            # numbered max + 1 under the writer lock, not by the sequence (which a failed add would use up): a
            # failed add leaves the numbering as the GeoPackage store does
            new_id = int(self._exec(conn, "SELECT COALESCE(MAX(id), 0) + 1 FROM ecozone_surveys").scalar())
            cols = ["id", *(c for c in record if c != "id")]
            self._exec(conn, f"INSERT INTO ecozone_surveys ({', '.join(cols)}) VALUES "
                             f"({', '.join(':' + c for c in cols)})", **{**record, "id": new_id})
            layer = f"ecozone_survey_{new_id}"
            self._exec(conn, "UPDATE ecozone_surveys SET layer = :l WHERE id = :i", l=layer, i=new_id)
            out = frame.reset_index(drop=True)
            if srid is None:  # a CRS without an EPSG code: stored as SRID 0, the record's WKT restores it
                out = out.set_crs(None, allow_override=True)
            try:
                with conn.begin_nested():  # the file's data refused: its own message, not the URL's
                    out.to_postgis(layer, conn, index=True, index_label=_ROW)
            except (sqlalchemy.exc.DataError, sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError,
                    psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError, ValueError) as exc:
                reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
                raise StoreError(f"{record['source']}: the database refused the survey's data "
                                 f"({mask_text(reason, self._secret)[:300]}); fix: check the file's columns and values "
                                 "(ecozone monitor add on a GeoPackage store shows the same file)") from None
            self._exec(conn, f'CREATE INDEX "{layer}_geom_idx" ON "{layer}" USING GIST ("{out.geometry.name}")')
            pause_hook()
        return new_id

    def _read(self, survey) -> gpd.GeoDataFrame:
        import geopandas as gpd
        import sqlalchemy

        with self._errors(), self.engine.connect() as conn:
            columns = sqlalchemy.inspect(conn).get_columns(survey.layer)
            geom = [c["name"] for c in columns if type(c["type"]).__name__ == "Geometry"][0]
            row = columns[0]["name"]  # the row number to_postgis wrote first (ecozone_row)
            frame = gpd.read_postgis(f'SELECT * FROM "{survey.layer}" ORDER BY "{row}"', conn, geom_col=geom)
        frame = frame.drop(columns=[row]).reset_index(drop=True)
        return frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
