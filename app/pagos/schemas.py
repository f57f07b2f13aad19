import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.core.schemas import InputSchema, Money, OutputSchema
from app.pagos.models import Canal, PagoEstado


class PagoCreate(InputSchema):
    factura_id: uuid.UUID
    valor: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    fecha: date
    canal: Canal
    referencia: Annotated[str, Field(max_length=100)] | None = None


class Reversion(InputSchema):
    motivo: Annotated[str, Field(min_length=5, max_length=500)]


class PagoRead(OutputSchema):
    id: uuid.UUID
    factura_id: uuid.UUID
    valor: Money
    fecha: date
    canal: Canal
    referencia: str | None
    estado: PagoEstado
    reversado_motivo: str | None
    reversado_at: datetime | None
    created_at: datetime
