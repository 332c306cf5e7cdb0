"""The simulation, day by day: plans, movement, bodies, radios and batteries.

A day is planned for everyone at once (gatherings need all members), then
simulated in chunks of ``CHUNK`` wearers so that arrays stay in cache. Every
random draw comes from a generator seeded by (seed, stream, day, chunk): the same
seed and fleet size give the same output, whatever else runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np

from vigil.simulate.city import City, build_city
from vigil.simulate.clock import MINUTE_MS, day_start_ms
from vigil.simulate.episodes import EpisodeTracker
from vigil.simulate.gnss import FixesDay, GnssParams, observe_fixes
from vigil.simulate.hardware import (
    DeviceProfiles,
    DeviceState,
    HardwareDay,
    HardwareRates,
    close_open_events,
    draw_devices,
    initial_state,
    simulate_hardware,
)
from vigil.simulate.mobility import Movement, move
from vigil.simulate.physiology import (
    PhysioProfiles,
    PhysioRates,
    VitalsDay,
    draw_profiles,
    simulate_vitals,
)
from vigil.simulate.population import Population, PopulationRates, draw_population
from vigil.simulate.schedule import DayPlan, Slot, plan_day
from vigil.simulate.truth import TruthEvent

CHUNK = 1024
# Mean daily maximum in Hanoi by month, °C (climate normals, rounded).
HANOI_MAX_C = (19.5, 20.0, 23.0, 27.5, 32.0, 33.0, 33.0, 32.0, 31.0, 29.0, 25.5, 21.5)
MIN_GATHERING_MIN = 15

_T = TypeVar("_T")


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; every rate has a documented default."""

    wearers: int
    start: date
    days: int = 1
    seed: int = 1
    wards: int = 8
    population: PopulationRates = field(default_factory=PopulationRates)
    physiology: PhysioRates | None = None
    hardware: HardwareRates | None = None
    gnss: GnssParams | None = None


@dataclass(frozen=True)
class ChunkDay:
    """One day of one chunk of wearers: every array is (len(wearers), 1440)."""

    day: date
    day_start_ms: int
    wearers: np.ndarray  # global indices
    lat: np.ndarray
    lon: np.ndarray
    movement: Movement
    fixes: FixesDay
    vitals: VitalsDay
    hardware: HardwareDay


def take(obj: _T, index: np.ndarray) -> _T:
    """Return a copy of a per-wearer dataclass holding only the wearers in ``index``."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            values[f.name] = value[index]
        elif isinstance(value, tuple):
            values[f.name] = tuple(value[i] for i in index.tolist())
        else:
            values[f.name] = value
    return type(obj)(**values)


def put_back(whole: Any, index: np.ndarray, part: Any) -> None:
    """Write a chunk's carried-over state back into the whole population's."""
    for f in dataclasses.fields(whole):
        value = getattr(whole, f.name)
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            value[index] = getattr(part, f.name)


class Simulation:
    """A fleet of simulated wearers, advanced one local day at a time."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        n, seed = config.wearers, config.seed
        self.city: City = build_city(seed, n, config.wards)
        self.people: Population = draw_population(self.city, n, seed, config.population)
        self.physio: PhysioProfiles = draw_profiles(
            n, np.random.default_rng([seed, 5]), config.physiology
        )
        self.devices: DeviceProfiles = draw_devices(
            n, np.random.default_rng([seed, 6]), config.hardware
        )
        self.state: DeviceState = initial_state(
            self.devices, np.random.default_rng([seed, 7])
        )
        self._curfew = EpisodeTracker("curfew_breach")
        self._exclusion = EpisodeTracker("exclusion_visit", key_name="zone")

    @property
    def days(self) -> list[date]:
        """Return the local dates the configuration covers."""
        return [self.config.start + timedelta(days=d) for d in range(self.config.days)]

    def run_day(self, day: date) -> Iterator[tuple[ChunkDay, list[TruthEvent]]]:
        """Simulate ``day`` chunk by chunk, with the truth each chunk produced."""
        seed, start_ms = self.config.seed, day_start_ms(day)
        plan = plan_day(
            self.city,
            self.people,
            seed,
            day.toordinal(),
            day.weekday(),
            self.config.population,
        )
        ambient_c = self._ambient_c(day)
        gatherings = list(_gathering_truth(plan, start_ms))
        for number, first in enumerate(range(0, self.config.wearers, CHUNK)):
            wearers = np.arange(first, min(first + CHUNK, self.config.wearers))
            rng = np.random.default_rng([seed, 10, day.toordinal(), number])
            chunk, events = self._chunk(day, start_ms, plan, wearers, rng, ambient_c)
            if number == 0:
                events = gatherings + events
            yield chunk, events

    def finish(self) -> list[TruthEvent]:
        """Close the episodes still open at the end of the last day."""
        end_ms = day_start_ms(self.days[-1] + timedelta(days=1))
        return [
            *self._curfew.finish(end_ms),
            *self._exclusion.finish(end_ms),
            *close_open_events(self.state, end_ms),
        ]

    def _ambient_c(self, day: date) -> float:
        rng = np.random.default_rng([self.config.seed, 8, day.toordinal()])
        return float(HANOI_MAX_C[day.month - 1] + rng.normal(0.0, 2.0))

    def _chunk(
        self,
        day: date,
        start_ms: int,
        plan: DayPlan,
        wearers: np.ndarray,
        rng: np.random.Generator,
        ambient_c: float,
    ) -> tuple[ChunkDay, list[TruthEvent]]:
        movement = move(self.city, self.people, plan, wearers, rng)
        vitals, body_events = simulate_vitals(
            take(self.physio, wearers),
            movement.activity,
            start_ms,
            rng,
            self.config.physiology,
            ambient_c,
        )
        _freeze_collapsed(movement, vitals.collapsed)
        lat, lon = self.city.frame.to_latlon(movement.x_m, movement.y_m)
        fixes = observe_fixes(
            lat,
            lon,
            movement.indoor,
            movement.speed_mps,
            movement.urban_density,
            rng,
            self.config.gnss,
        )
        state = take(self.state, wearers)
        hardware, device_events = simulate_hardware(
            take(self.devices, wearers),
            state,
            movement.at_night_place,
            movement.asleep,
            start_ms,
            rng,
            self.config.hardware,
        )
        put_back(self.state, wearers, state)

        events = [_globalised(e, wearers) for e in [*body_events, *device_events]]
        events += self._episodes(start_ms, wearers, movement)
        chunk = ChunkDay(
            day, start_ms, wearers, lat, lon, movement, fixes, vitals, hardware
        )
        return chunk, events

    def _episodes(
        self, start_ms: int, wearers: np.ndarray, movement: Movement
    ) -> list[TruthEvent]:
        """Derive curfew breaches and zone visits from where wearers truly were."""
        people, city = self.people, self.city
        home = people.home[wearers]
        away_m = np.hypot(
            movement.x_m - city.place_x[home][:, None],
            movement.y_m - city.place_y[home][:, None],
        )
        minute = np.arange(away_m.shape[1])[None, :]
        start = people.curfew_start_min[wearers][:, None]
        end = people.curfew_end_min[wearers][:, None]
        in_window = (start >= 0) & ((minute >= start) | (minute < end))
        outside = away_m > people.home_radius_m[wearers][:, None]
        breaches = list(self._curfew.day(start_ms, wearers, in_window & outside))

        zone = city.zone_raster.at(movement.x_m, movement.y_m)
        visits = list(self._exclusion.day(start_ms, wearers, zone >= 0, keys=zone))
        return breaches + visits


def _freeze_collapsed(movement: Movement, collapsed: np.ndarray) -> None:
    """Hold a collapsed wearer where they fell: no movement, no steps."""
    if not collapsed.any():
        return
    rows, minutes = np.nonzero(collapsed)
    for row in np.unique(rows):
        fell = minutes[rows == row]
        first = int(fell.min())
        movement.x_m[row, fell] = movement.x_m[row, first]
        movement.y_m[row, fell] = movement.y_m[row, first]
        movement.speed_mps[row, fell] = 0.0


def _globalised(event: TruthEvent, wearers: np.ndarray) -> TruthEvent:
    return dataclasses.replace(
        event, wearers=tuple(int(wearers[i]) for i in event.wearers)
    )


def _gathering_truth(plan: DayPlan, start_ms: int) -> Iterator[TruthEvent]:
    """Yield each gathering while at least three members were there together."""
    for group, place, members in plan.gatherings:
        arrive = plan.arrive[members, Slot.EVENING]
        depart = plan.depart[members, Slot.EVENING]
        minutes = np.arange(int(arrive.min()), int(depart.max()))
        present = (minutes[None, :] >= arrive[:, None]) & (
            minutes[None, :] < depart[:, None]
        )
        together = present.sum(axis=0) >= 3
        if together.sum() < MIN_GATHERING_MIN:
            continue
        first, last = minutes[together][0], minutes[together][-1] + 1
        attended = present[:, together].any(axis=1)
        yield TruthEvent(
            "gathering",
            tuple(int(m) for m in members[attended]),
            start_ms + int(first) * MINUTE_MS,
            start_ms + int(last) * MINUTE_MS,
            {"group": group, "place": place},
        )
