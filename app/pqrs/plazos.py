"""Business days under Colombian law: Monday to Friday except national holidays (the
`holidays` package knows the fixed ones, the Ley Emiliani Mondays and Holy Week)."""

from datetime import date, timedelta
from functools import lru_cache

import holidays

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _festivos(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CO", years=year))


def es_habil(day: date) -> bool:
    return day.weekday() < 5 and day not in _festivos(day.year)


def sumar_habiles(desde: date, dias: int) -> date:
    """The `dias`-th business day after `desde` (counting starts the next day)."""
    day = desde
    while dias > 0:
        day += ONE_DAY
        if es_habil(day):
            dias -= 1
    return day


def habiles_entre(desde: date, hasta: date) -> int:
    """Business days in (desde, hasta]; negative when `hasta` is before `desde`."""
    if hasta < desde:
        return -habiles_entre(hasta, desde)
    count, day = 0, desde
    while day < hasta:
        day += ONE_DAY
        count += es_habil(day)
    return count
