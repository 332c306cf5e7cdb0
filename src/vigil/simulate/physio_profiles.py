"""Who the simulated wearers are, physiologically, and how often things happen to them.

Every figure is an assumption for simulation, chosen from the physiology
literature or reasoned from the programme (see docs/simulator.md,
"Physiology"); none has been validated on the people Vigil will monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]


@dataclass(frozen=True)
class PhysioRates:
    """Fleet-average event rates per wearer-day, and the share of wearers who use.

    ``draw_profiles`` reads the fractions (who is prone to what);
    ``simulate_vitals`` reads the rates (how often, on average over the fleet).
    """

    # Everyday-life studies with phone prompts find one to three stressful
    # episodes a day; the middle of that range.
    stress_per_wearer_day: float = 1.5
    # One wearer in five prone to anxiety, with a long episode every other day.
    anxiety_per_wearer_day: float = 0.1
    # Roughly a coffee a day: Vietnam drinks coffee daily, strong and sweet.
    caffeine_per_wearer_day: float = 1.0
    # Methamphetamine is the main drug of concern and relapse after
    # rehabilitation is common: a third of wearers use, about weekly on average.
    stimulant_per_wearer_day: float = 0.04
    # Heroin use is now the smaller share: one wearer in ten, every few days.
    opioid_per_wearer_day: float = 0.02
    # About one in 4,000 wearer-days (9 % of wearers a year): nonfatal overdose
    # is reported by 10-30 % of people who inject opioids each year, and risk
    # is highest in the months after release from a closed setting; most
    # wearers do not use opioids. About 25 emergencies a day in 100,000 wearers.
    overdose_per_wearer_day: float = 2.5e-4
    # Opioids cause most overdoses that stop breathing; the rest are stimulant
    # toxicity (extreme heart rate, hyperthermia).
    overdose_opioid_share: float = 0.8
    # A strap worn loose, sweat or dry skin: a spell every few days per wearer.
    poor_contact_per_wearer_day: float = 0.3

    stimulant_user_fraction: float = 0.3
    opioid_user_fraction: float = 0.1
    anxiety_prone_fraction: float = 0.2
    coffee_drinker_fraction: float = 0.7


# Plausible fleet-average range of each rate, per wearer-day; every default
# above lies inside its range, and a simulated fleet's counts must too.
RATE_RANGES_PER_WEARER_DAY: dict[str, tuple[float, float]] = {
    "stress": (1.0, 3.0),
    "anxiety": (0.05, 0.2),
    "caffeine": (0.5, 2.0),
    "stimulant": (0.02, 0.08),
    "opioid": (0.01, 0.04),
    "overdose": (1e-4, 5e-4),
    "poor_contact": (0.1, 0.6),
}


@dataclass(frozen=True)
class PhysioProfiles:
    """Each wearer's physiology at rest and propensities; arrays of length N."""

    age_years: FloatArray
    fitness: FloatArray  # 0 sedentary .. 1 athletic
    resting_hr_bpm: FloatArray  # awake, seated
    max_hr_bpm: FloatArray
    hrv_rmssd_ms: FloatArray  # awake, seated
    scl_us: FloatArray  # skin conductance level at the wrist, at rest
    scr_per_min: FloatArray  # non-specific skin conductance responses, at rest
    skin_temp_c: FloatArray  # wrist, awake, at 28 degC ambient
    spo2_pct: FloatArray
    resp_rate_bpm: FloatArray  # breaths per minute, awake at rest
    circadian_shift_min: FloatArray  # chronotype: later is positive
    cadence_steps_per_min: FloatArray  # walking
    movement_scale: FloatArray  # how much this wearer's wrist moves, 1 = typical
    heat_sensitivity: FloatArray  # 1 = typical response to a hot afternoon
    # Relative propensities, fleet mean 1; zero for people who never do it.
    stress_propensity: FloatArray
    anxiety_propensity: FloatArray
    caffeine_propensity: FloatArray
    stimulant_propensity: FloatArray
    opioid_propensity: FloatArray
    poor_contact_propensity: FloatArray

    def __len__(self) -> int:
        return len(self.resting_hr_bpm)

    def rows(self, lo: int, hi: int) -> PhysioProfiles:
        """Return wearers ``lo`` to ``hi - 1`` (views, not copies)."""
        return PhysioProfiles(
            **{f.name: getattr(self, f.name)[lo:hi] for f in fields(self)}
        )


def draw_profiles(
    n: int, rng: np.random.Generator, rates: PhysioRates | None = None
) -> PhysioProfiles:
    """Draw ``n`` adult wearers' resting physiology and propensities.

    Parameters
    ----------
    n
        Number of wearers.
    rng
        The only source of randomness: the same generator state gives the
        same wearers.
    rates
        Supplies the fractions of stimulant users, opioid users, anxiety-prone
        people and coffee drinkers; the defaults when omitted.

    Returns
    -------
    PhysioProfiles
        Float32 arrays of length ``n``: resting heart rate 52-88 bpm, RMSSD
        15-110 ms, wrist skin conductance 0.3-15 uS, SpO2 95-99.5 %,
        breathing 11-20 per minute.
    """
    rates = rates or PhysioRates()
    # People under drug supervision are adults, mostly in their twenties to forties.
    age = np.clip(rng.normal(34.0, 9.0, n), 18.0, 65.0)
    fitness = rng.beta(2.0, 3.0, n)
    # Resting pulse averages about 70 in adults; fitter people sit lower.
    resting = np.clip(72.0 - 12.0 * (fitness - 0.4) + rng.normal(0.0, 6.0, n), 52, 88)
    # RMSSD: median about 40 ms in young adults, falling with age and heart rate.
    rmssd = 42.0 * np.exp(-0.02 * (age - 34.0) + rng.normal(0.0, 0.3, n))
    rmssd *= 72.0 / resting
    return PhysioProfiles(
        age_years=_f32(age),
        fitness=_f32(fitness),
        resting_hr_bpm=_f32(resting),
        max_hr_bpm=_f32(208.0 - 0.7 * age),  # Tanaka's age formula
        hrv_rmssd_ms=_f32(np.clip(rmssd, 15.0, 110.0)),
        # Wrist electrodermal levels are low, a few microsiemens (WESAD's wrist data).
        scl_us=_f32(np.clip(rng.lognormal(np.log(2.0), 0.6, n), 0.3, 15.0)),
        # One to three non-specific responses a minute at rest (Boucsein).
        scr_per_min=_f32(np.clip(rng.lognormal(np.log(1.5), 0.4, n), 0.3, 5.0)),
        skin_temp_c=_f32(rng.normal(33.0, 0.5, n)),
        spo2_pct=_f32(np.clip(rng.normal(97.5, 0.7, n), 95.0, 99.5)),
        resp_rate_bpm=_f32(np.clip(rng.normal(15.0, 1.8, n), 11.0, 20.0)),
        circadian_shift_min=_f32(rng.normal(0.0, 45.0, n)),
        cadence_steps_per_min=_f32(np.clip(rng.normal(108.0, 7.0, n), 90.0, 125.0)),
        movement_scale=_f32(rng.lognormal(0.0, 0.2, n)),
        heat_sensitivity=_f32(rng.lognormal(0.0, 0.3, n)),
        stress_propensity=_f32(rng.gamma(3.0, 1.0 / 3.0, n)),
        anxiety_propensity=_users(n, rates.anxiety_prone_fraction, rng),
        caffeine_propensity=_users(n, rates.coffee_drinker_fraction, rng),
        stimulant_propensity=_users(n, rates.stimulant_user_fraction, rng),
        opioid_propensity=_users(n, rates.opioid_user_fraction, rng),
        poor_contact_propensity=_f32(rng.gamma(1.5, 1.0 / 1.5, n)),
    )


def _users(n: int, fraction: float, rng: np.random.Generator) -> FloatArray:
    """Return propensities with fleet mean 1, carried by ``fraction`` of wearers."""
    user = rng.random(n) < fraction
    # Among users, frequency varies about threefold between the quartiles.
    amount = rng.gamma(2.0, 0.5 / max(fraction, 1e-9), n)
    return _f32(np.where(user, amount, 0.0))


def _f32(values: NDArray[np.float64]) -> FloatArray:
    return values.astype(np.float32)
