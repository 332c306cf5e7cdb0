"""Enrol a synthetic fleet: one unit, and per device a subject, an order, a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.protocol import DeviceKey
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.enrolment import (
    assign_device,
    create_order,
    create_subject,
    create_unit,
    register_device,
)


@dataclass(frozen=True)
class FleetDevice:
    """A provisioned bracelet worn by an enrolled subject."""

    serial: str
    key: DeviceKey
    device_id: int
    subject_id: int
    order_id: int


def enrol_wearer(
    session: Session,
    settings: Settings,
    *,
    unit_code: str,
    full_name: str,
    date_of_birth: date,
    decision_number: str,
    issuing_authority: str,
    serial: str,
    since: datetime,
) -> FleetDevice:
    """Enrol one adult under a year's order, wearing a new bracelet from ``since``."""
    subject = create_subject(
        session,
        unit_code=unit_code,
        full_name=full_name,
        date_of_birth=date_of_birth,
        now=since,
    )
    order = create_order(
        session,
        settings,
        subject_id=subject.id,
        decision_number=decision_number,
        issuing_authority=issuing_authority,
        kind="post_rehabilitation",
        starts_at=since,
        ends_at=since + timedelta(days=365),
        now=since,
    )
    provisioned = register_device(session, serial=serial, now=since)
    assign_device(
        session, serial=serial, subject_id=subject.id, order_id=order.id, now=since
    )
    return FleetDevice(
        serial=serial,
        key=DeviceKey.from_hex(provisioned.seed_hex),
        device_id=provisioned.device.id,
        subject_id=subject.id,
        order_id=order.id,
    )


def enrol_fleet(
    database_url: str,
    count: int,
    *,
    since: datetime,
    unit_code: str = "BENCH",
    serial_prefix: str = "VG-BENCH-",
) -> list[FleetDevice]:
    """Enrol ``count`` wearers whose orders and devices are in force from ``since``."""
    settings = Settings.from_env()
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            create_unit(
                session, code=unit_code, name="Bench", level="province", now=since
            )
            return [
                enrol_wearer(
                    session,
                    settings,
                    unit_code=unit_code,
                    full_name=f"Wearer {n}",
                    date_of_birth=date(1990, 1, 1),
                    decision_number=f"{unit_code}-{n}",
                    issuing_authority="Commune police",
                    serial=f"{serial_prefix}{n:06d}",
                    since=since,
                )
                for n in range(count)
            ]
    finally:
        engine.dispose()
