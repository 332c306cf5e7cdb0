"""What the bracelets would send: protocol records from a simulated chunk-day.

Record times are stamped by the device clock (true time plus its drift), as a
real bracelet would; a dead battery sends nothing; a strap that is open gives no
biometric readings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.protocol import Event, Fix, Record, Status, Tamper, Vitals
from vigil.simulate.clock import MINUTE_MS, MINUTES
from vigil.simulate.engine import ChunkDay
from vigil.simulate.gnss import FixSource

STATUS_EVERY_MIN = 5
_SOURCES = {int(s): s.name.lower() for s in FixSource}
_VITAL_FIELDS = (
    "heart_rate_bpm",
    "hrv_rmssd_ms",
    "scl_us",
    "scr_per_min",
    "skin_temp_c",
    "spo2_pct",
    "resp_rate_bpm",
    "activity_g",
)


@dataclass(frozen=True)
class Columns:
    """Records of one kind as columns: ``wearer`` and ``t_ms`` plus the fields."""

    kind: str
    wearer: np.ndarray
    t_ms: np.ndarray
    fields: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.wearer.size)


def device_times_ms(chunk: ChunkDay) -> np.ndarray:
    """Return each minute's time as each device's clock reads it, (n, MINUTES)."""
    true_ms = chunk.day_start_ms + MINUTE_MS * np.arange(MINUTES, dtype=np.int64)
    offset = np.asarray(chunk.hardware.clock_offset_ms, np.int64)
    times: np.ndarray = true_ms[None, :] + offset[:, None]
    return times


def _device_ms(chunk: ChunkDay, row: int, minute: int) -> int:
    """Return one minute's time as wearer ``row``'s device clock reads it."""
    offset_ms = int(chunk.hardware.clock_offset_ms[row])
    return int(chunk.day_start_ms + MINUTE_MS * minute + offset_ms)


def columns(chunk: ChunkDay) -> list[Columns]:
    """Return the chunk's fixes, vitals and status records as columns."""
    times = device_times_ms(chunk)
    powered = chunk.hardware.powered
    fixed = np.nonzero(chunk.fixes.has_fix & powered & ~chunk.hardware.shielded)
    measured = np.nonzero(powered)
    minute = np.arange(MINUTES)[None, :]
    reported = np.nonzero(powered & (minute % STATUS_EVERY_MIN == 0))
    worn = chunk.vitals.skin_contact & ~chunk.hardware.strap_open
    f, v, h = chunk.fixes, chunk.vitals, chunk.hardware
    return [
        Columns(
            "fix",
            chunk.wearers[fixed[0]],
            times[fixed],
            {
                "lat": f.lat[fixed],
                "lon": f.lon[fixed],
                "accuracy_m": f.accuracy_m[fixed],
                "source": f.source[fixed],
                "speed_mps": f.speed_mps[fixed],
                "satellites": f.satellites[fixed],
            },
        ),
        Columns(
            "vitals",
            chunk.wearers[measured[0]],
            times[measured],
            {
                **{
                    name: np.where(worn, getattr(v, name), np.nan)[measured]
                    for name in _VITAL_FIELDS
                },
                "steps": v.steps[measured],
                "skin_contact": worn[measured],
            },
        ),
        Columns(
            "status",
            chunk.wearers[reported[0]],
            times[reported],
            {
                "battery_pct": h.battery_pct[reported],
                "charging": h.charging[reported],
            },
        ),
    ]


def minute_records(
    chunk: ChunkDay, row: int, minute: int, firmware: str
) -> list[Record]:
    """Return what wearer ``row`` of the chunk recorded during ``minute``."""
    hardware = chunk.hardware
    if not hardware.powered[row, minute]:
        return []
    t_ms = _device_ms(chunk, row, minute)
    records: list[Record] = []
    fixes = chunk.fixes
    if fixes.has_fix[row, minute] and not hardware.shielded[row, minute]:
        speed = float(fixes.speed_mps[row, minute])
        sats = int(fixes.satellites[row, minute])
        records.append(
            Fix(
                t_ms=t_ms,
                lat=float(fixes.lat[row, minute]),
                lon=float(fixes.lon[row, minute]),
                accuracy_m=float(fixes.accuracy_m[row, minute]),
                source=_SOURCES[int(fixes.source[row, minute])],  # type: ignore[arg-type]
                speed_mps=None if np.isnan(speed) else speed,
                satellites=None if sats < 0 else sats,
            )
        )
    records.append(_vitals(chunk, row, minute, t_ms))
    if minute % STATUS_EVERY_MIN == 0:
        records.append(
            Status(
                t_ms=t_ms,
                battery_pct=float(hardware.battery_pct[row, minute]),
                charging=bool(hardware.charging[row, minute]),
                firmware=firmware,
            )
        )
    return records


def _vitals(chunk: ChunkDay, row: int, minute: int, t_ms: int) -> Vitals:
    worn = bool(chunk.vitals.skin_contact[row, minute]) and not bool(
        chunk.hardware.strap_open[row, minute]
    )
    if not worn:
        return Vitals(t_ms=t_ms, skin_contact=False)
    v = chunk.vitals
    return Vitals(
        t_ms=t_ms,
        heart_rate_bpm=_reading(v.heart_rate_bpm, row, minute),
        hrv_rmssd_ms=_reading(v.hrv_rmssd_ms, row, minute),
        scl_us=_reading(v.scl_us, row, minute),
        scr_per_min=_reading(v.scr_per_min, row, minute),
        skin_temp_c=_reading(v.skin_temp_c, row, minute),
        spo2_pct=_reading(v.spo2_pct, row, minute),
        resp_rate_bpm=_reading(v.resp_rate_bpm, row, minute),
        activity_g=_reading(v.activity_g, row, minute),
        steps=int(v.steps[row, minute]),
    )


def _reading(values: np.ndarray, row: int, minute: int) -> float | None:
    """A sensor that could not read leaves its field out, never sends NaN."""
    value = float(values[row, minute])
    return None if np.isnan(value) else value


def event_records(chunk: ChunkDay) -> dict[tuple[int, int], list[Record]]:
    """Return tamper and button records by (row, minute) of the chunk."""
    found: dict[tuple[int, int], list[Record]] = {}
    for row, minute, kind, cleared in chunk.hardware.tamper:
        t_ms = _device_ms(chunk, row, minute)
        found.setdefault((row, minute), []).append(
            Tamper(t_ms=t_ms, tamper=kind, cleared=cleared)  # type: ignore[arg-type]
        )
    for row, minute, event in chunk.hardware.buttons:
        t_ms = _device_ms(chunk, row, minute)
        found.setdefault((row, minute), []).append(
            Event(t_ms=t_ms, event=event)  # type: ignore[arg-type]
        )
    return found
