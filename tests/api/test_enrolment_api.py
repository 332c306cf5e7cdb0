from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.store.builders import NOW, SETTINGS, migrated_store, open_session, snapshot
from vigil.api.enrolment import router
from vigil.api.errors import install_error_handlers
from vigil.protocol import DeviceKey
from vigil.store.db import make_engine, make_sessionmaker
from vigil.store.registry import ApiToken
from vigil.store.tokens import create_token, hash_token, revoke_token

ORDER = {
    "decision_number": "15/QĐ-CAX",
    "issuing_authority": "Công an phường Ba Đình",
    "kind": "community_treatment",
    "starts_at": "2026-03-01T00:00:00+07:00",
    "ends_at": "2027-03-01T00:00:00+07:00",
    "conditions": {"curfew": {"from": "22:00", "to": "06:00"}},
}


class Api:
    """A test client on the enrolment router, with a token and the store behind."""

    def __init__(self, client: TestClient, database_url: str, token: str) -> None:
        self.client = client
        self.database_url = database_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with open_session(self.database_url) as session:
            return snapshot(session)

    def a_subject(self, date_of_birth: str = "1990-05-17") -> int:
        self.post("/units", {"code": "01", "name": "Hà Nội", "level": "province"})
        created = self.post(
            "/subjects",
            {
                "unit_code": "01",
                "full_name": "Đỗ Văn Hải",
                "date_of_birth": date_of_birth,
            },
        )
        return int(created.json()["id"])

    def a_subject_with_order(self) -> tuple[int, int]:
        subject_id = self.a_subject()
        order = self.post(f"/subjects/{subject_id}/orders", ORDER)
        return subject_id, int(order.json()["id"])


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    url = migrated_store(tmp_path)
    with open_session(url) as session:
        token = create_token(session, name="test", scopes=["enrol"], now=NOW).plaintext
        session.commit()
    engine = make_engine(url)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.settings = SETTINGS
    app.state.clock = lambda: NOW
    with TestClient(app) as client:
        yield Api(client, url, token)
    engine.dispose()


def test_a_request_without_a_token_is_challenged(api: Api) -> None:
    response = api.client.get("/api/v1/devices/VG-1")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


def test_an_unknown_token_is_refused(api: Api) -> None:
    response = api.client.get(
        "/api/v1/devices/VG-1", headers={"Authorization": "Bearer vgl_nope"}
    )

    assert response.status_code == 401


def test_a_revoked_token_is_refused(api: Api) -> None:
    with open_session(api.database_url) as session:
        revoke_token(session, name="test", now=NOW)
        session.commit()

    assert api.get("/devices/VG-1").status_code == 401


def test_a_token_without_the_enrol_scope_is_forbidden(api: Api) -> None:
    with open_session(api.database_url) as session:
        session.execute(
            insert(ApiToken).values(
                name="reader",
                token_sha256=hash_token("vgl_" + "r" * 43),
                scopes="read",
                created_at=NOW,
            )
        )
        session.commit()

    response = api.client.get(
        "/api/v1/devices/VG-1", headers={"Authorization": "Bearer vgl_" + "r" * 43}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


def test_a_wearer_is_enrolled_from_unit_to_worn_device(api: Api) -> None:
    province = api.post("/units", {"code": "01", "name": "Hà Nội", "level": "province"})
    ward = api.post(
        "/units",
        {"code": "00004", "name": "Ba Đình", "level": "ward", "parent_code": "01"},
    )
    subject = api.post(
        "/subjects",
        {
            "unit_code": "00004",
            "full_name": "Đỗ Văn Hải",
            "date_of_birth": "1990-05-17",
        },
    )
    subject_id = subject.json()["id"]
    order = api.post(f"/subjects/{subject_id}/orders", ORDER)
    device = api.post("/devices", {"serial": "VG-000123", "firmware": "1.4.2"})
    assignment = api.post(
        "/devices/VG-000123/assignment",
        {"subject_id": subject_id, "order_id": order.json()["id"]},
    )
    shown = api.get("/devices/VG-000123")

    assert [r.status_code for r in (province, ward, subject, order, device)] == [
        201
    ] * 5
    assert ward.json()["parent_code"] == "01"
    assert order.json()["starts_at"] == "2026-02-28T17:00:00Z"
    assert order.json()["conditions"] == ORDER["conditions"]
    assert assignment.status_code == 201
    assert shown.json()["state"] == "active"
    assert shown.json()["assignment"]["subject_id"] == subject_id


def test_a_subject_is_answered_with_ids_not_personal_data(api: Api) -> None:
    api.post("/units", {"code": "01", "name": "Hà Nội", "level": "province"})

    response = api.post(
        "/subjects",
        {
            "unit_code": "01",
            "full_name": "Đỗ Văn Hải",
            "date_of_birth": "1990-05-17",
            "national_id": "001090000001",
        },
    )

    assert set(response.json()) == {"id", "unit_code", "officer_id", "created_at"}


def test_a_device_seed_is_answered_once_and_never_cached(api: Api) -> None:
    created = api.post("/devices", {"serial": "VG-000123"})
    shown = api.get("/devices/VG-000123")

    seed_hex = created.json()["seed_hex"]
    assert created.headers["Cache-Control"] == "no-store"
    assert (
        DeviceKey.from_hex(seed_hex).public_key.hex() == shown.json()["public_key_hex"]
    )
    assert seed_hex not in shown.text


def test_an_order_for_a_minor_is_refused_with_the_rule_and_what_to_do(
    api: Api,
) -> None:
    subject_id = api.a_subject(date_of_birth="2010-01-01")
    before = api.rows()

    response = api.post(f"/subjects/{subject_id}/orders", ORDER)

    assert response.status_code == 409
    assert response.json()["code"] == "subject_minor"
    assert response.json()["hint"]
    assert api.rows() == before


def test_assigning_a_device_already_worn_is_refused(api: Api) -> None:
    subject_id, order_id = api.a_subject_with_order()
    api.post("/devices", {"serial": "VG-1"})
    api.post(
        "/devices/VG-1/assignment", {"subject_id": subject_id, "order_id": order_id}
    )
    before = api.rows()

    response = api.post(
        "/devices/VG-1/assignment", {"subject_id": subject_id, "order_id": order_id}
    )

    assert (response.status_code, response.json()["code"]) == (
        409,
        "device_already_assigned",
    )
    assert api.rows() == before


def test_unassigning_closes_the_assignment_and_returns_the_device_to_stock(
    api: Api,
) -> None:
    subject_id, order_id = api.a_subject_with_order()
    api.post("/devices", {"serial": "VG-1"})
    api.post(
        "/devices/VG-1/assignment", {"subject_id": subject_id, "order_id": order_id}
    )

    closed = api.delete("/devices/VG-1/assignment")
    shown = api.get("/devices/VG-1")

    assert closed.status_code == 200
    assert closed.json()["unassigned_at"] == "2026-03-02T02:00:00Z"
    assert (shown.json()["state"], shown.json()["assignment"]) == ("stock", None)


def test_unassigning_a_device_nobody_wears_is_refused(api: Api) -> None:
    api.post("/devices", {"serial": "VG-1"})

    response = api.delete("/devices/VG-1/assignment")

    assert (response.status_code, response.json()["code"]) == (
        409,
        "device_not_assigned",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.post("/subjects/404/orders", ORDER),
        lambda api: api.get("/devices/VG-404"),
        lambda api: api.delete("/devices/VG-404/assignment"),
    ],
)
def test_a_missing_record_is_404_in_the_same_shape(
    api: Api, call: Callable[[Api], Any]
) -> None:
    response = call(api)

    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "hint"}
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {**ORDER, "starts_at": "2026-03-01T00:00:00"},
        {**ORDER, "kind": "house_arrest"},
        {**ORDER, "unexpected": 1},
        {key: value for key, value in ORDER.items() if key != "ends_at"},
    ],
)
def test_a_malformed_order_is_422_and_echoes_no_values(
    api: Api, body: dict[str, Any]
) -> None:
    subject_id = api.a_subject()
    before = api.rows()

    response = api.post(f"/subjects/{subject_id}/orders", body)

    assert response.status_code == 422
    assert response.json()["code"] == "request_invalid"
    assert response.json()["errors"]
    assert "Công an" not in response.text
    assert api.rows() == before


def test_a_malformed_serial_in_the_path_is_422(api: Api) -> None:
    assert api.get("/devices/VG%201").status_code == 422


def test_the_clock_of_the_application_dates_the_records(api: Api) -> None:
    created = api.post("/devices", {"serial": "VG-1"})

    assert created.json()["device"]["registered_at"] == "2026-03-02T02:00:00Z"
