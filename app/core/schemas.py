"""Schema base classes and the input types shared by every domain."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

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
_CENTURY_DATE = r"^20\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


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
                    WithJsonSchema({"type": "string", "format": "date",
                                    "pattern": _CENTURY_DATE})]


class InputSchema(BaseModel):
    """A request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _fixed(places: int) -> PlainSerializer:
    exponent = Decimal(1).scaleb(-places)
    return PlainSerializer(lambda value: str(Decimal(value).quantize(exponent)), return_type=str)


def _decimal_text(pattern: str, example: str, digits: int, places: int) -> tuple[Any, ...]:
    """The metadata of a decimal input written as a JSON string ("44979.40"): never a JSON
    number, which a parser turns into a float before anyone sees its centavos. `pattern` is
    the whole rule (range included), stated in the document and checked here alike."""
    written = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, Decimal):
            return value  # from Python callers (CLI, seed)
        if not isinstance(value, str) or not written.fullmatch(value):
            raise ValueError(f'must be a decimal written as a string with at most {places} '
                             f'decimals, like "{example}"')
        return value

    return (BeforeValidator(check), Field(max_digits=digits, decimal_places=places),
            WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]}))


MoneyText = Annotated[Decimal, *_decimal_text(
    r"^\d{1,12}(\.\d{1,2})?$", "1234.50", 14, 2)]
PositiveMoneyText = Annotated[Decimal, *_decimal_text(
    r"^([1-9]\d{0,11}(\.\d{1,2})?|0\.(0[1-9]|[1-9]\d?))$", "1234.50", 14, 2)]
PriceText = Annotated[Decimal, *_decimal_text(r"^\d{1,10}(\.\d{1,4})?$", "1322.9600", 14, 4)]
# A subsidy (< 0) or contribution (> 0) factor: strictly between -1 and 1.
FactorText = Annotated[Decimal, *_decimal_text(r"^-?0(\.\d{1,4})?$", "-0.2000", 6, 4)]
# Monthly interest rates: below 10 % a month, and residential ones at most 0.5 %.
RateText = Annotated[Decimal, *_decimal_text(r"^0(\.0\d{0,3})?$", "0.0200", 6, 4)]
ResidentialRateText = Annotated[Decimal, *_decimal_text(
    r"^0(\.0{1,2}|\.00[0-4]\d?|\.0050?)?$", "0.0050", 6, 4)]

# Money is a string with its centavos ("44979.40"), the same on every database.
Money = Annotated[Decimal, _fixed(2)]
UnitPriceOut = Annotated[Decimal, _fixed(4)]
FactorOut = Annotated[Decimal, _fixed(4)]


def _document_nulls(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Only the fields in NULLABLE take null; the others are optional, not nullable."""
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name, field in schema.get("properties", {}).items():
        if name in nullable or "anyOf" not in field:
            continue
        branches = [b for b in field.pop("anyOf") if b != {"type": "null"}]
        field.pop("default", None)
        if len(branches) == 1:
            field.update(branches[0])
        else:
            field["anyOf"] = branches


class PatchSchema(InputSchema):
    """A PATCH body: every field optional, and null accepted only by the fields in NULLABLE
    (it clears them); `sent_changes` enforces it and the JSON Schema says so."""

    model_config = ConfigDict(json_schema_extra=_document_nulls)
    NULLABLE: ClassVar[frozenset[str]] = frozenset()


def sent_changes(update: PatchSchema) -> dict[str, Any]:
    """The fields a PATCH body sent; an explicit null is refused unless the field may be null."""
    changes = update.model_dump(exclude_unset=True)
    if refused := sorted(k for k, v in changes.items()
                         if v is None and k not in update.NULLABLE):
        raise invalid_fields({field: "may not be null" for field in refused})
    return changes
