import uuid
from datetime import date, datetime
from typing import Self

from pydantic import Field, model_validator

from app.core.schemas import InputSchema, IsoDate, Money, OutputSchema
from app.lecturas.schemas import Periodo


class PeriodoCreate(InputSchema):
    periodo: Periodo
    fecha_expedicion: IsoDate
    fecha_limite_pago: IsoDate
    fecha_suspension: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.fecha_limite_pago < self.fecha_expedicion:
            raise ValueError("fecha_limite_pago is before fecha_expedicion")
        if self.fecha_suspension <= self.fecha_limite_pago:
            raise ValueError("fecha_suspension must come after fecha_limite_pago")
        return self


class PeriodoRead(OutputSchema):
    id: uuid.UUID
    periodo: str
    fecha_expedicion: date
    fecha_limite_pago: date
    fecha_suspension: date
    facturado_at: datetime | None = Field(description="When it was billed (None: not yet)")


class CuentaOmitida(OutputSchema):
    numero_cuenta: str
    motivo: str


class ResumenFacturacion(OutputSchema):
    periodo: str
    facturas_emitidas: int
    total_facturado: Money
    lecturas_estimadas: int
    ya_facturadas: int
    omitidas: list[CuentaOmitida]
    numero_desde: int | None
    numero_hasta: int | None
