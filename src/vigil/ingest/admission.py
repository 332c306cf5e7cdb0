"""The checks a batch passes before it may be stored, in the order they run.

Everything here is pure computation on the bytes received plus a device's public
key; what needs the store's current state (device retired, sequence, order in force)
is checked by the writer inside the transaction that stores the batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from vigil.config import Settings
from vigil.errors import ProtocolError
from vigil.protocol import (
    Batch,
    Encoding,
    Envelope,
    PublicKey,
    RejectCode,
    decode_batch,
    decode_envelope,
)
from vigil.store.types import to_epoch_us

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceKeyEntry:
    """What admission needs to know of a device: its id and its public key."""

    device_id: int
    public_key: PublicKey


@dataclass(frozen=True, slots=True)
class Admitted:
    """A batch whose bytes, signature and times are acceptable."""

    device_id: int
    batch: Batch
    body: bytes
    sig: bytes
    encoding: Encoding
    received_at: datetime


def too_large(settings: Settings) -> ProtocolError:
    """Return the refusal of an upload over the size limit."""
    return ProtocolError(
        RejectCode.TOO_LARGE,
        f"The upload has more than {settings.max_batch_bytes} bytes.",
        hint="Split the records into smaller batches.",
    )


def open_upload(data: bytes, encoding: Encoding, settings: Settings) -> Envelope:
    """Check an upload's size and unwrap its envelope."""
    if len(data) > settings.max_batch_bytes:
        raise too_large(settings)
    return decode_envelope(data, encoding)


def admit(
    envelope: Envelope,
    entry: DeviceKeyEntry | None,
    encoding: Encoding,
    received_at: datetime,
    settings: Settings,
) -> Admitted:
    """Verify and decode an unwrapped upload, or raise ``ProtocolError`` saying why."""
    if entry is None:
        raise ProtocolError(
            RejectCode.UNKNOWN_DEVICE,
            f"No device with serial {envelope.device!r} is registered.",
            hint="Register the device and provision its key before it uploads.",
        )
    entry.public_key.verify(envelope.body, envelope.sig)

    batch = decode_batch(envelope.body, encoding)
    if batch.device != envelope.device:
        raise ProtocolError(
            RejectCode.MALFORMED,
            "The signed body names another device than the envelope.",
            hint="Put the same serial in the envelope and the batch.",
        )
    _check_record_count(batch, settings)
    _check_times(batch, received_at, settings)
    _LOGGER.debug("admitted batch %s of device %s", batch.seq, entry.device_id)
    return Admitted(
        device_id=entry.device_id,
        batch=batch,
        body=envelope.body,
        sig=envelope.sig,
        encoding=encoding,
        received_at=received_at,
    )


def _check_record_count(batch: Batch, settings: Settings) -> None:
    if len(batch.records) > settings.max_records_per_batch:
        raise ProtocolError(
            RejectCode.TOO_MANY_RECORDS,
            f"The batch has {len(batch.records)} records; at most "
            f"{settings.max_records_per_batch} are accepted.",
            hint="Split the records into smaller batches.",
        )


def _check_times(batch: Batch, received_at: datetime, settings: Settings) -> None:
    limit_ms = to_epoch_us(received_at) // 1000 + settings.max_future_skew_s * 1000
    latest_ms = max((r.t_ms for r in batch.records), default=batch.sent_ms)
    if max(latest_ms, batch.sent_ms) > limit_ms:
        raise ProtocolError(
            RejectCode.TIME_IN_FUTURE,
            f"A time in the batch is more than {settings.max_future_skew_s} s ahead "
            "of the server's clock.",
            hint="Correct the device clock from server_ms and resend later.",
        )
