from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.alerts.builders import NOW, a_finding, open_session
from vigil.alerts.book import AlertBook
from vigil.alerts.escalation import Deadlines, escalate_overdue
from vigil.alerts.lifecycle import acknowledge
from vigil.alerts.models import Alert, AlertEvent, Notification
from vigil.monitor.findings import Severity
from vigil.simulate.fleet import FleetDevice


def test_an_unacknowledged_critical_alert_escalates_once_per_level(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    critical = a_finding(fleet[0], kind="tamper", severity=Severity.CRITICAL)
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [critical], NOW)

        early = escalate_overdue(session, NOW + timedelta(seconds=119))
        first = escalate_overdue(session, NOW + timedelta(minutes=2))
        repeat = escalate_overdue(session, NOW + timedelta(minutes=3))
        second = escalate_overdue(session, NOW + timedelta(minutes=4))
        alert = session.scalars(select(Alert)).one()
        escalations = session.scalars(
            select(AlertEvent.detail).where(AlertEvent.what == "escalated")
        ).all()
        purposes = session.scalars(
            select(Notification.purpose).where(Notification.purpose != "opened")
        ).all()

        assert (early, repeat) == ([], [])
        assert first == [(alert.id, 1)]
        assert second == [(alert.id, 2)]
        assert alert.escalation_level == 2
        assert escalations == [{"level": 1}, {"level": 2}]
        assert sorted(set(purposes)) == ["escalated:1", "escalated:2"]


def test_an_acknowledged_alert_does_not_escalate(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [a_finding(fleet[0])], NOW)
        alert = session.scalars(select(Alert)).one()
        acknowledge(session, alert, "operator1", NOW + timedelta(minutes=1))

        assert escalate_overdue(session, NOW + timedelta(hours=5)) == []


def test_deadlines_are_configurable_per_severity(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [a_finding(fleet[0])], NOW)  # high

        assert escalate_overdue(session, NOW + timedelta(seconds=30)) == []
        escalated = escalate_overdue(
            session, NOW + timedelta(seconds=30), Deadlines(high_s=30)
        )

        assert [level for _, level in escalated] == [1]


def test_escalation_stops_at_the_highest_level(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [a_finding(fleet[0])], NOW)

        escalated = escalate_overdue(session, NOW + timedelta(days=1))

        assert [level for _, level in escalated] == [1, 2, 3]
