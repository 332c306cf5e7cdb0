"""What a bracelet's positioning reports, given where its wearer really is.

Three sources, as a phone-class tracker has them: GNSS under the sky, Wi-Fi and
cell fallbacks when the sky is hidden. Errors wander as a Gauss-Markov walk, not
white noise per minute; urban canyons add multipath outliers that last minutes,
and most of those come with an ``accuracy_m`` that understates them, which is
what makes deployed systems raise false alerts. Coming out after a long stay
indoors costs a time to first fix. Every array is ``(wearers, MINUTES)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vigil.simulate.clock import MINUTES
from vigil.simulate.fixes import FixesDay, FixSource
from vigil.simulate.geodesy import displace
from vigil.simulate.noise import (
    ar1_walks,
    hold_blocks,
    interpolate_knots,
    lerp,
    normal_cdf,
)
from vigil.simulate.spans import span_cells

__all__ = [
    "ACCURACY_WORSE_THAN_50M_SHARE_RANGE",
    "NO_FIX_SHARE_RANGE",
    "OPEN_SKY_WITHIN_10M_MIN_SHARE",
    "OUTLIER_ERROR_M",
    "OUTLIER_UNDERSTATED_SHARE_RANGE",
    "SIGMA_PER_ACCURACY",
    "FixSource",
    "FixesDay",
    "GnssParams",
    "observe_fixes",
]

# Shares measured by tests/simulate/test_gnss.py on the reference mix (30 % of
# minutes indoors, urban density uniform on 0..1) with the default parameters.
ACCURACY_WORSE_THAN_50M_SHARE_RANGE = (0.15, 0.28)
NO_FIX_SHARE_RANGE = (0.02, 0.07)
# NIJ Standard-1004.00: outdoors within 10 m for 90 % of points (FIELD.md).
OPEN_SKY_WITHIN_10M_MIN_SHARE = 0.90
# Of GNSS fixes over 30 m off, the share whose accuracy_m is below the error.
OUTLIER_UNDERSTATED_SHARE_RANGE = (0.60, 0.80)
OUTLIER_ERROR_M = 30.0

# A 2-D Gaussian error with per-axis sd s holds the truth within r with
# probability 1 - exp(-r²/2s²); the 68 % radius (Android's definition of
# accuracy) is therefore r = 1.5096 s.
SIGMA_PER_ACCURACY = 1.0 / math.sqrt(2.0 * math.log(1.0 / 0.32))

_ROWS_PER_CHUNK = 1024  # keeps every temporary under glibc's 32 MB mmap ceiling
# Minutes between knots of the slow walks: the sky and the error wander between
# them; a source and a fallback error hold for a whole block.
_SKY_STEP = 5
_ERROR_STEP = 5
_SOURCE_STEP = 10
_FALLBACK_STEP = 15
_NO_FIX = 3  # a choice beyond the three sources


@dataclass(frozen=True)
class GnssParams:
    """Error model; a ``(open, canyon)`` pair varies linearly with urban density."""

    # Open sky: a phone-class chip reports ~4 m and is right (Zandbergen 2009:
    # A-GPS median error 8 m; Merry & Bettinger 2019: 7-13 m in a city).
    open_sky_accuracy_m: float = 4.0
    canyon_accuracy_factor: float = 2.5  # reported accuracy at density 1 over open sky
    accuracy_log_sd: float = 0.25
    sky_tau_min: float = 15.0  # how long the sky view and geometry stay alike
    error_tau_min: float = 5.0  # receiver filters keep the error for minutes
    canyon_blocked_share: float = 0.06  # outdoor minutes with no GNSS at density 1
    satellites_open_sky: float = 18.0  # GPS + Galileo + BeiDou used in a fix
    canyon_satellite_factor: float = 0.45
    speed_sd_mps: float = 0.3  # Doppler speed is far better than position

    # Multipath: reflected signals pull the fix tens to hundreds of metres.
    # Starts per minute: the open-sky rate, plus the canyon rate times density².
    multipath_starts_per_min: tuple[float, float] = (0.0005, 0.03)
    multipath_median_min: float = 3.0
    multipath_max_min: int = 15
    multipath_median_m: float = 60.0
    multipath_log_sd: float = 0.8
    multipath_range_m: tuple[float, float] = (15.0, 800.0)
    multipath_noticed_share: float = 0.35  # the chip sees it and widens accuracy
    multipath_noticed_factor: float = 1.3  # accuracy / pull when noticed
    multipath_unnoticed_factor: float = 1.5  # accuracy / clean accuracy otherwise

    # Cold starts after a long stay under a roof.
    cold_start_after_min: int = 30
    ephemeris_valid_min: int = 240  # beyond, the orbits must be fetched again
    ttff_median_s: float = 35.0  # assisted warm start under open sky
    ttff_canyon_factor: float = 1.5  # weak signals: 2.5x longer at density 1
    ttff_stale_factor: float = 2.0
    ttff_log_sd: float = 0.7
    converging_min: int = 2
    converging_factor: float = 2.5

    # Indoors: which source answers, by share of indoor minutes.
    indoor_gnss_share: tuple[float, float] = (0.12, 0.04)  # by a window, light roof
    indoor_gnss_factor: float = 3.0
    wifi_share: tuple[float, float] = (0.25, 0.75)  # access points everywhere in town
    cell_share: tuple[float, float] = (0.45, 0.13)  # the rest have no fix at all
    source_tau_min: float = 30.0  # a place keeps its source for a while
    # Zandbergen 2009/2012: Wi-Fi median error 43-92 m, cell about 600 m.
    wifi_accuracy_m: tuple[float, float, float] = (30.0, 60.0, 150.0)  # lo, mid, hi
    cell_accuracy_m: tuple[float, float, float] = (300.0, 550.0, 1000.0)
    fallback_log_sd: float = 0.35
    fallback_tau_min: float = 30.0  # the same access points, the same error

    def __post_init__(self) -> None:
        """Refuse indoor shares that do not fit in one."""
        for end in (0, 1):
            used = self.indoor_gnss_share[end] + self.wifi_share[end]
            if used + self.cell_share[end] > 1.0:
                raise ValueError("indoor GNSS, Wi-Fi and cell shares exceed 1")


def observe_fixes(
    lat: np.ndarray,
    lon: np.ndarray,
    indoor: np.ndarray,
    speed_mps: np.ndarray,
    urban_density: np.ndarray,
    rng: np.random.Generator,
    params: GnssParams | None = None,
) -> FixesDay:
    """Report what each bracelet's positioning says, minute by minute.

    Parameters
    ----------
    lat, lon : (N, 1440) float64
        True positions, WGS84 degrees.
    indoor : (N, 1440) bool
        Inside a building.
    speed_mps : (N, 1440) float32
        True ground speed, m/s.
    urban_density : (N, 1440) float32
        How built-up the spot is, 0 (open field) to 1 (Old Quarter canyon).
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same day.
    params : GnssParams, optional
        The error model; the documented defaults when omitted.

    Returns
    -------
    FixesDay
        Reported fixes with ``accuracy_m`` in metres (68 % radius).

    Notes
    -----
    About 1.1 s per 10,000 wearer-days on one core when called for 1,024
    wearers at a time (as the engine does); one call for 100,000 also pays for
    first touching its 3.8 GB of output. Temporaries stay bounded either way.
    """
    p = params or GnssParams()
    n = lat.shape[0]
    day = FixesDay(
        has_fix=np.empty((n, MINUTES), np.bool_),
        lat=np.empty((n, MINUTES), np.float64),
        lon=np.empty((n, MINUTES), np.float64),
        accuracy_m=np.empty((n, MINUTES), np.float32),
        source=np.empty((n, MINUTES), np.uint8),
        speed_mps=np.empty((n, MINUTES), np.float32),
        satellites=np.empty((n, MINUTES), np.int8),
    )
    for lo in range(0, n, _ROWS_PER_CHUNK):
        rows = slice(lo, min(n, lo + _ROWS_PER_CHUNK))
        _observe_rows(
            lat[rows], lon[rows], indoor[rows], speed_mps[rows],
            urban_density[rows], rng, p, day, rows,
        )  # fmt: skip
    return day


def _observe_rows(
    lat: np.ndarray,
    lon: np.ndarray,
    indoor: np.ndarray,
    speed_mps: np.ndarray,
    urban_density: np.ndarray,
    rng: np.random.Generator,
    p: GnssParams,
    day: FixesDay,
    rows: slice,
) -> None:
    """Fill ``day[rows]`` for one block of wearers."""
    n = lat.shape[0]
    density = np.clip(urban_density, 0.0, 1.0).astype(np.float32, copy=False)
    sky_knots = ar1_walks(rng, n, MINUTES // _SKY_STEP + 1, p.sky_tau_min, _SKY_STEP)
    sky = interpolate_knots(sky_knots, _SKY_STEP, p.sky_tau_min)  # > 0: a worse sky

    blocked_share = np.float32(p.canyon_blocked_share) * density[:, ::_SKY_STEP] ** 2
    blocked = hold_blocks(
        normal_cdf(sky_knots[:, :-1]) > 1.0 - blocked_share, _SKY_STEP
    )
    under_sky = ~indoor & ~blocked  # in 5-minute stretches
    not_yet, converging = _cold_start(indoor, density, rng, p)
    under_sky.reshape(-1)[not_yet] = False
    choice = _source_choice(indoor, under_sky, density, rng, p)
    has_fix, gnss = choice != _NO_FIX, choice == FixSource.GNSS
    fallback = np.flatnonzero(has_fix & ~gnss)

    accuracy = _gnss_accuracy_m(sky, density, indoor, p)
    accuracy.reshape(-1)[converging] *= np.float32(p.converging_factor)
    spread = np.exp(np.float32(p.fallback_log_sd) * sky.reshape(-1)[fallback])
    (lo_w, mid_w, hi_w), (lo_c, mid_c, hi_c) = p.wifi_accuracy_m, p.cell_accuracy_m
    accuracy.reshape(-1)[fallback] = np.where(
        choice.reshape(-1)[fallback] == FixSource.WIFI,
        np.clip(mid_w * spread, lo_w, hi_w),
        np.clip(mid_c * spread, lo_c, hi_c),
    )
    east_m = _unit_error(rng, fallback, n, p)
    north_m = _unit_error(rng, fallback, n, p)
    day.speed_mps[rows] = _reported_speed(speed_mps, gnss, east_m, p)
    sigma_m = np.float32(SIGMA_PER_ACCURACY) * accuracy
    east_m *= sigma_m
    north_m *= sigma_m
    _add_multipath(density, gnss, accuracy, (east_m, north_m), rng, p)

    no_fix = np.flatnonzero(~has_fix)  # a few per cent: scatter, do not mask
    for error_m in (east_m, north_m, accuracy):
        error_m.reshape(-1)[no_fix] = np.nan
    choice.reshape(-1)[no_fix] = 0
    displace(lat, lon, east_m, north_m, day.lat[rows], day.lon[rows])
    day.has_fix[rows] = has_fix
    day.accuracy_m[rows] = accuracy
    day.source[rows] = choice
    day.satellites[rows] = _satellites(sky_knots, density, indoor, gnss, p)


def _source_choice(
    indoor: np.ndarray,
    under_sky: np.ndarray,
    density: np.ndarray,
    rng: np.random.Generator,
    p: GnssParams,
) -> np.ndarray:
    """Return each minute's source, or ``_NO_FIX``, as uint8.

    A slow uniform walk picks the source for each 10-minute block, so a place
    keeps its source for a while. Indoors the walk runs through GNSS, Wi-Fi,
    cell and none in turn; outdoors with no sky the same Wi-Fi and cell shares
    apply among the minutes GNSS left.
    """
    step = _SOURCE_STEP
    pick = normal_cdf(
        ar1_walks(rng, indoor.shape[0], MINUTES // step, p.source_tau_min, step)
    )
    d = density[:, ::step]
    gnss_in = lerp(p.indoor_gnss_share, d)
    wifi_in = gnss_in + lerp(p.wifi_share, d)
    cell_in = wifi_in + lerp(p.cell_share, d)
    # Both answers fit one byte: indoors in the low two bits, outdoors above.
    code = np.full(pick.shape, _NO_FIX * 5, np.uint8)
    code -= (pick < cell_in) * np.uint8(1) + (pick < wifi_in) + (pick < gnss_in)
    code -= (pick < (cell_in - gnss_in) / (1.0 - gnss_in)) * np.uint8(4)
    code -= (pick < (wifi_in - gnss_in) / (1.0 - gnss_in)) * np.uint8(4)
    code = hold_blocks(code, step)
    outside = np.where(under_sky, np.uint8(FixSource.GNSS), code >> 2)
    return np.where(indoor, code & 3, outside)


def _gnss_accuracy_m(
    sky: np.ndarray, density: np.ndarray, indoor: np.ndarray, p: GnssParams
) -> np.ndarray:
    """Return the accuracy a clean GNSS fix would report, in metres."""
    log_acc = np.float32(math.log(p.canyon_accuracy_factor)) * density
    log_acc += np.float32(p.accuracy_log_sd) * sky
    log_acc += indoor * np.float32(math.log(p.indoor_gnss_factor))
    log_acc += np.float32(math.log(p.open_sky_accuracy_m))
    accuracy_m: np.ndarray = np.exp(log_acc)
    return accuracy_m


def _unit_error(
    rng: np.random.Generator, fallback: np.ndarray, n: int, p: GnssParams
) -> np.ndarray:
    """Return one axis of error in units of sigma, (n, MINUTES) float32.

    GNSS errors wander minute by minute; a fallback fix keeps its error while
    the same access points or cell are heard, then jumps to another.
    """
    knots = ar1_walks(rng, n, MINUTES // _ERROR_STEP + 1, p.error_tau_min, _ERROR_STEP)
    unit = interpolate_knots(knots, _ERROR_STEP, p.error_tau_min)
    step = _FALLBACK_STEP
    steady = ar1_walks(rng, n, MINUTES // step, p.fallback_tau_min, step)
    block = (fallback // MINUTES) * (MINUTES // step) + fallback % MINUTES // step
    unit.reshape(-1)[fallback] = steady.reshape(-1)[block]
    return unit


def _add_multipath(
    density: np.ndarray,
    gnss: np.ndarray,
    accuracy_m: np.ndarray,
    error_m: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
    p: GnssParams,
) -> None:
    """Pull GNSS fixes off during multipath episodes, more often in dense streets.

    Only a noticed episode widens ``accuracy_m`` to match the pull; the others
    report a near-clean accuracy, the optimistic outliers that raise false alerts.
    """
    n = density.shape[0]
    open_rate, canyon_rate = p.multipath_starts_per_min
    peak = open_rate + canyon_rate  # thinned below by density²
    row = np.repeat(np.arange(n), rng.poisson(peak * MINUTES, n))
    start = rng.integers(0, MINUTES, row.size)
    d = density[row, start]
    keep = rng.random(row.size) * peak < open_rate + canyon_rate * d * d
    row, start = row[keep], start[keep]

    length = rng.lognormal(math.log(p.multipath_median_min), 0.6, row.size)
    length = np.clip(np.rint(length), 1, p.multipath_max_min).astype(np.int64)
    pull_m = rng.lognormal(math.log(p.multipath_median_m), p.multipath_log_sd, row.size)
    pull_m = np.clip(pull_m, *p.multipath_range_m)
    angle = rng.uniform(0.0, 2.0 * math.pi, row.size)
    noticed = rng.random(row.size) < p.multipath_noticed_share

    cell, episode = span_cells(row, start, length)
    on_fix = gnss.reshape(-1)[cell]
    cell, episode = cell[on_fix], episode[on_fix]  # overlaps simply add up
    np.add.at(error_m[0].reshape(-1), cell, (pull_m * np.cos(angle))[episode])
    np.add.at(error_m[1].reshape(-1), cell, (pull_m * np.sin(angle))[episode])
    clean_m = accuracy_m.reshape(-1)[cell]
    widened_m = np.maximum(clean_m, p.multipath_noticed_factor * pull_m[episode])
    accuracy_m.reshape(-1)[cell] = np.where(
        noticed[episode], widened_m, clean_m * p.multipath_unnoticed_factor
    )


def _cold_start(
    indoor: np.ndarray,
    density: np.ndarray,
    rng: np.random.Generator,
    p: GnssParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the flat cells with no fix yet, and those still converging."""
    change = np.flatnonzero(indoor[:, 1:] != indoor[:, :-1])
    row, col = np.divmod(change, MINUTES - 1)
    col += 1
    # Changes alternate; an indoor stay ends at a change whose row has an earlier
    # one (where the stay began) or, for the first of a row, began before
    # midnight: a day that starts under a roof most likely followed a night there.
    first = np.ones(row.size, np.bool_)
    first[1:] = row[1:] != row[:-1]
    began = np.concatenate(([0], col[:-1]))
    hidden_min = np.where(first, MINUTES, col - began)
    cold = ~indoor[row, col] & (hidden_min > p.cold_start_after_min)
    row, col, hidden_min = row[cold], col[cold], hidden_min[cold]

    ttff_s = p.ttff_median_s * (1.0 + p.ttff_canyon_factor * density[row, col])
    ttff_s *= np.where(hidden_min > p.ephemeris_valid_min, p.ttff_stale_factor, 1.0)
    ttff_s *= rng.lognormal(0.0, p.ttff_log_sd, row.size)
    blind_min = (ttff_s // 60).astype(np.int64)
    not_yet, _ = span_cells(row, col, blind_min)
    converging, _ = span_cells(
        row, col + blind_min, np.full_like(col, p.converging_min)
    )
    return not_yet, converging


def _reported_speed(
    speed_mps: np.ndarray, gnss: np.ndarray, unit_error: np.ndarray, p: GnssParams
) -> np.ndarray:
    """Return Doppler speed on GNSS fixes and NaN elsewhere."""
    # The east error walk doubles as the speed noise: N(0, 1), filtered like it.
    speed = np.float32(p.speed_sd_mps) * unit_error
    speed += speed_mps
    np.clip(speed, 0.0, 500.0, out=speed)
    np.copyto(speed, np.float32(np.nan), where=~gnss)
    return speed


def _satellites(
    sky_knots: np.ndarray,
    density: np.ndarray,
    indoor: np.ndarray,
    gnss: np.ndarray,
    p: GnssParams,
) -> np.ndarray:
    """Return the satellites used on GNSS fixes and -1 elsewhere."""
    log_count = math.log(p.canyon_satellite_factor) * density[:, ::_SKY_STEP]
    log_count -= 0.2 * sky_knots[:, :-1]  # the walk that also widens accuracy
    count = np.clip(np.rint(p.satellites_open_sky * np.exp(log_count)), 8, 40)
    used = hold_blocks(count.astype(np.int8), _SKY_STEP)
    used >>= indoor.view(np.int8)  # walls leave about half
    return np.where(gnss, used, np.int8(-1))
