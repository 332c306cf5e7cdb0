from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.store.builders import a_worn_device, open_session
from vigil.errors import ConfigError
from vigil.store.base import Base
from vigil.store.db import make_engine
from vigil.store.migrate import MIGRATIONS_DIR, alembic_config, current, head, upgrade
from vigil.store.registry import REGISTRY_TABLES, Unit

REGISTRY = "0001_registry"


def a_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'vigil.db'}"


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_new_database_has_no_revision(tmp_path: Path) -> None:
    assert current(a_url(tmp_path)) is None


def test_upgrade_creates_exactly_the_registry_tables(tmp_path: Path) -> None:
    url = a_url(tmp_path)

    upgrade(url, REGISTRY)

    assert current(url) == REGISTRY
    assert table_names(url) == {*REGISTRY_TABLES, "alembic_version"}


def test_upgrade_to_head_reaches_the_newest_revision(tmp_path: Path) -> None:
    url = a_url(tmp_path)

    upgrade(url)

    assert current(url) == head()
    assert set(REGISTRY_TABLES) <= table_names(url)


def test_upgrading_again_changes_nothing(tmp_path: Path) -> None:
    url = a_url(tmp_path)
    upgrade(url)
    with open_session(url) as session:
        a_worn_device(session)
        session.commit()

    upgrade(url)

    with open_session(url) as session:
        assert session.scalars(select(Unit.code)).all() == ["01"]


def test_a_database_from_a_newer_vigil_is_refused_with_a_hint(
    tmp_path: Path,
) -> None:
    url = a_url(tmp_path)
    upgrade(url, REGISTRY)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0999_x'")
    engine.dispose()

    with pytest.raises(ConfigError, match="0999_x") as caught:
        upgrade(url)

    assert "at least as new" in caught.value.hint


def test_migrations_need_no_alembic_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    upgrade(a_url(tmp_path), REGISTRY)

    assert not (tmp_path / "alembic.ini").exists()
    assert (MIGRATIONS_DIR / "env.py").is_file()


def test_registry_migration_matches_the_models(tmp_path: Path) -> None:
    url = a_url(tmp_path)
    upgrade(url, REGISTRY)
    engine = make_engine(url)

    def registry_only(
        _item: object, name: str | None, type_: str, *_rest: object
    ) -> bool:
        return type_ != "table" or name in REGISTRY_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": registry_only, "compare_server_default": True},
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_registry_migration_downgrades_to_an_empty_database(tmp_path: Path) -> None:
    url = a_url(tmp_path)
    upgrade(url, REGISTRY)

    command.downgrade(alembic_config(url), "base")

    assert current(url) is None
    assert table_names(url) == {"alembic_version"}


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    url = a_url(tmp_path)
    config = with_extra_migration(
        url,
        tmp_path,
        "9001_broken",
        "op.create_table('half_done', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('no_such_table')",
    )

    with pytest.raises(OperationalError, match="no_such_table"):
        command.upgrade(config, "9001_broken")

    assert current(url) is None
    assert table_names(url) <= {"alembic_version"}


def test_a_batch_migration_can_rebuild_a_table_others_point_at(
    tmp_path: Path,
) -> None:
    url = a_url(tmp_path)
    upgrade(url, REGISTRY)
    with open_session(url) as session:
        a_worn_device(session)
        session.commit()
    # Rebuilding units drops the original table, which subjects point at; were
    # foreign keys enforced during the migration, SQLite would refuse the drop.
    config = with_extra_migration(
        url,
        tmp_path,
        "9002_rebuild_units",
        "with op.batch_alter_table('units', recreate='always') as batch:",
        "    batch.add_column(sa.Column('note', sa.String(20)))",
    )

    command.upgrade(config, "9002_rebuild_units")

    assert current(url) == "9002_rebuild_units"
    with open_session(url) as session:
        unit = session.scalars(select(Unit)).one()
        session.delete(unit)
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            session.flush()


def with_extra_migration(url: str, tmp_path: Path, revision: str, *body: str) -> Config:
    """Return a config that also sees ``revision``, on top of the registry."""
    folder = tmp_path / "extra_versions"
    folder.mkdir()
    lines = [
        "import sqlalchemy as sa",
        "from alembic import op",
        f"revision = {revision!r}",
        f"down_revision = {REGISTRY!r}",
        "def upgrade():",
        *(f"    {line}" for line in body),
    ]
    (folder / f"{revision}.py").write_text("\n".join(lines) + "\n")
    config = alembic_config(url)
    shipped = MIGRATIONS_DIR / "versions"
    config.set_main_option("version_locations", f"{shipped}{os.pathsep}{folder}")
    return config
