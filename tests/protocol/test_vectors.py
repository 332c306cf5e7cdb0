"""docs/protocol.md agrees with the code: its test vectors, codes and field tables."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from vigil.protocol import (
    REJECTIONS,
    UPLINK_CONTEXT,
    Batch,
    DeviceKey,
    Encoding,
    Event,
    Fix,
    PublicKey,
    RejectCode,
    Status,
    Tamper,
    Vitals,
    decode_batch,
    decode_envelope,
    encode,
    seal,
)

DOC = Path(__file__).parents[2] / "docs" / "protocol.md"

# "Test vector: <label> (<note>)", a blank line, then a fenced block holding the value.
_VECTOR = re.compile(
    r"^Test vector: (?P<label>[^(\n]+?)(?: \([^)\n]*\))?\n\n"
    r"```\w*\n(?P<value>.*?)\n```",
    re.MULTILINE | re.DOTALL,
)


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _vectors() -> dict[str, str]:
    return {m["label"]: m["value"] for m in _VECTOR.finditer(_doc())}


def _hex(label: str) -> bytes:
    return bytes.fromhex("".join(_vectors()[label].split()))


def _text(label: str) -> bytes:
    return _vectors()[label].encode("utf-8")


def _key() -> DeviceKey:
    return DeviceKey.from_seed(bytes(range(32)))


def _vector_batch() -> Batch:
    """The batch of section 9, built from values rather than read from the page."""
    return Batch(
        v=1,
        device="VB-0001",
        seq=17,
        sent_ms=1_796_112_050_000,
        records=[
            Fix(
                t_ms=1_796_112_000_000,
                lat=52.37022,
                lon=4.89517,
                accuracy_m=8.5,
                speed_mps=1.25,
                heading_deg=270.0,
                satellites=9,
            ),
            Vitals(
                t_ms=1_796_112_000_000,
                heart_rate_bpm=72.0,
                hrv_rmssd_ms=41.5,
                scl_us=2.25,
                scr_per_min=3.0,
                skin_temp_c=33.5,
                spo2_pct=97.0,
                resp_rate_bpm=14.0,
                activity_g=0.125,
                steps=12,
            ),
            Status(
                t_ms=1_796_112_030_000,
                battery_pct=81.5,
                signal_dbm=-87,
                firmware="1.0.3",
            ),
            Tamper(t_ms=1_796_112_040_000, tamper="strap_opened"),
            Event(t_ms=1_796_112_045_000, event="button"),
        ],
    )


def test_page_labels_every_vector() -> None:
    assert set(_vectors()) == {
        "seed",
        "public key",
        "body",
        "signature",
        "envelope",
        "JSON body",
        "JSON signature",
        "JSON envelope",
    }


def test_seed_is_bytes_zero_to_thirty_one() -> None:
    assert _hex("seed") == bytes(range(32))


def test_seed_gives_documented_public_key() -> None:
    assert DeviceKey.from_seed(_hex("seed")).public_key == _hex("public key")


def test_batch_encodes_to_documented_body() -> None:
    assert encode(_vector_batch()) == _hex("body")


def test_key_signs_body_to_documented_signature() -> None:
    assert _key().sign(_hex("body")) == _hex("signature")


def test_seal_gives_documented_envelope() -> None:
    assert seal(_vector_batch(), _key()) == _hex("envelope")


def test_documented_envelope_decodes_and_verifies() -> None:
    envelope = decode_envelope(_hex("envelope"))

    PublicKey(_hex("public key")).verify(envelope.body, envelope.sig)

    assert envelope.device == "VB-0001"
    assert envelope.sig == _hex("signature")
    assert decode_batch(envelope.body) == _vector_batch()


def test_batch_encodes_to_documented_json_body() -> None:
    assert encode(_vector_batch(), "json") == _text("JSON body")


def test_key_signs_json_body_to_documented_signature() -> None:
    assert _key().sign(_text("JSON body")) == _hex("JSON signature")


def test_seal_gives_documented_json_envelope() -> None:
    assert seal(_vector_batch(), _key(), "json") == _text("JSON envelope")


def test_documented_json_envelope_decodes_and_verifies() -> None:
    envelope = decode_envelope(_text("JSON envelope"), "json")

    PublicKey(_hex("public key")).verify(envelope.body, envelope.sig)

    assert envelope.body == _text("JSON body")
    assert decode_batch(envelope.body, "json") == _vector_batch()


def test_page_spells_out_the_uplink_context() -> None:
    assert UPLINK_CONTEXT.hex(" ") in _doc()


def _rejection_rows() -> dict[str, tuple[int, bool]]:
    rows = re.findall(
        r"^\| `(\w+)` \| (\d{3}) \| (true|false) \|", _doc(), re.MULTILINE
    )
    return {code: (int(status), retry == "true") for code, status, retry in rows}


def test_rejection_table_matches_rejections() -> None:
    expected = {
        code.value: (rejection.http_status, rejection.retry)
        for code, rejection in REJECTIONS.items()
    }

    assert _rejection_rows() == expected


def test_every_reject_code_has_a_rejection() -> None:
    assert set(REJECTIONS) == set(RejectCode)


def _field_rows(kind: str) -> dict[str, str]:
    """Return each field of a record kind's table with its last column (the default)."""
    section = _doc().split(f"#### `{kind}`", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|.*\| ([^|]+) \|$", section, re.MULTILINE)
    return {name: default.strip() for name, default in rows}


@pytest.mark.parametrize("record", [Fix, Vitals, Status, Tamper, Event])
def test_record_table_lists_every_field_and_which_are_required(
    record: type[msgspec.Struct],
) -> None:
    info = msgspec.inspect.type_info(record)
    assert isinstance(info, msgspec.inspect.StructType)
    kind = info.tag
    expected = {
        field.encode_name: field.required
        for field in info.fields
        if field.name != "t_ms"
    }

    rows = _field_rows(str(kind))

    assert {name: default == "required" for name, default in rows.items()} == expected


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
def test_vector_batch_round_trips(encoding: Encoding) -> None:
    batch = _vector_batch()

    assert decode_batch(encode(batch, encoding), encoding) == batch
