import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.schemas import (
    InputSchema,
    IsoDate,
    Line,
    Money,
    OutputSchema,
    PositiveMoneyText,
    Text,
)
from app.pagos.models import Canal, PagoEstado


class PagoCreate(InputSchema):
    factura_id: uuid.UUID
    valor: PositiveMoneyText
    fecha: IsoDate
    canal: Canal
    referencia: Annotated[Line, Field(max_length=100)] | None = None


class Reversion(InputSchema):
    motivo: Annotated[Text, Field(min_length=5, max_length=500)]


class PagoRead(OutputSchema):
    id: uuid.UUID
    factura_id: uuid.UUID
    valor: Money
    fecha: IsoDate
    canal: Canal
    referencia: str | None
    estado: PagoEstado
    reversado_motivo: str | None
    reversado_at: datetime | None
    created_at: datetime


class CargaPagos(OutputSchema):
    filas: int
    registrados: int = Field(description="Payments recorded now")
    repetidos: int = Field(description="Rows already recorded by an earlier load of the same "
                                       "file: not recorded again")
    valor_registrado: Money


class PagoFiltros(BaseModel):
    """The list's filters (an export job carries them)."""

    factura_id: uuid.UUID | None = None
    desde: date | None = None
    hasta: date | None = None
    canal: Canal | None = None
    estado: PagoEstado | None = None
