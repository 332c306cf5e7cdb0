"""Schema migrations, run from code with the scripts shipped in the package."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from vigil.errors import ConfigError
from vigil.store.db import make_engine

_LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for ``database_url``, built without a file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # The option goes through configparser interpolation, where % is special.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """Return the newest revision the shipped migrations lead to."""
    revision = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert revision is not None, "the package ships at least one migration"
    return revision


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision``, in one transaction."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            before = _current_of(connection)
            try:
                command.upgrade(alembic_config(database_url, connection), revision)
            except CommandError as exc:
                raise ConfigError(
                    f"The schema cannot be brought to {revision!r}: {exc}",
                    hint="Check the revision, and that this Vigil is at least as "
                    "new as the one that last upgraded the database.",
                ) from None
            after = _current_of(connection)
    finally:
        engine.dispose()
    if after != before:
        _LOGGER.info("database schema upgraded from %s to %s", before, after)


def current(database_url: str) -> str | None:
    """Return the revision the database is at, or None if it was never migrated."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return _current_of(connection)
    finally:
        engine.dispose()


def _current_of(connection: Connection) -> str | None:
    """Return the revision recorded in the database behind ``connection``."""
    revision = MigrationContext.configure(connection).get_current_revision()
    # Reading opened a transaction; end it so a migration can begin its own.
    connection.rollback()
    return revision
