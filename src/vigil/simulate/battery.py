"""The battery: what each minute costs, when the wearer charges, and the level.

The battery only falls between charges and only rises during one, so clipping
at 0 and 100 % is exact per segment and a day follows from one cumulative sum
and a loop over a day's few segments. A routine charge comes at the wearer's
usual time; a low battery, the app's reminder or an officer's call after a
dead day brings another.
"""

from __future__ import annotations

import math

import numpy as np

from vigil.simulate.clock import MINUTES
from vigil.simulate.devices import DeviceProfiles, DeviceState, HardwareRates
from vigil.simulate.spans import next_true, span_mask


def drain_pct_per_min(
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


def charge_day(
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
    start = next_true(plug_ok)(routine, planned.astype(np.int64))
    sessions = np.concatenate(
        (
            np.stack((carried, np.zeros_like(carried), left_min)),
            np.stack((routine, start, _session_min(rng, routine.size, r))),
        ),
        axis=1,
    )
    sessions = _plugged(plug_ok, sessions)
    charging = span_mask(n, *sessions)
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
    start = next_true(awake_home)(respond, want)
    extra = _plugged(
        plug_ok, np.stack((respond, start, _session_min(rng, respond.size, r)))
    )
    if extra.size:
        sessions = np.concatenate((sessions, extra), axis=1)
        charging = span_mask(n, *sessions)
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
    away = next_true(~plug_ok)(row, start)
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
