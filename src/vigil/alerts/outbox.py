"""The durable outbox: notifications written with their alert, delivered later.

``enqueue`` runs inside the transaction that changes the alert, so either both
are stored or neither is. ``OutboxWorker`` claims due notifications, hands them
to their channels and records the outcome. A transient failure schedules another
attempt with capped exponential backoff and full jitter, for as long as it takes:
an endpoint that is down delays its notifications and never loses them. Delivery
is at least once (a worker that dies mid-send leaves the claim to expire), so
every message carries its notification id for the receiver to drop repeats.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from vigil.alerts.channels import Channel, Outgoing
from vigil.alerts.errors import DeliveryError
from vigil.alerts.models import Alert, Notification
from vigil.alerts.routing import Route
from vigil.retry import full_jitter_s

_LOGGER = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def alert_payload(alert: Alert, purpose: str) -> dict[str, Any]:
    """Return what a notification says about ``alert``: ids and times, no person."""
    return {
        "purpose": purpose,
        "alert_id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "rule": alert.rule,
        "device_id": alert.device_id,
        "subject_id": alert.subject_id,
        "unit_id": alert.unit_id,
        "opened_at": alert.opened_at.isoformat(),
        "late": alert.late,
        "escalation_level": alert.escalation_level,
    }


def enqueue(
    session: Session,
    alert: Alert,
    purpose: str,
    routes: list[tuple[Route, int]],
    now: datetime,
) -> list[Notification]:
    """Add one notification per route to the session; routes already owed are kept."""
    rows = session.execute(
        select(Notification.channel, Notification.target).where(
            Notification.alert_id == alert.id, Notification.purpose == purpose
        )
    )
    owed = {(channel, target) for channel, target in rows}
    payload = alert_payload(alert, purpose)
    added: list[Notification] = []
    for route, priority in routes:
        if (route.channel, route.target) in owed:
            continue
        owed.add((route.channel, route.target))
        notification = Notification(
            alert_id=alert.id,
            channel=route.channel,
            target=route.target,
            purpose=purpose,
            priority=priority,
            payload=payload,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(notification)
        added.append(notification)
    return added


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with full jitter."""

    base_s: float = 5.0
    # Fifteen minutes bounds how late a recovered endpoint hears of the backlog.
    cap_s: float = 15 * 60.0

    def delay_s(self, attempts: int, rng: random.Random) -> float:
        """Return the wait before the next try after ``attempts`` failed ones."""
        return full_jitter_s(attempts - 1, self.base_s, self.cap_s, rng)


class OutboxWorker:
    """Deliver due notifications, one batch per ``run_once``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Mapping[str, Channel],
        *,
        clock: Clock,
        rng: random.Random | None = None,
        backoff: Backoff | None = None,
        batch_size: int = 100,
        claim_s: float = 120.0,
    ) -> None:
        self._sessions = sessions
        self._channels = channels
        self._clock = clock
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff()
        self._batch_size = batch_size
        # Longer than any channel's timeout, so a claim outlives its send.
        self._claim_s = claim_s

    def run_once(self) -> int:
        """Deliver one batch of due notifications; return how many were sent."""
        sent = 0
        failed_targets: set[tuple[str, str]] = set()
        for outgoing, channel_name in self._claim():
            route = (channel_name, outgoing.target)
            if route in failed_targets:
                # The target just failed: let this one wait its turn unchanged.
                self._release(outgoing.notification_id)
                continue
            if self._deliver(outgoing, channel_name):
                sent += 1
            else:
                failed_targets.add(route)
        return sent

    def drain(self, max_rounds: int = 100) -> int:
        """Run batches until one sends nothing; return how many were sent."""
        total = 0
        for _ in range(max_rounds):
            sent = self.run_once()
            total += sent
            if sent == 0:
                break
        return total

    def _claim(self) -> list[tuple[Outgoing, str]]:
        """Lease the due notifications whose older siblings are all delivered."""
        now = self._clock()
        older = aliased(Notification)
        waits_for_older = exists().where(
            older.alert_id == Notification.alert_id,
            older.channel == Notification.channel,
            older.target == Notification.target,
            older.state == "pending",
            older.id < Notification.id,
        )
        query = (
            select(Notification)
            .where(
                Notification.state == "pending",
                Notification.next_attempt_at <= now,
                ~waits_for_older,
            )
            .order_by(Notification.priority, Notification.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        with self._sessions() as session, session.begin():
            claimed = list(session.scalars(query))
            for notification in claimed:
                notification.next_attempt_at = now + timedelta(seconds=self._claim_s)
            return [(_outgoing(n), n.channel) for n in claimed]

    def _deliver(self, outgoing: Outgoing, channel_name: str) -> bool:
        """Send one notification and record the outcome; return whether it went."""
        channel = self._channels.get(channel_name)
        try:
            if channel is None:
                raise DeliveryError(f"no {channel_name} channel is configured")
            channel.send(outgoing, self._clock())
        except DeliveryError as exc:
            self._record_failure(outgoing.notification_id, exc)
            return False
        self._record_sent(outgoing.notification_id)
        _LOGGER.info(
            "notification %s for alert %s sent via %s",
            outgoing.notification_id,
            outgoing.alert_id,
            channel_name,
        )
        return True

    def _record_sent(self, notification_id: int) -> None:
        with self._sessions() as session, session.begin():
            notification = session.get_one(Notification, notification_id)
            notification.state = "sent"
            notification.attempts += 1
            notification.sent_at = self._clock()
            notification.last_error = None

    def _record_failure(self, notification_id: int, error: DeliveryError) -> None:
        now = self._clock()
        with self._sessions() as session, session.begin():
            notification = session.get_one(Notification, notification_id)
            notification.attempts += 1
            notification.last_error = error.message[:500]
            if error.permanent:
                notification.state = "failed_permanently"
                _LOGGER.error(
                    "notification %s failed permanently: %s",
                    notification_id,
                    error.message,
                )
                return
            delay_s = self._backoff.delay_s(notification.attempts, self._rng)
            notification.next_attempt_at = now + timedelta(seconds=delay_s)
        _LOGGER.warning(
            "notification %s not delivered (attempt %s), retrying in %.0f s: %s",
            notification_id,
            notification.attempts,
            delay_s,
            error.message,
        )

    def _release(self, notification_id: int) -> None:
        with self._sessions() as session, session.begin():
            notification = session.get_one(Notification, notification_id)
            notification.next_attempt_at = self._clock()


def _outgoing(notification: Notification) -> Outgoing:
    return Outgoing(
        notification_id=notification.id,
        alert_id=notification.alert_id,
        target=notification.target,
        purpose=notification.purpose,
        payload=dict(notification.payload),
    )
