from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from vigil.config import Settings
from vigil.ingest.admission import Admitted, DeviceKeyEntry, admit, open_upload
from vigil.ingest.writer import BatchWriter, Stored
from vigil.protocol import Batch, Fix, PublicKey, seal
from vigil.simulate.fleet import FleetDevice
from vigil.store.db import make_engine
from vigil.store.inbox import InboxBatch
from vigil.store.timeseries import FixRow

SETTINGS = Settings()


def admitted(device: FleetDevice, seq: int, n_fixes: int = 2) -> Admitted:
    t_ms = time.time_ns() // 1_000_000 - 10_000
    fixes = [
        Fix(t_ms=t_ms + i, lat=21.0, lon=105.8, accuracy_m=5.0) for i in range(n_fixes)
    ]
    batch = Batch(v=1, device=device.serial, seq=seq, sent_ms=t_ms, records=fixes)
    envelope = open_upload(seal(batch, device.key), "msgpack", SETTINGS)
    entry = DeviceKeyEntry(device.device_id, PublicKey(device.key.public_key))
    return admit(envelope, entry, "msgpack", datetime.now(UTC), SETTINGS)


def rows(database_url: str, table: type[object]) -> int:
    with make_engine(database_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_resend_queued_behind_its_original_is_a_duplicate_not_stale(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    writer = BatchWriter(make_engine(database_url))
    item = admitted(fleet[0], 1)
    # Both copies are queued before the writer runs, so they share one group.
    original, resend = writer.submit(item), writer.submit(item)
    writer.start()
    writer.stop()

    assert original.result().duplicate is False
    assert resend.result().duplicate is True
    assert resend.result().inbox_id == original.result().inbox_id
    assert rows(database_url, InboxBatch) == 1
    assert rows(database_url, FixRow) == 2


def test_reused_sequence_within_one_group_is_refused(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    writer = BatchWriter(make_engine(database_url))
    first = writer.submit(admitted(fleet[0], 1, n_fixes=2))
    other = writer.submit(admitted(fleet[0], 1, n_fixes=3))
    writer.start()
    writer.stop()

    assert first.result().seq == 1
    exc = other.exception()
    assert exc is not None
    assert getattr(exc, "code", None) == "sequence_reused"
    assert rows(database_url, FixRow) == 2


def test_group_of_many_devices_commits_together(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    committed: list[list[Stored]] = []
    writer = BatchWriter(make_engine(database_url), committed.append)
    futures = [writer.submit(admitted(d, seq)) for seq in (1, 2) for d in fleet]
    writer.start()
    writer.stop()

    assert [f.result().seq for f in futures] == [1, 1, 1, 2, 2, 2]
    assert len(committed) == 1
    assert len(committed[0]) == 6


def test_failing_commit_listener_does_not_stop_the_writer(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    def explode(stored: list[Stored]) -> None:
        raise RuntimeError("listener bug")

    writer = BatchWriter(make_engine(database_url), explode)
    writer.start()
    first = writer.submit(admitted(fleet[0], 1)).result(timeout=10)
    second = writer.submit(admitted(fleet[0], 2)).result(timeout=10)
    writer.stop()

    assert (first.seq, second.seq) == (1, 2)


def test_full_queue_asks_devices_to_come_back_later(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    writer = BatchWriter(make_engine(database_url), max_queued=1)
    writer.submit(admitted(fleet[0], 1))

    refused = writer.submit(admitted(fleet[1], 1))

    exc = refused.exception(timeout=1)
    assert getattr(exc, "code", None) == "unavailable"
    writer.start()
    writer.stop()
