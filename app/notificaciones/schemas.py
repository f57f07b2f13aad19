import uuid
from datetime import datetime

from pydantic import Field

from app.core.schemas import OutputSchema


class EnvioRead(OutputSchema):
    id: uuid.UUID
    tipo: str
    destinatarios: list[str]
    asunto: str
    estado: str = Field(description="pendiente, enviado or fallido")
    intentos: int
    error: str | None
    created_at: datetime
    enviado_at: datetime | None
