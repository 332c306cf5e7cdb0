"""The registry: units, staff, subjects, their orders, devices and who wears which.

Every enumeration and simple invariant is also a CHECK constraint, so a row that
slips past the enrolment service is still refused by the database itself. The
lookups after the models raise ``NotFoundError`` for a record that is not there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    and_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from vigil.errors import NotFoundError
from vigil.store.base import Base
from vigil.store.types import UtcDateTime

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"

# Vietnam's two-tier local government (since July 2025): provinces, then communes
# and wards directly beneath them.
UnitLevel = Literal["province", "commune", "ward"]
StaffRole = Literal[
    "admin", "supervisor", "officer", "operator", "medical", "analyst", "auditor"
]
OrderKind = Literal[
    "post_rehabilitation",
    "community_treatment",
    "voluntary_treatment",
    "substitution_therapy",
    "other",
]
DeviceState = Literal["stock", "active", "faulty", "retired"]

UNIT_LEVELS: tuple[str, ...] = get_args(UnitLevel)
STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)
ORDER_KINDS: tuple[str, ...] = get_args(OrderKind)
DEVICE_STATES: tuple[str, ...] = get_args(DeviceState)

# The tables migration 0001_registry creates, in dependency order.
REGISTRY_TABLES = (
    "units",
    "staff_users",
    "subjects",
    "orders",
    "devices",
    "device_assignments",
    "api_tokens",
)

_OPEN_ASSIGNMENT = "unassigned_at IS NULL"
_NOT_REVOKED = "revoked_at IS NULL"


def one_of(column: str, values: tuple[str, ...]) -> str:
    """Return the SQL condition that ``column`` holds one of ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


class Unit(Base):
    """A province, or a commune or ward directly beneath one."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(one_of("level", UNIT_LEVELS), name="level_known"),
        CheckConstraint(
            "(level = 'province' AND parent_id IS NULL)"
            " OR (level <> 'province' AND parent_id IS NOT NULL)",
            name="parent_matches_level",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class StaffUser(Base):
    """A member of staff who signs in to the console."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(one_of("role", STAFF_ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    unit: Mapped[Unit] = relationship()


class Subject(Base):
    """A person under supervision (người được giám sát)."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    national_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(500))
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    unit: Mapped[Unit] = relationship()
    officer: Mapped[StaffUser | None] = relationship()


class Order(Base):
    """The decision that gives monitoring its legal basis, for a bounded time."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("issuing_authority", "decision_number"),
        CheckConstraint(one_of("kind", ORDER_KINDS), name="kind_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "ended_early_at IS NULL OR ended_early_at < ends_at",
            name="ended_early_before_end",
        ),
        CheckConstraint(
            "(ended_early_at IS NULL AND end_reason IS NULL)"
            " OR (ended_early_at IS NOT NULL AND end_reason IS NOT NULL)",
            name="early_end_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    decision_number: Mapped[str] = mapped_column(String(64))
    issuing_authority: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ended_early_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    subject: Mapped[Subject] = relationship()

    def in_force_at(self, t: datetime) -> bool:
        """Return whether the order is a legal basis for monitoring at ``t``."""
        if self.ended_early_at is not None and t >= self.ended_early_at:
            return False
        return self.starts_at <= t < self.ends_at

    @classmethod
    def in_force_clause(cls, t: datetime) -> ColumnElement[bool]:
        """Return the SQL condition that an order is in force at ``t``."""
        return and_(
            cls.starts_at <= t,
            cls.ends_at > t,
            or_(cls.ended_early_at.is_(None), cls.ended_early_at > t),
        )


class Device(Base):
    """A bracelet; the server keeps only its Ed25519 public key."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(one_of("state", DEVICE_STATES), name="state_known"),
        CheckConstraint("length(serial) BETWEEN 1 AND 64", name="serial_length"),
        CheckConstraint("length(public_key) = 32", name="public_key_32_bytes"),
        CheckConstraint(
            "(state = 'retired' AND retired_at IS NOT NULL)"
            " OR (state <> 'retired' AND retired_at IS NULL)",
            name="retired_at_matches_state",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    state: Mapped[str] = mapped_column(
        String(16), default="stock", server_default="stock"
    )
    firmware: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DeviceAssignment(Base):
    """A device worn by a subject under an order, from one instant to another."""

    __tablename__ = "device_assignments"
    __table_args__ = (
        CheckConstraint(
            "unassigned_at IS NULL OR unassigned_at >= assigned_at",
            name="unassigned_after_assigned",
        ),
        # One open assignment per device and per subject; closed ones are history.
        Index(
            "uq_device_assignments_open_device_id",
            "device_id",
            unique=True,
            sqlite_where=text(_OPEN_ASSIGNMENT),
            postgresql_where=text(_OPEN_ASSIGNMENT),
        ),
        Index(
            "uq_device_assignments_open_subject_id",
            "subject_id",
            unique=True,
            sqlite_where=text(_OPEN_ASSIGNMENT),
            postgresql_where=text(_OPEN_ASSIGNMENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unassigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    device: Mapped[Device] = relationship()
    subject: Mapped[Subject] = relationship()
    order: Mapped[Order] = relationship()


class ApiToken(Base):
    """A scoped credential for an integration; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("length(token_sha256) = 64", name="sha256_hex_length"),
        # A name may be reused once the token that bore it is revoked.
        Index(
            "uq_api_tokens_active_name",
            "name",
            unique=True,
            sqlite_where=text(_NOT_REVOKED),
            postgresql_where=text(_NOT_REVOKED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def allows(self, scope: str) -> bool:
        """Return whether the token carries ``scope``."""
        return scope in self.scopes.split()


def find_unit(session: Session, code: str) -> Unit:
    """Return the unit with the official ``code``."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFoundError(
            f"There is no unit with code {code!r}.",
            hint="Check the official unit code, or create the unit first.",
        )
    return unit


def find_subject(session: Session, subject_id: int) -> Subject:
    """Return the subject ``subject_id``."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFoundError(
            f"There is no subject {subject_id}.", hint="Check the subject's number."
        )
    return subject


def find_order(session: Session, order_id: int) -> Order:
    """Return the order ``order_id``."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFoundError(
            f"There is no order {order_id}.", hint="Check the order's number."
        )
    return order


def find_device(session: Session, serial: str) -> Device:
    """Return the device with ``serial``."""
    device = session.scalar(select(Device).where(Device.serial == serial))
    if device is None:
        raise NotFoundError(
            f"There is no device with serial {serial!r}.",
            hint="Check the serial, or register the device first.",
        )
    return device


def open_assignment(session: Session, device: Device) -> DeviceAssignment | None:
    """Return the assignment ``device`` is worn under now, if any."""
    return session.scalar(
        select(DeviceAssignment).where(
            DeviceAssignment.device_id == device.id,
            DeviceAssignment.unassigned_at.is_(None),
        )
    )
