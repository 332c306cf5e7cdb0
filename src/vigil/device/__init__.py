"""The reference bracelet client: buffer, seal, upload, retry, apply downlink."""

from __future__ import annotations

from vigil.device.client import DeviceClient, UploadReport
from vigil.device.queue import Outbox, Sealed
from vigil.device.transport import HttpTransport, Transport, TransportError

__all__ = [
    "DeviceClient",
    "HttpTransport",
    "Outbox",
    "Sealed",
    "Transport",
    "TransportError",
    "UploadReport",
]
