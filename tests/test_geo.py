"""The geofence's distance test: haversine where it is clear, the geodesic at the edge."""

from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from timebank.integrations.geo import distance_m, haversine_m, within_m

GATE = (22.835, 113.525)  # a checkpoint in Nansha


def _north(metres: float) -> tuple[float, float]:
    point = geodesic(meters=metres).destination(GATE, bearing=0)
    return point.latitude, point.longitude


def test_at_the_edge_the_geodesic_decides_not_haversine():
    # Due north at this latitude haversine overstates the geodesic by about 0.4 %.
    inside, outside = _north(199.6), _north(200.4)
    assert haversine_m(GATE, inside) > 200  # haversine alone would refuse this one
    assert within_m(GATE, inside, 200)
    assert not within_m(GATE, outside, 200)


@settings(max_examples=300, deadline=None)
@given(
    bearing=st.floats(0, 360),
    metres=st.floats(0, 5000),
    radius_share=st.floats(0.9, 1.1),
)
def test_within_agrees_with_the_geodesic(bearing, metres, radius_share):
    point = geodesic(meters=metres).destination(GATE, bearing=bearing)
    b = (point.latitude, point.longitude)
    radius = max(distance_m(GATE, b) * radius_share, 1.0)
    assert within_m(GATE, b, radius) == (distance_m(GATE, b) <= radius)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89, 89),
    lon=st.floats(-180, 180),
    bearing=st.floats(0, 360),
    metres=st.floats(0, 2_000_000),
)
def test_distance_is_geopys_geodesic(lat, lon, bearing, metres):
    # GeographicLib is called directly (no geopy import in the app); the figures are geopy's.
    a = (lat, lon)
    point = geodesic(meters=metres).destination(a, bearing=bearing)
    b = (point.latitude, point.longitude)
    assert abs(distance_m(a, b) - geodesic(a, b).meters) < 1e-6
