"""Simulated wearers on real bracelets: reference clients uploading to a server.

Simulated time runs ``speed`` times faster than real time through the recent past
and never overtakes the real clock: a run of D at speed X starts D before now,
catches up after D/X, and from then on goes at real time. A wearer's records go
into their bracelet's outbox minute by minute and are uploaded every upload
interval while the bracelet is online, at once on tamper or SOS; offline
stretches are flushed when the connection returns, exactly as in the field.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from vigil.device import DeviceClient, HttpTransport, Outbox
from vigil.device.client import Backoff
from vigil.errors import DeviceClientError
from vigil.protocol import DeviceKey, Event, Record, Tamper
from vigil.simulate.clock import MINUTE_MS, MINUTES, local_date
from vigil.simulate.engine import ChunkDay, Simulation
from vigil.simulate.records import event_records, minute_records
from vigil.simulate.truth import TruthWriter

_LOGGER = logging.getLogger(__name__)
UPLOAD_EVERY_MIN = 3


@dataclass
class LiveReport:
    """Counts of what a live run did."""

    minutes: int = 0
    records: int = 0
    batches: int = 0
    failed_uploads: int = 0
    dropped: list[tuple[str, int, str]] = field(default_factory=list)


class LiveRun:
    """Drives one reference client per simulated wearer against a server."""

    def __init__(
        self,
        simulation: Simulation,
        base_url: str,
        keys: Sequence[DeviceKey],
        serials: Sequence[str],
        outbox_dir: Path,
        *,
        speed: float,
        truth: TruthWriter | None = None,
        workers: int = 8,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        on_minute: Callable[[int], None] = lambda ms: None,
    ) -> None:
        self._sim = simulation
        self._truth = truth
        self._speed = speed
        self._clock_ms = clock_ms
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="upload"
        )
        outbox_dir.mkdir(parents=True, exist_ok=True)
        self._clients = [
            DeviceClient(
                serial,
                key,
                Outbox(outbox_dir / f"{serial}.db", durable=False),
                HttpTransport(base_url),
                backoff=Backoff(base_s=0.5, cap_s=30.0),
                # The simulated device's own clock is already in its records.
                clock_ms=clock_ms,
            )
            for serial, key in zip(serials, keys, strict=True)
        ]
        self._firmware = simulation.devices.firmware
        self._on_minute = on_minute
        self.report = LiveReport()

    def run(self, start_ms: int, end_ms: int, stop: threading.Event) -> LiveReport:
        """Simulate from ``start_ms`` to ``end_ms``, or until ``stop`` is set."""
        real0 = self._clock_ms()
        for day in self._sim.days:
            chunks = list(self._chunks(day))
            for minute in range(MINUTES):
                due_ms = chunks[0][0].day_start_ms + (minute + 1) * MINUTE_MS
                if due_ms <= start_ms:
                    continue
                if due_ms > end_ms:
                    return self._close(flush=True)
                if not self._wait_until(due_ms, start_ms, real0, stop):
                    # Stopped: what is recorded stays in the outboxes for next time.
                    return self._close(flush=False)
                self._minute(chunks, minute)
                self._on_minute(due_ms)
        return self._close(flush=True)

    def _chunks(
        self, day: date
    ) -> list[tuple[ChunkDay, dict[tuple[int, int], list[Record]]]]:
        found = []
        for chunk, events in self._sim.run_day(day):
            if self._truth is not None:
                self._truth.write(events)
            found.append((chunk, event_records(chunk)))
        return found

    def _wait_until(
        self, due_ms: int, start_ms: int, real0: int, stop: threading.Event
    ) -> bool:
        """Sleep until simulated time reaches ``due_ms``; False when told to stop."""
        while not stop.is_set():
            now = self._clock_ms()
            simulated = min(start_ms + (now - real0) * self._speed, now)
            if simulated >= due_ms:
                return True
            wait_ms = (due_ms - simulated) / (self._speed if simulated < now else 1.0)
            stop.wait(min(1.0, wait_ms / 1000))
        return False

    def _minute(
        self,
        chunks: list[tuple[ChunkDay, dict[tuple[int, int], list[Record]]]],
        minute: int,
    ) -> None:
        jobs = []
        for chunk, events in chunks:
            for row, wearer in enumerate(chunk.wearers.tolist()):
                client = self._clients[wearer]
                records = minute_records(chunk, row, minute, self._firmware[wearer])
                urgent = events.get((row, minute), [])
                client.record([*records, *urgent])
                self.report.records += len(records) + len(urgent)
                online = bool(chunk.hardware.online[row, minute])
                due = minute % UPLOAD_EVERY_MIN == wearer % UPLOAD_EVERY_MIN
                if online and (due or _is_urgent(urgent)):
                    jobs.append(self._pool.submit(self._upload, client))
        for job in jobs:
            job.result()
        self.report.minutes += 1

    def _upload(self, client: DeviceClient) -> None:
        try:
            done = client.upload(max_tries=1)
        except DeviceClientError:
            self.report.failed_uploads += 1
            return
        self.report.batches += done.batches_acked
        self.report.dropped += [
            (client.serial, seq, code) for seq, code in done.dropped
        ]

    def _close(self, *, flush: bool) -> LiveReport:
        self._pool.shutdown(wait=True)
        for client in self._clients if flush else []:
            try:
                client.upload(max_tries=3)
            except DeviceClientError:
                _LOGGER.warning(
                    "bracelet %s kept records it could not upload", client.serial
                )
        return self.report


def _is_urgent(records: list[Record]) -> bool:
    """Tamper and SOS go up at once; everything else waits for the next upload."""
    return any(
        isinstance(r, Tamper) or (isinstance(r, Event) and r.event == "sos")
        for r in records
    )


def start_day_for(now_ms: int, duration: timedelta) -> tuple[date, int, int]:
    """Return the first local day, its count, and the start of a run ending now."""
    start_ms = now_ms - int(duration.total_seconds() * 1000)
    first = local_date(start_ms)
    days = (local_date(now_ms) - first).days + 1
    return first, days, start_ms
