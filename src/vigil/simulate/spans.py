"""Spans of minutes within one day: where they fall, and random ones drawn.

A span is ``[start, start + length)`` on a wearer's row of the ``(n, MINUTES)``
grid; whatever runs past midnight is cut there, and the callers that carry
episodes into the next day keep the rest themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from vigil.simulate.clock import MINUTES
from vigil.simulate.episodes import runs


def span_cells(
    row: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the flat cells of each [start, start + length) within the day, and
    which span each cell belongs to."""
    length = np.clip(np.minimum(start + length, MINUTES) - start, 0, None)
    span = np.repeat(np.arange(row.size), length)
    offset = np.arange(span.size) - np.repeat(np.cumsum(length) - length, length)
    return np.asarray(row[span] * MINUTES + start[span] + offset, np.int64), span


def span_mask(
    n: int, row: np.ndarray, start: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """Return an (n, MINUTES) mask, True over each [start, start + length) today."""
    mask = np.zeros((n, MINUTES), np.bool_)
    mask.reshape(-1)[span_cells(row, start, length)[0]] = True
    return mask


def random_spans(
    rng: np.random.Generator,
    n: int,
    per_day: np.ndarray | float,
    shape: tuple[float, float, int],
    left_min: np.ndarray | None,
) -> np.ndarray:
    """Return an (n, MINUTES) mask of random episodes, ``per_day`` per row, of a
    lognormal length given as (median minutes, log sd, longest minutes).

    With ``left_min``, continue the episodes it holds from yesterday and put back
    what runs past midnight; without, episodes end at midnight.
    """
    median_min, log_sd, max_min = shape
    row = np.repeat(np.arange(n), rng.poisson(np.broadcast_to(per_day, n)))
    start = rng.integers(0, MINUTES, row.size)
    length = rng.lognormal(math.log(median_min), log_sd, row.size)
    length = np.clip(np.rint(length), 1, max_min).astype(np.int64)
    if left_min is not None:
        carried = np.flatnonzero(left_min > 0)
        row = np.concatenate((carried, row))
        start = np.concatenate((np.zeros(carried.size, np.int64), start))
        length = np.concatenate((left_min[carried].astype(np.int64), length))
        overrun_min = np.maximum(start + length - MINUTES, 0).astype(left_min.dtype)
        left_min[:] = 0
        np.maximum.at(left_min, row, overrun_min)
    return span_mask(n, row, start, length)


def next_true(mask: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Return a lookup of the first minute at or after ``minute`` where
    ``mask[row]`` holds, MINUTES when none does today."""
    rise = np.flatnonzero(mask[:, 1:] & ~mask[:, :-1])
    rise += rise // (MINUTES - 1) + 1  # as a flat index into (n, MINUTES)
    rise = np.append(rise, mask.size)

    def lookup(row: np.ndarray, minute: np.ndarray) -> np.ndarray:
        at = rise[np.searchsorted(rise, row * MINUTES + minute)] - row * MINUTES
        return np.where(mask[row, minute], minute, np.minimum(at, MINUTES))

    return lookup


def runs_of(
    mask: np.ndarray, since_ms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, first, end) of each run, looking only at rows that have one
    or carry one from yesterday."""
    rows = np.flatnonzero(mask.any(axis=1) | (since_ms >= 0))
    sub_row, first, end = runs(mask[rows])
    return rows[sub_row], first.astype(np.int64), end.astype(np.int64)
