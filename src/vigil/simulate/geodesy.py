"""Moving a WGS84 position by a few metres east and north.

A reported fix is the true position plus an error in metres; turning metres
into degrees needs the ellipsoid's radii of curvature at the wearer's latitude.
"""

from __future__ import annotations

import math

import numpy as np

_WGS84_A_M = 6_378_137.0
_WGS84_E2 = 6.694_379_990_14e-3


def displace(
    lat: np.ndarray,
    lon: np.ndarray,
    east_m: np.ndarray,
    north_m: np.ndarray,
    out_lat: np.ndarray,
    out_lon: np.ndarray,
) -> None:
    """Write ``lat, lon`` moved by the errors in metres to ``out_lat, out_lon``.

    The errors are turned into degrees in place. Rows are wearers: a wearer
    stays within tens of km in a day, so one scale per row is exact to well
    under a centimetre for errors of a kilometre.
    """
    phi = np.radians(lat[:, :1])
    w = 1.0 - _WGS84_E2 * np.sin(phi) ** 2
    deg_per_m_lat = w**1.5 / (math.radians(_WGS84_A_M) * (1.0 - _WGS84_E2))
    deg_per_m_lon = np.sqrt(w) / (math.radians(_WGS84_A_M) * np.cos(phi))
    for error_m, deg_per_m, true_deg, out in (
        (north_m, deg_per_m_lat, lat, out_lat),
        (east_m, deg_per_m_lon, lon, out_lon),
    ):
        error_m *= deg_per_m.astype(np.float32)
        np.add(true_deg, error_m, out=out)
    if np.abs(lat[:, 0]).max(initial=0.0) > 89.0:  # polar wearers only
        np.clip(out_lat, -90.0, 90.0, out=out_lat)
    if np.abs(lon[:, 0]).max(initial=0.0) > 179.0:  # near the antimeridian only
        out_lon[:] = (out_lon + 180.0) % 360.0 - 180.0
