"""Live mode: simulated wearers upload through reference clients to a real server."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from vigil.bench.server import ServerProcess, free_port
from vigil.simulate.running import run_live
from vigil.simulate.truth import read_truth
from vigil.store.inbox import InboxBatch
from vigil.store.migrate import upgrade
from vigil.store.timeseries import FixRow, VitalsRow


@pytest.mark.slow
def test_an_hour_of_twenty_wearers_is_stored_and_nothing_is_refused(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    server = ServerProcess(url, free_port(), tmp_path / "server.log")
    server.start()
    try:
        report = run_live(
            url,
            server.base_url,
            wearers=20,
            speed=3600.0,
            span=timedelta(hours=1),
            seed=5,
            truth=tmp_path / "truth.jsonl",
            outboxes=tmp_path / "outbox",
            stop=threading.Event(),
        )
    finally:
        server.stop()

    assert report.dropped == []
    assert report.minutes >= 59
    engine = create_engine(url)
    with engine.connect() as conn:
        devices = conn.execute(select(func.count(func.distinct(InboxBatch.device_id))))
        vitals = conn.execute(select(func.count()).select_from(VitalsRow)).scalar_one()
        fixes = conn.execute(select(func.count()).select_from(FixRow)).scalar_one()
        assert devices.scalar_one() == 20
    # A powered bracelet records vitals every minute; most also have a fix.
    assert vitals >= 20 * 55
    assert fixes >= 20 * 30
    assert (tmp_path / "scenario.json").exists()
    assert list(read_truth(tmp_path / "truth.jsonl"))


@pytest.mark.slow
def test_a_rerun_goes_on_after_the_last_minute_sent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    server = ServerProcess(url, free_port(), tmp_path / "server.log")
    server.start()
    kwargs = dict(
        wearers=5, speed=3600.0, span=timedelta(minutes=30), seed=6,
        truth=tmp_path / "truth.jsonl", outboxes=tmp_path / "outbox",
    )  # fmt: skip
    try:
        first = run_live(url, server.base_url, stop=threading.Event(), **kwargs)  # type: ignore[arg-type]
        second = run_live(url, server.base_url, stop=threading.Event(), **kwargs)  # type: ignore[arg-type]
    finally:
        server.stop()

    assert first.minutes >= 29
    assert second.minutes <= 2
    assert second.dropped == []
