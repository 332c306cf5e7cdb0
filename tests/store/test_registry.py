from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from tests.store.builders import (
    NOW,
    a_device,
    a_province,
    a_subject,
    a_worn_device,
    an_order,
    migrated_store,
    open_session,
)
from vigil.errors import NotFoundError
from vigil.store.base import Base
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.registry import (
    ApiToken,
    Device,
    DeviceAssignment,
    Order,
    Subject,
    Unit,
    find_device,
    find_order,
    find_subject,
    find_unit,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with open_session(migrated_store(tmp_path)) as session:
        yield session


def an_unsaved_order(ended_early_at: datetime | None = None) -> Order:
    return Order(starts_at=START, ends_at=END, ended_early_at=ended_early_at)


@pytest.mark.parametrize(
    ("t", "in_force"),
    [
        (START - timedelta(microseconds=1), False),
        (START, True),
        (END - timedelta(microseconds=1), True),
        (END, False),
    ],
)
def test_order_is_in_force_from_its_start_until_just_before_its_end(
    t: datetime, in_force: bool
) -> None:
    assert an_unsaved_order().in_force_at(t) is in_force


def test_order_ended_early_is_no_longer_in_force_from_that_moment() -> None:
    early = datetime(2026, 6, 1, tzinfo=UTC)
    order = an_unsaved_order(ended_early_at=early)

    assert order.in_force_at(early - timedelta(seconds=1))
    assert not order.in_force_at(early)


@given(st.datetimes(timezones=st.just(UTC)))
def test_sql_condition_agrees_with_the_python_one(t: datetime) -> None:
    # A fresh in-memory store per example: hypothesis dislikes function fixtures.
    with in_memory_session() as session:
        subject = a_subject(session)
        order = an_order(session, subject, starts_at=START, days=365)
        found = session.scalar(
            select(Order.id).where(Order.id == order.id, Order.in_force_clause(t))
        )

        assert (found is not None) is order.in_force_at(t)


@contextmanager
def in_memory_session() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def test_times_come_back_as_aware_utc(session: Session) -> None:
    subject = a_subject(session)
    session.commit()
    session.expunge_all()

    stored = session.get_one(Subject, subject.id)

    assert stored.created_at == NOW
    assert stored.created_at.tzinfo is UTC
    assert stored.date_of_birth == date(1990, 5, 17)


def test_conditions_round_trip_as_a_json_object(session: Session) -> None:
    order = an_order(session, a_subject(session))
    order.conditions = {"curfew": {"from": "22:00", "to": "06:00"}, "visits": 2}
    session.commit()
    session.expunge_all()

    assert session.get_one(Order, order.id).conditions["curfew"]["from"] == "22:00"


def test_database_refuses_a_commune_without_a_province(session: Session) -> None:
    with pytest.raises(IntegrityError, match="parent_matches_level"):
        session.execute(
            insert(Unit).values(code="1", name="x", level="commune", created_at=NOW)
        )


def test_database_refuses_an_order_that_ends_before_it_starts(
    session: Session,
) -> None:
    order = an_order(session, a_subject(session))

    with pytest.raises(IntegrityError, match="ends_after_start"):
        session.execute(
            update(Order).where(Order.id == order.id).values(ends_at=order.starts_at)
        )


def test_database_refuses_an_unknown_device_state(session: Session) -> None:
    device = a_device(session)

    with pytest.raises(IntegrityError, match="state_known"):
        session.execute(
            update(Device).where(Device.id == device.id).values(state="lost")
        )


def test_database_refuses_a_public_key_that_is_not_32_bytes(
    session: Session,
) -> None:
    with pytest.raises(IntegrityError, match="public_key_32_bytes"):
        session.execute(
            insert(Device).values(
                serial="VG-1", public_key=b"\x01" * 31, registered_at=NOW
            )
        )


def test_database_refuses_a_retired_device_without_a_retirement_time(
    session: Session,
) -> None:
    device = a_device(session)

    with pytest.raises(IntegrityError, match="retired_at_matches_state"):
        session.execute(
            update(Device).where(Device.id == device.id).values(state="retired")
        )


@pytest.mark.parametrize("shared", ["device_id", "subject_id"])
def test_database_refuses_a_second_open_assignment(
    session: Session, shared: str
) -> None:
    worn = a_worn_device(session, "VG-1")
    other = a_worn_device(session, "VG-2", unit=worn.subject.unit)
    row = {
        "device_id": other.device_id,
        "subject_id": other.subject_id,
        "order_id": other.order_id,
        "assigned_at": NOW,
    }
    row[shared] = getattr(worn, shared)
    session.execute(
        update(DeviceAssignment)
        .where(DeviceAssignment.id == other.id)
        .values(unassigned_at=NOW)
    )

    with pytest.raises(IntegrityError, match="UNIQUE"):
        session.execute(insert(DeviceAssignment).values(**row))


def test_closed_assignments_are_history_and_block_nothing(session: Session) -> None:
    worn = a_worn_device(session, "VG-1")
    row = {
        "device_id": worn.device_id,
        "subject_id": worn.subject_id,
        "order_id": worn.order_id,
    }

    for hours in (1, 2):
        session.execute(
            insert(DeviceAssignment).values(
                **row,
                assigned_at=NOW - timedelta(hours=hours + 1),
                unassigned_at=NOW - timedelta(hours=hours),
            )
        )

    assert len(session.scalars(select(DeviceAssignment)).all()) == 3


def test_database_refuses_a_dangling_reference(session: Session) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        session.execute(
            insert(Subject).values(
                unit_id=999,
                full_name="x",
                date_of_birth=date(1990, 1, 1),
                created_at=NOW,
            )
        )


def test_naive_times_are_refused_before_they_reach_the_database(
    session: Session,
) -> None:
    device = a_device(session)
    device.registered_at = datetime(2026, 1, 1)  # noqa: DTZ001

    with pytest.raises(StatementError, match="aware datetime"):
        session.flush()


def test_token_allows_only_its_own_scopes() -> None:
    token = ApiToken(scopes="enrol read")

    assert token.allows("enrol")
    assert not token.allows("admin")
    assert not token.allows("enr")


def test_lookups_find_records_by_their_keys(session: Session) -> None:
    worn = a_worn_device(session, "VG-1")

    assert find_unit(session, worn.subject.unit.code) is worn.subject.unit
    assert find_subject(session, worn.subject_id) is worn.subject
    assert find_order(session, worn.order_id) is worn.order
    assert find_device(session, "VG-1") is worn.device


@pytest.mark.parametrize(
    "lookup",
    [
        lambda s: find_unit(s, "404"),
        lambda s: find_subject(s, 404),
        lambda s: find_order(s, 404),
        lambda s: find_device(s, "VG-404"),
    ],
)
def test_lookups_of_missing_records_say_what_is_missing(
    session: Session, lookup: Callable[[Session], object]
) -> None:
    a_province(session)

    with pytest.raises(NotFoundError, match="404") as caught:
        lookup(session)

    assert caught.value.hint
