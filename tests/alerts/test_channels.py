from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.alerts.builders import NOW, WebhookServer
from vigil.alerts.channels import (
    AlertStream,
    EmailChannel,
    LoggingSmsGateway,
    Outgoing,
    SmsChannel,
)
from vigil.alerts.errors import DeliveryError
from vigil.alerts.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    verify,
)

SECRET = b"shared-secret"
OUTGOING = Outgoing(
    notification_id=7,
    alert_id=3,
    target="operations",
    purpose="opened",
    payload={"alert_id": 3, "kind": "tamper", "severity": "critical"},
)


def test_a_webhook_signature_verifies_with_the_shared_secret(
    webhook: WebhookServer,
) -> None:
    channel = WebhookChannel({"operations": webhook.url}, SECRET)
    channel.send(OUTGOING, NOW)
    channel.close()

    [(headers, body)] = webhook.receiver.received
    timestamp, signature = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    now_s = int(NOW.timestamp())
    assert verify(SECRET, timestamp, signature, body, now_s)
    assert not verify(b"another secret", timestamp, signature, body, now_s)
    assert not verify(SECRET, timestamp, signature, body + b" ", now_s)
    assert not verify(SECRET, timestamp, signature, body, now_s + 301)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def a_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), a_free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_an_email_notification_arrives_at_the_smtp_server(
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    channel = EmailChannel(
        "127.0.0.1",
        port,
        sender="vigil@example.org",
        addresses={"operations": "duty@example.org"},
    )

    channel.send(OUTGOING, NOW)

    [raw] = inbox.messages
    message = message_from_bytes(raw)
    assert message["To"] == "duty@example.org"
    assert message["X-Vigil-Notification-Id"] == "7"
    assert '"alert_id":3' in message.get_payload()


def test_an_unreachable_smtp_relay_is_a_transient_failure() -> None:
    channel = EmailChannel(
        "127.0.0.1",
        a_free_port(),
        sender="v@example.org",
        addresses={"operations": "d@e.org"},
    )

    with pytest.raises(DeliveryError) as failed:
        channel.send(OUTGOING, NOW)

    assert failed.value.permanent is False


def test_the_logging_sms_gateway_writes_one_line_per_text(tmp_path: Path) -> None:
    log = tmp_path / "sms.log"
    channel = SmsChannel(LoggingSmsGateway(log), {"operations": "+84900000001"})

    channel.send(OUTGOING, NOW)

    [line] = log.read_text(encoding="utf-8").splitlines()
    assert line.startswith("+84900000001\t")
    assert "alert 3" in line


def test_one_failing_stream_subscriber_does_not_stop_the_others() -> None:
    stream = AlertStream()
    seen: list[str] = []

    def broken(topic: str, message: dict[str, Any]) -> None:
        raise RuntimeError("console went away")

    stream.subscribe(broken)
    unsubscribe = stream.subscribe(lambda topic, message: seen.append(topic))
    stream.publish("console", {"alert_id": 1})
    unsubscribe()
    stream.publish("console", {"alert_id": 2})

    assert seen == ["console"]
