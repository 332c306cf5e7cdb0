from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from vigil.protocol import (
    Ack,
    Batch,
    DeviceKey,
    Envelope,
    Event,
    Fix,
    Record,
    Reject,
    Status,
    Tamper,
    Vitals,
    decode_reply,
    encode,
    seal,
)
from vigil.simulate.fleet import FleetDevice
from vigil.store.enrolment import retire_device, unassign_device
from vigil.store.inbox import InboxBatch
from vigil.store.timeseries import ButtonRow, FixRow, StatusRow, TamperRow, VitalsRow

MSGPACK = {"content-type": "application/msgpack"}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def fixes(n: int, *, start_ms: int | None = None) -> list[Record]:
    t0 = (start_ms or now_ms()) - 60_000 * n
    return [
        Fix(t_ms=t0 + 60_000 * i, lat=21.03, lon=105.85, accuracy_m=6.0)
        for i in range(n)
    ]


def upload(
    device: FleetDevice,
    seq: int,
    records: list[Record],
    *,
    key: DeviceKey | None = None,
    sent_ms: int | None = None,
) -> bytes:
    batch = Batch(
        v=1, device=device.serial, seq=seq, sent_ms=sent_ms or now_ms(), records=records
    )
    return seal(batch, key or device.key)


def post(server: TestClient, data: bytes) -> tuple[int, Ack | Reject]:
    response = server.post("/v1/ingest", content=data, headers=MSGPACK)
    return response.status_code, decode_reply(response.content)


def count(server: TestClient, table: type[object]) -> int:
    engine = create_engine(server.app.state.settings.database_url)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def rejected(server: TestClient, data: bytes, code: str, status: int) -> Reject:
    got_status, reply = post(server, data)
    assert isinstance(reply, Reject), reply
    assert (got_status, reply.code) == (status, code)
    assert reply.message
    return reply


def test_accepted_batch_is_stored_with_every_record_kind(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    t = now_ms() - 5_000
    records: list[Record] = [
        Fix(t_ms=t, lat=21.03, lon=105.85, accuracy_m=6.0, source="gnss"),
        Vitals(t_ms=t, heart_rate_bpm=71.0, spo2_pct=97.0),
        Status(t_ms=t, battery_pct=80.0, firmware="1.0.0"),
        Tamper(t_ms=t, tamper="strap_opened"),
        Event(t_ms=t, event="sos"),
    ]

    status, reply = post(server, upload(fleet[0], 1, records))

    assert status == 200
    assert isinstance(reply, Ack)
    assert (reply.seq, reply.acked_seq, reply.duplicate) == (1, 1, False)
    assert reply.downlink is not None
    assert reply.downlink.fix_interval_s == 60
    for table in (InboxBatch, FixRow, VitalsRow, StatusRow, TamperRow, ButtonRow):
        assert count(server, table) == 1, table


def test_resent_batch_is_acknowledged_again_and_stored_once(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    data = upload(fleet[0], 1, fixes(10))
    post(server, data)

    status, reply = post(server, data)

    assert status == 200
    assert isinstance(reply, Ack)
    assert reply.duplicate
    assert count(server, FixRow) == 10
    assert count(server, InboxBatch) == 1


def test_sequence_reused_with_another_body_is_refused_with_the_high_water_mark(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    post(server, upload(fleet[0], 1, fixes(3)))
    post(server, upload(fleet[0], 2, fixes(3)))

    reply = rejected(server, upload(fleet[0], 2, fixes(4)), "sequence_reused", 409)

    assert reply.acked_seq == 2
    assert count(server, FixRow) == 6


def test_lower_sequence_never_stored_is_stale(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    post(server, upload(fleet[0], 5, fixes(2)))

    reply = rejected(server, upload(fleet[0], 3, fixes(2)), "sequence_stale", 409)

    assert reply.acked_seq == 5
    assert count(server, FixRow) == 2


def test_sequences_are_per_device(server: TestClient, fleet: list[FleetDevice]) -> None:
    for device in fleet:
        status, _ = post(server, upload(device, 1, fixes(2)))
        assert status == 200

    assert count(server, FixRow) == 6


def test_signature_by_another_key_is_refused_and_nothing_stored(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    forged = upload(fleet[0], 1, fixes(3), key=DeviceKey.generate())

    rejected(server, forged, "bad_signature", 401)

    assert count(server, InboxBatch) == 0


def test_body_altered_after_signing_is_refused(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    envelope = msgspec.msgpack.decode(upload(fleet[0], 1, fixes(1)), type=Envelope)
    body = bytearray(envelope.body)
    body[-3] ^= 0x01
    tampered = encode(
        Envelope(device=envelope.device, body=bytes(body), sig=envelope.sig)
    )

    rejected(server, tampered, "bad_signature", 401)


def test_unknown_device_is_refused(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    ghost = FleetDevice("VG-GHOST", DeviceKey.generate(), 0, 0, 0)

    rejected(server, upload(ghost, 1, fixes(1)), "unknown_device", 403)


def test_retired_device_is_refused(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    engine = create_engine(server.app.state.settings.database_url)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        unassign_device(session, serial=fleet[1].serial, now=now)
        retire_device(session, serial=fleet[1].serial, now=now)

    rejected(server, upload(fleet[1], 1, fixes(1)), "device_retired", 403)


def test_record_from_before_the_order_refuses_the_whole_batch(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    too_early = fixes(
        1, start_ms=now_ms() - int(timedelta(days=3).total_seconds() * 1000)
    )

    rejected(
        server, upload(fleet[0], 1, [*fixes(5), *too_early]), "no_active_order", 403
    )

    assert count(server, FixRow) == 0
    assert count(server, InboxBatch) == 0


def test_record_far_in_the_future_is_refused_for_later(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    ahead = fixes(1, start_ms=now_ms() + 3_600_000)

    reply = rejected(server, upload(fleet[0], 1, ahead), "time_in_future", 422)

    assert reply.retry


def test_too_many_records_are_refused(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    rejected(server, upload(fleet[0], 1, fixes(101)), "too_many_records", 413)


def test_oversized_upload_is_refused_before_it_is_read_whole(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    rejected(server, b"\x00" * (600 * 1024), "too_large", 413)


def test_garbage_is_malformed(server: TestClient, fleet: list[FleetDevice]) -> None:
    rejected(server, b"\xc1not msgpack", "malformed", 400)


def test_body_moved_into_another_devices_envelope_fails_verification(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    envelope = msgspec.msgpack.decode(upload(fleet[0], 1, fixes(1)), type=Envelope)
    relabelled = encode(
        Envelope(device=fleet[1].serial, body=envelope.body, sig=envelope.sig)
    )

    # The signature is checked with the envelope's device key first.
    rejected(server, relabelled, "bad_signature", 401)


def test_json_uploads_get_json_replies(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    batch = Batch(
        v=1, device=fleet[2].serial, seq=1, sent_ms=now_ms(), records=fixes(2)
    )
    response = server.post(
        "/v1/ingest",
        content=seal(batch, fleet[2].key, "json"),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 200
    assert response.json()["result"] == "ack"
    assert count(server, FixRow) == 2


def test_empty_batch_is_a_heartbeat_that_advances_the_sequence(
    server: TestClient, fleet: list[FleetDevice]
) -> None:
    status, reply = post(server, upload(fleet[0], 1, []))

    assert status == 200
    assert isinstance(reply, Ack)
    assert reply.acked_seq == 1


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
def test_rejection_reply_uses_the_request_encoding(
    server: TestClient, encoding: str
) -> None:
    response = server.post(
        "/v1/ingest", content=b"{", headers={"content-type": f"application/{encoding}"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == f"application/{encoding}"
