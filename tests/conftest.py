"""Fixtures shared across the suite: a migrated store and an enrolled fleet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import Settings
from vigil.simulate.fleet import FleetDevice, enrol_fleet
from vigil.store.migrate import upgrade

ENROLLED_SINCE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite store in a temporary folder, migrated to head."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    return url


@pytest.fixture
def fleet(database_url: str) -> list[FleetDevice]:
    """Three wearers whose orders and bracelets are in force since two days ago."""
    return enrol_fleet(database_url, 3, since=ENROLLED_SINCE)


@pytest.fixture
def server(database_url: str, fleet: list[FleetDevice]) -> Iterator[TestClient]:
    """The whole application in-process, on the enrolled store."""
    settings = Settings(database_url=database_url, max_records_per_batch=100)
    with TestClient(create_app(settings)) as client:
        yield client
