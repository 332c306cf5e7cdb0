"""``vigil token``: scoped API tokens for integrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from vigil.cli.db import JsonOption, console, error_console, print_json, store_session
from vigil.store import tokens

app = typer.Typer(no_args_is_help=True)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who or what will use the token.")],
    scope: Annotated[
        list[str], typer.Option(help="A scope to grant; repeat for several.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Create an API token and print it, this one time."""
    with store_session() as session:
        issued = tokens.create_token(
            session, name=name, scopes=scope, now=datetime.now(UTC)
        )
    if as_json:
        print_json(
            {
                "id": issued.token.id,
                "name": issued.token.name,
                "scopes": issued.token.scopes.split(),
                "token": issued.plaintext,
            }
        )
        return
    console.print(f"Token {name!r} created with scopes: {issued.token.scopes}.")
    console.print(issued.plaintext, markup=False)
    error_console.print(
        "Copy the token now: Vigil keeps only its hash and cannot show it again.",
        style="bold yellow",
    )


@app.command()
def revoke(
    name: Annotated[str, typer.Argument(help="Name of the live token to revoke.")],
) -> None:
    """Revoke an API token; it stops working at once."""
    with store_session() as session:
        tokens.revoke_token(session, name=name, now=datetime.now(UTC))
    console.print(f"Token {name!r} revoked.")
