"""Small builders for alert tests: findings, a clock, a session, a webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.monitor.findings import Finding, Severity, Step
from vigil.simulate.fleet import FleetDevice
from vigil.store.base import Base
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.types import to_epoch_us

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def ms(at: datetime) -> int:
    return to_epoch_us(at) // 1000


def a_finding(
    wearer: FleetDevice,
    step: Step = Step.OPEN,
    *,
    episode: str = "ep-1",
    key: str | None = None,
    kind: str = "curfew",
    severity: Severity = Severity.HIGH,
    at: datetime = NOW,
    evidence: dict[str, Any] | None = None,
) -> Finding:
    return Finding(
        key=key or f"{episode}:{step}:{ms(at)}",
        episode=episode,
        kind=kind,
        step=step,
        device_id=wearer.device_id,
        subject_id=wearer.subject_id,
        rule=f"{kind}-rule",
        at_ms=ms(at),
        severity=severity,
        evidence=evidence or {"fixes": 1},
    )


@contextmanager
def open_session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@dataclass
class FakeClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Receiver:
    """What a webhook endpoint received, and the status it answers with."""

    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, body in self.received]


class WebhookServer:
    """A real HTTP server on 127.0.0.1 that can be stopped and started on one port."""

    def __init__(self, receiver: Receiver, port: int = 0) -> None:
        self.receiver = receiver
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self.receiver

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.status
                if status < 300:
                    with receiver.lock:
                        receiver.received.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
