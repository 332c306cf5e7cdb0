"""Group commit: one thread stores admitted batches, many at a time, then answers.

Each request hands its admitted batch to the writer and waits. The writer takes
whatever has queued up (up to ``max_group``), stores all of it in one transaction
and resolves every waiter only after the commit returned. Under load one fsync
then covers dozens of batches; at rest a batch waits for nobody. Every statement
covers the whole group, never one batch, so the cost per batch is mostly the
rows themselves.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from vigil.errors import ProtocolError
from vigil.ingest.admission import Admitted
from vigil.ingest.basis import Coverage, load_coverage, subjects_for
from vigil.protocol import Event, Fix, RejectCode, Status, Tamper, Vitals
from vigil.store.base import table_of
from vigil.store.bulk import insert_rows, instant_param
from vigil.store.inbox import DeviceCursor, InboxBatch
from vigil.store.registry import Device
from vigil.store.timeseries import TABLE_FOR_KIND
from vigil.store.types import from_epoch_us, to_epoch_us

_LOGGER = logging.getLogger(__name__)

_INBOX = table_of(InboxBatch)
_CURSORS = table_of(DeviceCursor)
_DEVICES = table_of(Device)

_KEY_COLUMNS = ("inbox_id", "idx", "device_id", "subject_id", "t")
_KINDS: dict[type[Any], str] = {
    Fix: "fix",
    Vitals: "vitals",
    Status: "status",
    Tamper: "tamper",
    Event: "event",
}
# Each kind's columns: the key, then the struct's fields after ``t_ms``, in order,
# so that a row is the key followed by ``astuple(record)[1:]``.
_COLUMNS = {
    kind: _KEY_COLUMNS + cls.__struct_fields__[1:] for cls, kind in _KINDS.items()
}
assert all(cls.__struct_fields__[0] == "t_ms" for cls in _KINDS)


@dataclass(frozen=True, slots=True)
class Stored:
    """An accepted batch: where it is stored and the device's high-water mark."""

    device_id: int
    seq: int
    acked_seq: int
    inbox_id: int
    duplicate: bool


@dataclass(slots=True)
class _Pending:
    item: Admitted
    future: Future[Stored] = field(default_factory=Future)


@dataclass(slots=True)
class _DeviceState:
    state: str
    acked_seq: int
    has_cursor: bool
    coverage: list[Coverage] = field(default_factory=list)
    # Batches of this group accepted so far, by sequence: not in the inbox yet.
    staged: dict[int, _New] = field(default_factory=dict)


@dataclass(slots=True)
class _New:
    """A batch that passed every check and will be inserted."""

    pending: _Pending
    subjects: list[int]
    inbox_id: int = 0


@dataclass(frozen=True, slots=True)
class _Echo:
    """A resend of a batch accepted earlier in the same group."""

    pending: _Pending
    original: _New


Outcome = Stored | ProtocolError


class BatchWriter:
    """The single thread that writes batches; ``submit`` is safe from any thread."""

    def __init__(
        self,
        engine: Engine,
        on_commit: Callable[[list[Stored]], None] = lambda stored: None,
        *,
        max_group: int = 256,
        max_queued: int = 20_000,
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._max_group = max_group
        # About a minute of the heaviest flush the store can take; beyond it a
        # device is told to come back later rather than wait past its timeout.
        self._max_queued = max_queued
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ingest-writer")

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Store what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def submit(self, item: Admitted) -> Future[Stored]:
        """Queue a batch; the future resolves once it is committed or refused."""
        pending = _Pending(item)
        if self._queue.qsize() >= self._max_queued:
            _LOGGER.warning("ingest queue full at %s batches", self._max_queued)
            pending.future.set_exception(_unavailable())
        else:
            self._queue.put(pending)
        return pending.future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group, stopping = self._take_group()
            try:
                self._write(group)
            except Exception:
                # A bug must not stop the only writer: answer and carry on.
                _LOGGER.exception("the ingest writer failed on a group")
                for pending in group:
                    if not pending.future.done():
                        pending.future.set_exception(_unavailable())

    def _take_group(self) -> tuple[list[_Pending], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        group = [first]
        while len(group) < self._max_group:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return group, True
            group.append(nxt)
        return group, False

    def _write(self, group: list[_Pending]) -> None:
        if not group:
            return
        try:
            with self._engine.begin() as conn:
                outcomes = _store_group(conn, group)
        except SQLAlchemyError:
            if len(group) > 1:
                # One bad batch must not sink the others: store each on its own.
                _LOGGER.warning(
                    "group of %s batches failed; storing singly", len(group)
                )
                for pending in group:
                    self._write([pending])
                return
            _LOGGER.exception("storing a batch failed; the device will resend it")
            group[0].future.set_exception(_unavailable())
            return
        self._answer(outcomes)

    def _answer(self, outcomes: list[tuple[_Pending, Outcome]]) -> None:
        accepted = []
        for pending, outcome in outcomes:
            if isinstance(outcome, ProtocolError):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)
                if not outcome.duplicate:
                    accepted.append(outcome)
        if accepted:
            self._on_commit(accepted)


def _unavailable() -> ProtocolError:
    return ProtocolError(
        RejectCode.UNAVAILABLE,
        "The server could not store the batch; nothing of it was kept.",
        hint="Resend the same bytes later.",
    )


def _store_group(
    conn: Connection, group: list[_Pending]
) -> list[tuple[_Pending, Outcome]]:
    """Decide every batch of the group, then write the accepted ones together."""
    devices = _load_devices(conn, group)
    outcomes: list[tuple[_Pending, Outcome]] = []
    accepted: list[_New] = []
    echoes: list[_Echo] = []
    for pending in group:
        try:
            decision = _decide(conn, pending, devices.get(pending.item.device_id))
        except ProtocolError as exc:
            outcomes.append((pending, exc))
            continue
        if isinstance(decision, Stored):
            outcomes.append((pending, decision))
        elif isinstance(decision, _Echo):
            echoes.append(decision)
        else:
            accepted.append(decision)
    if accepted:
        _insert_inbox(conn, accepted)
        _insert_records(conn, accepted)
        _advance_cursors(conn, accepted, devices)
    for new in accepted:
        seq = new.pending.item.batch.seq
        stored = Stored(new.pending.item.device_id, seq, seq, new.inbox_id, False)
        outcomes.append((new.pending, stored))
    for echo in echoes:
        seq = echo.pending.item.batch.seq
        stored = Stored(
            echo.pending.item.device_id, seq, seq, echo.original.inbox_id, True
        )
        outcomes.append((echo.pending, stored))
    return outcomes


def _load_devices(conn: Connection, group: list[_Pending]) -> dict[int, _DeviceState]:
    """Read state, high-water mark and legal basis of every device in the group."""
    ids = {p.item.device_id for p in group}
    rows = conn.execute(
        select(_DEVICES.c.id, _DEVICES.c.state, _CURSORS.c.acked_seq)
        .outerjoin(_CURSORS, _CURSORS.c.device_id == _DEVICES.c.id)
        .where(_DEVICES.c.id.in_(ids))
        .with_for_update(of=_DEVICES)
    )
    devices = {
        int(row.id): _DeviceState(
            str(row.state), int(row.acked_seq or 0), row.acked_seq is not None
        )
        for row in rows
    }
    first_ms, last_ms = _time_span(group)
    for device_id, stretch in load_coverage(conn, ids, first_ms, last_ms):
        devices[device_id].coverage.append(stretch)
    return devices


def _time_span(group: list[_Pending]) -> tuple[int, int]:
    times = [
        t
        for p in group
        for t in (
            [r.t_ms for r in p.item.batch.records]
            or [to_epoch_us(p.item.received_at) // 1000]
        )
    ]
    return min(times), max(times)


def _decide(
    conn: Connection, pending: _Pending, device: _DeviceState | None
) -> _New | _Echo | Stored:
    """Accept a batch with its wearers, recognise a resend, or raise why not."""
    item = pending.item
    if device is None:
        # Devices are never deleted; a vanished one is refused, not a crash.
        raise ProtocolError(
            RejectCode.UNKNOWN_DEVICE,
            "The device is no longer registered.",
            hint="Register the device again before it uploads.",
        )
    if device.state == "retired":
        raise ProtocolError(
            RejectCode.DEVICE_RETIRED,
            "The device is retired and may no longer upload.",
            hint="Return the device; a retired bracelet is not put back in service.",
        )
    if item.batch.seq <= device.acked_seq:
        original = device.staged.get(item.batch.seq)
        if original is None:
            return _resent(conn, item, device.acked_seq)
        if original.pending.item.body != item.body:
            raise _reused(item.batch.seq, device.acked_seq)
        return _Echo(pending, original)

    times_ms = [record.t_ms for record in item.batch.records]
    now_ms = to_epoch_us(item.received_at) // 1000
    subjects = subjects_for(times_ms or [now_ms], device.coverage)
    new = _New(pending, subjects[: len(times_ms)])
    # Later batches of this device in the same group see this one as stored.
    device.acked_seq = item.batch.seq
    device.staged[item.batch.seq] = new
    return new


def _resent(conn: Connection, item: Admitted, acked_seq: int) -> Stored:
    """Answer a sequence at or below the high-water mark: a resend, or an error.

    Known limit: this needs the original in the inbox. If retention purged it, a
    late resend is answered ``sequence_stale`` and the device renumbers and stores
    it again. Retention (issue 6) must keep each device's newest inbox rows; this
    note goes when that job exists and a test pins it.
    """
    row = conn.execute(
        select(_INBOX.c.id, _INBOX.c.body).where(
            _INBOX.c.device_id == item.device_id, _INBOX.c.seq == item.batch.seq
        )
    ).one_or_none()
    if row is None:
        raise ProtocolError(
            RejectCode.SEQUENCE_STALE,
            f"Sequence {item.batch.seq} is not above {acked_seq}, the highest stored.",
            hint="Renumber the batch to acked_seq + 1, sign it again and resend.",
            acked_seq=acked_seq,
        )
    if bytes(row.body) != item.body:
        raise _reused(item.batch.seq, acked_seq)
    return Stored(
        item.device_id, item.batch.seq, acked_seq, int(row.id), duplicate=True
    )


def _reused(seq: int, acked_seq: int) -> ProtocolError:
    return ProtocolError(
        RejectCode.SEQUENCE_REUSED,
        f"Sequence {seq} was stored with another body.",
        hint="Renumber the batch to acked_seq + 1, sign it again and resend.",
        acked_seq=acked_seq,
    )


def _insert_inbox(conn: Connection, accepted: list[_New]) -> None:
    rows = [
        {
            "device_id": new.pending.item.device_id,
            "seq": new.pending.item.batch.seq,
            "received_at": new.pending.item.received_at,
            "sent_at": from_epoch_us(new.pending.item.batch.sent_ms * 1000),
            "encoding": new.pending.item.encoding,
            "body": new.pending.item.body,
            "sig": new.pending.item.sig,
            "record_count": len(new.pending.item.batch.records),
        }
        for new in accepted
    ]
    statement = insert(_INBOX).returning(_INBOX.c.id, sort_by_parameter_order=True)
    for new, inbox_id in zip(
        accepted, conn.execute(statement, rows).scalars(), strict=True
    ):
        new.inbox_id = int(inbox_id)


def _insert_records(conn: Connection, accepted: list[_New]) -> None:
    to_instant = instant_param(conn)
    rows: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in _COLUMNS}
    astuple = msgspec.structs.astuple
    for new in accepted:
        device_id = new.pending.item.device_id
        records = new.pending.item.batch.records
        for idx, (record, subject_id) in enumerate(
            zip(records, new.subjects, strict=True)
        ):
            values = astuple(record)
            rows[_KINDS[type(record)]].append(
                (
                    new.inbox_id,
                    idx,
                    device_id,
                    subject_id,
                    to_instant(values[0]),
                    *values[1:],
                )
            )
    for kind, kind_rows in rows.items():
        insert_rows(conn, TABLE_FOR_KIND[kind], _COLUMNS[kind], kind_rows)


def _advance_cursors(
    conn: Connection, accepted: list[_New], devices: dict[int, _DeviceState]
) -> None:
    latest: dict[int, _New] = {}
    for new in accepted:
        latest[new.pending.item.device_id] = new
    fresh, known = [], []
    for device_id, new in latest.items():
        values = {
            "acked_seq": new.pending.item.batch.seq,
            "last_batch_at": new.pending.item.received_at,
        }
        if devices[device_id].has_cursor:
            known.append({"cursor_device_id": device_id, **values})
        else:
            fresh.append({"device_id": device_id, **values})
    if fresh:
        conn.execute(insert(_CURSORS), fresh)
    if known:
        conn.execute(
            update(_CURSORS).where(
                _CURSORS.c.device_id == bindparam("cursor_device_id")
            ),
            known,
        )
