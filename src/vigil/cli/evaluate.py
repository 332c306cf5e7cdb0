"""``vigil evaluate …``: detectors scored against the simulator's truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

app = typer.Typer(no_args_is_help=True)
_ERR = Console(stderr=True)
_TRUTH = Path("var/evaluate/truth.jsonl")


@app.command("alerts")
def alerts(
    truth: Annotated[Path, typer.Option(help="Where to write the truth log.")] = _TRUTH,
    wearers: int = typer.Option(2_000, min=1, help="Simulated wearers."),
    days: int = typer.Option(7, min=1, help="Simulated days."),
    seed: int = typer.Option(1, help="Simulation seed."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Simulate, raise zone and curfew alerts, score them against the truth."""
    from vigil.evaluate.alerts import run

    truth.parent.mkdir(parents=True, exist_ok=True)
    with Progress(console=_ERR, transient=True) as bar:
        task = bar.add_task("simulating wearer-days", total=wearers * days)
        result = run(
            wearers=wearers,
            days=days,
            seed=seed,
            truth_path=truth,
            progress=lambda n: bar.advance(task, n),
        )
    if as_json:
        typer.echo(json.dumps(result))
    else:
        for name, value in result.items():
            _ERR.print(f"{name:>30}  {value}")
