from __future__ import annotations

import dataclasses

import numpy as np

from vigil.monitor.findings import Step
from vigil.monitor.geometry import Zone
from vigil.monitor.rules import ExclusionRule, InclusionRule, Window
from vigil.monitor.zones import Fixes, exclusion_findings, inclusion_findings

HOME = Zone(lat=21.03, lon=105.85, radius_m=100.0)
SPOT = Zone(lat=21.04, lon=105.86, radius_m=60.0)
T0_MS = 1_796_058_000_000  # 2026-11-30 17:00 UTC: midnight starting 1 December in Hanoi
WIFI, GNSS = 1, 0


def track(
    points: list[tuple[float, float, float]],
    *,
    around: Zone = HOME,
    accuracy_m: float = 6.0,
    source: int = GNSS,
) -> Fixes:
    """Fixes from (minute, metres east, metres north) around a zone's centre."""
    minute, east, north = (np.array(v, float) for v in zip(*points, strict=True))
    lat = around.lat + north / 110_574.0
    lon = around.lon + east / (111_320.0 * np.cos(np.radians(around.lat)))
    n = len(points)
    return Fixes(
        t_ms=(T0_MS + minute * 60_000).astype(np.int64),
        lat=lat,
        lon=lon,
        accuracy_m=np.full(n, accuracy_m),
        source=np.full(n, source),
    )


def at_home(minutes: range) -> list[tuple[float, float, float]]:
    return [(m, 5.0, -3.0) for m in minutes]


def away(minutes: range, east_m: float = 800.0) -> list[tuple[float, float, float]]:
    return [(m, east_m, 0.0) for m in minutes]


ALWAYS = InclusionRule("home", HOME)


def opens(findings: list[object]) -> list[object]:
    return [f for f in findings if getattr(f, "step", None) == Step.OPEN]


def test_single_noisy_fix_outside_opens_no_alert() -> None:
    fixes = track([*at_home(range(0, 30)), (30, 400.0, 0.0), *at_home(range(31, 60))])

    assert inclusion_findings(1, 1, fixes, ALWAYS) == []


def test_real_exit_opens_exactly_one_alert_dated_at_the_exit() -> None:
    fixes = track([*at_home(range(0, 30)), *away(range(30, 90))])

    found = opens(inclusion_findings(1, 1, fixes, ALWAYS))

    assert len(found) == 1
    assert found[0].at_ms == T0_MS + 30 * 60_000  # type: ignore[attr-defined]


def test_return_home_clears_the_episode_where_the_return_began() -> None:
    fixes = track(
        [*at_home(range(0, 10)), *away(range(10, 40)), *at_home(range(40, 60))]
    )

    found = inclusion_findings(1, 1, fixes, ALWAYS)

    assert [f.step for f in found] == [Step.OPEN, Step.CLEAR]
    assert found[1].at_ms == T0_MS + 40 * 60_000


def test_curfew_that_opens_while_the_wearer_is_out_alerts_at_once() -> None:
    # Hanoi is UTC+7: 22:00 local is minute 1320 after local midnight.
    curfew = InclusionRule("curfew", HOME, Window(22 * 60, 6 * 60))
    fixes = track(away(range(21 * 60, 23 * 60)))

    found = opens(inclusion_findings(1, 1, fixes, curfew))

    assert len(found) == 1
    assert found[0].at_ms == T0_MS + 22 * 60 * 60_000  # type: ignore[attr-defined]


def test_being_out_before_the_curfew_opens_is_no_breach() -> None:
    curfew = InclusionRule("curfew", HOME, Window(22 * 60, 6 * 60))
    fixes = track([*away(range(18 * 60, 21 * 60)), *at_home(range(21 * 60, 23 * 60))])

    assert opens(inclusion_findings(1, 1, fixes, curfew)) == []


def test_wifi_fixes_alone_never_open_a_zone_alert() -> None:
    fixes = track(away(range(0, 60), east_m=2_000.0), accuracy_m=40.0, source=WIFI)

    assert inclusion_findings(1, 1, fixes, ALWAYS) == []


def test_implausible_jumps_are_left_out_of_the_judgement() -> None:
    spikes = [(m, 3_000.0 if m % 2 else 5.0, 0.0) for m in range(0, 30)]

    assert inclusion_findings(1, 1, track(spikes), ALWAYS) == []


def test_stay_in_an_exclusion_zone_past_the_dwell_alerts() -> None:
    rule = ExclusionRule("spot", SPOT, min_dwell_s=300)
    fixes = track(
        [*away(range(0, 10), 500), *[(m, 10.0, 5.0) for m in range(10, 25)]],
        around=SPOT,
    )

    found = opens(exclusion_findings(1, 1, fixes, rule))

    assert len(found) == 1
    assert found[0].at_ms == T0_MS + 10 * 60_000  # type: ignore[attr-defined]


def test_short_pass_through_an_exclusion_zone_is_not_a_stay() -> None:
    rule = ExclusionRule("spot", SPOT, min_dwell_s=300)
    fixes = track([(0, -300.0, 0.0), (1, 0.0, 0.0), (2, 300.0, 0.0)], around=SPOT)

    assert exclusion_findings(1, 1, fixes, rule) == []


def test_crossing_an_exclusion_zone_between_two_sparse_fixes_alerts() -> None:
    # Fixes half an hour apart on either side: the straight line spends about
    # ten minutes inside the zone.
    rule = ExclusionRule("spot", SPOT, min_dwell_s=300)
    fixes = track([(0, -120.0, 0.0), (30, 120.0, 0.0)], around=SPOT)

    found = opens(exclusion_findings(1, 1, fixes, rule))

    assert len(found) == 1


def test_polygon_zone_judges_inside_and_outside() -> None:
    square = Zone(
        lat=HOME.lat,
        lon=HOME.lon,
        polygon_lonlat=tuple(
            (HOME.lon + dx, HOME.lat + dy)
            for dx, dy in [
                (-0.001, -0.001),
                (0.001, -0.001),
                (0.001, 0.001),
                (-0.001, 0.001),
            ]
        ),
    )
    rule = InclusionRule("yard", square)
    fixes = track([*at_home(range(0, 10)), *away(range(10, 40))])

    assert len(opens(inclusion_findings(1, 1, fixes, rule))) == 1


def test_findings_are_stable_when_the_same_fixes_are_judged_again() -> None:
    fixes = track([*at_home(range(0, 30)), *away(range(30, 90))])

    assert inclusion_findings(1, 1, fixes, ALWAYS) == inclusion_findings(
        1, 1, fixes, ALWAYS
    )


def with_speed(fixes: Fixes, speed_mps: float) -> Fixes:
    return dataclasses.replace(fixes, speed_mps=np.full(fixes.t_ms.size, speed_mps))


def test_still_receiver_pulled_outside_by_multipath_opens_nothing() -> None:
    # Ten minutes of fixes 400 m off with a good accuracy, but Doppler says still.
    fixes = track(
        [*at_home(range(0, 30)), *away(range(30, 40), 400.0), *at_home(range(40, 60))]
    )

    assert inclusion_findings(1, 1, with_speed(fixes, 0.1), ALWAYS) == []


def test_leaving_home_on_the_move_still_opens_an_alert() -> None:
    fixes = track([*at_home(range(0, 30)), *away(range(30, 90))])

    assert len(opens(inclusion_findings(1, 1, with_speed(fixes, 6.0), ALWAYS))) == 1


def test_home_just_before_the_curfew_with_lagging_evidence_is_no_breach() -> None:
    curfew = InclusionRule("curfew", HOME, Window(22 * 60, 6 * 60))
    # Out all evening, back at 21:59; the first fixes at home are unclear.
    unclear = [(m, 140.0, 0.0) for m in range(22 * 60 - 1, 22 * 60 + 3)]
    fixes = track(
        [
            *away(range(19 * 60, 22 * 60 - 1)),
            *unclear,
            *at_home(range(22 * 60 + 3, 23 * 60)),
        ]
    )

    assert opens(inclusion_findings(1, 1, fixes, curfew)) == []


def test_staying_out_longer_than_multipath_lasts_is_an_exit_without_seen_motion() -> (
    None
):
    fixes = track([*at_home(range(0, 30)), *away(range(30, 90), 400.0)])

    found = opens(inclusion_findings(1, 1, with_speed(fixes, 0.0), ALWAYS))

    assert len(found) == 1
    assert found[0].at_ms == T0_MS + 30 * 60_000  # type: ignore[attr-defined]
    assert found[0].evidence["confirmed_ms"] >= T0_MS + 50 * 60_000  # type: ignore[attr-defined]
