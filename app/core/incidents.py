"""What the core hands to whoever records incidents (app.operaciones): an occurrence, with a
message fit to store and mail (no SQL, no data, no secrets), and the sink that takes it."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.core import clock


class Severidad(StrEnum):
    critica = "critica"
    error = "error"
    aviso = "aviso"


class TipoIncidente(StrEnum):
    error_interno = "error_interno"  # an unhandled error: a 500
    base_de_datos = "base_de_datos"  # the database stopped answering: a 503
    trabajo_fallido = "trabajo_fallido"
    correo_fallido = "correo_fallido"


@dataclass(frozen=True)
class Ocurrencia:
    tipo: TipoIncidente
    severidad: Severidad
    error: str  # the exception's class, or what failed
    mensaje: str
    tenant_id: str | None = None
    request_id: str | None = None
    ruta: str | None = None  # a route template ("GET /api/facturas/{factura_id}"), a job tipo
    at: datetime = field(default_factory=clock.now)


def database_unavailable(error: BaseException, *, request_id: str | None,
                         ruta: str) -> Ocurrencia:
    return Ocurrencia(
        TipoIncidente.base_de_datos, Severidad.critica, type(error).__name__,
        "The database did not answer; requests are refused with 503 until it does.",
        request_id=request_id, ruta=ruta)


class IncidentSink(Protocol):
    def reportar(self, ocurrencia: Ocurrencia) -> None:
        """Takes the occurrence without waiting: recording and notifying happen after (a
        request's path)."""

    async def registrar(self, ocurrencia: Ocurrencia) -> None:
        """Records and notifies it before returning (a job, already off any request)."""
