"""A synthetic Hanoi, deterministic from a seed: wards, places and the street grid.

The centre is Hoàn Kiếm (the Old Quarter) at its real coordinates; ward names and
codes are the real post-2025 ones from ``vietnam_provinces``, but their
territories here are synthetic (nearest ward centre), as are all places. People
move between places along a rectangular street grid, which is how a Hanoi block
is walked or ridden more often than not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from vietnam_provinces import ProvinceCode, Ward

from vigil.simulate.geo import Frame, Raster

HOAN_KIEM = (21.0285, 105.8542)
HANOI_CODE = "01"
HALF_SIDE_M = 6_000.0
STREET_SPACING_M = 120.0  # a typical inner-Hanoi block is 100–150 m across


class PlaceKind(IntEnum):
    """What a place is; decides who goes there, when, and whether it is indoors."""

    HOME = 0
    WORK = 1
    SCHOOL = 2
    MARKET = 3
    TREATMENT = 4  # methadone clinic or community treatment centre
    HEALTH = 5
    POLICE = 6  # commune or ward police office: check-ins
    SHELTER = 7
    DRUG_SPOT = 8  # a known drug-use location: an exclusion zone
    PARK = 9
    CAFE = 10


# kind: (count per 1,000 wearers or fixed count if negative, spread radius m,
#        share of time indoors)
_PLACES: dict[PlaceKind, tuple[float, float, float]] = {
    PlaceKind.WORK: (150, 25, 0.8),
    PlaceKind.SCHOOL: (-10, 40, 0.9),
    PlaceKind.MARKET: (-14, 60, 0.3),
    PlaceKind.TREATMENT: (-6, 20, 0.95),
    PlaceKind.HEALTH: (-8, 25, 0.95),
    PlaceKind.SHELTER: (-5, 20, 0.9),
    PlaceKind.DRUG_SPOT: (-20, 25, 0.4),
    PlaceKind.PARK: (-10, 90, 0.0),
    PlaceKind.CAFE: (-60, 10, 0.4),
}
HOME_SPREAD_M = 8.0
# Other places keep this far from an exclusion zone's edge, beyond their spread.
ZONE_CLEARANCE_M = 100.0


@dataclass(frozen=True)
class WardArea:
    """A ward with its real name and code and a synthetic centre."""

    code: str
    name: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class ExclusionZones:
    """Known drug-use locations: circles around DRUG_SPOT places."""

    place: np.ndarray  # int32 place ids
    x_m: np.ndarray
    y_m: np.ndarray
    radius_m: np.ndarray


@dataclass(frozen=True)
class City:
    """Places, wards and rasters of one synthetic city."""

    seed: int
    frame: Frame
    wards: list[WardArea]
    place_x: np.ndarray
    place_y: np.ndarray
    place_kind: np.ndarray  # uint8 PlaceKind
    place_spread_m: np.ndarray  # float32: how far from the centre people stay
    place_indoor_share: np.ndarray  # float32
    place_ward: np.ndarray  # int16 index into wards
    density: Raster  # urban density in [0, 1], 100 m cells
    zones: ExclusionZones
    zone_raster: Raster  # int16 zone index or -1, 10 m cells

    def places_of(self, kind: PlaceKind) -> np.ndarray:
        """Return the ids of every place of ``kind``."""
        return np.flatnonzero(self.place_kind == kind).astype(np.int32)


def build_city(seed: int, homes: int, wards: int = 8) -> City:
    """Build a city with ``homes`` homes (one per wearer) and ``wards`` wards."""
    rng = np.random.default_rng([seed, 1])
    frame = Frame(*HOAN_KIEM)
    density = _density_raster(rng)
    areas = _wards(rng, wards)

    xs, ys, kinds, spreads, indoor = [], [], [], [], []
    for kind, count, spread, indoor_share in _place_plan(homes):
        x, y = _sample_points(rng, density, count)
        xs.append(x)
        ys.append(y)
        kinds.append(np.full(count, kind, np.uint8))
        spreads.append(np.full(count, spread, np.float32))
        indoor.append(np.full(count, indoor_share, np.float32))
    police_x = np.array([w.x_m for w in areas]) + rng.normal(0, 150, len(areas))
    police_y = np.array([w.y_m for w in areas]) + rng.normal(0, 150, len(areas))
    xs.append(_snap(police_x))
    ys.append(_snap(police_y))
    kinds.append(np.full(len(areas), PlaceKind.POLICE, np.uint8))
    spreads.append(np.full(len(areas), 20, np.float32))
    indoor.append(np.full(len(areas), 0.95, np.float32))

    place_x, place_y = np.concatenate(xs), np.concatenate(ys)
    place_kind = np.concatenate(kinds)
    ward_x = np.array([w.x_m for w in areas])
    ward_y = np.array([w.y_m for w in areas])
    nearest = np.argmin(
        (place_x[:, None] - ward_x) ** 2 + (place_y[:, None] - ward_y) ** 2, axis=1
    )
    zones = _exclusion_zones(rng, place_x, place_y, place_kind)
    _move_out_of_zones(rng, density, zones, place_x, place_y, place_kind)
    return City(
        seed=seed,
        frame=frame,
        wards=areas,
        place_x=place_x,
        place_y=place_y,
        place_kind=place_kind,
        place_spread_m=np.concatenate(spreads),
        place_indoor_share=np.concatenate(indoor),
        place_ward=nearest.astype(np.int16),
        density=density,
        zones=zones,
        zone_raster=_zone_raster(zones),
    )


def _place_plan(homes: int) -> list[tuple[PlaceKind, int, float, float]]:
    plan = [(PlaceKind.HOME, homes, HOME_SPREAD_M, 0.95)]
    for kind, (count, spread, indoor) in _PLACES.items():
        n = int(-count) if count < 0 else max(1, round(count * homes / 1000))
        plan.append((kind, n, spread, indoor))
    return plan


def _density_raster(rng: np.random.Generator) -> Raster:
    """Urban density: highest in the Old Quarter, with a few secondary centres."""
    cells = int(2 * HALF_SIDE_M / 100)
    raster = Raster(np.zeros((cells, cells), np.float32), 100.0, HALF_SIDE_M)
    x, y = raster.centres()
    density = np.exp(-np.hypot(x, y) / 2_500.0)
    for _ in range(4):
        cx, cy = rng.uniform(-4_000, 4_000, 2)
        density += 0.6 * np.exp(-np.hypot(x - cx, y - cy) / 1_200.0)
    density += rng.normal(0, 0.05, density.shape)
    return Raster(np.clip(density, 0.05, 1.0).astype(np.float32), 100.0, HALF_SIDE_M)


def _sample_points(
    rng: np.random.Generator, density: Raster, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw points where the city is dense, snapped to the street grid."""
    weights = density.values.ravel().astype(np.float64)
    cells = rng.choice(weights.size, size=count, p=weights / weights.sum())
    size = density.values.shape[0]
    row, col = np.divmod(cells, size)
    x = -HALF_SIDE_M + density.cell_m * (col + rng.random(count))
    y = -HALF_SIDE_M + density.cell_m * (row + rng.random(count))
    return _snap(x), _snap(y)


def _snap(v: np.ndarray) -> np.ndarray:
    """Put a place on the nearest street line of the grid, along one axis."""
    return np.asarray(np.round(v / STREET_SPACING_M) * STREET_SPACING_M, np.float64)


def _wards(rng: np.random.Generator, count: int) -> list[WardArea]:
    real = list(Ward.iter_by_province(ProvinceCode(int(HANOI_CODE))))[:count]
    angles = np.linspace(0, 2 * np.pi, len(real), endpoint=False)
    radii = np.where(np.arange(len(real)) == 0, 0.0, 3_000.0)
    return [
        WardArea(
            code=f"{ward.code.value:05d}",
            name=ward.name,
            x_m=float(r * np.cos(a) + rng.normal(0, 300)),
            y_m=float(r * np.sin(a) + rng.normal(0, 300)),
        )
        for ward, a, r in zip(real, angles, radii, strict=True)
    ]


def _exclusion_zones(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, kind: np.ndarray
) -> ExclusionZones:
    spots = np.flatnonzero(kind == PlaceKind.DRUG_SPOT).astype(np.int32)
    # Police lists name a lane or a building; 40–80 m circles cover one.
    radius = rng.uniform(40.0, 80.0, spots.size)
    return ExclusionZones(spots, x[spots], y[spots], radius)


def _move_out_of_zones(
    rng: np.random.Generator,
    density: Raster,
    zones: ExclusionZones,
    x: np.ndarray,
    y: np.ndarray,
    kind: np.ndarray,
) -> None:
    """Redraw any other place inside an exclusion zone or close to one.

    An order never excludes a wearer from their own home or workplace; a zone is
    drawn around a lane or a building where people go to use.
    """
    for _ in range(20):
        gap = np.hypot(x[:, None] - zones.x_m, y[:, None] - zones.y_m) - zones.radius_m
        inside = (gap.min(axis=1) < ZONE_CLEARANCE_M) & (kind != PlaceKind.DRUG_SPOT)
        if not inside.any():
            return
        x[inside], y[inside] = _sample_points(rng, density, int(inside.sum()))


def _zone_raster(zones: ExclusionZones) -> Raster:
    cells = int(2 * HALF_SIDE_M / 10)
    values = np.full((cells, cells), -1, np.int16)
    for index in range(zones.place.size):
        r = zones.radius_m[index]
        c0 = int((zones.x_m[index] - r + HALF_SIDE_M) // 10)
        r0 = int((zones.y_m[index] - r + HALF_SIDE_M) // 10)
        span = int(2 * r // 10) + 2
        cols = np.arange(c0, c0 + span)
        rows = np.arange(r0, r0 + span)
        cx = -HALF_SIDE_M + 10 * (cols + 0.5)
        cy = -HALF_SIDE_M + 10 * (rows + 0.5)
        inside = (
            np.hypot(cx[None, :] - zones.x_m[index], cy[:, None] - zones.y_m[index])
            <= r
        )
        block = values[r0 : r0 + span, c0 : c0 + span]
        block[inside[: block.shape[0], : block.shape[1]]] = index
    return Raster(values, 10.0, HALF_SIDE_M)
