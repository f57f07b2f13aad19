"""Schema base classes shared by every domain."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from app.core.errors import invalid_fields


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
