"""Schema base classes and the input types shared by every domain."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from app.core.errors import invalid_fields

# Text typed by people: no NUL (PostgreSQL refuses it in text) and no other control character
# (bells, escape sequences) except, in long texts, newlines and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.search(value):
            raise ValueError(f"must not contain control characters{what}")
        return value
    return AfterValidator(check)


# The JSON Schema says the same, so clients (and generated tests) know it.
Line = Annotated[str, _refuse(_CONTROL, ""),
                 Field(json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*$"})]
Text = Annotated[str, _refuse(_CONTROL_BUT_LINES, " other than newlines and tabs"),
                 Field(json_schema_extra={"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"})]


def has_control_characters(value: str) -> bool:
    """For inputs no schema reads (form fields): the rule of `Line`."""
    return bool(_CONTROL.search(value))


# Business dates: written YYYY-MM-DD (never a number, which pydantic would read as a Unix
# time), within this century; each field's own bounds are its domain's rules.
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # from Python callers (CLI, seed)
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _in_century(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"must be between {MIN_DATE} and {MAX_DATE}")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_in_century),
                    Field(json_schema_extra={"format": "date"})]


class InputSchema(BaseModel):
    """A request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _fixed(places: int) -> PlainSerializer:
    exponent = Decimal(1).scaleb(-places)
    return PlainSerializer(lambda value: str(Decimal(value).quantize(exponent)), return_type=str)


# Money is a string with its centavos ("44979.40"), the same on every database.
Money = Annotated[Decimal, _fixed(2)]
UnitPriceOut = Annotated[Decimal, _fixed(4)]
FactorOut = Annotated[Decimal, _fixed(4)]


def sent_changes(update: InputSchema, *, nullable: frozenset[str] = frozenset()
                 ) -> dict[str, Any]:
    """The fields a PATCH body sent; an explicit null is refused unless the field may be null."""
    changes = update.model_dump(exclude_unset=True)
    if refused := sorted(k for k, v in changes.items() if v is None and k not in nullable):
        raise invalid_fields({field: "may not be null" for field in refused})
    return changes
