"""Engine creation: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import sqlite_path

_LOGGER = logging.getLogger(__name__)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Set the pragmas that make SQLite safe for concurrent, durable use."""
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # Let SQLAlchemy, not the driver, open transactions, so BEGIN really begins one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL at every commit: an acknowledged batch survives power loss,
    # not only a killed process. Group commit in ingest pays for it.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_READ_ONLY = "vigil_read_only"


def _begin_sqlite(conn: Any) -> None:
    """Begin SQLite transactions taking the write lock, unless marked read-only.

    A transaction that reads and then writes must hold the lock from the start:
    upgrading a read lock later fails at once when another writer got there
    first, and ``busy_timeout`` cannot help. Readers in WAL mode need no lock.
    """
    if conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``database_url``, creating a SQLite file's folder."""
    path = sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, echo=echo, pool_pre_ping=path is None)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    _LOGGER.debug("engine created for %s", engine.url.render_as_string())
    return engine


def reader(engine: Engine) -> Engine:
    """Return the engine for transactions that only read: they wait for no writer."""
    return engine.execution_options(**{_READ_ONLY: True})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
