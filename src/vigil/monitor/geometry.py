"""Zones as shapes, and the signed distance from a fix to a zone's edge."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

METRES_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class Zone:
    """A circle (``radius_m``) or a polygon (``polygon_lonlat``) on the ground."""

    lat: float  # the centre, or a point inside the polygon for its local frame
    lon: float
    radius_m: float = 0.0
    polygon_lonlat: tuple[tuple[float, float], ...] = ()

    def signed_distance_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Return metres from each point to the edge: positive outside, negative in."""
        x, y = self.to_xy(lat, lon)
        if not self.polygon_lonlat:
            distance: np.ndarray = np.hypot(x, y) - self.radius_m
            return distance
        polygon = self._polygon()
        edge_m = shapely.distance(polygon.exterior, shapely.points(x, y))
        inside = shapely.contains_xy(polygon, x, y)
        return np.where(inside, -edge_m, edge_m)

    def to_xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project into metres around the zone: exact to centimetres at this scale."""
        per_deg_lon = 111_320.0 * math.cos(math.radians(self.lat))
        return (lon - self.lon) * per_deg_lon, (lat - self.lat) * METRES_PER_DEG_LAT

    def _polygon(self) -> shapely.Polygon:
        lon = np.array([p[0] for p in self.polygon_lonlat])
        lat = np.array([p[1] for p in self.polygon_lonlat])
        x, y = self.to_xy(lat, lon)
        return shapely.Polygon(np.column_stack([x, y]))
