"""The bracelet as a machine: battery, charging habits, radio, tamper, buttons, clock.

Vectorised over ``(wearers, MINUTES)``. The battery only falls between charges
and only rises during one, so clipping at 0 and 100 % is exact per segment and
a day follows from one cumulative sum and a loop over a day's few segments.
Episodes running past midnight are carried in ``DeviceState`` and reported once,
when they end; ``close_open_events`` reports those open when the run stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.episodes import runs
from vigil.simulate.truth import TruthEvent

TAMPER_KINDS = (
    "strap_opened", "strap_cut", "case_opened",
    "skin_contact_lost", "shielding_suspected",
)  # fmt: skip
_STRAP_OPENED, _STRAP_CUT, _CASE, _SKIN, _SHIELD = range(5)
_TAMPER_MAX_MIN = 7 * MINUTES  # a cut strap is replaced within a week
# Episodes carried across midnight, one column each of ``DeviceState.since_ms``;
# a detail of None means the episode's length in minutes.
_EPISODES: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("battery_dead", {}),
    ("connectivity_gap", None),
    *(("tamper", {"kind": kind}) for kind in TAMPER_KINDS),
)
_FIRST_TAMPER = 2

# Fleet ranges measured by tests/simulate/test_hardware.py with the defaults.
BATTERY_DEATHS_PER_WEARER_MONTH_RANGE = (0.5, 1.6)
TAMPER_EPISODES_PER_1000_WEARER_DAYS_RANGE = (35.0, 80.0)
SOS_PER_1000_WEARER_DAYS_RANGE = (5.0, 18.0)
ACCIDENTAL_SOS_SHARE_RANGE = (0.85, 0.99)
OFFLINE_SHARE_RANGE = (0.005, 0.04)  # share of powered minutes without data


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
    since_ms: np.ndarray  # (N, 7) int64, start of an open episode by _EPISODES


@dataclass(frozen=True)
class HardwareDay:
    """One day of the bracelets' own state; arrays are (N, MINUTES) unless noted."""

    battery_pct: np.ndarray  # float32, at the end of each minute
    charging: np.ndarray  # bool
    powered: np.ndarray  # bool: False while the battery is dead
    online: np.ndarray  # bool: a data connection (buffered upload otherwise)
    strap_open: np.ndarray  # bool: strap open or cut, or off the skin
    clock_offset_ms: np.ndarray  # (N,) int64, device clock minus true time today
    tamper: list[tuple[int, int, str, bool]]  # (wearer, minute, kind, cleared)
    buttons: list[tuple[int, int, str]]  # (wearer, minute, "sos" | "button")
    shielded: np.ndarray  # bool: wrapped in foil; GNSS and radio both blind


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
        since_ms=np.full((n, len(_EPISODES)), -1, np.int64),
    )


def simulate_hardware(
    profiles: DeviceProfiles,
    state: DeviceState,
    at_home: np.ndarray,
    asleep: np.ndarray,
    day_start_ms: int,
    rng: np.random.Generator,
    rates: HardwareRates | None = None,
    fixes_per_hour: np.ndarray | None = None,
) -> tuple[HardwareDay, list[TruthEvent]]:
    """Run every bracelet through one local day and carry ``state`` to the next.

    Parameters
    ----------
    profiles : DeviceProfiles
        The bracelets and their wearers' habits, length N.
    state : DeviceState
        Battery, clock and open episodes at local midnight; updated in place.
    at_home, asleep : (N, 1440) bool
        At the sleeping place, where the charger is; asleep.
    day_start_ms : int
        UTC epoch milliseconds of local midnight.
    rng : numpy.random.Generator
        The only source of randomness.
    rates : HardwareRates, optional
        The documented defaults when omitted.
    fixes_per_hour : (N, 1440) float32, optional
        Reporting rate in fixes/hour, 60 when omitted; GNSS dominates the drain.

    Returns
    -------
    (HardwareDay, list of TruthEvent)
        The day, and the episodes that ended in it, joined across midnight:
        ``battery_dead``, ``connectivity_gap`` (detail ``minutes``), ``tamper``
        (``kind``), ``sos`` (``accidental``) and ``clock_drift`` (``offset_ms``).
        Wearers are row indices; times are true UTC ms, ends exclusive.
    """
    r = rates or HardwareRates()
    tamper, network = _radio_and_tamper(profiles, state, rng, r)
    drain = _drain_pct_per_min(profiles, network, fixes_per_hour, r)
    plug_ok = at_home & ~tamper[_STRAP_CUT]  # a cut bracelet is not worn, nor charged
    charging, battery = _charge_day(profiles, state, plug_ok, asleep, drain, rng, r)
    powered = (battery > 0.0) | charging
    online = network & powered

    next_powered = _next_true(powered)
    records = [
        record
        for k, kind in enumerate(TAMPER_KINDS)
        for record in _tamper_records(
            tamper[k], state.since_ms[:, _FIRST_TAMPER + k], next_powered, kind, r
        )
    ]
    events = [
        event
        for column, mask in enumerate((~powered, powered & ~online, *tamper))
        for event in _join(
            mask, state.since_ms[:, column], day_start_ms, *_EPISODES[column]
        )
    ]
    buttons, presses = _buttons(profiles, powered, day_start_ms, rng, r)
    offset_ms, drifted = _clock(profiles, state, online, day_start_ms, rng, r)
    day = HardwareDay(
        battery_pct=battery,
        charging=charging,
        powered=powered,
        online=online,
        strap_open=tamper[_STRAP_OPENED] | tamper[_STRAP_CUT] | tamper[_SKIN],
        clock_offset_ms=offset_ms,
        tamper=sorted(records),
        buttons=buttons,
        shielded=tamper[_SHIELD],
    )
    return day, events + presses + drifted


def close_open_events(state: DeviceState, end_ms: int) -> list[TruthEvent]:
    """Report the episodes still open when the simulation stops at ``end_ms``."""
    events = []
    for column, (kind, detail) in enumerate(_EPISODES):
        since_ms = state.since_ms[:, column]
        for row in np.flatnonzero(since_ms >= 0).tolist():
            start_ms = int(since_ms[row])
            info = _detail(detail, start_ms, end_ms)
            events.append(TruthEvent(kind, (row,), start_ms, end_ms, info))
        since_ms[:] = -1
    return events


def _radio_and_tamper(
    profiles: DeviceProfiles,
    state: DeviceState,
    rng: np.random.Generator,
    r: HardwareRates,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Return each tamper kind's minutes, and when the network would carry data."""
    n, coverage = profiles.habit.size, profiles.coverage_factor
    tamper = []
    for k, per_day in enumerate(r.tamper_per_day):
        # A loose strap is bad luck; the other kinds are done on purpose.
        who = 1.0 if k == _SKIN else profiles.tamper_propensity
        shape = (r.tamper_median_min[k], r.tamper_log_sd[k], _TAMPER_MAX_MIN)
        left_min = state.tamper_left_min[:, k]
        tamper.append(_random_spans(rng, n, per_day * who, shape, left_min))
    gap = (r.short_gap_median_min, 0.8, r.short_gap_max_min)
    short = _random_spans(rng, n, r.short_gaps_per_day * coverage, gap, None)
    gap = (r.outage_median_min, 0.7, r.outage_max_min)
    outage = _random_spans(
        rng, n, r.outages_per_day * coverage, gap, state.outage_left_min
    )
    return tamper, ~short & ~outage & ~tamper[_SHIELD]


def _charge_day(
    profiles: DeviceProfiles,
    state: DeviceState,
    plug_ok: np.ndarray,
    asleep: np.ndarray,
    drain: np.ndarray,
    rng: np.random.Generator,
    r: HardwareRates,
) -> tuple[np.ndarray, np.ndarray]:
    """Return when each bracelet charges and its battery level in %."""
    habit, n = profiles.habit, profiles.habit.size

    # A charge still plugged in at midnight, then the day's routine charge.
    carried = np.flatnonzero((state.charge_left_min > 0) & plug_ok[:, 0])
    left_min = state.charge_left_min[carried].astype(np.int64)
    routine = np.flatnonzero(rng.random(n) < np.asarray(r.routine_charge_prob)[habit])
    jitter_min = rng.normal(0.0, r.charge_jitter_sd_min, routine.size)
    planned = np.clip(profiles.charge_minute[routine] + jitter_min, 0, MINUTES - 1)
    start = _next_true(plug_ok)(routine, planned.astype(np.int64))
    sessions = np.concatenate(
        (
            np.stack((carried, np.zeros_like(carried), left_min)),
            np.stack((routine, start, _session_min(rng, routine.size, r))),
        ),
        axis=1,
    )
    sessions = _plugged(plug_ok, sessions)
    charging = _span_mask(n, *sessions)
    battery = _battery_level(state.battery_pct, drain, charging, r.charge_pct_per_min)

    # The buzz at low battery anywhere, the app's reminder at home; once dead
    # since an earlier day, the officer's call.
    awake_home = plug_ok & ~asleep
    low = (battery < r.low_battery_pct) | (awake_home & (battery < r.reminder_pct))
    low &= ~charging
    dead_before = state.since_ms[:, 0] >= 0
    odds = (np.asarray(r.dead_recharge_prob), np.asarray(r.low_battery_response_prob))
    answer = np.where(dead_before, odds[0][habit], odds[1][habit])
    respond = np.flatnonzero(low.any(axis=1) & (rng.random(n) < answer))
    delay_min = rng.lognormal(math.log(r.response_median_min), 0.8, respond.size)
    want = np.minimum(
        np.argmax(low[respond], axis=1) + delay_min.astype(np.int64), MINUTES - 1
    )
    start = _next_true(awake_home)(respond, want)
    extra = _plugged(
        plug_ok, np.stack((respond, start, _session_min(rng, respond.size, r)))
    )
    if extra.size:
        sessions = np.concatenate((sessions, extra), axis=1)
        charging = _span_mask(n, *sessions)
        again = np.unique(extra[0])  # only these batteries change
        battery[again] = _battery_level(
            state.battery_pct[again],
            drain[again],
            charging[again],
            r.charge_pct_per_min,
        )

    # Plugged in at midnight with the charge unfinished: it goes on tomorrow.
    row, start, length = sessions
    state.charge_left_min[:] = 0
    overrun_min = np.maximum(start + length - MINUTES, 0).astype(np.int32)
    np.maximum.at(state.charge_left_min, row, overrun_min)
    state.battery_pct[:] = battery[:, -1]
    return charging, battery


def _plugged(plug_ok: np.ndarray, sessions: np.ndarray) -> np.ndarray:
    """Keep the (row, start, length) sessions that start today; each ends early
    when they leave home."""
    row, start, length = sessions[:, sessions[1] < MINUTES]
    away = _next_true(~plug_ok)(row, start)
    length = np.where(away < MINUTES, np.minimum(length, away - start), length)
    return np.stack((row, start, length))


def _session_min(rng: np.random.Generator, n: int, r: HardwareRates) -> np.ndarray:
    """Return how long each of ``n`` charges would stay plugged in, in minutes."""
    length = rng.lognormal(math.log(r.session_median_min), r.session_log_sd, n)
    return np.maximum(np.rint(length), 1).astype(np.int64)


def _battery_level(
    start_pct: np.ndarray, drain: np.ndarray, charging: np.ndarray, charge_rate: float
) -> np.ndarray:
    """Return the battery level at the end of each minute, in %, float32."""
    n = charging.shape[0]
    delta = np.where(charging, np.float32(charge_rate) - drain, -drain)
    switch_row, switch_col = np.nonzero(charging[:, 1:] != charging[:, :-1])
    seg_row = np.concatenate((np.arange(n), switch_row))
    first = np.concatenate((np.zeros(n, np.int64), switch_col + 1))
    order = np.lexsort((first, seg_row))
    seg_row, first = seg_row[order], first[order]
    rank = np.arange(seg_row.size) - np.searchsorted(seg_row, seg_row)
    sums = np.zeros((n, int(rank.max(initial=0)) + 1), np.float32)
    sums[seg_row, rank] = np.add.reduceat(delta.reshape(-1), seg_row * MINUTES + first)

    # Level where each segment starts, minus the change so far (``base``): the
    # level is then clip(base + cumulative change) throughout the segment.
    base = np.empty_like(sums)
    level, so_far = start_pct.astype(np.float32), np.zeros(n, np.float32)
    for k in range(sums.shape[1]):
        base[:, k] = level - so_far
        level = np.clip(level + sums[:, k], 0.0, 100.0)
        so_far += sums[:, k]
    jump = np.diff(base, axis=1, prepend=0.0)
    delta[seg_row, first] += jump[seg_row, rank]
    battery = np.cumsum(delta, axis=1)
    return np.clip(battery, 0.0, 100.0, out=battery)


def _drain_pct_per_min(
    profiles: DeviceProfiles,
    network: np.ndarray,
    fixes_per_hour: np.ndarray | None,
    r: HardwareRates,
) -> np.ndarray:
    """Return the battery each minute costs, in % of capacity."""
    fix_ma = r.fix_mah * (60.0 if fixes_per_hour is None else fixes_per_hour)
    current_ma = np.where(network, np.float32(r.radio_ma), np.float32(r.searching_ma))
    current_ma += np.float32(r.base_ma) + fix_ma
    current_ma *= (100.0 / 60.0 / profiles.capacity_mah)[:, None].astype(np.float32)
    return current_ma


def _random_spans(
    rng: np.random.Generator,
    n: int,
    per_day: np.ndarray | float,
    shape: tuple[float, float, int],
    left_min: np.ndarray | None,
) -> np.ndarray:
    """Return an (n, MINUTES) mask of random episodes, ``per_day`` per row, of a
    lognormal length given as (median minutes, log sd, longest minutes).

    With ``left_min``, continue the episodes it holds from yesterday and put back
    what runs past midnight; without, episodes end at midnight.
    """
    median_min, log_sd, max_min = shape
    row = np.repeat(np.arange(n), rng.poisson(np.broadcast_to(per_day, n)))
    start = rng.integers(0, MINUTES, row.size)
    length = rng.lognormal(math.log(median_min), log_sd, row.size)
    length = np.clip(np.rint(length), 1, max_min).astype(np.int64)
    if left_min is not None:
        carried = np.flatnonzero(left_min > 0)
        row = np.concatenate((carried, row))
        start = np.concatenate((np.zeros(carried.size, np.int64), start))
        length = np.concatenate((left_min[carried].astype(np.int64), length))
        overrun_min = np.maximum(start + length - MINUTES, 0).astype(left_min.dtype)
        left_min[:] = 0
        np.maximum.at(left_min, row, overrun_min)
    return _span_mask(n, row, start, length)


def _tamper_records(
    mask: np.ndarray,
    since_ms: np.ndarray,
    next_powered: Callable[[np.ndarray, np.ndarray], np.ndarray],
    kind: str,
    r: HardwareRates,
) -> list[tuple[int, int, str, bool]]:
    """Return what the bracelet reports: onset and clearing, when it is powered.

    A dead bracelet senses nothing; it reports a state still true at its next
    powered minute. Shielding shows only once both radios have stayed silent.
    """
    row, first, end = _runs_of(mask, since_ms)
    continued = (first == 0) & (since_ms[row] >= 0)  # reported on an earlier day
    delay = r.shielding_detect_min if kind == TAMPER_KINDS[_SHIELD] else 0
    seen = next_powered(row, np.minimum(first + delay, MINUTES - 1))
    opened = ~continued & (first + delay < end) & (seen < end)
    gone = next_powered(row, np.minimum(end, MINUTES - 1))
    cleared = (opened | continued) & (end < MINUTES) & (gone < MINUTES)
    return [
        (w, t, kind, False)
        for w, t in zip(row[opened].tolist(), seen[opened].tolist(), strict=True)
    ] + [
        (w, t, kind, True)
        for w, t in zip(row[cleared].tolist(), gone[cleared].tolist(), strict=True)
    ]


def _buttons(
    profiles: DeviceProfiles,
    powered: np.ndarray,
    day_start_ms: int,
    rng: np.random.Generator,
    r: HardwareRates,
) -> tuple[list[tuple[int, int, str]], list[TruthEvent]]:
    """Return the presses a powered bracelet registers, and the SOS truth."""
    n, sos = profiles.habit.size, profiles.sos_propensity
    presses: list[tuple[int, int, str]] = []
    events = []
    for event, per_day, accidental in (
        ("sos", r.true_sos_per_day * sos, False),
        ("sos", r.accidental_sos_per_day * sos, True),
        ("button", np.full(n, r.button_per_day), False),
    ):
        row = np.repeat(np.arange(n), rng.poisson(per_day))
        minute = rng.integers(0, MINUTES, row.size)
        on = powered[row, minute]
        for w, t in zip(row[on].tolist(), minute[on].tolist(), strict=True):
            presses.append((w, t, event))
            if event == "sos":
                t_ms = day_start_ms + t * MINUTE_MS
                events.append(
                    TruthEvent(
                        "sos", (w,), t_ms, t_ms + MINUTE_MS, {"accidental": accidental}
                    )
                )
    return sorted(presses), events


def _clock(
    profiles: DeviceProfiles,
    state: DeviceState,
    online: np.ndarray,
    day_start_ms: int,
    rng: np.random.Generator,
    r: HardwareRates,
) -> tuple[np.ndarray, list[TruthEvent]]:
    """Return today's clock offsets, and the clocks that drifted past the threshold.

    Every acknowledgement carries server time, so a bracelet online is off by
    the unknown part of the round trip; offline it runs free at its crystal's
    rate. One offset stands for the day: the synced one if the bracelet got
    online in the morning, else the free-running one at midday.
    """
    drift_ms_per_min = profiles.clock_drift_ppm.astype(np.float64) * 1e-6 * MINUTE_MS
    synced = online.any(axis=1)
    since_sync_min = np.argmax(online[:, ::-1], axis=1)
    residual_ms = rng.normal(0.0, r.sync_residual_sd_ms, synced.size)
    free_ms = state.clock_offset_ms + drift_ms_per_min * MINUTES / 2
    morning = online[:, : MINUTES // 2].any(axis=1)
    today_ms = np.rint(np.where(morning, residual_ms, free_ms)).astype(np.int64)
    state.clock_offset_ms[:] = np.where(
        synced,
        residual_ms + drift_ms_per_min * since_sync_min,
        state.clock_offset_ms + drift_ms_per_min * MINUTES,
    )
    end_ms = day_start_ms + MINUTES * MINUTE_MS
    return today_ms, [
        TruthEvent(
            "clock_drift", (w,), day_start_ms, end_ms, {"offset_ms": int(today_ms[w])}
        )
        for w in np.flatnonzero(np.abs(today_ms) >= r.clock_drift_truth_ms).tolist()
    ]


def _join(
    mask: np.ndarray,
    since_ms: np.ndarray,
    day_start_ms: int,
    kind: str,
    detail: dict[str, Any] | None,
) -> list[TruthEvent]:
    """Return the episodes of ``kind`` that ended today, joined across midnight.

    ``since_ms`` holds per wearer the start of an episode open at the last
    midnight, or -1, and is updated for the next. ``detail`` None means minutes.
    """
    row, first, end = _runs_of(mask, since_ms)
    start_ms = day_start_ms + first * MINUTE_MS
    joined = (first == 0) & (since_ms[row] >= 0)
    start_ms[joined] = since_ms[row[joined]]
    end_ms = day_start_ms + end * MINUTE_MS
    stopped = np.flatnonzero((since_ms >= 0) & ~mask[:, 0])  # over by minute 0
    row = np.concatenate((stopped, row))
    start_ms = np.concatenate((since_ms[stopped], start_ms))
    end_ms = np.concatenate((np.full(stopped.size, day_start_ms), end_ms))
    going_on = end_ms == day_start_ms + MINUTES * MINUTE_MS
    since_ms[:] = -1
    since_ms[row[going_on]] = start_ms[going_on]
    done = ~going_on
    return [
        TruthEvent(kind, (w,), s, e, _detail(detail, s, e))
        for w, s, e in zip(
            row[done].tolist(),
            start_ms[done].tolist(),
            end_ms[done].tolist(),
            strict=True,
        )
    ]


def _detail(
    detail: dict[str, Any] | None, start_ms: int, end_ms: int
) -> dict[str, Any]:
    """Return ``detail``, or the episode's length in minutes when it is None."""
    return (
        {"minutes": (end_ms - start_ms) // MINUTE_MS}
        if detail is None
        else dict(detail)
    )


def _runs_of(
    mask: np.ndarray, since_ms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, first, end) of each run, looking only at rows that have one
    or carry one from yesterday."""
    rows = np.flatnonzero(mask.any(axis=1) | (since_ms >= 0))
    sub_row, first, end = runs(mask[rows])
    return rows[sub_row], first.astype(np.int64), end.astype(np.int64)


def _span_mask(
    n: int, row: np.ndarray, start: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """Return an (n, MINUTES) mask, True over each [start, start + length) today."""
    length = np.clip(np.minimum(start + length, MINUTES) - start, 0, None)
    span = np.repeat(np.arange(row.size), length)
    offset = np.arange(span.size) - np.repeat(np.cumsum(length) - length, length)
    mask = np.zeros((n, MINUTES), np.bool_)
    mask.reshape(-1)[(row * MINUTES + start)[span] + offset] = True
    return mask


def _next_true(mask: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Return a lookup of the first minute at or after ``minute`` where
    ``mask[row]`` holds, MINUTES when none does today."""
    rise = np.flatnonzero(mask[:, 1:] & ~mask[:, :-1])
    rise += rise // (MINUTES - 1) + 1  # as a flat index into (n, MINUTES)
    rise = np.append(rise, mask.size)

    def lookup(row: np.ndarray, minute: np.ndarray) -> np.ndarray:
        at = rise[np.searchsorted(rise, row * MINUTES + minute)] - row * MINUTES
        return np.where(mask[row, minute], minute, np.minimum(at, MINUTES))

    return lookup


def _mean_one_lognormal(rng: np.random.Generator, log_sd: float, n: int) -> np.ndarray:
    """Return ``n`` lognormal factors with mean one."""
    return rng.lognormal(-0.5 * log_sd * log_sd, log_sd, n).astype(np.float32)
