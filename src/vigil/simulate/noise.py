"""Slowly wandering noise on the minute grid: Gauss-Markov walks and their knots.

A GNSS error or a sky view drifts over minutes rather than jumping each minute,
so it is drawn as a stationary N(0, 1) AR(1) walk on coarse knots, then either
interpolated minute by minute or held for each knot's block of minutes.
"""

from __future__ import annotations

import math

import numpy as np

from vigil.simulate.clock import MINUTES


def ar1_walks(
    rng: np.random.Generator, n: int, length: int, tau_min: float, step_min: int
) -> np.ndarray:
    """Return (n, length) float32 stationary N(0, 1) AR(1) walks, a knot a step.

    Uses x[t] = r^t (x[0] + c * sum r^-k e[k]) in blocks short enough that r^-k
    stays far below float32 overflow, so the only loop is over a few blocks.
    """
    rho = math.exp(-step_min / tau_min)
    shocks = rng.standard_normal((n, length), dtype=np.float32)
    gain = np.float32(math.sqrt(1.0 - rho * rho))
    block = length if rho <= 0.0 else max(1, int(30.0 / -math.log(rho)))
    for lo in range(1, length, block):
        hi = min(length, lo + block)
        power = (rho ** np.arange(1, hi - lo + 1)).astype(np.float32)
        part = shocks[:, lo:hi]
        part *= gain / power
        np.cumsum(part, axis=1, out=part)
        part += shocks[:, lo - 1 : lo]
        part *= power
    return shocks


def interpolate_knots(knots: np.ndarray, step_min: int, tau_min: float) -> np.ndarray:
    """Return (n, MINUTES) N(0, 1) values linearly between AR(1) knots.

    Interpolating loses variance between knots; each minute's weights are scaled
    to put it back, so every minute stays N(0, 1).
    """
    rho = math.exp(-step_min / tau_min)
    frac = np.arange(MINUTES) % step_min / step_min
    scale = 1.0 / np.sqrt((1 - frac) ** 2 + frac**2 + 2 * frac * (1 - frac) * rho)
    left = np.arange(MINUTES) // step_min
    walk = np.take(knots, left, axis=1)
    walk *= ((1 - frac) * scale).astype(np.float32)
    right = np.take(knots, left + 1, axis=1)
    right *= (frac * scale).astype(np.float32)
    walk += right
    return walk


def hold_blocks(blocks: np.ndarray, step_min: int) -> np.ndarray:
    """Return (n, MINUTES) holding each block's value for its ``step_min`` minutes."""
    return np.take(blocks, np.arange(MINUTES) // step_min, axis=1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Return Phi(x) to within 0.01 by the logistic approximation (float32)."""
    return 1.0 / (1.0 + np.exp(np.float32(-1.702) * x))


def lerp(ends: tuple[float, float], density: np.ndarray) -> np.ndarray:
    """Return the value between ``ends`` at each density (0 open, 1 canyon)."""
    return np.float32(ends[0]) + np.float32(ends[1] - ends[0]) * density
