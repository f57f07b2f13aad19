"""Figures as Colombian readers write them (the invoice PDF, the daily report)."""

from datetime import date
from decimal import Decimal


def pesos(value: Decimal) -> str:
    """Colombian notation: `$ 44.979,40`."""
    sign = "-" if value < 0 else ""
    grouped = f"{abs(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{sign}$ {grouped}"


def miles(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def fecha(value: date) -> str:
    return value.strftime("%d/%m/%Y")
