"""The bracelet's durable outbox: records wait here until the server stores them.

Records are appended as they are measured. When it is time to upload, the oldest
ones are *sealed* into a signed batch whose exact bytes are kept; the batch is
resent byte for byte until the server acknowledges it, and only then deleted.
Sealing and deleting are each one SQLite transaction, so a power cut at any point
leaves every record either pending, or sealed, or acknowledged: never lost, and
never sent under two sequence numbers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from vigil.errors import DeviceClientError
from vigil.protocol import (
    PROTOCOL_VERSION,
    Batch,
    DeviceKey,
    Record,
    decode_envelope,
    encode,
    seal,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY AUTOINCREMENT, record BLOB);
CREATE TABLE IF NOT EXISTS sealed (
    seq INTEGER PRIMARY KEY, upload BLOB NOT NULL, record_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
"""

_RECORD_DECODER: msgspec.msgpack.Decoder[Record] = msgspec.msgpack.Decoder(Record)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A signed batch ready to send; ``upload`` is exactly what goes on the wire."""

    seq: int
    upload: bytes
    record_count: int


class Outbox:
    """A durable queue of records and sealed batches in one SQLite file."""

    def __init__(self, path: Path | str, *, durable: bool = True) -> None:
        """Open the outbox; ``durable=False`` survives a crash but not a power cut.

        Simulated bracelets use it: hundreds of them share one disk, where a real
        one has its own flash.
        """
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def append(self, records: Iterable[Record]) -> None:
        """Keep measured records until a batch holding them is acknowledged.

        Each record is checked against the protocol's ranges here, at the source:
        the server refuses a batch whole, so one glitched reading sealed among
        forty-nine good ones would cost all fifty.
        """
        blobs = [_checked(record) for record in records]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO pending (record) VALUES (?)", ((b,) for b in blobs)
            )

    def pending_count(self) -> int:
        """Return how many records are not yet acknowledged, sealed ones included."""
        (loose,) = self._db.execute("SELECT count(*) FROM pending").fetchone()
        (sealed,) = self._db.execute(
            "SELECT coalesce(sum(record_count), 0) FROM sealed"
        ).fetchone()
        return int(loose) + int(sealed)

    def next_sealed(
        self, serial: str, key: DeviceKey, max_records: int, now_ms: int
    ) -> Sealed | None:
        """Return the oldest sealed batch, sealing the oldest records if none is."""
        row = self._db.execute(
            "SELECT seq, upload, record_count FROM sealed ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is not None:
            return Sealed(*row)
        with self._transaction():
            rows = self._db.execute(
                "SELECT id, record FROM pending ORDER BY id LIMIT ?", (max_records,)
            ).fetchall()
            if not rows:
                return None
            records = [_RECORD_DECODER.decode(blob) for _, blob in rows]
            sealed = self._seal(serial, key, records, self._next_seq(), now_ms)
            self._db.execute("DELETE FROM pending WHERE id <= ?", (rows[-1][0],))
        return sealed

    def acknowledge(self, acked_seq: int) -> None:
        """Forget every sealed batch the server has stored."""
        with self._transaction():
            self._db.execute("DELETE FROM sealed WHERE seq <= ?", (acked_seq,))
            self._raise_floor(acked_seq)

    def renumber(
        self, sealed: Sealed, acked_seq: int, serial: str, key: DeviceKey, now_ms: int
    ) -> None:
        """Re-seal a batch above ``acked_seq`` after the server refused its number."""
        batch = msgspec.msgpack.decode(_body_of(sealed.upload), type=Batch)
        with self._transaction():
            self._raise_floor(acked_seq)
            self._db.execute("DELETE FROM sealed WHERE seq = ?", (sealed.seq,))
            self._seal(serial, key, batch.records, self._next_seq(), now_ms)

    def drop(self, seq: int) -> None:
        """Give up a batch the server refused for good."""
        with self._transaction():
            self._db.execute("DELETE FROM sealed WHERE seq = ?", (seq,))

    def setting(self, name: str, default: int) -> int:
        """Return a stored integer setting."""
        row = self._db.execute(
            "SELECT value FROM settings WHERE name = ?", (name,)
        ).fetchone()
        return default if row is None else int(row[0])

    def set_setting(self, name: str, value: int) -> None:
        """Store an integer setting."""
        with self._transaction():
            self._set(name, value)

    def add_message(self, message_id: int, text: str) -> None:
        """Keep a message for the wearer, once."""
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO messages (id, text) VALUES (?, ?)",
                (message_id, text),
            )

    def messages(self) -> list[tuple[int, str]]:
        """Return the wearer's messages, oldest first."""
        rows = self._db.execute("SELECT id, text FROM messages ORDER BY id")
        return [(int(i), str(t)) for i, t in rows]

    def _seal(
        self, serial: str, key: DeviceKey, records: list[Record], seq: int, now_ms: int
    ) -> Sealed:
        batch = Batch(
            v=PROTOCOL_VERSION, device=serial, seq=seq, sent_ms=now_ms, records=records
        )
        sealed = Sealed(seq, seal(batch, key), len(records))
        self._db.execute(
            "INSERT INTO sealed (seq, upload, record_count) VALUES (?, ?, ?)",
            (sealed.seq, sealed.upload, sealed.record_count),
        )
        self._set("next_seq", seq + 1)
        return sealed

    def _next_seq(self) -> int:
        return self.setting("next_seq", 1)

    def _raise_floor(self, acked_seq: int) -> None:
        if self._next_seq() <= acked_seq:
            self._set("next_seq", acked_seq + 1)

    def _set(self, name: str, value: int) -> None:
        self._db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _checked(record: Record) -> bytes:
    blob = encode(record)
    try:
        _RECORD_DECODER.decode(blob)
    except msgspec.ValidationError as exc:
        raise DeviceClientError(
            f"A {type(record).__name__} record is out of range: {exc}.",
            hint="Discard or correct the reading before queueing it.",
        ) from None
    return blob


def _body_of(upload: bytes) -> bytes:
    return decode_envelope(upload).body


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
