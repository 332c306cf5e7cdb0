from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from tests.alerts.builders import (
    NOW,
    FakeClock,
    Receiver,
    WebhookServer,
    a_finding,
    open_session,
)
from vigil.alerts.book import AlertBook
from vigil.alerts.channels import AlertStream, Channel, StreamChannel
from vigil.alerts.escalation import escalate_overdue
from vigil.alerts.models import Notification
from vigil.alerts.outbox import OutboxWorker
from vigil.alerts.routing import Route, Routing
from vigil.alerts.webhook import WebhookChannel
from vigil.simulate.fleet import FleetDevice
from vigil.store.db import make_engine, make_sessionmaker

SECRET = b"shared-secret"
OPS = Route("webhook", "operations")
ROUTING = Routing(
    by_severity={"high": (OPS, Route("stream", "console"))},
    escalation=((OPS,),),
    max_escalation_level=1,
)


def a_worker(
    database_url: str, clock: FakeClock, channels: dict[str, Channel]
) -> OutboxWorker:
    engine = make_engine(database_url)
    return OutboxWorker(
        make_sessionmaker(engine), channels, clock=clock, rng=random.Random(7)
    )


def open_alerts(database_url: str, fleet: list[FleetDevice]) -> None:
    with open_session(database_url) as session, session.begin():
        findings = [a_finding(w, episode=f"ep-{w.device_id}") for w in fleet]
        AlertBook(ROUTING).apply(session, findings, NOW)


def notifications(database_url: str) -> list[Notification]:
    with open_session(database_url) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_webhook_down_for_an_hour_still_receives_every_notification(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    clock, stream = FakeClock(), AlertStream()
    receiver = Receiver(status=503)
    server = WebhookServer(receiver)
    webhook = WebhookChannel({"operations": server.url}, SECRET)
    worker = a_worker(
        database_url, clock, {"webhook": webhook, "stream": StreamChannel(stream)}
    )
    open_alerts(database_url, fleet)

    for step in range(120):  # an hour in steps of 30 s
        if step == 20:  # ten minutes in, nobody has acknowledged: escalate
            with open_session(database_url) as session, session.begin():
                escalate_overdue(session, clock(), routing=ROUTING)
        if step == 60:  # the second half hour, the endpoint refuses connections
            server.stop()
        worker.run_once()
        clock.advance(30)
    assert receiver.received == []

    server = WebhookServer(receiver, port=server.port)
    receiver.status = 200
    clock.advance(15 * 60)  # the longest backoff
    try:
        worker.drain()
    finally:
        server.stop()
        webhook.close()

    hooks = [n for n in notifications(database_url) if n.channel == "webhook"]
    delivered = [body["notification_id"] for body in receiver.bodies()]
    assert {n.state for n in notifications(database_url)} == {"sent"}
    assert sorted(delivered) == [n.id for n in hooks]
    assert len(hooks) == 2 * len(fleet)  # opened and escalated, per alert
    # each first notification failed again and again; the later ones waited
    assert min(n.attempts for n in hooks if n.purpose == "opened") > 2
    for alert_id in {n.alert_id for n in hooks}:
        owed = [n.id for n in hooks if n.alert_id == alert_id]
        received = [
            body["notification_id"]
            for body in receiver.bodies()
            if body["alert_id"] == alert_id
        ]
        assert received == owed


@pytest.mark.parametrize(
    ("status", "state"), [(410, "failed_permanently"), (429, "pending")]
)
def test_only_a_client_error_other_than_408_or_429_stops_retries(
    database_url: str, fleet: list[FleetDevice], status: int, state: str
) -> None:
    clock = FakeClock()
    server = WebhookServer(Receiver(status=status))
    webhook = WebhookChannel({"operations": server.url}, SECRET)
    worker = a_worker(database_url, clock, {"webhook": webhook})
    open_alerts(database_url, fleet[:1])
    try:
        worker.run_once()
    finally:
        server.stop()
        webhook.close()

    hook = next(n for n in notifications(database_url) if n.channel == "webhook")
    assert hook.state == state
    assert hook.last_error is not None
    assert str(status) in hook.last_error


def test_a_channel_without_configuration_keeps_its_notifications_waiting(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    clock = FakeClock()
    worker = a_worker(database_url, clock, {})
    open_alerts(database_url, fleet[:1])

    assert worker.run_once() == 0

    assert {n.state for n in notifications(database_url)} == {"pending"}


def test_the_stream_channel_publishes_to_subscribers(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    clock, stream = FakeClock(), AlertStream()
    seen: list[tuple[str, int]] = []
    stream.subscribe(lambda topic, message: seen.append((topic, message["alert_id"])))
    worker = a_worker(database_url, clock, {"stream": StreamChannel(stream)})
    open_alerts(database_url, fleet[:1])

    worker.run_once()

    assert [topic for topic, _ in seen] == ["console"]
