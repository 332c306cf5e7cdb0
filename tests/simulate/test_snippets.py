"""Raw PPG and EDA snippets: what the reference device client will process."""

from __future__ import annotations

from functools import cache

import neurokit2 as nk  # type: ignore[import-untyped]
import numpy as np
import pytest

from vigil.simulate.clock import MINUTES, Activity
from vigil.simulate.physiology import VitalsDay, draw_profiles, simulate_vitals
from vigil.simulate.snippets import EDA_HZ, PPG_HZ, raw_snippets

N = 200
MINUTE = 15 * 60 + 7  # everyone at rest
SPORT = slice(18 * 60, 19 * 60)  # half the wearers exercising


@cache
def day() -> VitalsDay:
    rng = np.random.default_rng(21)
    activity = np.full((N, MINUTES), Activity.REST, np.uint8)
    activity[: N // 2, SPORT] = Activity.EXERCISE
    vitals, _ = simulate_vitals(draw_profiles(N, rng), activity, 0, rng)
    return vitals


def wearers_with_rates(minute: int, low: float, high: float, count: int) -> list[int]:
    """Pick wearers on the skin whose heart rate at ``minute`` is in [low, high]."""
    vitals = day()
    rate = vitals.heart_rate_bpm[:, minute]
    fits = (rate >= low) & (rate <= high) & vitals.skin_contact[:, minute]
    return [int(row) for row in np.flatnonzero(fits)[:count]]


def assert_neurokit_recovers_the_rate(minute: int, chosen: list[int]) -> None:
    for snippet in raw_snippets(day(), chosen, minute, 60, seed=1):
        signals, _ = nk.ppg_process(snippet.ppg, sampling_rate=snippet.ppg_hz)
        measured = float(signals["PPG_Rate"].mean())
        assert measured == pytest.approx(snippet.heart_rate_bpm, abs=5.0)


def test_neurokit_recovers_a_resting_heart_rate_within_5_bpm() -> None:
    chosen = wearers_with_rates(MINUTE, 50, 65, 2) + wearers_with_rates(
        MINUTE, 80, 100, 2
    )
    assert len(chosen) == 4
    assert_neurokit_recovers_the_rate(MINUTE, chosen)


def test_neurokit_recovers_an_exercising_heart_rate_within_5_bpm() -> None:
    minute = SPORT.start + 30
    chosen = wearers_with_rates(minute, 110, 140, 2)
    assert len(chosen) == 2
    assert_neurokit_recovers_the_rate(minute, chosen)


def test_snippets_have_64_hz_ppg_and_4_hz_eda_for_the_whole_duration() -> None:
    (snippet,) = raw_snippets(day(), [3], MINUTE, 90, seed=1)
    assert (snippet.ppg_hz, snippet.eda_hz) == (PPG_HZ, EDA_HZ) == (64, 4)
    assert len(snippet.ppg) == 90 * 64
    assert len(snippet.eda) == 90 * 4
    assert (snippet.wearer, snippet.start_minute) == (3, MINUTE)


def test_eda_rests_on_the_minutes_skin_conductance_level() -> None:
    vitals = day()
    for snippet in raw_snippets(vitals, [0, 1, 2], MINUTE, 60, seed=1):
        level = vitals.scl_us[snippet.wearer, MINUTE]
        assert snippet.eda.min() == pytest.approx(level, rel=0.05, abs=0.02)
        assert (snippet.eda >= 0).all()


def test_same_seed_gives_identical_snippets_and_another_seed_does_not() -> None:
    a = raw_snippets(day(), [5, 6], MINUTE, 30, seed=7)
    b = raw_snippets(day(), [5, 6], MINUTE, 30, seed=7)
    c = raw_snippets(day(), [5, 6], MINUTE, 30, seed=8)
    for x, y, z in zip(a, b, c, strict=True):
        assert np.array_equal(x.ppg, y.ppg)
        assert np.array_equal(x.eda, y.eda)
        assert not np.array_equal(x.ppg, z.ppg)


def test_a_snippet_must_fit_inside_the_day() -> None:
    with pytest.raises(ValueError, match="inside the day"):
        raw_snippets(day(), [0], 1439, 120, seed=1)
    with pytest.raises(ValueError, match="10 s or more"):
        raw_snippets(day(), [0], MINUTE, 5, seed=1)
