"""Which screen groups a CAP area reaches: by polygon or circle (shapely), or by name."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from central.cap.parse import Area
from central.cap.settings import GroupPlace

KM_PER_DEGREE = 111.32  # along a meridian; good to well under 1 % for warning areas
CIRCLE_SIDES = 64


def _xy(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(lon, lat) for lat, lon in points]  # shapely's x is the longitude


def circle_ring(lat: float, lon: float, radius_km: float) -> list[tuple[float, float]]:
    """A CAP circle as a polygon of (lat, lon), in a local flat projection around its centre."""
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return [
        (
            lat + dlat * math.sin(2 * math.pi * i / CIRCLE_SIDES),
            lon + dlon * math.cos(2 * math.pi * i / CIRCLE_SIDES),
        )
        for i in range(CIRCLE_SIDES + 1)
    ]


def _place_shape(place: GroupPlace):
    from shapely.geometry import Point, Polygon
    from shapely.validation import make_valid

    if place.area:
        return make_valid(Polygon(_xy(place.area)))
    if place.point is not None:
        return Point(place.point[1], place.point[0])
    return None


def _area_shapes(area: Area):
    from shapely.geometry import Point, Polygon
    from shapely.validation import make_valid

    for ring in area.polygons:
        yield make_valid(Polygon(_xy(ring)))
    for lat, lon, radius in area.circles:
        yield Polygon(_xy(circle_ring(lat, lon, radius))) if radius > 0 else Point(lon, lat)


def _named(name: str, area: Area) -> bool:
    wanted = name.casefold()
    if any(value.casefold() == wanted for _, value in area.geocodes):
        return True
    # A whole phrase of areaDesc: "Bogor" is in "Kota Bogor, Kab. Bogor", not in "Bogorejo".
    pattern = r"(?<!\w)" + re.escape(wanted) + r"(?!\w)"
    return re.search(pattern, area.desc.casefold()) is not None


def groups_reached(areas: Iterable[Area], places: Mapping[str, GroupPlace]) -> set[str]:
    """Names of the groups whose place lies in (or meets) any of `areas`, or is named there."""
    areas = list(areas)
    shapes = [shape for area in areas for shape in _area_shapes(area)]
    reached = set()
    for group, place in places.items():
        if any(_named(name, area) for name in place.names for area in areas):
            reached.add(group)
            continue
        mine = _place_shape(place)
        if mine is not None and any(shape.intersects(mine) for shape in shapes):
            reached.add(group)
    return reached
