"""Ed25519 device keys, signatures and sealed envelopes (docs/protocol.md 4)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.errors import ProtocolError
from vigil.protocol import (
    UPLINK_CONTEXT,
    Batch,
    DeviceKey,
    Encoding,
    Event,
    Fix,
    PublicKey,
    decode_batch,
    decode_envelope,
    encode,
    seal,
)

T_MS = 1_796_112_000_000  # 2026-12-01T08:00:00Z


def _key(first_byte: int = 0) -> DeviceKey:
    return DeviceKey.from_seed(bytes(range(first_byte, first_byte + 32)))


def _public(key: DeviceKey) -> PublicKey:
    return PublicKey(key.public_key)


def _batch(seq: int = 1) -> Batch:
    return Batch(
        v=1,
        device="VB-0001",
        seq=seq,
        sent_ms=T_MS + 30_000,
        records=[
            Fix(t_ms=T_MS, lat=10.7769, lon=106.7009, accuracy_m=6.0),
            Event(t_ms=T_MS + 1_000, event="sos"),
        ],
    )


def _body() -> bytes:
    return encode(_batch())


def _flip_bit(data: bytes, index: int, bit: int = 0) -> bytes:
    flipped = bytearray(data)
    flipped[index] ^= 1 << bit
    return bytes(flipped)


def _verify_code(public: PublicKey, body: bytes, sig: bytes) -> str:
    with pytest.raises(ProtocolError) as caught:
        public.verify(body, sig)
    return caught.value.code


def test_signature_by_the_device_key_verifies() -> None:
    key = _key()

    _public(key).verify(_body(), key.sign(_body()))


def test_signature_is_64_bytes() -> None:
    assert len(_key().sign(_body())) == 64


def test_signing_is_deterministic() -> None:
    assert _key().sign(_body()) == _key().sign(_body())


@pytest.mark.parametrize("index", [0, 1, 17, -1])
def test_flipped_bit_in_body_is_bad_signature(index: int) -> None:
    key = _key()
    body = _body()
    sig = key.sign(body)

    code = _verify_code(_public(key), _flip_bit(body, index), sig)

    assert code == "bad_signature"


@pytest.mark.parametrize(("index", "bit"), [(0, 0), (31, 7), (32, 0), (63, 6)])
def test_flipped_bit_in_signature_is_bad_signature(index: int, bit: int) -> None:
    key = _key()
    sig = key.sign(_body())

    code = _verify_code(_public(key), _body(), _flip_bit(sig, index, bit))

    assert code == "bad_signature"


def test_signature_by_another_key_is_bad_signature() -> None:
    sig = _key(first_byte=1).sign(_body())

    assert _verify_code(_public(_key()), _body(), sig) == "bad_signature"


@pytest.mark.parametrize("length", [0, 32, 63, 65, 128])
def test_signature_of_the_wrong_length_is_bad_signature(length: int) -> None:
    key = _key()
    sig = (key.sign(_body()) * 2)[:length]

    assert _verify_code(_public(key), _body(), sig) == "bad_signature"


def test_signature_is_over_context_and_body() -> None:
    raw = Ed25519PrivateKey.from_private_bytes(_key().seed)

    assert _key().sign(_body()) == raw.sign(UPLINK_CONTEXT + _body())


def test_signing_the_body_alone_does_not_verify() -> None:
    raw = Ed25519PrivateKey.from_private_bytes(_key().seed)
    sig = raw.sign(_body())

    assert _verify_code(_public(_key()), _body(), sig) == "bad_signature"


def test_uplink_context_is_sixteen_bytes_ending_in_zero() -> None:
    assert UPLINK_CONTEXT == b"vigil-uplink-v1\x00"
    assert len(UPLINK_CONTEXT) == 16


def test_bad_signature_says_what_to_do() -> None:
    with pytest.raises(ProtocolError) as caught:
        _public(_key()).verify(_body(), bytes(64))

    assert caught.value.hint


def test_seed_round_trips() -> None:
    seed = bytes(range(100, 132))

    assert DeviceKey.from_seed(seed).seed == seed


def test_hex_seed_round_trips() -> None:
    key = DeviceKey.generate()

    assert DeviceKey.from_hex(key.seed.hex()).public_key == key.public_key


def test_hex_seed_may_carry_surrounding_whitespace() -> None:
    seed_hex = bytes(range(32)).hex().upper()

    assert DeviceKey.from_hex(f"  {seed_hex}\n").seed == bytes(range(32))


def test_generated_keys_differ() -> None:
    assert DeviceKey.generate().seed != DeviceKey.generate().seed


def test_public_key_is_32_bytes() -> None:
    assert len(_key().public_key) == 32


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_public_key_that_is_not_32_bytes_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        PublicKey(bytes(length))


def test_public_key_keeps_its_raw_bytes() -> None:
    assert PublicKey(_key().public_key).raw == _key().public_key


@pytest.mark.parametrize("length", [31, 33])
def test_seed_that_is_not_32_bytes_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        DeviceKey.from_seed(bytes(length))


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
def test_sealed_envelope_carries_the_signed_body(encoding: Encoding) -> None:
    key = _key()

    envelope = decode_envelope(seal(_batch(), key, encoding), encoding)

    _public(key).verify(envelope.body, envelope.sig)
    assert envelope.device == "VB-0001"
    assert envelope.body == encode(_batch(), encoding)
    assert decode_batch(envelope.body, encoding) == _batch()


def test_sealing_twice_gives_the_same_bytes() -> None:
    assert seal(_batch(), _key()) == seal(_batch(), _key())


def test_renumbered_batch_needs_a_new_signature() -> None:
    key = _key()
    old = decode_envelope(seal(_batch(seq=5), key))
    new_body = encode(_batch(seq=6))

    assert _verify_code(_public(key), new_body, old.sig) == "bad_signature"
