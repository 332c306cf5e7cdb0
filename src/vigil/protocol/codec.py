"""Bytes to messages and back, in MessagePack (the wire) or JSON (for debugging)."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import msgspec

from vigil.errors import ProtocolError
from vigil.protocol.records import PROTOCOL_VERSION, Batch, Envelope
from vigil.protocol.replies import RejectCode, Reply

Encoding = Literal["msgpack", "json"]
MSGPACK_MEDIA_TYPE = "application/msgpack"
JSON_MEDIA_TYPE = "application/json"

_T = TypeVar("_T")

_MSGPACK_ENCODER = msgspec.msgpack.Encoder()
_JSON_ENCODER = msgspec.json.Encoder()
_DECODERS: dict[tuple[str, type[Any]], Any] = {}


def encoding_for(media_type: str | None) -> Encoding:
    """Return the encoding named by an HTTP ``Content-Type``; MessagePack by default."""
    if media_type and media_type.split(";")[0].strip().lower() == JSON_MEDIA_TYPE:
        return "json"
    return "msgpack"


def media_type_for(encoding: Encoding) -> str:
    """Return the HTTP media type of ``encoding``."""
    return JSON_MEDIA_TYPE if encoding == "json" else MSGPACK_MEDIA_TYPE


def encode(message: object, encoding: Encoding = "msgpack") -> bytes:
    """Encode any protocol message."""
    if encoding == "json":
        return _JSON_ENCODER.encode(message)
    return _MSGPACK_ENCODER.encode(message)


def _decoder(kind: type[_T], encoding: Encoding) -> Any:
    key = (encoding, kind)
    decoder = _DECODERS.get(key)
    if decoder is None:
        module = msgspec.msgpack if encoding == "msgpack" else msgspec.json
        decoder = _DECODERS[key] = module.Decoder(kind)
    return decoder


def _decode(data: bytes, kind: type[_T], encoding: Encoding, what: str) -> _T:
    try:
        result: _T = _decoder(kind, encoding).decode(data)
    # msgspec raises RecursionError, not DecodeError, on nesting deeper than about
    # a thousand levels, which a few kilobytes of hostile input can reach.
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise ProtocolError(
            RejectCode.MALFORMED,
            f"The {what} is not valid {encoding}: {exc}.",
            hint="Check the encoding against docs/protocol.md.",
        ) from None
    return result


def decode_envelope(data: bytes, encoding: Encoding = "msgpack") -> Envelope:
    """Decode the signed wrapper; raise ``ProtocolError`` (malformed) on bad input."""
    return _decode(data, Envelope, encoding, "envelope")


def decode_batch(body: bytes, encoding: Encoding = "msgpack") -> Batch:
    """Decode a signed body; raise ``ProtocolError`` on bad input or another version."""
    version = _decode(body, _Versioned, encoding, "batch").v
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            RejectCode.UNSUPPORTED_VERSION,
            f"Protocol version {version} is not supported; this server speaks "
            f"{PROTOCOL_VERSION}.",
            hint="Update the firmware or the server.",
        )
    return _decode(body, Batch, encoding, "batch")


def decode_reply(data: bytes, encoding: Encoding = "msgpack") -> Reply:
    """Decode the server's answer to an upload."""
    result: Reply = _decode(data, Reply, encoding, "reply")  # type: ignore[arg-type]
    return result


class _Versioned(msgspec.Struct):
    """Only the version, read first so another version gets its own error."""

    v: int
