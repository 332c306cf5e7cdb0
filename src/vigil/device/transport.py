"""How the bracelet reaches the server: HTTPS today, MQTT beside it later."""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

from vigil.errors import ProtocolError
from vigil.protocol import MSGPACK_MEDIA_TYPE, Reply, decode_reply

_LOGGER = logging.getLogger(__name__)


_HEADERS = {"content-type": MSGPACK_MEDIA_TYPE, "accept": MSGPACK_MEDIA_TYPE}


class TransportError(Exception):
    """The upload did not get a protocol answer; resend the same bytes later."""


class Transport(Protocol):
    """Sends one sealed upload and returns the server's reply."""

    def send(self, upload: bytes) -> Reply:
        """Send ``upload``; raise ``TransportError`` when no reply came back."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class HttpTransport:
    """``POST /v1/ingest`` over a kept-alive HTTP(S) connection."""

    def __init__(
        self,
        base_url: str = "",
        *,
        timeout_s: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout_s)

    def send(self, upload: bytes) -> Reply:
        try:
            response = self._client.post("/v1/ingest", content=upload, headers=_HEADERS)
        except httpx.HTTPError as exc:
            raise TransportError(f"no answer from the server: {exc!r}") from exc
        if response.headers.get("content-type", "").startswith(MSGPACK_MEDIA_TYPE):
            try:
                return decode_reply(response.content)
            except ProtocolError:
                pass
        # A proxy or a crashing server answered with something else than Vigil.
        raise TransportError(f"HTTP {response.status_code} without a protocol reply")

    def close(self) -> None:
        self._client.close()
