"""Argument types for :mod:`~erlen.ext.restful.reqparse` (Flask-RESTful's
``flask_restful.inputs``): each takes the raw value and returns the converted one, or raises
``ValueError`` with the message the client will see.

ISO 8601 dates, times and intervals are parsed by aniso8601 (``pip install "erlen[restful]"``).
"""

from __future__ import annotations

import re
import typing as t
from datetime import date as _date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

import aniso8601
from aniso8601.resolution import TimeResolution

__all__ = [
    "boolean",
    "date",
    "datetime_from_iso8601",
    "datetime_from_rfc822",
    "int_range",
    "iso8601interval",
    "natural",
    "positive",
    "regex",
    "url",
]

# scheme://[user[:password]@]host[:port][/path?query]; host is a domain name (labels of
# letters, digits and inner hyphens, then a top-level label), localhost, an IPv4 address or
# an IPv6 address (bracketed or not).
_URL = re.compile(
    r"""
    ^(?:http|ftp)s?://
    (?:[^:@/\s]+(?::[^:@/\s]*)?@)?
    (?:
        (?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|[a-z0-9-]{2,63}[a-z0-9])\.?
      | localhost
      | \d{1,3}(?:\.\d{1,3}){3}
      | \[?[a-f0-9]*:[a-f0-9:]+\]?
    )
    (?::\d+)?
    (?:/?|[/?]\S+)$
    """,
    re.IGNORECASE | re.VERBOSE,
)


def url(value: str) -> str:
    """Accept an ``http``, ``https``, ``ftp`` or ``ftps`` URL with a host.

    :raise ValueError: "<value> is not a valid URL", with a "Did you mean: http://<value>"
        hint when only the scheme is missing.
    """
    if _URL.search(value):
        return value
    message = f"{value} is not a valid URL"
    if _URL.search(f"http://{value}"):
        message += f". Did you mean: http://{value}"
    raise ValueError(message)


class regex:  # noqa: N801 - Flask-RESTful's name
    """Accept strings in which the regular expression ``pattern`` is found::

        parser.add_argument("code", type=inputs.regex(r"^[0-9]+$"))

    :raise re.error: ``pattern`` is not a valid regular expression.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self.re = re.compile(pattern, flags)

    def __call__(self, value: str) -> str:
        """Return ``value`` if it matches, else raise ``ValueError``."""
        if not self.re.search(value):
            raise ValueError(f'Value does not match pattern: "{self.pattern}"')
        return value

    def __deepcopy__(self, memo: dict[int, t.Any]) -> regex:
        return regex(self.pattern, self.flags)


def _to_utc(value: _date) -> datetime:
    """A UTC datetime: a date at midnight, a naive datetime taken as UTC, an aware one
    converted."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0, tzinfo=timezone.utc))
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _end_of_single(value: str, start: _date) -> _date:
    """The exclusive end of the span a single date or datetime stands for: the next day
    for a date, else one unit of the finest field written (hour, minute or second)."""
    if not isinstance(start, datetime):
        return start + timedelta(days=1)
    resolution = aniso8601.get_datetime_resolution(value)
    if resolution == TimeResolution.Hours:
        return start + timedelta(hours=1)
    if resolution == TimeResolution.Minutes:
        return start + timedelta(minutes=1)
    return start + timedelta(seconds=1)


def iso8601interval(value: str, argument: str = "argument") -> tuple[datetime, datetime]:
    """An ISO 8601 interval as two UTC datetimes ``(start, end)``, end exclusive.

    ``start/end`` and ``start/duration`` intervals are accepted, and a single date or
    datetime stands for the span of its finest unit: ``"2013-01-01"`` is that whole day,
    ``"2013-01-01T12"`` that hour. Dates start at midnight; times without an offset are UTC.

    :raise ValueError: "Invalid <argument>: <value>. <argument> must be a valid ISO8601
        date/time interval."
    """
    try:
        start: _date
        end: _date | None
        try:
            start, end = sorted(aniso8601.parse_interval(value))
        except ValueError:
            try:
                start, end = aniso8601.parse_datetime(value), None
            except ValueError:
                start, end = aniso8601.parse_date(value), None
        if end is None:
            end = _end_of_single(value, start)
        return _to_utc(start), _to_utc(end)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            f"Invalid {argument}: {value}. {argument} must be a valid ISO8601"
            " date/time interval."
        ) from None


def date(value: str) -> datetime:
    """A ``YYYY-mm-dd`` date, as a (naive) datetime at midnight.

    :raise ValueError: another format, or no such date.
    """
    return datetime.strptime(value, "%Y-%m-%d")


def _integer(value: t.Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value} is not a valid integer") from None


def natural(value: t.Any, argument: str = "argument") -> int:
    """An integer >= 0.

    :raise ValueError: not an integer, or negative.
    """
    number = _integer(value)
    if number < 0:
        raise ValueError(
            f"Invalid {argument}: {number}. {argument} must be a non-negative integer"
        )
    return number


def positive(value: t.Any, argument: str = "argument") -> int:
    """An integer >= 1.

    :raise ValueError: not an integer, or less than 1.
    """
    number = _integer(value)
    if number < 1:
        raise ValueError(f"Invalid {argument}: {number}. {argument} must be a positive integer")
    return number


class int_range:  # noqa: N801 - Flask-RESTful's name
    """An integer between ``low`` and ``high`` (both included)::

        parser.add_argument("per_page", type=inputs.int_range(1, 100))
    """

    def __init__(self, low: int, high: int, argument: str = "argument") -> None:
        self.low = low
        self.high = high
        self.argument = argument

    def __call__(self, value: t.Any) -> int:
        """The integer, or ``ValueError`` when it is not one or out of the range."""
        number = _integer(value)
        if not self.low <= number <= self.high:
            raise ValueError(
                f"Invalid {self.argument}: {number}. {self.argument} must be within the"
                f" range {self.low} - {self.high}"
            )
        return number


def boolean(value: t.Any) -> bool:
    """``"true"``/``"1"`` or ``"false"``/``"0"`` (any case) as a bool; a bool (from a JSON
    body) is returned as it is.

    :raise ValueError: empty, or another string.
    """
    if isinstance(value, bool):
        return value
    if not value:
        raise ValueError("boolean type must be non-null")
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"Invalid literal for boolean(): {value}")


def datetime_from_rfc822(datetime_str: str) -> datetime:
    """An RFC 822 date (``"Wed, 02 Oct 2002 08:00:00 EST"``) as a UTC datetime.

    :raise ValueError: not such a date.
    """
    return _to_utc(parsedate_to_datetime(datetime_str))


def datetime_from_iso8601(datetime_str: str) -> datetime:
    """An ISO 8601 datetime (``"2012-01-01T23:30:00+02:00"``), offset kept (naive when
    it has none).

    :raise ValueError: not such a datetime.
    """
    result: datetime = aniso8601.parse_datetime(datetime_str)
    return result
