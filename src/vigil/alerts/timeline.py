"""Append entries to an alert's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertEvent, EventWhat


def record(
    session: Session,
    alert: Alert,
    what: EventWhat,
    at: datetime,
    actor: str,
    detail: dict[str, Any] | None = None,
    key: str | None = None,
) -> AlertEvent:
    """Add one timeline entry for ``alert``."""
    event = AlertEvent(
        alert_id=alert.id, at=at, what=what, actor=actor, detail=detail, key=key
    )
    session.add(event)
    return event
