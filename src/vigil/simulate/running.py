"""Set up and run a live simulation against a server whose store is local."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from vigil.simulate.clock import day_start_ms, local_date
from vigil.simulate.engine import Simulation, SimulationConfig
from vigil.simulate.fleet import enrol_simulation
from vigil.simulate.live import LiveReport, LiveRun, start_day_for
from vigil.simulate.scenario import serial_of, write_scenario
from vigil.simulate.truth import TruthWriter


def run_live(
    database_url: str,
    server: str,
    *,
    wearers: int,
    speed: float,
    span: timedelta,
    seed: int,
    truth: Path,
    outboxes: Path,
    stop: threading.Event,
    forever: bool = False,
) -> LiveReport:
    """Enrol the fleet in the store, then stream it to ``server`` until done.

    Known limit: enrolment writes to the server's store directly (the store named
    by ``database_url``), so the server must run on this machine. Enrolling over
    the API needs assignments dated in the past, which the API does not take yet.
    """
    now_ms = time.time_ns() // 1_000_000
    first, days, start_ms = start_day_for(now_ms, span)
    # A rerun carries on after the last minute sent, never sends one twice, and
    # keeps the first day so that the wearers and their keys stay the same.
    progress = outboxes / "progress.json"
    if progress.exists():
        saved = json.loads(progress.read_text())
        if saved["seed"] == seed and saved["wearers"] == wearers:
            first = date.fromisoformat(saved["first_day"])
            start_ms = max(start_ms, int(saved["simulated_ms"]))
            days = (local_date(now_ms) - first).days + 1
    horizon = 365 if forever else days
    config = SimulationConfig(wearers=wearers, start=first, days=horizon, seed=seed)
    sim = Simulation(config)
    serials = [serial_of(i) for i in range(wearers)]
    since = datetime.fromtimestamp(day_start_ms(first) / 1000, tz=UTC) - timedelta(
        days=1
    )
    wards = [(w.code, w.name) for w in sim.city.wards]
    people = [
        (sim.city.wards[int(w)].code, s)
        for w, s in zip(sim.people.ward, serials, strict=True)
    ]
    keys = enrol_simulation(database_url, wards, people, since=since, seed=seed)
    outboxes.mkdir(parents=True, exist_ok=True)
    write_scenario(sim, truth.with_name("scenario.json"))
    writer = TruthWriter(truth, serials)
    try:
        run = LiveRun(
            sim,
            server,
            keys,
            serials,
            outboxes,
            speed=speed,
            truth=writer,
            on_minute=lambda ms: _save_progress(progress, seed, wearers, first, ms),
        )
        # The requested span ends now, whatever a rerun skips at its start.
        end_ms = 2**62 if forever else now_ms
        return run.run(start_ms, end_ms, stop)
    finally:
        writer.close()


def _save_progress(
    path: Path, seed: int, wearers: int, first: date, at_ms: int
) -> None:
    state = {"seed": seed, "wearers": wearers, "first_day": first.isoformat()}
    path.write_text(json.dumps({**state, "simulated_ms": at_ms}))
