"""Server replies: an acknowledgement with downlink, or a rejection with a code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import msgspec


class Downlink(msgspec.Struct, frozen=True, omit_defaults=True):
    """Settings and a message for the bracelet; an absent field changes nothing.

    Unknown fields are ignored, so a later server may send more (zones, schedules)
    without breaking bracelets that predate them.
    """

    fix_interval_s: int | None = None
    vitals_interval_s: int | None = None
    upload_interval_s: int | None = None
    message_id: int | None = None
    message: str | None = None


class Ack(msgspec.Struct, frozen=True, tag="ack", tag_field="result"):
    """Batch ``seq`` is durably stored; so is every batch up to ``acked_seq``."""

    device: str
    seq: int
    acked_seq: int
    duplicate: bool
    server_ms: int
    downlink: Downlink | None = None


class Reject(msgspec.Struct, frozen=True, tag="reject", tag_field="result"):
    """The batch was not stored, and nothing of it was."""

    code: str
    message: str
    retry: bool
    server_ms: int
    acked_seq: int | None = None


Reply = Ack | Reject


class RejectCode(StrEnum):
    """Stable reasons a batch is refused; a device may log and branch on them."""

    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    TOO_LARGE = "too_large"
    TOO_MANY_RECORDS = "too_many_records"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_DEVICE = "unknown_device"
    DEVICE_RETIRED = "device_retired"
    NO_ACTIVE_ORDER = "no_active_order"
    SEQUENCE_REUSED = "sequence_reused"
    SEQUENCE_STALE = "sequence_stale"
    TIME_IN_FUTURE = "time_in_future"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Rejection:
    """How a code travels: its HTTP status and whether resending may succeed."""

    http_status: int
    retry: bool


REJECTIONS: dict[RejectCode, Rejection] = {
    RejectCode.MALFORMED: Rejection(400, retry=False),
    RejectCode.UNSUPPORTED_VERSION: Rejection(400, retry=False),
    RejectCode.TOO_LARGE: Rejection(413, retry=False),
    RejectCode.TOO_MANY_RECORDS: Rejection(413, retry=False),
    RejectCode.BAD_SIGNATURE: Rejection(401, retry=False),
    RejectCode.UNKNOWN_DEVICE: Rejection(403, retry=False),
    RejectCode.DEVICE_RETIRED: Rejection(403, retry=False),
    RejectCode.NO_ACTIVE_ORDER: Rejection(403, retry=False),
    RejectCode.SEQUENCE_REUSED: Rejection(409, retry=False),
    RejectCode.SEQUENCE_STALE: Rejection(409, retry=False),
    RejectCode.TIME_IN_FUTURE: Rejection(422, retry=True),
    RejectCode.UNAVAILABLE: Rejection(503, retry=True),
}
