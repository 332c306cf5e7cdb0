"""The bracelet's upload loop: seal, send, resend until stored, obey downlink."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vigil.device.queue import Outbox, Sealed
from vigil.device.transport import Transport, TransportError
from vigil.errors import DeviceClientError
from vigil.protocol import Ack, DeviceKey, Downlink, Record, Reject, RejectCode
from vigil.retry import full_jitter_s

_LOGGER = logging.getLogger(__name__)

# Downlink settings the client keeps, by the name they have in the protocol.
_SETTINGS = ("fix_interval_s", "vitals_interval_s", "upload_interval_s")


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with full jitter, counting this device's failed tries."""

    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay_s(self) -> float:
        """Return how long to wait before the next try, and count the try."""
        delay_s = full_jitter_s(self.attempt, self.base_s, self.cap_s, self.rng)
        self.attempt += 1
        return delay_s

    def reset(self) -> None:
        """Start again from the shortest wait after a success."""
        self.attempt = 0


@dataclass(slots=True)
class UploadReport:
    """What one ``upload`` call did."""

    batches_acked: int = 0
    records_acked: int = 0
    duplicates: int = 0
    retries: int = 0
    dropped: list[tuple[int, str]] = field(default_factory=list)


class DeviceClient:
    """A bracelet's software between its sensors and the server."""

    def __init__(
        self,
        serial: str,
        key: DeviceKey,
        outbox: Outbox,
        transport: Transport,
        *,
        max_records_per_batch: int = 50,
        backoff: Backoff | None = None,
        clock_ms: Callable[[], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.serial = serial
        self._key = key
        self._outbox = outbox
        self._transport = transport
        self._max_records = max_records_per_batch
        self._backoff = backoff or Backoff()
        self._local_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._sleep = sleep

    def now_ms(self) -> int:
        """Return the device time, corrected by the offset the server last taught."""
        return self._local_ms() + self._outbox.setting("clock_offset_ms", 0)

    def record(self, records: Iterable[Record]) -> None:
        """Keep measured records durably until the server has them."""
        self._outbox.append(records)

    def setting(self, name: str, default: int) -> int:
        """Return a setting the server sent down, or ``default``."""
        return self._outbox.setting(name, default)

    def upload(self, *, max_tries: int | None = None) -> UploadReport:
        """Send everything pending, retrying until stored or ``max_tries`` fail."""
        report = UploadReport()
        failures = 0
        while (sealed := self._next()) is not None:
            try:
                reply = self._transport.send(sealed.upload)
            except TransportError as exc:
                _LOGGER.debug("upload of batch %s failed: %s", sealed.seq, exc)
                reply = None
            if reply is not None and self._settle(sealed, reply, report):
                self._backoff.reset()
                failures = 0
                continue
            failures += 1
            report.retries += 1
            if max_tries is not None and failures >= max_tries:
                raise DeviceClientError(
                    f"Batch {sealed.seq} was not stored after {failures} tries.",
                    hint="It stays in the outbox; upload again later.",
                )
            self._sleep(self._backoff.next_delay_s())
        return report

    def _next(self) -> Sealed | None:
        return self._outbox.next_sealed(
            self.serial, self._key, self._max_records, self.now_ms()
        )

    def _settle(
        self, sealed: Sealed, reply: Ack | Reject, report: UploadReport
    ) -> bool:
        """Act on a reply; return False when the same bytes must be sent again."""
        self._learn_clock(reply.server_ms)
        if isinstance(reply, Ack):
            self._outbox.acknowledge(reply.acked_seq)
            report.batches_acked += 1
            report.records_acked += sealed.record_count
            report.duplicates += reply.duplicate
            if reply.downlink is not None:
                self._apply(reply.downlink)
            return True
        if reply.code in (RejectCode.SEQUENCE_REUSED, RejectCode.SEQUENCE_STALE):
            _LOGGER.warning("batch %s renumbered after %s", sealed.seq, reply.code)
            self._outbox.renumber(
                sealed, reply.acked_seq or 0, self.serial, self._key, self.now_ms()
            )
            return True
        if reply.retry:
            _LOGGER.debug("batch %s deferred: %s", sealed.seq, reply.code)
            return False
        _LOGGER.error("batch %s refused for good: %s", sealed.seq, reply.code)
        self._outbox.drop(sealed.seq)
        report.dropped.append((sealed.seq, reply.code))
        return True

    def _learn_clock(self, server_ms: int) -> None:
        offset_ms = server_ms - self._local_ms()
        # Within a second is as good as a round trip allows; don't write for less.
        if abs(offset_ms - self._outbox.setting("clock_offset_ms", 0)) > 1000:
            self._outbox.set_setting("clock_offset_ms", offset_ms)

    def _apply(self, downlink: Downlink) -> None:
        for name in _SETTINGS:
            value = getattr(downlink, name)
            if value is not None and value != self._outbox.setting(name, -1):
                self._outbox.set_setting(name, value)
        if downlink.message_id is not None and downlink.message:
            self._outbox.add_message(downlink.message_id, downlink.message)
