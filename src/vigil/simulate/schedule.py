"""Each wearer's day as a fixed sequence of stays, timed for everyone at once.

A day has ``SLOTS`` stays in a fixed order (night place, an early outing, clinic,
the main daytime place, an errand, a drug-spot visit, an evening out, home, a
late outing). A slot a wearer does not use is *skipped*: same place as the one
before, zero length. Times are solved slot by slot over all wearers together:
leave the previous stay when it is long enough and it is time to set off for the
next one, arrive after the trip. Rare events (breaches, visits, gatherings) are
decided per wearer with a mask, never with a Python object per wearer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from vigil.simulate.city import City, PlaceKind
from vigil.simulate.clock import MINUTES
from vigil.simulate.population import Population, PopulationRates, Routine


class Slot(IntEnum):
    """The stays of a day, in order."""

    NIGHT = 0
    EARLY_OUTING = 1
    BACK_TO_BED = 2
    CLINIC = 3
    PAUSE_MORNING = 4
    DAYTIME = 5
    ERRAND = 6
    PAUSE_AFTERNOON = 7
    DRUG_SPOT = 8
    PAUSE_EVENING = 9
    EVENING = 10
    HOME = 11
    LATE_OUTING = 12
    BACK_HOME = 13


SLOTS = len(Slot)
# After a short visit, a wearer goes back to base to wait for the next thing,
# unless the wait is too short to be worth the trip.
PAUSES = (Slot.PAUSE_MORNING, Slot.PAUSE_AFTERNOON, Slot.PAUSE_EVENING)
PAUSE_WORTH_MIN = 30
_NEVER = -10_000
WALK_MPS = 1.3
RIDE_MPS = 6.5  # door to door on a motorbike in Hanoi traffic, about 23 km/h
WALK_UP_TO_M = 1_000.0


@dataclass(frozen=True)
class _Draft:
    """The arrays a plan is written into, slot by slot."""

    place: np.ndarray
    want: np.ndarray  # wanted arrival minute
    until: np.ndarray  # stay at least until this minute
    stay: np.ndarray  # stay at least this many minutes
    used: np.ndarray

    def put(
        self,
        who: np.ndarray,
        slot: Slot,
        place: np.ndarray,
        *,
        want: np.ndarray | None = None,
        stay: np.ndarray | None = None,
        until: np.ndarray | None = None,
    ) -> None:
        """Fill ``slot`` for the wearers in the mask ``who`` (values are per wearer)."""
        self.place[who, slot] = place[who]
        self.used[who, slot] = True
        if want is not None:
            self.want[who, slot] = want[who]
        if stay is not None:
            self.stay[who, slot] = stay[who]
        if until is not None:
            self.until[who, slot] = until[who]


@dataclass
class DayPlan:
    """Stays of every wearer for one day: arrays shaped (N, SLOTS)."""

    place: np.ndarray  # int32
    arrive: np.ndarray  # int32 minute of the local day
    depart: np.ndarray  # int32
    exercise: np.ndarray  # bool: the stay is spent exercising
    group: np.ndarray  # int32: gathering group met at this stay, or -1
    gatherings: list[tuple[int, int, np.ndarray]] = field(default_factory=list)


def travel_minutes(
    city: City, origin: np.ndarray, destination: np.ndarray
) -> np.ndarray:
    """Return whole minutes to go between places along the street grid."""
    metres = np.abs(city.place_x[destination] - city.place_x[origin]) + np.abs(
        city.place_y[destination] - city.place_y[origin]
    )
    speed = np.where(metres <= WALK_UP_TO_M, WALK_MPS, RIDE_MPS)
    minutes: np.ndarray = np.ceil(metres / speed / 60.0).astype(np.int32)
    return minutes


def night_places(
    city: City, people: Population, seed: int, day_index: int
) -> np.ndarray:
    """Return where each wearer sleeps the night that starts on ``day_index``.

    People without a stable residence move between shelters, markets and parks;
    the choice depends only on the seed and the night, so consecutive days agree.
    """
    rng = np.random.default_rng([seed, 4, day_index])
    rough = np.concatenate(
        [
            city.places_of(PlaceKind.SHELTER),
            city.places_of(PlaceKind.MARKET),
            city.places_of(PlaceKind.PARK),
        ]
    )
    # Each night, two in three sleep at their usual spot, the rest elsewhere.
    usual = rough[people.home % rough.size]
    drifting = rng.choice(rough, people.size)
    stays_usual = rng.random(people.size) < 0.65
    rough_night = np.where(stays_usual, usual, drifting)
    homeless = people.routine == Routine.NO_RESIDENCE
    return np.where(homeless, rough_night, people.home).astype(np.int32)


def plan_day(
    city: City,
    people: Population,
    seed: int,
    day_index: int,
    weekday: int,
    rates: PopulationRates | None = None,
) -> DayPlan:
    """Plan everyone's stays for one day (``weekday`` 0 is Monday)."""
    rates = rates or PopulationRates()
    rng = np.random.default_rng([seed, 3, day_index])
    n = people.size
    place = np.empty((n, SLOTS), np.int32)
    want = np.full((n, SLOTS), _NEVER, np.int32)  # wanted arrival minute
    until = np.zeros((n, SLOTS), np.int32)  # stay at least until this minute
    stay = np.zeros((n, SLOTS), np.int32)  # stay at least this many minutes
    exercise = np.zeros((n, SLOTS), bool)
    group = np.full((n, SLOTS), -1, np.int32)
    used = np.zeros((n, SLOTS), bool)

    place[:, Slot.NIGHT] = night_places(city, people, seed, day_index - 1)
    place[:, Slot.HOME] = night_places(city, people, seed, day_index)
    used[:, [Slot.NIGHT, Slot.HOME]] = True

    plan = _Draft(place, want, until, stay, used)
    _daytime(rng, people, weekday, plan)
    _errands(rng, city, people, plan, exercise)
    _drug_spot_visits(rng, city, people, plan)
    _evenings(rng, city, plan)
    gatherings = _gatherings(rng, people, rates, plan, group)
    _curfew_breaches(rng, city, people, plan)
    _return_legs(plan)
    for k in range(1, SLOTS):
        # An unused slot is a zero-length stay where the wearer already is.
        skip = ~used[:, k]
        place[skip, k] = place[skip, k - 1]

    arrive, depart = _solve_times(city, place, want, until, stay, used)
    return DayPlan(place, arrive, depart, exercise, group, gatherings)


def _daytime(
    rng: np.random.Generator, people: Population, weekday: int, plan: _Draft
) -> None:
    n = people.size
    clinic = rng.integers(6 * 60 + 30, 8 * 60, n)
    plan.put(
        people.daily_treatment,
        Slot.CLINIC,
        people.clinic,
        want=clinic,
        stay=rng.integers(20, 45, n),
    )

    goes_out = people.routine != Routine.AT_HOME
    if weekday == 6:  # Sunday: only those without a home leave for the day
        goes_out = people.routine == Routine.NO_RESIDENCE
    plan.put(
        goes_out,
        Slot.DAYTIME,
        people.work,
        want=rng.integers(7 * 60 + 15, 8 * 60 + 45, n),
        until=rng.integers(16 * 60 + 30, 18 * 60, n),
    )
    # A weekly check-in at the ward police office, on the wearer's own weekday.
    checks_in = (people.home % 7) == weekday
    plan.put(
        checks_in,
        Slot.ERRAND,
        people.police,
        want=rng.integers(13 * 60, 16 * 60, n),
        stay=rng.integers(15, 40, n),
    )


def _errands(
    rng: np.random.Generator,
    city: City,
    people: Population,
    plan: _Draft,
    exercise: np.ndarray,
) -> None:
    n = people.size
    free = ~plan.used[:, Slot.ERRAND]
    market = free & (rng.random(n) < 0.3)
    plan.put(
        market,
        Slot.ERRAND,
        rng.choice(city.places_of(PlaceKind.MARKET), n),
        want=rng.integers(16 * 60, 19 * 60, n),
        stay=rng.integers(20, 75, n),
    )
    sport = free & ~market & (rng.random(n) < people.exercise_per_day)
    parks = city.places_of(PlaceKind.PARK)
    plan.put(
        sport,
        Slot.ERRAND,
        parks[people.home % parks.size],
        want=rng.choice([5 * 60 + 30, 17 * 60 + 30], n),
        stay=rng.integers(30, 90, n),
    )
    exercise[sport, Slot.ERRAND] = True


def _drug_spot_visits(
    rng: np.random.Generator, city: City, people: Population, plan: _Draft
) -> None:
    n = people.size
    visits = rng.random(n) < people.exclusion_per_day
    usual = rng.random(n) < 0.8
    spot = np.where(usual, people.favourite_spot, rng.choice(city.zones.place, n))
    plan.put(
        visits,
        Slot.DRUG_SPOT,
        spot,
        want=rng.integers(12 * 60, 20 * 60, n),
        stay=rng.integers(10, 60, n),
    )


def _evenings(rng: np.random.Generator, city: City, plan: _Draft) -> None:
    n: int = plan.place.shape[0]
    out = rng.random(n) < 0.2
    plan.put(
        out,
        Slot.EVENING,
        rng.choice(city.places_of(PlaceKind.CAFE), n),
        want=rng.integers(18 * 60 + 30, 20 * 60 + 30, n),
        stay=rng.integers(30, 90, n),
    )
    # Home in time: the wanted arrival keeps the evening before the curfew.
    plan.want[:, Slot.HOME] = rng.integers(20 * 60, 21 * 60 + 30, n)


def _gatherings(
    rng: np.random.Generator,
    people: Population,
    rates: PopulationRates,
    plan: _Draft,
    group: np.ndarray,
) -> list[tuple[int, int, np.ndarray]]:
    """Let some groups meet this evening; return (group, place, members) for each."""
    groups = int(people.group.max()) + 1 if people.size else 0
    meets = rng.random(groups) < rates.group_meetings_per_week / 7
    start = rng.integers(17 * 60 + 45, 20 * 60 + 30, groups)
    length = rng.integers(15, 91, groups)
    attends = rng.random(people.size) < 0.85
    met = []
    for gid in np.flatnonzero(meets):
        members = np.flatnonzero((people.group == gid) & attends)
        if members.size < 3:
            continue
        where = people.group_place[gid]
        plan.place[members, Slot.EVENING] = where
        plan.want[members, Slot.EVENING] = start[gid]
        plan.until[members, Slot.EVENING] = start[gid] + length[gid]
        plan.stay[members, Slot.EVENING] = 0
        plan.used[members, Slot.EVENING] = True
        group[members, Slot.EVENING] = gid
        met.append((int(gid), int(where), members))
    return met


def _curfew_breaches(
    rng: np.random.Generator, city: City, people: Population, plan: _Draft
) -> None:
    """Break curfew three ways: home late, out after midnight, out late evening."""
    n = people.size
    has_curfew = people.curfew_start_min >= 0
    breach = has_curfew & (rng.random(n) < people.breach_per_night)
    kind = rng.choice(3, n, p=[0.5, 0.25, 0.25])
    cafes = rng.choice(city.places_of(PlaceKind.CAFE), n)
    venue = np.where(rng.random(n) < 0.5, cafes, people.favourite_spot)
    start = people.curfew_start_min.astype(np.int32)

    # Every outing ends by 23:20, leaving 40 minutes for the trip home: a day's
    # plan never runs into the next one, where the wearer wakes at home.
    latest = 23 * 60 + 20
    late = breach & (kind == 0)
    fill = late & ~plan.used[:, Slot.EVENING]
    plan.put(fill, Slot.EVENING, venue, want=start - rng.integers(60, 120, n))
    back = np.minimum(start + rng.integers(20, 120, n), latest)
    plan.until[late, Slot.EVENING] = back[late]
    plan.want[late, Slot.HOME] = _NEVER

    # A curfew from 23:00 leaves no room for an outing before midnight.
    kind = np.where((kind == 2) & (start >= latest - 30), 1, kind)
    early = breach & (kind == 1)
    plan.put(
        early,
        Slot.EARLY_OUTING,
        venue,
        want=rng.integers(60, 210, n),
        stay=rng.integers(30, 120, n),
    )

    evening = breach & (kind == 2)
    leave = start + rng.integers(10, 25, n)
    stay = np.clip(latest - leave, 5, 60)
    plan.put(evening, Slot.LATE_OUTING, venue, want=leave, stay=stay)


def _return_legs(plan: _Draft) -> None:
    """After an outing, go back to where the night is spent."""
    early = plan.used[:, Slot.EARLY_OUTING]
    plan.put(early, Slot.BACK_TO_BED, plan.place[:, Slot.NIGHT])
    late = plan.used[:, Slot.LATE_OUTING]
    plan.put(late, Slot.BACK_HOME, plan.place[:, Slot.HOME])


def _solve_times(
    city: City,
    place: np.ndarray,
    want: np.ndarray,
    until: np.ndarray,
    stay: np.ndarray,
    used: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Leave a stay when it is long enough and it is time to set off; then travel."""
    n = place.shape[0]
    base = place[:, Slot.HOME].copy()
    next_want = _next_wanted(want, used)
    arrive = np.zeros((n, SLOTS), np.int32)
    depart = np.zeros((n, SLOTS), np.int32)
    for k in range(SLOTS):
        if k == SLOTS - 1:
            depart[:, k] = MINUTES
            break
        ready = np.maximum(arrive[:, k] + stay[:, k], until[:, k])
        if k + 1 in PAUSES:
            _decide_pause(city, place, used, base, k + 1, ready, next_want[:, k + 1])
        trip = travel_minutes(city, place[:, k], place[:, k + 1])
        depart[:, k] = np.clip(np.maximum(ready, want[:, k + 1] - trip), 0, MINUTES - 1)
        # About two wearers in 10,000 would still be on the way at midnight; they
        # arrive at 23:59 on a faster last leg instead of jumping home at 00:00.
        arrive[:, k + 1] = np.minimum(depart[:, k] + trip, MINUTES - 1)
    return arrive, depart


def _next_wanted(want: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Return, per slot, the wanted arrival of the next used slot after it."""
    following = np.full(want.shape, MINUTES, np.int32)
    upcoming = np.full(want.shape[0], MINUTES, np.int32)
    for k in range(SLOTS - 1, -1, -1):
        following[:, k] = upcoming
        wanted = used[:, k] & (want[:, k] != _NEVER)
        upcoming = np.where(wanted, want[:, k], upcoming)
    return following


def _decide_pause(
    city: City,
    place: np.ndarray,
    used: np.ndarray,
    base: np.ndarray,
    slot: int,
    ready: np.ndarray,
    next_want: np.ndarray,
) -> None:
    """Send the wearer to base for a pause when the wait is worth the round trip."""
    here = place[:, slot - 1]
    round_trip = 2 * travel_minutes(city, here, base)
    worth = next_want - ready > round_trip + PAUSE_WORTH_MIN
    place[:, slot] = np.where(worth, base, here)
    # Unused slots up to the next used one copied the visit's place: they follow.
    following = worth.copy()
    for k in range(slot + 1, Slot.HOME):
        following &= ~used[:, k]
        place[following, k] = base[following]
