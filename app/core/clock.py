"""The one place the service reads the time.

Every rule that depends on "now" (tenant-local dates, deadlines, overdue estados, token expiry,
timestamps, schedules) asks here; domains never call `datetime.now()` or `date.today()`. The
tests freeze this clock with time-machine, so each of them says which day it lives on.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_date(timezone: str, moment: datetime | None = None) -> date:
    """The date of `moment` (default: now) in `timezone`: business dates such as deadlines and
    filing days are the tenant's, not the server's."""
    return (moment or now()).astimezone(ZoneInfo(timezone)).date()


def timestamp() -> float:
    """Seconds since the epoch, for counters that keep time that way (rate limits, JWT)."""
    return now().timestamp()


def start_of_day(timezone: str, day: date) -> datetime:
    """The instant `day` begins in `timezone`, in UTC."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(timezone)).astimezone(UTC)
