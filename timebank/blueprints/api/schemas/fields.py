"""The API's field types: marshmallow's, with hostile input refused at the field (SPEC 3.7).

Every API schema takes its fields from here (`from . import fields`), never from
marshmallow directly (tests/test_hostile_input.py checks it:
`test_every_api_schema_uses_the_project_field_types`), so a string with NUL or a lone
surrogate, a date at the ends of the calendar and an integer beyond the database's
columns get a 422 at that field, for every field at once, instead of a 500 further in.
"""

from marshmallow import ValidationError, fields
from marshmallow.fields import Boolean, Dict, Float, Function, List, Nested, Time

from ....core.validation import (
    DAY_OUT_OF_RANGE,
    FIRST_DAY,
    FORBIDDEN_TEXT,
    INT_MAX,
    INT_MIN,
    INT_OUT_OF_RANGE,
    LAST_DAY,
    day_in_range,
    has_forbidden_text,
)

__all__ = [
    "AwareDateTime",
    "Boolean",
    "Date",
    "Dict",
    "Float",
    "Function",
    "Integer",
    "List",
    "Nested",
    "String",
    "Time",
]


class String(fields.String):
    """Text without NUL or lone surrogates (PostgreSQL and UTF-8 cannot hold them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_forbidden_text(text):
            raise ValidationError(str(FORBIDDEN_TEXT))
        return text


class Integer(fields.Integer):
    """An integer that fits the database's integer columns (documented as its bounds)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata = {"minimum": INT_MIN, "maximum": INT_MAX, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT_MIN <= number <= INT_MAX:
            raise ValidationError(str(INT_OUT_OF_RANGE))
        return number


class AwareDateTime(fields.AwareDateTime):
    """A date and time with its offset, inside the app's calendar (FIRST_DAY–LAST_DAY).

    The bound is checked on the value's own wall-clock date, before any conversion to UTC
    (which overflows at the calendar's ends).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata = {
            "description": f"ISO 8601 with offset, {FIRST_DAY} to {LAST_DAY}",
            **self.metadata,
        }

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not day_in_range(moment):
            raise ValidationError(str(DAY_OUT_OF_RANGE))
        return moment


class Date(fields.Date):
    """A calendar date inside the app's calendar (FIRST_DAY–LAST_DAY)."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not day_in_range(day):
            raise ValidationError(str(DAY_OUT_OF_RANGE))
        return day
