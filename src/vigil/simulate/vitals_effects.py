"""What moves each vital sign, and by how much: the simulator's physiology numbers.

Activity tables are indexed by ``clock.Activity`` code (SLEEP, REST, WALK,
RIDE, EXERCISE). Figures are simulation assumptions from the physiology
literature, named in words beside each; docs/simulator.md collects them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Effect:
    """What an episode adds at intensity 1 (log terms multiply the signal)."""

    hr_bpm: float = 0.0
    log_hrv: float = 0.0
    log_scl: float = 0.0
    scr_per_min: float = 0.0
    skin_temp_c: float = 0.0
    resp_bpm: float = 0.0
    spo2_pct: float = 0.0
    log_movement: float = 0.0
    wakefulness: float = 0.0  # 1 = awake in bed though the mobility model says SLEEP


EFFECTS: dict[str, Effect] = {
    # Acute stress: sympathetic arousal and vagal withdrawal; the wrist cools
    # as peripheral vessels constrict (laboratory stress tests, WESAD).
    "stress": Effect(8.0, -0.2, 0.3, 3.0, -0.15, 2.0),
    # Anxiety: the same pattern, milder at its peak but lasting hours.
    "anxiety": Effect(6.0, -0.2, 0.25, 2.0, -0.2, 1.5),
    # A cup of coffee: a few beats a minute at most in habitual drinkers.
    "caffeine": Effect(4.0, 0.0, 0.1, 0.5),
    # Methamphetamine: tachycardia of 15-35 bpm at rest, low HRV, sweating,
    # raised temperature, restlessness and no sleep (clinical pharmacology).
    "stimulant": Effect(35.0, -0.5, 0.7, 4.0, 1.5, 3.0, 0.0, 0.3, 1.5),
    # Heroin: slower, shallower breathing, a slightly lower pulse, sedation.
    "opioid": Effect(-6.0, 0.1, -0.1, 0.0, -0.3, -3.5, -2.5, -0.7),
}

# Fraction of heart-rate reserve (maximum minus resting) used. Walking at
# 4-5 km/h takes about 30 %; riding or driving a motorbike in traffic is
# sitting with some vigilance. Exercise takes its bout's own effort.
HRR_FRACTION = np.array([0.0, 0.0, 0.30, 0.05, 0.0], np.float32)
EXERCISE_HRR_FRACTION = (0.55, 0.85)  # moderate to vigorous: running, football
FITNESS_WALK_SAVING = (
    0.4  # the fittest walk at 0.75 of the reserve share, the least 1.15
)
# After exercise the pulse stays up for a while (excess post-exercise oxygen
# consumption): a quarter of the bout's rise, fading with a 6-minute time
# constant over 20 minutes.
RECOVERY_SHARE = 0.25
RECOVERY_TAU_MIN = 6.0
RECOVERY_MIN = 20
SLEEP_HR_DROP = 0.12  # sleeping pulse is about 10-15 % below resting awake
CIRCADIAN_HR_BPM = 3.0  # intrinsic rhythm, peak late afternoon, trough before dawn
HR_NOISE_BPM = 1.5  # a minute's optical pulse reading against the truth
# RMSSD goes roughly with the square of the beat interval; a one-minute
# RMSSD is noisy (20 % here).
RMSSD_HR_EXPONENT = 2.0
RMSSD_NOISE_LOG = 0.2

# Breathing, sweating and skin responses follow metabolic load, which the
# pulse tracks: per bpm above rest, 0.15 breaths a minute (walking adds about
# 4, hard exercise 12-15), 0.006 of log skin conductance and 0.03 SCRs.
RESP_PER_HR_BPM = 0.15
SWEAT_LOG_PER_HR_BPM = 0.006
SCR_PER_HR_BPM = 0.03
RESP_NOISE_BPM = 0.8
SPO2_NOISE_PCT = 0.7  # wrist pulse oximetry is good to about 2 % at best

# How slow arousal (per standard deviation, the body clock included) and
# sleep move each signal: (per arousal, when asleep). The body clock rides on
# arousal, so the pulse's 2.5 per deviation carries its 3 bpm daily swing.
TONE: dict[str, tuple[float, float]] = {
    "hr_bpm": (2.5, 0.0),  # sleep lowers the pulse through the activity load
    "log_rmssd": (-0.1, 0.1),  # vagal tone rises in sleep, besides the slower pulse
    "log_scl": (0.15, -0.3),
    "scr_share": (0.3, -0.7),  # sleep keeps about a third of waking responses
    "resp_bpm": (0.4, 0.0),  # sleep slows breathing through the activity load
    "spo2_pct": (0.0, -0.8),  # a little lower lying down asleep
}

# Wrist skin: warmer asleep (distal vasodilation, bedding), cooled by
# airflow when walking and much more on a motorbike, by sweat when exercising.
SKIN_WARMING_C = np.array([1.5, 0.0, -0.2, -0.8, -0.5], np.float32)
AMBIENT_SLOPE = 0.15  # degC of wrist skin per degC of air
CIRCADIAN_SKIN_C = -0.3  # distal skin is warmest at night, against the core
SKIN_DRIFT_C = 0.3  # clothing, shade and fans
HEAT_HR_PER_C = 0.8  # bpm per degC of air above 31, for a typical wearer
HEAT_LOG_SCL_PER_C = 0.05

# Wrist acceleration without gravity, g (ENMO-like: wrist accelerometry
# puts sitting under 0.05, walking 0.1-0.4, running above 0.4). A
# motorbike's engine and road add vibration while the body sits still.
MOVEMENT_G = np.array([0.005, 0.025, 0.22, 0.07, 0.6], np.float32)
EFFORT_OF_TYPICAL_RUN = 0.7
# Steps as a multiple of the wearer's walking cadence (times 0.75-1.15 for
# how busy the minute is): running is about 1.4
# times as fast (150-170 a minute); football is broken up and averages less.
# At home, a step now and then: the small share and the offset give a step
# in about one resting minute in six.
CADENCE_SCALE = np.array([0.0, 0.04, 1.0, 0.0, 1.4], np.float32)
STEPS_OFFSET = np.array([0.0, -3.7, 0.0, 0.0, 0.0], np.float32)

CONTACT_LOST_SHARE = 0.5  # of a poor-contact spell's minutes, off the skin entirely
