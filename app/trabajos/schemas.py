import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import OutputSchema
from app.trabajos.models import TrabajoEstado


class TrabajoRead(OutputSchema):
    id: uuid.UUID
    tipo: str
    estado: TrabajoEstado
    clave: str | None = Field(
        description="Work that runs once at a time (e.g. facturacion:2026-10)")
    parametros: dict[str, Any]
    hechos: int = Field(description="Progress: units done (invoices, PDFs) of `total`")
    total: int | None
    paso: str | None = Field(description="What the job is doing now")
    resultado: dict[str, Any] | None
    error: dict[str, Any] | None = Field(description="A problem detail when it failed")
    intentos: int
    solicitado_por: uuid.UUID | None
    created_at: datetime = Field(description="When it was queued")
    iniciado_at: datetime | None
    terminado_at: datetime | None
