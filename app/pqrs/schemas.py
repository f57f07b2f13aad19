import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool

from app.core.schemas import (
    InputSchema,
    IsoDate,
    Line,
    Money,
    OutputSchema,
    PatchSchema,
    PositiveMoneyText,
    Text,
)
from app.pqrs.models import (
    Canal,
    Estado,
    GrupoCausal,
    MedioNotificacion,
    Resultado,
    Tipo,
    TipoRespuesta,
)

Texto = Annotated[Text, Field(min_length=1, max_length=10_000)]
CodigoCausal = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,10}$", examples=["F01"],
                                    description="A code of the tenant's catalogue of causes")]
Valor = PositiveMoneyText


class PqrCreate(InputSchema):
    tipo: Annotated[Tipo, Field(description="peticion, queja or reclamo (a recurso is filed "
                                            "with POST /api/pqrs/{id}/recurso)")]
    asunto: Annotated[Line, Field(min_length=3, max_length=200)]
    descripcion: Texto
    cliente_id: uuid.UUID | None = Field(
        default=None, description="Staff: the account it is about; a portal user's own account")
    canal: Canal | None = Field(default=None, description="Staff: how it arrived; web for "
                                                          "the portal")
    factura_id: uuid.UUID | None = Field(default=None, description="reclamo: the invoice")
    valor_reclamado: Valor | None = Field(default=None,
                                          description="reclamo: the disputed amount")
    causal: CodigoCausal | None = Field(default=None,
                                        description="Staff: the cause (it can be set later)")


class RecursoCreate(InputSchema):
    descripcion: Texto
    canal: Canal | None = None


class Asignacion(InputSchema):
    operador_id: uuid.UUID


class Nota(InputSchema):
    texto: Texto


class Respuesta(InputSchema):
    respuesta: Texto
    tipo_respuesta: TipoRespuesta
    causal: CodigoCausal | None = Field(
        default=None, description="The cause, unless the PQR was classified before")


class Clasificacion(InputSchema):
    causal: CodigoCausal


class Notificacion(InputSchema):
    medio: MedioNotificacion
    fecha: IsoDate = Field(description="When the customer was notified of the answer")


class CausalCreate(InputSchema):
    codigo: CodigoCausal
    grupo: GrupoCausal
    nombre: Annotated[Line, Field(min_length=3, max_length=200)]


class CausalUpdate(PatchSchema):
    nombre: Annotated[Line, Field(min_length=3, max_length=200)] | None = None
    activa: StrictBool | None = None


class CausalRead(OutputSchema):
    codigo: str
    grupo: GrupoCausal
    nombre: str
    activa: bool


class Cierre(InputSchema):
    resultado: Resultado | None = Field(
        default=None, description="reclamo on an invoice: favorable credits the amount "
                                  "granted, desfavorable releases the hold")
    valor_reconocido: Valor | None = Field(
        default=None, description="favorable: the amount granted (default: all disputed)")


class EventoRead(OutputSchema):
    orden: int
    accion: str
    estado_desde: Estado | None
    estado_hasta: Estado
    texto: str | None
    publico: bool
    actor_id: uuid.UUID | None
    created_at: datetime


class PqrRead(OutputSchema):
    id: uuid.UUID
    radicado: str
    cliente_id: uuid.UUID
    tipo: Tipo
    canal: Canal
    asunto: str
    descripcion: str
    estado: Estado
    factura_id: uuid.UUID | None
    valor_reclamado: Money | None
    factura_retencion_id: uuid.UUID | None = Field(
        description="reclamo: the invoice that holds the disputed amount while it is open "
                    "(the claimed one, or the later one its balance was carried into)")
    pqr_origen_id: uuid.UUID | None
    asignada_a: uuid.UUID | None
    radicada_at: datetime
    fecha_radicacion: date
    fecha_vencimiento: date
    respuesta: str | None
    respondida_at: datetime | None
    fecha_respuesta: date | None
    resultado: Resultado | None
    valor_reconocido: Money | None
    nota_credito_id: uuid.UUID | None = Field(description="favorable: the credit note")
    cerrada_at: datetime | None
    causal: str | None
    tipo_respuesta: TipoRespuesta | None
    dias_habiles_respuesta: int | None = Field(
        description="Business days from filing to the answer")
    notificacion_medio: MedioNotificacion | None
    fecha_notificacion: date | None
    dias_habiles_restantes: int = Field(
        description="Business days left to answer; negative when the deadline has passed")
    vencida: bool = Field(description="Unanswered past its deadline")
    silencio_positivo: bool = Field(
        description="No answer within the deadline: granted by silencio administrativo "
                    "positivo (Ley 142 art. 158)")


class PqrDetalle(PqrRead):
    eventos: list[EventoRead]


class ResumenPqrs(OutputSchema):
    desde: date
    hasta: date
    total: int
    por_estado: dict[Estado, int]
    por_tipo: dict[Tipo, int]
    respondidas: int
    respondidas_a_tiempo: int
    proporcion_a_tiempo: float | None = Field(
        description="Share of the answered PQRs answered within their deadline")


class PqrFiltros(BaseModel):
    """The list's filters (an export job carries them)."""

    today: date
    estado: Estado | None = None
    tipo: Tipo | None = None
    asignada_a: uuid.UUID | None = None
    cliente_id: uuid.UUID | None = None
    vencidas: bool = False
    vencen_en: int | None = None
