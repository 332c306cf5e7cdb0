"""Ed25519 device keys: sign a body on the bracelet, verify it on the server."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding as KeyEncoding,
)
from cryptography.hazmat.primitives.serialization import (
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from vigil.errors import ProtocolError
from vigil.protocol.codec import Encoding, encode
from vigil.protocol.records import Batch, Envelope
from vigil.protocol.replies import RejectCode

# Bound into every signature so that a device key cannot be tricked into signing
# something that verifies as an uplink, nor an uplink replayed as something else.
UPLINK_CONTEXT = b"vigil-uplink-v1\x00"

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class DeviceKey:
    """A bracelet's private key; the server only ever holds ``public_key``."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            KeyEncoding.Raw, PublicFormat.Raw
        )

    @classmethod
    def generate(cls) -> DeviceKey:
        """Create a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> DeviceKey:
        """Load a key from its 32-byte seed (what provisioning hands out)."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_hex(cls, seed_hex: str) -> DeviceKey:
        """Load a key from its seed written as 64 hexadecimal digits."""
        return cls.from_seed(bytes.fromhex(seed_hex.strip()))

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed; handle it like a password."""
        return self._key.private_bytes(
            KeyEncoding.Raw, PrivateFormat.Raw, NoEncryption()
        )

    def sign(self, body: bytes) -> bytes:
        """Sign an encoded batch body."""
        return self._key.sign(UPLINK_CONTEXT + body)


class PublicKey:
    """A device's public key, parsed once and reused for every batch."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != PUBLIC_KEY_BYTES:
            raise ValueError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
        self.raw = raw
        self._key = Ed25519PublicKey.from_public_bytes(raw)

    def verify(self, body: bytes, sig: bytes) -> None:
        """Raise ``ProtocolError`` (bad_signature) unless ``sig`` signs ``body``."""
        try:
            if len(sig) != SIGNATURE_BYTES:
                raise InvalidSignature
            self._key.verify(sig, UPLINK_CONTEXT + body)
        except InvalidSignature:
            raise ProtocolError(
                RejectCode.BAD_SIGNATURE,
                "The signature does not match the body and the device's key.",
                hint="Sign the exact body bytes with the device's provisioned key.",
            ) from None


def seal(batch: Batch, key: DeviceKey, encoding: Encoding = "msgpack") -> bytes:
    """Encode, sign and wrap ``batch``: the bytes a bracelet uploads."""
    body = encode(batch, encoding)
    return encode(
        Envelope(device=batch.device, body=body, sig=key.sign(body)), encoding
    )
