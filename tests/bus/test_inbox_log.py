from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from vigil.bus import InboxLog
from vigil.protocol import Batch, Fix, seal
from vigil.simulate.fleet import FleetDevice
from vigil.store.db import make_engine


def send(server: TestClient, device: FleetDevice, seq: int) -> None:
    t_ms = time.time_ns() // 1_000_000 - 1000
    fix = Fix(t_ms=t_ms, lat=21.0, lon=105.8, accuracy_m=5.0)
    batch = Batch(v=1, device=device.serial, seq=seq, sent_ms=t_ms, records=[fix])
    response = server.post(
        "/v1/ingest",
        content=seal(batch, device.key),
        headers={"content-type": "application/msgpack"},
    )
    assert response.status_code == 200


def test_consumer_gets_batches_in_the_order_they_were_stored(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    for seq in (1, 2):
        for device in fleet:
            send(server, device, seq)
    log: InboxLog = server.app.state.event_log  # type: ignore[attr-defined]

    deliveries = log.subscribe("monitor").fetch(100, timeout_s=0)

    assert [d.offset for d in deliveries] == sorted(d.offset for d in deliveries)
    assert [(d.device_id, d.batch.seq) for d in deliveries] == [
        (device.device_id, seq) for seq in (1, 2) for device in fleet
    ]


def test_unacknowledged_deliveries_come_again_after_a_restart(
    server: TestClient, fleet: list[FleetDevice], database_url: str
) -> None:
    for seq in (1, 2, 3):
        send(server, fleet[0], seq)
    first = InboxLog(make_engine(database_url)).subscribe("monitor")
    got = first.fetch(2, timeout_s=0)
    first.ack(got[0].offset)

    again = InboxLog(make_engine(database_url)).subscribe("monitor").fetch(10, 0)

    assert [d.batch.seq for d in again] == [2, 3]


def test_consumers_keep_their_own_offsets(
    server: TestClient, fleet: list[FleetDevice], database_url: str
) -> None:
    send(server, fleet[0], 1)
    log = InboxLog(make_engine(database_url))
    monitor = log.subscribe("monitor")
    monitor.ack(monitor.fetch(10, 0)[-1].offset)

    assert log.subscribe("monitor").fetch(10, 0) == []
    assert len(log.subscribe("analytics").fetch(10, 0)) == 1


def test_waiting_consumer_wakes_when_a_batch_is_stored(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    log: InboxLog = server.app.state.event_log  # type: ignore[attr-defined]
    subscription = log.subscribe("monitor")
    got: list[int] = []
    waiter = threading.Thread(
        target=lambda: got.extend(d.batch.seq for d in subscription.fetch(10, 10.0))
    )
    waiter.start()
    time.sleep(0.2)

    send(server, fleet[0], 1)
    waiter.join(timeout=10)

    assert got == [1]
