"""What a person does with an alert: acknowledge it, add notes, resolve it.

Each action is checked against the alert's state, refused with an ``AlertError``
whose ``code`` says why, and written to the timeline with who did it. Nothing
here commits: the caller's transaction holds the change and its entry.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from vigil.alerts.errors import AlertError
from vigil.alerts.models import DISPOSITIONS, Alert
from vigil.alerts.timeline import record

_LOGGER = logging.getLogger(__name__)

# "suppressed" is the book's own disposition for approved exceptions.
PERSON_DISPOSITIONS = tuple(d for d in DISPOSITIONS if d != "suppressed")


def _refuse_if_resolved(alert: Alert, action: str) -> None:
    if alert.state == "resolved":
        raise AlertError(
            "alert_resolved",
            f"Alert {alert.id} is already resolved and cannot be {action}.",
            hint="Add a note instead, or open the alert's timeline to see why.",
        )


def acknowledge(session: Session, alert: Alert, actor: str, now: datetime) -> None:
    """Record that ``actor`` has seen ``alert`` and is dealing with it."""
    _refuse_if_resolved(alert, "acknowledged")
    if alert.state == "acknowledged":
        raise AlertError(
            "alert_already_acknowledged",
            f"Alert {alert.id} was acknowledged by {alert.acknowledged_by}.",
            hint="Coordinate with them, or resolve the alert.",
        )
    alert.state = "acknowledged"
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    record(session, alert, "acknowledged", now, actor)


def resolve(
    session: Session,
    alert: Alert,
    actor: str,
    disposition: str | None,
    note: str | None,
    now: datetime,
) -> None:
    """Close ``alert`` with the cause a person established."""
    _refuse_if_resolved(alert, "resolved again")
    if disposition not in PERSON_DISPOSITIONS:
        raise AlertError(
            "disposition_required",
            f"Resolving alert {alert.id} needs a disposition, got {disposition!r}.",
            hint=f"Choose one of: {', '.join(PERSON_DISPOSITIONS)}.",
        )
    if disposition == "other" and not (note and note.strip()):
        raise AlertError(
            "note_required",
            "A disposition of 'other' needs a note saying what happened.",
            hint="Describe the cause in a sentence.",
        )
    if alert.acknowledged_at is None:
        # Resolving implies having seen it; keep the response time measurable.
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
    alert.state = "resolved"
    alert.resolved_at = now
    alert.resolved_by = actor
    alert.disposition = disposition
    alert.note = note
    record(
        session,
        alert,
        "resolved",
        now,
        actor,
        {"disposition": disposition, "note": note},
    )
    _LOGGER.info("alert %s closed: %s", alert.id, disposition)


def add_note(
    session: Session, alert: Alert, actor: str, text: str, now: datetime
) -> None:
    """Add ``text`` to the alert's timeline, in any state."""
    if not text.strip():
        raise AlertError(
            "note_empty", "A note cannot be empty.", hint="Write the note."
        )
    record(session, alert, "note", now, actor, {"text": text})
