"""Device and wearer rules: tamper, skin contact, SOS, battery, silence, no location.

Each function judges one device's records of one kind, in time order, and
returns findings with stable keys. A strap opened or cut and an SOS are acted on
at once; everything else waits long enough not to cry wolf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vigil.monitor.findings import Finding, Severity, episode_findings

MINUTE_MS = 60_000
_AT_ONCE = {
    "strap_opened": Severity.CRITICAL,
    "strap_cut": Severity.CRITICAL,
    "case_opened": Severity.CRITICAL,
    "shielding_suspected": Severity.HIGH,
}


@dataclass(frozen=True)
class HealthRules:
    """Thresholds, each with the reason for its default."""

    # A loose strap loses contact for a few minutes several times a day (the
    # simulator's median is 4 min); ten minutes is no longer a loose strap.
    skin_contact_lost_s: float = 600.0
    battery_low_pct: float = 20.0
    battery_critical_pct: float = 5.0
    # Clearing needs a few points more, so a reading that wobbles around the
    # threshold does not open and close the same alert all evening.
    battery_clear_margin_pct: float = 5.0
    # Uploads come every few minutes; half an hour of silence is not a lift.
    communication_lost_s: float = 1_800.0
    # Connected but no position: indoors a Wi-Fi fix is normal, an hour of none
    # while batches arrive suggests shielding or a broken receiver.
    no_location_s: float = 3_600.0


@dataclass(frozen=True)
class Subject:
    """Whom the findings are about."""

    device_id: int
    subject_id: int


def tamper_findings(
    who: Subject,
    t_ms: list[int],
    kinds: list[str],
    cleared: list[bool],
    rules: HealthRules,
    last_seen_ms: int,
) -> list[Finding]:
    """Open at once on strap or case; skin contact only once it stays lost."""
    found: list[Finding] = []
    opened: dict[str, int] = {}
    for at, kind, is_clear in sorted(zip(t_ms, kinds, cleared, strict=True)):
        if not is_clear:
            opened.setdefault(kind, at)
            continue
        start = opened.pop(kind, None)
        if start is not None:
            found += _episode(who, "tamper", kind, start, at, rules, last_seen_ms)
    for kind, start in opened.items():
        found += _episode(who, "tamper", kind, start, None, rules, last_seen_ms)
    return found


def _episode(
    who: Subject,
    family: str,
    kind: str,
    start_ms: int,
    end_ms: int | None,
    rules: HealthRules,
    last_seen_ms: int,
) -> list[Finding]:
    if kind == "skin_contact_lost":
        lasted_ms = (end_ms if end_ms is not None else last_seen_ms) - start_ms
        if lasted_ms < rules.skin_contact_lost_s * 1000:
            return []
        severity = Severity.HIGH
    else:
        severity = _AT_ONCE.get(kind, Severity.HIGH)
    alert_kind = "skin_contact_lost" if kind == "skin_contact_lost" else family
    return _open_and_clear(
        who, alert_kind, kind, start_ms, end_ms, severity, {"tamper": kind}
    )


def sos_findings(who: Subject, t_ms: list[int]) -> list[Finding]:
    """Every SOS press is its own episode, critical and at once."""
    return [
        f
        for at in sorted(t_ms)
        for f in _open_and_clear(who, "sos", "sos", at, None, Severity.CRITICAL, {})
    ]


def battery_findings(
    who: Subject,
    t_ms: np.ndarray,
    battery_pct: np.ndarray,
    charging: np.ndarray,
    rules: HealthRules,
) -> list[Finding]:
    """Battery low and critical, with the hours left at the current drain."""
    found: list[Finding] = []
    for level, threshold, severity in (
        ("battery_low", rules.battery_low_pct, Severity.MEDIUM),
        ("battery_critical", rules.battery_critical_pct, Severity.HIGH),
    ):
        below = (battery_pct <= threshold) & ~charging
        recovered = charging | (
            battery_pct >= threshold + rules.battery_clear_margin_pct
        )
        start: int | None = None
        for i in range(t_ms.size):
            if start is None and below[i]:
                start = i
            elif start is not None and recovered[i]:
                found += _battery(who, level, severity, t_ms, battery_pct, start, i)
                start = None
        if start is not None:
            found += _battery(who, level, severity, t_ms, battery_pct, start, None)
    return found


def hours_left(t_ms: np.ndarray, battery_pct: np.ndarray, upto: int) -> float | None:
    """Predict hours until empty from the last two hours of discharge."""
    recent = t_ms >= t_ms[upto] - 120 * MINUTE_MS
    recent[upto + 1 :] = False
    hours = (t_ms[recent] - t_ms[upto]) / 3_600_000
    if hours.size < 2 or np.ptp(hours) == 0:
        return None
    slope_pct_per_h = float(np.polyfit(hours, battery_pct[recent], 1)[0])
    if slope_pct_per_h >= 0:
        return None
    return round(float(battery_pct[upto]) / -slope_pct_per_h, 1)


def _battery(
    who: Subject,
    level: str,
    severity: Severity,
    t_ms: np.ndarray,
    battery_pct: np.ndarray,
    start: int,
    end: int | None,
) -> list[Finding]:
    evidence = {
        "battery_pct": float(battery_pct[start]),
        "hours_left": hours_left(t_ms, battery_pct, start),
    }
    end_ms = None if end is None else int(t_ms[end])
    return _open_and_clear(
        who, level, level, int(t_ms[start]), end_ms, severity, evidence
    )


def silence_findings(
    who: Subject,
    kind: str,
    t_ms: np.ndarray,
    threshold_s: float,
    now_ms: int,
    severity: Severity = Severity.MEDIUM,
) -> list[Finding]:
    """Gaps longer than ``threshold_s`` between times, dated at the last one heard.

    ``communication_lost`` takes the times batches arrived; ``no_location`` takes
    fix times while batches kept arriving.
    """
    heard = np.append(np.sort(t_ms), now_ms)
    gaps = np.flatnonzero(np.diff(heard) >= threshold_s * 1000)
    found: list[Finding] = []
    for i in gaps.tolist():
        end_ms = None if i + 1 == heard.size - 1 else int(heard[i + 1])
        found += _open_and_clear(who, kind, kind, int(heard[i]), end_ms, severity, {})
    return found


def _open_and_clear(
    who: Subject,
    kind: str,
    rule: str,
    start_ms: int,
    end_ms: int | None,
    severity: Severity,
    evidence: Mapping[str, object],
) -> list[Finding]:
    return episode_findings(
        who.device_id, who.subject_id, kind, rule, start_ms, end_ms, severity, evidence
    )
