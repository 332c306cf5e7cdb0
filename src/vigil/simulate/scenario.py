"""The scenario file: who the wearers are and what their orders require.

Detectors need the conditions the simulator assumed (each wearer's home and
curfew, the exclusion zones) to be scored against the truth; monitoring loads
them as rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vigil.simulate.engine import Simulation


def serial_of(wearer: int) -> str:
    """Return the serial of a simulated wearer's bracelet."""
    return f"VG-SIM-{wearer:06d}"


def scenario(sim: Simulation) -> dict[str, Any]:
    """Return the scenario as plain JSON-ready data."""
    city, people = sim.city, sim.people
    home_lat, home_lon = city.frame.to_latlon(
        city.place_x[people.home], city.place_y[people.home]
    )
    zone_lat, zone_lon = city.frame.to_latlon(city.zones.x_m, city.zones.y_m)
    return {
        "seed": sim.config.seed,
        "start": sim.config.start.isoformat(),
        "days": sim.config.days,
        "timezone": "Asia/Ho_Chi_Minh",
        "province": {"code": "01", "name": "Thành phố Hà Nội"},
        "wards": [{"code": w.code, "name": w.name} for w in city.wards],
        "exclusion_zones": [
            {"zone": i, "lat": float(la), "lon": float(lo), "radius_m": float(r)}
            for i, (la, lo, r) in enumerate(
                zip(zone_lat, zone_lon, city.zones.radius_m, strict=True)
            )
        ],
        "wearers": [
            {
                "wearer": i,
                "serial": serial_of(i),
                "ward": city.wards[int(people.ward[i])].code,
                "routine": int(people.routine[i]),
                "home": {
                    "lat": float(home_lat[i]),
                    "lon": float(home_lon[i]),
                    "radius_m": float(people.home_radius_m[i]),
                },
                "curfew": None
                if people.curfew_start_min[i] < 0
                else {
                    "start": _hhmm(int(people.curfew_start_min[i])),
                    "end": _hhmm(int(people.curfew_end_min[i])),
                },
            }
            for i in range(people.size)
        ],
    }


def write_scenario(sim: Simulation, path: Path) -> None:
    """Write the scenario as JSON."""
    path.write_text(json.dumps(scenario(sim), ensure_ascii=False, indent=1))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
