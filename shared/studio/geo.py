"""Great-circle geometry for the 10-minute service circle (委员10分钟联系服务圈). Pure functions."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The mean Earth radius (IUGG); the error of a sphere is well under 1 % at walking distances.
EARTH_RADIUS_M = 6_371_008.8
# A straight-line walk: 80 metres a minute (4.8 km/h).
WALK_METRES_PER_MINUTE = 80.0


def walk_radius(minutes: float) -> float:
    return minutes * WALK_METRES_PER_MINUTE


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle that contains a circle; ``lon`` bounds may cover the
    whole range when the circle reaches a pole or the antimeridian."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(lat: float, lon: float, radius_m: float) -> Box:
    """The smallest lat/lon box around a circle: what the studios index scans."""
    d_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    min_lat, max_lat = lat - d_lat, lat + d_lat
    if min_lat <= -90 or max_lat >= 90:
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest point of the circle in longitude lies north or south of its centre (asin form).
    d_lon = math.degrees(
        math.asin(min(1.0, math.sin(radius_m / EARTH_RADIUS_M) / math.cos(math.radians(lat))))
    )
    if lon - d_lon < -180 or lon + d_lon > 180:
        return Box(min_lat, max_lat, -180.0, 180.0)
    return Box(min_lat, max_lat, lon - d_lon, lon + d_lon)


@dataclass(frozen=True)
class Place:
    key: object
    lat: float
    lon: float


class Grid:
    """Places bucketed into cells of ``radius_m`` (in latitude degrees), so "who is within the
    radius of this point" looks at a few cells instead of every place (coverage of hundreds of
    villages by thousands of studios)."""

    def __init__(self, places: Iterable[Place], radius_m: float) -> None:
        self.radius_m = radius_m
        self.cell_deg = max(math.degrees(radius_m / EARTH_RADIUS_M), 1e-6)
        self.cells: defaultdict[tuple[int, int], list[Place]] = defaultdict(list)
        for place in places:
            self.cells[self._cell(place.lat, place.lon)].append(place)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.cell_deg), math.floor(lon / self.cell_deg)

    def _candidates(self, lat: float, lon: float) -> Iterable[Place]:
        box = bounding_box(lat, lon, self.radius_m)
        low, high = self._cell(box.min_lat, box.min_lon), self._cell(box.max_lat, box.max_lon)
        span = (high[0] - low[0] + 1) * (high[1] - low[1] + 1)
        if span > len(self.cells):  # near a pole the box is wide: scanning the cells is cheaper
            return (p for places in self.cells.values() for p in places)
        return (
            place
            for row in range(low[0], high[0] + 1)
            for col in range(low[1], high[1] + 1)
            for place in self.cells.get((row, col), ())
        )

    def nearest_within(self, lat: float, lon: float) -> tuple[Place, float] | None:
        """The nearest place within the radius of (lat, lon), with its distance, or None."""
        best: tuple[Place, float] | None = None
        for place in self._candidates(lat, lon):
            distance = haversine_m(lat, lon, place.lat, place.lon)
            if distance <= self.radius_m and (best is None or distance < best[1]):
                best = (place, distance)
        return best


def nearest_first(
    lat: float, lon: float, places: Sequence[Place], radius_m: float, limit: int
) -> list[tuple[Place, float]]:
    """The places within ``radius_m`` of (lat, lon), nearest first, at most ``limit``."""
    found = [(p, haversine_m(lat, lon, p.lat, p.lon)) for p in places]
    inside = sorted((pair for pair in found if pair[1] <= radius_m), key=lambda pair: pair[1])
    return inside[:limit]
