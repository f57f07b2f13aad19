"""Invoice PDFs: what each shows (built from the database), rendered once and stored."""

import base64
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.core import clock
from app.core.db import Database
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service
from app.facturas import service as facturas_service
from app.facturas.models import Factura, FacturaEstado
from app.pdf import plantilla
from app.pdf.documento import ConsumoPeriodo, Empresa, FacturaDocumento, Linea
from app.pdf.renderer import PdfRenderer
from app.pdf.repository import FacturaPdfRepository
from app.tenancy import service as tenancy_service
from app.tenancy.models import Tenant
from app.trabajos import service as trabajos_service
from app.trabajos.models import Trabajo
from app.trabajos.service import JobQueue

HISTORY_PERIODS = 6

logger = logging.getLogger("app.pdf")


@dataclass(frozen=True, slots=True)
class PdfFactura:
    numero: int
    etag: str
    contenido: bytes


class Impreso(Protocol):
    """What of an invoice's state its PDF prints."""

    estado: str
    valor_en_reclamo: Decimal
    valor_acreditado: Decimal


def variante(factura: Impreso) -> str:
    """What a stored PDF must have been rendered from to be served for the invoice now: the
    template's version, whether it shows ANULADA, and what claims hold and have credited."""
    return variante_de(factura.estado, factura.valor_en_reclamo, factura.valor_acreditado)


def variante_de(estado: str, valor_en_reclamo: Decimal, valor_acreditado: Decimal) -> str:
    impreso = "anulada" if estado == FacturaEstado.anulada else "emitida"
    reclamos = (f"-r{valor_en_reclamo}" if valor_en_reclamo else "") + (
        f"-c{valor_acreditado}" if valor_acreditado else "")
    return f"{plantilla.VERSION}-{impreso}{reclamos}"


TIPO_PDFS = "pdfs"


def etag_of(contenido: bytes) -> str:
    return f'"{hashlib.sha256(contenido).hexdigest()[:32]}"'


async def descargar(session: AsyncSession, tenant_id: TenantId, factura_id: uuid.UUID,
                    renderer: PdfRenderer, *, only_cliente: uuid.UUID | None = None,
                    ) -> PdfFactura:
    """The invoice's PDF: the stored one when it is current, else rendered now and stored.
    `only_cliente`: a portal user's account; another account's invoice is not found."""
    found = await FacturaPdfRepository(session, tenant_id).for_download(factura_id)
    if found is None or (only_cliente is not None and found["cliente_id"] != only_cliente):
        raise facturas_service.not_found()
    if found["variante"] == variante_de(found["estado"], found["valor_en_reclamo"],
                                        found["valor_acreditado"]):
        return PdfFactura(found["numero"], found["etag"], bytes(found["contenido"]))
    factura = await facturas_service.get(session, tenant_id, factura_id)
    (row,) = await render_and_store(session, tenant_id, [factura], renderer)
    return PdfFactura(factura.numero, row["etag"], row["contenido"])


async def render_and_store(session: AsyncSession, tenant_id: TenantId,
                           facturas: Sequence[Factura], renderer: PdfRenderer,
                           ) -> list[dict[str, Any]]:
    documentos = await build_documents(session, tenant_id, facturas)
    pdfs = await renderer.render_many(documentos)
    now = clock.now()
    rows = [{"factura_id": factura.id, "variante": variante(factura),
             "etag": etag_of(pdf), "tamano_bytes": len(pdf), "contenido": pdf,
             "created_at": now}
            for factura, pdf in zip(facturas, pdfs, strict=True)]
    await FacturaPdfRepository(session, tenant_id).save(rows)
    return rows


async def store_after_void(database: Database, tenant_id: TenantId, factura_id: uuid.UUID,
                           renderer: PdfRenderer) -> None:
    """Renders a just-voided invoice's ANULADA version once the void has committed, so the
    next download is served from storage. On failure the next download renders it."""
    try:
        async with database.session(tenant_id) as session:
            factura = await facturas_service.get(session, tenant_id, factura_id)
            await render_and_store(session, tenant_id, [factura], renderer)
    except Exception:
        logger.exception("rendering the voided invoice %s of %s failed", factura_id, tenant_id)


async def pending(session: AsyncSession, tenant_id: TenantId,
                  facturas: Sequence[Factura]) -> list[Factura]:
    """Those of `facturas` whose stored PDF is missing or out of date."""
    stored = await FacturaPdfRepository(session, tenant_id).variantes(f.id for f in facturas)
    return [f for f in facturas if stored.get(f.id) != variante(f)]


def _empresa(tenant: Tenant) -> Empresa:
    logo = None
    if tenant.logo is not None and tenant.logo_media_type is not None:
        logo = f"data:{tenant.logo_media_type};base64,{base64.b64encode(tenant.logo).decode()}"
    return Empresa(nombre=tenant.nombre, nit=tenant.nit, direccion=tenant.direccion,
                   telefono=tenant.telefono, correo=tenant.correo, sitio_web=tenant.sitio_web,
                   gln=tenant.gln, color_primario=tenant.color_primario, logo_data_uri=logo)


async def build_documents(session: AsyncSession, tenant_id: TenantId,
                          facturas: Sequence[Factura]) -> list[FacturaDocumento]:
    """What each invoice's page shows, in a handful of queries for the whole batch."""
    tenant = await tenancy_service.get(session, tenant_id, with_logo=True)
    empresa, zona = _empresa(tenant), ZoneInfo(tenant.timezone)
    ids = [f.id for f in facturas]
    clientes = await clientes_service.get_many(session, tenant_id, {f.cliente_id for f in facturas})
    lineas = await facturas_service.lineas_de(session, tenant_id, ids)
    historial: dict[uuid.UUID, list[tuple[str, int, bool]]] = {}
    for periodo in {f.periodo for f in facturas}:
        historial |= await facturas_service.consumo_historial(
            session, tenant_id, [f.cliente_id for f in facturas if f.periodo == periodo],
            periodo, HISTORY_PERIODS)
    documentos = []
    for factura in facturas:
        cliente = clientes[factura.cliente_id]
        documentos.append(FacturaDocumento(
            empresa=empresa, numero=factura.numero, periodo=factura.periodo,
            fecha_expedicion=factura.fecha_expedicion,
            fecha_limite_pago=factura.fecha_limite_pago,
            fecha_suspension=factura.fecha_suspension,
            numero_cuenta=cliente.numero_cuenta, nombre=cliente.nombre,
            direccion=cliente.direccion, uso=cliente.uso, estrato=cliente.estrato,
            medidor_serial=cliente.medidor_serial,
            lectura_anterior=factura.lectura_anterior, lectura_actual=factura.lectura_actual,
            consumo_m3=factura.consumo_m3, consumo_estimado=factura.consumo_estimado,
            promedio_m3=factura.promedio_m3,
            lineas=tuple(Linea(servicio=x.servicio, concepto=x.concepto,
                               cantidad_m3=x.cantidad_m3, valor_unitario=x.valor_unitario,
                               factor=x.factor, valor=x.valor)
                         for x in lineas.get(factura.id, [])),
            historial=tuple(ConsumoPeriodo(periodo=p, m3=m3, estimado=e)
                            for p, m3, e in historial.get(factura.cliente_id, [])),
            saldo_anterior=factura.saldo_anterior, intereses_mora=factura.intereses_mora,
            total=factura.total, referencia_pago=factura.referencia_pago,
            valor_reclamado=factura.valor_en_reclamo,
            valor_acreditado=factura.valor_acreditado,
            anulada=factura.estado == FacturaEstado.anulada,
            anulada_motivo=factura.anulada_motivo,
            anulada_el=factura.anulada_at.astimezone(zona).date() if factura.anulada_at else None,
        ))
    return documentos


@dataclass(frozen=True, slots=True)
class RenderSummary:
    facturas: int
    rendered: int
    skipped: int


async def render_period(database: Database, tenant_id: TenantId, periodo: str,
                        renderer: PdfRenderer, *, batch_size: int = 200,
                        progress: Callable[[int, int], None] | None = None,
                        after_numero: int = 0, hasta_numero: int | None = None,
                        ) -> RenderSummary:
    """Renders and stores every invoice of a period (numbered after `after_numero` and up to
    `hasta_numero`: one part of it) whose stored PDF is missing or out of date. Each batch
    commits on its own, so a run that stops keeps what it rendered and the next run goes on
    from there."""
    async with database.session(tenant_id) as session:
        total = await facturas_service.count_periodo(session, tenant_id, periodo)
    done = rendered = 0
    last_numero = after_numero
    while True:
        async with database.session(tenant_id) as session:
            batch = await facturas_service.del_periodo(
                session, tenant_id, periodo, after_numero=last_numero, limit=batch_size,
                hasta_numero=hasta_numero)
            if not batch:
                break
            todo = await pending(session, tenant_id, batch)
            if todo:
                await render_and_store(session, tenant_id, todo, renderer)
        last_numero = batch[-1].numero
        done, rendered = done + len(batch), rendered + len(todo)
        if progress is not None:
            progress(done, total)
    return RenderSummary(facturas=done, rendered=rendered, skipped=done - rendered)


async def solicitar_pdfs(session: AsyncSession, tenant_id: TenantId, periodo: str,
                         queue: JobQueue, *, actor_id: uuid.UUID | None,
                         ) -> tuple[Trabajo, bool]:
    """Queues the rendering of the period's PDFs as a job (one per period at a time)."""
    await facturacion_service.get_periodo(session, tenant_id, periodo)  # 404 when missing
    return await trabajos_service.solicitar(
        session, tenant_id, tipo=TIPO_PDFS, parametros={"periodo": periodo}, queue=queue,
        clave=f"{TIPO_PDFS}:{periodo}", solicitado_por=actor_id)
