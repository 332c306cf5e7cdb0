"""``vigil evaluate alerts``: zone and curfew alerts against the simulator's truth.

The simulation runs in direct mode; each wearer's fixes, as the bracelet would
report them (GNSS error, fallbacks, dead batteries), go through the zone rules
that the scenario implies: a curfew at home and the unit-wide exclusion zones.
An alert is *true* when it overlaps a truth event of its kind for that wearer
(and zone); a truth event counts for recall when it lasts longer than the grace
period, so a detector is not asked to see what its rules deliberately tolerate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from vigil.evaluate.device import DeviceRecords, score_device
from vigil.monitor.findings import Finding, Step
from vigil.monitor.geometry import Zone
from vigil.monitor.rules import ExclusionRule, InclusionRule, Window
from vigil.monitor.zones import Fixes, exclusion_findings, inclusion_findings
from vigil.simulate.engine import Simulation, SimulationConfig
from vigil.simulate.records import columns
from vigil.simulate.scenario import serial_of
from vigil.simulate.truth import TruthEvent, TruthWriter

MINUTE_MS = 60_000
GRACE_MS = {"curfew": 10 * MINUTE_MS, "exclusion": 10 * MINUTE_MS}
MATCH_SLACK_MS = 5 * MINUTE_MS
_TRUTH_KIND = {"curfew_breach": "curfew", "exclusion_visit": "exclusion"}


@dataclass(frozen=True)
class Alert:
    """An episode a rule opened: began, could be known, ended."""

    wearer: int
    kind: str
    key: int  # the zone for exclusions, 0 for the curfew
    start_ms: int
    detected_ms: int
    end_ms: int


def run(
    *,
    wearers: int,
    days: int,
    seed: int,
    truth_path: Path | None,
    start: date = date(2026, 6, 1),
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Simulate, raise zone alerts, and score them; return the figures."""
    sim = Simulation(
        SimulationConfig(wearers=wearers, start=start, days=days, seed=seed)
    )
    device = DeviceRecords()
    fixes, truth = _simulate(sim, truth_path, progress, device)
    end_ms = max(int(t[-1]) for t, *_ in fixes.values()) if fixes else 0
    alerts = [a for w, f in fixes.items() for a in _alerts(sim, w, f, end_ms)]
    scored = _score(alerts, truth, fixes, wearers * days)
    scored["device"] = score_device(device, truth, end_ms)
    return scored


def _simulate(
    sim: Simulation,
    truth_path: Path | None,
    progress: Callable[[int], None] | None,
    device: DeviceRecords | None = None,
) -> tuple[dict[int, tuple[np.ndarray, ...]], list[TruthEvent]]:
    serials = [serial_of(i) for i in range(sim.config.wearers)]
    writer = TruthWriter(truth_path, serials) if truth_path else None
    parts: list[tuple[np.ndarray, ...]] = []
    truth: list[TruthEvent] = []
    for day in sim.days:
        for chunk, events in sim.run_day(day):
            block = next(c for c in columns(chunk) if c.kind == "fix")
            f = block.fields
            parts.append(
                (
                    block.wearer,
                    block.t_ms,
                    f["lat"],
                    f["lon"],
                    f["accuracy_m"],
                    f["source"],
                    f["speed_mps"],
                )
            )
            truth += events
            if device is not None:
                device.add(chunk)
            if progress is not None:
                progress(int(chunk.wearers.size))
    truth += sim.finish()
    if writer is not None:
        writer.write(truth)
        writer.close()
    return _by_wearer(parts), truth


def _by_wearer(
    parts: list[tuple[np.ndarray, ...]],
) -> dict[int, tuple[np.ndarray, ...]]:
    wearer, t_ms, *rest = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    order = np.lexsort((t_ms, wearer))
    wearer, t_ms = wearer[order], t_ms[order]
    rest = [column[order] for column in rest]
    cuts = np.flatnonzero(np.diff(wearer)) + 1
    found = {}
    for rows in np.split(np.arange(wearer.size), cuts):
        if rows.size:
            found[int(wearer[rows[0]])] = (t_ms[rows], *(c[rows] for c in rest))
    return found


def _alerts(
    sim: Simulation, wearer: int, arrays: tuple[np.ndarray, ...], end_ms: int
) -> list[Alert]:
    t_ms, lat, lon, accuracy_m, source, speed_mps = arrays
    fixes = Fixes(t_ms, lat, lon, accuracy_m.astype(np.float64), source, speed_mps)
    found: list[Alert] = []
    for key, rule in _rules(sim, wearer, fixes):
        if isinstance(rule, InclusionRule):
            findings = inclusion_findings(wearer, wearer, fixes, rule)
        else:
            findings = exclusion_findings(wearer, wearer, fixes, rule)
        found += _episodes(wearer, rule.kind, key, findings, end_ms)
    return found


def _rules(
    sim: Simulation, wearer: int, fixes: Fixes
) -> list[tuple[int, InclusionRule | ExclusionRule]]:
    city, people = sim.city, sim.people
    rules: list[tuple[int, InclusionRule | ExclusionRule]] = []
    if people.curfew_start_min[wearer] >= 0:
        home = people.home[wearer]
        lat, lon = city.frame.to_latlon(city.place_x[home], city.place_y[home])
        zone = Zone(float(lat), float(lon), float(people.home_radius_m[wearer]))
        window = Window(
            int(people.curfew_start_min[wearer]), int(people.curfew_end_min[wearer])
        )
        rules.append((0, InclusionRule(f"curfew-{wearer}", zone, window)))
    zone_lat, zone_lon = city.frame.to_latlon(city.zones.x_m, city.zones.y_m)
    for index in range(city.zones.place.size):
        zone = Zone(
            float(zone_lat[index]),
            float(zone_lon[index]),
            float(city.zones.radius_m[index]),
        )
        # Only zones the wearer came near: the rest cannot be breached.
        if (zone.signed_distance_m(fixes.lat, fixes.lon) < 2_000).any():
            rules.append((index, ExclusionRule(f"zone-{index}", zone)))
    return rules


def _episodes(
    wearer: int, kind: str, key: int, findings: list[Finding], end_ms: int
) -> list[Alert]:
    clears = {f.episode: f.at_ms for f in findings if f.step == Step.CLEAR}
    return [
        Alert(
            wearer,
            kind,
            key,
            f.at_ms,
            int(f.evidence["confirmed_ms"]),
            clears.get(f.episode, end_ms),
        )
        for f in findings
        if f.step == Step.OPEN
    ]


def _score(
    alerts: list[Alert],
    truth: list[TruthEvent],
    fixes: dict[int, tuple[np.ndarray, ...]],
    wearer_days: int,
) -> dict[str, Any]:
    events: dict[tuple[int, str, int], list[TruthEvent]] = defaultdict(list)
    for event in truth:
        kind = _TRUTH_KIND.get(event.kind)
        if kind is not None:
            events[(event.wearers[0], kind, int(event.detail.get("zone", 0)))].append(
                event
            )

    true_alerts, matched, delays_s = 0, set(), []
    for alert in alerts:
        hits = [
            e
            for e in events[(alert.wearer, alert.kind, alert.key)]
            if e.start_ms - MATCH_SLACK_MS < alert.end_ms
            and alert.start_ms < e.end_ms + MATCH_SLACK_MS
        ]
        if hits:
            true_alerts += 1
            for hit in hits:
                if id(hit) not in matched:
                    matched.add(id(hit))
                    delays_s.append(max(0, alert.detected_ms - hit.start_ms) / 1000)

    due = [
        e
        for key, es in events.items()
        for e in es
        if e.end_ms - e.start_ms > GRACE_MS[key[1]]
    ]
    observable = [e for e in due if _observed(e, fixes)]
    found = [e for e in due if id(e) in matched]
    false_alerts = len(alerts) - true_alerts
    return {
        "evaluation": "alerts",
        "wearer_days": wearer_days,
        "alerts": len(alerts),
        "true_alerts": true_alerts,
        "false_alerts": false_alerts,
        "violations_longer_than_grace": len(due),
        "violations_detected": len(found),
        "precision": round(true_alerts / len(alerts), 4) if alerts else None,
        "recall": round(len(found) / len(due), 4) if due else None,
        "recall_observable": round(
            sum(1 for e in observable if id(e) in matched) / len(observable), 4
        )
        if observable
        else None,
        "detection_delay_p95_s": round(float(np.percentile(delays_s, 95)), 1)
        if delays_s
        else None,
        "false_alerts_per_wearer_day": round(false_alerts / wearer_days, 4),
        "by_kind": {
            kind: {
                "alerts": sum(1 for a in alerts if a.kind == kind),
                "violations_longer_than_grace": sum(1 for e in due if _kind(e) == kind),
                "detected": sum(1 for e in found if _kind(e) == kind),
            }
            for kind in ("curfew", "exclusion")
        },
    }


def _kind(event: TruthEvent) -> str:
    return _TRUTH_KIND[event.kind]


def _observed(event: TruthEvent, fixes: dict[int, tuple[np.ndarray, ...]]) -> bool:
    """Whether the bracelet reported at least three fixes during the event."""
    arrays = fixes.get(event.wearers[0])
    if arrays is None:
        return False
    t_ms = arrays[0]
    return int(((t_ms >= event.start_ms) & (t_ms < event.end_ms)).sum()) >= 3
