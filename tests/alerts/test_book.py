from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.alerts.builders import NOW, a_finding, count, open_session
from vigil.alerts.book import AlertBook
from vigil.alerts.exceptions import approve_exception
from vigil.alerts.models import Alert, AlertEvent, Notification
from vigil.alerts.routing import Route, Routing
from vigil.monitor.findings import Severity, Step
from vigil.simulate.fleet import FleetDevice


def test_the_same_finding_applied_twice_changes_nothing(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    book = AlertBook()
    findings = [
        a_finding(fleet[0]),
        a_finding(fleet[0], Step.EVIDENCE, at=NOW + timedelta(minutes=1)),
    ]
    with open_session(database_url) as session, session.begin():
        first = book.apply(session, findings, NOW)

    with open_session(database_url) as session, session.begin():
        again = book.apply(session, findings, NOW + timedelta(minutes=5))
        alert = session.scalars(select(Alert)).one()

        assert [change.what for change in first] == ["opened", "evidence"]
        assert again == []
        assert count(session, AlertEvent) == 2
        assert alert.evidence_count == 1
        assert count(session, Notification) == 2  # high: webhook and stream


def test_a_second_open_for_the_same_episode_adds_nothing(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    book = AlertBook()
    with open_session(database_url) as session, session.begin():
        book.apply(session, [a_finding(fleet[0], key="a")], NOW)
        book.apply(session, [a_finding(fleet[0], key="b")], NOW)

        assert count(session, Alert) == 1
        assert count(session, AlertEvent) == 1


def test_an_alert_records_unit_times_and_lateness(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    began = NOW - timedelta(hours=3)
    finding = a_finding(fleet[0], at=began)
    late = replace(finding, late=True)
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [late], NOW)
        alert = session.scalars(select(Alert)).one()

        assert alert.opened_at == began
        assert alert.raised_at == NOW
        assert alert.late is True
        assert alert.unit_id > 0
        assert alert.state == "open"


def test_clear_marks_the_alert_cleared_but_leaves_it_open(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    cleared = NOW + timedelta(minutes=20)
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(
            session,
            [a_finding(fleet[0]), a_finding(fleet[0], Step.CLEAR, at=cleared)],
            NOW + timedelta(minutes=21),
        )
        alert = session.scalars(select(Alert)).one()

        assert alert.cleared_at == cleared
        assert alert.state == "open"


def test_evidence_past_the_cap_keeps_keys_and_counts_but_no_detail(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    book = AlertBook(evidence_detail_cap=2)
    evidence = [
        a_finding(fleet[0], Step.EVIDENCE, at=NOW + timedelta(minutes=n))
        for n in range(1, 5)
    ]
    with open_session(database_url) as session, session.begin():
        book.apply(session, [a_finding(fleet[0]), *evidence], NOW)
        book.apply(session, evidence, NOW)
        alert = session.scalars(select(Alert)).one()
        details = session.scalars(
            select(AlertEvent.detail)
            .where(AlertEvent.what == "evidence")
            .order_by(AlertEvent.id)
        ).all()

        assert alert.evidence_count == 4
        assert details == [{"fixes": 1}, {"fixes": 1}, None, None]


def test_an_exception_suppresses_a_matching_alert_and_records_it(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session, session.begin():
        exception = approve_exception(
            session,
            subject_id=fleet[0].subject_id,
            kinds=["curfew"],
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(hours=1),
            reason="hospital stay",
            approved_by="supervisor1",
            now=NOW - timedelta(days=1),
        )
        changes = AlertBook().apply(session, [a_finding(fleet[0])], NOW)
        alert = session.scalars(select(Alert)).one()
        timeline = session.scalars(select(AlertEvent.what).order_by(AlertEvent.id))

        assert [change.what for change in changes] == ["suppressed"]
        assert alert.state == "resolved"
        assert alert.disposition == "suppressed"
        assert alert.suppressed_by == exception.id
        assert list(timeline) == ["opened", "suppressed"]
        assert count(session, Notification) == 0


@pytest.mark.parametrize(
    ("who", "kind", "hours_later"),
    [
        pytest.param(1, "curfew", 0, id="another subject"),
        pytest.param(0, "exclusion", 0, id="another kind"),
        pytest.param(0, "curfew", 2, id="after the window"),
        pytest.param(0, "sos", 0, id="a health alert"),
    ],
)
def test_an_exception_leaves_a_non_matching_alert_open(
    database_url: str, fleet: list[FleetDevice], who: int, kind: str, hours_later: int
) -> None:
    at = NOW + timedelta(hours=hours_later)
    with open_session(database_url) as session, session.begin():
        approve_exception(
            session,
            subject_id=fleet[0].subject_id,
            kinds=None if kind == "sos" else ["curfew"],
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(hours=1),
            reason="court hearing",
            approved_by="supervisor1",
            now=NOW,
        )
        AlertBook().apply(session, [a_finding(fleet[who], kind=kind, at=at)], at)
        alert = session.scalars(select(Alert)).one()

        assert alert.state == "open"
        assert alert.suppressed_by is None


def test_a_medical_alert_notifies_medical_responders_first(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    finding = a_finding(fleet[0], kind="sos", severity=Severity.CRITICAL)
    with open_session(database_url) as session, session.begin():
        AlertBook().apply(session, [finding], NOW)
        routes = session.execute(
            select(Notification.channel, Notification.target).order_by(
                Notification.priority, Notification.id
            )
        ).all()

        assert routes[:2] == [("webhook", "medical"), ("sms", "medical-duty")]
        assert ("webhook", "operations") in routes


def test_routing_by_kind_replaces_the_severity_routes(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    routing = Routing(by_kind={"battery_low": (Route("stream", "console"),)})
    finding = a_finding(fleet[0], kind="battery_low", severity=Severity.CRITICAL)
    with open_session(database_url) as session, session.begin():
        AlertBook(routing).apply(session, [finding], NOW)

        assert session.scalars(select(Notification.channel)).all() == ["stream"]


def test_notifications_are_written_in_the_same_transaction_as_the_alert(
    database_url: str, fleet: list[FleetDevice]
) -> None:
    with open_session(database_url) as session:
        with session.begin():
            AlertBook().apply(session, [a_finding(fleet[0])], NOW)
            assert count(session, Notification) > 0
            session.rollback()

        with session.begin():
            assert count(session, Alert) == 0
            assert count(session, Notification) == 0
