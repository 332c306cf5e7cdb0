"""``vigil bench ingest``: signed batches over HTTP into the default store, end to end.

The fleet's uploads are sealed before the clock starts, so the figure is the
server's: HTTP, verification, decoding, the durable group commit and the reply. A
bare ``executemany`` of the same rows into the same schema, measured in the same
run, is the reference that makes the figure mean something on a noisy machine.
"""

from __future__ import annotations

import http.client
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import create_engine, func, select

from vigil.bench.server import ServerProcess, free_port
from vigil.protocol import Ack, Batch, Fix, Record, Vitals, decode_reply, seal
from vigil.simulate.fleet import FleetDevice, enrol_fleet
from vigil.store.base import Base, table_of
from vigil.store.migrate import upgrade
from vigil.store.timeseries import FixRow, VitalsRow
from vigil.store.types import to_epoch_us

Progress = Callable[[int], None]


def run(
    *,
    records: int = 200_000,
    devices: int = 64,
    batch_records: int = 50,
    connections: int = 16,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure ingest end to end and the bare-insert reference; return the figures."""
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'ingest.db'}"
        upgrade(url)
        fleet = enrol_fleet(url, devices, since=since)
        uploads = _seal_uploads(fleet, records // devices, batch_records, since)
        server = ServerProcess(url, free_port(), Path(folder) / "server.log")
        server.start()
        try:
            elapsed_s, latencies_s = _send(server.port, uploads, connections, progress)
        finally:
            server.stop()
        stored = _count_rows(url)
        raw_rps = _raw_insert_rate(Path(folder) / "raw.db", uploads)

    total = sum(len(batches) for batches in uploads) * batch_records
    rps = total / elapsed_s
    return {
        "benchmark": "ingest",
        "records": total,
        "records_stored": stored,
        "batch_records": batch_records,
        "devices": devices,
        "connections": connections,
        "elapsed_s": round(elapsed_s, 3),
        "records_per_s": round(rps),
        "batches_per_s": round(rps / batch_records, 1),
        "ack_latency_p50_ms": round(1000 * statistics.median(latencies_s), 2),
        "ack_latency_p99_ms": round(1000 * _quantile(latencies_s, 0.99), 2),
        "raw_insert_records_per_s": round(raw_rps),
        "ratio_to_raw": round(rps / raw_rps, 3),
        "store": "sqlite (WAL, synchronous=FULL)",
    }


def _seal_uploads(
    fleet: list[FleetDevice], per_device: int, batch_records: int, since: datetime
) -> list[list[bytes]]:
    """Return each device's uploads in order: fixes and vitals, half a minute apart."""
    start_ms = to_epoch_us(since) // 1000 + 60_000
    uploads = []
    for device in fleet:
        batches = []
        for seq, first in enumerate(range(0, per_device, batch_records), start=1):
            times = [start_ms + 30_000 * (first + i) for i in range(batch_records)]
            records: list[Record] = [
                Fix(t_ms=t, lat=21.0285, lon=105.8542, accuracy_m=7.5, satellites=9)
                if i % 2 == 0
                else Vitals(t_ms=t, heart_rate_bpm=72.0, hrv_rmssd_ms=41.0, steps=12)
                for i, t in enumerate(times)
            ]
            batch = Batch(
                v=1, device=device.serial, seq=seq, sent_ms=times[-1], records=records
            )
            batches.append(seal(batch, device.key))
        uploads.append(batches)
    return uploads


def _send(
    port: int,
    uploads: list[list[bytes]],
    connections: int,
    progress: Progress | None,
) -> tuple[float, list[float]]:
    """Upload each device's batches in order over ``connections`` kept-alive sockets."""
    shares = [uploads[i::connections] for i in range(connections)]
    latencies: list[list[float]] = [[] for _ in shares]
    failures: list[str] = []

    def sender(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"content-type": "application/msgpack"}
        for device_uploads in shares[n]:
            for body in device_uploads:
                sent = time.perf_counter()
                conn.request("POST", "/v1/ingest", body=body, headers=headers)
                response = conn.getresponse()
                reply = decode_reply(response.read())
                latencies[n].append(time.perf_counter() - sent)
                if not isinstance(reply, Ack):
                    failures.append(repr(reply))
                    return
                if progress is not None:
                    progress(1)
        conn.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the server refused a benchmark batch: {failures[0]}")
    return elapsed, [x for share in latencies for x in share]


def _count_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        fixes = conn.execute(select(func.count()).select_from(FixRow)).scalar_one()
        vitals = conn.execute(select(func.count()).select_from(VitalsRow)).scalar_one()
    engine.dispose()
    return int(fixes) + int(vitals)


def _raw_insert_rate(path: Path, uploads: list[list[bytes]]) -> float:
    """Insert the same rows with one bare ``executemany`` per table; return rows/s."""
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine, tables=[table_of(FixRow), table_of(VitalsRow)])
    engine.dispose()
    fixes, vitals = _rows(uploads)

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(_insert_sql("fixes", len(fixes[0])), fixes)
    db.executemany(_insert_sql("vitals", len(vitals[0])), vitals)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return (len(fixes) + len(vitals)) / elapsed


def _rows(
    uploads: list[list[bytes]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    fixes: list[tuple[Any, ...]] = []
    vitals: list[tuple[Any, ...]] = []
    inbox_id = 0
    for device_id, batches in enumerate(uploads, start=1):
        for upload in batches:
            inbox_id += 1
            envelope = msgspec.msgpack.decode(upload)
            batch = msgspec.msgpack.decode(envelope["body"])
            for idx, record in enumerate(batch["records"]):
                t_us = record["t_ms"] * 1000
                if record["kind"] == "fix":
                    fixes.append(
                        (inbox_id, idx, device_id, device_id, t_us, record["lat"],
                         record["lon"], record["accuracy_m"], "gnss", None, None, 9)
                    )  # fmt: skip
                else:
                    vitals.append(
                        (inbox_id, idx, device_id, device_id, t_us, 60, 72.0, 41.0,
                         None, None, None, None, None, None, 12, True)
                    )  # fmt: skip
    return fixes, vitals


def _insert_sql(table: str, width: int) -> str:
    columns = {
        "fixes": "inbox_id, idx, device_id, subject_id, t, lat, lon, accuracy_m, "
        "source, speed_mps, heading_deg, satellites",
        "vitals": "inbox_id, idx, device_id, subject_id, t, window_s, heart_rate_bpm, "
        "hrv_rmssd_ms, scl_us, scr_per_min, skin_temp_c, spo2_pct, resp_rate_bpm, "
        "activity_g, steps, skin_contact",
    }[table]
    marks = ", ".join("?" * width)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
