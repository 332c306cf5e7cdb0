"""The ``vigil`` command: one entry point for operators and developers."""

from __future__ import annotations

import logging
import os

import typer

from vigil.cli import bench, db, device, enrol, evaluate, serve, simulate, token

app = typer.Typer(
    name="vigil",
    help="Vigil: electronic monitoring behind a tamper-evident bracelet.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db", help="Create and upgrade the database.")
app.add_typer(enrol.app, name="enroll", help="Units, subjects and their orders.")
app.add_typer(device.app, name="device", help="Register, assign and retire bracelets.")
app.add_typer(token.app, name="token", help="API tokens for integrations.")
app.add_typer(bench.app, name="bench", help="Measure throughput; prints JSON.")
app.add_typer(evaluate.app, name="evaluate", help="Score detectors against truth.")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("simulate")(simulate.simulate)


def main() -> None:
    """Run the command line, logging at ``VIGIL_LOG_LEVEL`` (INFO by default)."""
    logging.basicConfig(
        level=os.environ.get("VIGIL_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Vigil logs its own line per exchange; the HTTP client's would repeat it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app()
