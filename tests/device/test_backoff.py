from __future__ import annotations

import random

from vigil.device.client import Backoff


def test_delays_stay_under_a_doubling_ceiling_capped() -> None:
    backoff = Backoff(base_s=1.0, cap_s=10.0, rng=random.Random(7))

    delays = [backoff.next_delay_s() for _ in range(8)]

    ceilings = [1, 2, 4, 8, 10, 10, 10, 10]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))


def test_jitter_spreads_two_devices_apart() -> None:
    a = Backoff(rng=random.Random(1))
    b = Backoff(rng=random.Random(2))

    assert [a.next_delay_s() for _ in range(5)] != [b.next_delay_s() for _ in range(5)]


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(base_s=1.0, cap_s=300.0, rng=random.Random(3))
    for _ in range(6):
        backoff.next_delay_s()

    backoff.reset()

    assert backoff.next_delay_s() <= 1.0


def test_a_bracelet_retrying_for_weeks_keeps_waiting_at_the_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=300.0, rng=random.Random(4))
    backoff.attempt = 5_000  # far past where 2.0**n overflows a float

    assert 0.0 <= backoff.next_delay_s() <= 300.0
