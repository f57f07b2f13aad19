"""The PQR desk: filing with a radicado and a legal deadline, the workflow, the timeline."""

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.core import clock
from app.core.dates import add_months
from app.core.errors import Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.schemas import sent_changes
from app.core.sequences import take_next
from app.core.tenant import ResolvedTenant, TenantId
from app.facturas import service as facturas_service
from app.facturas.models import FacturaEstado
from app.pqrs import plazos
from app.pqrs.causales import CAUSALES_COMUNES
from app.pqrs.models import Canal, Estado, Pqr, PqrCausal, PqrEvento, Resultado, Tipo
from app.pqrs.repository import CausalRepository, PqrRepository
from app.pqrs.schemas import (
    CausalCreate,
    CausalUpdate,
    Cierre,
    Notificacion,
    PqrCreate,
    PqrFiltros,
    PqrRead,
    RecursoCreate,
    Respuesta,
)
from app.reportes import service as reportes_service
from app.trabajos import exportaciones
from app.users import service as users_service
from app.users.models import Role

PLAZO_RESPUESTA = 15  # business days to answer (Ley 142 art. 158)
PLAZO_RECURSO = 5  # business days to appeal a response
MESES_RECLAMO = 5  # an invoice may be claimed up to five months after issue (art. 154)
# Which action may move a PQR from which estado, and where to.
MOVES = {
    "asignada": ({Estado.radicada, Estado.en_tramite}, Estado.en_tramite),
    "respondida": ({Estado.en_tramite}, Estado.respondida),
    "cerrada": ({Estado.respondida}, Estado.cerrada),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user, with the account a portal user is bound to."""

    user_id: uuid.UUID
    cliente_id: uuid.UUID | None  # set for a portal user: only that account's PQRs

    @property
    def es_portal(self) -> bool:
        return self.cliente_id is not None


@dataclass(frozen=True, slots=True)
class Plazo:
    dias_habiles_restantes: int
    vencida: bool
    silencio_positivo: bool


def plazo(pqr: Pqr, today: date) -> Plazo:
    """Where a PQR stands against its deadline. Unanswered past it, or answered after it,
    the customer's request is granted (silencio administrativo positivo)."""
    answered = pqr.fecha_respuesta
    until = answered or today  # an answered PQR keeps the margin it was answered with
    return Plazo(dias_habiles_restantes=plazos.habiles_entre(until, pqr.fecha_vencimiento),
                 vencida=answered is None and today > pqr.fecha_vencimiento,
                 silencio_positivo=until > pqr.fecha_vencimiento)


def not_found() -> NotFound:
    return NotFound("No such PQR in this tenant.")


async def get(session: AsyncSession, tenant_id: TenantId, pqr_id: uuid.UUID, *,
              only_cliente: uuid.UUID | None = None, for_update: bool = False) -> Pqr:
    pqrs = PqrRepository(session, tenant_id)
    pqr = await (pqrs.get_for_update(pqr_id) if for_update else pqrs.get(pqr_id))
    if pqr is None or (only_cliente is not None and pqr.cliente_id != only_cliente):
        raise not_found()
    return pqr


async def eventos(session: AsyncSession, tenant_id: TenantId, pqr: Pqr, *,
                  solo_publicos: bool) -> Sequence[PqrEvento]:
    return await PqrRepository(session, tenant_id).eventos(pqr.id, solo_publicos=solo_publicos)


async def _radicar(session: AsyncSession, tenant: ResolvedTenant, pqr: Pqr,
                   actor: Actor) -> Pqr:
    """Numbers, dates and stores a new PQR with its first timeline event."""
    now = clock.now()
    filed_on = tenant.local_date(now)
    numero = await take_next(session, tenant.id, f"pqr-{filed_on.year}")
    pqr.radicado = f"PQR-{filed_on.year}-{numero:06d}"
    pqr.estado = Estado.radicada
    pqr.radicada_por, pqr.radicada_at, pqr.fecha_radicacion = actor.user_id, now, filed_on
    pqr.fecha_vencimiento = plazos.sumar_habiles(filed_on, PLAZO_RESPUESTA)
    pqrs = PqrRepository(session, tenant.id)
    await pqrs.add(pqr)
    await pqrs.add_evento(PqrEvento(pqr_id=pqr.id, accion="radicada", estado_desde=None,
                                    estado_hasta=Estado.radicada, texto=pqr.asunto,
                                    publico=True, actor_id=actor.user_id, created_at=now))
    return pqr


async def _hold_claim(session: AsyncSession, tenant: ResolvedTenant, cliente_id: uuid.UUID,
                      data: PqrCreate) -> uuid.UUID | None:
    """Checks what a reclamo names and holds its disputed amount on the invoice that is
    collecting it (the invoice itself, or the one its balance was carried into); returns
    that invoice."""
    if data.tipo != Tipo.reclamo:
        if data.factura_id is not None or data.valor_reclamado is not None:
            raise invalid_fields({"factura_id": "only a reclamo names an invoice and an "
                                                "amount"})
        return None
    if data.factura_id is None:
        if data.valor_reclamado is not None:
            raise invalid_fields({"factura_id": "a disputed amount needs the invoice"})
        return None
    factura = await facturas_service.get(session, tenant.id, data.factura_id,
                                         only_cliente=cliente_id)
    oldest = add_months(tenant.local_date(), -MESES_RECLAMO)
    if factura.fecha_expedicion < oldest:
        raise invalid_fields({"factura_id": f"issued on {factura.fecha_expedicion}: more than "
                                            f"{MESES_RECLAMO} months ago (Ley 142 art. 154)"})
    if data.valor_reclamado is None:
        raise invalid_fields({"valor_reclamado": "a reclamo on an invoice says how much of it "
                                                 "is disputed"})
    if data.valor_reclamado > factura.total:
        raise invalid_fields({"valor_reclamado": f"above the invoice's total {factura.total}"})
    if factura.estado == FacturaEstado.anulada:
        raise Conflict("The factura is voided: nothing is collected on it.")
    cobro = await facturas_service.payable_for_update(session, tenant.id, factura.id)
    if data.valor_reclamado > cobro.saldo:
        raise invalid_fields({"valor_reclamado": (
            f"above what is still to pay ({cobro.saldo}): what was paid or is held by another "
            f"claim cannot be held again")})
    cobro.valor_en_reclamo += data.valor_reclamado
    cobro.settle_estado()
    return cobro.id


async def file(session: AsyncSession, tenant: ResolvedTenant, data: PqrCreate,
               actor: Actor) -> Pqr:
    if data.tipo == Tipo.recurso:
        raise invalid_fields({"tipo": "a recurso is filed against a response: "
                                      "POST /api/pqrs/{id}/recurso"})
    cliente_id: uuid.UUID
    if actor.cliente_id is not None:  # a portal user files for its own account
        if data.cliente_id not in (None, actor.cliente_id):
            raise clientes_service.not_found()
        cliente_id, canal = actor.cliente_id, data.canal or Canal.web
    else:
        if data.cliente_id is None or data.canal is None:
            raise invalid_fields({field: "staff name the account and the channel" for field
                                  in ("cliente_id", "canal") if getattr(data, field) is None})
        cliente_id, canal = data.cliente_id, data.canal
    if data.causal is not None:
        if actor.es_portal:
            raise invalid_fields({"causal": "the utility classifies a PQR"})
        await _causal_activa(session, tenant.id, data.causal)
    await clientes_service.get(session, tenant.id, cliente_id)
    retencion = await _hold_claim(session, tenant, cliente_id, data)
    return await _radicar(session, tenant, Pqr(
        cliente_id=cliente_id, tipo=data.tipo, canal=canal, asunto=data.asunto,
        descripcion=data.descripcion, factura_id=data.factura_id,
        valor_reclamado=data.valor_reclamado, factura_retencion_id=retencion,
        causal=data.causal), actor)


async def file_recurso(session: AsyncSession, tenant: ResolvedTenant, pqr_id: uuid.UUID,
                       data: RecursoCreate, actor: Actor) -> Pqr:
    """A recurso de reposición against a response, within five business days of it."""
    original = await get(session, tenant.id, pqr_id, only_cliente=actor.cliente_id,
                         for_update=True)
    if original.tipo == Tipo.recurso:
        raise Conflict("A recurso is not appealed with another recurso here.")
    if original.fecha_respuesta is None:
        raise Conflict(f"The PQR is {original.estado}: a recurso is filed against a response.")
    limite = plazos.sumar_habiles(original.fecha_respuesta, PLAZO_RECURSO)
    if tenant.local_date() > limite:
        raise invalid_fields({"pqr": f"the response of {original.fecha_respuesta} could be "
                                     f"appealed until {limite} ({PLAZO_RECURSO} business days)"})
    recurso = await _radicar(session, tenant, Pqr(
        cliente_id=original.cliente_id, tipo=Tipo.recurso,
        canal=data.canal or (Canal.web if actor.es_portal else Canal.escrito),
        asunto=f"Recurso contra {original.radicado}", descripcion=data.descripcion,
        factura_id=original.factura_id, pqr_origen_id=original.id), actor)
    await PqrRepository(session, tenant.id).add_evento(PqrEvento(
        pqr_id=original.id, accion="recurso", estado_desde=original.estado,
        estado_hasta=original.estado, texto=recurso.radicado, publico=True,
        actor_id=actor.user_id, created_at=clock.now()))
    return recurso


async def _move(session: AsyncSession, tenant_id: TenantId, pqr: Pqr, accion: str,
                actor: Actor, texto: str | None) -> None:
    allowed, target = MOVES[accion]
    if pqr.estado not in allowed:
        raise Conflict(f"A PQR that is {pqr.estado} cannot be {accion} (it must be "
                       f"{' or '.join(sorted(allowed))}).")
    await PqrRepository(session, tenant_id).add_evento(PqrEvento(
        pqr_id=pqr.id, accion=accion, estado_desde=pqr.estado, estado_hasta=target,
        texto=texto, publico=True, actor_id=actor.user_id, created_at=clock.now()))
    pqr.estado = target


async def assign(session: AsyncSession, tenant_id: TenantId, pqr_id: uuid.UUID,
                 operador_id: uuid.UUID, actor: Actor) -> Pqr:
    pqr = await get(session, tenant_id, pqr_id, for_update=True)
    operador = await users_service.get(session, tenant_id, operador_id)
    if not operador.activo or operador.role not in (Role.operador, Role.admin):
        raise invalid_fields({"operador_id": "not an active operador or admin of the tenant"})
    await _move(session, tenant_id, pqr, "asignada", actor, None)
    pqr.asignada_a = operador.id
    await PqrRepository(session, tenant_id).flush()
    return pqr


async def add_note(session: AsyncSession, tenant_id: TenantId, pqr_id: uuid.UUID, texto: str,
                   actor: Actor) -> Pqr:
    pqr = await get(session, tenant_id, pqr_id, for_update=True)
    if pqr.estado == Estado.cerrada:
        raise Conflict("The PQR is closed.")
    await PqrRepository(session, tenant_id).add_evento(PqrEvento(
        pqr_id=pqr.id, accion="nota", estado_desde=pqr.estado, estado_hasta=pqr.estado,
        texto=texto, publico=False, actor_id=actor.user_id, created_at=clock.now()))
    return pqr


async def respond(session: AsyncSession, tenant: ResolvedTenant, pqr_id: uuid.UUID,
                  data: Respuesta, actor: Actor) -> Pqr:
    """Answers with the kind of decision; a PQR is answered classified (the regulator's
    report counts answers by cause)."""
    pqr = await get(session, tenant.id, pqr_id, for_update=True)
    if data.causal is not None:
        await _causal_activa(session, tenant.id, data.causal)
        pqr.causal = data.causal
    elif pqr.causal is None:
        raise invalid_fields({"causal": "the PQR has no causal yet: send it with the answer"})
    await _move(session, tenant.id, pqr, "respondida", actor, data.respuesta)
    now = clock.now()
    pqr.respuesta, pqr.respondida_at = data.respuesta, now
    pqr.tipo_respuesta = data.tipo_respuesta
    pqr.fecha_respuesta = tenant.local_date(now)
    pqr.dias_habiles_respuesta = plazos.habiles_entre(pqr.fecha_radicacion, pqr.fecha_respuesta)
    await PqrRepository(session, tenant.id).flush()
    return pqr


async def classify(session: AsyncSession, tenant_id: TenantId, pqr_id: uuid.UUID,
                   codigo: str, actor: Actor) -> Pqr:
    pqr = await get(session, tenant_id, pqr_id, for_update=True)
    if pqr.estado == Estado.cerrada:
        raise Conflict("The PQR is closed.")
    causal = await _causal_activa(session, tenant_id, codigo)
    await PqrRepository(session, tenant_id).add_evento(PqrEvento(
        pqr_id=pqr.id, accion="clasificada", estado_desde=pqr.estado, estado_hasta=pqr.estado,
        texto=f"{causal.codigo} {causal.nombre}", publico=False, actor_id=actor.user_id,
        created_at=clock.now()))
    pqr.causal = causal.codigo
    return pqr


async def record_notification(session: AsyncSession, tenant: ResolvedTenant,
                              pqr_id: uuid.UUID, data: Notificacion, actor: Actor) -> Pqr:
    """How and when the customer was notified of the answer (its recurso term runs from
    there in law; here it is recorded for the regulator's file)."""
    pqr = await get(session, tenant.id, pqr_id, for_update=True)
    if pqr.fecha_respuesta is None:
        raise Conflict(f"The PQR is {pqr.estado}: only an answer is notified.")
    if data.fecha < pqr.fecha_respuesta:
        raise invalid_fields({"fecha": f"before the answer of {pqr.fecha_respuesta}"})
    if data.fecha > tenant.local_date():
        raise invalid_fields({"fecha": "in the future"})
    await PqrRepository(session, tenant.id).add_evento(PqrEvento(
        pqr_id=pqr.id, accion="notificada", estado_desde=pqr.estado, estado_hasta=pqr.estado,
        texto=f"{data.medio} {data.fecha.isoformat()}", publico=True, actor_id=actor.user_id,
        created_at=clock.now()))
    pqr.notificacion_medio, pqr.fecha_notificacion = data.medio, data.fecha
    return pqr


async def _causal_activa(session: AsyncSession, tenant_id: TenantId,
                         codigo: str) -> PqrCausal:
    causal = await CausalRepository(session, tenant_id).get(codigo)
    if causal is None or not causal.activa:
        raise invalid_fields({"causal": f"{codigo} is not an active cause of the catalogue"})
    return causal


async def causales(session: AsyncSession, tenant_id: TenantId, *,
                   activas: bool | None = None) -> Sequence[PqrCausal]:
    return await CausalRepository(session, tenant_id).list(activas=activas)


async def seed_causales(session: AsyncSession, tenant_id: TenantId) -> None:
    """A new tenant's catalogue: the common causes."""
    await CausalRepository(session, tenant_id).add_all([
        PqrCausal(codigo=codigo, grupo=grupo, nombre=nombre, activa=True)
        for codigo, grupo, nombre in CAUSALES_COMUNES])


async def create_causal(session: AsyncSession, tenant_id: TenantId,
                        data: CausalCreate) -> PqrCausal:
    repository = CausalRepository(session, tenant_id)
    if await repository.get(data.codigo) is not None:
        raise Conflict(f"The catalogue has a cause {data.codigo} already.")
    causal = PqrCausal(codigo=data.codigo, grupo=data.grupo, nombre=data.nombre, activa=True)
    await repository.add_all([causal])
    return causal


async def update_causal(session: AsyncSession, tenant_id: TenantId, codigo: str,
                        data: CausalUpdate) -> PqrCausal:
    """A cause is renamed or turned off, never deleted: PQRs classified under it keep it."""
    repository = CausalRepository(session, tenant_id)
    causal = await repository.get(codigo)
    if causal is None:
        raise NotFound(f"No cause {codigo} in this tenant's catalogue.")
    for field, value in sent_changes(data).items():
        setattr(causal, field, value)
    await repository.flush()
    return causal


async def close(session: AsyncSession, tenant_id: TenantId, pqr_id: uuid.UUID, data: Cierre,
                actor: Actor) -> Pqr:
    """Closes a PQR. A claim on an invoice closes with its result: favorable credits the
    amount granted with a credit note, and either way the hold is released."""
    pqr = await get(session, tenant_id, pqr_id, for_update=True)
    retenido = pqr.valor_reclamado if pqr.factura_retencion_id is not None else None
    if retenido is not None and data.resultado is None:
        raise invalid_fields({"resultado": "a claim on an invoice closes favorable or "
                                           "desfavorable"})
    if retenido is None and (data.resultado is not None or data.valor_reconocido is not None):
        raise invalid_fields({"resultado": "only a claim on an invoice has a result"})
    reconocido: Decimal | None = None
    if data.resultado == Resultado.favorable:
        reconocido = data.valor_reconocido or retenido
        if retenido is not None and reconocido is not None and reconocido > retenido:
            raise invalid_fields({"valor_reconocido": f"above the disputed {retenido}"})
    elif data.valor_reconocido is not None:
        raise invalid_fields({"valor_reconocido": "only a favorable result grants an amount"})
    pqrs = PqrRepository(session, tenant_id)
    if retenido is not None and (recurso := await pqrs.recurso_abierto(pqr.id)):
        raise Conflict(f"The recurso {recurso} against it is open: the claim's hold stays "
                       "until it is decided (Ley 142 art. 155).")
    await _move(session, tenant_id, pqr, "cerrada", actor, data.resultado)
    if retenido is not None:
        pqr.nota_credito_id = await _release_hold(session, tenant_id, pqr, retenido,
                                                  reconocido, actor)
    pqr.resultado, pqr.valor_reconocido, pqr.cerrada_at = data.resultado, reconocido, clock.now()
    await pqrs.flush()
    return pqr


async def _release_hold(session: AsyncSession, tenant_id: TenantId, pqr: Pqr,
                        retenido: Decimal, reconocido: Decimal | None,
                        actor: Actor) -> uuid.UUID | None:
    """Gives back what the claim held; credits what was granted. What is neither paid nor
    credited is due again (a billing run since carries it into the next invoice)."""
    assert pqr.factura_retencion_id is not None
    cobro = await facturas_service.get_for_update(session, tenant_id, pqr.factura_retencion_id)
    cobro.valor_en_reclamo -= retenido
    nota_id = None
    if reconocido:
        cobro.valor_acreditado += reconocido
        await reportes_service.credito_aplicado(session, tenant_id, cobro.periodo, reconocido)
        nota = await facturas_service.emitir_nota_credito(
            session, tenant_id, cobro, reconocido, actor_id=actor.user_id,
            motivo=f"Reclamo {pqr.radicado} resuelto a favor del usuario")
        nota_id = nota.id
    cobro.settle_estado()
    return nota_id


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    today: date, estado: Estado | None = None, tipo: Tipo | None = None,
                    asignada_a: uuid.UUID | None = None, cliente_id: uuid.UUID | None = None,
                    vencidas: bool = False, vencen_en: int | None = None,
                    ) -> tuple[Sequence[Pqr], int]:
    vencen_hasta = plazos.sumar_habiles(today, vencen_en) if vencen_en is not None else None
    return await PqrRepository(session, tenant_id).list_page(
        params, today=today, estado=estado, tipo=tipo, asignada_a=asignada_a,
        cliente_id=cliente_id, vencidas=vencidas, vencen_hasta=vencen_hasta)


def to_read(pqr: Pqr, today: date) -> PqrRead:
    stored = {name: getattr(pqr, name) for name in PqrRead.model_fields if hasattr(pqr, name)}
    return PqrRead(**stored, **asdict(plazo(pqr, today)))


async def export(session: AsyncSession, tenant_id: TenantId, *, today: date,
                 vencen_en: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
    vencen_hasta = plazos.sumar_habiles(today, vencen_en) if vencen_en is not None else None
    async for pqr in PqrRepository(session, tenant_id).export(
            today=today, vencen_hasta=vencen_hasta, **filters):
        yield dict(to_read(pqr, today))


@dataclass(frozen=True, slots=True)
class Resumen:
    total: int
    por_estado: dict[Estado, int]
    por_tipo: dict[Tipo, int]
    respondidas: int
    respondidas_a_tiempo: int


async def summary(session: AsyncSession, tenant_id: TenantId, desde: date,
                  hasta: date) -> Resumen:
    if hasta < desde:
        raise invalid_fields({"hasta": "before desde"})
    por_estado = dict.fromkeys(Estado, 0)
    por_tipo = dict.fromkeys(Tipo, 0)
    total = respondidas = a_tiempo = 0
    for estado, tipo, count, answered, on_time in await PqrRepository(
            session, tenant_id).resumen(desde, hasta):
        por_estado[Estado(estado)] += count
        por_tipo[Tipo(tipo)] += count
        total, respondidas, a_tiempo = total + count, respondidas + answered, a_tiempo + on_time
    return Resumen(total=total, por_estado=por_estado, por_tipo=por_tipo,
                   respondidas=respondidas, respondidas_a_tiempo=int(a_tiempo))



async def count(session: AsyncSession, tenant_id: TenantId, *, today: date,
                vencen_en: int | None = None, **filters: Any) -> int:
    vencen_hasta = plazos.sumar_habiles(today, vencen_en) if vencen_en is not None else None
    return await PqrRepository(session, tenant_id).count(today=today, vencen_hasta=vencen_hasta,
                                                         **filters)


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "pqrs", PqrRead, PqrFiltros,
    rows=lambda session, tenant_id, f: export(session, tenant_id, **dict(f)),
    count=lambda session, tenant_id, f: count(session, tenant_id, **dict(f))))
