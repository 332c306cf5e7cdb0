"""Rules are data: a kind, a zone, a schedule and the thresholds that judge noise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from vigil.monitor.geometry import Zone
from vigil.monitor.hysteresis import Confirmation

MINUTE_MS = 60_000
DAY_MIN = 1440


@dataclass(frozen=True)
class Window:
    """A daily stretch of local time, from ``start_min`` to ``end_min``."""

    start_min: int
    end_min: int

    def intervals_ms(
        self, first_ms: int, last_ms: int, timezone: str
    ) -> list[tuple[int, int]]:
        """Return the window's UTC intervals overlapping ``[first_ms, last_ms]``.

        The UTC offset is taken once, at ``first_ms``: right for Vietnam, which
        keeps one offset all year. Goes when a deployment in a zone with daylight
        saving needs it (then evaluate per local day).
        """
        offset_ms = _offset_ms(first_ms, timezone)
        day0 = (first_ms + offset_ms) // (DAY_MIN * MINUTE_MS) - 1
        day_last = (last_ms + offset_ms) // (DAY_MIN * MINUTE_MS) + 1
        span = (self.end_min - self.start_min) % DAY_MIN or DAY_MIN
        found = []
        for day in range(day0, day_last + 1):
            start = (day * DAY_MIN + self.start_min) * MINUTE_MS - offset_ms
            end = start + span * MINUTE_MS
            if end > first_ms and start <= last_ms:
                found.append((start, end))
        return found


@dataclass(frozen=True)
class InclusionRule:
    """Stay inside ``zone`` while ``window`` is open (always, without a window).

    A curfew is a level condition: outside when the window opens is a breach at
    once, dated at the opening, not only an exit during it.
    """

    rule: str
    zone: Zone
    window: Window | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    # Beyond the reported accuracy: multipath pulls a fix tens of metres while its
    # accuracy stays optimistic. 50 m and eight fixes over eight minutes cut false
    # curfew alerts by 40 % against 30 m and five minutes, for the same recall
    # (docs/detection.md).
    buffer_m: float = 50.0
    open_when: Confirmation = field(default_factory=lambda: Confirmation(8, 480.0))
    close_when: Confirmation = field(default_factory=lambda: Confirmation(3, 120.0))

    @property
    def kind(self) -> str:
        """The alert kind this rule raises."""
        return "curfew" if self.window is not None else "inclusion_exit"


@dataclass(frozen=True)
class ExclusionRule:
    """Stay out of ``zone``; a stay of ``min_dwell_s`` or more is a breach."""

    rule: str
    zone: Zone
    min_dwell_s: float = 300.0
    buffer_m: float = 15.0
    close_when: Confirmation = field(default_factory=lambda: Confirmation(2, 60.0))

    @property
    def kind(self) -> str:
        """The alert kind this rule raises."""
        return "exclusion"

    @property
    def open_when(self) -> Confirmation:
        """Two agreeing fixes at least, across the whole minimum dwell."""
        return Confirmation(max(2, int(self.min_dwell_s // 60)), self.min_dwell_s)


def _offset_ms(t_ms: int, timezone: str) -> int:
    moment = datetime.fromtimestamp(t_ms / 1000, tz=UTC).astimezone(ZoneInfo(timezone))
    offset = moment.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() * 1000)
