"""Whatever bytes arrive, decoding either succeeds or raises ``ProtocolError``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.errors import ProtocolError
from vigil.protocol import (
    Batch,
    DeviceKey,
    Encoding,
    Event,
    Fix,
    PublicKey,
    Record,
    Status,
    Tamper,
    Vitals,
    decode_batch,
    decode_envelope,
    decode_reply,
    encode,
    seal,
)

ENCODINGS: list[Encoding] = ["msgpack", "json"]
DECODERS: list[Callable[[bytes, Encoding], object]] = [
    decode_envelope,
    decode_batch,
    decode_reply,
]
FIRST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
LAST_MS = 7_258_118_400_000  # 2200-01-01T00:00:00Z

# Field names and tags of the protocol, so that random maps reach past the first key.
PROTOCOL_KEYS = [
    *("v", "device", "seq", "sent_ms", "records", "body", "sig", "kind", "t_ms"),
    *("lat", "lon", "accuracy_m", "source", "speed_mps", "heading_deg", "satellites"),
    *("window_s", "heart_rate_bpm", "spo2_pct", "steps", "skin_contact"),
    *("battery_pct", "charging", "signal_dbm", "firmware", "tamper", "cleared"),
    *("event", "result", "code", "message", "retry", "server_ms", "acked_seq"),
    *("duplicate", "downlink", "fix_interval_s", "message_id"),
]
PROTOCOL_WORDS = ["fix", "vitals", "status", "tamper", "event", "ack", "reject"]


def _decodes_or_refuses(
    decode: Callable[[bytes, Encoding], object], data: bytes, encoding: Encoding
) -> None:
    """Decode ``data``; a ``ProtocolError`` is fine, any other exception fails."""
    with contextlib.suppress(ProtocolError):
        decode(data, encoding)


# --- strategies for valid messages -----------------------------------------------


def _reals(
    low: float, high: float, *, exclude_low: bool = False, exclude_high: bool = False
) -> st.SearchStrategy[float]:
    return st.floats(
        low, high, exclude_min=exclude_low, exclude_max=exclude_high, allow_nan=False
    )


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


times = st.integers(FIRST_MS, LAST_MS)

fixes = st.builds(
    Fix,
    t_ms=times,
    lat=_reals(-90.0, 90.0),
    lon=_reals(-180.0, 180.0),
    accuracy_m=_reals(0.0, 100_000.0, exclude_low=True),
    source=st.sampled_from(["gnss", "wifi", "cell"]),
    speed_mps=_maybe(_reals(0.0, 500.0)),
    heading_deg=_maybe(_reals(0.0, 360.0, exclude_high=True)),
    satellites=_maybe(st.integers(0, 200)),
)

vitals = st.builds(
    Vitals,
    t_ms=times,
    window_s=st.integers(1, 3600),
    heart_rate_bpm=_maybe(_reals(0.0, 300.0)),
    hrv_rmssd_ms=_maybe(_reals(0.0, 1000.0)),
    scl_us=_maybe(_reals(0.0, 100.0)),
    scr_per_min=_maybe(_reals(0.0, 120.0)),
    skin_temp_c=_maybe(_reals(0.0, 50.0)),
    spo2_pct=_maybe(_reals(0.0, 100.0)),
    resp_rate_bpm=_maybe(_reals(0.0, 100.0)),
    activity_g=_maybe(_reals(0.0, 16.0)),
    steps=_maybe(st.integers(0, 10_000)),
    skin_contact=st.booleans(),
)

statuses = st.builds(
    Status,
    t_ms=times,
    battery_pct=_reals(0.0, 100.0),
    charging=st.booleans(),
    signal_dbm=_maybe(st.integers(-200, 0)),
    firmware=st.text(max_size=32),
)

tampers = st.builds(
    Tamper,
    t_ms=times,
    tamper=st.sampled_from(
        [
            "strap_opened",
            "strap_cut",
            "case_opened",
            "skin_contact_lost",
            "shielding_suspected",
        ]
    ),
    cleared=st.booleans(),
)

events = st.builds(
    Event, t_ms=times, event=st.sampled_from(["button", "sos", "ok_confirmed"])
)

records: st.SearchStrategy[Record] = fixes | vitals | statuses | tampers | events

batches = st.builds(
    Batch,
    v=st.just(1),
    device=st.from_regex(r"\A[A-Za-z0-9_.-]{1,64}\Z", fullmatch=True),
    seq=st.integers(1, 2**53),
    sent_ms=times,
    records=st.lists(records, max_size=12),
)

encodings = st.sampled_from(ENCODINGS)

# Any value MessagePack and JSON can both carry, with protocol words mixed in.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(PROTOCOL_WORDS)
    | times
)
values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(PROTOCOL_KEYS) | st.text(max_size=8), inner, max_size=8
        )
    ),
    max_leaves=30,
)


def _encode_value(value: object, encoding: Encoding) -> bytes:
    if encoding == "json":
        return msgspec.json.encode(value)
    return msgspec.msgpack.encode(value)


# --- arbitrary bytes -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("decode", DECODERS, ids=lambda d: d.__name__)
@settings(max_examples=300)
@given(data=st.binary(max_size=256))
def test_arbitrary_bytes_raise_only_protocol_error(
    decode: Callable[[bytes, Encoding], object], encoding: Encoding, data: bytes
) -> None:
    _decodes_or_refuses(decode, data, encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("decode", DECODERS, ids=lambda d: d.__name__)
@given(value=values)
def test_arbitrary_well_formed_values_raise_only_protocol_error(
    decode: Callable[[bytes, Encoding], object], encoding: Encoding, value: object
) -> None:
    _decodes_or_refuses(decode, _encode_value(value, encoding), encoding)


@given(value=values, encoding=encodings)
def test_arbitrary_batch_fields_raise_only_protocol_error(
    value: object, encoding: Encoding
) -> None:
    for key in ("v", "seq", "records", "device"):
        raw = {"v": 1, "device": "VB-1", "seq": 1, "sent_ms": FIRST_MS, "records": []}
        raw[key] = value

        _decodes_or_refuses(decode_batch, _encode_value(raw, encoding), encoding)


@given(
    kind=st.sampled_from(PROTOCOL_WORDS[:5]),
    key=st.sampled_from(PROTOCOL_KEYS),
    value=values,
    encoding=encodings,
)
def test_arbitrary_record_fields_raise_only_protocol_error(
    kind: str, key: str, value: object, encoding: Encoding
) -> None:
    record = {"kind": kind, "t_ms": FIRST_MS, key: value}
    raw = {"v": 1, "device": "VB-1", "seq": 1, "sent_ms": FIRST_MS, "records": [record]}

    _decodes_or_refuses(decode_batch, _encode_value(raw, encoding), encoding)


# --- valid messages --------------------------------------------------------------


@given(batch=batches, encoding=encodings)
def test_valid_batch_round_trips_exactly(batch: Batch, encoding: Encoding) -> None:
    assert decode_batch(encode(batch, encoding), encoding) == batch


@given(batch=batches, encoding=encodings)
def test_sealed_valid_batch_verifies_and_round_trips(
    batch: Batch, encoding: Encoding
) -> None:
    key = DeviceKey.from_seed(bytes(range(32)))

    envelope = decode_envelope(seal(batch, key, encoding), encoding)

    PublicKey(key.public_key).verify(envelope.body, envelope.sig)
    assert envelope.device == batch.device
    assert decode_batch(envelope.body, encoding) == batch


# --- mutated valid encodings -----------------------------------------------------


@st.composite
def _mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """Flip, insert, delete or truncate at a random place in ``data``."""
    at = draw(st.integers(0, len(data) - 1))
    how = draw(st.sampled_from(["flip", "replace", "insert", "delete", "truncate"]))
    if how == "flip":
        return (
            data[:at]
            + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))])
            + data[at + 1 :]
        )
    if how == "replace":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    if how == "delete":
        return data[:at] + data[at + draw(st.integers(1, 4)) :]
    return data[:at]


@given(batch=batches, encoding=encodings, data=st.data())
def test_mutated_batch_raises_only_protocol_error(
    batch: Batch, encoding: Encoding, data: st.DataObject
) -> None:
    body = data.draw(_mutated(encode(batch, encoding)))

    _decodes_or_refuses(decode_batch, body, encoding)


@given(batch=batches, encoding=encodings, data=st.data())
def test_mutated_envelope_raises_only_protocol_error(
    batch: Batch, encoding: Encoding, data: st.DataObject
) -> None:
    key = DeviceKey.from_seed(bytes(range(32)))
    sealed = data.draw(_mutated(seal(batch, key, encoding)))

    _decodes_or_refuses(decode_envelope, sealed, encoding)


@given(batch=batches, encoding=encodings, data=st.data())
def test_mutated_body_never_verifies(
    batch: Batch, encoding: Encoding, data: st.DataObject
) -> None:
    key = DeviceKey.from_seed(bytes(range(32)))
    body = encode(batch, encoding)
    mutated = data.draw(_mutated(body))

    if mutated != body:
        with pytest.raises(ProtocolError, match="signature"):
            PublicKey(key.public_key).verify(mutated, key.sign(body))
