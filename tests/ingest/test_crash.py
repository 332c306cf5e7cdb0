"""Crash tests: a server killed at random moments loses nothing and repeats nothing."""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from tests.conftest import ENROLLED_SINCE

from vigil.bench.server import ServerProcess, free_port
from vigil.device import DeviceClient, HttpTransport, Outbox
from vigil.device.client import Backoff
from vigil.errors import DeviceClientError
from vigil.protocol import Fix, Record
from vigil.simulate.fleet import FleetDevice
from vigil.store.inbox import InboxBatch
from vigil.store.timeseries import FixRow
from vigil.store.types import to_epoch_us

RECORDS = 10_000
CHUNK = 50


def measured(count: int) -> list[Record]:
    """Fixes ten seconds apart from an hour after enrolment: each time is unique."""
    start_ms = to_epoch_us(ENROLLED_SINCE + timedelta(hours=1)) // 1000
    return [
        Fix(t_ms=start_ms + 10_000 * i, lat=21.0 + i * 1e-6, lon=105.8, accuracy_m=5.0)
        for i in range(count)
    ]


class Killer(threading.Thread):
    """SIGKILLs the server when the stream passes random points, then restarts it."""

    def __init__(self, server: ServerProcess, progress: list[int], rng: random.Random):
        super().__init__(name="killer")
        self.server = server
        self.progress = progress
        self.points = sorted(rng.sample(range(CHUNK, RECORDS - 20 * CHUNK), 4))
        self.rng = rng
        self.kills = 0

    def run(self) -> None:
        for point in self.points:
            while self.progress[0] < point:
                time.sleep(0.001)
            # Land anywhere in a request: decoding, committing, or answering.
            time.sleep(self.rng.uniform(0.0, 0.02))
            self.server.kill()
            self.kills += 1
            time.sleep(self.rng.uniform(0.0, 0.3))
            self.server.start()


@pytest.mark.slow
def test_server_killed_mid_stream_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, database_url: str, fleet: list[FleetDevice]
) -> None:
    server = ServerProcess(database_url, free_port(), tmp_path / "server.log")
    server.start()
    device = fleet[0]
    client = DeviceClient(
        device.serial,
        device.key,
        Outbox(tmp_path / "bracelet.db"),
        HttpTransport(server.base_url, timeout_s=5.0),
        max_records_per_batch=CHUNK,
        backoff=Backoff(base_s=0.02, cap_s=0.5, rng=random.Random(2)),
    )
    records = measured(RECORDS)
    progress = [0]
    killer = Killer(server, progress, random.Random(1))
    killer.start()

    for start in range(0, RECORDS, CHUNK):
        client.record(records[start : start + CHUNK])
        progress[0] = start + CHUNK
        # While the server is down the bracelet keeps measuring and uploads later.
        with contextlib.suppress(DeviceClientError):
            client.upload(max_tries=2)
    killer.join()
    client.upload()
    server.stop()

    assert killer.kills >= 3
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored_ms = conn.execute(select(FixRow.t)).scalars().all()
        batch_records = conn.execute(select(func.sum(InboxBatch.record_count))).scalar()
    assert len(stored_ms) == RECORDS
    assert {to_epoch_us(t) // 1000 for t in stored_ms} == {r.t_ms for r in records}
    assert batch_records == RECORDS


UPLOADER = """
import sys
from vigil.device import DeviceClient, HttpTransport, Outbox
from vigil.device.client import Backoff
from vigil.protocol import DeviceKey

serial, seed_hex, outbox_path, base_url = sys.argv[1:5]
client = DeviceClient(
    serial, DeviceKey.from_hex(seed_hex), Outbox(outbox_path),
    HttpTransport(base_url), max_records_per_batch=50,
    backoff=Backoff(base_s=0.01, cap_s=0.2),
)
client.upload()
"""


@pytest.mark.slow
def test_bracelet_killed_mid_upload_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, database_url: str, fleet: list[FleetDevice]
) -> None:
    server = ServerProcess(database_url, free_port(), tmp_path / "server.log")
    server.start()
    device = fleet[1]
    outbox_path = tmp_path / "bracelet.db"
    records = measured(RECORDS)
    outbox = Outbox(outbox_path)
    outbox.append(records)
    outbox.close()
    argv = [
        sys.executable, "-c", UPLOADER,
        device.serial, device.key.seed.hex(), str(outbox_path), server.base_url,
    ]  # fmt: skip
    rng = random.Random(3)
    engine = create_engine(database_url)

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(FixRow)).scalar())

    kills = 0
    for point in sorted(rng.sample(range(CHUNK, RECORDS - 20 * CHUNK), 4)):
        uploader = subprocess.Popen(argv)
        while stored() < point and uploader.poll() is None:
            time.sleep(0.002)
        # Land anywhere: sealing, sending, or deleting what was acknowledged.
        time.sleep(rng.uniform(0.0, 0.01))
        if uploader.poll() is None:
            uploader.kill()
            kills += 1
        uploader.wait()
    assert subprocess.run(argv, timeout=120).returncode == 0
    server.stop()

    assert kills >= 3
    assert Outbox(outbox_path).pending_count() == 0
    with engine.connect() as conn:
        stored_ms = conn.execute(select(FixRow.t)).scalars().all()
    assert len(stored_ms) == RECORDS
    assert {to_epoch_us(t) // 1000 for t in stored_ms} == {r.t_ms for r in records}
