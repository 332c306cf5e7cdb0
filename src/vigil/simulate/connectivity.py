"""When the network would carry a bracelet's data.

Short losses (lifts, basements, cell edges) and rare outages, both more often
for a wearer whose home sits at a cell edge; an outage may run over midnight
and is carried in ``DeviceState.outage_left_min``. Foil shielding blinds the
radio too.
"""

from __future__ import annotations

import numpy as np

from vigil.simulate.devices import DeviceProfiles, DeviceState, HardwareRates
from vigil.simulate.spans import random_spans


def network_minutes(
    profiles: DeviceProfiles,
    state: DeviceState,
    shielded: np.ndarray,
    rng: np.random.Generator,
    r: HardwareRates,
) -> np.ndarray:
    """Return an (N, MINUTES) mask of when the network would carry data."""
    n, coverage = profiles.habit.size, profiles.coverage_factor
    gap = (r.short_gap_median_min, 0.8, r.short_gap_max_min)
    short = random_spans(rng, n, r.short_gaps_per_day * coverage, gap, None)
    gap = (r.outage_median_min, 0.7, r.outage_max_min)
    outage = random_spans(
        rng, n, r.outages_per_day * coverage, gap, state.outage_left_min
    )
    network: np.ndarray = ~short & ~outage & ~shielded
    return network
