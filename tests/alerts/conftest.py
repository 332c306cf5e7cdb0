"""Fixtures for alert tests: a real webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts.builders import Receiver, WebhookServer


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    """A webhook endpoint answering 200 until told otherwise."""
    server = WebhookServer(Receiver())
    yield server
    server.stop()
