"""Notification channels: each hands one message to the outside world, or raises.

A channel resolves a route's target name to an address from its own settings and
raises ``DeliveryError`` when it cannot deliver; ``permanent=True`` only when no
retry can help. A new channel is a new class with a ``send`` method, registered
with the ``OutboxWorker`` under its name. The webhook lives in ``webhook``.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from vigil.alerts.errors import DeliveryError

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notification as a channel sees it."""

    notification_id: int
    alert_id: int
    target: str
    purpose: str
    payload: dict[str, Any]

    def body(self) -> bytes:
        """Return the canonical JSON of the message, the notification id included."""
        document = {"notification_id": self.notification_id, **self.payload}
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


class Channel(Protocol):
    """Something that delivers notifications."""

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        """Deliver ``outgoing`` or raise ``DeliveryError``."""


def resolve(addresses: Mapping[str, str], target: str, channel: str) -> str:
    """Return the address configured for ``target``; a missing one is not fatal."""
    address = addresses.get(target)
    if address is None:
        # A deployment may add the address later; the message waits for it.
        raise DeliveryError(f"no {channel} address is configured for {target!r}")
    return address


Subscriber = Callable[[str, dict[str, Any]], None]


class AlertStream:
    """In-process publish and subscribe for live alert updates; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(topic, message)`` for every publication; return undo."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Hand ``message`` to every subscriber; one failing stops none of the rest."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(topic, message)
            except Exception:
                _LOGGER.exception("an alert stream subscriber failed")


class StreamChannel:
    """Publish notifications to an ``AlertStream``, topic = the route's target."""

    def __init__(self, stream: AlertStream) -> None:
        self._stream = stream

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        """Publish ``outgoing`` on its target topic."""
        message = {"notification_id": outgoing.notification_id, **outgoing.payload}
        self._stream.publish(outgoing.target, message)


class SmsGateway(Protocol):
    """An SMS vendor: implement this to plug one in."""

    def send_sms(self, phone: str, text: str) -> None:
        """Hand ``text`` to the network for ``phone`` or raise ``DeliveryError``."""


class LoggingSmsGateway:
    """Append each SMS to a file instead of sending it: for demonstrations."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def send_sms(self, phone: str, text: str) -> None:
        """Write one line with the phone and the text."""
        try:
            with self._lock, self._path.open("a", encoding="utf-8") as file:
                file.write(f"{phone}\t{text}\n")
        except OSError as exc:
            raise DeliveryError(f"the SMS log cannot be written: {exc}") from None


class SmsChannel:
    """Send a one-line text through an ``SmsGateway``."""

    def __init__(self, gateway: SmsGateway, phones: Mapping[str, str]) -> None:
        self._gateway = gateway
        self._phones = phones

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        """Text the target's phone a short summary with the alert's number."""
        phone = resolve(self._phones, outgoing.target, "sms")
        payload = outgoing.payload
        text = (
            f"Vigil {payload.get('severity', '')} alert {outgoing.alert_id} "
            f"({payload.get('kind', '')}): {outgoing.purpose}"
        )
        self._gateway.send_sms(phone, text)


# SMTP replies 5xx for a refusal that will repeat; 4xx is worth another try.
_SMTP_PERMANENT_FROM = 500


class EmailChannel:
    """Send notifications as plain-text email through an SMTP relay."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        addresses: Mapping[str, str],
        timeout_s: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._addresses = addresses
        self._timeout_s = timeout_s

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        """Mail the notification's JSON to the target's address."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = resolve(self._addresses, outgoing.target, "email")
        message["Subject"] = f"[Vigil] alert {outgoing.alert_id}: {outgoing.purpose}"
        message["X-Vigil-Notification-Id"] = str(outgoing.notification_id)
        message.set_content(outgoing.body().decode())
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            permanent = exc.smtp_code >= _SMTP_PERMANENT_FROM
            raise DeliveryError(
                f"SMTP replied {exc.smtp_code}", permanent=permanent
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP relay unreachable: {exc}") from None
