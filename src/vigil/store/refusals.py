"""Every reason enrolment refuses a step, and the input checks that raise them.

Clients branch on the code; people read the message (what was wrong) and the
hint (what to do). Messages name records by id, serial or code, never by a
person's name, birth date or national id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.errors import EnrolmentError


class Refusal(StrEnum):
    """Stable codes of ``EnrolmentError``; never renamed once released."""

    VALUE_BLANK = "value_blank"
    VALUE_TOO_LONG = "value_too_long"
    TIME_ZONE_MISSING = "time_zone_missing"
    UNIT_LEVEL_UNKNOWN = "unit_level_unknown"
    UNIT_TIMEZONE_UNKNOWN = "unit_timezone_unknown"
    UNIT_PROVINCE_HAS_PARENT = "unit_province_has_parent"
    UNIT_PARENT_REQUIRED = "unit_parent_required"
    UNIT_PARENT_NOT_PROVINCE = "unit_parent_not_province"
    UNIT_CODE_TAKEN = "unit_code_taken"
    SUBJECT_BORN_IN_FUTURE = "subject_born_in_future"
    SUBJECT_NATIONAL_ID_TAKEN = "subject_national_id_taken"
    SUBJECT_MINOR = "subject_minor"
    OFFICER_INACTIVE = "officer_inactive"
    ORDER_KIND_UNKNOWN = "order_kind_unknown"
    ORDER_ENDS_BEFORE_START = "order_ends_before_start"
    ORDER_ALREADY_ENDED = "order_already_ended"
    ORDER_TOO_LONG = "order_too_long"
    ORDER_DUPLICATE = "order_duplicate"
    ORDER_CLOSED = "order_closed"
    ORDER_SUBJECT_MISMATCH = "order_subject_mismatch"
    ORDER_NOT_IN_FORCE = "order_not_in_force"
    DEVICE_SERIAL_INVALID = "device_serial_invalid"
    DEVICE_SERIAL_TAKEN = "device_serial_taken"
    DEVICE_PUBLIC_KEY_INVALID = "device_public_key_invalid"
    DEVICE_RETIRED = "device_retired"
    DEVICE_FAULTY = "device_faulty"
    DEVICE_ALREADY_ASSIGNED = "device_already_assigned"
    SUBJECT_ALREADY_HAS_DEVICE = "subject_already_has_device"
    DEVICE_NOT_ASSIGNED = "device_not_assigned"
    DEVICE_STILL_ASSIGNED = "device_still_assigned"
    ASSIGNMENT_NOT_STARTED = "assignment_not_started"
    CONCURRENT_CHANGE = "concurrent_change"
    # Codes, not secrets; the bandit rule S105 mistakes them for passwords.
    TOKEN_NAME_TAKEN = "token_name_taken"  # noqa: S105
    TOKEN_SCOPE_UNKNOWN = "token_scope_unknown"  # noqa: S105


_TEXTS: dict[Refusal, tuple[str, str]] = {
    Refusal.VALUE_BLANK: ("The {what} is blank.", "Give the {what}."),
    Refusal.VALUE_TOO_LONG: (
        "The {what} has {length} characters; at most {limit} fit.",
        "Shorten the {what}.",
    ),
    Refusal.TIME_ZONE_MISSING: (
        "The {what} time has no time zone.",
        "Give the offset, e.g. 2026-01-01T00:00:00+07:00.",
    ),
    Refusal.UNIT_LEVEL_UNKNOWN: (
        "{value!r} is not a unit level.",
        "Use province, commune or ward.",
    ),
    Refusal.UNIT_TIMEZONE_UNKNOWN: (
        "The time zone {value!r} is unknown.",
        "Use an IANA name such as Asia/Ho_Chi_Minh.",
    ),
    Refusal.UNIT_PROVINCE_HAS_PARENT: (
        "A province is the top level; it has no parent unit.",
        "Leave out the parent, or give the level commune or ward.",
    ),
    Refusal.UNIT_PARENT_REQUIRED: (
        "A {level} belongs to a province, and none was given.",
        "Give the code of its province as the parent.",
    ),
    Refusal.UNIT_PARENT_NOT_PROVINCE: (
        "Unit {parent} is a {parent_level}; communes and wards belong to a province.",
        "Give the code of the province the unit belongs to.",
    ),
    Refusal.UNIT_CODE_TAKEN: (
        "Another unit already has the code {code!r}.",
        "Unit codes are the official codes and unique; check the code.",
    ),
    Refusal.SUBJECT_BORN_IN_FUTURE: (
        "The date of birth is later than today.",
        "Check the date of birth; it is written YYYY-MM-DD.",
    ),
    Refusal.SUBJECT_NATIONAL_ID_TAKEN: (
        "Another subject already has this national id.",
        "The person may already be enrolled; look them up first.",
    ),
    Refusal.SUBJECT_MINOR: (
        "Subject {subject} is {age} on the order's start date; only adults "
        "(18 or older) may be monitored.",
        "Check the date of birth and the order's start.",
    ),
    Refusal.OFFICER_INACTIVE: (
        "Staff member {officer} is deactivated and cannot take a caseload.",
        "Choose an active case officer.",
    ),
    Refusal.ORDER_KIND_UNKNOWN: (
        "{value!r} is not a kind of order.",
        "Use one of: {known}.",
    ),
    Refusal.ORDER_ENDS_BEFORE_START: (
        "The order ends before, or when, it starts.",
        "Check the dates; the end is the first moment the order no longer applies.",
    ),
    Refusal.ORDER_ALREADY_ENDED: (
        "The order's end has already passed; it cannot be a basis for monitoring.",
        "Check the end date against the decision.",
    ),
    Refusal.ORDER_TOO_LONG: (
        "The order lasts {days:.1f} days; at most {limit} are allowed.",
        "Check the dates; the limit is set by VIGIL_ORDER_MAX_DAYS.",
    ),
    Refusal.ORDER_DUPLICATE: (
        "Decision {number!r} of {authority!r} is already recorded.",
        "Check the decision number; the order may already be entered.",
    ),
    Refusal.ORDER_CLOSED: (
        "Order {order} has already ended.",
        "Nothing to end; record a new order if monitoring must go on.",
    ),
    Refusal.ORDER_SUBJECT_MISMATCH: (
        "Order {order} concerns another subject, not subject {subject}.",
        "Give an order of the subject who will wear the device.",
    ),
    Refusal.ORDER_NOT_IN_FORCE: (
        "Order {order} is not in force now; monitoring needs an order in force.",
        "Assign the device once the order starts, or record the current order.",
    ),
    Refusal.DEVICE_SERIAL_INVALID: (
        "The serial {serial!r} is not 1 to 64 letters, digits, '_', '.' or '-'.",
        "Use the serial printed on the bracelet's case.",
    ),
    Refusal.DEVICE_PUBLIC_KEY_INVALID: (
        "The public key of {serial!r} is not a 32-byte Ed25519 key.",
        "Send the raw 32-byte public key the bracelet exported.",
    ),
    Refusal.DEVICE_SERIAL_TAKEN: (
        "A device with serial {serial!r} is already registered.",
        "Check the serial; a device is registered once.",
    ),
    Refusal.DEVICE_RETIRED: (
        "Device {serial} is retired.",
        "Choose another device from stock.",
    ),
    Refusal.DEVICE_FAULTY: (
        "Device {serial} is marked faulty.",
        "Choose another device from stock.",
    ),
    Refusal.DEVICE_ALREADY_ASSIGNED: (
        "Device {serial} is already worn by a subject.",
        "Unassign it first: vigil device unassign {serial}",
    ),
    Refusal.SUBJECT_ALREADY_HAS_DEVICE: (
        "Subject {subject} already wears device {serial}.",
        "Unassign device {serial} first.",
    ),
    Refusal.DEVICE_NOT_ASSIGNED: (
        "Device {serial} is not assigned to anyone.",
        "Nothing to unassign.",
    ),
    Refusal.DEVICE_STILL_ASSIGNED: (
        "Device {serial} is still worn by a subject.",
        "Unassign it first: vigil device unassign {serial}",
    ),
    Refusal.ASSIGNMENT_NOT_STARTED: (
        "Device {serial} was assigned later than the time given.",
        "Check the clock of the machine making the change.",
    ),
    Refusal.CONCURRENT_CHANGE: (
        "Someone changed the same record at the same time.",
        "Look at the record again, then retry.",
    ),
    Refusal.TOKEN_NAME_TAKEN: (
        "A token named {name!r} is already in use.",
        "Choose another name, or revoke the old token first.",
    ),
    Refusal.TOKEN_SCOPE_UNKNOWN: (
        "{value!r} is not a token scope.",
        "Use one of: {known}.",
    ),
}


def refuse(refusal: Refusal, /, **fields: object) -> EnrolmentError:
    """Return ``refusal`` with its message and hint filled in from ``fields``."""
    message, hint = _TEXTS[refusal]
    return EnrolmentError(refusal, message.format(**fields), hint=hint.format(**fields))


def clean_text(value: str, what: str, max_chars: int) -> str:
    """Return ``value`` without surrounding blanks, refusing it empty or too long."""
    stripped = value.strip()
    if not stripped:
        raise refuse(Refusal.VALUE_BLANK, what=what)
    if len(stripped) > max_chars:
        raise refuse(
            Refusal.VALUE_TOO_LONG, what=what, length=len(stripped), limit=max_chars
        )
    return stripped


def clean_optional_text(value: str | None, what: str, max_chars: int) -> str | None:
    """Return ``value`` cleaned like ``clean_text``, a blank meaning none."""
    if value is None or not value.strip():
        return None
    return clean_text(value, what, max_chars)


def as_utc(value: datetime, what: str) -> datetime:
    """Return ``value`` in UTC, refusing a time without a zone."""
    if value.utcoffset() is None:
        raise refuse(Refusal.TIME_ZONE_MISSING, what=what)
    return value.astimezone(UTC)


def zone_named(name: str) -> ZoneInfo:
    """Return the time zone ``name``, refusing one the system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise refuse(Refusal.UNIT_TIMEZONE_UNKNOWN, value=name) from None


@contextmanager
def refused_on_conflict(session: Session, refusal: EnrolmentError) -> Iterator[None]:
    """Write inside a savepoint; raise ``refusal`` if a unique constraint refuses it."""
    # Checks made before writing cannot see a concurrent writer's uncommitted rows;
    # when one wins the race, the database's constraint has the last word and the
    # savepoint takes back everything written inside it. Any other refusal by the
    # database is a bug in the checks, and is raised as it is.
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise refusal from None


def is_unique_violation(exc: IntegrityError) -> bool:
    """Return whether the database refused a row for repeating a unique key."""
    # PostgreSQL reports SQLSTATE 23505; SQLite has only its message to go by.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)
