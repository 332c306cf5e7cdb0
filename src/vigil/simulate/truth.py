"""The truth log: every event the simulator injected, so detectors can be scored.

One JSON object a line. ``wearers`` holds device serials (the identity a
detector sees); times are UTC epoch milliseconds plus ISO strings for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import msgspec

# Every kind of injected event, by the module that injects it.
MOBILITY_KINDS = ("curfew_breach", "exclusion_visit", "gathering", "encounter")
HARDWARE_KINDS = (
    "tamper", "battery_dead", "sos", "connectivity_gap", "clock_drift",
)  # fmt: skip
PHYSIOLOGY_KINDS = (
    "exercise", "stress", "stimulant", "opioid", "overdose",
    "heat", "caffeine", "anxiety", "poor_contact",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """Something that really happened to one or more wearers, from start to end."""

    kind: str
    wearers: tuple[int, ...]  # indices into the population
    start_ms: int
    end_ms: int
    detail: dict[str, Any] = field(default_factory=dict)


class TruthRecord(msgspec.Struct, frozen=True):
    """A truth event as written: wearers named by their device serials."""

    kind: str
    wearers: list[str]
    start_ms: int
    end_ms: int
    start: str
    end: str
    detail: dict[str, Any] = {}


def _iso(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC).isoformat(timespec="seconds")


class TruthWriter:
    """Appends events to a JSON Lines file as the simulation produces them."""

    def __init__(self, path: Path, serials: Sequence[str]) -> None:
        self._file: IO[bytes] = path.open("wb")
        self._serials = serials
        self._encoder = msgspec.json.Encoder()
        self.count = 0

    def write(self, events: Iterable[TruthEvent]) -> None:
        """Write events, naming wearers by serial."""
        for event in events:
            record = TruthRecord(
                kind=event.kind,
                wearers=[self._serials[i] for i in event.wearers],
                start_ms=event.start_ms,
                end_ms=event.end_ms,
                start=_iso(event.start_ms),
                end=_iso(event.end_ms),
                detail=event.detail,
            )
            self._file.write(self._encoder.encode(record) + b"\n")
            self.count += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


def read_truth(path: Path) -> Iterator[TruthRecord]:
    """Read a truth file back."""
    decoder = msgspec.json.Decoder(TruthRecord)
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield decoder.decode(line)
