"""Direct mode: simulate in bulk, without a server, for benchmarks and evaluations."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vigil.simulate.engine import Simulation, SimulationConfig
from vigil.simulate.records import Columns, columns
from vigil.simulate.scenario import serial_of, write_scenario
from vigil.simulate.truth import TruthWriter


@dataclass
class DirectReport:
    """What a direct run produced and how long it took."""

    wearer_days: int = 0
    records: dict[str, int] = field(default_factory=dict)
    truth_events: int = 0
    elapsed_s: float = 0.0


def run_direct(
    config: SimulationConfig,
    *,
    truth_path: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> DirectReport:
    """Simulate every day; write records per day to ``out_dir`` when given."""
    started = time.perf_counter()
    sim = Simulation(config)
    serials = [serial_of(i) for i in range(config.wearers)]
    truth = TruthWriter(truth_path, serials) if truth_path else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_scenario(sim, out_dir / "scenario.json")
    report = DirectReport()
    for day in sim.days:
        kept: dict[str, list[Columns]] = {}
        for chunk, events in sim.run_day(day):
            for block in columns(chunk):
                report.records[block.kind] = report.records.get(block.kind, 0) + len(
                    block
                )
                if out_dir is not None:
                    kept.setdefault(block.kind, []).append(block)
            report.truth_events += len(events)
            if truth is not None:
                truth.write(events)
            if progress is not None:
                progress(int(chunk.wearers.size))
        if out_dir is not None:
            _save_day(out_dir / f"records-{day.isoformat()}.npz", kept)
        report.wearer_days += config.wearers
    closing = sim.finish()
    report.truth_events += len(closing)
    if truth is not None:
        truth.write(closing)
        truth.close()
    report.elapsed_s = time.perf_counter() - started
    return report


def _save_day(path: Path, kept: dict[str, list[Columns]]) -> None:
    """Save one day's records, kind by kind, as ``kind.column`` arrays."""
    arrays: dict[str, np.ndarray] = {}
    for kind, blocks in kept.items():
        arrays[f"{kind}.wearer"] = np.concatenate([b.wearer for b in blocks])
        arrays[f"{kind}.t_ms"] = np.concatenate([b.t_ms for b in blocks])
        for name in blocks[0].fields:
            arrays[f"{kind}.{name}"] = np.concatenate([b.fields[name] for b in blocks])
    np.savez(path, **arrays)  # type: ignore[arg-type]
