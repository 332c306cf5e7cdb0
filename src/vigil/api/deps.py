"""What routers take from the application: a database session, settings, a clock.

The application sets ``app.state.sessionmaker`` (a ``sessionmaker[Session]``) and
may set ``app.state.settings`` and ``app.state.clock`` (a callable returning an
aware UTC ``datetime``; tests pin it). Routers commit with ``commit`` so that a
store that cannot commit answers 503, not 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.errors import StoreUnavailableError

Clock = Callable[[], datetime]


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session for one request; what it did not commit is rolled back."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        yield session


def get_settings(request: Request) -> Settings:
    """Return the application's settings, else those of the environment."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else Settings.from_env()


def get_now(request: Request) -> datetime:
    """Return the current time from the application's clock, else the system's."""
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def commit(session: Session) -> None:
    """Commit, turning a store that cannot commit into ``StoreUnavailableError``."""
    try:
        session.commit()
    except OperationalError:
        session.rollback()
        raise StoreUnavailableError(
            "The store could not commit; nothing was stored.",
            hint="Retry in a moment.",
        ) from None


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
