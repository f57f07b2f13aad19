"""Calendar arithmetic the domains share."""

from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or that month's last day when it has none."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
