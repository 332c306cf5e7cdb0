"""What a bracelet's positioning reports: a fix's source and a day of fixes.

The GNSS error model decides what the reports say; the records a bracelet
sends are built from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class FixSource(IntEnum):
    """Where a fix came from; names match the protocol's ``source`` values."""

    GNSS = 0
    WIFI = 1
    CELL = 2


@dataclass(frozen=True)
class FixesDay:
    """One day of reported fixes; NaN / -1 where a field is not reported."""

    has_fix: np.ndarray  # bool
    lat: np.ndarray  # float64, degrees, NaN without a fix
    lon: np.ndarray  # float64
    accuracy_m: np.ndarray  # float32, 68 % radius, NaN without a fix
    source: np.ndarray  # uint8 FixSource, meaningless without a fix
    speed_mps: np.ndarray  # float32, GNSS fixes only
    satellites: np.ndarray  # int8, GNSS fixes only
