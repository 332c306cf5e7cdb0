"""Whatever reaches the ingest endpoint, the answer is a protocol reply, not a 5xx."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.protocol import Envelope, decode_reply, encode
from vigil.simulate.fleet import FleetDevice

FIELDS = [
    "v", "device", "seq", "sent_ms", "records", "kind", "t_ms", "lat", "lon",
    "accuracy_m", "source", "heart_rate_bpm", "battery_pct", "tamper", "event",
]  # fmt: skip

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.sampled_from(["fix", "vitals", "status", "tamper", "event", "gnss", "sos"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(FIELDS) | st.text(max_size=5), inner, max_size=6
        )
    ),
    max_leaves=25,
)
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def assert_protocol_reply(server: TestClient, data: bytes, media: str) -> None:
    response = server.post("/v1/ingest", content=data, headers={"content-type": media})
    assert response.status_code < 500, response.content
    encoding = "json" if media.endswith("json") else "msgpack"
    decode_reply(response.content, encoding)


@FAST
@given(data=st.binary(max_size=2048), media=st.sampled_from(["msgpack", "json"]))
def test_arbitrary_bytes_get_a_protocol_reply(
    server: TestClient, data: bytes, media: str
) -> None:
    assert_protocol_reply(server, data, f"application/{media}")


@FAST
@given(body=VALUES)
def test_signed_garbage_from_a_real_device_gets_a_protocol_reply(
    server: TestClient, fleet: list[FleetDevice], body: Any
) -> None:
    device = fleet[0]
    raw = msgspec.msgpack.encode(body)
    upload = encode(Envelope(device=device.serial, body=raw, sig=device.key.sign(raw)))

    assert_protocol_reply(server, upload, "application/msgpack")


@FAST
@given(
    seq=st.integers(min_value=-5, max_value=2**60),
    records=st.lists(
        st.fixed_dictionaries(
            {"kind": st.sampled_from(["fix", "vitals", "status", "tamper", "event"])},
            optional={name: VALUES for name in FIELDS[6:]},
        ),
        max_size=5,
    ),
    skew_ms=st.integers(min_value=-(10**12), max_value=10**12),
)
def test_signed_near_valid_batches_get_a_protocol_reply(
    server: TestClient,
    fleet: list[FleetDevice],
    seq: int,
    records: list[dict[str, Any]],
    skew_ms: int,
) -> None:
    device = fleet[1]
    for record in records:
        record.setdefault("t_ms", now_ms() + skew_ms)
    batch = {
        "v": 1,
        "device": device.serial,
        "seq": seq,
        "sent_ms": now_ms() + skew_ms,
        "records": records,
    }
    raw = msgspec.msgpack.encode(batch)
    upload = encode(Envelope(device=device.serial, body=raw, sig=device.key.sign(raw)))

    assert_protocol_reply(server, upload, "application/msgpack")
