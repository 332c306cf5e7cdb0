"""From a day's plan to where every wearer truly is, minute by minute.

Each wearer has a stable spot inside each place (a desk, a bed, a table), drawn
from a hash of wearer and place so that it is the same every day without being
stored. Trips follow the street grid: along x, then along y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.simulate.city import City
from vigil.simulate.clock import MINUTES, Activity
from vigil.simulate.population import Population
from vigil.simulate.schedule import SLOTS, WALK_UP_TO_M, DayPlan

_ROW_STRIDE = 2048  # larger than any minute, so rows never overlap when flattened
GATHERING_SPREAD_M = 6.0  # people meeting stand within a few metres of each other


@dataclass(frozen=True)
class Movement:
    """True whereabouts of a chunk of wearers for one day, arrays (n, MINUTES)."""

    x_m: np.ndarray
    y_m: np.ndarray
    place: np.ndarray  # int32, -1 while travelling
    indoor: np.ndarray  # bool
    activity: np.ndarray  # uint8 Activity
    speed_mps: np.ndarray  # float32
    urban_density: np.ndarray  # float32 in [0, 1]
    at_night_place: np.ndarray  # bool: where the wearer sleeps (and can charge)
    asleep: np.ndarray  # bool


def move(
    city: City,
    people: Population,
    plan: DayPlan,
    wearers: np.ndarray,
    rng: np.random.Generator,
) -> Movement:
    """Return the minute-by-minute movement of ``wearers`` (global indices)."""
    n = wearers.size
    place = plan.place[wearers]
    arrive, depart = plan.arrive[wearers], plan.depart[wearers]
    minute = np.arange(MINUTES, dtype=np.int32)

    slot = _slot_at(arrive, minute)
    rows = np.arange(n)[:, None]
    here = place[rows, slot]
    leave = depart[rows, slot]
    staying = minute[None, :] < leave

    # Spots depend on the slot, not the minute: compute per slot, then look up.
    slot_x, slot_y = _spot(city, wearers[:, None], place, plan.group[wearers])
    x_stay, y_stay = slot_x[rows, slot], slot_y[rows, slot]
    following = np.minimum(slot + 1, SLOTS - 1)
    x_next, y_next = slot_x[rows, following], slot_y[rows, following]
    reach = arrive[rows, following]
    span = np.maximum(reach - leave, 1)

    # Trips are a few percent of minutes: compute their geometry only there.
    x_m, y_m = x_stay.copy(), y_stay.copy()
    trip_m = np.zeros((n, MINUTES), np.float64)
    moving = np.nonzero(~staying)
    frac = np.clip((minute[moving[1]] - leave[moving]) / span[moving], 0.0, 1.0)
    x_m[moving], y_m[moving], trip_m[moving] = _along_streets(
        x_stay[moving], y_stay[moving], x_next[moving], y_next[moving], frac
    )
    jitter = np.where(
        staying, np.minimum(3.0, city.place_spread_m[here] / 4.0), 0.0
    ).astype(np.float32)
    x_m += rng.standard_normal((n, MINUTES), np.float32) * jitter
    y_m += rng.standard_normal((n, MINUTES), np.float32) * jitter

    night = (here == people.home[wearers][:, None]) & staying
    night |= (here == place[:, :1]) & (slot <= 2) & staying
    night |= (here == place[:, -1:]) & (slot >= SLOTS - 3) & staying
    asleep = night & _sleep_hours(rng, n, minute)
    trip_speed = (trip_m / (span * 60.0)).astype(np.float32)
    activity = _activity(staying, trip_m, asleep, plan.exercise[wearers][rows, slot])
    # Whether someone is inside changes every twenty minutes at most.
    inside = rng.random((n, MINUTES // 20))[:, minute // 20]
    indoor = staying & (inside < city.place_indoor_share[here])
    return Movement(
        x_m=x_m,
        y_m=y_m,
        place=np.where(staying, here, -1).astype(np.int32),
        indoor=indoor,
        activity=activity,
        speed_mps=np.where(staying, 0.0, trip_speed).astype(np.float32),
        urban_density=city.density.at(x_m, y_m),
        at_night_place=night,
        asleep=asleep,
    )


def _slot_at(arrive: np.ndarray, minute: np.ndarray) -> np.ndarray:
    """Return, for every wearer and minute, the last slot arrived at by then."""
    n = arrive.shape[0]
    offsets = (np.arange(n, dtype=np.int64) * _ROW_STRIDE)[:, None]
    keys = (arrive.astype(np.int64) + offsets).ravel()
    queries = (minute[None, :].astype(np.int64) + offsets).ravel()
    found = np.searchsorted(keys, queries, side="right") - 1
    slot: np.ndarray = (found.reshape(n, -1) - np.arange(n)[:, None] * SLOTS).astype(
        np.int32
    )
    return slot


def _hash01(*parts: np.ndarray | int) -> np.ndarray:
    """Return a stable pseudo-random number in [0, 1) for each combination of parts."""
    acc: np.ndarray = np.asarray(0x9E3779B97F4A7C15, dtype=np.uint64)
    for part in parts:
        acc = (np.asarray(part, np.uint64) ^ acc) * np.uint64(0xBF58476D1CE4E5B9)
        acc = acc ^ (acc >> np.uint64(31))
    unit: np.ndarray = (acc >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return unit


def _spot(
    city: City, wearer: np.ndarray, place: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return a wearer's own spot in a place; members of a gathering stand close."""
    gathering = group >= 0
    # A group picks one corner of the place; its members stand around it.
    anchor = np.where(gathering, group + 1_000_003, wearer)
    spread = city.place_spread_m[place]
    r = spread * np.sqrt(_hash01(anchor, place, 1))
    a = 2 * np.pi * _hash01(anchor, place, 2)
    x = city.place_x[place] + r * np.cos(a)
    y = city.place_y[place] + r * np.sin(a)
    r_member = GATHERING_SPREAD_M * np.sqrt(_hash01(wearer, place, 3))
    a_member = 2 * np.pi * _hash01(wearer, place, 4)
    x = np.where(gathering, x + r_member * np.cos(a_member), x)
    y = np.where(gathering, y + r_member * np.sin(a_member), y)
    return x, y


def _along_streets(
    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, frac: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return points a fraction of the way along an L-shaped street route."""
    dx, dy = x1 - x0, y1 - y0
    length = np.abs(dx) + np.abs(dy)
    done = frac * length
    first_leg = done < np.abs(dx)
    x = np.where(first_leg, x0 + np.sign(dx) * done, x1)
    y = np.where(first_leg, y0, y0 + np.sign(dy) * (done - np.abs(dx)))
    return x, y, length


def _sleep_hours(rng: np.random.Generator, n: int, minute: np.ndarray) -> np.ndarray:
    """Asleep from a bedtime around 23:00 to waking around 06:00."""
    bedtime = rng.integers(22 * 60, 24 * 60, n)[:, None]
    wake = rng.integers(5 * 60, 7 * 60 + 30, n)[:, None]
    asleep: np.ndarray = (minute[None, :] >= bedtime) | (minute[None, :] < wake)
    return asleep


def _activity(
    staying: np.ndarray, trip_m: np.ndarray, asleep: np.ndarray, exercising: np.ndarray
) -> np.ndarray:
    activity = np.full(staying.shape, Activity.REST, np.uint8)
    activity[~staying & (trip_m <= WALK_UP_TO_M)] = Activity.WALK
    activity[~staying & (trip_m > WALK_UP_TO_M)] = Activity.RIDE
    activity[staying & exercising] = Activity.EXERCISE
    activity[asleep] = Activity.SLEEP
    return activity
