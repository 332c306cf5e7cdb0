"""``vigil simulate``: simulated wearers, through a server or in bulk."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from vigil.config import Settings

_ERR = Console(stderr=True)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TRUTH = Path("var/sim/truth.jsonl")
_OUTBOXES = Path("var/sim/outbox")


def parse_duration(text: str) -> timedelta:
    """Read ``90m``, ``6h`` or ``2d`` as a duration."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration such as 90m, 6h or 2d.")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def simulate(
    server: str = typer.Option(
        "", help="Upload through reference clients to this URL."
    ),
    direct: bool = typer.Option(False, "--direct", help="Simulate in bulk, no server."),
    wearers: int = typer.Option(300, min=1, help="Simulated wearers."),
    speed: float = typer.Option(
        60.0, min=1.0, help="Simulated seconds per real second."
    ),
    duration: str = typer.Option("6h", help="Simulated time, e.g. 90m, 6h, 2d."),
    seed: int = typer.Option(1, help="Same seed, same wearers, same events."),
    truth: Annotated[Path, typer.Option(help="Truth log to write.")] = _TRUTH,
    out: Annotated[
        Path | None, typer.Option(help="Direct mode: records folder.")
    ] = None,
    outboxes: Annotated[Path, typer.Option(help="Bracelet outboxes.")] = _OUTBOXES,
) -> None:
    """Run simulated wearers: live against ``--server``, or ``--direct`` in bulk."""
    if bool(server) == direct:
        raise typer.BadParameter("Give either --server URL or --direct.")
    span = parse_duration(duration)
    truth.parent.mkdir(parents=True, exist_ok=True)
    if direct:
        _direct(wearers, span, seed, truth, out)
    else:
        _live(server, wearers, speed, span, seed, truth, outboxes)


def _direct(
    wearers: int, span: timedelta, seed: int, truth: Path, out: Path | None
) -> None:
    from vigil.simulate.direct import run_direct
    from vigil.simulate.engine import SimulationConfig

    days = max(1, round(span / timedelta(days=1)))
    start = (datetime.now(UTC) - timedelta(days=days)).date()
    config = SimulationConfig(wearers=wearers, start=start, days=days, seed=seed)
    with Progress(console=_ERR, transient=True) as bar:
        task = bar.add_task("simulating wearer-days", total=wearers * days)
        report = run_direct(
            config,
            truth_path=truth,
            out_dir=out,
            progress=lambda n: bar.advance(task, n),
        )
    _ERR.print(
        f"{report.wearer_days} wearer-days in {report.elapsed_s:.1f} s: "
        f"{report.records}; {report.truth_events} truth events in {truth}"
    )


def _live(
    server: str,
    wearers: int,
    speed: float,
    span: timedelta,
    seed: int,
    truth: Path,
    outboxes: Path,
) -> None:
    from vigil.simulate.running import run_live

    stop = threading.Event()
    try:
        report = run_live(
            Settings.from_env().database_url,
            server,
            wearers=wearers,
            speed=speed,
            span=span,
            seed=seed,
            truth=truth,
            outboxes=outboxes,
            stop=stop,
        )
    except KeyboardInterrupt:
        stop.set()
        raise
    _ERR.print(
        f"{report.minutes} simulated minutes, {report.records} records in "
        f"{report.batches} batches; truth in {truth}"
    )
