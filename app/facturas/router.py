import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import Field

from app.auth.dependencies import AdminPrincipal
from app.clientes import service as clientes_service
from app.core.dependencies import DatabaseDep, SessionDep, TenantDep
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import Money, OutputSchema
from app.facturas import service
from app.facturas.dependencies import InvoiceReader, own_account
from app.facturas.models import Factura, FacturaEstado
from app.facturas.schemas import (
    Anulacion,
    FacturaDetalle,
    FacturaResumen,
    LineaRead,
    NotaCreditoRead,
)
from app.lecturas.models import PERIODO_PATTERN
from app.pagos import service as pagos_service
from app.pagos.schemas import PagoRead
from app.pdf import service as pdf_service
from app.pdf.dependencies import RendererDep

router = APIRouter(prefix="/api", tags=["facturas"])

def resumen(factura: Factura, today: date) -> FacturaResumen:
    return FacturaResumen.model_validate(factura).model_copy(
        update={"estado": service.estado_visible(factura, today)})


@router.get("/facturas", response_model=Page[FacturaResumen])
async def list_facturas(
    principal: InvoiceReader, session: SessionDep, tenant: TenantDep, page: PageParamsDep,
    periodo: Annotated[str | None, Query(pattern=PERIODO_PATTERN)] = None,
    estado: FacturaEstado | None = None,
    cliente_id: uuid.UUID | None = None,
    vencidas: Annotated[bool, Query(description="Only invoices past their deadline")] = False,
) -> Page[FacturaResumen]:
    today = tenant.local_date()
    if (own := own_account(principal)) is not None:
        cliente_id = own
    items, total = await service.list_page(
        session, tenant.id, page, today=today, periodo=periodo, cliente_id=cliente_id,
        estado=FacturaEstado.vencida if vencidas else estado)
    return Page.of([resumen(f, today) for f in items], total, page)


@router.get("/facturas/{factura_id}", response_model=FacturaDetalle)
async def get_factura(factura_id: uuid.UUID, principal: InvoiceReader, session: SessionDep,
                      tenant: TenantDep) -> FacturaDetalle:
    factura = await service.get(session, tenant.id, factura_id,
                                only_cliente=own_account(principal))
    cliente = await clientes_service.get(session, tenant.id, factura.cliente_id)
    base = resumen(factura, tenant.local_date()).model_dump()
    return FacturaDetalle(
        **base, numero_cuenta=cliente.numero_cuenta, nombre=cliente.nombre,
        lectura_anterior=factura.lectura_anterior, lectura_actual=factura.lectura_actual,
        promedio_m3=factura.promedio_m3, saldo_anterior=factura.saldo_anterior,
        intereses_mora=factura.intereses_mora, valor_trasladado=factura.valor_trasladado,
        trasladada_a_id=factura.trasladada_a_id, anulada_motivo=factura.anulada_motivo,
        anulada_at=factura.anulada_at,
        lineas=[LineaRead.model_validate(linea) for linea in factura.lineas],
    )


@router.post("/facturas/{factura_id}/anular", response_model=NotaCreditoRead | None,
             summary="Void an invoice: a credit note for its total, the invoice unchanged")
async def void_factura(factura_id: uuid.UUID, body: Anulacion, principal: AdminPrincipal,
                       session: SessionDep, tenant: TenantDep, database: DatabaseDep,
                       renderer: RendererDep, background: BackgroundTasks,
                       ) -> NotaCreditoRead | None:
    nota = await service.anular(session, tenant.id, factura_id, motivo=body.motivo,
                                actor_id=principal.user_id)
    # After the void commits, not inside it: a PDF failure must not undo a void.
    background.add_task(pdf_service.store_after_void, database, tenant.id, factura_id, renderer)
    return NotaCreditoRead.model_validate(nota) if nota else None


class EstadoCuenta(OutputSchema):
    cliente_id: uuid.UUID
    numero_cuenta: str
    nombre: str
    saldo: Money
    en_reclamo: Money = Field(description="Held by open claims, not part of the saldo")
    facturas: list[FacturaResumen]
    pagos: list[PagoRead]


@router.get("/clientes/{cliente_id}/estado-cuenta", response_model=EstadoCuenta,
            tags=["clientes"], summary="Account statement: balance, invoices and payments")
async def estado_cuenta(cliente_id: uuid.UUID, principal: InvoiceReader, session: SessionDep,
                        tenant: TenantDep) -> EstadoCuenta:
    own = own_account(principal)
    if own is not None and own != cliente_id:
        raise clientes_service.not_found()
    cliente = await clientes_service.get(session, tenant.id, cliente_id)
    facturas = await service.de_cliente(session, tenant.id, cliente_id)
    pagos = await pagos_service.of_facturas(session, tenant.id, [f.id for f in facturas])
    today = tenant.local_date()
    return EstadoCuenta(
        cliente_id=cliente.id, numero_cuenta=cliente.numero_cuenta, nombre=cliente.nombre,
        saldo=sum((f.saldo for f in facturas), Decimal("0.00")),
        en_reclamo=sum((f.valor_en_reclamo for f in facturas), Decimal("0.00")),
        facturas=[resumen(f, today) for f in facturas],
        pagos=[PagoRead.model_validate(p) for p in pagos],
    )
