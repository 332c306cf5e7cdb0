"""The event log between ingest and the consumers that evaluate what arrived."""

from __future__ import annotations

from vigil.bus.base import Delivery, EventLog, Subscription
from vigil.bus.inbox import InboxLog

__all__ = ["Delivery", "EventLog", "InboxLog", "Subscription"]
