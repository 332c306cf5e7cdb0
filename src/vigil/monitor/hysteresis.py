"""From noisy per-fix evidence to confirmed episodes, dated back to their start.

Each fix says *violating* (+1), *compliant* (-1) or *can't tell* (0). An episode
opens only after a streak of violating fixes that is long enough both in count
and in time and holds at least one GNSS fix, because a Wi-Fi or cell position
alone never opens a zone alert. It is dated at the streak's first fix. It
closes after a similar streak of compliant fixes; "can't tell" neither extends
nor breaks a streak. The machine has four states: compliant, entering,
violating, leaving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VIOLATING, UNKNOWN, COMPLIANT = 1, 0, -1


@dataclass(frozen=True)
class Confirmation:
    """How much agreeing evidence turns a suspicion into a finding."""

    fixes: int = 3  # one vendor uses four points inside an exclusion zone (FIELD.md)
    seconds: float = 120.0


@dataclass(frozen=True)
class Episode:
    """A confirmed stretch: started, confirmed (when it could be known), ended."""

    start_ms: int
    confirmed_ms: int
    end_ms: int | None  # None: still going at the last fix
    fixes: tuple[int, ...]  # indices of the violating fixes that confirmed it


def episodes(
    t_ms: np.ndarray,
    evidence: np.ndarray,
    gnss: np.ndarray,
    open_when: Confirmation,
    close_when: Confirmation,
) -> list[Episode]:
    """Return the confirmed episodes in fixes sorted by time."""
    found: list[Episode] = []
    streak: list[int] = []
    open_start: tuple[int, int, tuple[int, ...]] | None = None
    for i in np.flatnonzero(evidence != UNKNOWN).tolist():
        wanted = COMPLIANT if open_start is not None else VIOLATING
        if evidence[i] != wanted:
            streak = []
            continue
        streak.append(i)
        if not _confirms(t_ms, streak, open_when if open_start is None else close_when):
            continue
        if open_start is None:
            if gnss[streak].any():
                open_start = (int(t_ms[streak[0]]), int(t_ms[i]), tuple(streak))
                streak = []
        else:
            start_ms, confirmed_ms, fixes = open_start
            found.append(Episode(start_ms, confirmed_ms, int(t_ms[streak[0]]), fixes))
            open_start, streak = None, []
    if open_start is not None:
        found.append(Episode(open_start[0], open_start[1], None, open_start[2]))
    return found


def _confirms(t_ms: np.ndarray, streak: list[int], rule: Confirmation) -> bool:
    span_s = (t_ms[streak[-1]] - t_ms[streak[0]]) / 1000
    return len(streak) >= rule.fixes and span_s >= rule.seconds
