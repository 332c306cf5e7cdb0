"""Rules kept as data: a kind, a GeoJSON zone, a schedule and parameters.

A rule applies to one subject or to everyone in a unit (the unit-wide list of
known drug-use locations). Zones are GeoJSON, so they round-trip with QGIS and
the console's editor: a ``Polygon``, or a ``Point`` with ``radius_m``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.store.base import Base
from vigil.store.types import UtcDateTime


class StoredRule(Base):
    """One rule as data."""

    __tablename__ = "rules"
    __table_args__ = (
        CheckConstraint("kind IN ('inclusion', 'exclusion')", name="kind_known"),
        CheckConstraint("(subject_id IS NULL) <> (unit_id IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("subjects.id"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    zone: Mapped[dict[str, Any]] = mapped_column(JSON)  # GeoJSON geometry
    radius_m: Mapped[float | None] = mapped_column()
    # {"start": "22:00", "end": "06:00"}: a daily window in the unit's time zone.
    window: Mapped[dict[str, str] | None] = mapped_column(JSON)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active_from: Mapped[datetime] = mapped_column(UtcDateTime())
    active_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
