"""``vigil db``: create and upgrade the schema; and how every command opens the store.

The other store commands (``enroll``, ``device``, ``token``) open their session
with ``store_session`` so that all of them commit, refuse and fail alike: a
refusal is printed in red with its hint, and the command exits 1 without a
traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import VigilError
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.migrate import current, head, upgrade

app = typer.Typer(no_args_is_help=True)

# soft_wrap: a seed or a token must never be broken across lines for copying.
console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Print a refusal or a store failure in red and exit 1, without a traceback."""
    try:
        yield
    except VigilError as exc:
        fail(exc.message, exc.hint)
    except OperationalError as exc:
        # Only the driver's own words: the statement and its parameters may carry
        # personal data.
        fail(
            f"The database could not be used: {exc.orig}",
            "If it is new, create its tables first: vigil db upgrade",
        )


def fail(message: str, hint: str = "") -> NoReturn:
    """Print ``message`` and ``hint`` in red, then exit with status 1."""
    error_console.print(message, style="bold red", markup=False)
    if hint:
        error_console.print(hint, style="red", markup=False)
    raise typer.Exit(1)


@contextmanager
def store_session(settings: Settings | None = None) -> Iterator[Session]:
    """Open a session on the configured store; commit if the block succeeds."""
    with reporting_errors():
        settings = settings or Settings.from_env()
        engine = make_engine(settings.database_url)
        try:
            with make_sessionmaker(engine)() as session:
                yield session
                session.commit()
        finally:
            engine.dispose()


def print_json(value: object) -> None:
    """Print ``value`` as one line of JSON on standard output."""
    typer.echo(json.dumps(value, default=str, ensure_ascii=False))


@app.command("upgrade")
def upgrade_command(
    revision: Annotated[
        str, typer.Option(help="Revision to reach; the newest by default.")
    ] = "head",
) -> None:
    """Create the tables, or bring them up to date."""
    with reporting_errors():
        settings = Settings.from_env()
        before = current(settings.database_url)
        upgrade(settings.database_url, revision)
        after = current(settings.database_url)
    where = _shown_url(settings.database_url)
    if before == after:
        console.print(f"{where} is already at revision {after}.")
    else:
        console.print(f"{where} upgraded from revision {before} to {after}.")


@app.command("current")
def current_command(as_json: JsonOption = False) -> None:
    """Show the revision the database is at, and the newest one available."""
    with reporting_errors():
        settings = Settings.from_env()
        at, latest = current(settings.database_url), head()
    if as_json:
        print_json({"current": at, "head": latest, "up_to_date": at == latest})
        return
    where = _shown_url(settings.database_url)
    if at == latest:
        console.print(f"{where} is at revision {at}, the newest.")
    else:
        console.print(f"{where} is at revision {at}; the newest is {latest}.")
        console.print("Run: vigil db upgrade", style="yellow")


def _shown_url(database_url: str) -> str:
    """Return the database URL with any password masked."""
    return make_url(database_url).render_as_string(hide_password=True)
