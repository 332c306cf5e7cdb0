"""Uplink records and the batch that carries them (protocol v1).

Every field carries its unit in its name. Times are integer milliseconds since
the Unix epoch, UTC, by the bracelet's clock. Ranges are the sensor's range, not
what is healthy: a pulse of 25 bpm during an overdose must still be accepted.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

PROTOCOL_VERSION = 1

# Epoch milliseconds from 2000-01-01 to 2200-01-01: anything outside is a broken clock.
TimeMs = Annotated[int, msgspec.Meta(ge=946_684_800_000, le=7_258_118_400_000)]
Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
# \Z, not $: msgspec matches with re.search, where $ also matches before a final "\n".
Serial = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+\Z")
]
Sequence = Annotated[int, msgspec.Meta(ge=1, le=2**53)]

FixSource = Literal["gnss", "wifi", "cell"]
TamperKind = Literal[
    "strap_opened",
    "strap_cut",
    "case_opened",
    "skin_contact_lost",
    "shielding_suspected",
]
EventKind = Literal["button", "sos", "ok_confirmed"]


class _Record(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    tag_field="kind",
):
    """Fields every record shares."""

    t_ms: TimeMs


class Fix(_Record, frozen=True, tag="fix"):
    """A position; ``accuracy_m`` is the radius holding the truth 68 % of the time."""

    lat: Latitude
    lon: Longitude
    accuracy_m: Annotated[float, msgspec.Meta(gt=0.0, le=100_000.0)]
    source: FixSource = "gnss"
    speed_mps: Annotated[float, msgspec.Meta(ge=0.0, le=500.0)] | None = None
    heading_deg: Annotated[float, msgspec.Meta(ge=0.0, lt=360.0)] | None = None
    satellites: Annotated[int, msgspec.Meta(ge=0, le=200)] | None = None


class Vitals(_Record, frozen=True, tag="vitals"):
    """A summary of one window of biometric readings, starting at ``t_ms``."""

    window_s: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 60
    heart_rate_bpm: Annotated[float, msgspec.Meta(ge=0.0, le=300.0)] | None = None
    hrv_rmssd_ms: Annotated[float, msgspec.Meta(ge=0.0, le=1000.0)] | None = None
    scl_us: Annotated[float, msgspec.Meta(ge=0.0, le=100.0)] | None = None
    scr_per_min: Annotated[float, msgspec.Meta(ge=0.0, le=120.0)] | None = None
    skin_temp_c: Annotated[float, msgspec.Meta(ge=0.0, le=50.0)] | None = None
    spo2_pct: Percent | None = None
    resp_rate_bpm: Annotated[float, msgspec.Meta(ge=0.0, le=100.0)] | None = None
    activity_g: Annotated[float, msgspec.Meta(ge=0.0, le=16.0)] | None = None
    steps: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    skin_contact: bool = True


class Status(_Record, frozen=True, tag="status"):
    """Battery, charging, radio and firmware."""

    battery_pct: Percent
    charging: bool = False
    signal_dbm: Annotated[int, msgspec.Meta(ge=-200, le=0)] | None = None
    firmware: Annotated[str, msgspec.Meta(max_length=32)] = ""


class Tamper(_Record, frozen=True, tag="tamper"):
    """A tamper sensor changed state; ``cleared`` marks the condition's end."""

    tamper: TamperKind
    cleared: bool = False


class Event(_Record, frozen=True, tag="event"):
    """The wearer pressed a button."""

    event: EventKind


Record = Fix | Vitals | Status | Tamper | Event


class Batch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a bracelet sends in one upload; its encoding is what gets signed."""

    v: int
    device: Serial
    seq: Sequence
    sent_ms: TimeMs
    records: list[Record]


class Envelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The signed wrapper: ``sig`` is Ed25519 over the context string and ``body``."""

    device: Serial
    body: bytes
    sig: bytes
