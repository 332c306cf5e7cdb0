"""Small builders for registry tests: a migrated store and one record at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.store import enrolment
from vigil.store.base import Base
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.migrate import upgrade
from vigil.store.registry import (
    REGISTRY_TABLES,
    Device,
    DeviceAssignment,
    Order,
    StaffUser,
    Subject,
    Unit,
)

# 09:00 in Hanoi; every builder dates its records from here unless told otherwise.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SETTINGS = Settings(database_url="sqlite://", order_max_days=730)


def migrated_store(tmp_path: Path) -> str:
    """Return the URL of a SQLite file in ``tmp_path`` migrated to head."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    return url


@contextmanager
def open_session(database_url: str) -> Iterator[Session]:
    """Yield a session on ``database_url``; the engine is closed afterwards."""
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Return every registry row, table by table, as the database holds them."""
    session.commit()
    return {
        name: [
            tuple(row)
            for row in session.execute(
                select(Base.metadata.tables[name]).order_by("id")
            )
        ]
        for name in REGISTRY_TABLES
    }


def a_province(session: Session, code: str = "01") -> Unit:
    """Create a province."""
    return enrolment.create_unit(
        session, code=code, name=f"Province {code}", level="province", now=NOW
    )


def a_ward(session: Session, province: Unit, code: str = "00004") -> Unit:
    """Create a ward under ``province``."""
    return enrolment.create_unit(
        session,
        code=code,
        name=f"Ward {code}",
        level="ward",
        parent_code=province.code,
        now=NOW,
    )


def a_subject(
    session: Session,
    unit: Unit | None = None,
    *,
    born: date = date(1990, 5, 17),
    national_id: str | None = None,
) -> Subject:
    """Create a subject in ``unit``, or in a new province."""
    unit = unit or a_province(session)
    return enrolment.create_subject(
        session,
        unit_code=unit.code,
        full_name="Nguyễn Văn An",
        date_of_birth=born,
        national_id=national_id,
        now=NOW,
    )


def an_order(
    session: Session,
    subject: Subject,
    *,
    starts_at: datetime = NOW - timedelta(days=1),
    days: float = 365,
    decision: str = "12/QĐ-CAX",
) -> Order:
    """Create an order for ``subject``, in force from ``starts_at`` for ``days``."""
    return enrolment.create_order(
        session,
        SETTINGS,
        subject_id=subject.id,
        decision_number=decision,
        issuing_authority="Công an xã Phú Xuân",
        kind="post_rehabilitation",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=days),
        now=NOW,
    )


def a_device(session: Session, serial: str = "VG-000001") -> Device:
    """Register a device in stock."""
    return enrolment.register_device(session, serial=serial, now=NOW).device


def a_worn_device(
    session: Session, serial: str = "VG-000001", unit: Unit | None = None
) -> DeviceAssignment:
    """Register a device and put it on a new subject under an order in force."""
    subject = a_subject(session, unit)
    order = an_order(session, subject, decision=f"QD-{serial}")
    a_device(session, serial)
    return enrolment.assign_device(
        session, serial=serial, subject_id=subject.id, order_id=order.id, now=NOW
    )


def an_officer(session: Session, unit: Unit, *, active: bool = True) -> StaffUser:
    """Add a case officer to ``unit``."""
    officer = StaffUser(
        username=f"officer{unit.code}",
        display_name="Trần Thị Bình",
        role="officer",
        unit=unit,
        active=active,
        created_at=NOW,
    )
    session.add(officer)
    session.flush()
    return officer
