from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tests.store.builders import open_session, snapshot
from vigil.cli import db, device, enrol, token
from vigil.protocol import DeviceKey
from vigil.store.migrate import head
from vigil.store.registry import Device, Order

TODAY = datetime.now(UTC).date()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    return url


@pytest.fixture
def store(database_url: str) -> str:
    ok(db.app, "upgrade")
    return database_url


def run(app: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(app: typer.Typer, *args: str) -> Result:
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    return result


def ok_json(app: typer.Typer, *args: str) -> Any:
    return json.loads(ok(app, *args, "--json").stdout)


def a_subject_with_order(dob: str = "1990-05-17") -> tuple[int, int]:
    ok(enrol.app, "unit", "--code", "01", "--name", "Hà Nội", "--level", "province")
    subject = ok_json(
        enrol.app, "subject", "--unit", "01", "--name", "Hồ Thị Lan", "--dob", dob
    )
    order = ok_json(
        enrol.app,
        "order",
        "--subject", str(subject["id"]),
        "--decision", "3/QĐ",
        "--authority", "Công an xã",
        "--kind", "voluntary_treatment",
        "--start", (TODAY - timedelta(days=1)).isoformat(),
        "--end", (TODAY + timedelta(days=300)).isoformat(),
    )  # fmt: skip
    return subject["id"], order["id"]


def test_upgrade_brings_a_new_database_to_the_newest_revision(
    database_url: str,
) -> None:
    upgraded = ok(db.app, "upgrade")
    again = ok(db.app, "upgrade")

    assert "upgraded from revision None" in upgraded.stdout
    assert "already at revision" in again.stdout
    assert ok_json(db.app, "current") == {
        "current": head(),
        "head": head(),
        "up_to_date": True,
    }


def test_a_wearer_is_enrolled_and_fitted_from_the_command_line(store: str) -> None:
    subject_id, order_id = a_subject_with_order()

    registered = ok_json(device.app, "register", "VG-000123", "--firmware", "1.4.2")
    ok(
        device.app,
        "assign",
        "VG-000123",
        "--subject",
        str(subject_id),
        "--order",
        str(order_id),
    )
    listed = ok_json(device.app, "list")

    assert registered["serial"] == "VG-000123"
    assert len(registered["seed_hex"]) == 64
    assert [(d["serial"], d["state"], d["subject_id"]) for d in listed] == [
        ("VG-000123", "active", subject_id)
    ]


def test_registering_prints_the_seed_once_with_a_warning(store: str) -> None:
    result = ok(device.app, "register", "VG-000123")

    seed_hex = next(word for word in result.stdout.split() if len(word) == 64)
    with open_session(store) as session:
        stored_key = session.scalars(select(Device.public_key)).one()
    assert DeviceKey.from_hex(seed_hex).public_key == stored_key
    assert "cannot show the seed again" in result.stderr
    assert seed_hex not in ok(device.app, "list").stdout


def test_an_order_date_without_offset_is_local_midnight(store: str) -> None:
    _, order_id = a_subject_with_order()

    with open_session(store) as session:
        starts_at = session.get_one(Order, order_id).starts_at

    yesterday = TODAY - timedelta(days=1)
    hanoi_midnight = datetime.combine(yesterday, time(), tzinfo=UTC) - timedelta(
        hours=7
    )
    assert starts_at == hanoi_midnight


def test_a_refusal_is_printed_in_red_with_its_hint_and_exits_1(store: str) -> None:
    ok(enrol.app, "unit", "--code", "01", "--name", "Hà Nội", "--level", "province")
    subject = ok_json(
        enrol.app, "subject", "--unit", "01", "--name", "Hồ Thị Lan", "--dob",
        (date(TODAY.year - 17, 1, 1)).isoformat(),
    )  # fmt: skip
    with open_session(store) as session:
        before = snapshot(session)

    result = run(
        enrol.app,
        "order",
        "--subject", str(subject["id"]),
        "--decision", "3/QĐ",
        "--authority", "Công an xã",
        "--kind", "voluntary_treatment",
        "--start", TODAY.isoformat(),
        "--end", (TODAY + timedelta(days=30)).isoformat(),
    )  # fmt: skip

    assert result.exit_code == 1
    assert "only adults" in result.stderr
    assert "Check the date of birth" in result.stderr
    assert "Traceback" not in result.output
    with open_session(store) as session:
        assert snapshot(session) == before


def test_unassigning_and_retiring_a_device(store: str) -> None:
    subject_id, order_id = a_subject_with_order()
    ok(device.app, "register", "VG-1")
    ok(
        device.app,
        "assign",
        "VG-1",
        "--subject",
        str(subject_id),
        "--order",
        str(order_id),
    )

    refused = run(device.app, "retire", "VG-1")
    ok(device.app, "unassign", "VG-1")
    ok(device.app, "retire", "VG-1")

    assert refused.exit_code == 1
    assert "vigil device unassign VG-1" in refused.stderr
    assert ok_json(device.app, "list", "--state", "retired")[0]["serial"] == "VG-1"


def test_ending_an_order_early_frees_the_device(store: str) -> None:
    subject_id, order_id = a_subject_with_order()
    ok(device.app, "register", "VG-1")
    ok(
        device.app,
        "assign",
        "VG-1",
        "--subject",
        str(subject_id),
        "--order",
        str(order_id),
    )

    ok(enrol.app, "end-order", str(order_id), "--reason", "Decision revoked")

    assert ok_json(device.app, "list")[0]["state"] == "stock"


def test_a_token_is_printed_once_and_can_be_revoked(store: str) -> None:
    created = ok_json(token.app, "create", "provisioning", "--scope", "enrol")
    revoked = ok(token.app, "revoke", "provisioning")
    again = run(token.app, "revoke", "provisioning")

    assert created["token"].startswith("vgl_")
    assert created["scopes"] == ["enrol"]
    assert "revoked" in revoked.stdout
    assert again.exit_code == 1


def test_a_token_with_a_misspelt_scope_is_refused(store: str) -> None:
    result = run(token.app, "create", "provisioning", "--scope", "enroll")

    assert result.exit_code == 1
    assert "Use one of: enrol" in result.stderr


def test_an_unmigrated_database_says_how_to_prepare_it(database_url: str) -> None:
    result = run(device.app, "list")

    assert result.exit_code == 1
    assert "vigil db upgrade" in result.stderr
    assert "Traceback" not in result.output


def test_a_malformed_date_is_refused_before_touching_the_store(store: str) -> None:
    result = run(
        enrol.app, "order", "--subject", "1", "--decision", "1", "--authority", "x",
        "--kind", "other", "--start", "01/03/2026", "--end", "2027-03-01",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "--start '01/03/2026' is not a date or time" in result.stderr
