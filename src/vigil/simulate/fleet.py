"""Enrol a synthetic fleet: one unit, and per device a subject, an order, a key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
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
from vigil.store.registry import Device, Unit


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
    key: DeviceKey | None = None,
) -> FleetDevice:
    """Enrol one adult under a year's order, wearing a new bracelet from ``since``.

    With ``key``, the bracelet brings its own key pair; otherwise one is made.
    """
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
    provisioned = register_device(
        session,
        serial=serial,
        public_key=None if key is None else key.public_key,
        now=since,
    )
    assign_device(
        session, serial=serial, subject_id=subject.id, order_id=order.id, now=since
    )
    return FleetDevice(
        serial=serial,
        key=key or DeviceKey.from_hex(provisioned.seed_hex),
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


def enrol_simulation(
    database_url: str,
    wards: list[tuple[str, str]],
    people: list[tuple[str, str]],
    *,
    since: datetime,
    seed: int,
) -> list[DeviceKey]:
    """Enrol a simulated fleet: the province, its wards, and one wearer per serial.

    ``people`` holds (ward code, serial) per wearer. Keys are derived from the
    seed and the serial, so a later run of the same scenario finds the devices
    already enrolled and can still sign for them.
    """
    settings = Settings.from_env()
    engine = make_engine(database_url)
    keys = [DeviceKey.from_seed(_seed_for(seed, serial)) for _, serial in people]
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            if session.scalar(select(Device.id).where(Device.serial == people[0][1])):
                return keys
            if session.scalar(select(Unit.id).where(Unit.code == "01")) is None:
                create_unit(
                    session,
                    code="01",
                    name="Thành phố Hà Nội",
                    level="province",
                    now=since,
                )
            for code, name in wards:
                if session.scalar(select(Unit.id).where(Unit.code == code)) is None:
                    create_unit(
                        session,
                        code=code,
                        name=name,
                        level="ward",
                        parent_code="01",
                        now=since,
                    )
            for n, ((ward, serial), key) in enumerate(zip(people, keys, strict=True)):
                _enrol_keyed(session, settings, ward, serial, key, n, since)
    finally:
        engine.dispose()
    return keys


def _seed_for(seed: int, serial: str) -> bytes:
    """Derive a simulated bracelet's private key seed; never used for real devices."""
    return hashlib.sha256(f"vigil-simulated-device:{seed}:{serial}".encode()).digest()


def _enrol_keyed(
    session: Session,
    settings: Settings,
    ward: str,
    serial: str,
    key: DeviceKey,
    n: int,
    since: datetime,
) -> None:
    enrol_wearer(
        session,
        settings,
        unit_code=ward,
        full_name=f"Người được giám sát {n + 1}",
        date_of_birth=date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
        decision_number=f"SIM-{serial}",
        issuing_authority=f"Công an phường {ward}",
        serial=serial,
        since=since,
        key=key,
    )
