"""Escalate alerts nobody acknowledged in time, one level per missed deadline.

An alert raised at ``raised_at`` with deadline ``d`` for its severity reaches
level ``n`` once ``n * d`` has passed unacknowledged. The clock starts when the
system raised the alert, not when the condition began: late data would
otherwise escalate the moment it arrives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.models import SYSTEM_ACTOR, Alert
from vigil.alerts.outbox import enqueue
from vigil.alerts.routing import MEDICAL_KINDS, Routing
from vigil.alerts.timeline import record

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """How long an alert of each severity may wait for acknowledgement."""

    # A tamper must be reported within three minutes in the field (FIELD.md);
    # two leave the next level time to act.
    critical_s: int = 2 * 60
    high_s: int = 10 * 60
    medium_s: int = 60 * 60
    low_s: int = 8 * 60 * 60

    def for_severity(self, severity: str) -> timedelta:
        """Return the deadline for ``severity``; an unknown one counts as low."""
        seconds = {
            "critical": self.critical_s,
            "high": self.high_s,
            "medium": self.medium_s,
        }.get(severity, self.low_s)
        return timedelta(seconds=seconds)


def escalate_overdue(
    session: Session,
    now: datetime,
    deadlines: Deadlines | None = None,
    routing: Routing | None = None,
) -> list[tuple[int, int]]:
    """Escalate every overdue open alert; return (alert id, new level) pairs."""
    deadlines = deadlines or Deadlines()
    routing = routing or Routing()
    escalated: list[tuple[int, int]] = []
    for alert in session.scalars(
        select(Alert).where(Alert.state == "open").order_by(Alert.id)
    ):
        deadline = deadlines.for_severity(alert.severity)
        while alert.escalation_level < routing.max_escalation_level:
            next_level = alert.escalation_level + 1
            if now < alert.raised_at + next_level * deadline:
                break
            _escalate(session, alert, next_level, routing, now)
            escalated.append((alert.id, next_level))
    session.flush()
    return escalated


def _escalate(
    session: Session, alert: Alert, level: int, routing: Routing, now: datetime
) -> None:
    """Raise ``alert`` to ``level``, with its timeline entry and notifications."""
    alert.escalation_level = level
    record(session, alert, "escalated", now, SYSTEM_ACTOR, {"level": level})
    priority = 0 if alert.kind in MEDICAL_KINDS else 1
    routes = [(route, priority) for route in routing.for_escalation(level)]
    enqueue(session, alert, f"escalated:{level}", routes, now)
    _LOGGER.info("alert %s escalated to level %s", alert.id, level)
