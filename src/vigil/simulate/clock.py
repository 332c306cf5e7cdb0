"""The simulation's time grid: one day is 1,440 minutes from local midnight.

Every per-day array is shaped ``(wearers, MINUTES)``; column ``t`` is minute ``t``
of the local day, so a curfew from 22:00 is simply columns 1320 onwards. Hanoi
keeps UTC+7 all year (no daylight saving), so a local day is a fixed UTC span.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import IntEnum

import numpy as np

MINUTES = 1440
MINUTE_MS = 60_000
LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh


class Activity(IntEnum):
    """What a wearer's body is doing in a minute; drives vitals, GNSS and battery."""

    SLEEP = 0
    REST = 1
    WALK = 2
    RIDE = 3  # on a motorbike or bus: moving fast, body at rest
    EXERCISE = 4


def day_start_ms(day: date) -> int:
    """Return the UTC epoch milliseconds of local midnight starting ``day``."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - LOCAL_OFFSET
    return int(midnight.timestamp()) * 1000


def minute_times_ms(day: date) -> np.ndarray:
    """Return the UTC epoch milliseconds of each minute of the local ``day``."""
    return day_start_ms(day) + MINUTE_MS * np.arange(MINUTES, dtype=np.int64)


def local_date(t_ms: int) -> date:
    """Return the local calendar date of a UTC epoch-millisecond instant."""
    return (datetime.fromtimestamp(t_ms / 1000, tz=UTC) + LOCAL_OFFSET).date()
