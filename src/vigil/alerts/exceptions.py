"""Approved exceptions: times when a subject's alerts are expected, not violations.

A hospital stay, a court hearing across a zone line: a supervisor approves the
exception beforehand, and alerts it covers are still recorded, resolved at once
as suppressed, with the exception named. Nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.errors import AlertError
from vigil.alerts.models import AlertException


def approve_exception(
    session: Session,
    *,
    subject_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    approved_by: str,
    now: datetime,
    kinds: Sequence[str] | None = None,
) -> AlertException:
    """Record an approved exception for ``subject_id``; ``kinds=None`` covers all."""
    if ends_at <= starts_at:
        raise AlertError(
            "exception_window_empty",
            "An exception must end after it starts.",
            hint="Check the start and end times.",
        )
    if not reason.strip():
        raise AlertError(
            "exception_without_reason",
            "An exception needs a reason.",
            hint="Say why the alerts are expected, e.g. a hospital stay.",
        )
    exception = AlertException(
        subject_id=subject_id,
        kinds=None if kinds is None else sorted(set(kinds)),
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        approved_by=approved_by,
        created_at=now,
    )
    session.add(exception)
    session.flush()
    return exception


def covering_exception(
    session: Session, subject_id: int, kind: str, at: datetime
) -> AlertException | None:
    """Return the earliest-approved exception covering ``kind`` for the subject."""
    candidates = session.scalars(
        select(AlertException)
        .where(
            AlertException.subject_id == subject_id,
            AlertException.starts_at <= at,
            AlertException.ends_at > at,
        )
        .order_by(AlertException.id)
    )
    return next((c for c in candidates if c.covers(kind, at)), None)
