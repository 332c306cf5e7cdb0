"""Raw wrist signals for a few wearer-minutes: PPG at 64 Hz and EDA at 4 Hz.

The bracelet processes raw signals itself and uploads minute summaries
(processing five minutes of PPG takes NeuroKit2 about 0.6 s, FIELD.md), so
the fleet simulator works in summaries. These snippets exist to test that
processing: NeuroKit2's own simulators draw a pulse wave at the minute's
heart rate and a skin conductance trace with the minute's responses, at the
rates of a research wristband (WESAD's BVP 64 Hz, EDA 4 Hz).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import neurokit2 as nk  # type: ignore[import-untyped]
import numpy as np
from numpy.typing import NDArray

from vigil.simulate.clock import MINUTES
from vigil.simulate.vitals_day import VitalsDay

PPG_HZ = 64
EDA_HZ = 4
# NeuroKit2 refuses beat-to-beat variation that would make any beat shorter
# than 300 ms; keep a margin under it.
_SHORTEST_BEAT_S = 0.33
_RSA_STRENGTH = 0.2  # NeuroKit2's default respiratory modulation of the rate
# A wrist SCR is small: 0.05-0.3 uS here, against finger sites' 0.1-1 uS.
_SCR_AMPLITUDE_US = (0.05, 0.3)
_OFF_SKIN_MOTION = 1.5  # a loose bracelet: motion swamps the pulse wave


@dataclass(frozen=True, kw_only=True)
class Snippet:
    """Raw PPG and EDA for one wearer from the start of one minute."""

    wearer: int
    start_minute: int
    ppg: NDArray[np.float64]  # arbitrary units, as an optical sensor reports
    ppg_hz: int = PPG_HZ
    eda: NDArray[np.float64]  # microsiemens
    eda_hz: int = EDA_HZ
    heart_rate_bpm: float  # the rate the pulse wave was drawn at: the truth


def raw_snippets(
    vitals: VitalsDay,
    wearers: Sequence[int],
    minute: int,
    duration_s: int,
    seed: int,
) -> list[Snippet]:
    """Draw raw PPG and EDA matching the vitals of ``wearers`` from ``minute``.

    Parameters
    ----------
    vitals
        The day the snippets belong to.
    wearers
        Row indices into ``vitals``; keep it to a handful, each snippet takes
        NeuroKit2 tens of milliseconds.
    minute
        Minute of the local day where the snippets start.
    duration_s
        Length, seconds (at least 10). A snippet running over several minutes
        uses their mean heart rate and all their skin conductance responses.
    seed
        With the wearer and minute, fixes every random draw.

    Returns
    -------
    list of Snippet
        One per wearer, in order. Off-skin minutes give motion-swamped PPG.

    Notes
    -----
    At 64 Hz NeuroKit2's peak detector (Elgendi) recovers the simulated rate
    to within a beat a minute from 45 to 140 bpm and under-counts above
    about 150: a limit of the sampling rate the device client should know.
    """
    minutes = math.ceil(duration_s / 60)
    if duration_s < 10 or not 0 <= minute <= MINUTES - minutes:
        raise ValueError(
            f"a snippet needs 10 s or more inside the day; got {duration_s} s"
            f" from minute {minute}"
        )
    return [_snippet(vitals, wearer, minute, duration_s, seed) for wearer in wearers]


def _snippet(
    vitals: VitalsDay, wearer: int, minute: int, duration_s: int, seed: int
) -> Snippet:
    """Draw one wearer's snippet."""
    span = slice(minute, minute + math.ceil(duration_s / 60))
    heart_rate = float(np.mean(vitals.heart_rate_bpm[wearer, span]))
    ppg_rng, eda_rng = (
        np.random.default_rng(child)
        for child in np.random.SeedSequence([seed, wearer, minute]).spawn(2)
    )
    on_skin = bool(np.all(vitals.skin_contact[wearer, span]))
    movement_g = float(np.mean(vitals.activity_g[wearer, span]))
    rmssd_ms = float(np.mean(vitals.hrv_rmssd_ms[wearer, span]))
    ppg = _ppg(heart_rate, rmssd_ms, movement_g, on_skin, duration_s, ppg_rng)

    responses = float(np.sum(vitals.scr_per_min[wearer, span])) * duration_s / 60
    scl_us = float(np.mean(vitals.scl_us[wearer, span]))
    eda = _eda(scl_us, round(responses), duration_s, eda_rng)
    return Snippet(
        wearer=wearer,
        start_minute=minute,
        ppg=ppg,
        eda=eda,
        heart_rate_bpm=heart_rate,
    )


def _ppg(
    heart_rate_bpm: float,
    rmssd_ms: float,
    movement_g: float,
    on_skin: bool,
    duration_s: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Draw a pulse wave; beat-to-beat variation follows RMSSD where allowed."""
    beat_s = 60.0 / heart_rate_bpm
    # Respiratory and random modulation, each only as far as NeuroKit2 allows.
    rsa = min(_RSA_STRENGTH, max(0.0, 1.0 - _SHORTEST_BEAT_S / beat_s))
    jitter = min(rmssd_ms / 1000.0 / beat_s, 0.2)
    shortest_s = beat_s * (1.0 - rsa / 2.0)
    jitter = min(jitter, max(0.0, 1.0 - _SHORTEST_BEAT_S / shortest_s))
    motion = _OFF_SKIN_MOTION if not on_skin else 0.1 + movement_g
    ppg = nk.ppg_simulate(
        duration=duration_s,
        sampling_rate=PPG_HZ,
        heart_rate=heart_rate_bpm,
        frequency_modulation=rsa,
        ibi_randomness=jitter,
        motion_amplitude=motion,
        burst_number=0 if on_skin else duration_s // 10,
        random_state=rng,
    )
    return np.asarray(ppg, dtype=np.float64)


def _eda(
    scl_us: float, responses: int, duration_s: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Draw skin conductance at ``scl_us`` with ``responses`` SCRs, microsiemens."""
    amplitude_us = rng.uniform(*_SCR_AMPLITUDE_US)
    # NeuroKit2 draws a tonic level of 1 with unit-sized responses on top.
    shape = nk.eda_simulate(
        duration=duration_s,
        sampling_rate=EDA_HZ,
        scr_number=responses,
        drift=0.0,
        noise=0.01,
        random_state=rng,
    )
    eda = scl_us + (np.asarray(shape, dtype=np.float64) - 1.0) * amplitude_us
    return np.maximum(eda, 0.0)
