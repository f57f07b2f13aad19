import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.schemas import InputSchema, IsoDate, Line, OutputSchema, PatchSchema
from app.lecturas.models import PERIODO_PATTERN

Periodo = Annotated[str, Field(pattern=PERIODO_PATTERN, examples=["2026-11"],
                               description="Billing period, YYYY-MM")]
Novedad = Annotated[Line, Field(max_length=200)]
Reading = Annotated[int, Field(ge=0, le=999_999_999)]


class LecturaCreate(InputSchema):
    cliente_id: uuid.UUID
    periodo: Periodo
    lectura_actual: Reading
    fecha_lectura: IsoDate
    novedad: Novedad | None = None
    lectura_anterior: Reading | None = Field(
        default=None, description="Only for an account's first reading (a new meter); "
                                  "otherwise it comes from the last recorded reading")


class LecturaUpdate(PatchSchema):
    NULLABLE = frozenset({"novedad"})

    lectura_actual: Reading | None = None
    fecha_lectura: IsoDate | None = None
    novedad: Novedad | None = None


class LecturaRead(OutputSchema):
    id: uuid.UUID
    cliente_id: uuid.UUID
    periodo: str
    fecha_lectura: IsoDate
    lectura_anterior: int | None
    lectura_actual: int
    consumo_m3: int | None
    rollover: bool
    novedad: str | None
    created_at: datetime


class CargaError(OutputSchema):
    fila: int = Field(description="Line of the file (the header is line 1)")
    campo: str
    error: str


class CargaResultado(OutputSchema):
    filas: int
    registradas: int
    periodos: list[str]
    sin_lectura_anterior: int
    rollovers: int


class LecturaFiltros(BaseModel):
    """The list's filters (an export job carries them)."""

    periodo: str | None = None
    cliente_id: uuid.UUID | None = None
