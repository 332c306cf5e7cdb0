"""``vigil serve`` and ``vigil demo``."""

from __future__ import annotations

import logging
import os
import threading
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
    wearers: int = typer.Option(12, help="Demo bracelets to stream."),
) -> None:
    """Seed demo data, stream reference bracelets to it and serve it."""
    from vigil.demo import seed, stream

    if "VIGIL_LOG_LEVEL" not in os.environ:
        # A line per batch would bury the demo's own output; ask for them by name.
        logging.getLogger().setLevel(logging.WARNING)
    settings = Settings.from_env()
    folder = Path("var/demo")
    bracelets = seed(settings, folder / "bracelets.json", wearers)
    stop = threading.Event()
    streamer = threading.Thread(
        target=stream,
        args=(f"http://127.0.0.1:{port}", bracelets, folder, stop),
        name="demo-bracelets",
        daemon=True,
    )
    console = Console()
    console.print(f"[bold]Vigil demo[/bold] on http://127.0.0.1:{port}")
    console.print(f"  API documentation: http://127.0.0.1:{port}/docs")
    console.print(
        f"  {len(bracelets)} bracelets upload every few seconds; Ctrl-C stops."
    )
    streamer.start()
    try:
        serve(host="127.0.0.1", port=port)
    finally:
        stop.set()
        streamer.join(timeout=10)
