"""Days and times as Viet Nam lives them: Asia/Ho_Chi_Minh, shown dd/mm/yyyy.

Times are stored in UTC (ISO 8601 with their offset in the API); "a day" in this domain is
a day in Viet Nam, and pages and reports show local dates and times.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"


def now() -> dt.datetime:
    """The current time in Viet Nam (timezone-aware)."""
    return dt.datetime.now(VIETNAM)


def today() -> dt.date:
    """Today in Viet Nam: the day a UTC instant falls on in Asia/Ho_Chi_Minh."""
    return now().date()


def parse(value: str | dt.date | dt.datetime) -> dt.date | dt.datetime:
    """A date (``YYYY-MM-DD``) or an aware datetime from ISO 8601 text ("Z" is UTC)."""
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    # A time without an offset is one the store wrote: UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local(value: dt.datetime) -> dt.datetime:
    """An aware (or UTC-naive) datetime in Viet Nam's time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM)


def show(value: str | dt.date | dt.datetime | None) -> str:
    """dd/mm/yyyy for a day; dd/mm/yyyy HH:MM in Viet Nam's time for an instant; "" for None.

    Text that is not ISO 8601 (a timeframe such as "Quý I/2020") is returned as it is.
    """
    if value is None or value == "":
        return ""
    try:
        parsed = parse(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(parsed, dt.datetime):
        return local(parsed).strftime(DATETIME_FORMAT)
    return parsed.strftime(DATE_FORMAT)


def show_date(value: str | dt.date | dt.datetime | None) -> str:
    """Only the day, dd/mm/yyyy, of a date or of an instant (its day in Viet Nam)."""
    if value is None or value == "":
        return ""
    try:
        parsed = parse(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(parsed, dt.datetime):
        parsed = local(parsed).date()
    return parsed.strftime(DATE_FORMAT)
