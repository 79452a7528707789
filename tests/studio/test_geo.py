"""The circle's geometry, checked against the test's own haversine."""

from __future__ import annotations

import random

import pytest

from shared.studio import geo
from tests.studio.factories import CENTRE, east_of, north_of, reference_haversine


def test_haversine_agrees_with_an_independent_formula() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a = (rng.uniform(-80, 80), rng.uniform(-179, 179))
        b = (a[0] + rng.uniform(-0.5, 0.5), a[1] + rng.uniform(-0.5, 0.5))
        expected = reference_haversine(*a, *b)
        assert geo.haversine_m(*a, *b) == pytest.approx(expected, rel=0.02, abs=0.01)


def test_known_distance_beijing_shanghai() -> None:
    # 北京天安门 → 上海人民广场: about 1,067 km along the great circle.
    assert geo.haversine_m(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(
        1_067_000, rel=0.02
    )


@pytest.mark.parametrize("metres", [80, 800, 9_600])
def test_bounding_box_holds_the_circle(metres: float) -> None:
    box = geo.bounding_box(*CENTRE, metres)
    for point in (north_of(CENTRE, metres * 0.999), east_of(CENTRE, metres * 0.999)):
        assert box.min_lat <= point[0] <= box.max_lat
        assert box.min_lon <= point[1] <= box.max_lon
    south_west = (CENTRE[0] - (box.max_lat - CENTRE[0]), CENTRE[1] - (box.max_lon - CENTRE[1]))
    assert box.min_lat == pytest.approx(south_west[0]) and box.min_lon == pytest.approx(
        south_west[1]
    )


def test_bounding_box_near_pole_and_antimeridian_spans_all_longitudes() -> None:
    assert geo.bounding_box(89.999, 0, 800).min_lon == -180
    assert geo.bounding_box(10, 179.9999, 800).max_lon == 180


def test_grid_finds_the_nearest_within_radius_only() -> None:
    near, nearer, far = north_of(CENTRE, 700), east_of(CENTRE, 300), north_of(CENTRE, 900)
    grid = geo.Grid(
        [geo.Place("near", *near), geo.Place("nearer", *nearer), geo.Place("far", *far)], 800
    )
    found = grid.nearest_within(*CENTRE)
    assert found is not None and found[0].key == "nearer"
    assert found[1] == pytest.approx(300, rel=0.001)
    assert geo.Grid([geo.Place("far", *far)], 800).nearest_within(*CENTRE) is None
