"""Enrol a synthetic fleet: one unit, and per device a subject, an order, a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
    fleet = []
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            create_unit(
                session, code=unit_code, name="Bench", level="province", now=since
            )
            for n in range(count):
                subject = create_subject(
                    session,
                    unit_code=unit_code,
                    full_name=f"Wearer {n}",
                    date_of_birth=date(1990, 1, 1),
                    now=since,
                )
                order = create_order(
                    session,
                    settings,
                    subject_id=subject.id,
                    decision_number=f"{unit_code}-{n}",
                    issuing_authority="Commune police",
                    kind="post_rehabilitation",
                    starts_at=since,
                    ends_at=since + timedelta(days=365),
                    now=since,
                )
                serial = f"{serial_prefix}{n:06d}"
                provisioned = register_device(session, serial=serial, now=since)
                assign_device(
                    session,
                    serial=serial,
                    subject_id=subject.id,
                    order_id=order.id,
                    now=since,
                )
                fleet.append(
                    FleetDevice(
                        serial=serial,
                        key=DeviceKey.from_hex(provisioned.seed_hex),
                        device_id=provisioned.device.id,
                        subject_id=subject.id,
                        order_id=order.id,
                    )
                )
    finally:
        engine.dispose()
    return fleet
