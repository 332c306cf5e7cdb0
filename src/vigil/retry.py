"""How long to wait before trying again: capped exponential backoff, full jitter.

Full jitter (a uniform draw below the ceiling) spreads retries, so a fleet of
bracelets, or a backlog of notifications, coming back after an outage does not
arrive in the same second. This module imports nothing of Vigil's, so the
bracelet client and the server's outbox share it.
"""

from __future__ import annotations

import random

# 2**30 times any base is far beyond every cap; a larger exponent would only
# risk a float overflow after about a thousand failed tries.
_MAX_DOUBLINGS = 30


def full_jitter_s(retry: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Return a wait for the ``retry``-th retry (0 for the first) in seconds."""
    ceiling = min(cap_s, base_s * 2.0 ** min(retry, _MAX_DOUBLINGS))
    return rng.uniform(0.0, ceiling)
