"""The raw inbox of accepted batches, per-device sequence cursors and bus offsets.

The inbox is the event log of the embedded deployment: its ids only grow (SQLite
AUTOINCREMENT never reuses one, even after retention empties the table), so a
consumer's offset is simply the last id it has processed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.base import Base
from vigil.store.types import UtcDateTime

# A rowid alias on SQLite, a 64-bit identity elsewhere.
Id64 = BigInteger().with_variant(Integer(), "sqlite")


class InboxBatch(Base):
    """One accepted batch exactly as the bracelet signed it: evidence, and the log."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("device_id", "seq"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    encoding: Mapped[str] = mapped_column(String(8))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sig: Mapped[bytes] = mapped_column(LargeBinary)
    record_count: Mapped[int] = mapped_column(Integer)


class DeviceCursor(Base):
    """The highest sequence stored for a device; outlives the inbox's retention."""

    __tablename__ = "device_cursors"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger)
    last_batch_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BusOffset(Base):
    """How far a named consumer has durably processed the inbox."""

    __tablename__ = "bus_offsets"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
