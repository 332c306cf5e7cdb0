"""What every event log offers: ordered per device, at least once, resumable.

A consumer fetches deliveries, processes them, then acknowledges the last offset it
finished. After a crash it gets again everything after its last acknowledgement,
so consumers must be idempotent; in exchange nothing is ever skipped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from vigil.protocol import Batch


@dataclass(frozen=True, slots=True)
class Delivery:
    """One stored batch as consumers see it."""

    offset: int
    device_id: int
    received_at: datetime
    batch: Batch


class Subscription(ABC):
    """A named consumer's cursor over the log."""

    @abstractmethod
    def fetch(self, max_items: int, timeout_s: float) -> list[Delivery]:
        """Return up to ``max_items`` deliveries after the last one fetched."""

    @abstractmethod
    def ack(self, offset: int) -> None:
        """Durably record that everything up to ``offset`` is processed."""


class EventLog(ABC):
    """Where ingest announces stored batches and consumers read them."""

    @abstractmethod
    def published(self, offsets: Sequence[int]) -> None:
        """Announce batches that are already durably stored."""

    @abstractmethod
    def subscribe(self, consumer: str) -> Subscription:
        """Open the named consumer's subscription where it last acknowledged."""
