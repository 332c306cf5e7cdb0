"""Device protocol v1, shared by the bracelet and the server; see docs/protocol.md."""

from __future__ import annotations

from vigil.protocol.codec import (
    JSON_MEDIA_TYPE,
    MSGPACK_MEDIA_TYPE,
    Encoding,
    decode_batch,
    decode_envelope,
    decode_reply,
    encode,
    encoding_for,
    media_type_for,
)
from vigil.protocol.records import (
    PROTOCOL_VERSION,
    Batch,
    Envelope,
    Event,
    Fix,
    Record,
    Status,
    Tamper,
    Vitals,
)
from vigil.protocol.replies import REJECTIONS, Ack, Downlink, Reject, RejectCode, Reply
from vigil.protocol.signing import UPLINK_CONTEXT, DeviceKey, PublicKey, seal

__all__ = [
    "JSON_MEDIA_TYPE",
    "MSGPACK_MEDIA_TYPE",
    "PROTOCOL_VERSION",
    "REJECTIONS",
    "UPLINK_CONTEXT",
    "Ack",
    "Batch",
    "DeviceKey",
    "Downlink",
    "Encoding",
    "Envelope",
    "Event",
    "Fix",
    "PublicKey",
    "Record",
    "Reject",
    "RejectCode",
    "Reply",
    "Status",
    "Tamper",
    "Vitals",
    "decode_batch",
    "decode_envelope",
    "decode_reply",
    "encode",
    "encoding_for",
    "media_type_for",
    "seal",
]
