from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.store.builders import (
    NOW,
    SETTINGS,
    a_device,
    a_province,
    a_subject,
    a_ward,
    a_worn_device,
    an_officer,
    an_order,
    migrated_store,
    open_session,
    snapshot,
)
from vigil.config import Settings
from vigil.errors import EnrolmentError, NotFoundError
from vigil.protocol import DeviceKey
from vigil.store import enrolment
from vigil.store.refusals import Refusal, refuse, refused_on_conflict
from vigil.store.registry import Unit


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with open_session(migrated_store(tmp_path)) as session:
        yield session


def refused(session: Session, code: str) -> pytest.RaisesExc[EnrolmentError]:
    return pytest.raises(EnrolmentError, check=lambda exc: exc.code == code)


# Units


def test_province_is_created_without_a_parent(session: Session) -> None:
    province = a_province(session, "79")

    assert (province.level, province.parent_id, province.timezone) == (
        "province",
        None,
        "Asia/Ho_Chi_Minh",
    )


def test_ward_is_created_under_its_province(session: Session) -> None:
    province = a_province(session)

    ward = a_ward(session, province)

    assert ward.parent_id == province.id


def test_commune_without_a_province_is_refused(session: Session) -> None:
    before = snapshot(session)

    with refused(session, "unit_parent_required"):
        enrolment.create_unit(
            session, code="00007", name="Xã Phú Xuân", level="commune", now=NOW
        )

    assert snapshot(session) == before


def test_province_with_a_parent_is_refused(session: Session) -> None:
    a_province(session, "01")
    before = snapshot(session)

    with refused(session, "unit_province_has_parent"):
        enrolment.create_unit(
            session,
            code="02",
            name="Hà Giang",
            level="province",
            parent_code="01",
            now=NOW,
        )

    assert snapshot(session) == before


def test_ward_under_a_commune_is_refused(session: Session) -> None:
    commune = a_ward(session, a_province(session), "00007")
    before = snapshot(session)

    with refused(session, "unit_parent_not_province"):
        a_ward(session, commune, "00008")

    assert snapshot(session) == before


def test_taken_unit_code_is_refused(session: Session) -> None:
    a_province(session, "01")
    before = snapshot(session)

    with refused(session, "unit_code_taken"):
        a_province(session, "01")

    assert snapshot(session) == before


def test_unit_in_an_unknown_time_zone_is_refused(session: Session) -> None:
    before = snapshot(session)

    with refused(session, "unit_timezone_unknown"):
        enrolment.create_unit(
            session,
            code="01",
            name="Hà Nội",
            level="province",
            timezone="Asia/Saigon_Typo",
            now=NOW,
        )

    assert snapshot(session) == before


def test_unit_under_an_unknown_province_is_not_found(session: Session) -> None:
    before = snapshot(session)

    with pytest.raises(NotFoundError):
        a_ward(session, Unit(code="99"))

    assert snapshot(session) == before


def test_blank_unit_name_is_refused(session: Session) -> None:
    with refused(session, "value_blank"):
        enrolment.create_unit(session, code="01", name="  ", level="province", now=NOW)

    assert snapshot(session)["units"] == []


# Subjects


def test_subject_is_enrolled_with_its_fields_trimmed(session: Session) -> None:
    unit = a_province(session)

    subject = enrolment.create_subject(
        session,
        unit_code=unit.code,
        full_name="  Lê Thị Cúc ",
        date_of_birth=date(1988, 2, 29),
        national_id="001088000123",
        phone=" ",
        now=NOW,
    )

    assert (subject.full_name, subject.phone, subject.unit_id) == (
        "Lê Thị Cúc",
        None,
        unit.id,
    )


def test_subject_born_in_the_future_is_refused(session: Session) -> None:
    unit = a_province(session)
    before = snapshot(session)

    with refused(session, "subject_born_in_future"):
        a_subject(session, unit, born=date(2026, 3, 3))

    assert snapshot(session) == before


def test_taken_national_id_is_refused(session: Session) -> None:
    unit = a_province(session)
    a_subject(session, unit, national_id="001090000001")
    before = snapshot(session)

    with refused(session, "subject_national_id_taken"):
        a_subject(session, unit, national_id="001090000001")

    assert snapshot(session) == before


def test_subjects_without_a_national_id_do_not_collide(session: Session) -> None:
    unit = a_province(session)

    first, second = a_subject(session, unit), a_subject(session, unit)

    assert first.id != second.id


def test_inactive_case_officer_is_refused(session: Session) -> None:
    unit = a_province(session)
    officer = an_officer(session, unit, active=False)
    before = snapshot(session)

    with refused(session, "officer_inactive"):
        enrolment.create_subject(
            session,
            unit_code=unit.code,
            full_name="Phạm Văn Dũng",
            date_of_birth=date(1990, 1, 1),
            officer_id=officer.id,
            now=NOW,
        )

    assert snapshot(session) == before


def test_subject_in_an_unknown_unit_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no unit with code '42'"):
        a_subject(session, Unit(code="42"))

    assert snapshot(session)["subjects"] == []


# Orders


def test_order_is_recorded_in_utc(session: Session) -> None:
    subject = a_subject(session)
    hanoi_midnight = datetime.fromisoformat("2026-03-01T00:00:00+07:00")

    order = an_order(session, subject, starts_at=hanoi_midnight)

    assert order.starts_at == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert order.starts_at.tzinfo is UTC


def test_order_ending_before_it_starts_is_refused(session: Session) -> None:
    subject = a_subject(session)
    before = snapshot(session)

    with refused(session, "order_ends_before_start"):
        an_order(session, subject, days=0)

    assert snapshot(session) == before


def test_order_that_already_ended_is_refused(session: Session) -> None:
    subject = a_subject(session)
    before = snapshot(session)

    with refused(session, "order_already_ended"):
        an_order(session, subject, starts_at=NOW - timedelta(days=30), days=30)

    assert snapshot(session) == before


def test_order_longer_than_the_limit_is_refused(session: Session) -> None:
    subject = a_subject(session)
    before = snapshot(session)

    with refused(session, "order_too_long"):
        an_order(session, subject, days=730.5)

    assert snapshot(session) == before


def test_order_of_exactly_the_limit_is_accepted(session: Session) -> None:
    order = an_order(session, a_subject(session), days=730)

    assert order.ends_at - order.starts_at == timedelta(days=730)


def test_two_calendar_years_across_a_leap_day_fit_the_default_limit(
    session: Session,
) -> None:
    subject = a_subject(session)
    starts_at = datetime(2027, 3, 1, tzinfo=UTC)

    order = enrolment.create_order(
        session,
        Settings(),
        subject_id=subject.id,
        decision_number="9/QĐ-CAX",
        issuing_authority="Công an xã Phú Xuân",
        kind="post_rehabilitation",
        starts_at=starts_at,
        ends_at=datetime(2029, 3, 1, tzinfo=UTC),
        now=starts_at,
    )

    assert order.ends_at - order.starts_at == timedelta(days=731)


def test_same_decision_of_the_same_authority_is_refused(session: Session) -> None:
    subject = a_subject(session)
    an_order(session, subject, decision="7/QĐ")
    before = snapshot(session)

    with refused(session, "order_duplicate"):
        an_order(session, subject, decision="7/QĐ")

    assert snapshot(session) == before


def test_order_for_a_minor_is_refused(session: Session) -> None:
    subject = a_subject(session, born=date(2008, 6, 1))
    before = snapshot(session)

    with refused(session, "subject_minor") as caught:
        an_order(session, subject)

    assert "17" in caught.value.message
    assert snapshot(session) == before


def test_coming_of_age_is_judged_on_the_local_start_date(session: Session) -> None:
    subject = a_subject(session, born=date(2008, 3, 1))
    local_midnight = datetime.fromisoformat("2026-03-01T00:00:00+07:00")

    with refused(session, "subject_minor"):
        an_order(session, subject, starts_at=local_midnight - timedelta(minutes=1))
    order = an_order(session, subject, starts_at=local_midnight)

    assert order.starts_at == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)


def test_order_with_a_time_without_zone_is_refused(session: Session) -> None:
    subject = a_subject(session)

    with refused(session, "time_zone_missing"):
        an_order(session, subject, starts_at=datetime(2026, 3, 1))  # noqa: DTZ001

    assert snapshot(session)["orders"] == []


def test_order_of_an_unknown_kind_is_refused(session: Session) -> None:
    subject = a_subject(session)

    with refused(session, "order_kind_unknown"):
        enrolment.create_order(
            session,
            SETTINGS,
            subject_id=subject.id,
            decision_number="1",
            issuing_authority="Công an xã",
            kind="house_arrest",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
            now=NOW,
        )

    assert snapshot(session)["orders"] == []


def test_limit_comes_from_the_settings(session: Session) -> None:
    subject = a_subject(session)

    with refused(session, "order_too_long"):
        enrolment.create_order(
            session,
            replace(SETTINGS, order_max_days=30),
            subject_id=subject.id,
            decision_number="1",
            issuing_authority="Công an xã",
            kind="community_treatment",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=31),
            now=NOW,
        )


def test_ending_an_order_early_unassigns_the_device_worn_under_it(
    session: Session,
) -> None:
    worn = a_worn_device(session)
    later = NOW + timedelta(days=3)

    order = enrolment.end_order_early(
        session, worn.order_id, reason="Decision revoked", now=later
    )

    assert (order.ended_early_at, worn.unassigned_at) == (later, later)
    assert worn.device.state == "stock"
    assert not order.in_force_at(later)


def test_ending_an_order_that_already_ended_is_refused(session: Session) -> None:
    order = an_order(session, a_subject(session))
    enrolment.end_order_early(session, order.id, reason="Moved away", now=NOW)
    before = snapshot(session)

    with refused(session, "order_closed"):
        enrolment.end_order_early(session, order.id, reason="Again", now=NOW)

    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 3, 1), date(2026, 2, 28), 17),
        (date(2008, 3, 1), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_counts_whole_years_and_leap_day_birthdays_turn_on_1_march(
    born: date, on: date, age: int
) -> None:
    assert enrolment.age_years(born, on) == age


def birthday(born: date, years: int) -> date:
    """Return the day someone born on ``born`` turns ``years`` old."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


@given(st.dates(max_value=date(2100, 1, 1)), st.integers(0, 120))
@example(date(2008, 2, 29), 18)
@example(date(2008, 2, 29), 20)
def test_age_rises_by_one_on_each_birthday(born: date, years: int) -> None:
    day = birthday(born, years)

    assert enrolment.age_years(born, day) == years
    assert enrolment.age_years(born, day - timedelta(days=1)) == years - 1


# Devices


def test_registered_device_keeps_only_the_public_key(session: Session) -> None:
    provisioned = enrolment.register_device(
        session, serial="VG-000001", firmware="1.4.2", now=NOW
    )
    key = DeviceKey.from_hex(provisioned.seed_hex)

    assert provisioned.device.public_key == key.public_key
    assert provisioned.device.state == "stock"
    rows = snapshot(session)["devices"]
    assert key.seed not in [value for row in rows for value in row]
    assert provisioned.seed_hex not in repr(provisioned)


@pytest.mark.parametrize("serial", ["", "VG 1", "VG/1", "x" * 65, "VĐ-1"])
def test_malformed_serial_is_refused(session: Session, serial: str) -> None:
    with refused(session, "device_serial_invalid"):
        a_device(session, serial)

    assert snapshot(session)["devices"] == []


def test_taken_serial_is_refused(session: Session) -> None:
    a_device(session, "VG-1")
    before = snapshot(session)

    with refused(session, "device_serial_taken"):
        a_device(session, "VG-1")

    assert snapshot(session) == before


def test_assigning_a_device_makes_it_active(session: Session) -> None:
    worn = a_worn_device(session)

    assert (worn.device.state, worn.assigned_at, worn.unassigned_at) == (
        "active",
        NOW,
        None,
    )


def test_assigning_a_device_already_worn_is_refused(session: Session) -> None:
    worn = a_worn_device(session, "VG-1")
    other = a_subject(session, worn.subject.unit)
    order = an_order(session, other, decision="other")
    before = snapshot(session)

    with refused(session, "device_already_assigned"):
        enrolment.assign_device(
            session, serial="VG-1", subject_id=other.id, order_id=order.id, now=NOW
        )

    assert snapshot(session) == before


def test_assigning_to_a_subject_who_already_wears_a_device_is_refused(
    session: Session,
) -> None:
    worn = a_worn_device(session, "VG-1")
    a_device(session, "VG-2")
    before = snapshot(session)

    with refused(session, "subject_already_has_device") as caught:
        enrolment.assign_device(
            session,
            serial="VG-2",
            subject_id=worn.subject_id,
            order_id=worn.order_id,
            now=NOW,
        )

    assert "VG-1" in caught.value.hint
    assert snapshot(session) == before


def test_assigning_a_retired_device_is_refused(session: Session) -> None:
    subject = a_subject(session)
    order = an_order(session, subject)
    a_device(session, "VG-1")
    enrolment.retire_device(session, serial="VG-1", now=NOW)
    before = snapshot(session)

    with refused(session, "device_retired"):
        enrolment.assign_device(
            session, serial="VG-1", subject_id=subject.id, order_id=order.id, now=NOW
        )

    assert snapshot(session) == before


def test_assigning_a_faulty_device_is_refused(session: Session) -> None:
    subject = a_subject(session)
    order = an_order(session, subject)
    a_device(session, "VG-1").state = "faulty"
    before = snapshot(session)

    with refused(session, "device_faulty"):
        enrolment.assign_device(
            session, serial="VG-1", subject_id=subject.id, order_id=order.id, now=NOW
        )

    assert snapshot(session) == before


def test_assigning_under_another_subjects_order_is_refused(session: Session) -> None:
    unit = a_province(session)
    wearer, other = a_subject(session, unit), a_subject(session, unit)
    order = an_order(session, other)
    a_device(session, "VG-1")
    before = snapshot(session)

    with refused(session, "order_subject_mismatch"):
        enrolment.assign_device(
            session, serial="VG-1", subject_id=wearer.id, order_id=order.id, now=NOW
        )

    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("starts_in", "ended_early"),
    [(timedelta(days=1), False), (-timedelta(days=5), True)],
)
def test_assigning_under_an_order_not_in_force_is_refused(
    session: Session, starts_in: timedelta, ended_early: bool
) -> None:
    subject = a_subject(session)
    order = an_order(session, subject, starts_at=NOW + starts_in)
    if ended_early:
        enrolment.end_order_early(session, order.id, reason="Revoked", now=NOW)
    a_device(session, "VG-1")
    before = snapshot(session)

    with refused(session, "order_not_in_force"):
        enrolment.assign_device(
            session, serial="VG-1", subject_id=subject.id, order_id=order.id, now=NOW
        )

    assert snapshot(session) == before


def test_assigning_an_unknown_device_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError, match="VG-404"):
        enrolment.assign_device(
            session, serial="VG-404", subject_id=1, order_id=1, now=NOW
        )


def test_unassigning_returns_the_device_to_stock(session: Session) -> None:
    worn = a_worn_device(session, "VG-1")
    later = NOW + timedelta(hours=5)

    closed = enrolment.unassign_device(session, serial="VG-1", now=later)

    assert (closed.id, closed.unassigned_at, closed.device.state) == (
        worn.id,
        later,
        "stock",
    )


def test_device_can_be_worn_again_after_unassigning(session: Session) -> None:
    worn = a_worn_device(session, "VG-1")
    enrolment.unassign_device(session, serial="VG-1", now=NOW)

    again = enrolment.assign_device(
        session,
        serial="VG-1",
        subject_id=worn.subject_id,
        order_id=worn.order_id,
        now=NOW + timedelta(minutes=1),
    )

    assert again.id != worn.id
    assert again.device.state == "active"


def test_unassigning_a_device_nobody_wears_is_refused(session: Session) -> None:
    a_device(session, "VG-1")
    before = snapshot(session)

    with refused(session, "device_not_assigned"):
        enrolment.unassign_device(session, serial="VG-1", now=NOW)

    assert snapshot(session) == before


def test_retiring_a_device_in_stock_records_when(session: Session) -> None:
    a_device(session, "VG-1")

    device = enrolment.retire_device(session, serial="VG-1", now=NOW)

    assert (device.state, device.retired_at) == ("retired", NOW)


def test_retiring_a_worn_device_is_refused(session: Session) -> None:
    a_worn_device(session, "VG-1")
    before = snapshot(session)

    with refused(session, "device_still_assigned") as caught:
        enrolment.retire_device(session, serial="VG-1", now=NOW)

    assert "vigil device unassign VG-1" in caught.value.hint
    assert snapshot(session) == before


def test_retiring_a_retired_device_is_refused(session: Session) -> None:
    a_device(session, "VG-1")
    enrolment.retire_device(session, serial="VG-1", now=NOW)
    before = snapshot(session)

    with refused(session, "device_retired"):
        enrolment.retire_device(session, serial="VG-1", now=NOW)

    assert snapshot(session) == before


# Across the service


def test_a_conflict_only_the_database_sees_is_refused_and_taken_back(
    session: Session,
) -> None:
    a_province(session, "01")
    before = snapshot(session)

    twin = Unit(code="01", name="Twin", level="province", created_at=NOW)
    refusal = refuse(Refusal.UNIT_CODE_TAKEN, code="01")

    with refused(session, "unit_code_taken"), refused_on_conflict(session, refusal):
        session.add(twin)

    assert snapshot(session) == before
    assert a_province(session, "02").id is not None


def test_a_row_the_checks_should_have_caught_is_not_disguised_as_a_conflict(
    session: Session,
) -> None:
    bad = Unit(code="01", name="No level", level="hamlet", created_at=NOW)
    refusal = refuse(Refusal.UNIT_CODE_TAKEN, code="01")

    with pytest.raises(IntegrityError), refused_on_conflict(session, refusal):
        session.add(bad)


def test_successful_steps_log_ids_and_no_personal_data(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vigil.store.enrolment")

    worn = a_worn_device(session, "VG-1")
    enrolment.unassign_device(session, serial="VG-1", now=NOW)

    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(messages) == 6
    assert f"subject {worn.subject_id} enrolled" in messages[1]
    for personal in ("Nguyễn", "1990", "Công an", "QD-VG-1"):
        assert not any(personal in message for message in messages)


def test_device_bringing_its_own_key_is_registered_with_it_and_no_seed(
    session: Session,
) -> None:
    own = DeviceKey.generate()

    provisioned = enrolment.register_device(
        session, serial="VG-SE-1", public_key=own.public_key, now=NOW
    )

    assert provisioned.device.public_key == own.public_key
    assert provisioned.seed_hex == ""


def test_device_public_key_of_the_wrong_length_is_refused(session: Session) -> None:
    before = snapshot(session)

    with refused(session, "device_public_key_invalid"):
        enrolment.register_device(
            session, serial="VG-SE-2", public_key=b"\x01" * 31, now=NOW
        )

    assert snapshot(session) == before
