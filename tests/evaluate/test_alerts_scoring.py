from __future__ import annotations

from vigil.evaluate.alerts import Alert, _score, run
from vigil.simulate.truth import TruthEvent

MIN = 60_000


def breach(wearer: int, start_min: int, minutes: int) -> TruthEvent:
    return TruthEvent(
        "curfew_breach", (wearer,), start_min * MIN, (start_min + minutes) * MIN
    )


def alert(wearer: int, start_min: int, detected_min: int, end_min: int) -> Alert:
    return Alert(
        wearer, "curfew", 0, start_min * MIN, detected_min * MIN, end_min * MIN
    )


def test_an_alert_overlapping_a_breach_is_true_and_its_delay_is_measured() -> None:
    scored = _score([alert(1, 100, 108, 160)], [breach(1, 100, 60)], {}, 10)

    assert scored["precision"] == 1.0
    assert scored["recall"] == 1.0
    assert scored["detection_delay_p95_s"] == 480.0


def test_an_alert_for_another_wearer_is_false_and_the_breach_missed() -> None:
    scored = _score([alert(2, 100, 108, 160)], [breach(1, 100, 60)], {}, 10)

    assert scored["precision"] == 0.0
    assert scored["recall"] == 0.0
    assert scored["false_alerts_per_wearer_day"] == 0.1


def test_breaches_shorter_than_the_grace_period_are_not_counted_against_recall() -> (
    None
):
    scored = _score([], [breach(1, 100, 5)], {}, 10)

    assert scored["violations_longer_than_grace"] == 0
    assert scored["recall"] is None


def test_a_small_simulated_run_is_scored_end_to_end() -> None:
    scored = run(wearers=120, days=2, seed=3, truth_path=None)

    assert scored["wearer_days"] == 240
    assert scored["alerts"] >= scored["true_alerts"] >= 0
    assert 0.0 <= scored["false_alerts_per_wearer_day"] < 0.2
    device = scored["device"]
    assert device["battery_deaths"] >= 0
    assert set(device) >= {"tamper_precision", "tamper_recall", "sos_recall"}
