"""Webhook delivery, signed so a receiver can tell the message is Vigil's.

Each POST carries the JSON body and two headers::

    X-Vigil-Timestamp: 1767225600
    X-Vigil-Signature: v1=<hex HMAC-SHA256(secret, b"1767225600." + body)>

A receiver verifies by recomputing the HMAC over the timestamp header, a dot and
the raw body bytes with the shared secret, comparing in constant time
(``hmac.compare_digest``), and refusing a timestamp more than five minutes from
its own clock, so a captured request cannot be replayed later. Delivery is at
least once: ``X-Vigil-Notification-Id`` lets it drop a repeat. ``verify`` below
does exactly this.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

import httpx

from vigil.alerts.channels import Outgoing, resolve
from vigil.alerts.errors import DeliveryError

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
NOTIFICATION_HEADER = "X-Vigil-Notification-Id"
SIGNATURE_VERSION = "v1"
MAX_SKEW_S = 300

# 408 (timeout) and 429 (slow down) say "later"; any other 4xx says the request
# itself is wrong and repeating it cannot help.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


def sign(secret: bytes, timestamp_s: int, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp_s``."""
    mac = hmac.new(secret, f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(
    secret: bytes, timestamp_header: str, signature_header: str, body: bytes, now_s: int
) -> bool:
    """Return whether a received webhook is signed with ``secret`` and fresh."""
    try:
        timestamp_s = int(timestamp_header)
    except ValueError:
        return False
    if abs(now_s - timestamp_s) > MAX_SKEW_S:
        return False
    expected = sign(secret, timestamp_s, body)
    return hmac.compare_digest(expected, signature_header)


class WebhookChannel:
    """POST signed JSON to the endpoint a route's target names."""

    def __init__(
        self,
        endpoints: Mapping[str, str],
        secret: bytes,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._endpoints = endpoints
        self._secret = secret
        self._client = client or httpx.Client(timeout=timeout_s)

    def send(self, outgoing: Outgoing, now: datetime) -> None:
        """POST ``outgoing``; a 2xx reply is delivery."""
        url = resolve(self._endpoints, outgoing.target, "webhook")
        body = outgoing.body()
        timestamp_s = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp_s),
            SIGNATURE_HEADER: sign(self._secret, timestamp_s, body),
            NOTIFICATION_HEADER: str(outgoing.notification_id),
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__} posting to {url}") from None
        if response.is_success:
            return
        status = response.status_code
        permanent = 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS
        raise DeliveryError(f"{url} replied {status}", permanent=permanent)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()
