"""The simulated body: a day of per-minute vitals for every wearer, and the truth.

Wearers differ (``draw_profiles``); each day adds the body's rhythm, what the
mobility model says it is doing, and episodes that a detector should find
(stress, stimulant and opioid intoxication, overdose) or should not be fooled
by (exercise, heat, caffeine, anxiety, poor sensor contact). The pieces live
beside this module: ``physio_profiles`` (who), ``vitals_episodes`` (when),
``vitals_effects`` (how much), ``vitals_signals`` and ``vitals_time`` (the
minute signals), ``overdose`` (emergencies) and ``vitals_day`` (the result).
All of it is simulated from published physiology and stated assumptions; none
of it has been validated on people.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.overdose import apply_overdoses
from vigil.simulate.physio_profiles import (
    RATE_RANGES_PER_WEARER_DAY,
    PhysioProfiles,
    PhysioRates,
    draw_profiles,
)
from vigil.simulate.truth import TruthEvent
from vigil.simulate.vitals_block import ExerciseBouts, Workspace
from vigil.simulate.vitals_day import VitalsDay
from vigil.simulate.vitals_episodes import episode_events, plan_day
from vigil.simulate.vitals_signals import fill_block
from vigil.simulate.vitals_time import heat_excess_c

__all__ = [
    "RATE_RANGES_PER_WEARER_DAY",
    "PhysioProfiles",
    "PhysioRates",
    "VitalsDay",
    "draw_profiles",
    "simulate_vitals",
]

# Wearers simulated together: a block's working grids are about 6 MB each,
# reused from block to block whatever the size of the fleet.
BLOCK = 1024


def simulate_vitals(
    profiles: PhysioProfiles,
    activity: NDArray[np.uint8],
    day_start_ms: int,
    rng: np.random.Generator,
    rates: PhysioRates | None = None,
    ambient_temp_c: float = 30.0,
) -> tuple[VitalsDay, list[TruthEvent]]:
    """Simulate one local day of per-minute vitals and the events behind them.

    Parameters
    ----------
    profiles
        The wearers, from ``draw_profiles``.
    activity
        ``(wearers, 1440)`` codes of ``clock.Activity`` from the mobility model;
        column ``t`` is minute ``t`` after local midnight.
    day_start_ms
        UTC epoch milliseconds of local midnight (``clock.day_start_ms``).
    rng
        The only source of randomness: the same generator state, profiles and
        activity give identical output.
    rates
        Fleet-average event rates per wearer-day; the defaults when omitted.
    ambient_temp_c
        The day's afternoon air temperature, degC (Hanoi: about 33-38 in summer,
        15-20 in winter). Skin temperature follows the air; above 31 degC
        pulse and sweating rise a little and each wearer gets a ``heat`` event.

    Returns
    -------
    VitalsDay
        ``(wearers, 1440)`` arrays within the protocol's ``Vitals`` ranges.
    list of TruthEvent
        One per episode, wearers indexed as in ``profiles``; ``end_ms`` is
        exclusive and episodes running past midnight end there.

    Notes
    -----
    Wearers are simulated in blocks of ``BLOCK`` with reused working grids;
    only episodes (rare) are handled one by one. 100,000 wearers take about
    11 s of CPU on one core of the project's build machine, plus the kernel's
    time to supply the 5.6 GB the result occupies (1-2 s on bare metal, more
    on a virtual machine). Truth events come to about four per wearer-day on
    a hot day.
    """
    rates = rates or PhysioRates()
    wearers = len(profiles)
    if activity.shape != (wearers, MINUTES):
        raise ValueError(
            f"activity must be ({wearers}, {MINUTES}) for {wearers} wearers,"
            f" not {activity.shape}"
        )
    plan = plan_day(
        _episodes_per_day(profiles, rates),
        _opioid_overdose_share(profiles, rates),
        activity,
        rng,
    )
    day = VitalsDay.empty(wearers)
    workspace = Workspace.for_rows(min(BLOCK, wearers))
    bouts: list[ExerciseBouts] = []
    for lo in range(0, wearers, BLOCK):
        hi = min(lo + BLOCK, wearers)
        block = {kind: episodes.within(lo, hi) for kind, episodes in plan.items()}
        part, people, ws = (
            day.rows(lo, hi),
            profiles.rows(lo, hi),
            workspace.head(hi - lo),
        )
        found = fill_block(
            part, people, activity[lo:hi], block, rng, ambient_temp_c, ws
        )
        bouts.append(found.offset(lo))
        apply_overdoses(part, block["overdose"], people, rng)
        part.clip_to_sensor()

    events = [
        e for episodes in plan.values() for e in episode_events(episodes, day_start_ms)
    ]
    events += _exercise_events(bouts, day_start_ms)
    events += _heat_events(wearers, ambient_temp_c, day_start_ms)
    return day, events


def _episodes_per_day(
    profiles: PhysioProfiles, rates: PhysioRates
) -> dict[str, NDArray[np.float64]]:
    """Return each wearer's expected episodes per day, by kind."""
    opioid, stimulant = _overdose_parts(profiles, rates)

    def per_day(rate: float, propensity: NDArray[np.float32]) -> NDArray[np.float64]:
        return rate * propensity.astype(np.float64)

    return {
        "stress": per_day(rates.stress_per_wearer_day, profiles.stress_propensity),
        "anxiety": per_day(rates.anxiety_per_wearer_day, profiles.anxiety_propensity),
        "caffeine": per_day(
            rates.caffeine_per_wearer_day, profiles.caffeine_propensity
        ),
        "stimulant": per_day(
            rates.stimulant_per_wearer_day, profiles.stimulant_propensity
        ),
        "opioid": per_day(rates.opioid_per_wearer_day, profiles.opioid_propensity),
        "poor_contact": per_day(
            rates.poor_contact_per_wearer_day, profiles.poor_contact_propensity
        ),
        "overdose": rates.overdose_per_wearer_day * (opioid + stimulant),
    }


def _overdose_parts(
    profiles: PhysioProfiles, rates: PhysioRates
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Split each wearer's overdose propensity (fleet mean 1) by drug."""
    share = rates.overdose_opioid_share
    opioid = share * profiles.opioid_propensity.astype(np.float64)
    stimulant = (1.0 - share) * profiles.stimulant_propensity.astype(np.float64)
    return opioid, stimulant


def _opioid_overdose_share(
    profiles: PhysioProfiles, rates: PhysioRates
) -> NDArray[np.float64]:
    """Return, per wearer, the chance that an overdose is an opioid one."""
    opioid, stimulant = _overdose_parts(profiles, rates)
    total = opioid + stimulant
    return np.divide(opioid, total, out=np.zeros_like(total), where=total > 0)


def _exercise_events(bouts: list[ExerciseBouts], day_start_ms: int) -> list[TruthEvent]:
    """Return one ``exercise`` event per contiguous bout of EXERCISE minutes."""
    return [
        TruthEvent(
            "exercise",
            (wearer,),
            day_start_ms + MINUTE_MS * start,
            day_start_ms + MINUTE_MS * end,
            {"hrr_fraction": round(fraction, 2)},
        )
        for found in bouts
        for wearer, start, end, fraction in zip(
            found.wearer.tolist(),
            found.start_min.tolist(),
            found.end_min.tolist(),
            found.hrr_fraction.tolist(),
            strict=True,
        )
    ]


def _heat_events(
    wearers: int, ambient_temp_c: float, day_start_ms: int
) -> list[TruthEvent]:
    """Return a ``heat`` event per wearer for the hot hours, if the day has any."""
    hot = np.flatnonzero(heat_excess_c(ambient_temp_c) > 0.0)
    if len(hot) == 0:
        return []
    start_ms = day_start_ms + MINUTE_MS * int(hot[0])
    end_ms = day_start_ms + MINUTE_MS * (int(hot[-1]) + 1)
    detail = round(ambient_temp_c, 1)
    return [
        TruthEvent("heat", (wearer,), start_ms, end_ms, {"ambient_c": detail})
        for wearer in range(wearers)
    ]
