"""The bracelet as a machine: battery, charging habits, radio, tamper, buttons, clock.

Vectorised over ``(wearers, MINUTES)``; the battery, tamper and connectivity
models live in their own modules and meet here. Episodes running past midnight
are carried in ``DeviceState`` and reported once, when they end;
``close_open_events`` reports those open when the run stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.simulate.battery import charge_day, drain_pct_per_min
from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.connectivity import network_minutes
from vigil.simulate.devices import (
    CARRIED_EPISODES,
    FIRST_TAMPER_COLUMN,
    SHIELDING_SUSPECTED,
    SKIN_CONTACT_LOST,
    STRAP_CUT,
    STRAP_OPENED,
    TAMPER_KINDS,
    ChargingHabit,
    DeviceProfiles,
    DeviceState,
    HardwareRates,
    draw_devices,
    initial_state,
)
from vigil.simulate.spans import next_true, runs_of
from vigil.simulate.tampering import tamper_minutes, tamper_records
from vigil.simulate.truth import TruthEvent

__all__ = [
    "ACCIDENTAL_SOS_SHARE_RANGE",
    "BATTERY_DEATHS_PER_WEARER_MONTH_RANGE",
    "OFFLINE_SHARE_RANGE",
    "SOS_PER_1000_WEARER_DAYS_RANGE",
    "TAMPER_EPISODES_PER_1000_WEARER_DAYS_RANGE",
    "TAMPER_KINDS",
    "ChargingHabit",
    "DeviceProfiles",
    "DeviceState",
    "HardwareDay",
    "HardwareRates",
    "close_open_events",
    "draw_devices",
    "initial_state",
    "simulate_hardware",
]

# Fleet ranges measured by tests/simulate/test_hardware.py with the defaults.
BATTERY_DEATHS_PER_WEARER_MONTH_RANGE = (0.5, 1.6)
TAMPER_EPISODES_PER_1000_WEARER_DAYS_RANGE = (35.0, 80.0)
SOS_PER_1000_WEARER_DAYS_RANGE = (5.0, 18.0)
ACCIDENTAL_SOS_SHARE_RANGE = (0.85, 0.99)
OFFLINE_SHARE_RANGE = (0.005, 0.04)  # share of powered minutes without data


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
    tamper = tamper_minutes(profiles, state, rng, r)
    network = network_minutes(profiles, state, tamper[SHIELDING_SUSPECTED], rng, r)
    drain = drain_pct_per_min(profiles, network, fixes_per_hour, r)
    plug_ok = at_home & ~tamper[STRAP_CUT]  # a cut bracelet is not worn, nor charged
    charging, battery = charge_day(profiles, state, plug_ok, asleep, drain, rng, r)
    powered = (battery > 0.0) | charging
    online = network & powered

    next_powered = next_true(powered)
    records = [
        record
        for k, kind in enumerate(TAMPER_KINDS)
        for record in tamper_records(
            tamper[k], state.since_ms[:, FIRST_TAMPER_COLUMN + k], next_powered, kind, r
        )
    ]
    events = [
        event
        for column, mask in enumerate((~powered, powered & ~online, *tamper))
        for event in _join(
            mask, state.since_ms[:, column], day_start_ms, *CARRIED_EPISODES[column]
        )
    ]
    buttons, presses = _buttons(profiles, powered, day_start_ms, rng, r)
    offset_ms, drifted = _clock(profiles, state, online, day_start_ms, rng, r)
    day = HardwareDay(
        battery_pct=battery,
        charging=charging,
        powered=powered,
        online=online,
        strap_open=tamper[STRAP_OPENED] | tamper[STRAP_CUT] | tamper[SKIN_CONTACT_LOST],
        clock_offset_ms=offset_ms,
        tamper=sorted(records),
        buttons=buttons,
        shielded=tamper[SHIELDING_SUSPECTED],
    )
    return day, events + presses + drifted


def close_open_events(state: DeviceState, end_ms: int) -> list[TruthEvent]:
    """Report the episodes still open when the simulation stops at ``end_ms``."""
    events = []
    for column, (kind, detail) in enumerate(CARRIED_EPISODES):
        since_ms = state.since_ms[:, column]
        for row in np.flatnonzero(since_ms >= 0).tolist():
            start_ms = int(since_ms[row])
            info = _detail(detail, start_ms, end_ms)
            events.append(TruthEvent(kind, (row,), start_ms, end_ms, info))
        since_ms[:] = -1
    return events


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
    row, first, end = runs_of(mask, since_ms)
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
