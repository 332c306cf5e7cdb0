"""The wearers: where they live, what their days are made of, how they comply.

Rates are per wearer and heterogeneous on purpose: most people keep their
conditions most of the time and a few account for most breaches, which is what
supervision data show and what a detector must cope with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from vigil.simulate.city import City, PlaceKind


class Routine(IntEnum):
    """The shape of a wearer's weekday."""

    WORKER = 0
    STUDENT = 1  # vocational training, common after rehabilitation
    AT_HOME = 2  # unemployed or caring for family
    NO_RESIDENCE = 3  # sleeps in changing places; no curfew at a fixed home


@dataclass(frozen=True)
class PopulationRates:
    """Shares and rates that shape the population; each has a stated basis."""

    # Routine mix: most people under post-rehabilitation management work or train.
    worker_share: float = 0.55
    student_share: float = 0.10
    no_residence_share: float = 0.08
    # Share on opioid substitution, visiting a clinic every morning.
    daily_treatment_share: float = 0.20
    # Mean nightly probability of breaking curfew; gamma-distributed across people.
    curfew_breach_per_night: float = 0.03
    # Mean daily probability of a visit to a known drug-use location.
    exclusion_visit_per_day: float = 0.02
    # Share of wearers in a group that meets, and how often a group meets.
    grouped_share: float = 0.30
    group_meetings_per_week: float = 1.5
    exercise_days_per_week: float = 1.0
    home_radius_m: float = 100.0


@dataclass(frozen=True)
class Population:
    """Per-wearer attributes, arrays of length N."""

    home: np.ndarray  # int32 place id (for NO_RESIDENCE: the registered address)
    work: np.ndarray  # int32 place id of work, school or the usual daytime place
    routine: np.ndarray  # uint8 Routine
    ward: np.ndarray  # int16 ward index (of the home)
    daily_treatment: np.ndarray  # bool
    clinic: np.ndarray  # int32 place id of the treatment centre
    police: np.ndarray  # int32 place id of the ward police office
    curfew_start_min: np.ndarray  # int16 minute of the local day; -1: no curfew
    curfew_end_min: np.ndarray  # int16
    home_radius_m: np.ndarray  # float32
    breach_per_night: np.ndarray  # float32
    exclusion_per_day: np.ndarray  # float32
    exercise_per_day: np.ndarray  # float32
    favourite_spot: np.ndarray  # int32 drug spot a person drifts back to
    group: np.ndarray  # int32 group id, -1 for none
    group_place: np.ndarray  # int32 per group: where the group usually meets

    @property
    def size(self) -> int:
        """Return the number of wearers."""
        return int(self.home.size)


def draw_population(
    city: City, n: int, seed: int, rates: PopulationRates | None = None
) -> Population:
    """Draw ``n`` wearers living in ``city``."""
    rates = rates or PopulationRates()
    rng = np.random.default_rng([seed, 2])
    homes = city.places_of(PlaceKind.HOME)[:n]
    routine = _routines(rng, n, rates)
    police_by_ward = _police_by_ward(city)
    ward = city.place_ward[homes]
    curfew_start, curfew_end = _curfews(rng, routine)
    group, group_place = _groups(rng, city, n, rates)
    return Population(
        home=homes,
        work=_daytime_places(rng, city, routine, homes),
        routine=routine,
        ward=ward,
        daily_treatment=rng.random(n) < rates.daily_treatment_share,
        clinic=_nearest(city, homes, PlaceKind.TREATMENT),
        police=police_by_ward[ward],
        curfew_start_min=curfew_start,
        curfew_end_min=curfew_end,
        home_radius_m=np.full(n, rates.home_radius_m, np.float32),
        breach_per_night=_heterogeneous(rng, n, rates.curfew_breach_per_night),
        exclusion_per_day=_heterogeneous(rng, n, rates.exclusion_visit_per_day),
        exercise_per_day=_heterogeneous(rng, n, rates.exercise_days_per_week / 7, 2.0),
        favourite_spot=rng.choice(city.places_of(PlaceKind.DRUG_SPOT), n),
        group=group,
        group_place=group_place,
    )


def _routines(rng: np.random.Generator, n: int, rates: PopulationRates) -> np.ndarray:
    at_home = 1 - rates.worker_share - rates.student_share - rates.no_residence_share
    shares = [
        rates.worker_share,
        rates.student_share,
        at_home,
        rates.no_residence_share,
    ]
    return rng.choice(4, size=n, p=shares).astype(np.uint8)


def _heterogeneous(
    rng: np.random.Generator, n: int, mean: float, shape: float = 0.5
) -> np.ndarray:
    """Gamma-distributed rates: a shape below 1 puts most breaches on a few people."""
    return np.minimum(rng.gamma(shape, mean / shape, n), 1.0).astype(np.float32)


def _curfews(
    rng: np.random.Generator, routine: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Most orders say home 22:00–06:00; some 23:00–05:00; none without a home."""
    late = rng.random(routine.size) < 0.3
    start = np.where(late, 23 * 60, 22 * 60).astype(np.int16)
    end = np.where(late, 5 * 60, 6 * 60).astype(np.int16)
    none = routine == Routine.NO_RESIDENCE
    return np.where(none, -1, start).astype(np.int16), np.where(none, -1, end).astype(
        np.int16
    )


def _daytime_places(
    rng: np.random.Generator, city: City, routine: np.ndarray, homes: np.ndarray
) -> np.ndarray:
    work = rng.choice(city.places_of(PlaceKind.WORK), routine.size)
    school = rng.choice(city.places_of(PlaceKind.SCHOOL), routine.size)
    market = rng.choice(city.places_of(PlaceKind.MARKET), routine.size)
    daytime = np.where(routine == Routine.WORKER, work, homes)
    daytime = np.where(routine == Routine.STUDENT, school, daytime)
    return np.where(routine == Routine.NO_RESIDENCE, market, daytime).astype(np.int32)


def _nearest(city: City, origins: np.ndarray, kind: PlaceKind) -> np.ndarray:
    targets = city.places_of(kind)
    nearest = np.empty(origins.size, np.int32)
    for start in range(0, origins.size, 20_000):
        o = origins[start : start + 20_000]
        d = np.abs(city.place_x[o, None] - city.place_x[targets]) + np.abs(
            city.place_y[o, None] - city.place_y[targets]
        )
        nearest[start : start + o.size] = targets[np.argmin(d, axis=1)]
    return nearest


def _police_by_ward(city: City) -> np.ndarray:
    police = city.places_of(PlaceKind.POLICE)
    return police[np.argsort(city.place_ward[police])]


def _groups(
    rng: np.random.Generator, city: City, n: int, rates: PopulationRates
) -> tuple[np.ndarray, np.ndarray]:
    """Put a share of wearers in groups of 3–8 that meet at a usual place."""
    members = rng.permutation(n)[: int(rates.grouped_share * n)]
    sizes: list[int] = []
    while sum(sizes) < members.size:
        sizes.append(int(rng.integers(3, 9)))
    group = np.full(n, -1, np.int32)
    start = 0
    for gid, size in enumerate(sizes):
        group[members[start : start + size]] = gid
        start += size
    if sizes and sum(sizes) > members.size:
        # The last group may have come out short; fold it into the previous one.
        short = group == len(sizes) - 1
        if short.sum() < 3:
            group[short] = max(0, len(sizes) - 2)
    meeting_kinds = np.concatenate(
        [city.places_of(PlaceKind.CAFE), city.places_of(PlaceKind.PARK)]
    )
    usual = rng.choice(meeting_kinds, len(sizes))
    # A fifth of the groups meet at a known drug-use location.
    at_spot = rng.random(len(sizes)) < 0.2
    usual = np.where(
        at_spot, rng.choice(city.places_of(PlaceKind.DRUG_SPOT), len(sizes)), usual
    )
    return group, usual.astype(np.int32)
