import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request

from app.auth.dependencies import AdminPrincipal
from app.core.dependencies import DatabaseDep, SessionDep, TenantDep
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.pagination import Page, PageParamsDep
from app.facturas import service
from app.facturas.dependencies import InvoiceReader, own_account
from app.facturas.models import FacturaEstado
from app.facturas.schemas import (
    Anulacion,
    FacturaDetalle,
    FacturaFiltros,
    FacturaResumen,
    NotaCreditoRead,
)
from app.lecturas.models import PERIODO_PATTERN
from app.pdf import service as pdf_service
from app.pdf.dependencies import RendererDep
from app.trabajos import exportaciones

router = APIRouter(prefix="/api", tags=["facturas"])


@router.get("/facturas", response_model=Page[FacturaResumen], responses=EXPORT_RESPONSES)
async def list_facturas(
    request: Request, principal: InvoiceReader, session: SessionDep, tenant: TenantDep,
    page: PageParamsDep,
    periodo: Annotated[str | None, Query(pattern=PERIODO_PATTERN)] = None,
    estado: FacturaEstado | None = None,
    cliente_id: uuid.UUID | None = None,
    vencidas: Annotated[bool, Query(description="Only invoices past their deadline")] = False,
    formato: FormatoQuery = "json",
) -> Any:
    if (own := own_account(principal)) is not None:
        cliente_id = own
    filters = FacturaFiltros(today=tenant.local_date(), periodo=periodo, cliente_id=cliente_id,
                             estado=FacturaEstado.vencida if vencidas else estado)
    if formato != "json":
        return await exportaciones.exportar(request, session, tenant.id, formato,
                                            service.EXPORTACION, filters,
                                            solicitado_por=principal.user_id)
    items, total = await service.list_page(session, tenant.id, page, **dict(filters))
    return Page.of(items, total, page)


@router.get("/facturas/{factura_id}", response_model=FacturaDetalle)
async def get_factura(factura_id: uuid.UUID, principal: InvoiceReader, session: SessionDep,
                      tenant: TenantDep) -> FacturaDetalle:
    return await service.detalle(session, tenant.id, factura_id,
                                 only_cliente=own_account(principal), today=tenant.local_date())


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
