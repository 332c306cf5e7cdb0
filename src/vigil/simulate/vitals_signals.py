"""A day of minute vitals for a block of wearers: rest, rhythm, activity, episodes.

Each signal is the wearer's resting value, what the body is doing (with the
lag a body has), the body clock, slow autonomic drift shared between signals,
what the day's episodes add, and the sensor's minute-to-minute noise. Noise
is uniform with the stated standard deviation: a minute's average has no
heavy tails, and real artefacts come from the poor-contact spells instead.
The numbers live in ``vitals_effects``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vigil.simulate import vitals_effects as fx
from vigil.simulate.clock import Activity
from vigil.simulate.physio_profiles import PhysioProfiles
from vigil.simulate.vitals_block import (
    Block,
    ExerciseBouts,
    Workspace,
    bout_minutes,
    exercise_bouts,
    fill_tone,
    uniform,
)
from vigil.simulate.vitals_day import VitalsDay
from vigil.simulate.vitals_episodes import Episodes, MinuteLevels, minute_levels
from vigil.simulate.vitals_time import (
    ambient_c,
    autonomic_drift,
    block_means,
    body_clock,
    interpolate,
    slow_drift,
    trailing_mean,
)

FloatArray = NDArray[np.float32]
_SKIN_STEP_MIN = 8  # skin temperature settles slowly: work it out every 8 minutes
# The body clock moves every autonomic signal as arousal does; this share of
# a standard deviation of arousal gives the pulse its circadian swing.
_CIRCADIAN_AROUSAL = fx.CIRCADIAN_HR_BPM / fx.TONE["hr_bpm"][0]


def fill_block(
    out: VitalsDay,
    profiles: PhysioProfiles,
    activity: NDArray[np.uint8],
    plan: dict[str, Episodes],
    rng: np.random.Generator,
    afternoon_c: float,
    ws: Workspace,
) -> ExerciseBouts:
    """Write a block of wearers' day into ``out`` (views); return its exercise bouts.

    ``plan`` holds the block's episodes, wearers numbered from 0; ``ws`` has
    exactly the block's rows. Overdoses are not drawn here: ``collapsed`` is
    set and the body is treated as still.
    """
    episodes = {kind: minute_levels(found) for kind, found in plan.items()}
    collapsed = episodes["overdose"].flat
    out.collapsed[:] = False
    out.collapsed.ravel()[collapsed] = True
    ws.act[:] = activity
    ws.act.ravel()[collapsed] = Activity.REST
    np.equal(ws.act, Activity.SLEEP, out=ws.asleep)
    awake = episodes["stimulant"]
    wakefulness = np.minimum(fx.EFFECTS["stimulant"].wakefulness * awake.level, 1.0)
    np.multiply.at(ws.asleep.ravel(), awake.flat, 1.0 - wakefulness)
    in_bed = ws.act.ravel()[awake.flat] == Activity.SLEEP
    sleepless = in_bed * (1.0 - ws.asleep.ravel()[awake.flat])
    shift = profiles.circadian_shift_min
    autonomic_drift(shift, rng, _CIRCADIAN_AROUSAL, out=ws.arousal)
    fill_tone(ws)
    uniform(rng, ws.busy.shape, 1.0, out=ws.busy)
    bouts = exercise_bouts(activity, rng)
    block = Block(profiles, bouts, episodes, sleepless, afternoon_c, rng, ws)

    load = _activity_load(block)
    _heart_rate(out, block, load)
    _rmssd(out, block)
    _skin_conductance(out, block, load)
    interpolate(_skin_temperature(block), _SKIN_STEP_MIN, out=out.skin_temp_c)
    block.add_episodes(out.skin_temp_c, "skin_temp_c")
    _breathing(out, block, load)
    _movement(out, block)
    out.skin_contact[:] = True
    _poor_contact(out, episodes["poor_contact"], rng)
    return block.bouts


def _activity_load(b: Block) -> FloatArray:
    """Return the pulse's response to posture, effort and sleep, in bpm above rest.

    The pulse follows a change of effort within a couple of minutes and stays
    up for a while after exercise; breathing and sweating follow this load.
    """
    p = b.profiles
    reserve = p.max_hr_bpm - p.resting_hr_bpm
    # Fitter people walk at a smaller share of their reserve.
    load = b.by_activity(fx.HRR_FRACTION, out=b.ws.spare)
    load *= b.column(reserve * (1.15 - fx.FITNESS_WALK_SAVING * p.fitness))
    sleep_drop = b.column(fx.SLEEP_HR_DROP * p.resting_hr_bpm)
    load -= np.multiply(b.asleep, sleep_drop, out=b.ws.scratch)
    bout, _, flat = bout_minutes(b.bouts)
    rise = b.bouts.hrr_fraction * reserve[b.bouts.wearer]
    load.ravel()[flat] += rise[bout]
    load = trailing_mean(load, 2, out=b.ws.load)

    bout, offset, flat = bout_minutes(b.bouts, fx.RECOVERY_MIN)
    after = offset - (b.bouts.end_min - b.bouts.start_min)[bout]
    recovering = after >= 0
    tail = fx.RECOVERY_SHARE * rise[bout] * np.exp(-after / fx.RECOVERY_TAU_MIN)
    np.add.at(load.ravel(), flat[recovering], tail[recovering])
    return load


def _heart_rate(out: VitalsDay, b: Block, load: FloatArray) -> None:
    """Write heart rate; leave its noiseless value in the RMSSD grid, for HRV."""
    p = b.profiles
    hr = out.heart_rate_bpm
    np.add(load, b.column(p.resting_hr_bpm), out=hr)
    hr += b.tone("hr_bpm")  # arousal, with the body clock
    b.add_heat(hr, fx.HEAT_HR_PER_C)
    b.add_episodes(hr, "hr_bpm")
    # RMSSD is built from the pulse before the sensor adds its noise.
    np.copyto(out.hrv_rmssd_ms, hr)
    b.add_noise(hr, fx.HR_NOISE_BPM)


def _rmssd(out: VitalsDay, b: Block) -> None:
    """Write RMSSD: it falls steeply as the pulse rises, and rises in sleep."""
    p = b.profiles
    log_rmssd = out.hrv_rmssd_ms  # holds the noiseless pulse
    np.maximum(log_rmssd, 20.0, out=log_rmssd)
    np.log(log_rmssd, out=log_rmssd)
    log_rmssd *= -fx.RMSSD_HR_EXPONENT
    at_rest = np.log(p.hrv_rmssd_ms) + fx.RMSSD_HR_EXPONENT * np.log(p.resting_hr_bpm)
    log_rmssd += b.tone("log_rmssd")
    b.add_noise(log_rmssd, fx.RMSSD_NOISE_LOG, b.column(at_rest.astype(np.float32)))
    b.add_episodes(log_rmssd, "log_hrv")
    np.exp(log_rmssd, out=log_rmssd)


def _skin_conductance(out: VitalsDay, b: Block, load: FloatArray) -> None:
    """Write skin conductance level and responses."""
    p = b.profiles
    effort = np.maximum(load, 0.0, out=b.ws.effort)
    log_scl = out.scl_us
    np.multiply(effort, fx.SWEAT_LOG_PER_HR_BPM, out=log_scl)
    log_scl += b.column(np.log(p.scl_us))
    log_scl += b.tone("log_scl")
    b.add_heat(log_scl, fx.HEAT_LOG_SCL_PER_C)
    b.add_episodes(log_scl, "log_scl")
    np.exp(log_scl, out=log_scl)

    rate = out.scr_per_min
    np.add(b.tone("scr_share"), 1.0, out=rate)
    rate *= b.column(p.scr_per_min)
    np.maximum(rate, 0.0, out=rate)
    b.add_scaled(rate, fx.SCR_PER_HR_BPM, effort)  # sweat and movement artefacts
    b.add_episodes(rate, "scr_per_min")
    # Rounding at random keeps the mean: a rate of 1.4 is 1 or 2, 2 in 40 %.
    # The draw is the wrist's busyness, so movement artefacts add responses.
    rate += b.busy
    np.floor(rate, out=rate)


def _skin_temperature(b: Block) -> FloatArray:
    """Return wrist skin temperature every ``_SKIN_STEP_MIN`` minutes, plus one.

    Skin temperature settles over tens of minutes (a 32-minute lag here), so
    a coarse grid interpolated to minutes loses nothing and costs far less.
    """
    p, step = b.profiles, _SKIN_STEP_MIN
    warming = b.by_activity(fx.SKIN_WARMING_C, out=b.ws.spare)
    awake = b.episodes["stimulant"]  # no sleep, no sleep warming
    warming.ravel()[awake.flat] -= fx.SKIN_WARMING_C[Activity.SLEEP] * b.sleepless
    temp = trailing_mean(block_means(warming, step), 32 // step)
    temp += b.column(p.skin_temp_c)
    inside = temp[:, :-1]  # the last column only anchors the interpolation
    inside += fx.AMBIENT_SLOPE * (ambient_c(b.afternoon_c, step) - 28.0)
    inside += body_clock(p.circadian_shift_min, fx.CIRCADIAN_SKIN_C, step)
    inside += fx.SKIN_DRIFT_C * slow_drift(len(p), b.rng, 32, step)
    temp[:, -1] = temp[:, -2]
    return temp


def _breathing(out: VitalsDay, b: Block, load: FloatArray) -> None:
    """Write breathing rate and SpO2."""
    p = b.profiles
    resp = out.resp_rate_bpm
    np.multiply(load, fx.RESP_PER_HR_BPM, out=resp)
    resp += b.tone("resp_bpm")
    b.add_noise(resp, fx.RESP_NOISE_BPM, b.column(p.resp_rate_bpm))
    b.add_episodes(resp, "resp_bpm")

    spo2 = out.spo2_pct
    spo2[:] = b.tone("spo2_pct")
    b.add_noise(spo2, fx.SPO2_NOISE_PCT, b.column(p.spo2_pct))
    b.add_episodes(spo2, "spo2_pct")


def _movement(out: VitalsDay, b: Block) -> None:
    """Write wrist acceleration and steps."""
    p = b.profiles
    level = out.activity_g
    b.by_activity(fx.MOVEMENT_G, out=level)
    level *= b.column(p.movement_scale)
    bout, _, flat = bout_minutes(b.bouts)
    effort = b.bouts.hrr_fraction / np.float32(fx.EFFORT_OF_TYPICAL_RUN)
    level.ravel()[flat] *= effort[bout]
    _episode_movement(level, b)
    busy = np.multiply(b.busy, 1.2, out=b.ws.scratch)
    busy += 0.4
    level *= busy

    # Steps share the minute's busyness with acceleration: a busier wrist,
    # more steps.
    steps = b.by_activity(fx.CADENCE_SCALE, out=b.ws.steps)
    steps *= b.column(p.cadence_steps_per_min)
    busy = np.multiply(b.busy, 0.4, out=b.ws.scratch)
    busy += 0.75
    steps *= busy
    steps += b.by_activity(fx.STEPS_OFFSET, out=b.ws.scratch)
    sedated = b.episodes["opioid"]
    sedation = np.exp(fx.EFFECTS["opioid"].log_movement * sedated.level)
    steps.ravel()[sedated.flat] *= sedation
    out.steps[:] = steps  # truncates; the negative offsets are clipped later


def _episode_movement(level: FloatArray, b: Block) -> None:
    """Scale movement by sedation or restlessness; a sleepless night moves too."""
    for kind, effect in fx.EFFECTS.items():
        if effect.log_movement:
            found = b.episodes[kind]
            scale = np.exp(effect.log_movement * found.level)
            np.multiply.at(level.ravel(), found.flat, scale)
    awake = b.episodes["stimulant"]
    restless = fx.MOVEMENT_G[Activity.REST] - fx.MOVEMENT_G[Activity.SLEEP]
    scale = b.profiles.movement_scale[awake.rows]
    level.ravel()[awake.flat] += restless * b.sleepless * scale


def _poor_contact(
    out: VitalsDay, spells: MinuteLevels, rng: np.random.Generator
) -> None:
    """Corrupt readings in poor-contact spells; some minutes lose the skin."""
    where, count = spells.flat, len(spells.flat)
    out.skin_contact.ravel()[where[rng.random(count) < fx.CONTACT_LOST_SHARE]] = False
    # Motion and light reach the optical sensor: beats are missed or doubled,
    # intervals jump, SpO2 reads low; dry electrodes lose the skin and the
    # thermistor reads the air.
    out.heart_rate_bpm.ravel()[where] *= rng.uniform(0.7, 1.3, count)
    out.hrv_rmssd_ms.ravel()[where] *= rng.uniform(1.3, 3.0, count)
    out.spo2_pct.ravel()[where] -= rng.uniform(0.0, 15.0, count)
    out.resp_rate_bpm.ravel()[where] += rng.uniform(-5.0, 5.0, count)
    out.scl_us.ravel()[where] *= rng.uniform(0.02, 0.5, count)
    out.skin_temp_c.ravel()[where] -= rng.uniform(0.5, 3.0, count)
