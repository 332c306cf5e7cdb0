"""One day of per-minute vitals for a fleet: what the physiology simulator returns."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from vigil.simulate.clock import MINUTES

FloatArray = NDArray[np.float32]

# The protocol's Vitals ranges (vigil.protocol.records): a sensor's range, not
# a healthy one, so an overdose reading stays inside.
SENSOR_RANGES: dict[str, tuple[float, float]] = {
    "heart_rate_bpm": (0.0, 300.0),
    "hrv_rmssd_ms": (0.0, 1000.0),
    "scl_us": (0.0, 100.0),
    "scr_per_min": (0.0, 120.0),
    "skin_temp_c": (0.0, 50.0),
    "spo2_pct": (0.0, 100.0),
    "resp_rate_bpm": (0.0, 100.0),
    "activity_g": (0.0, 16.0),
}
MAX_STEPS = 100_000


@dataclass(frozen=True)
class VitalsDay:
    """One day of per-minute vitals, arrays shaped ``(wearers, MINUTES)``."""

    heart_rate_bpm: FloatArray
    hrv_rmssd_ms: FloatArray
    scl_us: FloatArray  # skin conductance level, microsiemens
    scr_per_min: FloatArray  # skin conductance responses in the minute
    skin_temp_c: FloatArray
    spo2_pct: FloatArray
    resp_rate_bpm: FloatArray
    activity_g: FloatArray  # mean acceleration magnitude without gravity
    steps: NDArray[np.int32]  # steps in the minute
    skin_contact: NDArray[np.bool_]
    collapsed: NDArray[np.bool_]  # motionless because of a medical emergency

    @classmethod
    def empty(cls, wearers: int) -> VitalsDay:
        """Allocate a day for ``wearers`` (contents undefined until filled)."""
        kinds = {"steps": np.int32, "skin_contact": np.bool_, "collapsed": np.bool_}
        return cls(
            **{
                f.name: np.empty((wearers, MINUTES), kinds.get(f.name, np.float32))
                for f in fields(cls)
            }
        )

    def rows(self, lo: int, hi: int) -> VitalsDay:
        """Return wearers ``lo`` to ``hi - 1`` as views, for filling in place."""
        return VitalsDay(**{f.name: getattr(self, f.name)[lo:hi] for f in fields(self)})

    def clip_to_sensor(self) -> None:
        """Clip every reading to the protocol's range, in place."""
        for name, (low, high) in SENSOR_RANGES.items():
            readings = getattr(self, name)
            np.clip(readings, low, high, out=readings)
        np.clip(self.steps, 0, MAX_STEPS, out=self.steps)
