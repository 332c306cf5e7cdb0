"""The bracelet hardware model: battery, charging, radio, tamper, buttons, clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import numpy as np
import pytest

from vigil.protocol.records import EventKind, TamperKind
from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.hardware import (
    ACCIDENTAL_SOS_SHARE_RANGE,
    BATTERY_DEATHS_PER_WEARER_MONTH_RANGE,
    OFFLINE_SHARE_RANGE,
    SOS_PER_1000_WEARER_DAYS_RANGE,
    TAMPER_EPISODES_PER_1000_WEARER_DAYS_RANGE,
    ChargingHabit,
    DeviceProfiles,
    HardwareDay,
    HardwareRates,
    close_open_events,
    draw_devices,
    initial_state,
    simulate_hardware,
)
from vigil.simulate.truth import TruthEvent

DAY_MS = MINUTES * MINUTE_MS
FIRST_DAY_MS = 1_767_200_400_000  # 2026-01-01 00:00 in Hanoi


def _routine(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return at-home and asleep masks of people out from morning to evening."""
    minute = np.arange(MINUTES)
    leave = rng.integers(7 * 60, 9 * 60, (n, 1))
    back = rng.integers(17 * 60, 20 * 60, (n, 1))
    wake = rng.integers(5 * 60 + 30, 7 * 60 + 30, (n, 1))
    bed = rng.integers(22 * 60, 24 * 60, (n, 1))
    return (minute < leave) | (minute >= back), (minute < wake) | (minute >= bed)


@dataclass
class Run:
    """Several days of a fleet, with the truth including episodes still open."""

    profiles: DeviceProfiles
    days: list[HardwareDay]
    events: list[TruthEvent]

    def of(self, kind: str) -> list[TruthEvent]:
        return [e for e in self.events if e.kind == kind]

    @property
    def wearer_days(self) -> int:
        return self.profiles.habit.size * len(self.days)


def _run(n: int, days: int, seed: int = 0, rates: HardwareRates | None = None) -> Run:
    rng = np.random.default_rng(seed)
    profiles = draw_devices(n, rng, rates)
    state = initial_state(profiles, rng)
    at_home, asleep = _routine(n, rng)
    hardware, events = [], []
    for d in range(days):
        day_ms = FIRST_DAY_MS + d * DAY_MS
        day, truth = simulate_hardware(
            profiles, state, at_home, asleep, day_ms, rng, rates
        )
        hardware.append(day)
        events += truth
    events += close_open_events(state, FIRST_DAY_MS + days * DAY_MS)
    return Run(profiles, hardware, events)


def _covered(events: list[TruthEvent], n: int, day: int) -> np.ndarray:
    """Return (n, MINUTES) True where some event of the list goes on during ``day``."""
    wearer = np.array([e.wearers[0] for e in events], np.int64)
    start_ms = np.array([e.start_ms for e in events], np.int64)
    end_ms = np.array([e.end_ms for e in events], np.int64)
    day_ms = FIRST_DAY_MS + day * DAY_MS
    first = np.clip(start_ms - day_ms, 0, DAY_MS) // MINUTE_MS
    end = np.clip(end_ms - day_ms, 0, DAY_MS) // MINUTE_MS
    width = MINUTES + 1
    edges = np.bincount(wearer * width + first, minlength=n * width)
    edges -= np.bincount(wearer * width + end, minlength=n * width)
    return np.cumsum(edges.reshape(n, width)[:, :MINUTES], axis=1) > 0


@pytest.fixture(scope="module")
def month() -> Run:
    """2,000 bracelets for 30 days, state carried from day to day."""
    return _run(2000, 30)


def test_same_seed_gives_identical_days() -> None:
    first, second = _run(100, 2, seed=5), _run(100, 2, seed=5)
    for a, b in zip(first.days, second.days, strict=True):
        for name in HardwareDay.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert first.events == second.events


def test_battery_stays_between_empty_and_full(month: Run) -> None:
    for day in month.days:
        assert day.battery_pct.min() >= 0.0
        assert day.battery_pct.max() <= 100.0


def test_a_bracelet_is_unpowered_exactly_when_its_battery_is_dead(month: Run) -> None:
    for day in month.days:
        dead = (day.battery_pct <= 0.0) & ~day.charging
        np.testing.assert_array_equal(dead, ~day.powered)


def test_battery_dead_truth_covers_exactly_the_unpowered_minutes(month: Run) -> None:
    dead = month.of("battery_dead")
    for d, day in enumerate(month.days):
        np.testing.assert_array_equal(
            _covered(dead, day.powered.shape[0], d), ~day.powered
        )


def test_battery_deaths_per_wearer_month_are_within_documented_range(
    month: Run,
) -> None:
    deaths = len(month.of("battery_dead")) / month.wearer_days * 30
    low, high = BATTERY_DEATHS_PER_WEARER_MONTH_RANGE
    assert low <= deaths <= high


def test_forgetful_chargers_die_more_often_than_nightly_ones(month: Run) -> None:
    deaths = np.bincount(
        [e.wearers[0] for e in month.of("battery_dead")],
        minlength=month.profiles.habit.size,
    )
    habit = month.profiles.habit
    nightly = deaths[habit == ChargingHabit.NIGHTLY].mean()
    forgetful = deaths[habit == ChargingHabit.FORGETFUL].mean()
    assert forgetful > 5 * nightly


def test_a_full_battery_lasts_one_to_two_days_at_a_fix_a_minute() -> None:
    rng = np.random.default_rng(0)
    profiles = draw_devices(200, rng)
    state = initial_state(profiles, rng)
    state.battery_pct[:] = 100.0
    away = np.zeros((200, MINUTES), bool)
    dead_at = np.full(200, -1)
    for d in range(3):
        day, _ = simulate_hardware(profiles, state, away, away, d * DAY_MS, rng)
        first_dead = np.argmax(~day.powered, axis=1) + d * MINUTES
        dead_at = np.where(
            (dead_at < 0) & (~day.powered).any(axis=1), first_dead, dead_at
        )
    hours = dead_at / 60
    assert (dead_at > 0).all()
    assert 24 <= np.median(hours) <= 48


def test_faster_reporting_drains_the_battery_faster() -> None:
    def end_of_day_pct(fixes_per_hour: float) -> float:
        rng = np.random.default_rng(0)
        profiles = draw_devices(100, rng)
        state = initial_state(profiles, rng)
        state.battery_pct[:] = 100.0
        away = np.zeros((100, MINUTES), bool)
        rate = np.full((100, MINUTES), fixes_per_hour, np.float32)
        day, _ = simulate_hardware(
            profiles, state, away, away, 0, rng, fixes_per_hour=rate
        )
        return float(day.battery_pct[:, 12 * 60].mean())

    assert end_of_day_pct(120.0) < end_of_day_pct(60.0) < end_of_day_pct(6.0)


def test_connectivity_gap_truth_covers_exactly_the_powered_offline_minutes(
    month: Run,
) -> None:
    gaps = month.of("connectivity_gap")
    offline_minutes = 0
    for d, day in enumerate(month.days):
        offline = day.powered & ~day.online
        np.testing.assert_array_equal(_covered(gaps, offline.shape[0], d), offline)
        offline_minutes += int(offline.sum())
    assert sum(e.detail["minutes"] for e in gaps) == offline_minutes


def test_share_of_powered_minutes_offline_is_within_documented_range(
    month: Run,
) -> None:
    powered = sum(int(day.powered.sum()) for day in month.days)
    offline = sum(int((day.powered & ~day.online).sum()) for day in month.days)
    low, high = OFFLINE_SHARE_RANGE
    assert low <= offline / powered <= high


def test_long_outages_of_hours_happen(month: Run) -> None:
    longest = max(e.detail["minutes"] for e in month.of("connectivity_gap"))
    assert longest >= 4 * 60


def test_tamper_episodes_per_1000_wearer_days_are_within_documented_range(
    month: Run,
) -> None:
    tamper = month.of("tamper")
    rate = len(tamper) / month.wearer_days * 1000
    low, high = TAMPER_EPISODES_PER_1000_WEARER_DAYS_RANGE
    assert low <= rate <= high
    assert {e.detail["kind"] for e in tamper} <= set(get_args(TamperKind))


def test_strap_open_matches_strap_and_skin_tamper_truth(month: Run) -> None:
    strap = [
        e
        for e in month.of("tamper")
        if e.detail["kind"] in ("strap_opened", "strap_cut", "skin_contact_lost")
    ]
    for d, day in enumerate(month.days):
        covered = _covered(strap, day.strap_open.shape[0], d)
        np.testing.assert_array_equal(covered, day.strap_open)


def test_tamper_records_are_reported_only_while_powered_and_clear_after_onset(
    month: Run,
) -> None:
    for day in month.days:
        for wearer, minute, kind, _ in day.tamper:
            assert kind in get_args(TamperKind)
            assert day.powered[wearer, minute]
    onsets = sum(not cleared for day in month.days for *_, cleared in day.tamper)
    clears = sum(cleared for day in month.days for *_, cleared in day.tamper)
    assert 0.8 * onsets <= clears <= onsets


def test_sos_rate_and_accidental_share_are_within_documented_ranges(
    month: Run,
) -> None:
    sos = month.of("sos")
    low, high = SOS_PER_1000_WEARER_DAYS_RANGE
    assert low <= len(sos) / month.wearer_days * 1000 <= high
    low, high = ACCIDENTAL_SOS_SHARE_RANGE
    assert low <= np.mean([e.detail["accidental"] for e in sos]) <= high


def test_every_press_is_registered_by_a_powered_bracelet(month: Run) -> None:
    sos_presses = 0
    for day in month.days:
        for wearer, minute, event in day.buttons:
            assert event in get_args(EventKind)
            assert day.powered[wearer, minute]
            sos_presses += event == "sos"
    assert sos_presses == len(month.of("sos"))


def test_clock_stays_close_while_online_and_drifts_while_offline() -> None:
    offline = HardwareRates(
        outages_per_day=20.0, outage_median_min=MINUTES, outage_max_min=MINUTES
    )
    rng = np.random.default_rng(0)
    profiles = draw_devices(300, rng)
    online_state, offline_state = (
        initial_state(profiles, rng),
        initial_state(profiles, rng),
    )
    home = np.ones((300, MINUTES), bool)
    drift_ms_per_day = profiles.clock_drift_ppm * 1e-6 * DAY_MS
    for d in range(4):
        synced, _ = simulate_hardware(
            profiles, online_state, home, ~home, d * DAY_MS, rng
        )
        adrift, _ = simulate_hardware(
            profiles, offline_state, home, ~home, d * DAY_MS, rng, offline
        )
    assert np.abs(synced.clock_offset_ms).max() < 300
    # Off the network since early on the first day: free for 3 to 3.5 days.
    free_days = adrift.clock_offset_ms / drift_ms_per_day
    clear = np.abs(drift_ms_per_day) > 1000  # well above the sync residual
    assert ((free_days[clear] > 2.7) & (free_days[clear] < 3.7)).all()
    assert np.abs(adrift.clock_offset_ms).max() > 5_000


def test_firmware_is_mostly_current(month: Run) -> None:
    versions = month.profiles.firmware
    current = HardwareRates().firmware[0]
    assert versions.count(current) / len(versions) > 0.75
    assert all(len(v) <= 32 for v in versions)
