"""Settings, read once from ``VIGIL_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vigil.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///var/vigil.db"


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a whole number.",
            hint=f"Set {name} to e.g. {default}.",
        ) from None
    if value < minimum:
        raise ConfigError(f"{name}={value} is below {minimum}.", hint=f"Use {default}.")
    return value


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; every field has a safe default."""

    database_url: str = DEFAULT_DATABASE_URL
    # A draft decree speaks of monitoring for one to two years (FIELD.md); two
    # calendar years are 731 days when they span a 29 February.
    order_max_days: int = 731
    # 50 records of a minute each is a batch every few minutes; 1,000 records covers
    # a day's buffer flushed after an outage, in a handful of batches.
    max_records_per_batch: int = 1000
    max_batch_bytes: int = 512 * 1024
    # Bracelet clocks drift; beyond five minutes ahead a record cannot be trusted.
    max_future_skew_s: int = 300
    fix_interval_s: int = 60
    vitals_interval_s: int = 60
    upload_interval_s: int = 180
    admin_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from ``VIGIL_*`` variables."""
        return cls(
            database_url=os.environ.get("VIGIL_DATABASE_URL") or DEFAULT_DATABASE_URL,
            order_max_days=_int("VIGIL_ORDER_MAX_DAYS", 731, minimum=1),
            max_records_per_batch=_int("VIGIL_MAX_RECORDS_PER_BATCH", 1000, minimum=1),
            max_batch_bytes=_int("VIGIL_MAX_BATCH_BYTES", 512 * 1024, minimum=1024),
            max_future_skew_s=_int("VIGIL_MAX_FUTURE_SKEW_S", 300),
            fix_interval_s=_int("VIGIL_FIX_INTERVAL_S", 60, minimum=1),
            vitals_interval_s=_int("VIGIL_VITALS_INTERVAL_S", 60, minimum=1),
            upload_interval_s=_int("VIGIL_UPLOAD_INTERVAL_S", 180, minimum=1),
            admin_token=os.environ.get("VIGIL_ADMIN_TOKEN", ""),
        )


def sqlite_path(database_url: str) -> Path | None:
    """Return the file behind a SQLite URL, or None for another database."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    rest = database_url[len(prefix) :]
    return None if rest in ("", ":memory:") else Path(rest)
