"""Judge one device's fixes against its zone rules and say what was found.

All fixes of a device are classified against a zone at once; only the short
loop over evidence runs in Python. Implausible jumps are flagged and left out
of the judgement, never deleted: a flagged fix stays as evidence of the noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.monitor.findings import Finding, Severity, episode_findings
from vigil.monitor.hysteresis import COMPLIANT, UNKNOWN, VIOLATING, Episode, episodes
from vigil.monitor.rules import ExclusionRule, InclusionRule

GNSS = 0
# 45 m/s (160 km/h) beyond both fixes' uncertainty: no motorbike in Hanoi does it.
MAX_SPEED_MPS = 45.0
SPARSE_GAP_S = 120.0
# Multipath moves a still receiver's position by tens of metres, hardly its Doppler
# speed; leaving home on foot or by motorbike shows at least a slow walk.
MOVING_MPS = 0.8
# Beyond this gap before an exit the bracelet cannot have seen how the wearer left.
UNSEEN_EXIT_GAP_S = 600.0
# Multipath holds a fix off for at most about 15 minutes; evidence that lasts
# longer needs no proof of motion.
OUTLASTS_MULTIPATH_S = 1_200.0


@dataclass(frozen=True)
class Fixes:
    """One device's fixes in time order; ``source`` 0 is GNSS, else a fallback."""

    t_ms: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    source: np.ndarray
    speed_mps: np.ndarray | None = None  # Doppler speed of GNSS fixes; NaN if none

    @property
    def gnss(self) -> np.ndarray:
        """Which fixes came from satellites."""
        mask: np.ndarray = self.source == GNSS
        return mask


def implausible_jumps(fixes: Fixes) -> np.ndarray:
    """Flag a fix that leaves and returns too fast: a spike, not a trip."""
    if fixes.t_ms.size < 3:
        return np.zeros(fixes.t_ms.size, bool)
    x = (fixes.lon - fixes.lon[0]) * 111_320.0 * np.cos(np.radians(fixes.lat[0]))
    y = (fixes.lat - fixes.lat[0]) * 110_574.0
    step_m = np.hypot(np.diff(x), np.diff(y))
    slack_m = fixes.accuracy_m[:-1] + fixes.accuracy_m[1:]
    dt_s = np.maximum(np.diff(fixes.t_ms) / 1000, 1.0)
    too_fast = (step_m - slack_m) / dt_s > MAX_SPEED_MPS
    spike = np.zeros(fixes.t_ms.size, bool)
    spike[1:-1] = too_fast[:-1] & too_fast[1:]
    return spike


def inclusion_findings(
    device_id: int,
    subject_id: int,
    fixes: Fixes,
    rule: InclusionRule,
    late: bool = False,
) -> list[Finding]:
    """Return findings for leaving an inclusion zone (during its window, if any)."""
    distance_m = rule.zone.signed_distance_m(fixes.lat, fixes.lon)
    evidence = np.where(
        distance_m - fixes.accuracy_m >= rule.buffer_m, VIOLATING, UNKNOWN
    )
    evidence = np.where(distance_m <= fixes.accuracy_m, COMPLIANT, evidence)
    evidence[implausible_jumps(fixes)] = UNKNOWN
    outside = episodes(
        fixes.t_ms, evidence, fixes.gnss, rule.open_when, rule.close_when
    )
    outside = [ok for ep in outside if (ok := _plausible_exit(fixes, evidence, ep))]
    if rule.window is None:
        found = outside
    else:
        windows = rule.window.intervals_ms(
            int(fixes.t_ms[0]), int(fixes.t_ms[-1]), rule.timezone
        )
        needed = rule.close_when.fixes
        found = [
            clipped
            for ep in outside
            for w in windows
            if (clipped := _within(ep, w, fixes, evidence, needed))
        ]
    return _findings(
        device_id, subject_id, rule.rule, rule.kind, found, Severity.HIGH, late
    )


def exclusion_findings(
    device_id: int,
    subject_id: int,
    fixes: Fixes,
    rule: ExclusionRule,
    late: bool = False,
) -> list[Finding]:
    """Return findings for stays in an exclusion zone, sparse crossings included."""
    distance_m = rule.zone.signed_distance_m(fixes.lat, fixes.lon)
    # A fix inside is evidence when it is precise enough to tell the zone from its
    # surroundings; Wi-Fi indoors is, cell is not. GNSS is still needed to open.
    informative = fixes.accuracy_m <= 2 * _size_m(rule)
    evidence = np.where((distance_m <= 0) & informative, VIOLATING, UNKNOWN)
    evidence = np.where(
        distance_m - fixes.accuracy_m > rule.buffer_m, COMPLIANT, evidence
    )
    evidence[implausible_jumps(fixes)] = UNKNOWN
    stays = episodes(fixes.t_ms, evidence, fixes.gnss, rule.open_when, rule.close_when)
    stays += _crossings(fixes, evidence, rule)
    return _findings(
        device_id, subject_id, rule.rule, rule.kind, stays, Severity.HIGH, late
    )


def _size_m(rule: ExclusionRule) -> float:
    """A zone's radius, or for a polygon the distance from its centre to the edge."""
    if rule.zone.radius_m:
        return rule.zone.radius_m
    centre = rule.zone.signed_distance_m(
        np.array([rule.zone.lat]), np.array([rule.zone.lon])
    )
    return float(-centre[0])


def _plausible_exit(
    fixes: Fixes, evidence: np.ndarray, episode: Episode
) -> Episode | None:
    """Keep an exit seen moving, or one that outlasts any multipath; drop the rest.

    An exit without motion is confirmed only once its evidence has lasted longer
    than multipath can hold a fix off.
    """
    if _left_moving(fixes, evidence, episode):
        return episode
    violating = np.flatnonzero(evidence == VIOLATING)
    late_enough = (
        fixes.t_ms[violating] >= episode.start_ms + OUTLASTS_MULTIPATH_S * 1000
    )
    if episode.end_ms is not None:
        late_enough &= fixes.t_ms[violating] < episode.end_ms
    if not late_enough.any():
        return None
    confirmed_ms = max(episode.confirmed_ms, int(fixes.t_ms[violating[late_enough][0]]))
    return Episode(episode.start_ms, confirmed_ms, episode.end_ms, episode.fixes)


def _left_moving(fixes: Fixes, evidence: np.ndarray, episode: Episode) -> bool:
    """Whether the fixes show the wearer moving on the way out, or could not."""
    if fixes.speed_mps is None:
        return True
    first = episode.fixes[0]
    before = np.flatnonzero(evidence[:first] == COMPLIANT)
    if before.size == 0:
        return True  # the stream starts outside: nothing to see of the exit
    last_in = int(before[-1])
    if (fixes.t_ms[first] - fixes.t_ms[last_in]) / 1000 > UNSEEN_EXIT_GAP_S:
        return True
    confirmed = int(np.searchsorted(fixes.t_ms, episode.confirmed_ms, side="right"))
    speeds = fixes.speed_mps[last_in:confirmed]
    return bool(np.nanmax(speeds, initial=0.0) >= MOVING_MPS)


def _within(
    episode: Episode,
    window: tuple[int, int],
    fixes: Fixes,
    evidence: np.ndarray,
    needed: int,
) -> Episode | None:
    """Clip an episode to a window; outside when it opens is a breach at once.

    Dated at the opening, but confirmed only by violating fixes inside the
    window: someone who came home a minute before it opened, while the evidence
    of their return lags, is no breach.
    """
    start, end = window
    ep_end = episode.end_ms if episode.end_ms is not None else end
    if ep_end <= start or episode.start_ms >= end:
        return None
    if episode.start_ms < start:
        inside = (fixes.t_ms >= start) & (fixes.t_ms < min(ep_end, end))
        seen = np.flatnonzero(inside & (evidence == VIOLATING))
        if seen.size < needed:
            return None
        confirmed_ms = max(episode.confirmed_ms, int(fixes.t_ms[seen[needed - 1]]))
        episode = Episode(episode.start_ms, confirmed_ms, episode.end_ms, episode.fixes)
    clipped_end = (
        None if episode.end_ms is None and end > episode.start_ms else min(ep_end, end)
    )
    return Episode(
        max(episode.start_ms, start),
        max(episode.confirmed_ms, start),
        clipped_end,
        episode.fixes,
    )


def _crossings(
    fixes: Fixes, evidence: np.ndarray, rule: ExclusionRule
) -> list[Episode]:
    """Find sparse fix pairs whose straight segment spends the dwell inside a circle."""
    zone = rule.zone
    if zone.polygon_lonlat or fixes.t_ms.size < 2:
        return []
    x, y = zone.to_xy(fixes.lat, fixes.lon)
    gap_s = np.diff(fixes.t_ms) / 1000
    both_out = (evidence[:-1] != VIOLATING) & (evidence[1:] != VIOLATING)
    good = fixes.gnss[:-1] & fixes.gnss[1:] & (fixes.accuracy_m[:-1] < zone.radius_m)
    candidates = np.flatnonzero((gap_s >= SPARSE_GAP_S) & both_out & good[: gap_s.size])
    found = []
    for i in candidates.tolist():
        inside = _chord_fraction(x[i], y[i], x[i + 1], y[i + 1], zone.radius_m)
        if inside * gap_s[i] >= rule.min_dwell_s:
            entered = int(fixes.t_ms[i] + (1 - inside) / 2 * gap_s[i] * 1000)
            found.append(
                Episode(
                    entered, int(fixes.t_ms[i + 1]), int(fixes.t_ms[i + 1]), (i, i + 1)
                )
            )
    return found


def _chord_fraction(
    x0: float, y0: float, x1: float, y1: float, radius_m: float
) -> float:
    """Return the share of the segment that lies inside a circle at the origin."""
    dx, dy = x1 - x0, y1 - y0
    a = dx * dx + dy * dy
    if a == 0:
        return 1.0 if x0 * x0 + y0 * y0 <= radius_m**2 else 0.0
    b = 2 * (x0 * dx + y0 * dy)
    c = x0 * x0 + y0 * y0 - radius_m**2
    disc = b * b - 4 * a * c
    if disc <= 0:
        return 0.0
    root = disc**0.5
    t0, t1 = max(0.0, (-b - root) / (2 * a)), min(1.0, (-b + root) / (2 * a))
    return float(max(0.0, t1 - t0))


def _findings(
    device_id: int,
    subject_id: int,
    rule: str,
    kind: str,
    found: list[Episode],
    severity: Severity,
    late: bool,
) -> list[Finding]:
    return [
        finding
        for ep in found
        for finding in episode_findings(
            device_id,
            subject_id,
            kind,
            rule,
            ep.start_ms,
            ep.end_ms,
            severity,
            {"fixes": list(ep.fixes), "confirmed_ms": ep.confirmed_ms},
            late,
        )
    ]
