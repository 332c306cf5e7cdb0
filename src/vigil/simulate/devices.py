"""The bracelets handed out: their make, their wearers' habits, and what each
carries over midnight.

A bracelet senses five kinds of tamper; ``TAMPER_KINDS`` fixes their order in
every per-kind array, and ``CARRIED_EPISODES`` the columns of
``DeviceState.since_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

from vigil.simulate.clock import MINUTES

TAMPER_KINDS = (
    "strap_opened", "strap_cut", "case_opened",
    "skin_contact_lost", "shielding_suspected",
)  # fmt: skip
STRAP_OPENED, STRAP_CUT, CASE_OPENED, SKIN_CONTACT_LOST, SHIELDING_SUSPECTED = range(5)
# Episodes carried across midnight, one column each of ``DeviceState.since_ms``;
# a detail of None means the episode's length in minutes.
CARRIED_EPISODES: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("battery_dead", {}),
    ("connectivity_gap", None),
    *(("tamper", {"kind": kind}) for kind in TAMPER_KINDS),
)
FIRST_TAMPER_COLUMN = 2


class ChargingHabit(IntEnum):
    """How a wearer looks after the battery."""

    NIGHTLY = 0
    IRREGULAR = 1
    FORGETFUL = 2


@dataclass(frozen=True)
class HardwareRates:
    """Rates and sizes; a triple is indexed by ``ChargingHabit``, a quintuple by
    ``TAMPER_KINDS``. Per-day rates are fleet means per wearer-day."""

    # Power budget of a wrist GNSS tracker: ~300 mAh fits a bracelet case; a
    # duty-cycled assisted fix costs ~25 mA for ~9 s; sensors and MCU ~2.5 mA;
    # LTE-M in power-saving mode ~1.5 mA, twice that while it hunts for a network.
    # At a fix a minute that is ~7.6 mA: 39 h, inside the 24-48 h of real devices.
    capacity_mah: float = 300.0
    capacity_log_sd: float = 0.08  # cells and their ageing differ
    base_ma: float = 2.5
    radio_ma: float = 1.5
    searching_ma: float = 3.0
    fix_mah: float = 0.06
    charge_pct_per_min: float = 1.0  # empty to full in ~100 min, like the 2 h norm
    low_battery_pct: float = 20.0  # the bracelet buzzes
    reminder_pct: float = 40.0  # the wearer app nags while they are at home

    habit_shares: tuple[float, float, float] = (0.75, 0.18, 0.07)
    routine_charge_prob: tuple[float, float, float] = (0.95, 0.65, 0.4)
    low_battery_response_prob: tuple[float, float, float] = (0.95, 0.85, 0.6)
    # Once dead since an earlier day the officer calls, so more of them plug in.
    dead_recharge_prob: tuple[float, float, float] = (0.95, 0.85, 0.6)
    evening_charger_share: float = 0.85  # the others charge on waking
    evening_charge_min: int = 21 * 60
    morning_charge_min: int = 6 * 60
    charge_time_sd_min: float = 60.0  # between wearers
    charge_jitter_sd_min: float = 30.0  # between days
    response_median_min: float = 30.0
    session_median_min: float = 110.0
    session_log_sd: float = 0.35

    # Connectivity: short losses (lifts, basements, cell edges) and rare outages.
    short_gaps_per_day: float = 3.0
    short_gap_median_min: float = 3.0
    short_gap_max_min: int = 30
    outages_per_day: float = 0.04
    outage_median_min: float = 150.0
    outage_max_min: int = 720
    coverage_log_sd: float = 0.5  # some homes sit at a cell edge

    # Tamper, by kind: episodes per wearer-day, median minutes, log sd.
    tamper_per_day: tuple[float, ...] = (0.003, 0.0001, 0.00005, 0.05, 0.002)
    tamper_median_min: tuple[float, ...] = (15.0, 2880.0, 10.0, 4.0, 45.0)
    tamper_log_sd: tuple[float, ...] = (0.8, 0.5, 0.6, 0.9, 0.7)
    shielding_detect_min: int = 5  # both radios silent while the wearer moves
    tamper_propensity_shape: float = 0.5  # gamma: a few wearers do most of it

    true_sos_per_day: float = 0.0005
    accidental_sos_per_day: float = 0.01
    button_per_day: float = 0.3
    clock_drift_sd_ppm: float = 20.0  # a tuning-fork crystal, ±20 ppm class
    sync_residual_sd_ms: float = 50.0  # half the round trip, unknown
    clock_drift_truth_ms: int = 1000
    firmware: tuple[str, ...] = ("2.4.1", "2.3.7", "2.2.0")
    firmware_shares: tuple[float, ...] = (0.85, 0.12, 0.03)


@dataclass(frozen=True)
class DeviceProfiles:
    """What each bracelet and its wearer are like, arrays of length N."""

    habit: np.ndarray  # uint8 ChargingHabit
    charge_minute: np.ndarray  # int16, when a routine charge usually starts
    capacity_mah: np.ndarray  # float32
    clock_drift_ppm: np.ndarray  # float32, + runs fast
    tamper_propensity: np.ndarray  # float32, mean 1
    sos_propensity: np.ndarray  # float32, mean 1
    coverage_factor: np.ndarray  # float32, multiplies gap rates, mean 1
    firmware: tuple[str, ...]


@dataclass
class DeviceState:
    """What carries over midnight; ``*_since_ms`` is -1 when nothing is open."""

    battery_pct: np.ndarray  # (N,) float64
    clock_offset_ms: np.ndarray  # (N,) float64, device clock minus true time
    charge_left_min: np.ndarray  # (N,) int32, a charge still plugged in
    outage_left_min: np.ndarray  # (N,) int32
    tamper_left_min: np.ndarray  # (N, 5) int32, by TAMPER_KINDS
    since_ms: np.ndarray  # (N, 7) int64, start of an open episode by CARRIED_EPISODES


def draw_devices(
    n: int, rng: np.random.Generator, rates: HardwareRates | None = None
) -> DeviceProfiles:
    """Draw ``n`` bracelets and their wearers' charging habits."""
    r = rates or HardwareRates()
    evening = rng.random(n) < r.evening_charger_share
    usual_min = np.where(evening, r.evening_charge_min, r.morning_charge_min)
    charge_minute = usual_min + rng.normal(0.0, r.charge_time_sd_min, n)
    shape = r.tamper_propensity_shape
    return DeviceProfiles(
        habit=rng.choice(3, n, p=r.habit_shares).astype(np.uint8),
        charge_minute=np.clip(charge_minute, 0, MINUTES - 1).astype(np.int16),
        capacity_mah=(r.capacity_mah * rng.lognormal(0, r.capacity_log_sd, n)).astype(
            np.float32
        ),
        clock_drift_ppm=rng.normal(0.0, r.clock_drift_sd_ppm, n).astype(np.float32),
        tamper_propensity=rng.gamma(shape, 1 / shape, n).astype(np.float32),
        sos_propensity=rng.gamma(1.0, 1.0, n).astype(np.float32),
        coverage_factor=_mean_one_lognormal(rng, r.coverage_log_sd, n),
        firmware=tuple(rng.choice(r.firmware, n, p=r.firmware_shares).tolist()),
    )


def initial_state(profiles: DeviceProfiles, rng: np.random.Generator) -> DeviceState:
    """Return bracelets as handed out: charged, synced, nothing open."""
    n = profiles.habit.size
    return DeviceState(
        battery_pct=rng.uniform(60.0, 100.0, n),
        clock_offset_ms=rng.normal(0.0, 50.0, n),
        charge_left_min=np.zeros(n, np.int32),
        outage_left_min=np.zeros(n, np.int32),
        tamper_left_min=np.zeros((n, len(TAMPER_KINDS)), np.int32),
        since_ms=np.full((n, len(CARRIED_EPISODES)), -1, np.int64),
    )


def _mean_one_lognormal(rng: np.random.Generator, log_sd: float, n: int) -> np.ndarray:
    """Return ``n`` lognormal factors with mean one."""
    return rng.lognormal(-0.5 * log_sd * log_sd, log_sd, n).astype(np.float32)
