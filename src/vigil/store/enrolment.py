"""Enrolment: units, subjects, orders, devices and who wears which.

Every function checks its rules before it writes anything, so a refusal
(``EnrolmentError`` with a code from ``vigil.store.refusals``, or
``NotFoundError``) leaves the session as it was. Writes are flushed, never
committed: the caller owns the transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import NotFoundError
from vigil.protocol import DeviceKey
from vigil.protocol.signing import PUBLIC_KEY_BYTES
from vigil.store.refusals import (
    Refusal,
    as_utc,
    clean_optional_text,
    clean_text,
    refuse,
    refused_on_conflict,
    zone_named,
)
from vigil.store.registry import (
    DEFAULT_TIMEZONE,
    ORDER_KINDS,
    UNIT_LEVELS,
    Device,
    DeviceAssignment,
    Order,
    StaffUser,
    Subject,
    Unit,
    find_device,
    find_order,
    find_subject,
    find_unit,
    open_assignment,
)

_LOGGER = logging.getLogger(__name__)

SERIAL_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
ADULT_AGE_YEARS = 18


@dataclass(frozen=True)
class ProvisionedDevice:
    """A newly registered device and its private seed, shown this one time."""

    device: Device
    seed_hex: str = field(repr=False)


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    parent_code: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    now: datetime,
) -> Unit:
    """Add a province, or a commune or ward under the province ``parent_code``."""
    code, name = clean_text(code, "unit code", 32), clean_text(name, "unit name", 200)
    _check_level(level, parent_code)
    zone_named(timezone)
    parent = None if parent_code is None else find_unit(session, parent_code)
    if parent is not None and parent.level != "province":
        raise refuse(
            Refusal.UNIT_PARENT_NOT_PROVINCE,
            parent=parent.code,
            parent_level=parent.level,
        )
    taken = refuse(Refusal.UNIT_CODE_TAKEN, code=code)
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise taken

    unit = Unit(
        code=code,
        name=name,
        level=level,
        parent=parent,
        timezone=timezone,
        created_at=now,
    )
    with refused_on_conflict(session, taken):
        session.add(unit)
    _LOGGER.info("unit %s (%s) created", unit.id, unit.code)
    return unit


def create_subject(
    session: Session,
    *,
    unit_code: str,
    full_name: str,
    date_of_birth: date,
    national_id: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    officer_id: int | None = None,
    now: datetime,
) -> Subject:
    """Add a person to supervise in the unit ``unit_code``."""
    full_name = clean_text(full_name, "full name", 200)
    national_id = clean_optional_text(national_id, "national id", 32)
    phone = clean_optional_text(phone, "phone number", 32)
    address = clean_optional_text(address, "address", 500)
    unit = find_unit(session, unit_code)
    if date_of_birth > now.astimezone(zone_named(unit.timezone)).date():
        raise refuse(Refusal.SUBJECT_BORN_IN_FUTURE)
    if officer_id is not None:
        _check_officer(session, officer_id)
    taken = refuse(Refusal.SUBJECT_NATIONAL_ID_TAKEN)
    if national_id is not None and session.scalar(
        select(Subject.id).where(Subject.national_id == national_id)
    ):
        raise taken

    subject = Subject(
        unit=unit,
        full_name=full_name,
        date_of_birth=date_of_birth,
        national_id=national_id,
        phone=phone,
        address=address,
        officer_id=officer_id,
        created_at=now,
    )
    with refused_on_conflict(session, taken):
        session.add(subject)
    _LOGGER.info("subject %s enrolled in unit %s", subject.id, unit.id)
    return subject


def create_order(
    session: Session,
    settings: Settings,
    *,
    subject_id: int,
    decision_number: str,
    issuing_authority: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    conditions: Mapping[str, Any] | None = None,
    now: datetime,
) -> Order:
    """Record the order that allows monitoring ``subject_id`` from start to end."""
    decision_number = clean_text(decision_number, "decision number", 64)
    issuing_authority = clean_text(issuing_authority, "issuing authority", 200)
    starts_at, ends_at = as_utc(starts_at, "start"), as_utc(ends_at, "end")
    if kind not in ORDER_KINDS:
        raise refuse(
            Refusal.ORDER_KIND_UNKNOWN, value=kind, known=", ".join(ORDER_KINDS)
        )
    subject = find_subject(session, subject_id)
    _check_order_period(settings, starts_at, ends_at, now)
    _check_adult(subject, starts_at)
    duplicate = refuse(
        Refusal.ORDER_DUPLICATE, number=decision_number, authority=issuing_authority
    )
    if session.scalar(
        select(Order.id).where(
            Order.issuing_authority == issuing_authority,
            Order.decision_number == decision_number,
        )
    ):
        raise duplicate

    order = Order(
        subject=subject,
        decision_number=decision_number,
        issuing_authority=issuing_authority,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        conditions=dict(conditions or {}),
        created_at=now,
    )
    with refused_on_conflict(session, duplicate):
        session.add(order)
    _LOGGER.info("order %s created for subject %s", order.id, subject.id)
    return order


def end_order_early(
    session: Session, order_id: int, *, reason: str, now: datetime
) -> Order:
    """End an order before its term; the device worn under it is unassigned."""
    reason = clean_text(reason, "reason", 500)
    order = find_order(session, order_id)
    if order.ended_early_at is not None or order.ends_at <= now:
        raise refuse(Refusal.ORDER_CLOSED, order=order.id)
    worn = session.scalar(
        select(DeviceAssignment).where(
            DeviceAssignment.order_id == order.id,
            DeviceAssignment.unassigned_at.is_(None),
        )
    )

    with refused_on_conflict(session, refuse(Refusal.CONCURRENT_CHANGE)):
        order.ended_early_at, order.end_reason = now, reason
        if worn is not None:
            _close(worn, now)
    _LOGGER.info("order %s ended early", order.id)
    return order


def register_device(
    session: Session,
    *,
    serial: str,
    firmware: str | None = None,
    public_key: bytes | None = None,
    now: datetime,
) -> ProvisionedDevice:
    """Add a bracelet to stock with a fresh key; only its public half is kept.

    A bracelet that made its own key pair (in a secure element, say) brings its
    ``public_key`` instead; then there is no seed to hand out.
    """
    if SERIAL_PATTERN.fullmatch(serial) is None:
        raise refuse(Refusal.DEVICE_SERIAL_INVALID, serial=serial)
    firmware = clean_optional_text(firmware, "firmware version", 64)
    taken = refuse(Refusal.DEVICE_SERIAL_TAKEN, serial=serial)
    if session.scalar(select(Device.id).where(Device.serial == serial)) is not None:
        raise taken

    key = None if public_key is not None else DeviceKey.generate()
    if public_key is not None and len(public_key) != PUBLIC_KEY_BYTES:
        raise refuse(Refusal.DEVICE_PUBLIC_KEY_INVALID, serial=serial)
    device = Device(
        serial=serial,
        public_key=public_key if key is None else key.public_key,
        state="stock",
        firmware=firmware,
        registered_at=now,
    )
    with refused_on_conflict(session, taken):
        session.add(device)
    _LOGGER.info("device %s (%s) registered", device.id, device.serial)
    return ProvisionedDevice(
        device=device, seed_hex="" if key is None else key.seed.hex()
    )


def assign_device(
    session: Session, *, serial: str, subject_id: int, order_id: int, now: datetime
) -> DeviceAssignment:
    """Put the device ``serial`` on ``subject_id`` under the order ``order_id``."""
    device = find_device(session, serial)
    _check_assignable(session, device)
    subject, order = find_subject(session, subject_id), find_order(session, order_id)
    if order.subject_id != subject.id:
        raise refuse(Refusal.ORDER_SUBJECT_MISMATCH, order=order.id, subject=subject.id)
    worn = _open_assignment_of_subject(session, subject.id)
    if worn is not None:
        raise refuse(
            Refusal.SUBJECT_ALREADY_HAS_DEVICE,
            subject=subject.id,
            serial=worn.device.serial,
        )
    if not order.in_force_at(now):
        raise refuse(Refusal.ORDER_NOT_IN_FORCE, order=order.id)

    assignment = DeviceAssignment(
        device=device, subject=subject, order=order, assigned_at=now
    )
    with refused_on_conflict(session, refuse(Refusal.CONCURRENT_CHANGE)):
        session.add(assignment)
        device.state = "active"
    _LOGGER.info(
        "device %s assigned to subject %s under order %s (assignment %s)",
        device.id,
        subject.id,
        order.id,
        assignment.id,
    )
    return assignment


def unassign_device(
    session: Session, *, serial: str, now: datetime
) -> DeviceAssignment:
    """Take the device ``serial`` off its wearer and return it to stock."""
    device = find_device(session, serial)
    assignment = open_assignment(session, device)
    if assignment is None:
        raise refuse(Refusal.DEVICE_NOT_ASSIGNED, serial=device.serial)
    if now < assignment.assigned_at:
        raise refuse(Refusal.ASSIGNMENT_NOT_STARTED, serial=device.serial)

    with refused_on_conflict(session, refuse(Refusal.CONCURRENT_CHANGE)):
        _close(assignment, now)
    _LOGGER.info("device %s unassigned (assignment %s)", device.id, assignment.id)
    return assignment


def retire_device(session: Session, *, serial: str, now: datetime) -> Device:
    """Take the device ``serial`` out of service for good; it must not be worn."""
    device = find_device(session, serial)
    if device.state == "retired":
        raise refuse(Refusal.DEVICE_RETIRED, serial=device.serial)
    if open_assignment(session, device) is not None:
        raise refuse(Refusal.DEVICE_STILL_ASSIGNED, serial=device.serial)

    with refused_on_conflict(session, refuse(Refusal.CONCURRENT_CHANGE)):
        device.state, device.retired_at = "retired", now
    _LOGGER.info("device %s (%s) retired", device.id, device.serial)
    return device


def age_years(born: date, on: date) -> int:
    """Return the age in whole years on ``on`` of someone born on ``born``."""
    # Someone born on 29 February comes of age on 1 March in common years.
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _open_assignment_of_subject(
    session: Session, subject_id: int
) -> DeviceAssignment | None:
    """Return the assignment ``subject_id`` wears a device under now, if any."""
    return session.scalar(
        select(DeviceAssignment).where(
            DeviceAssignment.subject_id == subject_id,
            DeviceAssignment.unassigned_at.is_(None),
        )
    )


def _close(assignment: DeviceAssignment, now: datetime) -> None:
    """End ``assignment`` at ``now`` and put its device back in stock."""
    assignment.unassigned_at = now
    assignment.device.state = "stock"


def _check_level(level: str, parent_code: str | None) -> None:
    """Refuse a level that does not match the presence of a parent."""
    if level not in UNIT_LEVELS:
        raise refuse(Refusal.UNIT_LEVEL_UNKNOWN, value=level)
    if level == "province" and parent_code is not None:
        raise refuse(Refusal.UNIT_PROVINCE_HAS_PARENT)
    if level != "province" and parent_code is None:
        raise refuse(Refusal.UNIT_PARENT_REQUIRED, level=level)


def _check_officer(session: Session, officer_id: int) -> None:
    """Refuse a case officer who does not exist or can no longer sign in."""
    officer = session.get(StaffUser, officer_id)
    if officer is None:
        raise NotFoundError(
            f"There is no staff member {officer_id}.", hint="Check the officer's id."
        )
    if not officer.active:
        raise refuse(Refusal.OFFICER_INACTIVE, officer=officer_id)


def _check_order_period(
    settings: Settings, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    """Refuse an order period that is empty, over or longer than allowed."""
    if ends_at <= starts_at:
        raise refuse(Refusal.ORDER_ENDS_BEFORE_START)
    if ends_at <= now:
        raise refuse(Refusal.ORDER_ALREADY_ENDED)
    length = ends_at - starts_at
    if length > timedelta(days=settings.order_max_days):
        raise refuse(
            Refusal.ORDER_TOO_LONG,
            days=length / timedelta(days=1),
            limit=settings.order_max_days,
        )


def _check_adult(subject: Subject, starts_at: datetime) -> None:
    """Refuse an order that starts before its subject's eighteenth birthday."""
    # The birthday is a local date, so the start is read in the unit's time zone.
    start_day = starts_at.astimezone(zone_named(subject.unit.timezone)).date()
    age = age_years(subject.date_of_birth, start_day)
    if age < ADULT_AGE_YEARS:
        raise refuse(Refusal.SUBJECT_MINOR, subject=subject.id, age=age)


def _check_assignable(session: Session, device: Device) -> None:
    """Refuse a device that is out of service or already worn."""
    if device.state == "retired":
        raise refuse(Refusal.DEVICE_RETIRED, serial=device.serial)
    if device.state == "faulty":
        raise refuse(Refusal.DEVICE_FAULTY, serial=device.serial)
    if open_assignment(session, device) is not None:
        raise refuse(Refusal.DEVICE_ALREADY_ASSIGNED, serial=device.serial)
