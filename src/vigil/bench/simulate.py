"""``vigil bench simulate``: direct-mode simulation throughput on one core."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

from vigil.simulate.direct import run_direct
from vigil.simulate.engine import SimulationConfig


def run(
    *, wearers: int, days: int, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Simulate ``wearers`` for ``days`` in memory and return the throughput."""
    config = SimulationConfig(wearers=wearers, start=date(2026, 6, 1), days=days)
    report = run_direct(config, progress=progress)
    return {
        "benchmark": "simulate",
        "wearers": wearers,
        "days": days,
        "wearer_days": report.wearer_days,
        "elapsed_s": round(report.elapsed_s, 2),
        "wearer_days_per_s": round(report.wearer_days / report.elapsed_s, 1),
        "records": report.records,
        "records_per_s": round(sum(report.records.values()) / report.elapsed_s),
        "truth_events": report.truth_events,
        "minutes_for_100k_wearer_days": round(
            100_000 / (report.wearer_days / report.elapsed_s) / 60, 2
        ),
        "cores": 1,
        "cpu_count": os.cpu_count(),
    }
