"""The GNSS, Wi-Fi and cell error model behind simulated fixes."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import pytest

from vigil.protocol.records import Fix
from vigil.simulate.clock import MINUTES
from vigil.simulate.gnss import (
    ACCURACY_WORSE_THAN_50M_SHARE_RANGE,
    NO_FIX_SHARE_RANGE,
    OPEN_SKY_WITHIN_10M_MIN_SHARE,
    OUTLIER_ERROR_M,
    OUTLIER_UNDERSTATED_SHARE_RANGE,
    FixesDay,
    FixSource,
    observe_fixes,
)

HANOI = (21.0285, 105.8542)
Inputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _inputs(indoor: np.ndarray, density: np.ndarray) -> Inputs:
    """Return wearers standing still in Hanoi, indoors and in streets as given."""
    n = indoor.shape[0]
    lat = np.full((n, MINUTES), HANOI[0]) + np.linspace(0, 0.05, n)[:, None]
    lon = np.full((n, MINUTES), HANOI[1])
    speed = np.where(indoor, 0.0, 1.4).astype(np.float32)
    return lat, lon, indoor, speed, density.astype(np.float32)


def _mix(n: int, seed: int = 0) -> Inputs:
    """Return the reference mix: 30 % of hours indoors, density uniform on 0..1."""
    rng = np.random.default_rng(seed)
    indoor = np.repeat(rng.random((n, 24)) < 0.3, 60, axis=1)
    density = np.repeat(rng.random((n, 24)), 60, axis=1)
    return _inputs(indoor, density)


def _outdoors(n: int, density: float) -> Inputs:
    """Return wearers outdoors all day at one urban density."""
    return _inputs(np.zeros((n, MINUTES), bool), np.full((n, MINUTES), density))


def _observe(inputs: Inputs, seed: int = 1) -> FixesDay:
    return observe_fixes(*inputs, np.random.default_rng(seed))


def _error_m(day: FixesDay, inputs: Inputs) -> np.ndarray:
    """Return the distance from truth to each reported fix, metres."""
    lat, lon = inputs[0], inputs[1]
    north = (day.lat - lat) * 110_740.0
    east = (day.lon - lon) * 111_320.0 * math.cos(math.radians(HANOI[0]))
    return np.asarray(np.hypot(north, east))


@pytest.fixture(scope="module")
def mix() -> tuple[Inputs, FixesDay]:
    """The reference mix for 1,500 wearers, observed once."""
    inputs = _mix(1500)
    return inputs, _observe(inputs)


def test_same_seed_gives_identical_fixes() -> None:
    inputs = _mix(50)
    first, second = _observe(inputs, seed=7), _observe(inputs, seed=7)
    for name in FixesDay.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


def test_share_of_fixes_worse_than_50m_is_within_documented_range(
    mix: tuple[Inputs, FixesDay],
) -> None:
    _, day = mix
    share = np.mean(day.accuracy_m[day.has_fix] > 50.0)
    low, high = ACCURACY_WORSE_THAN_50M_SHARE_RANGE
    assert low <= share <= high


def test_share_of_minutes_without_fix_is_within_documented_range(
    mix: tuple[Inputs, FixesDay],
) -> None:
    _, day = mix
    low, high = NO_FIX_SHARE_RANGE
    assert low <= 1.0 - day.has_fix.mean() <= high


def test_open_sky_error_68th_percentile_matches_reported_accuracy() -> None:
    inputs = _outdoors(300, density=0.0)
    day = _observe(inputs)
    ratio = _error_m(day, inputs) / day.accuracy_m
    assert day.has_fix.all()
    assert 0.9 <= np.percentile(ratio, 68) <= 1.1


def test_open_sky_meets_the_nij_ten_metre_requirement() -> None:
    inputs = _outdoors(300, density=0.0)
    error_m = _error_m(_observe(inputs), inputs)
    assert np.mean(error_m <= 10.0) >= OPEN_SKY_WITHIN_10M_MIN_SHARE


def test_canyon_outliers_are_far_more_common_in_dense_streets() -> None:
    canyon, open_sky = _outdoors(300, 1.0), _outdoors(300, 0.0)
    in_canyon = _error_m(_observe(canyon), canyon) > OUTLIER_ERROR_M
    in_open = _error_m(_observe(open_sky), open_sky) > OUTLIER_ERROR_M
    assert np.nanmean(in_canyon) > 0.05
    assert np.nanmean(in_canyon) > 10 * np.nanmean(in_open)
    assert np.nanmax(_error_m(_observe(canyon), canyon)) > 200.0


def test_canyon_outliers_persist_for_minutes() -> None:
    canyon = _outdoors(300, 1.0)
    outlier = _error_m(_observe(canyon), canyon) > OUTLIER_ERROR_M
    both = outlier[:, 1:] & outlier[:, :-1]
    next_given_now = both.sum() / outlier[:, :-1].sum()
    assert next_given_now > 0.5  # against a base rate of under 0.2


def test_most_outliers_report_an_accuracy_that_understates_them(
    mix: tuple[Inputs, FixesDay],
) -> None:
    inputs, day = mix
    error_m = _error_m(day, inputs)
    outlier = (day.source == FixSource.GNSS) & (error_m > OUTLIER_ERROR_M)
    understated = np.mean(day.accuracy_m[outlier] < error_m[outlier])
    low, high = OUTLIER_UNDERSTATED_SHARE_RANGE
    assert low <= understated <= high


def test_gnss_error_walks_rather_than_jumps() -> None:
    inputs = _outdoors(200, density=0.0)
    day = _observe(inputs)
    north = day.lat - inputs[0]
    lag_one = np.corrcoef(north[:, 1:].ravel(), north[:, :-1].ravel())[0, 1]
    assert lag_one > 0.7


def test_no_fallback_under_open_sky() -> None:
    day = _observe(_outdoors(200, density=0.0))
    assert (day.source[day.has_fix] == FixSource.GNSS).all()


def test_fallbacks_come_only_indoors_or_where_the_sky_is_hidden(
    mix: tuple[Inputs, FixesDay],
) -> None:
    inputs, day = mix
    indoor, density = inputs[2], inputs[4]
    fallback = day.has_fix & (day.source != FixSource.GNSS)
    # Outdoors without sky means a built-up street or just out of a long stay.
    just_out = np.zeros_like(indoor)
    for lag in range(1, 6):
        just_out[:, lag:] |= indoor[:, :-lag]
    assert (indoor | (density > 0) | just_out)[fallback].all()
    assert fallback[indoor].mean() > 0.5


def test_indoors_has_mostly_no_gnss_fix(mix: tuple[Inputs, FixesDay]) -> None:
    inputs, day = mix
    indoor = inputs[2]
    assert np.mean(day.source[indoor & day.has_fix] == FixSource.GNSS) < 0.15
    assert 0.05 < np.mean(~day.has_fix[indoor]) < 0.3


def test_fallback_errors_are_consistent_with_their_accuracy(
    mix: tuple[Inputs, FixesDay],
) -> None:
    inputs, day = mix
    error_m = _error_m(day, inputs)
    for source, (low, high) in (
        (FixSource.WIFI, (30, 150)),
        (FixSource.CELL, (300, 1000)),
    ):
        fix = day.has_fix & (day.source == source)
        assert low <= day.accuracy_m[fix].min() <= day.accuracy_m[fix].max() <= high
        assert 0.6 <= np.mean(error_m[fix] <= day.accuracy_m[fix]) <= 0.76


def test_fallback_fixes_report_no_speed_nor_satellites(
    mix: tuple[Inputs, FixesDay],
) -> None:
    _, day = mix
    fallback = day.has_fix & (day.source != FixSource.GNSS)
    gnss = day.has_fix & (day.source == FixSource.GNSS)
    assert np.isnan(day.speed_mps[fallback]).all()
    assert (day.satellites[fallback] == -1).all()
    assert not np.isnan(day.speed_mps[gnss]).any()
    assert (day.satellites[gnss] >= 4).all()


def test_first_minutes_out_after_a_long_stay_indoors_lack_a_good_fix() -> None:
    n, out_at = 600, 600
    long_stay = np.zeros((n, MINUTES), bool)
    long_stay[:, :out_at] = True
    short_stay = np.zeros((n, MINUTES), bool)
    short_stay[:, out_at - 10 : out_at] = True
    density = np.full((n, MINUTES), 0.5)
    cold = _observe(_inputs(long_stay, density))
    warm = _observe(_inputs(short_stay, density))
    first = slice(out_at, out_at + 3)
    gnss = (cold.source == FixSource.GNSS) & cold.has_fix
    assert gnss[:, first].mean() < 0.9 * warm.has_fix[:, first].mean()
    cold_acc = np.nanmedian(np.where(gnss, cold.accuracy_m, np.nan)[:, first])
    assert cold_acc > 1.5 * np.nanmedian(warm.accuracy_m[:, first])


def test_every_fix_fits_the_protocol(mix: tuple[Inputs, FixesDay]) -> None:
    _, day = mix
    rows, minutes = np.nonzero(day.has_fix[:40])
    for row, minute in zip(rows.tolist(), minutes.tolist(), strict=True):
        speed = float(day.speed_mps[row, minute])
        satellites = int(day.satellites[row, minute])
        msgspec.convert(
            {
                "t_ms": 1_767_225_600_000 + minute * 60_000,
                "lat": float(day.lat[row, minute]),
                "lon": float(day.lon[row, minute]),
                "accuracy_m": float(day.accuracy_m[row, minute]),
                "source": FixSource(day.source[row, minute]).name.lower(),
                "speed_mps": None if math.isnan(speed) else speed,
                "satellites": None if satellites < 0 else satellites,
            },
            Fix,
        )
