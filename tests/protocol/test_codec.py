"""Encoding and decoding of envelopes, batches and replies (docs/protocol.md 2-3, 6)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from vigil.errors import ProtocolError
from vigil.protocol import (
    JSON_MEDIA_TYPE,
    MSGPACK_MEDIA_TYPE,
    Ack,
    Batch,
    Downlink,
    Encoding,
    Envelope,
    Event,
    Fix,
    Record,
    Reject,
    Reply,
    Status,
    Tamper,
    Vitals,
    decode_batch,
    decode_envelope,
    decode_reply,
    encode,
    encoding_for,
    media_type_for,
)

ENCODINGS: list[Encoding] = ["msgpack", "json"]
T_MS = 1_796_112_000_000  # 2026-12-01T08:00:00Z
FIRST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
LAST_MS = 7_258_118_400_000  # 2200-01-01T00:00:00Z


def _raw(encoding: Encoding, value: object) -> bytes:
    """Encode plain maps and lists, bypassing the protocol's types."""
    if encoding == "json":
        return msgspec.json.encode(value)
    return msgspec.msgpack.encode(value)


def _parse(encoding: Encoding, data: bytes) -> Any:
    if encoding == "json":
        return msgspec.json.decode(data)
    return msgspec.msgpack.decode(data)


def _raw_batch(*records: dict[str, Any], **fields: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {
        "v": 1,
        "device": "VB-0001",
        "seq": 1,
        "sent_ms": T_MS + 60_000,
        "records": list(records),
    }
    return batch | fields


def _raw_fix(**fields: Any) -> dict[str, Any]:
    fix = {
        "kind": "fix",
        "t_ms": T_MS,
        "lat": 21.0285,
        "lon": 105.8542,
        "accuracy_m": 5.0,
    }
    return fix | fields


def _raw_vitals(**fields: Any) -> dict[str, Any]:
    return {"kind": "vitals", "t_ms": T_MS} | fields


def _raw_status(**fields: Any) -> dict[str, Any]:
    return {"kind": "status", "t_ms": T_MS, "battery_pct": 50.0} | fields


def _raw_tamper(**fields: Any) -> dict[str, Any]:
    return {"kind": "tamper", "t_ms": T_MS, "tamper": "strap_cut"} | fields


def _raw_event(**fields: Any) -> dict[str, Any]:
    return {"kind": "event", "t_ms": T_MS, "event": "sos"} | fields


def _batch(*records: Record) -> Batch:
    return Batch(
        v=1, device="VB-0001", seq=1, sent_ms=T_MS + 60_000, records=list(records)
    )


def _full_records() -> list[Record]:
    """One record of each kind with every field set away from its default."""
    return [
        Fix(
            t_ms=T_MS,
            lat=-33.8688,
            lon=151.2093,
            accuracy_m=35.5,
            source="wifi",
            speed_mps=0.8,
            heading_deg=359.5,
            satellites=0,
        ),
        Vitals(
            t_ms=T_MS,
            window_s=30,
            heart_rate_bpm=31.0,
            hrv_rmssd_ms=12.25,
            scl_us=14.0,
            scr_per_min=9.5,
            skin_temp_c=31.0,
            spo2_pct=78.0,
            resp_rate_bpm=5.0,
            activity_g=0.02,
            steps=0,
            skin_contact=False,
        ),
        Status(
            t_ms=T_MS, battery_pct=3.5, charging=True, signal_dbm=-113, firmware="2.1"
        ),
        Tamper(t_ms=T_MS, tamper="shielding_suspected", cleared=True),
        Event(t_ms=T_MS, event="ok_confirmed"),
    ]


def _minimal_records() -> list[Record]:
    """One record of each kind with only its required fields."""
    return [
        Fix(t_ms=T_MS, lat=0.0, lon=0.0, accuracy_m=1.0),
        Vitals(t_ms=T_MS),
        Status(t_ms=T_MS, battery_pct=100.0),
        Tamper(t_ms=T_MS, tamper="case_opened"),
        Event(t_ms=T_MS, event="button"),
    ]


def _code(call: Any, *args: Any) -> str:
    with pytest.raises(ProtocolError) as caught:
        call(*args)
    return caught.value.code


# --- round trips ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("record", _full_records() + _minimal_records(), ids=repr)
def test_every_record_kind_round_trips(encoding: Encoding, record: Record) -> None:
    batch = _batch(record)

    assert decode_batch(encode(batch, encoding), encoding) == batch


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_batch_of_every_kind_round_trips(encoding: Encoding) -> None:
    batch = _batch(*_full_records(), *_minimal_records())

    assert decode_batch(encode(batch, encoding), encoding) == batch


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_batch_without_records_is_accepted(encoding: Encoding) -> None:
    assert decode_batch(_raw(encoding, _raw_batch()), encoding).records == []


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_envelope_round_trips(encoding: Encoding) -> None:
    envelope = Envelope(device="VB-0001", body=b"\x00\xffbody", sig=bytes(64))

    assert decode_envelope(encode(envelope, encoding), encoding) == envelope


# --- what goes on the wire -------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_defaults_are_omitted_on_the_wire(encoding: Encoding) -> None:
    wire = _parse(encoding, encode(_batch(*_minimal_records()), encoding))

    assert [sorted(record) for record in wire["records"]] == [
        ["accuracy_m", "kind", "lat", "lon", "t_ms"],
        ["kind", "t_ms"],
        ["battery_pct", "kind", "t_ms"],
        ["kind", "t_ms", "tamper"],
        ["event", "kind", "t_ms"],
    ]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_fields_set_away_from_default_are_on_the_wire(encoding: Encoding) -> None:
    wire = _parse(encoding, encode(_batch(*_full_records()), encoding))

    assert [len(record) for record in wire["records"]] == [9, 13, 6, 4, 3]


def test_json_envelope_carries_body_and_sig_as_base64() -> None:
    envelope = Envelope(device="VB-0001", body=b"\x00\x01", sig=b"\xff" * 3)

    assert (
        encode(envelope, "json") == b'{"device":"VB-0001","body":"AAE=","sig":"////"}'
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_defaults_sent_explicitly_are_accepted(encoding: Encoding) -> None:
    raw = _raw_batch(
        _raw_fix(source="gnss"),
        _raw_vitals(window_s=60, skin_contact=True),
        _raw_status(charging=False, firmware=""),
        _raw_tamper(cleared=False),
    )

    assert decode_batch(_raw(encoding, raw), encoding).records == [
        Fix(t_ms=T_MS, lat=21.0285, lon=105.8542, accuracy_m=5.0),
        Vitals(t_ms=T_MS),
        Status(t_ms=T_MS, battery_pct=50.0),
        Tamper(t_ms=T_MS, tamper="strap_cut"),
    ]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_null_stands_for_an_absent_reading(encoding: Encoding) -> None:
    raw = _raw_batch(_raw_vitals(heart_rate_bpm=None, spo2_pct=None))

    assert decode_batch(_raw(encoding, raw), encoding).records == [Vitals(t_ms=T_MS)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_null_for_a_field_with_a_value_default_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch(_raw_fix(source=None))

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_keys_in_any_order_are_accepted(encoding: Encoding) -> None:
    record = dict(reversed(_raw_fix().items()))
    raw = dict(reversed(_raw_batch(record).items()))

    batch = decode_batch(_raw(encoding, raw), encoding)

    assert batch.records == [Fix(t_ms=T_MS, lat=21.0285, lon=105.8542, accuracy_m=5.0)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_integer_for_a_float_field_is_accepted(encoding: Encoding) -> None:
    raw = _raw_batch(_raw_fix(lat=52, lon=5, accuracy_m=10))

    (fix,) = decode_batch(_raw(encoding, raw), encoding).records

    assert fix == Fix(t_ms=T_MS, lat=52.0, lon=5.0, accuracy_m=10.0)


def test_float32_is_accepted_for_a_float_field() -> None:
    body = bytearray(_raw("msgpack", _raw_batch(_raw_fix(lat=0.5))))
    float64_half = b"\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00"
    at = body.index(float64_half)
    body[at : at + len(float64_half)] = b"\xca\x3f\x00\x00\x00"

    (fix,) = decode_batch(bytes(body)).records

    assert isinstance(fix, Fix)
    assert fix.lat == 0.5


# --- malformed input -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unknown_field_in_a_record_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch(_raw_fix(altitude_m=12.0))

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unknown_field_in_a_batch_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch(boot_count=3)

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unknown_field_in_an_envelope_is_malformed(encoding: Encoding) -> None:
    raw = {"device": "VB-0001", "body": "", "sig": "", "alg": "ed25519"}

    assert _code(decode_envelope, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unknown_record_kind_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch({"kind": "audio", "t_ms": T_MS})

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_record_without_kind_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch({"t_ms": T_MS, "event": "sos"})

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("missing", ["v", "device", "seq", "sent_ms", "records"])
def test_batch_missing_a_field_is_malformed(encoding: Encoding, missing: str) -> None:
    raw = _raw_batch()
    del raw[missing]

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_version_two_is_unsupported_version(encoding: Encoding) -> None:
    raw = _raw_batch(v=2)

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "unsupported_version"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_version_two_is_unsupported_even_when_the_rest_is_unknown(
    encoding: Encoding,
) -> None:
    raw = {"v": 2, "frames": [1, 2, 3]}

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "unsupported_version"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_version_as_a_string_is_malformed(encoding: Encoding) -> None:
    raw = _raw_batch(v="1")

    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


OUT_OF_RANGE = [
    pytest.param(_raw_batch(_raw_fix(lat=90.000001)), id="latitude_above_90"),
    pytest.param(_raw_batch(_raw_fix(lat=-90.5)), id="latitude_below_minus_90"),
    pytest.param(_raw_batch(_raw_fix(lon=180.1)), id="longitude_above_180"),
    pytest.param(_raw_batch(_raw_fix(lon=-180.1)), id="longitude_below_minus_180"),
    pytest.param(_raw_batch(_raw_fix(accuracy_m=0.0)), id="accuracy_zero"),
    pytest.param(
        _raw_batch(_raw_fix(accuracy_m=100_000.5)), id="accuracy_above_100_km"
    ),
    pytest.param(_raw_batch(_raw_fix(source="glonass")), id="unknown_fix_source"),
    pytest.param(_raw_batch(_raw_fix(speed_mps=-0.1)), id="negative_speed"),
    pytest.param(_raw_batch(_raw_fix(speed_mps=500.5)), id="speed_above_500"),
    pytest.param(_raw_batch(_raw_fix(heading_deg=360.0)), id="heading_360"),
    pytest.param(_raw_batch(_raw_fix(heading_deg=-1.0)), id="negative_heading"),
    pytest.param(_raw_batch(_raw_fix(satellites=201)), id="satellites_above_200"),
    pytest.param(_raw_batch(_raw_vitals(window_s=0)), id="window_zero"),
    pytest.param(_raw_batch(_raw_vitals(window_s=3601)), id="window_above_an_hour"),
    pytest.param(
        _raw_batch(_raw_vitals(heart_rate_bpm=300.5)), id="heart_rate_above_300"
    ),
    pytest.param(
        _raw_batch(_raw_vitals(heart_rate_bpm=-1.0)), id="negative_heart_rate"
    ),
    pytest.param(_raw_batch(_raw_vitals(hrv_rmssd_ms=1000.5)), id="hrv_above_1000"),
    pytest.param(_raw_batch(_raw_vitals(scl_us=100.5)), id="scl_above_100"),
    pytest.param(_raw_batch(_raw_vitals(scr_per_min=121.0)), id="scr_above_120"),
    pytest.param(_raw_batch(_raw_vitals(skin_temp_c=50.5)), id="skin_temp_above_50"),
    pytest.param(_raw_batch(_raw_vitals(skin_temp_c=-0.5)), id="negative_skin_temp"),
    pytest.param(_raw_batch(_raw_vitals(spo2_pct=100.5)), id="spo2_above_100"),
    pytest.param(
        _raw_batch(_raw_vitals(resp_rate_bpm=101.0)), id="resp_rate_above_100"
    ),
    pytest.param(_raw_batch(_raw_vitals(activity_g=16.5)), id="activity_above_16_g"),
    pytest.param(_raw_batch(_raw_vitals(steps=100_001)), id="steps_above_100000"),
    pytest.param(_raw_batch(_raw_status(battery_pct=100.5)), id="battery_above_100"),
    pytest.param(_raw_batch(_raw_status(battery_pct=-1.0)), id="negative_battery"),
    pytest.param(_raw_batch(_raw_status(signal_dbm=1)), id="positive_signal"),
    pytest.param(_raw_batch(_raw_status(signal_dbm=-201)), id="signal_below_minus_200"),
    pytest.param(
        _raw_batch(_raw_status(firmware="x" * 33)), id="firmware_of_33_characters"
    ),
    pytest.param(
        _raw_batch(_raw_tamper(tamper="battery_removed")), id="unknown_tamper"
    ),
    pytest.param(_raw_batch(_raw_event(event="call_me")), id="unknown_event"),
    pytest.param(
        _raw_batch(_raw_event(t_ms=FIRST_MS - 1)), id="record_time_before_2000"
    ),
    pytest.param(_raw_batch(_raw_event(t_ms=LAST_MS + 1)), id="record_time_after_2200"),
    pytest.param(
        _raw_batch(_raw_event(t_ms=1_796_112_000)), id="record_time_in_seconds"
    ),
    pytest.param(_raw_batch(sent_ms=0), id="sent_time_before_2000"),
    pytest.param(_raw_batch(seq=0), id="sequence_zero"),
    pytest.param(_raw_batch(seq=2**53 + 1), id="sequence_above_2_to_53"),
    pytest.param(_raw_batch(device=""), id="empty_device"),
    pytest.param(_raw_batch(device="D" * 65), id="device_of_65_characters"),
    pytest.param(_raw_batch(device="VB 0001"), id="device_with_a_space"),
    pytest.param(_raw_batch(device="VB/0001"), id="device_with_a_slash"),
    pytest.param(_raw_batch(device="VB-0001\n"), id="device_with_a_trailing_newline"),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("raw", OUT_OF_RANGE)
def test_value_out_of_range_is_malformed(
    encoding: Encoding, raw: dict[str, Any]
) -> None:
    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


def test_fix_with_latitude_out_of_range_is_malformed() -> None:
    body = _raw("msgpack", _raw_batch(_raw_fix(lat=91.0)))

    with pytest.raises(ProtocolError, match=r"records\[0\]\.lat") as caught:
        decode_batch(body)

    assert caught.value.code == "malformed"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_reading_is_malformed(value: float) -> None:
    body = _raw("msgpack", _raw_batch(_raw_vitals(heart_rate_bpm=value)))

    assert _code(decode_batch, body) == "malformed"


WRONG_TYPE = [
    pytest.param(_raw_batch(_raw_event(t_ms=float(T_MS))), id="time_as_float"),
    pytest.param(_raw_batch(seq=1.0), id="sequence_as_float"),
    pytest.param(_raw_batch(seq=True), id="sequence_as_bool"),
    pytest.param(_raw_batch(_raw_vitals(steps=12.0)), id="steps_as_float"),
    pytest.param(_raw_batch(_raw_fix(lat="52.1")), id="latitude_as_string"),
    pytest.param(_raw_batch(_raw_status(charging=1)), id="charging_as_integer"),
    pytest.param(_raw_batch(records={"kind": "event"}), id="records_as_map"),
    pytest.param(_raw_batch(records=[["event", T_MS, "sos"]]), id="record_as_list"),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("raw", WRONG_TYPE)
def test_value_of_the_wrong_type_is_malformed(
    encoding: Encoding, raw: dict[str, Any]
) -> None:
    assert _code(decode_batch, _raw(encoding, raw), encoding) == "malformed"


def test_msgpack_envelope_with_string_body_is_malformed() -> None:
    raw = {"device": "VB-0001", "body": "not bytes", "sig": b"\x00" * 64}

    assert _code(decode_envelope, _raw("msgpack", raw)) == "malformed"


def test_json_envelope_with_unpadded_base64_is_malformed() -> None:
    data = b'{"device":"VB-0001","body":"AAE","sig":""}'

    assert _code(decode_envelope, data, "json") == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_trailing_bytes_are_malformed(encoding: Encoding) -> None:
    data = encode(_batch(*_minimal_records()), encoding) + b"\x00"

    assert _code(decode_batch, data, encoding) == "malformed"


def test_msgpack_extension_type_is_malformed() -> None:
    timestamp_ext = b"\xd6\xff\x6a\x4f\x8a\x00"
    body = (
        b"\x85\xa1v\x01\xa6device\xa7VB-0001\xa3seq\x01"
        + b"\xa7sent_ms"
        + timestamp_ext
        + b"\xa7records\x90"
    )

    with pytest.raises(ProtocolError, match="ext") as caught:
        decode_batch(body)

    assert caught.value.code == "malformed"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_deeply_nested_input_is_malformed_not_a_crash(encoding: Encoding) -> None:
    depth = 100_000
    if encoding == "json":
        data = b'{"v":1,"x":' + b"[" * depth + b"]" * depth + b"}"
    else:
        data = b"\x82\xa1v\x01\xa1x" + b"\x91" * depth + b"\xc0"

    assert _code(decode_batch, data, encoding) == "malformed"
    assert _code(decode_envelope, data, encoding) == "malformed"
    assert _code(decode_reply, data, encoding) == "malformed"


# --- boundary values are accepted ------------------------------------------------

VITAL_READINGS = [
    "heart_rate_bpm",
    "hrv_rmssd_ms",
    "scl_us",
    "scr_per_min",
    "skin_temp_c",
    "spo2_pct",
    "resp_rate_bpm",
    "activity_g",
]

BOUNDARY = [
    pytest.param(_raw_vitals(heart_rate_bpm=0.0), id="heart_rate_zero"),
    pytest.param(_raw_vitals(heart_rate_bpm=300.0), id="heart_rate_300"),
    pytest.param(_raw_vitals(spo2_pct=0.0), id="spo2_zero"),
    pytest.param(_raw_vitals(spo2_pct=100.0), id="spo2_100"),
    pytest.param(_raw_vitals(resp_rate_bpm=0.0), id="resp_rate_zero"),
    pytest.param(_raw_vitals(skin_temp_c=0.0), id="skin_temp_zero"),
    pytest.param(
        _raw_vitals(**dict.fromkeys(VITAL_READINGS, 0.0), steps=0),
        id="every_vital_at_its_floor",
    ),
    pytest.param(_raw_vitals(window_s=1), id="window_one_second"),
    pytest.param(_raw_vitals(window_s=3600), id="window_one_hour"),
    pytest.param(_raw_vitals(steps=100_000), id="steps_100000"),
    pytest.param(_raw_fix(lat=90.0), id="north_pole"),
    pytest.param(_raw_fix(lat=-90.0), id="south_pole"),
    pytest.param(_raw_fix(lon=180.0), id="antimeridian_east"),
    pytest.param(_raw_fix(lon=-180.0), id="antimeridian_west"),
    pytest.param(_raw_fix(accuracy_m=100_000.0), id="accuracy_100_km"),
    pytest.param(_raw_fix(accuracy_m=0.001), id="tiny_accuracy"),
    pytest.param(_raw_fix(heading_deg=359.999), id="heading_just_below_360"),
    pytest.param(
        _raw_fix(speed_mps=0.0, heading_deg=0.0, satellites=0), id="standing_still"
    ),
    pytest.param(_raw_fix(speed_mps=500.0), id="speed_500"),
    pytest.param(_raw_status(battery_pct=0.0), id="battery_empty"),
    pytest.param(_raw_status(signal_dbm=0), id="signal_zero_dbm"),
    pytest.param(_raw_status(signal_dbm=-200), id="signal_minus_200"),
    pytest.param(_raw_status(firmware="v" * 32), id="firmware_of_32_characters"),
    pytest.param(_raw_event(t_ms=FIRST_MS), id="first_instant_of_2000"),
    pytest.param(_raw_event(t_ms=LAST_MS), id="first_instant_of_2200"),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("record", BOUNDARY)
def test_value_on_the_boundary_is_accepted(
    encoding: Encoding, record: dict[str, Any]
) -> None:
    batch = decode_batch(_raw(encoding, _raw_batch(record)), encoding)

    assert len(batch.records) == 1


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_batch_limits_on_the_boundary_are_accepted(encoding: Encoding) -> None:
    raw = _raw_batch(seq=2**53, device="D" * 64, sent_ms=LAST_MS)

    batch = decode_batch(_raw(encoding, raw), encoding)

    assert (batch.seq, batch.device) == (2**53, "D" * 64)


def test_overdose_reading_is_accepted() -> None:
    raw = _raw_batch(_raw_vitals(heart_rate_bpm=25.0, spo2_pct=60.0, resp_rate_bpm=3.0))

    (vitals,) = decode_batch(_raw("msgpack", raw)).records

    assert vitals == Vitals(
        t_ms=T_MS, heart_rate_bpm=25.0, spo2_pct=60.0, resp_rate_bpm=3.0
    )


# --- replies ---------------------------------------------------------------------


def _replies() -> list[Reply]:
    return [
        Ack(device="VB-0001", seq=17, acked_seq=17, duplicate=False, server_ms=T_MS),
        Ack(
            device="VB-0001",
            seq=12,
            acked_seq=17,
            duplicate=True,
            server_ms=T_MS,
            downlink=Downlink(
                fix_interval_s=15,
                vitals_interval_s=30,
                upload_interval_s=60,
                message_id=4,
                message="Please call your case officer today.",
            ),
        ),
        Ack(
            device="VB-0001",
            seq=18,
            acked_seq=18,
            duplicate=False,
            server_ms=T_MS,
            downlink=Downlink(upload_interval_s=300),
        ),
        Reject(code="bad_signature", message="No.", retry=False, server_ms=T_MS),
        Reject(
            code="sequence_stale",
            message="Renumber.",
            retry=False,
            server_ms=T_MS,
            acked_seq=20,
        ),
        Reject(code="unavailable", message="Later.", retry=True, server_ms=T_MS),
    ]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("reply", _replies(), ids=repr)
def test_reply_round_trips(encoding: Encoding, reply: Reply) -> None:
    assert decode_reply(encode(reply, encoding), encoding) == reply


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_reply_names_its_result(encoding: Encoding) -> None:
    ack, *_, reject = (_parse(encoding, encode(r, encoding)) for r in _replies())

    assert (ack["result"], reject["result"]) == ("ack", "reject")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_downlink_sends_only_what_changes(encoding: Encoding) -> None:
    wire = _parse(encoding, encode(Downlink(upload_interval_s=300), encoding))

    assert wire == {"upload_interval_s": 300}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_reply_without_optional_fields_decodes(encoding: Encoding) -> None:
    raw = {
        "result": "reject",
        "code": "malformed",
        "message": "m",
        "retry": False,
        "server_ms": T_MS,
    }

    reply = decode_reply(_raw(encoding, raw), encoding)

    assert reply == Reject(code="malformed", message="m", retry=False, server_ms=T_MS)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_ack_with_keys_a_later_server_adds_still_decodes(encoding: Encoding) -> None:
    raw = {
        "result": "ack",
        "device": "VB-0001",
        "seq": 1,
        "acked_seq": 1,
        "duplicate": False,
        "server_ms": T_MS,
        "region": "north",
    }

    reply = decode_reply(_raw(encoding, raw), encoding)

    assert isinstance(reply, Ack)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_reply_with_unknown_result_is_malformed(encoding: Encoding) -> None:
    raw = {"result": "maybe", "server_ms": T_MS}

    assert _code(decode_reply, _raw(encoding, raw), encoding) == "malformed"


# --- media types -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("media_type", "encoding"),
    [
        ("application/msgpack", "msgpack"),
        ("application/json", "json"),
        ("Application/JSON; charset=utf-8", "json"),
        (None, "msgpack"),
        ("", "msgpack"),
        ("text/plain", "msgpack"),
    ],
)
def test_content_type_selects_the_encoding(
    media_type: str | None, encoding: Encoding
) -> None:
    assert encoding_for(media_type) == encoding


def test_each_encoding_has_its_media_type() -> None:
    assert media_type_for("msgpack") == MSGPACK_MEDIA_TYPE == "application/msgpack"
    assert media_type_for("json") == JSON_MEDIA_TYPE == "application/json"
