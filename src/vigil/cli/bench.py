"""``vigil bench …``: throughput measurements that print one JSON object each."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress

app = typer.Typer(no_args_is_help=True)
_ERR = Console(stderr=True)


def _emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result))
        return
    for name, value in result.items():
        _ERR.print(f"{name:>28}  {value}")


@app.command("ingest")
def ingest(
    records: int = typer.Option(200_000, help="Records to upload in all."),
    devices: int = typer.Option(64, help="Simulated bracelets."),
    batch_records: int = typer.Option(50, help="Records per signed batch."),
    connections: int = typer.Option(16, help="Concurrent HTTP connections."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Signed batches over HTTP on loopback into a fresh SQLite store."""
    from vigil.bench import ingest as bench

    batches = (records // devices // batch_records) * devices
    with Progress(console=_ERR, transient=True) as bar:
        task = bar.add_task("uploading batches", total=batches)
        result = bench.run(
            records=records,
            devices=devices,
            batch_records=batch_records,
            connections=connections,
            progress=lambda n: bar.advance(task, n),
        )
    _emit(result, as_json)


@app.command("simulate")
def simulate(
    wearers: int = typer.Option(100_000, help="Simulated wearers."),
    days: int = typer.Option(1, help="Simulated days."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Direct-mode simulation: a fix and a vitals record a minute per wearer."""
    from vigil.bench import simulate as bench

    with Progress(console=_ERR, transient=True) as bar:
        task = bar.add_task("simulating wearer-days", total=wearers * days)
        result = bench.run(
            wearers=wearers, days=days, progress=lambda n: bar.advance(task, n)
        )
    _emit(result, as_json)
