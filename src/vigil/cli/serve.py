"""``vigil serve`` and ``vigil demo``."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from vigil.config import Settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="TCP port to listen on."),
) -> None:
    """Serve device ingest and the API from the configured store."""
    from vigil.api.app import create_app

    settings = Settings.from_env()
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


def demo(
    port: int = typer.Option(8000, help="TCP port to listen on."),
    wearers: int = typer.Option(300, min=1, help="Simulated wearers."),
    speed: float = typer.Option(60.0, min=1.0, help="Catch-up speed (x real time)."),
    history: str = typer.Option("6h", help="Simulated past to replay first."),
) -> None:
    """Serve a demo store while simulated wearers stream into it."""
    from vigil.cli.simulate import parse_duration
    from vigil.store.migrate import upgrade

    if "VIGIL_LOG_LEVEL" not in os.environ:
        # A line per batch would bury the demo's own output; ask for them by name.
        logging.getLogger().setLevel(logging.WARNING)
    settings = Settings.from_env()
    upgrade(settings.database_url)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    streamer = threading.Thread(
        target=_stream_demo,
        args=(
            settings.database_url,
            url,
            wearers,
            speed,
            parse_duration(history),
            stop,
        ),
        name="demo-wearers",
        daemon=True,
    )
    console = Console()
    console.print(f"[bold]Vigil demo[/bold] on {url}")
    console.print(f"  API documentation: {url}/docs")
    console.print(
        f"  {wearers} simulated wearers replay the last {history} at {speed:g}x, "
        "then go on in real time. Ctrl-C stops."
    )
    console.print("  Truth of what they did: var/demo/truth.jsonl")
    streamer.start()
    try:
        serve(host="127.0.0.1", port=port)
    finally:
        stop.set()
        streamer.join(timeout=30)


def _stream_demo(
    database_url: str,
    url: str,
    wearers: int,
    speed: float,
    history: timedelta,
    stop: threading.Event,
) -> None:
    from vigil.simulate.running import run_live

    while not stop.is_set() and not _answers(url):
        stop.wait(0.2)
    folder = Path("var/demo")
    run_live(
        database_url,
        url,
        wearers=wearers,
        speed=speed,
        span=history,
        seed=1,
        truth=folder / "truth.jsonl",
        outboxes=folder / "outbox",
        stop=stop,
        forever=True,
    )


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
