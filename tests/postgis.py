"""A real PostgreSQL with PostGIS for the store tests: no mock database.

``postgis_url()`` gives ``postgresql://ecozone:PASSWORD@127.0.0.1:PORT/DB`` of a throwaway cluster made
with Debian's ``initdb`` + ``pg_ctl`` (PostgreSQL 15, ``postgresql-15-postgis-3``) in a temporary folder,
as the ``postgres`` user when the tests run as root (CI does), on a free port, with a password (so the
tests can check it never shows).  ``ECOZONE_TEST_POSTGIS_URL`` names an existing database instead.
The cluster is stopped and removed when the session ends.  It skips when no cluster can be started and
``CI`` is unset; in CI that is a failure.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))
PASSWORD = "s3cret-Pw_" + uuid.uuid4().hex[:8]
_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


def _unavailable(why: str):
    if IN_CI:
        pytest.fail(f"CI is set but PostgreSQL/PostGIS cannot be started: {why}")
    pytest.skip(f"PostgreSQL/PostGIS not available: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        self.url = os.environ.get("ECOZONE_TEST_POSTGIS_URL")
        self.root: Path | None = None
        self.databases = 0
        if self.url:
            return
        if not _BIN:
            _unavailable("no /usr/lib/postgresql/*/bin/pg_ctl (apt-get install postgresql-15-postgis-3)")
        bin_dir = _BIN[-1].parent
        if not (Path("/usr/share/postgresql") / bin_dir.parent.name / "extension" / "postgis.control").exists():
            _unavailable(f"PostGIS is not installed for PostgreSQL {bin_dir.parent.name} "
                         f"(apt-get install postgresql-{bin_dir.parent.name}-postgis-3)")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ecozone-pg-"))
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        data = self.root / "data"
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(pwfile, "postgres")
        self.run([self.bin / "initdb", "-D", data, "-U", "ecozone", "--auth=scram-sha-256", f"--pwfile={pwfile}",
                  "-E", "UTF8", "--locale=C.UTF-8"])
        self.run([self.bin / "pg_ctl", "-D", data, "-l", self.root / "log", "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start"])
        atexit.register(self.stop)
        self.url = f"postgresql://ecozone:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def run(self, cmd):
        cmd = [str(c) for c in cmd]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            _unavailable(f"{' '.join(cmd[:4])}…: {proc.stderr.strip()[-300:]}")

    def stop(self):
        if self.root is not None and (self.root / "data").exists():
            subprocess.run((["runuser", "-u", "postgres", "--"] if self.as_postgres else [])
                           + [str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def new_database(self) -> str:
        """A new empty database with PostGIS; its URL."""
        import sqlalchemy

        self.databases += 1
        name = f"ecozone_test_{os.getpid()}_{self.databases}"
        admin = sqlalchemy.create_engine(self.url.replace("postgresql://", "postgresql+psycopg://", 1),
                                         isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = self.url.rsplit("/", 1)[0] + "/" + name
        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        return url


_cluster: Cluster | None = None


def cluster() -> Cluster:
    global _cluster
    if _cluster is None:
        try:
            import geoalchemy2  # noqa: F401
            import psycopg  # noqa: F401
            import sqlalchemy  # noqa: F401
        except ImportError as exc:
            _unavailable(f"{exc.name} is not installed (pip install -e '.[test]')")
        _cluster = Cluster()
    return _cluster
