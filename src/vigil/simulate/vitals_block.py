"""A block of wearers being simulated: its inputs, reusable grids and helpers.

``vitals_signals`` builds each signal on these. A block is a thousand or so
wearers, so that its grids stay a few megabytes and are reused, block after
block, instead of being allocated afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from vigil.simulate import vitals_effects as fx
from vigil.simulate.clock import MINUTES, Activity
from vigil.simulate.physio_profiles import PhysioProfiles
from vigil.simulate.vitals_episodes import MinuteLevels
from vigil.simulate.vitals_time import heat_excess_c

FloatArray = NDArray[np.float32]
_UNIFORM_SD = float(np.sqrt(12.0))  # scales a centred unit uniform to sd 1
_TONE_SIGNALS = tuple(fx.TONE)
_TONE = np.array([fx.TONE[name] for name in _TONE_SIGNALS], np.float32)


def uniform(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    high: float,
    out: FloatArray | None = None,
) -> FloatArray:
    """Return uniform draws on [0, ``high``) as float32.

    Drawn as 16-bit integers: a third cheaper than float draws, and 65,536
    levels are finer than any sensor's noise.
    """
    bits = rng.integers(0, 1 << 16, shape, dtype=np.uint16)
    return np.multiply(bits, np.float32(high / 65536.0), out=out)


@dataclass(frozen=True)
class ExerciseBouts:
    """Contiguous EXERCISE stretches found in a block: one entry per bout."""

    wearer: NDArray[np.int64]  # row within the block
    start_min: NDArray[np.int64]
    end_min: NDArray[np.int64]  # exclusive
    hrr_fraction: FloatArray

    def offset(self, first: int) -> ExerciseBouts:
        """Return the bouts with wearers numbered from ``first``."""
        return ExerciseBouts(
            self.wearer + first, self.start_min, self.end_min, self.hrr_fraction
        )


@dataclass(frozen=True)
class Workspace:
    """Minute grids reused from block to block, so that blocks allocate little.

    Fresh memory costs a page fault per 4 KiB; on a 100,000-wearer day, grids
    allocated and freed per block cost several seconds of system time.
    """

    act: NDArray[np.intp]  # activity codes, REST while collapsed
    state: FloatArray  # (2, rows, MINUTES): arousal, then asleep
    tone: FloatArray  # (signals, rows, MINUTES): what the state adds, per TONE
    busy: FloatArray  # uniform 0-1: how much the wrist moves within its activity
    load: FloatArray  # the pulse's response to activity, bpm above rest
    effort: FloatArray  # the load where positive
    steps: FloatArray
    scratch: FloatArray  # for products and noise
    spare: FloatArray  # for anything finished with before the next use

    @classmethod
    def for_rows(cls, rows: int) -> Workspace:
        """Allocate grids for blocks of up to ``rows`` wearers."""
        grid = (rows, MINUTES)
        minute_grids = ("busy", "load", "effort", "steps", "scratch", "spare")
        return cls(
            act=np.empty(grid, np.intp),
            state=np.empty((2, *grid), np.float32),
            tone=np.empty((len(_TONE), *grid), np.float32),
            **{name: np.empty(grid, np.float32) for name in minute_grids},
        )

    def head(self, rows: int) -> Workspace:
        """Return the first ``rows`` rows of every grid."""
        return Workspace(
            **{f.name: getattr(self, f.name)[..., :rows, :] for f in fields(self)}
        )

    @property
    def arousal(self) -> FloatArray:
        """Return slow autonomic drift, body clock included, in standard deviations."""
        drift: FloatArray = self.state[0]
        return drift

    @property
    def asleep(self) -> FloatArray:
        """Return 1 asleep, 0 awake; in between as a stimulant wears off."""
        asleep: FloatArray = self.state[1]
        return asleep


@dataclass(frozen=True)
class Block:
    """What every signal of a block of wearers is built from."""

    profiles: PhysioProfiles
    bouts: ExerciseBouts
    episodes: dict[str, MinuteLevels]
    sleepless: FloatArray  # per stimulant minute: 1 awake in bed, 0 otherwise
    afternoon_c: float
    rng: np.random.Generator
    ws: Workspace

    @property
    def act(self) -> NDArray[np.intp]:
        """Return each minute's activity code (REST while collapsed)."""
        return self.ws.act

    @property
    def asleep(self) -> FloatArray:
        """Return 1 asleep, 0 awake; in between as a stimulant wears off."""
        return self.ws.asleep

    @property
    def busy(self) -> FloatArray:
        """Return how much the wrist moves within its activity, uniform 0-1."""
        return self.ws.busy

    def column(self, values: FloatArray) -> FloatArray:
        """Return a per-wearer array as a column, to broadcast over minutes."""
        return values[:, None]

    def by_activity(self, table: FloatArray, out: FloatArray) -> FloatArray:
        """Write ``table``'s value for each minute's activity code into ``out``."""
        # Indexing with intp and mode="clip" is three times faster than uint8.
        return np.take(table, self.act, mode="clip", out=out)

    def add_scaled(self, signal: FloatArray, factor: float, grid: FloatArray) -> None:
        """Add ``factor`` times ``grid`` to ``signal``, in place."""
        np.multiply(grid, np.float32(factor), out=self.ws.scratch)
        signal += self.ws.scratch

    def tone(self, signal: str) -> FloatArray:
        """Return what arousal and sleep add to ``signal`` (a key of ``TONE``)."""
        share: FloatArray = self.ws.tone[_TONE_SIGNALS.index(signal)]
        return share

    def add_noise(
        self, signal: FloatArray, sd: float, plus: FloatArray | float = 0.0
    ) -> None:
        """Add white noise (uniform, standard deviation ``sd``) and ``plus``."""
        width = _UNIFORM_SD * sd
        noise = uniform(self.rng, self.act.shape, width, out=self.ws.scratch)
        noise += plus - np.float32(width / 2.0)
        signal += noise

    def add_episodes(self, signal: FloatArray, effect: str) -> None:
        """Add every episode's ``effect`` (an ``Effect`` field) to ``signal``."""
        for kind, size in fx.EFFECTS.items():
            amount = getattr(size, effect)
            if amount:
                found = self.episodes[kind]
                np.add.at(signal.ravel(), found.flat, amount * found.level)

    def add_heat(self, signal: FloatArray, per_degree: float) -> None:
        """Add ``per_degree`` for each degC of air above the heat onset."""
        heat = heat_excess_c(self.afternoon_c)
        if heat.any():
            sensitivity = per_degree * self.profiles.heat_sensitivity
            signal += np.multiply.outer(sensitivity, heat, out=self.ws.scratch)


def fill_tone(ws: Workspace) -> None:
    """Work out what arousal and sleep add to each signal, per ``TONE``."""
    # Plain ufuncs, not a matrix product: BLAS would start threads of its own.
    for share, (per_arousal, asleep) in zip(ws.tone, _TONE, strict=True):
        np.multiply(ws.arousal, per_arousal, out=share)
        if asleep:
            share += np.multiply(ws.asleep, asleep, out=ws.scratch)


def exercise_bouts(
    activity: NDArray[np.uint8], rng: np.random.Generator
) -> ExerciseBouts:
    """Find each contiguous EXERCISE stretch and draw its effort."""
    exercising = activity == Activity.EXERCISE
    some = np.flatnonzero(exercising.any(axis=1))  # most rows have none
    edges = np.diff(exercising[some], axis=1, prepend=False, append=False)
    row, edge = np.nonzero(edges)  # alternately a start and an end, row by row
    effort = rng.uniform(*fx.EXERCISE_HRR_FRACTION, len(row) // 2)
    return ExerciseBouts(
        some[row[::2]], edge[::2], edge[1::2], effort.astype(np.float32)
    )


def bout_minutes(
    bouts: ExerciseBouts, extra_min: int = 0
) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.intp]]:
    """Return each bout minute (and ``extra_min`` after) as bout, offset, flat."""
    end = np.minimum(bouts.end_min + extra_min, MINUTES)
    length = end - bouts.start_min
    bout = np.repeat(np.arange(len(length)), length)
    offset = np.arange(int(length.sum())) - np.repeat(
        np.cumsum(length) - length, length
    )
    flat = bouts.wearer[bout] * MINUTES + bouts.start_min[bout] + offset
    return bout, offset, flat
