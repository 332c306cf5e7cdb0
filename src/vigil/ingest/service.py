"""One upload in, one reply out: admission, the durable write, the answer."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from vigil.bus import EventLog
from vigil.config import Settings
from vigil.errors import ProtocolError
from vigil.ingest.admission import (
    Admitted,
    DeviceKeyEntry,
    admit,
    open_upload,
    too_large,
)
from vigil.ingest.writer import BatchWriter, Stored
from vigil.protocol import (
    REJECTIONS,
    Ack,
    Downlink,
    Encoding,
    PublicKey,
    Reject,
    RejectCode,
    Reply,
)
from vigil.store.db import reader
from vigil.store.registry import Device
from vigil.store.types import to_epoch_us

_LOGGER = logging.getLogger(__name__)


class KeyRing:
    """Device public keys by serial, read from the store once each.

    A device's key never changes after registration, so a cached entry never goes
    stale; an unknown serial is looked up again every time, so a device registered
    a moment ago is accepted at once.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._entries: dict[str, DeviceKeyEntry] = {}

    def cached(self, serial: str) -> DeviceKeyEntry | None:
        """Return the entry if it is already in memory."""
        return self._entries.get(serial)

    def load(self, serial: str) -> DeviceKeyEntry | None:
        """Return the entry, reading the store on a miss."""
        entry = self._entries.get(serial)
        if entry is not None:
            return entry
        with reader(self._engine).connect() as conn:
            row = conn.execute(
                select(Device.id, Device.public_key).where(Device.serial == serial)
            ).one_or_none()
        if row is None:
            return None
        entry = DeviceKeyEntry(int(row.id), PublicKey(bytes(row.public_key)))
        self._entries[serial] = entry
        return entry


class IngestService:
    """Admits, stores and answers uploads; owns the writer thread."""

    def __init__(self, engine: Engine, settings: Settings, log: EventLog) -> None:
        self._settings = settings
        self._keys = KeyRing(engine)
        self._log = log
        self._writer = BatchWriter(engine, self._announce)

    @property
    def max_upload_bytes(self) -> int:
        """The largest upload accepted, in bytes."""
        return self._settings.max_batch_bytes

    def start(self) -> None:
        """Start the writer."""
        self._writer.start()

    def stop(self) -> None:
        """Finish what is queued and stop the writer."""
        self._writer.stop()

    async def handle(self, data: bytes, encoding: Encoding) -> tuple[int, Reply]:
        """Return the HTTP status and the reply for one upload."""
        received_at = datetime.now(UTC)
        try:
            item = await self._admit(data, encoding, received_at)
            stored = await asyncio.wrap_future(self._writer.submit(item))
        except ProtocolError as exc:
            return self._reject(exc)
        _LOGGER.info(
            "batch stored: device=%s seq=%s records=%s duplicate=%s",
            stored.device_id,
            stored.seq,
            len(item.batch.records),
            stored.duplicate,
        )
        return 200, self._ack(item, stored)

    def reject_too_large(self) -> tuple[int, Reply]:
        """Answer an upload refused for its size before it was read whole."""
        return self._reject(too_large(self._settings))

    async def _admit(
        self, data: bytes, encoding: Encoding, received_at: datetime
    ) -> Admitted:
        envelope = open_upload(data, encoding, self._settings)
        entry = self._keys.cached(envelope.device)
        if entry is None:
            # A miss reads the store: keep that off the event loop.
            entry = await asyncio.to_thread(self._keys.load, envelope.device)
        return admit(envelope, entry, encoding, received_at, self._settings)

    def _ack(self, item: Admitted, stored: Stored) -> Ack:
        return Ack(
            device=item.batch.device,
            seq=stored.seq,
            acked_seq=stored.acked_seq,
            duplicate=stored.duplicate,
            server_ms=_now_ms(),
            downlink=Downlink(
                fix_interval_s=self._settings.fix_interval_s,
                vitals_interval_s=self._settings.vitals_interval_s,
                upload_interval_s=self._settings.upload_interval_s,
            ),
        )

    def _reject(self, exc: ProtocolError) -> tuple[int, Reject]:
        code = RejectCode(exc.code)
        rejection = REJECTIONS[code]
        _LOGGER.info("batch rejected: code=%s", code)
        message = f"{exc.message} {exc.hint}".strip()
        reject = Reject(
            code=code,
            message=message,
            retry=rejection.retry,
            server_ms=_now_ms(),
            acked_seq=exc.acked_seq,
        )
        return rejection.http_status, reject

    def _announce(self, stored: list[Stored]) -> None:
        self._log.published([s.inbox_id for s in stored])


def _now_ms() -> int:
    return to_epoch_us(datetime.now(UTC)) // 1000
