"""Overdose emergencies: the minutes leading in, then collapse until rescue.

Opioid overdose is respiratory depression: breathing slows below 8 a minute
and SpO2 falls below about 85-90 % (the clinical markers in FIELD.md), the
pulse sags with hypoxia and the body lies still. Stimulant toxicity is the
other way: extreme tachycardia, fast breathing, sweating and hyperthermia,
then collapse. Overdoses are rare, so they are written one at a time.
"""

from __future__ import annotations

import numpy as np

from vigil.simulate.clock import MINUTES
from vigil.simulate.physio_profiles import PhysioProfiles
from vigil.simulate.vitals_day import VitalsDay
from vigil.simulate.vitals_episodes import OPIOID_OVERDOSE, Episodes

LEAD_IN_MIN = 8  # minutes over which readings slide from intoxicated to critical
# The opioid line every overdose minute stays under: below 8 breaths, SpO2
# below 90 %, whatever the noise.
OPIOID_MAX_RESP_BPM = 7.5
OPIOID_MAX_SPO2_PCT = 88.5
STILL_G = 0.004  # the accelerometer's noise floor on a motionless wrist


def apply_overdoses(
    out: VitalsDay,
    overdoses: Episodes,
    profiles: PhysioProfiles,
    rng: np.random.Generator,
) -> None:
    """Overwrite each overdose's minutes in ``out`` and blend the minutes before."""
    for row, start, end, variant, severity in zip(
        overdoses.wearer.tolist(),
        overdoses.start_min.tolist(),
        np.minimum(overdoses.end_min, MINUTES).tolist(),
        overdoses.variant.tolist(),
        overdoses.intensity.tolist(),
        strict=True,
    ):
        if variant == OPIOID_OVERDOSE:
            _lead_in(out, row, start, resp_bpm=9.0, spo2_pct=91.0, hr_bpm=None)
            _opioid(out, profiles, row, start, end, severity, rng)
        else:
            _lead_in(out, row, start, resp_bpm=24.0, spo2_pct=94.0, hr_bpm=140.0)
            _stimulant(out, row, start, end, severity, rng)
        out.activity_g[row, start:end] = rng.uniform(0.0, STILL_G, end - start)
        out.steps[row, start:end] = 0
        out.skin_contact[row, start:end] = True


def _lead_in(
    out: VitalsDay,
    row: int,
    onset: int,
    *,
    resp_bpm: float,
    spo2_pct: float,
    hr_bpm: float | None,
) -> None:
    """Slide the minutes before ``onset`` linearly toward the critical readings."""
    first = max(onset - LEAD_IN_MIN, 0)
    if first == onset:
        return
    toward = np.arange(1, onset - first + 1, dtype=np.float32) / (onset - first + 1)
    span = slice(first, onset)
    resp = out.resp_rate_bpm[row, span]
    out.resp_rate_bpm[row, span] = resp + (resp_bpm - resp) * toward
    spo2 = out.spo2_pct[row, span]
    out.spo2_pct[row, span] = spo2 + (spo2_pct - spo2) * toward
    if hr_bpm is not None:
        hr = out.heart_rate_bpm[row, span]
        out.heart_rate_bpm[row, span] = hr + (hr_bpm - hr) * toward
    out.activity_g[row, span] *= 1.0 - toward


def _opioid(
    out: VitalsDay,
    profiles: PhysioProfiles,
    row: int,
    start: int,
    end: int,
    severity: float,
    rng: np.random.Generator,
) -> None:
    """Write respiratory depression, falling SpO2 and a sagging pulse."""
    k = np.arange(end - start, dtype=np.float32)
    span, count = slice(start, end), end - start
    # Breathing slows further over the first minutes, toward apnoea when severe.
    resp = 6.5 - 4.5 * severity * (1.0 - np.exp(-k / 5.0))
    resp += rng.uniform(-0.5, 0.5, count)
    out.resp_rate_bpm[row, span] = np.clip(resp, 0.0, OPIOID_MAX_RESP_BPM)
    # SpO2 drops within minutes of hypoventilation to a floor of 50-80 %.
    floor = 80.0 - 30.0 * severity
    spo2 = floor + (87.0 - floor) * np.exp(-k / 4.0) + rng.uniform(-1.0, 1.0, count)
    out.spo2_pct[row, span] = np.clip(spo2, 0.0, OPIOID_MAX_SPO2_PCT)
    # Hypoxia slows the heart as the minutes pass.
    rest = float(profiles.resting_hr_bpm[row])
    hr = rest * (0.9 - 0.35 * severity * k / count) + rng.uniform(-2.0, 2.0, count)
    out.heart_rate_bpm[row, span] = np.maximum(hr, 25.0)
    rmssd = 0.7 * float(profiles.hrv_rmssd_ms[row])
    out.hrv_rmssd_ms[row, span] = rmssd * rng.uniform(0.8, 1.2, count)
    # A still body in poor circulation cools at the skin.
    out.skin_temp_c[row, span] = out.skin_temp_c[row, start] - 0.02 * k
    out.scl_us[row, span] = 0.7 * out.scl_us[row, start]
    out.scr_per_min[row, span] = 0.0


def _stimulant(
    out: VitalsDay,
    row: int,
    start: int,
    end: int,
    severity: float,
    rng: np.random.Generator,
) -> None:
    """Write extreme tachycardia, fast breathing, drenching sweat, hyperthermia."""
    k = np.arange(end - start, dtype=np.float32)
    span, count = slice(start, end), end - start
    hr = 150.0 + 45.0 * severity + rng.uniform(-4.0, 4.0, count)
    out.heart_rate_bpm[row, span] = hr
    out.hrv_rmssd_ms[row, span] = rng.uniform(3.0, 8.0, count)
    resp = 26.0 + 10.0 * severity + rng.uniform(-2.0, 2.0, count)
    out.resp_rate_bpm[row, span] = resp
    spo2 = 93.0 - 3.0 * severity + rng.uniform(-1.0, 1.0, count)
    out.spo2_pct[row, span] = spo2
    # The wrist warms toward 38-40 degC over half an hour as the core overheats.
    rise_c = (2.5 + 2.0 * severity) * np.minimum(k / 30.0, 1.0)
    out.skin_temp_c[row, span] = out.skin_temp_c[row, start] + rise_c
    out.scl_us[row, span] = 3.0 * out.scl_us[row, start]
    scr = 8.0 + 7.0 * severity + rng.uniform(-2.0, 2.0, count)
    out.scr_per_min[row, span] = np.floor(scr)
