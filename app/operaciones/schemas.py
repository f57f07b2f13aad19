import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from app.core.incidents import Severidad, TipoIncidente
from app.core.schemas import OutputSchema


class AuditoriaRead(OutputSchema):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID
    actor_rol: str
    accion: str = Field(description="The call: its route's name (void_factura, record_pago…)")
    ruta: str = Field(description="Its method and path template")
    operacion: str = Field(description="crear, modificar, eliminar, or ejecutar (a call that "
                                       "changed rows with no single entity)")
    entidad: str | None = Field(description="The table of the entity changed")
    entidad_id: str | None
    request_id: str | None
    antes: dict[str, Any] | None = Field(description="The changed fields before")
    despues: dict[str, Any] | None = Field(description="The changed fields after")


class AuditoriaFiltros(BaseModel):
    """The audit list's filters (an export job carries them)."""

    actor_id: uuid.UUID | None = None
    entidad: str | None = None
    entidad_id: str | None = None
    accion: str | None = None
    desde: date | None = None
    hasta: date | None = None
    zona_horaria: str = Field(default="America/Bogota",
                              description="The tenant's: the days `desde` and `hasta` are its")


class IncidenteRead(OutputSchema):
    id: uuid.UUID
    tipo: TipoIncidente
    severidad: Severidad
    tenant_id: str | None = Field(description="The tenant it happened under, when one")
    request_id: str | None = Field(description="The request of its first occurrence")
    ultimo_request_id: str | None = Field(description="The request of its last occurrence")
    ruta: str | None = Field(description="The route template, or the job's tipo")
    error: str
    mensaje: str
    ocurrencias: int = Field(description="Occurrences within its window")
    primera_vez: datetime
    ultima_vez: datetime
    notificado_at: datetime | None
    resuelto_at: datetime | None
    resuelto_por: uuid.UUID | None
