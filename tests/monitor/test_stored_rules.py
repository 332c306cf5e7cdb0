from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from vigil.monitor.rules import ExclusionRule, InclusionRule
from vigil.monitor.stored import RuleError, rules_for, to_rule
from vigil.simulate.fleet import FleetDevice
from vigil.store.db import make_engine
from vigil.store.registry import Subject
from vigil.store.rules import StoredRule

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HOME = {"type": "Point", "coordinates": [105.85, 21.03]}
SPOT = {
    "type": "Polygon",
    "coordinates": [
        [[105.86, 21.04], [105.861, 21.04], [105.861, 21.041], [105.86, 21.04]]
    ],
}


def stored(**fields: object) -> StoredRule:
    defaults: dict[str, object] = {
        "kind": "inclusion",
        "name": "home",
        "zone": HOME,
        "radius_m": 100.0,
        "window": {"start": "22:00", "end": "06:00"},
        "params": {},
        "active_from": NOW - timedelta(days=1),
        "created_at": NOW,
    }
    return StoredRule(**{**defaults, **fields})


def test_a_subjects_curfew_and_the_units_zones_are_in_force_together(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with Session(make_engine(database_url)) as session, session.begin():
        subject = session.get(Subject, fleet[0].subject_id)
        assert subject is not None
        session.add(stored(subject_id=subject.id))
        session.add(
            stored(
                kind="exclusion",
                name="spot",
                zone=SPOT,
                radius_m=None,
                window=None,
                unit_id=subject.unit_id,
                params={"min_dwell_s": 600},
            )
        )
        session.add(
            stored(subject_id=subject.id, active_until=NOW - timedelta(hours=1))
        )
        session.flush()

        rules = rules_for(session, subject.id, [subject.unit_id], NOW)

    assert [type(r) for r in rules] == [InclusionRule, ExclusionRule]
    curfew, spot = rules
    assert isinstance(curfew, InclusionRule)
    assert curfew.window is not None
    assert (curfew.window.start_min, curfew.window.end_min) == (1320, 360)
    assert curfew.zone.radius_m == 100.0
    assert isinstance(spot, ExclusionRule)
    assert spot.min_dwell_s == 600.0
    assert len(spot.zone.polygon_lonlat) == 4


def test_a_point_zone_without_a_radius_is_refused() -> None:
    with pytest.raises(RuleError, match="Point"):
        to_rule(stored(id=1, radius_m=None))


def test_unknown_rule_parameters_are_refused() -> None:
    with pytest.raises(RuleError, match="min_dwell_s"):
        to_rule(stored(id=2, params={"min_dwell_s": 60}))


def test_parameters_must_be_numbers() -> None:
    with pytest.raises(RuleError, match="number"):
        to_rule(stored(id=3, kind="exclusion", window=None, params={"buffer_m": "far"}))
