"""How vitals move in time: the body clock, the day's air, lags and slow drift.

Helpers on ``(wearers, MINUTES)`` float32 grids, written for speed: a day of
100,000 wearers is 144 million minutes, so every pass over the grid costs
about a tenth of a second. The helpers keep passes few and can write into
buffers the caller reuses.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigil.simulate.clock import MINUTES

FloatArray = NDArray[np.float32]
_T = np.arange(MINUTES, dtype=np.float32)

PEAK_MINUTE = 17 * 60  # pulse and core temperature peak in the late afternoon
AMBIENT_PEAK_MINUTE = 14 * 60
AMBIENT_DAILY_RANGE_C = 7.0  # Hanoi's afternoon-to-night swing
HEAT_ONSET_C = 31.0  # air above this makes the body work to shed heat


def ambient_c(afternoon_c: float, step_min: int = 1) -> FloatArray:
    """Return the air temperature every ``step_min`` minutes from midnight."""
    phase = 2.0 * np.pi * (_T[::step_min] - AMBIENT_PEAK_MINUTE) / MINUTES
    swing = AMBIENT_DAILY_RANGE_C * (1.0 - np.cos(phase)) / 2.0
    return np.asarray(afternoon_c - swing, dtype=np.float32)


def heat_excess_c(afternoon_c: float) -> FloatArray:
    """Return how far each minute's air is above the heat onset, in degC."""
    excess = np.maximum(ambient_c(afternoon_c) - HEAT_ONSET_C, 0.0)
    return np.asarray(excess, dtype=np.float32)


def body_clock(
    shift_min: FloatArray, amplitude: float, step_min: int = 1
) -> FloatArray:
    """Return ``amplitude`` times the cosine of each wearer's circadian phase.

    The peak is at ``PEAK_MINUTE`` plus the wearer's chronotype shift; one
    column every ``step_min`` minutes.
    """
    peak = 2.0 * np.pi * (PEAK_MINUTE + shift_min) / MINUTES
    clock = 2.0 * np.pi * _T[::step_min] / MINUTES
    # cos(clock - peak), as two outer products instead of a cosine per minute
    wave = np.outer(amplitude * np.cos(peak), np.cos(clock))
    wave += np.outer(amplitude * np.sin(peak), np.sin(clock))
    return np.asarray(wave, dtype=np.float32)


def trailing_mean(
    drive: FloatArray, window: int, out: FloatArray | None = None
) -> FloatArray:
    """Return the mean of the last ``window`` columns of ``drive``, column by column.

    ``window`` is a power of two: a running sum doubles its span with each
    shifted add, several times faster than a cumulative sum along rows.
    Before the first column the drive is taken to be what it was there.
    ``drive`` is used as working space and left undefined.
    """
    assert window & (window - 1) == 0, "the window must be a power of two"
    first = drive[:, :1].copy()
    total, spare = drive, np.empty_like(drive) if out is None else out
    span = 1
    while span < window:
        np.add(total[:, span:], total[:, :-span], out=spare[:, span:])
        spare[:, :span] = total[:, :span]
        total, spare = spare, total
        span *= 2
    if out is None:
        out = total
    elif total is not out:
        out[:] = total
    out[:, : window - 1] += first * np.arange(window - 1, 0, -1, dtype=np.float32)
    out *= np.float32(1.0 / window)
    return out


def interpolate(
    coarse: FloatArray,
    step: int,
    length: int = MINUTES,
    out: FloatArray | None = None,
) -> FloatArray:
    """Return ``length`` columns on the lines between columns ``step`` apart.

    ``length`` must be a multiple of ``step``, and ``coarse`` needs one column
    more than ``length // step``. Writes into ``out`` when given.
    """
    rows, count = coarse.shape[0], length // step
    if out is None:
        out = np.empty((rows, length), np.float32)
    # Each step's columns as one axis: broadcasting fills them in place.
    steps = out.reshape(rows, count, step)
    steps[:] = np.diff(coarse[:, : count + 1], axis=1)[:, :, None]
    steps *= np.arange(step, dtype=np.float32) / np.float32(step)
    steps += coarse[:, :count, None]
    return out


def slow_drift(
    rows: int, rng: np.random.Generator, knot_min: int, step_min: int = 1
) -> FloatArray:
    """Return drift between standard-normal knots, a column every ``step_min``."""
    knots = rng.standard_normal((rows, MINUTES // knot_min + 1), dtype=np.float32)
    return interpolate(knots, knot_min // step_min, MINUTES // step_min)


def autonomic_drift(
    shift_min: FloatArray,
    rng: np.random.Generator,
    clock_share: float,
    knot_min: int = 16,
    out: FloatArray | None = None,
) -> FloatArray:
    """Return slow autonomic drift plus ``clock_share`` of the body clock.

    Independent standard-normal knots ``knot_min`` apart, each raised by the
    wearer's circadian cosine at its time, with straight lines between.
    """
    knots = rng.standard_normal((len(shift_min), MINUTES // knot_min + 1))
    clock = body_clock(shift_min, clock_share, knot_min)
    knots[:, :-1] += clock
    knots[:, -1] += clock[:, 0]  # midnight again
    return interpolate(knots.astype(np.float32), knot_min, out=out)


def block_means(grid: FloatArray, step: int) -> FloatArray:
    """Return the mean of each ``step`` columns, and the last mean again at the end."""
    sums = np.add.reduceat(grid, np.arange(0, grid.shape[1], step), axis=1)
    sums *= np.float32(1.0 / step)
    return np.concatenate([sums, sums[:, -1:]], axis=1)
