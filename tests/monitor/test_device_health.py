from __future__ import annotations

import numpy as np

from vigil.monitor.device_health import (
    HealthRules,
    Subject,
    battery_findings,
    hours_left,
    silence_findings,
    sos_findings,
    tamper_findings,
)
from vigil.monitor.findings import Severity, Step

WHO = Subject(device_id=7, subject_id=3)
RULES = HealthRules()
MIN = 60_000


def steps(findings: list[object]) -> list[tuple[str, object]]:
    return [(f.kind, f.step) for f in findings]  # type: ignore[attr-defined]


def test_strap_cut_is_critical_at_once_and_clears_when_restored() -> None:
    found = tamper_findings(
        WHO,
        [10 * MIN, 14 * MIN],
        ["strap_cut", "strap_cut"],
        [False, True],
        RULES,
        20 * MIN,
    )

    assert steps(found) == [("tamper", Step.OPEN), ("tamper", Step.CLEAR)]
    assert found[0].severity == Severity.CRITICAL
    assert found[0].at_ms == 10 * MIN


def test_skin_contact_lost_for_a_few_minutes_is_a_loose_strap_not_an_alert() -> None:
    found = tamper_findings(
        WHO, [0, 4 * MIN], ["skin_contact_lost"] * 2, [False, True], RULES, 30 * MIN
    )

    assert found == []


def test_skin_contact_lost_for_longer_than_the_threshold_alerts() -> None:
    found = tamper_findings(WHO, [0], ["skin_contact_lost"], [False], RULES, 15 * MIN)

    assert steps(found) == [("skin_contact_lost", Step.OPEN)]


def test_every_sos_press_is_a_critical_episode_of_its_own() -> None:
    found = sos_findings(WHO, [5 * MIN, 1 * MIN])

    assert [f.at_ms for f in found] == [1 * MIN, 5 * MIN]
    assert {f.severity for f in found} == {Severity.CRITICAL}


def draining(start_pct: float, pct_per_h: float, hours: int) -> tuple[np.ndarray, ...]:
    t_ms = np.arange(0, hours * 60, 5, dtype=np.int64) * MIN
    pct = np.clip(start_pct - pct_per_h * t_ms / 3_600_000, 0, 100)
    return t_ms, pct, np.zeros(t_ms.size, bool)


def test_low_battery_alerts_with_the_hours_left_at_the_current_drain() -> None:
    t_ms, pct, charging = draining(40.0, 5.0, 6)  # 20 % after 4 h, 5 %/h

    low = [
        f
        for f in battery_findings(WHO, t_ms, pct, charging, RULES)
        if f.kind == "battery_low"
    ]

    assert low[0].step == Step.OPEN
    assert low[0].at_ms == 4 * 60 * MIN
    assert low[0].evidence["hours_left"] == 4.0


def test_charging_clears_the_battery_alert() -> None:
    t_ms, pct, charging = draining(30.0, 5.0, 4)
    charging[-6:] = True

    found = battery_findings(WHO, t_ms, pct, charging, RULES)

    assert steps(found)[:2] == [("battery_low", Step.OPEN), ("battery_low", Step.CLEAR)]


def test_hours_left_is_unknown_while_the_battery_is_not_draining() -> None:
    t_ms = np.arange(0, 120, 5, dtype=np.int64) * MIN
    assert hours_left(t_ms, np.full(t_ms.size, 50.0), t_ms.size - 1) is None


def test_half_an_hour_without_a_batch_is_communication_lost_dated_at_the_last_one() -> (
    None
):
    arrived = np.array([0, 3, 6, 9], dtype=np.int64) * MIN

    found = silence_findings(WHO, "communication_lost", arrived, 1_800, now_ms=50 * MIN)

    assert steps(found) == [("communication_lost", Step.OPEN)]
    assert found[0].at_ms == 9 * MIN


def test_regular_uploads_raise_no_silence() -> None:
    arrived = np.arange(0, 600, 3, dtype=np.int64) * MIN

    assert (
        silence_findings(WHO, "communication_lost", arrived, 1_800, now_ms=600 * MIN)
        == []
    )


def test_a_gap_that_ended_is_opened_and_cleared() -> None:
    arrived = np.array([0, 3, 60, 63], dtype=np.int64) * MIN

    found = silence_findings(WHO, "no_location", arrived, 1_800, now_ms=64 * MIN)

    assert steps(found) == [("no_location", Step.OPEN), ("no_location", Step.CLEAR)]
    assert (found[0].at_ms, found[1].at_ms) == (3 * MIN, 60 * MIN)
