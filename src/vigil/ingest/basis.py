"""The legal basis for each record: which person wore the device, under which order.

A record is stored only if, at its own time, the device was assigned to a person
whose order was in force. A batch where any record lacks that basis is refused
whole, so a device can never leave part of a batch behind.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from vigil.errors import ProtocolError
from vigil.protocol import RejectCode
from vigil.store.base import table_of
from vigil.store.registry import DeviceAssignment, Order
from vigil.store.types import from_epoch_us, to_epoch_us


@dataclass(frozen=True, slots=True)
class Coverage:
    """A stretch of time ``[start_ms, end_ms)`` when ``subject_id`` wore the device."""

    subject_id: int
    start_ms: int
    end_ms: int


def load_coverage(
    conn: Connection, device_ids: Collection[int], first_ms: int, last_ms: int
) -> list[tuple[int, Coverage]]:
    """Return, per device, the stretches between two times with a legal basis."""
    a, o = table_of(DeviceAssignment), table_of(Order)
    first, last = from_epoch_us(first_ms * 1000), from_epoch_us(last_ms * 1000)
    query = (
        select(
            a.c.device_id,
            a.c.subject_id,
            a.c.assigned_at,
            a.c.unassigned_at,
            o.c.starts_at,
            o.c.ends_at,
            o.c.ended_early_at,
        )
        .join(o, o.c.id == a.c.order_id)
        .where(
            a.c.device_id.in_(device_ids),
            a.c.assigned_at <= last,
            or_(a.c.unassigned_at.is_(None), a.c.unassigned_at > first),
            o.c.starts_at <= last,
        )
    )
    return [(int(row.device_id), _stretch(row)) for row in conn.execute(query)]


def _stretch(row: Row[Any, Any, Any, Any, Any, Any, Any]) -> Coverage:
    ends = [row.ends_at, row.unassigned_at, row.ended_early_at]
    end_ms = min(to_epoch_us(t) // 1000 for t in ends if t is not None)
    start_ms = max(to_epoch_us(row.assigned_at), to_epoch_us(row.starts_at)) // 1000
    return Coverage(int(row.subject_id), start_ms, end_ms)


def subjects_for(times_ms: list[int], coverage: list[Coverage]) -> list[int]:
    """Return the subject for each time, or raise if any time has no basis."""
    subjects = []
    for t_ms in times_ms:
        for stretch in coverage:
            if stretch.start_ms <= t_ms < stretch.end_ms:
                subjects.append(stretch.subject_id)
                break
        else:
            raise ProtocolError(
                RejectCode.NO_ACTIVE_ORDER,
                "A record falls outside any order in force for the device's wearer.",
                hint="Assign the device under an order in force before it records.",
            )
    return subjects
