"""The ASGI application: device ingest, the REST API, health checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vigil import __version__
from vigil.api import enrolment
from vigil.api.errors import install_error_handlers
from vigil.bus import InboxLog
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.ingest import http as ingest_http
from vigil.ingest.service import IngestService
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.migrate import current, head

_LOGGER = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """Build the application; the store must already be migrated to head."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        _require_migrated(settings.database_url)
        log = InboxLog(engine)
        ingest = IngestService(engine, settings, log)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.event_log = log
        app.state.ingest = ingest
        ingest.start()
        _LOGGER.info("vigil %s ready", __version__)
        try:
            yield
        finally:
            ingest.stop()
            engine.dispose()

    app = FastAPI(title="Vigil", version=__version__, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(ingest_http.router, tags=["devices"])
    app.include_router(enrolment.router, tags=["enrolment"])

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Answer while the process is alive."""
        return {"status": "ok"}

    return app


def _require_migrated(database_url: str) -> None:
    at, latest = current(database_url), head()
    if at != latest:
        raise ConfigError(
            f"The database is at revision {at}, not {latest}.",
            hint="Run `vigil db upgrade` first.",
        )
