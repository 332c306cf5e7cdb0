"""Episodes that change a wearer's vitals for minutes or hours: when, how long, how big.

A day's episodes of one kind are parallel arrays, one entry per episode, so a
fleet of 100,000 wearers is planned without a Python object per episode. On the
minute grid an episode is a piecewise-linear envelope (a rise, a plateau that
may sag to a tail level, a fall), listed only for the minutes it covers. The
numbers here are simulation assumptions; docs/simulator.md lists where each
comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.simulate.clock import MINUTE_MS, MINUTES, Activity
from vigil.simulate.truth import TruthEvent

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float32]

# An episode that must begin while the wearer is awake gets this many tries at
# an onset minute; a wearer asleep for a quarter of the weighted hours misses
# all eight one time in 65,000.
ONSET_TRIES = 8


@dataclass(frozen=True)
class EpisodeShape:
    """How an episode kind unfolds: its envelope, duration and hour of onset."""

    rise_min: int  # onset to full effect
    fall_min: int  # tail level to no effect
    tail_level: float  # effect when the fall begins, as a fraction of the peak
    min_duration_min: int
    max_duration_min: int
    hour_weights: tuple[float, ...]  # relative weight of each local hour for onset
    needs_awake: bool  # the onset minute must not be SLEEP in the mobility model


def _hours(*spans: tuple[int, float]) -> tuple[float, ...]:
    """Expand (hours, weight) spans, in order from midnight, to 24 hourly weights."""
    weights = tuple(w for count, w in spans for _ in range(count))
    assert len(weights) == 24
    return weights


# Local hours of a coffee: mostly on the way to work, again after lunch.
_COFFEE_HOURS = (
    0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.5, 2.0, 1.5, 1.0, 0.6, 0.4,
    0.3, 0.6, 0.8, 0.6, 0.4, 0.2, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05,
)  # fmt: skip

SHAPES: dict[str, EpisodeShape] = {
    # A stressor lifts heart rate within a couple of minutes and lets go over
    # several; "tens of minutes" in all. Mostly in waking, working hours.
    "stress": EpisodeShape(
        3, 8, 1.0, 12, 60, _hours((6, 0.1), (1, 0.5), (14, 1.0), (3, 0.5)), True
    ),
    # Anxiety builds and fades slowly, lasts hours, and is worse in the evening.
    "anxiety": EpisodeShape(
        15, 30, 0.8, 60, 240, _hours((6, 0.2), (11, 0.6), (7, 1.0)), True
    ),
    # Caffeine peaks in plasma 30-60 min after a coffee; its small effect on
    # heart rate fades within 1-3 h. Coffee is a morning and early-afternoon habit.
    "caffeine": EpisodeShape(30, 30, 0.5, 60, 180, _COFFEE_HOURS, True),
    # Smoked methamphetamine acts within minutes; the cardiovascular effect lasts
    # 4-12 h and wanes (plasma half-life about 10 h). Use is an evening and
    # night activity, and the drug keeps people awake, so onset may be "asleep".
    "stimulant": EpisodeShape(
        20, 60, 0.4, 240, 720, _hours((4, 0.8), (6, 0.2), (6, 0.6), (8, 1.0)), False
    ),
    # Heroin acts within minutes and sedates for 3-6 h.
    "opioid": EpisodeShape(
        10, 30, 0.5, 180, 360, _hours((6, 0.3), (6, 0.6), (12, 1.0)), True
    ),
    # A loose strap, sweat or dry skin: a step change, any time of day or night.
    "poor_contact": EpisodeShape(1, 1, 1.0, 5, 60, _hours((24, 1.0)), False),
    # From respiratory arrest (or stimulant crisis) to rescue; it follows use.
    "overdose": EpisodeShape(
        1, 1, 1.0, 20, 120, _hours((4, 1.0), (6, 0.4), (6, 0.7), (8, 1.0)), False
    ),
}

# Stress levels 1-3 (mild, moderate, high): how often each occurs and its
# intensity, so a high-stress episode moves heart rate about 2.7 times as much
# as a mild one.
STRESS_LEVEL_SHARE = (0.5, 0.35, 0.15)
STRESS_LEVEL_INTENSITY = (0.6, 1.0, 1.6)

# Overdose variants, kept in Episodes.variant.
OPIOID_OVERDOSE = 0
STIMULANT_OVERDOSE = 1
OVERDOSE_TYPES = ("opioid", "stimulant")
# The drug episode that leads into an overdose began this long before it.
OPIOID_PRECURSOR_MIN = (10, 45)  # heroin stops breathing within minutes to an hour
STIMULANT_PRECURSOR_MIN = (60, 240)  # toxicity builds over hours of a binge
LED_TO_OVERDOSE = 1  # Episodes.variant of a drug episode that ended in overdose


@dataclass(frozen=True)
class Episodes:
    """One kind's episodes in a day, one array entry per episode."""

    kind: str
    wearer: IntArray
    start_min: IntArray
    end_min: IntArray  # exclusive; may pass midnight, where the day's grid cuts it
    intensity: FloatArray  # peak effect, 1 = the kind's typical episode
    variant: IntArray  # stress level, overdose type, or LED_TO_OVERDOSE; else 0

    def __len__(self) -> int:
        return len(self.wearer)

    def within(self, lo: int, hi: int) -> Episodes:
        """Return the episodes of wearers ``lo`` to ``hi - 1``, numbered from ``lo``."""
        keep = (self.wearer >= lo) & (self.wearer < hi)
        return Episodes(
            self.kind,
            self.wearer[keep] - lo,
            self.start_min[keep],
            self.end_min[keep],
            self.intensity[keep],
            self.variant[keep],
        )

    def joined(self, other: Episodes) -> Episodes:
        """Return these episodes followed by ``other``'s."""
        return Episodes(
            self.kind,
            np.concatenate([self.wearer, other.wearer]),
            np.concatenate([self.start_min, other.start_min]),
            np.concatenate([self.end_min, other.end_min]),
            np.concatenate([self.intensity, other.intensity]),
            np.concatenate([self.variant, other.variant]),
        )


def plan_day(
    rate_per_day: Mapping[str, NDArray[np.float64]],
    opioid_overdose_share: NDArray[np.float64],
    activity: NDArray[np.uint8],
    rng: np.random.Generator,
) -> dict[str, Episodes]:
    """Draw every wearer's episodes for one day.

    Parameters
    ----------
    rate_per_day
        Per kind in ``SHAPES``, each wearer's expected episodes per day.
    opioid_overdose_share
        Per wearer, the chance that an overdose is opioid rather than stimulant.
    activity
        ``(wearers, MINUTES)`` activity codes; awake-only kinds start off SLEEP.
    rng
        The only source of randomness.
    """
    plan = {
        kind: _draw_kind(kind, rate_per_day[kind], activity, rng)
        for kind in SHAPES
        if kind != "overdose"
    }
    overdoses = _draw_kind("overdose", rate_per_day["overdose"], activity, rng)
    opioid = rng.random(len(overdoses)) < opioid_overdose_share[overdoses.wearer]
    variant = np.where(opioid, OPIOID_OVERDOSE, STIMULANT_OVERDOSE).astype(np.int64)
    plan["overdose"] = Episodes(
        "overdose",
        overdoses.wearer,
        overdoses.start_min,
        overdoses.end_min,
        overdoses.intensity,  # severity, uniform 0-1
        variant,
    )
    plan["opioid"] = plan["opioid"].joined(
        _precursors("opioid", overdoses, opioid, OPIOID_PRECURSOR_MIN, rng)
    )
    plan["stimulant"] = plan["stimulant"].joined(
        _precursors("stimulant", overdoses, ~opioid, STIMULANT_PRECURSOR_MIN, rng)
    )
    return plan


def _draw_kind(
    kind: str,
    rate_per_day: NDArray[np.float64],
    activity: NDArray[np.uint8],
    rng: np.random.Generator,
) -> Episodes:
    """Draw one kind's episode count per wearer, then each onset, length and size."""
    shape = SHAPES[kind]
    counts = rng.poisson(rate_per_day)
    wearer = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    start, found = _onsets(wearer, shape, activity, rng)
    wearer, start = wearer[found], start[found]
    duration = rng.integers(
        shape.min_duration_min, shape.max_duration_min + 1, len(wearer)
    )
    variant = np.zeros(len(wearer), dtype=np.int64)
    if kind == "stress":
        variant = 1 + rng.choice(3, size=len(wearer), p=STRESS_LEVEL_SHARE)
        intensity = np.asarray(STRESS_LEVEL_INTENSITY, np.float32)[variant - 1]
    elif kind == "poor_contact":
        intensity = np.ones(len(wearer), np.float32)
    elif kind == "overdose":
        intensity = rng.random(len(wearer), dtype=np.float32)
    else:
        # Dose, tolerance and setting: a typical episode is 0.75 of the largest.
        intensity = rng.uniform(0.5, 1.0, len(wearer)).astype(np.float32)
    return Episodes(kind, wearer, start, start + duration, intensity, variant)


def _onsets(
    wearer: IntArray,
    shape: EpisodeShape,
    activity: NDArray[np.uint8],
    rng: np.random.Generator,
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Draw onset minutes by hour weight; awake-only kinds retry SLEEP minutes."""
    per_minute = np.repeat(np.asarray(shape.hour_weights), 60)
    tries = ONSET_TRIES if shape.needs_awake else 1
    candidate = rng.choice(
        MINUTES, size=(len(wearer), tries), p=per_minute / per_minute.sum()
    ).astype(np.int64)
    if not shape.needs_awake:
        return candidate[:, 0], np.ones(len(wearer), dtype=np.bool_)
    awake = activity[wearer[:, None], candidate] != Activity.SLEEP
    first = np.argmax(awake, axis=1)
    return candidate[np.arange(len(wearer)), first], awake.any(axis=1)


def _precursors(
    kind: str,
    overdoses: Episodes,
    chosen: NDArray[np.bool_],
    lead_min: tuple[int, int],
    rng: np.random.Generator,
) -> Episodes:
    """Return the drug episodes that end where the chosen overdoses begin."""
    onset = overdoses.start_min[chosen]
    lead = rng.integers(lead_min[0], lead_min[1] + 1, len(onset))
    start = np.maximum(onset - lead, 0)
    keep = onset > start  # an overdose in the first minute of the day has no lead-in
    count = int(keep.sum())
    return Episodes(
        kind,
        overdoses.wearer[chosen][keep],
        start[keep],
        onset[keep],
        np.ones(count, np.float32),
        np.full(count, LED_TO_OVERDOSE, np.int64),
    )


@dataclass(frozen=True)
class MinuteLevels:
    """Where a kind's episodes fall on a block's minute grid, and how strongly."""

    flat: NDArray[np.intp]  # row * MINUTES + minute, in the block
    level: FloatArray  # intensity times the envelope; > 0

    @property
    def rows(self) -> NDArray[np.intp]:
        """Return the block row of each entry."""
        return self.flat // MINUTES


def minute_levels(episodes: Episodes) -> MinuteLevels:
    """Return every episode minute inside the day with its effect level.

    An episode rises linearly to its intensity over ``rise_min``, sags linearly
    toward ``tail_level`` of it, and falls to zero at ``end_min``: the least of
    three lines, non-zero exactly on ``[start_min, end_min)``. Short episodes
    rise and fall over a third of their length each; drug use that leads into
    an overdose does not fall. Entries, not a dense grid: most minutes have no
    episode of a given kind.
    """
    shape = SHAPES[episodes.kind]
    start, end = episodes.start_min, episodes.end_min
    shown = np.minimum(end, MINUTES) - start
    episode = np.repeat(np.arange(len(episodes)), shown)
    first_entry = np.cumsum(shown) - shown
    offset = np.arange(int(shown.sum())) - np.repeat(first_entry, shown)

    length = (end - start)[episode].astype(np.float32)
    third = np.maximum((end - start) // 3, 1)
    rise = np.minimum(shape.rise_min, third)[episode].astype(np.float32)
    fall = np.minimum(shape.fall_min, third)
    if episodes.kind in ("opioid", "stimulant"):
        # Use that ends in an overdose is at its height when the overdose begins.
        fall = np.where(episodes.variant == LED_TO_OVERDOSE, 1, fall)
    fall = fall[episode].astype(np.float32)
    at = offset.astype(np.float32)
    up = (at + 1.0) / rise
    sag = 1.0 + (shape.tail_level - 1.0) * (at - rise + 1.0) / (
        length - fall - rise + 1
    )
    down = shape.tail_level * (length - at) / fall
    level = np.minimum(np.minimum(up, sag), down) * episodes.intensity[episode]
    flat = (episodes.wearer * MINUTES + start)[episode] + offset
    return MinuteLevels(flat.astype(np.intp), level.astype(np.float32))


def episode_events(episodes: Episodes, day_start_ms: int) -> list[TruthEvent]:
    """Return one truth event per episode, cut at the end of the day."""
    start_ms = day_start_ms + MINUTE_MS * episodes.start_min
    end_ms = day_start_ms + MINUTE_MS * np.minimum(episodes.end_min, MINUTES)
    return [
        TruthEvent(episodes.kind, (wearer,), start, end, _detail(episodes.kind, v, x))
        for wearer, start, end, v, x in zip(
            episodes.wearer.tolist(),
            start_ms.tolist(),
            end_ms.tolist(),
            episodes.variant.tolist(),
            episodes.intensity.tolist(),
            strict=True,
        )
    ]


def _detail(kind: str, variant: int, intensity: float) -> dict[str, Any]:
    """Describe one episode for the truth log."""
    if kind == "stress":
        return {"level": variant}
    if kind == "overdose":
        return {"type": OVERDOSE_TYPES[variant], "severity": round(intensity, 2)}
    if kind == "poor_contact":
        return {}
    if variant == LED_TO_OVERDOSE:
        return {"intensity": round(intensity, 2), "led_to_overdose": True}
    return {"intensity": round(intensity, 2)}
