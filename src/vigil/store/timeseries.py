"""Decoded records, one table per kind, keyed by the batch and position they came in.

The key ``(inbox_id, idx)`` makes every row traceable to the signed batch that
carried it, and makes storing the same record twice impossible. There are no
foreign keys here on purpose: these tables take thousands of rows a second, ingest
is their only writer and has checked every reference, and retention drops them on
its own schedule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.base import Base, table_of
from vigil.store.types import UtcDateTime


class _Series:
    """Columns every time-series row has."""

    inbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    t: Mapped[datetime] = mapped_column(UtcDateTime())


class FixRow(_Series, Base):
    """A position as reported, never altered; flags live with the monitor."""

    __tablename__ = "fixes"
    __table_args__ = (
        Index("ix_fixes_subject_t", "subject_id", "t"),
        Index("ix_fixes_device_t", "device_id", "t"),
    )

    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(8))
    speed_mps: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    satellites: Mapped[int | None] = mapped_column(SmallInteger)


class VitalsRow(_Series, Base):
    """A window summary of biometric readings."""

    __tablename__ = "vitals"
    __table_args__ = (Index("ix_vitals_subject_t", "subject_id", "t"),)

    window_s: Mapped[int] = mapped_column(Integer)
    heart_rate_bpm: Mapped[float | None] = mapped_column(Float)
    hrv_rmssd_ms: Mapped[float | None] = mapped_column(Float)
    scl_us: Mapped[float | None] = mapped_column(Float)
    scr_per_min: Mapped[float | None] = mapped_column(Float)
    skin_temp_c: Mapped[float | None] = mapped_column(Float)
    spo2_pct: Mapped[float | None] = mapped_column(Float)
    resp_rate_bpm: Mapped[float | None] = mapped_column(Float)
    activity_g: Mapped[float | None] = mapped_column(Float)
    steps: Mapped[int | None] = mapped_column(Integer)
    skin_contact: Mapped[bool] = mapped_column(Boolean)


class StatusRow(_Series, Base):
    """Battery, charging, radio and firmware."""

    __tablename__ = "device_status"
    __table_args__ = (Index("ix_device_status_device_t", "device_id", "t"),)

    battery_pct: Mapped[float] = mapped_column(Float)
    charging: Mapped[bool] = mapped_column(Boolean)
    signal_dbm: Mapped[int | None] = mapped_column(SmallInteger)
    firmware: Mapped[str] = mapped_column(String(32))


class TamperRow(_Series, Base):
    """A tamper sensor's change of state."""

    __tablename__ = "tamper_events"
    __table_args__ = (Index("ix_tamper_events_device_t", "device_id", "t"),)

    tamper: Mapped[str] = mapped_column(String(24))
    cleared: Mapped[bool] = mapped_column(Boolean)


class ButtonRow(_Series, Base):
    """A press of the bracelet's button: plain, SOS or an "I am OK" answer."""

    __tablename__ = "button_events"
    __table_args__ = (Index("ix_button_events_device_t", "device_id", "t"),)

    event: Mapped[str] = mapped_column(String(16))


# Which table a record of each protocol kind goes to.
TABLE_FOR_KIND = {
    "fix": table_of(FixRow),
    "vitals": table_of(VitalsRow),
    "status": table_of(StatusRow),
    "tamper": table_of(TamperRow),
    "event": table_of(ButtonRow),
}
