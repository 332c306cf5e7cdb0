"""Turn per-minute truth masks into episodes, joined across midnight.

A curfew breach from 23:30 to 00:40 is one episode, not two; the tracker holds
runs that reach the end of a day until the next day says whether they go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.truth import TruthEvent


def runs(
    mask: np.ndarray, keys: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, first minute, end minute exclusive) of every run of True.

    With ``keys``, a run also ends where the key changes: walking from one zone
    straight into the next is two visits.
    """
    n, width = mask.shape
    inside = np.zeros((n, width + 2), bool)
    inside[:, 1:-1] = mask
    changed = np.zeros((n, width + 1), bool)
    if keys is not None:
        changed[:, 1:-1] = keys[:, 1:] != keys[:, :-1]
    begins = inside[:, 1:] & (~inside[:, :-1] | changed)
    finishes = inside[:, :-1] & (~inside[:, 1:] | changed)
    start_row, start = np.nonzero(begins)
    _, end = np.nonzero(finishes)
    return start_row, start, end


@dataclass
class EpisodeTracker:
    """Episodes of one kind keyed by (wearer, key), continued across days."""

    kind: str
    key_name: str = "key"
    open: dict[tuple[int, int], tuple[int, dict[str, Any]]] = field(
        default_factory=dict
    )

    def day(
        self,
        day_start_ms: int,
        wearers: np.ndarray,
        mask: np.ndarray,
        keys: np.ndarray | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Iterator[TruthEvent]:
        """Yield episodes that ended this day for these wearers; hold the rest."""
        rows, starts, ends = runs(mask, keys)
        continued: set[tuple[int, int]] = set()
        for row, start, end in zip(
            rows.tolist(), starts.tolist(), ends.tolist(), strict=True
        ):
            wearer = int(wearers[row])
            key = (wearer, int(keys[row, start]) if keys is not None else 0)
            start_ms = day_start_ms + start * MINUTE_MS
            info = dict(detail or {})
            if keys is not None:
                info[self.key_name] = key[1]
            if start == 0 and key in self.open:
                start_ms, info = self.open.pop(key)
                continued.add(key)
            if end == MINUTES:
                self.open[key] = (start_ms, info)
                continue
            yield TruthEvent(
                self.kind, (wearer,), start_ms, day_start_ms + end * MINUTE_MS, info
            )
        yield from self._close_stale(day_start_ms, set(wearers.tolist()), continued)

    def _close_stale(
        self, day_start_ms: int, wearers: set[int], continued: set[tuple[int, int]]
    ) -> Iterator[TruthEvent]:
        """Close held episodes of these wearers that did not go on past midnight."""
        # Runs opened today are held for tomorrow; those from before ended at 00:00.
        stale = [
            key
            for key, (start_ms, _) in self.open.items()
            if key[0] in wearers and key not in continued and start_ms < day_start_ms
        ]
        for key in stale:
            start_ms, info = self.open.pop(key)
            yield TruthEvent(self.kind, (key[0],), start_ms, day_start_ms, info)

    def finish(self, end_ms: int) -> Iterator[TruthEvent]:
        """Close every held episode at the end of the simulation."""
        for (wearer, _), (start_ms, info) in sorted(self.open.items()):
            yield TruthEvent(self.kind, (wearer,), start_ms, end_ms, info)
        self.open.clear()
