"""The simulated body: ranges, realism against each wearer's own baseline, truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cache

import msgspec
import numpy as np
import pytest

from vigil.protocol import Vitals
from vigil.simulate.clock import MINUTE_MS, MINUTES, Activity, day_start_ms
from vigil.simulate.physiology import (
    RATE_RANGES_PER_WEARER_DAY,
    PhysioRates,
    VitalsDay,
    draw_profiles,
    simulate_vitals,
)
from vigil.simulate.truth import PHYSIOLOGY_KINDS, TruthEvent

N = 2000
DAYS = 3
FIRST_DAY = date(2026, 7, 1)
RATED_KINDS = ("stress", "anxiety", "caffeine", "stimulant", "opioid", "poor_contact")


@dataclass(frozen=True)
class Day:
    activity: np.ndarray
    vitals: VitalsDay
    events: list[TruthEvent]
    start_ms: int

    def of_kind(self, kind: str) -> list[TruthEvent]:
        return [e for e in self.events if e.kind == kind]

    def minutes(self, event: TruthEvent) -> tuple[int, slice]:
        first = (event.start_ms - self.start_ms) // MINUTE_MS
        last = (event.end_ms - self.start_ms) // MINUTE_MS
        return event.wearers[0], slice(first, last)


def activity_day(n: int, rng: np.random.Generator) -> np.ndarray:
    """Asleep at night, two motorbike commutes, a walk at lunch, some evening sport."""
    minute = np.arange(MINUTES)[None, :]
    wake = rng.integers(5 * 60, 7 * 60 + 30, (n, 1))
    bed = rng.integers(22 * 60, 23 * 60 + 45, (n, 1))
    activity = np.full((n, MINUTES), Activity.REST, np.uint8)
    activity[(minute < wake) | (minute >= bed)] = Activity.SLEEP
    activity[:, 7 * 60 + 30 : 7 * 60 + 55] = Activity.RIDE
    activity[:, 17 * 60 : 17 * 60 + 25] = Activity.RIDE
    activity[:, 12 * 60 : 12 * 60 + 20] = Activity.WALK
    sporty = rng.random(n) < 0.3
    activity[sporty, 18 * 60 : 19 * 60] = Activity.EXERCISE
    return activity


def simulate(
    n: int,
    seed: int,
    day: int = 0,
    rates: PhysioRates | None = None,
    ambient_c: float = 30.0,
) -> Day:
    profiles = draw_profiles(n, np.random.default_rng([seed, 0]), rates)
    rng = np.random.default_rng([seed, 1, day])
    activity = activity_day(n, rng)
    start_ms = day_start_ms(date.fromordinal(FIRST_DAY.toordinal() + day))
    vitals, events = simulate_vitals(
        profiles, activity, start_ms, rng, rates, ambient_c
    )
    return Day(activity, vitals, events, start_ms)


@cache
def fleet() -> tuple[Day, ...]:
    """Three days of 2,000 wearers at the default rates."""
    return tuple(simulate(N, seed=11, day=day) for day in range(DAYS))


@cache
def emergencies() -> Day:
    """A day on which overdoses are a hundred times commoner than by default."""
    rates = PhysioRates(overdose_per_wearer_day=0.025)
    return simulate(1000, seed=12, rates=rates)


def test_same_seed_gives_identical_vitals_and_truth() -> None:
    a, b = simulate(200, seed=3), simulate(200, seed=3)
    for f in fields(VitalsDay):
        assert np.array_equal(getattr(a.vitals, f.name), getattr(b.vitals, f.name))
    assert a.events == b.events


def test_different_seed_gives_different_vitals() -> None:
    a, b = simulate(200, seed=3), simulate(200, seed=4)
    assert not np.array_equal(a.vitals.heart_rate_bpm, b.vitals.heart_rate_bpm)


def test_arrays_have_the_promised_shape_and_types() -> None:
    vitals = fleet()[0].vitals
    for f in fields(VitalsDay):
        assert getattr(vitals, f.name).shape == (N, MINUTES)
    assert vitals.heart_rate_bpm.dtype == np.float32
    assert vitals.steps.dtype == np.int32
    assert vitals.skin_contact.dtype == np.bool_


def test_every_reading_is_inside_the_protocol_vitals_ranges() -> None:
    for day in (*fleet(), emergencies()):
        vitals = day.vitals
        # The most extreme minute of every signal, and a thousand at random.
        rng = np.random.default_rng(0)
        rows = rng.integers(0, vitals.steps.shape[0], 1000).tolist()
        cols = rng.integers(0, MINUTES, 1000).tolist()
        for f in fields(VitalsDay):
            grid = getattr(vitals, f.name)
            for pick in (np.argmax, np.argmin):
                row, col = np.unravel_index(pick(grid), grid.shape)
                rows.append(int(row))
                cols.append(int(col))
        for row, col in zip(rows, cols, strict=True):
            msgspec.convert(_record(vitals, row, col, day.start_ms), Vitals)


def _record(vitals: VitalsDay, row: int, col: int, start_ms: int) -> dict[str, object]:
    record: dict[str, object] = {"kind": "vitals", "t_ms": start_ms + MINUTE_MS * col}
    for f in fields(VitalsDay):
        if f.name != "collapsed":
            record[f.name] = getattr(vitals, f.name)[row, col].item()
    return record


def test_no_reading_is_missing() -> None:
    vitals = emergencies().vitals
    for f in fields(VitalsDay):
        grid = getattr(vitals, f.name)
        if grid.dtype == np.float32:
            assert np.isfinite(grid).all(), f.name


def test_profiles_stay_in_their_documented_ranges() -> None:
    profiles = draw_profiles(20_000, np.random.default_rng(1))
    assert 52 <= profiles.resting_hr_bpm.min() < profiles.resting_hr_bpm.max() <= 88
    assert 15 <= profiles.hrv_rmssd_ms.min() < profiles.hrv_rmssd_ms.max() <= 110
    assert 95 <= profiles.spo2_pct.min() < profiles.spo2_pct.max() <= 99.5
    assert 11 <= profiles.resp_rate_bpm.min() < profiles.resp_rate_bpm.max() <= 20
    # Propensities average 1 over the fleet, so rates mean what they say.
    for name in ("stress", "stimulant", "opioid", "caffeine", "anxiety"):
        mean = getattr(profiles, f"{name}_propensity").mean()
        assert mean == pytest.approx(1.0, abs=0.1), name


def test_asleep_at_night_the_pulse_is_lower_than_resting_by_day() -> None:
    day = fleet()[0]
    hr = day.vitals.heart_rate_bpm
    asleep = _mean_where(hr, day.activity == Activity.SLEEP)
    resting = _mean_where(hr, day.activity == Activity.REST)
    assert (asleep < resting).mean() > 0.95
    assert np.median(resting - asleep) > 6


def test_sleep_brings_higher_hrv_warmer_skin_and_slower_breathing() -> None:
    day = fleet()[0]
    asleep, resting = day.activity == Activity.SLEEP, day.activity == Activity.REST
    v = day.vitals
    assert np.median(v.hrv_rmssd_ms[asleep]) > 1.2 * np.median(v.hrv_rmssd_ms[resting])
    assert v.skin_temp_c[asleep].mean() > v.skin_temp_c[resting].mean() + 0.5
    assert v.resp_rate_bpm[asleep].mean() < v.resp_rate_bpm[resting].mean() - 1


def test_exercise_raises_pulse_breathing_and_movement_far_above_rest() -> None:
    day = fleet()[0]
    sporty = (day.activity == Activity.EXERCISE).any(axis=1)
    exercising = day.activity[sporty] == Activity.EXERCISE
    resting = day.activity[sporty] == Activity.REST
    v = day.vitals
    for grid, rise in ((v.heart_rate_bpm, 50), (v.resp_rate_bpm, 8)):
        lift = _mean_where(grid[sporty], exercising) - _mean_where(
            grid[sporty], resting
        )
        assert np.median(lift) > rise
    assert v.activity_g[sporty][exercising].mean() > 0.4


def test_walking_takes_90_to_120_steps_a_minute_on_average() -> None:
    day = fleet()[0]
    walking = day.activity == Activity.WALK
    assert 90 <= day.vitals.steps[walking].mean() <= 120
    assert day.vitals.steps[day.activity == Activity.SLEEP].max() == 0


def test_riding_a_motorbike_is_sitting_still_with_some_vibration() -> None:
    day = fleet()[0]
    v, activity = day.vitals, day.activity
    riding, resting = activity == Activity.RIDE, activity == Activity.REST
    assert v.steps[riding].max() == 0
    assert v.activity_g[resting].mean() < v.activity_g[riding].mean() < 0.15


def test_stimulant_raises_pulse_and_skin_temperature_against_the_wearers_own_rest() -> (
    None
):
    hr_lift, temp_lift = _lift_at_rest("stimulant", "heart_rate_bpm", "skin_temp_c")
    assert len(hr_lift) >= 100
    assert np.median(hr_lift) > 10
    assert np.median(temp_lift) > 0.2


def test_stimulant_keeps_the_pulse_up_at_night() -> None:
    lifts = []
    for day in fleet():
        for event in day.of_kind("stimulant"):
            wearer, span = day.minutes(event)
            inside = np.zeros(MINUTES, bool)
            inside[span] = True
            asleep = day.activity[wearer] == Activity.SLEEP
            if (asleep & inside).sum() >= 30 and (asleep & ~inside).sum() >= 30:
                hr = day.vitals.heart_rate_bpm[wearer]
                lifts.append(hr[asleep & inside].mean() - hr[asleep & ~inside].mean())
    assert len(lifts) >= 20
    assert np.median(lifts) > 10


def test_opioid_slows_breathing_and_lowers_spo2_and_pulse() -> None:
    resp, spo2, hr = _lift_at_rest(
        "opioid", "resp_rate_bpm", "spo2_pct", "heart_rate_bpm"
    )
    assert len(resp) >= 40
    assert np.median(resp) < -1
    assert np.median(spo2) < -0.5
    assert np.median(hr) < 0


def test_stress_raises_pulse_and_skin_conductance_and_lowers_hrv() -> None:
    hr, scl, rmssd = _lift_at_rest(
        "stress", "heart_rate_bpm", "scl_us", "hrv_rmssd_ms", wide=False
    )
    assert np.median(hr) > 3
    assert np.median(scl) > 0
    assert np.median(rmssd) < 0


def test_stress_events_carry_a_level_of_one_to_three() -> None:
    levels = Counter(e.detail["level"] for e in fleet()[0].of_kind("stress"))
    assert set(levels) == {1, 2, 3}
    assert levels[1] > levels[2] > levels[3]


def test_opioid_overdose_minutes_have_slow_breathing_low_spo2_and_collapse() -> None:
    day = emergencies()
    overdoses = [e for e in day.of_kind("overdose") if e.detail["type"] == "opioid"]
    assert len(overdoses) >= 5
    v = day.vitals
    for event in overdoses:
        wearer, span = day.minutes(event)
        assert (v.resp_rate_bpm[wearer, span] < 8).all()
        assert (v.spo2_pct[wearer, span] < 90).all()
        assert v.collapsed[wearer, span].all()
        assert (v.steps[wearer, span] == 0).all()
        assert (v.activity_g[wearer, span] < 0.01).all()


def test_stimulant_overdose_minutes_have_extreme_pulse_and_collapse() -> None:
    day = emergencies()
    overdoses = [e for e in day.of_kind("overdose") if e.detail["type"] == "stimulant"]
    assert overdoses
    for event in overdoses:
        wearer, span = day.minutes(event)
        assert (day.vitals.heart_rate_bpm[wearer, span] > 140).all()
        assert day.vitals.collapsed[wearer, span].all()


def test_collapse_happens_only_during_an_overdose() -> None:
    day = emergencies()
    expected = np.zeros_like(day.vitals.collapsed)
    for event in day.of_kind("overdose"):
        wearer, span = day.minutes(event)
        expected[wearer, span] = True
    assert np.array_equal(day.vitals.collapsed, expected)


def test_an_overdose_follows_drug_use() -> None:
    day = emergencies()
    for event in day.of_kind("overdose"):
        kind = event.detail["type"]
        lead_ins = [
            e
            for e in day.of_kind(kind)
            if e.wearers == event.wearers and e.end_ms == event.start_ms
        ]
        assert lead_ins or event.start_ms == day.start_ms
        assert all(e.detail["led_to_overdose"] for e in lead_ins)


@pytest.mark.parametrize("kind", RATED_KINDS)
def test_event_rates_per_wearer_day_fall_in_the_documented_ranges(kind: str) -> None:
    count = sum(len(day.of_kind(kind)) for day in fleet())
    low, high = RATE_RANGES_PER_WEARER_DAY[kind]
    assert low <= count / (N * DAYS) <= high


def test_every_default_rate_lies_in_its_documented_range() -> None:
    rates = PhysioRates()
    for kind, (low, high) in RATE_RANGES_PER_WEARER_DAY.items():
        assert low <= getattr(rates, f"{kind}_per_wearer_day") <= high, kind


def test_overdoses_come_at_the_configured_rate() -> None:
    day = emergencies()
    expected = 0.025 * 1000
    # Poisson counts: four standard deviations either side.
    assert abs(len(day.of_kind("overdose")) - expected) < 4 * expected**0.5


def test_no_overdose_at_a_zero_rate() -> None:
    day = simulate(300, seed=5, rates=PhysioRates(overdose_per_wearer_day=0.0))
    assert not day.of_kind("overdose")
    assert not day.vitals.collapsed.any()


def test_each_stretch_of_exercise_minutes_is_one_exercise_event() -> None:
    day = fleet()[0]
    exercising = day.activity == Activity.EXERCISE
    events = day.of_kind("exercise")
    assert len(events) == exercising.any(axis=1).sum()
    for event in events:
        wearer, span = day.minutes(event)
        assert exercising[wearer, span].all()
        assert not exercising[wearer, span.start - 1]
        assert not exercising[wearer, span.stop]


def test_a_hot_day_raises_pulse_and_skin_temperature_and_is_in_the_truth() -> None:
    mild = simulate(300, seed=6, ambient_c=26.0)
    hot = simulate(300, seed=6, ambient_c=37.0)
    afternoon = slice(13 * 60, 16 * 60)
    for name, rise in (("heart_rate_bpm", 3.0), ("skin_temp_c", 1.0)):
        lift = (
            getattr(hot.vitals, name)[:, afternoon].mean()
            - getattr(mild.vitals, name)[:, afternoon].mean()
        )
        assert lift > rise, name
    heat = hot.of_kind("heat")
    assert sorted(e.wearers[0] for e in heat) == list(range(300))
    assert not mild.of_kind("heat")
    _, span = hot.minutes(heat[0])
    assert span.start < 14 * 60 < span.stop


def test_skin_contact_is_lost_only_inside_poor_contact_spells() -> None:
    day = fleet()[0]
    spell = np.zeros_like(day.vitals.skin_contact)
    for event in day.of_kind("poor_contact"):
        wearer, span = day.minutes(event)
        spell[wearer, span] = True
    lost = ~day.vitals.skin_contact
    assert lost.any()
    assert not (lost & ~spell).any()


def test_truth_events_are_one_wearer_whole_minutes_inside_the_day() -> None:
    for day in (fleet()[0], emergencies()):
        for event in day.events:
            assert event.kind in PHYSIOLOGY_KINDS
            assert len(event.wearers) == 1
            assert (event.start_ms - day.start_ms) % MINUTE_MS == 0
            assert (event.end_ms - day.start_ms) % MINUTE_MS == 0
            assert day.start_ms <= event.start_ms < event.end_ms
            assert event.end_ms <= day.start_ms + MINUTES * MINUTE_MS


def test_activity_of_the_wrong_shape_is_refused() -> None:
    profiles = draw_profiles(10, np.random.default_rng(0))
    activity = np.zeros((9, MINUTES), np.uint8)
    with pytest.raises(ValueError, match="activity must be"):
        simulate_vitals(profiles, activity, 0, np.random.default_rng(0))


def test_rates_scale_episodes_without_redrawing_profiles() -> None:
    doubled = replace(PhysioRates(), stress_per_wearer_day=3.0)
    base = len(simulate(500, seed=8).of_kind("stress"))
    more = len(simulate(500, seed=8, rates=doubled).of_kind("stress"))
    assert 1.7 < more / base < 2.3


def _mean_where(grid: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return each row's mean over its masked minutes (NaN where none)."""
    with np.errstate(invalid="ignore"):
        means: np.ndarray = np.where(mask, grid, 0.0).sum(axis=1) / mask.sum(axis=1)
    return means


def _lift_at_rest(
    kind: str, *signals: str, wide: bool = True
) -> tuple[np.ndarray, ...]:
    """Return, per episode, how far each signal sits above the wearer's own rest.

    Compares resting minutes inside the episode with resting minutes outside
    it on the same day; ``wide`` requires 30 minutes of each, else 5.
    """
    enough = 30 if wide else 5
    lifts: list[list[float]] = [[] for _ in signals]
    for day in fleet():
        resting = day.activity == Activity.REST
        for event in day.of_kind(kind):
            wearer, span = day.minutes(event)
            inside = np.zeros(MINUTES, bool)
            inside[span] = True
            during, outside = resting[wearer] & inside, resting[wearer] & ~inside
            if during.sum() < enough or outside.sum() < enough:
                continue
            for lift, name in zip(lifts, signals, strict=True):
                grid = getattr(day.vitals, name)[wearer]
                lift.append(float(grid[during].mean() - grid[outside].mean()))
    return tuple(np.asarray(lift) for lift in lifts)
