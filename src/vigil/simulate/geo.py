"""A local metric frame around the city centre, and rasters for fast lookups.

Within ten kilometres of the centre an equirectangular projection is off by
less than a metre, far below GNSS error, and turns every distance into plain
arithmetic on arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METRES_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class Frame:
    """Metres east (x) and north (y) of an origin, to and from WGS84 degrees."""

    lat0: float
    lon0: float

    @property
    def metres_per_deg_lon(self) -> float:
        """Metres per degree of longitude at the origin's latitude."""
        return 111_320.0 * math.cos(math.radians(self.lat0))

    def to_latlon(
        self, x_m: np.ndarray, y_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return latitude and longitude in degrees."""
        return (
            self.lat0 + y_m / METRES_PER_DEG_LAT,
            self.lon0 + x_m / self.metres_per_deg_lon,
        )

    def to_xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return metres east and north of the origin."""
        return (
            (lon - self.lon0) * self.metres_per_deg_lon,
            (lat - self.lat0) * METRES_PER_DEG_LAT,
        )


@dataclass(frozen=True)
class Raster:
    """Values on a square grid of ``cell_m`` covering ``[-half_m, half_m]²``."""

    values: np.ndarray
    cell_m: float
    half_m: float

    def at(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Return the value of the cell under each point; edge cells beyond."""
        size = self.values.shape[0]
        col = np.clip(((x_m + self.half_m) / self.cell_m).astype(np.int32), 0, size - 1)
        row = np.clip(((y_m + self.half_m) / self.cell_m).astype(np.int32), 0, size - 1)
        return self.values[row, col]

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y of every cell's centre, shaped like ``values``."""
        size = self.values.shape[0]
        axis = -self.half_m + self.cell_m * (np.arange(size) + 0.5)
        x, y = np.meshgrid(axis, axis)
        return x, y
