"""Bulk inserts that skip per-row statement processing, for the ingest hot path.

SQLAlchemy's ``executemany`` runs every parameter of every row through its
processors, which costs more than SQLite's own insert. Here each table gets one
plain ``INSERT`` string per dialect, and rows arrive as tuples of values the
driver takes as they are; instants are converted once, by the caller, with
``instant_param``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table


@cache
def _insert_sql(table: Table, columns: tuple[str, ...], paramstyle: str) -> str:
    # SQLite's driver takes "?", psycopg's "%s"; nothing else is supported.
    mark = "?" if paramstyle == "qmark" else "%s"
    names, marks = ", ".join(columns), ", ".join([mark] * len(columns))
    return f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608


def insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Any]
) -> None:
    """Insert tuples ordered as ``columns``, in one driver-level ``executemany``."""
    if rows:
        sql = _insert_sql(table, columns, conn.dialect.paramstyle)
        conn.exec_driver_sql(sql, rows)


def instant_param(conn: Connection) -> Callable[[int], Any]:
    """Return how epoch milliseconds become a ``UtcDateTime`` driver value."""
    if conn.dialect.name == "sqlite":
        return _ms_to_us
    return _ms_to_datetime


def _ms_to_us(t_ms: int) -> int:
    return t_ms * 1000


def _ms_to_datetime(t_ms: int) -> datetime:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC)
