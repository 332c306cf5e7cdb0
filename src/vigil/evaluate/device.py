"""Device rules against the simulator's truth: tamper, SOS, warnings before deaths."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from vigil.monitor.device_health import (
    HealthRules,
    Subject,
    battery_findings,
    sos_findings,
    tamper_findings,
)
from vigil.monitor.findings import Finding, Step
from vigil.simulate.engine import ChunkDay
from vigil.simulate.records import columns, device_times_ms
from vigil.simulate.truth import TruthEvent

# Shielding can only be suspected after five minutes of radio silence, so its
# report comes five minutes after the truth starts; ten minutes covers that.
MATCH_SLACK_MS = 10 * 60_000


class DeviceRecords:
    """Per wearer: tamper changes, SOS presses and battery readings, as reported."""

    def __init__(self) -> None:
        self.tamper: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
        self.sos: dict[int, list[int]] = defaultdict(list)
        self.status: list[tuple[np.ndarray, ...]] = []

    def add(self, chunk: ChunkDay) -> None:
        """Keep what a chunk-day's bracelets reported."""
        times = device_times_ms(chunk)
        for row, minute, kind, cleared in chunk.hardware.tamper:
            self.tamper[int(chunk.wearers[row])].append(
                (int(times[row, minute]), kind, cleared)
            )
        for row, minute, event in chunk.hardware.buttons:
            if event == "sos":
                self.sos[int(chunk.wearers[row])].append(int(times[row, minute]))
        block = next(c for c in columns(chunk) if c.kind == "status")
        self.status.append(
            (
                block.wearer,
                block.t_ms,
                block.fields["battery_pct"],
                block.fields["charging"],
            )
        )


def score_device(
    records: DeviceRecords, truth: list[TruthEvent], end_ms: int
) -> dict[str, Any]:
    """Return tamper and SOS precision and recall, and how deaths were warned of."""
    rules = HealthRules()
    found: list[Finding] = []
    for wearer, changes in records.tamper.items():
        t, kinds, cleared = zip(*changes, strict=True)
        found += tamper_findings(
            Subject(wearer, wearer), list(t), list(kinds), list(cleared), rules, end_ms
        )
    for wearer, presses in records.sos.items():
        found += sos_findings(Subject(wearer, wearer), presses)
    opened = [f for f in found if f.step == Step.OPEN]
    deliberate = [
        e
        for e in truth
        if e.kind == "tamper" and e.detail.get("kind") != "skin_contact_lost"
    ]
    tamper_alerts = [f for f in opened if f.kind == "tamper"]
    sos_truth = [e for e in truth if e.kind == "sos"]
    sos_alerts = [f for f in opened if f.kind == "sos"]
    return {
        "tamper_alerts": len(tamper_alerts),
        "tamper_precision": _share(tamper_alerts, deliberate),
        "tamper_recall": _share(deliberate, tamper_alerts),
        "sos_recall": _share(sos_truth, sos_alerts),
        **_battery(records, truth, rules),
    }


def _share(items: list[Any], against: list[Any]) -> float | None:
    """Share of ``items`` with a counterpart of the same wearer within the slack."""
    if not items:
        return None
    by_wearer: dict[int, list[int]] = defaultdict(list)
    for other in against:
        wearer = other.wearers[0] if isinstance(other, TruthEvent) else other.device_id
        time = other.start_ms if isinstance(other, TruthEvent) else other.at_ms
        by_wearer[wearer].append(time)
    hits = 0
    for item in items:
        wearer = item.wearers[0] if isinstance(item, TruthEvent) else item.device_id
        time = item.start_ms if isinstance(item, TruthEvent) else item.at_ms
        hits += any(abs(time - t) <= MATCH_SLACK_MS for t in by_wearer[wearer])
    return round(hits / len(items), 4)


def _battery(
    records: DeviceRecords, truth: list[TruthEvent], rules: HealthRules
) -> dict[str, Any]:
    """How many battery deaths were preceded by a warning, and how long before."""
    if not records.status:
        return {}
    wearer, t_ms, pct, charging = (
        np.concatenate(c) for c in zip(*records.status, strict=True)
    )
    warnings: dict[int, list[int]] = defaultdict(list)
    for w in np.unique(wearer).tolist():
        rows = np.flatnonzero(wearer == w)
        rows = rows[np.argsort(t_ms[rows])]
        for f in battery_findings(
            Subject(w, w), t_ms[rows], pct[rows], charging[rows].astype(bool), rules
        ):
            if f.step == Step.OPEN and f.kind == "battery_low":
                warnings[w].append(f.at_ms)
    deaths = [e for e in truth if e.kind == "battery_dead"]
    leads_h = []
    for death in deaths:
        before = [
            t
            for t in warnings[death.wearers[0]]
            if death.start_ms - 24 * 3_600_000 <= t <= death.start_ms
        ]
        if before:
            leads_h.append((death.start_ms - max(before)) / 3_600_000)
    return {
        "battery_deaths": len(deaths),
        "battery_deaths_warned_share": round(len(leads_h) / len(deaths), 4)
        if deaths
        else None,
        "battery_warning_lead_median_h": round(float(np.median(leads_h)), 2)
        if leads_h
        else None,
    }
