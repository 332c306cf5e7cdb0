"""The alert book: turns monitor findings into alerts, once each.

A finding's ``key`` is recorded with the timeline entry it causes, so applying
the same findings again (at-least-once delivery, a restarted worker) changes
nothing. ``apply`` neither commits nor rolls back: the caller's transaction holds
the alerts, their timelines and the notifications they owe, all or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.exceptions import covering_exception
from vigil.alerts.models import SYSTEM_ACTOR, Alert, AlertEvent, EventWhat
from vigil.alerts.outbox import enqueue
from vigil.alerts.routing import MEDICAL_KINDS, Routing
from vigil.alerts.timeline import record
from vigil.monitor.findings import Finding, Step
from vigil.store.registry import find_subject
from vigil.store.types import from_epoch_us

_LOGGER = logging.getLogger(__name__)

# Past this many evidence entries an alert's timeline keeps each finding's key
# (so a repeat is still recognised) but not its detail: a curfew breach left
# open over a weekend would otherwise carry thousands of fixes.
EVIDENCE_DETAIL_CAP = 200


@dataclass(frozen=True, slots=True)
class AlertChange:
    """What one finding did to one alert."""

    alert_id: int
    what: EventWhat
    finding_key: str


def event_time(finding: Finding) -> datetime:
    """Return a finding's event time as an aware UTC datetime."""
    return from_epoch_us(finding.at_ms * 1000)


class AlertBook:
    """Apply findings to the alert tables."""

    def __init__(
        self,
        routing: Routing | None = None,
        *,
        evidence_detail_cap: int = EVIDENCE_DETAIL_CAP,
    ) -> None:
        self.routing = routing or Routing()
        self._evidence_detail_cap = evidence_detail_cap

    def apply(
        self, session: Session, findings: Iterable[Finding], now: datetime
    ) -> list[AlertChange]:
        """Apply ``findings`` in order; a finding applied before changes nothing."""
        batch = list(findings)
        seen = self._applied_keys(session, [finding.key for finding in batch])
        changes: list[AlertChange] = []
        for finding in batch:
            if finding.key in seen:
                continue
            seen.add(finding.key)
            change = self._apply_one(session, finding, now)
            if change is not None:
                changes.append(change)
        session.flush()
        return changes

    def _applied_keys(self, session: Session, keys: list[str]) -> set[str]:
        """Return which of ``keys`` already caused a timeline entry."""
        found: set[str] = set()
        # Stay well under the bound-parameter limits of SQLite and psycopg.
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.update(
                key
                for key in session.scalars(
                    select(AlertEvent.key).where(AlertEvent.key.in_(chunk))
                )
                if key is not None
            )
        return found

    def _apply_one(
        self, session: Session, finding: Finding, now: datetime
    ) -> AlertChange | None:
        """Apply one new finding."""
        alert = session.scalar(select(Alert).where(Alert.episode == finding.episode))
        if finding.step is Step.OPEN:
            if alert is not None:
                _LOGGER.debug("episode %s is already open", finding.episode)
                return None
            return self._open(session, finding, now)
        if alert is None:
            # The book cannot invent an episode's start; the monitor emits OPEN
            # first, so this points at a lost or reordered finding.
            _LOGGER.warning(
                "finding %s refers to episode %s, which never opened",
                finding.key,
                finding.episode,
            )
            return None
        if finding.step is Step.EVIDENCE:
            return self._add_evidence(session, alert, finding)
        return self._clear(session, alert, finding)

    def _open(self, session: Session, finding: Finding, now: datetime) -> AlertChange:
        """Create the episode's alert, suppressed at once if an exception covers it."""
        at = event_time(finding)
        subject = find_subject(session, finding.subject_id)
        alert = Alert(
            episode=finding.episode,
            kind=finding.kind,
            severity=str(finding.severity),
            state="open",
            device_id=finding.device_id,
            subject_id=finding.subject_id,
            unit_id=subject.unit_id,
            rule=finding.rule,
            opened_at=at,
            raised_at=now,
            late=finding.late,
            escalation_level=0,
            evidence_count=0,
        )
        session.add(alert)
        session.flush()
        record(
            session,
            alert,
            "opened",
            at,
            SYSTEM_ACTOR,
            dict(finding.evidence),
            key=finding.key,
        )

        exception = None
        if finding.kind not in MEDICAL_KINDS:
            exception = covering_exception(
                session, finding.subject_id, finding.kind, at
            )
        if exception is not None:
            alert.state = "resolved"
            alert.resolved_at = now
            alert.resolved_by = SYSTEM_ACTOR
            alert.disposition = "suppressed"
            alert.suppressed_by = exception.id
            record(
                session,
                alert,
                "suppressed",
                now,
                SYSTEM_ACTOR,
                {"exception_id": exception.id},
            )
            _LOGGER.info(
                "alert %s opened and closed: suppressed by exception %s",
                alert.id,
                exception.id,
            )
            return AlertChange(alert.id, "suppressed", finding.key)

        routes = self.routing.for_opened(alert.kind, alert.severity)
        enqueue(session, alert, "opened", routes, now)
        _LOGGER.info(
            "alert %s opened: %s, %s%s",
            alert.id,
            alert.kind,
            alert.severity,
            ", late" if alert.late else "",
        )
        return AlertChange(alert.id, "opened", finding.key)

    def _add_evidence(
        self, session: Session, alert: Alert, finding: Finding
    ) -> AlertChange:
        """Append the finding's evidence, keeping only its key past the cap."""
        alert.evidence_count += 1
        within_cap = alert.evidence_count <= self._evidence_detail_cap
        detail = dict(finding.evidence) if within_cap else None
        record(
            session,
            alert,
            "evidence",
            event_time(finding),
            SYSTEM_ACTOR,
            detail,
            key=finding.key,
        )
        return AlertChange(alert.id, "evidence", finding.key)

    def _clear(self, session: Session, alert: Alert, finding: Finding) -> AlertChange:
        """Mark that the condition ended; the alert stays for a person to resolve."""
        at = event_time(finding)
        if alert.cleared_at is None:
            alert.cleared_at = at
        record(
            session,
            alert,
            "cleared",
            at,
            SYSTEM_ACTOR,
            dict(finding.evidence),
            key=finding.key,
        )
        _LOGGER.debug("alert %s condition cleared", alert.id)
        return AlertChange(alert.id, "cleared", finding.key)
