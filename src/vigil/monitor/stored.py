"""Stored rules (``vigil.store.rules``) turned into the monitor's rule objects."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.errors import VigilError
from vigil.monitor.geometry import Zone
from vigil.monitor.rules import ExclusionRule, InclusionRule, Window
from vigil.store.rules import StoredRule


class RuleError(VigilError):
    """A stored rule cannot be used as it is."""


def rules_for(
    session: Session, subject_id: int, unit_ids: list[int], at: datetime
) -> list[InclusionRule | ExclusionRule]:
    """Return the rules in force at ``at`` for a subject and the units above them."""
    rows = session.scalars(
        select(StoredRule)
        .where(
            or_(StoredRule.subject_id == subject_id, StoredRule.unit_id.in_(unit_ids)),
            StoredRule.active_from <= at,
            or_(StoredRule.active_until.is_(None), StoredRule.active_until > at),
        )
        .order_by(StoredRule.id)
    )
    return [to_rule(row) for row in rows]


def to_rule(row: StoredRule) -> InclusionRule | ExclusionRule:
    """Turn a stored rule into the monitor's rule, or raise ``RuleError``."""
    zone = _zone(row)
    name = f"rule-{row.id}-v{row.version}"
    params = _known(dict(row.params or {}), _PARAMS[row.kind])
    rule: InclusionRule | ExclusionRule
    if row.kind == "exclusion":
        rule = ExclusionRule(name, zone)
    else:
        window = None
        if row.window:
            window = Window(_minute(row.window["start"]), _minute(row.window["end"]))
        rule = InclusionRule(name, zone, window)
    # Parameters left out keep the rule's documented defaults.
    return dataclasses.replace(rule, **params)


_PARAMS = {"exclusion": {"min_dwell_s", "buffer_m"}, "inclusion": {"buffer_m"}}


def _zone(row: StoredRule) -> Zone:
    geometry = row.zone
    kind = geometry.get("type")
    if kind == "Point" and row.radius_m:
        lon, lat = geometry["coordinates"]
        return Zone(float(lat), float(lon), float(row.radius_m))
    if kind == "Polygon":
        ring = [(float(x), float(y)) for x, y in geometry["coordinates"][0]]
        lon = sum(p[0] for p in ring) / len(ring)
        lat = sum(p[1] for p in ring) / len(ring)
        return Zone(lat, lon, polygon_lonlat=tuple(ring))
    raise RuleError(
        f"Rule {row.id} has a zone of type {kind!r} without what it needs.",
        hint="Use a GeoJSON Polygon, or a Point with radius_m.",
    )


def _minute(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _known(params: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """Return the parameters as numbers, refusing names or values it cannot use."""
    unknown = set(params) - allowed
    if unknown:
        raise RuleError(
            f"Unknown rule parameters: {', '.join(sorted(unknown))}.",
            hint=f"Use only {', '.join(sorted(allowed))}.",
        )
    try:
        return {name: float(value) for name, value in params.items()}
    except (TypeError, ValueError):
        raise RuleError(
            "A rule parameter is not a number.", hint="Give every parameter in numbers."
        ) from None
