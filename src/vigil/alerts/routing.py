"""Where notifications go: routes per severity, per kind, for health and escalation.

Routing is data: a deployment changes who is told by changing these tables, not
code. A route names a channel and a target the channel resolves (an endpoint
name, a duty phone's name), so addresses live with the channel's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vigil.alerts.models import ChannelName

# Health first (DESIGN.md §2.6): these kinds reach medical responders before
# any enforcement workflow, and an approved exception never hides them.
MEDICAL_KINDS = frozenset({"medical_emergency", "sos"})


@dataclass(frozen=True, slots=True)
class Route:
    """One channel and the named target on it."""

    channel: ChannelName
    target: str


OPERATIONS_WEBHOOK = Route("webhook", "operations")
DUTY_SMS = Route("sms", "duty-officer")
CONSOLE_STREAM = Route("stream", "console")


def _by_severity() -> dict[str, tuple[Route, ...]]:
    return {
        "critical": (OPERATIONS_WEBHOOK, DUTY_SMS, CONSOLE_STREAM),
        "high": (OPERATIONS_WEBHOOK, CONSOLE_STREAM),
        "medium": (CONSOLE_STREAM,),
        "low": (CONSOLE_STREAM,),
    }


def _escalation() -> tuple[tuple[Route, ...], ...]:
    return (
        (Route("sms", "supervisor"), Route("webhook", "operations")),
        (Route("sms", "unit-head"), Route("email", "unit-head")),
    )


@dataclass(frozen=True, slots=True)
class Routing:
    """Which routes an alert's notifications take."""

    by_severity: Mapping[str, tuple[Route, ...]] = field(default_factory=_by_severity)
    # A kind listed here takes these routes instead of its severity's.
    by_kind: Mapping[str, tuple[Route, ...]] = field(default_factory=dict)
    medical: tuple[Route, ...] = (
        Route("webhook", "medical"),
        Route("sms", "medical-duty"),
    )
    # Level n of escalation (1-based) takes entry n-1; the last one repeats.
    escalation: tuple[tuple[Route, ...], ...] = field(default_factory=_escalation)
    max_escalation_level: int = 3

    def for_opened(self, kind: str, severity: str) -> list[tuple[Route, int]]:
        """Return the routes for a new alert with their priorities, first first."""
        routes: list[tuple[Route, int]] = []
        if kind in MEDICAL_KINDS:
            routes.extend((route, 0) for route in self.medical)
        usual = self.by_kind.get(kind, self.by_severity.get(severity, ()))
        routes.extend((route, 1) for route in usual if route not in self.medical)
        return routes

    def for_escalation(self, level: int) -> tuple[Route, ...]:
        """Return the routes that escalation to ``level`` (1 or more) takes."""
        if not self.escalation:
            return ()
        return self.escalation[min(level, len(self.escalation)) - 1]
