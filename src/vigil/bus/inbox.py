"""The embedded event log: the store's inbox table, read in id order.

Ingest commits a batch to the inbox before it answers the device, so the log
cannot hold anything that was not acknowledged, nor lose anything that was.
Offsets are inbox ids. This needs ids to become visible in increasing order, which
holds because one writer thread commits them (see ``ingest.writer``); a store with
concurrent writers uses the JetStream log instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from vigil.bus.base import Delivery, EventLog, Subscription
from vigil.protocol import decode_batch
from vigil.store.base import table_of
from vigil.store.db import reader
from vigil.store.inbox import BusOffset, InboxBatch

_LOGGER = logging.getLogger(__name__)

_INBOX = table_of(InboxBatch)
_OFFSETS = table_of(BusOffset)


class InboxLog(EventLog):
    """An event log over the inbox table, woken by ingest after each commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._arrived = threading.Condition()
        self._latest = 0

    def published(self, offsets: Sequence[int]) -> None:
        with self._arrived:
            self._latest = max(self._latest, *offsets)
            self._arrived.notify_all()

    def subscribe(self, consumer: str) -> Subscription:
        with reader(self._engine).connect() as conn:
            offset = conn.execute(
                select(_OFFSETS.c.offset).where(_OFFSETS.c.consumer == consumer)
            ).scalar_one_or_none()
        _LOGGER.debug("consumer %s resumes after offset %s", consumer, offset or 0)
        return _InboxSubscription(self, consumer, int(offset or 0))

    def wait(self, after: int, timeout_s: float) -> None:
        """Block until something after ``after`` is announced, or the timeout."""
        with self._arrived:
            self._arrived.wait_for(lambda: self._latest > after, timeout=timeout_s)

    @property
    def engine(self) -> Engine:
        """The store holding the inbox."""
        return self._engine


class _InboxSubscription(Subscription):
    def __init__(self, log: InboxLog, consumer: str, offset: int) -> None:
        self._log = log
        self._consumer = consumer
        self._position = offset
        self._acked = offset

    def fetch(self, max_items: int, timeout_s: float) -> list[Delivery]:
        deliveries = self._read(max_items)
        if not deliveries and timeout_s > 0:
            self._log.wait(self._position, timeout_s)
            deliveries = self._read(max_items)
        if deliveries:
            self._position = deliveries[-1].offset
        return deliveries

    def _read(self, max_items: int) -> list[Delivery]:
        query = (
            select(
                _INBOX.c.id,
                _INBOX.c.device_id,
                _INBOX.c.received_at,
                _INBOX.c.encoding,
                _INBOX.c.body,
            )
            .where(_INBOX.c.id > self._position)
            .order_by(_INBOX.c.id)
            .limit(max_items)
        )
        with reader(self._log.engine).connect() as conn:
            rows = conn.execute(query).all()
        return [
            Delivery(
                offset=int(row.id),
                device_id=int(row.device_id),
                received_at=row.received_at,
                batch=decode_batch(bytes(row.body), row.encoding),
            )
            for row in rows
        ]

    def ack(self, offset: int) -> None:
        if offset <= self._acked:
            return
        now = datetime.now(UTC)
        with self._log.engine.begin() as conn:
            changed = conn.execute(
                update(_OFFSETS)
                .where(_OFFSETS.c.consumer == self._consumer)
                .values(offset=offset, updated_at=now)
            ).rowcount
            if changed == 0:
                conn.execute(
                    insert(_OFFSETS),
                    {"consumer": self._consumer, "offset": offset, "updated_at": now},
                )
        self._acked = offset
