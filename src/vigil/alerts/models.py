"""The alert tables: alerts, their timeline, approved exceptions and the outbox.

Enumerations are CHECK constraints as in the registry, so a row written around
the alert book is still refused by the database itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.base import Base
from vigil.store.inbox import Id64
from vigil.store.registry import one_of
from vigil.store.types import UtcDateTime

AlertState = Literal["open", "acknowledged", "resolved"]
Disposition = Literal[
    "violation_confirmed", "false_alarm", "technical", "medical", "other", "suppressed"
]
EventWhat = Literal[
    "opened",
    "evidence",
    "cleared",
    "acknowledged",
    "escalated",
    "resolved",
    "suppressed",
    "note",
]
ChannelName = Literal["webhook", "email", "sms", "stream"]
NotificationState = Literal["pending", "sent", "failed_permanently"]

ALERT_STATES: tuple[str, ...] = get_args(AlertState)
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)
EVENT_KINDS: tuple[str, ...] = get_args(EventWhat)
CHANNELS: tuple[str, ...] = get_args(ChannelName)
NOTIFICATION_STATES: tuple[str, ...] = get_args(NotificationState)

# The tables migration 0003_alerts creates, in dependency order.
ALERT_TABLES = ("alert_exceptions", "alerts", "alert_events", "notifications")

SYSTEM_ACTOR = "system"


class AlertException(Base):
    """An approved exception: a subject's alerts of some kinds are expected then."""

    __tablename__ = "alert_exceptions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kinds: Mapped[list[str] | None] = mapped_column(JSON)  # None covers every kind
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(500))
    approved_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def covers(self, kind: str, at: datetime) -> bool:
        """Return whether this covers an alert of ``kind`` that began ``at``."""
        in_window = self.starts_at <= at < self.ends_at
        return in_window and (self.kinds is None or kind in self.kinds)


class Alert(Base):
    """One episode of a rule's condition, kept until a person resolves it."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(one_of("state", ALERT_STATES), name="state_known"),
        CheckConstraint(one_of("severity", SEVERITIES), name="severity_known"),
        CheckConstraint(
            f"disposition IS NULL OR {one_of('disposition', DISPOSITIONS)}",
            name="disposition_known",
        ),
        CheckConstraint(
            "(state = 'resolved')"
            " = (resolved_at IS NOT NULL AND disposition IS NOT NULL)",
            name="resolved_has_disposition",
        ),
        Index("ix_alerts_state_raised_at", "state", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    late: Mapped[bool] = mapped_column(Boolean)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    suppressed_by: Mapped[int | None] = mapped_column(ForeignKey("alert_exceptions.id"))


class AlertEvent(Base):
    """One entry of an alert's timeline; entries are only ever added."""

    __tablename__ = "alert_events"
    __table_args__ = (CheckConstraint(one_of("what", EVENT_KINDS), name="what_known"),)

    id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    what: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The finding that caused the entry; unique, so a finding is applied once.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)


class Notification(Base):
    """A message owed to a channel: the durable outbox, written with its alert."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "target", "purpose"),
        CheckConstraint(one_of("channel", CHANNELS), name="channel_known"),
        CheckConstraint(one_of("state", NOTIFICATION_STATES), name="state_known"),
        Index("ix_notifications_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # A name the channel resolves (an endpoint, a duty phone), not an address, so
    # a corrected address reaches notifications that are still waiting.
    target: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))  # opened, escalated:1, ...
    priority: Mapped[int] = mapped_column(SmallInteger)  # 0 is sent first
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
