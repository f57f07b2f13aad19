import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.schemas import FactorOut, InputSchema, Money, OutputSchema, Text, UnitPriceOut
from app.facturas.models import Concepto, FacturaEstado


class LineaRead(OutputSchema):
    orden: int
    servicio: str | None
    concepto: Concepto
    cantidad_m3: int | None
    valor_unitario: UnitPriceOut | None
    factor: FactorOut | None
    valor: Money


class FacturaResumen(OutputSchema):
    id: uuid.UUID
    numero: int
    cliente_id: uuid.UUID
    periodo: str
    fecha_expedicion: date
    fecha_limite_pago: date
    fecha_suspension: date
    consumo_m3: int
    consumo_estimado: bool
    total: Money
    valor_pagado: Money
    valor_en_reclamo: Money = Field(
        description="Held by open claims: not collected until they are decided (Ley 142 "
                    "art. 155)")
    valor_acreditado: Money = Field(description="Credited by claims decided for the customer")
    saldo: Money = Field(description="Amount due on this invoice now, without what open "
                                     "claims hold")
    estado: FacturaEstado
    referencia_pago: str


class FacturaFiltros(BaseModel):
    """The list's filters (an export job carries them)."""

    today: date
    periodo: str | None = None
    estado: FacturaEstado | None = None
    cliente_id: uuid.UUID | None = None


class FacturaDetalle(FacturaResumen):
    numero_cuenta: str
    nombre: str
    lectura_anterior: int | None
    lectura_actual: int | None
    promedio_m3: int | None
    saldo_anterior: Money
    intereses_mora: Money
    valor_trasladado: Money
    trasladada_a_id: uuid.UUID | None
    anulada_motivo: str | None
    anulada_at: datetime | None
    lineas: list[LineaRead]


class Anulacion(InputSchema):
    motivo: Annotated[Text, Field(min_length=5, max_length=500)]


class NotaCreditoRead(OutputSchema):
    id: uuid.UUID
    numero: int
    factura_id: uuid.UUID
    valor: Money
    motivo: str
    created_at: datetime
