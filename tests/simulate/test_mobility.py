from __future__ import annotations

from functools import cache

import numpy as np

from vigil.simulate.city import City, PlaceKind, build_city
from vigil.simulate.mobility import Movement, move
from vigil.simulate.population import Population, Routine, draw_population
from vigil.simulate.schedule import RIDE_MPS, DayPlan, Slot, plan_day

N = 600
DAY = 739_500  # an ordinal day number


@cache
def world(seed: int = 3) -> tuple[City, Population]:
    city = build_city(seed, N)
    return city, draw_population(city, N, seed)


def day_of(day: int, seed: int = 3) -> tuple[DayPlan, Movement]:
    city, people = world(seed)
    plan = plan_day(city, people, seed, day, day % 7)
    return plan, move(city, people, plan, np.arange(N), np.random.default_rng(day))


def test_same_seed_gives_the_same_city_and_days() -> None:
    a, b = build_city(5, 200), build_city(5, 200)
    assert np.array_equal(a.place_x, b.place_x)
    assert np.array_equal(day_of(DAY)[1].x_m, day_of(DAY)[1].x_m)


def test_other_seed_gives_another_city() -> None:
    assert not np.array_equal(build_city(5, 200).place_x, build_city(6, 200).place_x)


def test_wards_carry_real_hanoi_names_and_codes() -> None:
    city, _ = world()
    assert city.wards[0].name == "Phường Hoàn Kiếm"
    assert city.wards[0].code == "00070"


def test_stays_are_in_order_and_never_negative() -> None:
    plan, _ = day_of(DAY)
    assert (np.diff(plan.arrive, axis=1) >= 0).all()
    assert (plan.arrive <= plan.depart).all()


def test_nobody_moves_faster_than_a_motorbike_within_a_day() -> None:
    _, movement = day_of(DAY)
    step_m = np.hypot(np.diff(movement.x_m, axis=1), np.diff(movement.y_m, axis=1))
    # Per-minute jitter in a place adds a few metres to the fastest trips.
    assert np.percentile(step_m, 99.9) <= RIDE_MPS * 60 * 1.1


def test_midnight_joins_one_day_to_the_next_without_a_jump() -> None:
    _, today = day_of(DAY)
    _, tomorrow = day_of(DAY + 1)
    jump_m = np.hypot(
        today.x_m[:, -1] - tomorrow.x_m[:, 0], today.y_m[:, -1] - tomorrow.y_m[:, 0]
    )
    assert np.percentile(jump_m, 99) < 30
    assert (jump_m < RIDE_MPS * 60 * 2).mean() > 0.995


def test_people_with_a_home_spend_most_nights_there() -> None:
    _, people = world()
    _, movement = day_of(DAY)
    housed = people.routine != Routine.NO_RESIDENCE
    at_three_am = movement.place[housed, 3 * 60] == people.home[housed]
    assert at_three_am.mean() > 0.9


def test_people_without_a_residence_sleep_in_changing_places() -> None:
    city, people = world()
    homeless = np.flatnonzero(people.routine == Routine.NO_RESIDENCE)
    nights = np.stack([day_of(DAY + d)[1].place[homeless, 3 * 60] for d in range(4)])
    changed = (nights != nights[0]).any(axis=0)
    assert 0.3 < changed.mean() < 0.95
    kinds = city.place_kind[nights[nights >= 0]]
    assert set(np.unique(kinds)) <= {
        PlaceKind.SHELTER,
        PlaceKind.MARKET,
        PlaceKind.PARK,
    }


def test_gathering_members_stand_within_tens_of_metres() -> None:
    plan, movement = day_of(DAY)
    _, _, members = plan.gatherings[0]
    start = int(plan.arrive[members, Slot.EVENING].max())
    x, y = movement.x_m[members, start], movement.y_m[members, start]
    assert np.hypot(x - x.mean(), y - y.mean()).max() < 30


def test_curfew_breaches_happen_at_about_the_configured_rate() -> None:
    _, people = world()
    nights = [day_of(DAY + d)[0] for d in range(5)]
    housed = people.curfew_start_min >= 0
    # The evening outings and late returns show as being away after the curfew starts.
    away = [
        (plan.arrive[housed, Slot.HOME] > people.curfew_start_min[housed])
        | (plan.place[housed, Slot.LATE_OUTING] != plan.place[housed, Slot.HOME])
        | (plan.place[housed, Slot.EARLY_OUTING] != plan.place[housed, Slot.NIGHT])
        for plan in nights
    ]
    rate = np.mean(away)
    assert 0.01 < rate < 0.08
