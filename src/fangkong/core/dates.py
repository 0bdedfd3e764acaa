"""Dates people type (query parameters, bodies, forms): one plausible range for all of them.

Python's dates run from year 1 to 9999, so "the day after 9999-12-31" or "a week before 0001-01-01" is an
OverflowError deep inside a selector: a 500 for what is only a typo. Every date that comes in is held to
EARLIEST..LATEST first (birth dates of living people, and plans a few decades ahead), and is refused with
a reason when outside.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2099, 12, 31)


def out_of_range(day: dt.date) -> str | None:
    """The reason a date is refused, or None when it lies in EARLIEST..LATEST."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if EARLIEST <= day <= LATEST:
        return None
    return _("the date must lie between %(first)s and %(last)s") % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}


def plausible(day):
    """A pydantic after-validator: the date (or date and time) itself, or ValueError naming the range."""
    reason = out_of_range(day)
    if reason:
        raise ValueError(reason)
    return day


def parse_day(raw: str) -> dt.date:
    """YYYY-MM-DD within the range; ValueError otherwise (the caller shows its own message)."""
    return plausible(dt.date.fromisoformat(raw))


def parse_month(raw: str) -> dt.date:
    """YYYY-MM within the range, as its first day; ValueError otherwise."""
    if len(raw) != 7:
        raise ValueError(raw)
    return parse_day(raw + "-01")


def _check_range(value) -> None:
    reason = out_of_range(value) if value is not None else None
    if reason:
        raise ValidationError(reason, code="date_range")


class DayField(forms.DateField):
    """A form's date, held to EARLIEST..LATEST."""

    default_validators = [_check_range]


class MomentField(forms.DateTimeField):
    """A form's date and time, held to EARLIEST..LATEST."""

    default_validators = [_check_range]


