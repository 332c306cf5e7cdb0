from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.builders import NOW, a_finding, open_session
from vigil.alerts.book import AlertBook
from vigil.alerts.errors import AlertError
from vigil.alerts.lifecycle import acknowledge, add_note, resolve
from vigil.alerts.models import Alert, AlertEvent
from vigil.simulate.fleet import FleetDevice

LATER = NOW + timedelta(minutes=3)


def an_open_alert(session: Session, wearer: FleetDevice) -> Alert:
    AlertBook().apply(session, [a_finding(wearer)], NOW)
    return session.scalars(select(Alert)).one()


def timeline(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        select(AlertEvent.what, AlertEvent.actor).order_by(AlertEvent.id)
    )
    return [(what, actor) for what, actor in rows]


def test_acknowledge_then_resolve_records_who_when_and_why(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        alert = an_open_alert(session, fleet[0])

        acknowledge(session, alert, "operator1", LATER)
        add_note(session, alert, "operator1", "called the wearer", LATER)
        resolve(session, alert, "officer2", "false_alarm", "GPS drift", LATER)
        session.flush()

        assert alert.state == "resolved"
        assert alert.acknowledged_by == "operator1"
        assert alert.resolved_at == LATER
        assert alert.disposition == "false_alarm"
        assert timeline(session) == [
            ("opened", "system"),
            ("acknowledged", "operator1"),
            ("note", "operator1"),
            ("resolved", "officer2"),
        ]


@pytest.mark.parametrize("disposition", [None, "", "suppressed", "whatever"])
def test_resolve_needs_a_disposition(
    database_url: str, fleet: list[FleetDevice], disposition: str | None
) -> None:
    with open_session(database_url) as session, session.begin():
        alert = an_open_alert(session, fleet[0])

        with pytest.raises(AlertError) as refused:
            resolve(session, alert, "officer2", disposition, None, LATER)

        assert refused.value.code == "disposition_required"
        assert alert.state == "open"


def test_resolve_as_other_needs_a_note(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        alert = an_open_alert(session, fleet[0])

        with pytest.raises(AlertError) as refused:
            resolve(session, alert, "officer2", "other", "  ", LATER)

        assert refused.value.code == "note_required"


def test_a_resolved_alert_cannot_be_acknowledged_or_resolved_again(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        alert = an_open_alert(session, fleet[0])
        resolve(session, alert, "officer2", "technical", None, LATER)

        with pytest.raises(AlertError) as acknowledging:
            acknowledge(session, alert, "operator1", LATER)
        with pytest.raises(AlertError) as resolving:
            resolve(session, alert, "officer2", "technical", None, LATER)

        assert acknowledging.value.code == resolving.value.code == "alert_resolved"


def test_acknowledging_twice_is_refused(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        alert = an_open_alert(session, fleet[0])
        acknowledge(session, alert, "operator1", LATER)

        with pytest.raises(AlertError) as refused:
            acknowledge(session, alert, "operator2", LATER)

        assert refused.value.code == "alert_already_acknowledged"
