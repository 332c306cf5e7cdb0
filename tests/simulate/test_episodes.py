from __future__ import annotations

import numpy as np

from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.episodes import EpisodeTracker, runs

DAY_MS = MINUTES * MINUTE_MS


def mask(*spans: tuple[int, int]) -> np.ndarray:
    m = np.zeros((1, MINUTES), bool)
    for start, end in spans:
        m[0, start:end] = True
    return m


def test_runs_finds_each_stretch_with_exclusive_ends() -> None:
    rows, starts, ends = runs(mask((10, 20), (100, 101)))
    assert rows.tolist() == [0, 0]
    assert starts.tolist() == [10, 100]
    assert ends.tolist() == [20, 101]


def test_episode_across_midnight_is_one_event() -> None:
    tracker = EpisodeTracker("curfew_breach")
    wearer = np.array([7])

    first = list(tracker.day(0, wearer, mask((1400, MINUTES))))
    second = list(tracker.day(DAY_MS, wearer, mask((0, 30))))

    assert first == []
    assert len(second) == 1
    assert (second[0].start_ms, second[0].end_ms) == (
        1400 * MINUTE_MS,
        DAY_MS + 30 * MINUTE_MS,
    )
    assert second[0].wearers == (7,)


def test_episode_ending_exactly_at_midnight_closes_the_next_day() -> None:
    tracker = EpisodeTracker("curfew_breach")
    wearer = np.array([1])
    list(tracker.day(0, wearer, mask((1430, MINUTES))))

    closed = list(tracker.day(DAY_MS, wearer, mask((600, 610))))

    assert [(e.start_ms, e.end_ms) for e in closed] == [
        (600 * MINUTE_MS + DAY_MS, 610 * MINUTE_MS + DAY_MS),
        (1430 * MINUTE_MS, DAY_MS),
    ]


def test_keys_keep_visits_to_different_zones_apart() -> None:
    tracker = EpisodeTracker("exclusion_visit", key_name="zone")
    keys = np.full((1, MINUTES), -1)
    keys[0, 100:110], keys[0, 110:120] = 3, 4

    events = list(tracker.day(0, np.array([0]), keys >= 0, keys=keys))

    assert [e.detail["zone"] for e in events] == [3, 4]


def test_finish_closes_what_is_still_open() -> None:
    tracker = EpisodeTracker("curfew_breach")
    list(tracker.day(0, np.array([2]), mask((1430, MINUTES))))

    assert [e.end_ms for e in tracker.finish(DAY_MS)] == [DAY_MS]
