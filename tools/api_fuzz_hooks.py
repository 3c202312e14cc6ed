"""schemathesis hooks for tools/api_fuzz.sh: dates at the ends of the calendar.

Every `date-time` and `date` the fuzzer makes is drawn from the calendar's ends (years 1 and
9999 with the widest offsets, and just outside the app's own range) as well as from the
whole calendar, so the class of input that once overflowed into a 500 (SPEC 3.7) is tried
on every such field of every operation. One field at a time of every body also gets a lone
surrogate or NUL (and every query NUL: a URL cannot carry a lone surrogate); NUL in other
generated strings comes from the generation options in api_fuzz.sh.
"""

from datetime import date, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

MOMENTS_AT_THE_ENDS = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999+14:00",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00+00:00",
]
DAYS_AT_THE_ENDS = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]

_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).flatmap(
    lambda moment: _offsets.map(lambda tz: moment.replace(tzinfo=tz).isoformat())
)
_days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)

schemathesis.openapi.format("date-time", st.sampled_from(MOMENTS_AT_THE_ENDS) | _moments)
schemathesis.openapi.format("date", st.sampled_from(DAYS_AT_THE_ENDS) | _days)

#: Put in place of one generated value of a body or query, one field at a time.
HOSTILE_TEXT = ["\ud800", "\udfff", "a\x00b", "\x00"]
HOSTILE_NUMBERS = [2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**20]
_HOSTILE_STRINGS = HOSTILE_TEXT + MOMENTS_AT_THE_ENDS + DAYS_AT_THE_ENDS


def _hostile(value, *, text):
    if isinstance(value, int):  # booleans too: a number where true/false belongs
        return st.sampled_from(HOSTILE_NUMBERS)
    if isinstance(value, list):
        return st.sampled_from(text).map(lambda item: [item])
    return st.sampled_from(text)


def _one_field_hostile(values, *, text):
    """The generated values as they are, or with one field replaced by a hostile value."""
    if not isinstance(values, dict) or not values:
        return st.just(values)
    names = sorted(values)
    hostile = st.sampled_from(names).flatmap(
        lambda name: _hostile(values[name], text=text).map(lambda bad: {**values, name: bad})
    )
    return st.just(values) | hostile


@schemathesis.hook
def flatmap_body(context, body):
    return _one_field_hostile(body, text=_HOSTILE_STRINGS)


@schemathesis.hook
def flatmap_query(context, query):
    # A URL carries NUL as %00; a lone surrogate cannot be encoded into a URL at all.
    return _one_field_hostile(query, text=["a\x00b", *MOMENTS_AT_THE_ENDS, *DAYS_AT_THE_ENDS])
