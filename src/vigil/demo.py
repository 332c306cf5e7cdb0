"""``vigil demo``: a seeded store and a few reference bracelets streaming to it.

The bracelets here walk at random around their homes in Hanoi; the fleet
simulator replaces them with people who have routines.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.device import DeviceClient, HttpTransport, Outbox
from vigil.device.client import Backoff
from vigil.errors import DeviceClientError
from vigil.protocol import DeviceKey, Fix, Record, Status, Vitals
from vigil.simulate.fleet import enrol_wearer
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.enrolment import create_unit
from vigil.store.migrate import upgrade
from vigil.store.registry import Unit

_LOGGER = logging.getLogger(__name__)

PROVINCE = ("HN", "Thành phố Hà Nội")
# Wards of Hanoi after the 2025 reorganisation, with a point near each centre.
WARDS = [
    ("HN-HK", "Phường Hoàn Kiếm", 21.0285, 105.8542),
    ("HN-BD", "Phường Ba Đình", 21.0358, 105.8342),
    ("HN-DD", "Phường Đống Đa", 21.0181, 105.8290),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
GIVEN = ["Văn An", "Minh Tuấn", "Thị Hoa", "Đức Thắng", "Quang Huy", "Thị Lan"]


@dataclass(frozen=True)
class DemoWearer:
    """A demo bracelet, its key and where its wearer lives."""

    serial: str
    seed_hex: str
    home_lat: float
    home_lon: float


def seed(settings: Settings, keys_path: Path, wearers: int = 12) -> list[DemoWearer]:
    """Create the demo units, wearers and bracelets once; return the bracelets."""
    upgrade(settings.database_url)
    if keys_path.exists():
        return [DemoWearer(**w) for w in json.loads(keys_path.read_text())]
    rng = random.Random(7)
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    engine = make_engine(settings.database_url)
    demo = []
    with make_sessionmaker(engine)() as session, session.begin():
        if session.scalar(select(Unit.id).where(Unit.code == PROVINCE[0])) is None:
            create_unit(
                session, code=PROVINCE[0], name=PROVINCE[1], level="province", now=since
            )
        for code, name, _, _ in WARDS:
            create_unit(
                session,
                code=code,
                name=name,
                level="ward",
                parent_code=PROVINCE[0],
                now=since,
            )
        for n in range(wearers):
            code, _, lat, lon = WARDS[n % len(WARDS)]
            demo.append(_enrol(session, settings, rng, n, code, lat, lon, since))
    engine.dispose()
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    keys_path.write_text(json.dumps([w.__dict__ for w in demo]))
    return demo


def _enrol(
    session: Session,
    settings: Settings,
    rng: random.Random,
    n: int,
    unit_code: str,
    lat: float,
    lon: float,
    since: datetime,
) -> DemoWearer:
    wearer = enrol_wearer(
        session,
        settings,
        unit_code=unit_code,
        full_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
        date_of_birth=date(1975 + rng.randrange(25), 1 + rng.randrange(12), 1),
        decision_number=f"{n + 1:03d}/QĐ-CAP",
        issuing_authority=f"Công an {unit_code}",
        serial=f"VG-DEMO-{n + 1:04d}",
        since=since,
    )
    return DemoWearer(
        wearer.serial,
        wearer.key.seed.hex(),
        lat + rng.uniform(-0.01, 0.01),
        lon + rng.uniform(-0.01, 0.01),
    )


def stream(
    base_url: str,
    wearers: list[DemoWearer],
    folder: Path,
    stop: threading.Event,
    interval_s: float = 5.0,
) -> None:
    """Walk each wearer around home and upload like a bracelet, until ``stop``."""
    rng = random.Random(11)
    clients = [
        DeviceClient(
            w.serial,
            DeviceKey.from_hex(w.seed_hex),
            Outbox(folder / f"{w.serial}.db"),
            HttpTransport(base_url),
            backoff=Backoff(base_s=0.5, cap_s=10.0),
        )
        for w in wearers
    ]
    positions = [(w.home_lat, w.home_lon) for w in wearers]
    while not stop.wait(interval_s):
        for i, client in enumerate(clients):
            positions[i] = _step(rng, *positions[i])
            client.record(_readings(rng, client.now_ms(), *positions[i]))
            try:
                client.upload(max_tries=1)
            except DeviceClientError:
                _LOGGER.debug("demo bracelet %s will retry", client.serial)


def _step(rng: random.Random, lat: float, lon: float) -> tuple[float, float]:
    heading = rng.uniform(0, 2 * math.pi)
    metres = rng.uniform(0, 40)
    return (
        lat + metres * math.cos(heading) / 111_320,
        lon + metres * math.sin(heading) / (111_320 * math.cos(math.radians(lat))),
    )


def _readings(rng: random.Random, t_ms: int, lat: float, lon: float) -> list[Record]:
    return [
        Fix(t_ms=t_ms, lat=lat, lon=lon, accuracy_m=rng.uniform(3, 12), satellites=9),
        Vitals(
            t_ms=t_ms,
            heart_rate_bpm=rng.gauss(74, 6),
            hrv_rmssd_ms=abs(rng.gauss(42, 8)),
            skin_temp_c=rng.gauss(33.5, 0.4),
            spo2_pct=min(100.0, rng.gauss(97, 1)),
            resp_rate_bpm=rng.gauss(15, 1.5),
            steps=rng.randrange(0, 60),
        ),
        Status(t_ms=t_ms, battery_pct=80.0, firmware="1.0.0"),
    ]
