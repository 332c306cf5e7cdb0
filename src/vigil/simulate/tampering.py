"""Tamper: straps opened or cut, cases opened, skin contact lost, foil shielding.

Each kind comes as random episodes; every kind but a loose strap is done on
purpose, so it follows the wearer's propensity. A long one (a cut strap) runs
over midnight and is carried in ``DeviceState.tamper_left_min``. The bracelet
reports an episode only while it is powered to sense it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vigil.simulate.clock import MINUTES
from vigil.simulate.devices import (
    SHIELDING_SUSPECTED,
    SKIN_CONTACT_LOST,
    TAMPER_KINDS,
    DeviceProfiles,
    DeviceState,
    HardwareRates,
)
from vigil.simulate.spans import random_spans, runs_of

_TAMPER_MAX_MIN = 7 * MINUTES  # a cut strap is replaced within a week


def tamper_minutes(
    profiles: DeviceProfiles,
    state: DeviceState,
    rng: np.random.Generator,
    r: HardwareRates,
) -> list[np.ndarray]:
    """Return each tamper kind's minutes, by ``TAMPER_KINDS``."""
    n = profiles.habit.size
    tamper = []
    for k, per_day in enumerate(r.tamper_per_day):
        # A loose strap is bad luck; the other kinds are done on purpose.
        who = 1.0 if k == SKIN_CONTACT_LOST else profiles.tamper_propensity
        shape = (r.tamper_median_min[k], r.tamper_log_sd[k], _TAMPER_MAX_MIN)
        left_min = state.tamper_left_min[:, k]
        tamper.append(random_spans(rng, n, per_day * who, shape, left_min))
    return tamper


def tamper_records(
    mask: np.ndarray,
    since_ms: np.ndarray,
    next_powered: Callable[[np.ndarray, np.ndarray], np.ndarray],
    kind: str,
    r: HardwareRates,
) -> list[tuple[int, int, str, bool]]:
    """Return what the bracelet reports: onset and clearing, when it is powered.

    A dead bracelet senses nothing; it reports a state still true at its next
    powered minute. Shielding shows only once both radios have stayed silent.
    """
    row, first, end = runs_of(mask, since_ms)
    continued = (first == 0) & (since_ms[row] >= 0)  # reported on an earlier day
    delay = r.shielding_detect_min if kind == TAMPER_KINDS[SHIELDING_SUSPECTED] else 0
    seen = next_powered(row, np.minimum(first + delay, MINUTES - 1))
    opened = ~continued & (first + delay < end) & (seen < end)
    gone = next_powered(row, np.minimum(end, MINUTES - 1))
    cleared = (opened | continued) & (end < MINUTES) & (gone < MINUTES)
    return [
        (w, t, kind, False)
        for w, t in zip(row[opened].tolist(), seen[opened].tolist(), strict=True)
    ] + [
        (w, t, kind, True)
        for w, t in zip(row[cleared].tolist(), gone[cleared].tolist(), strict=True)
    ]
