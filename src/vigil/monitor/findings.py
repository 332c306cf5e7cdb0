"""What a rule concludes about a device, handed to the alert book.

A finding opens an episode, adds evidence to it, or marks that its condition
cleared. Findings carry a stable ``key`` so that evaluating the same records
twice (at-least-once delivery, a restarted worker) yields the same findings,
which the alert book applies once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How fast a person must look; health emergencies outrank everything."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Step(StrEnum):
    """What a finding does to its episode."""

    OPEN = "open"
    EVIDENCE = "evidence"
    CLEAR = "clear"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's conclusion about one device at one event time."""

    key: str  # stable: the same records evaluated again give the same key
    episode: str  # stable per episode: device, rule and the episode's start
    kind: str  # curfew, inclusion_exit, exclusion, tamper, battery_low, sos, ...
    step: Step
    device_id: int
    subject_id: int
    rule: str
    at_ms: int  # event time: the start of the streak for OPEN, the end for CLEAR
    severity: Severity
    late: bool = False  # the records arrived long after their time
    evidence: dict[str, Any] = field(default_factory=dict)


def episode_findings(
    device_id: int,
    subject_id: int,
    kind: str,
    rule: str,
    start_ms: int,
    end_ms: int | None,
    severity: Severity,
    evidence: Mapping[str, Any] | None = None,
    late: bool = False,
) -> list[Finding]:
    """Return the OPEN finding of an episode, and its CLEAR when it has ended."""
    episode = f"{device_id}:{rule}:{start_ms}"
    found = [
        Finding(
            f"{episode}:open",
            episode,
            kind,
            Step.OPEN,
            device_id,
            subject_id,
            rule,
            start_ms,
            severity,
            late,
            dict(evidence or {}),
        )
    ]
    if end_ms is not None:
        found.append(
            Finding(
                f"{episode}:clear",
                episode,
                kind,
                Step.CLEAR,
                device_id,
                subject_id,
                rule,
                end_ms,
                severity,
                late,
            )
        )
    return found
