import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from app.auth.dependencies import AdminPrincipal, portal_budget
from app.core.dependencies import SessionDep, TenantIdDep
from app.facturacion.router import PeriodoPath
from app.facturas.dependencies import InvoiceReader, own_account
from app.pdf import service
from app.pdf.dependencies import RendererDep
from app.trabajos.dependencies import JobQueueDep, aceptado
from app.trabajos.schemas import TrabajoRead

router = APIRouter(prefix="/api", tags=["facturas"])


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match list."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


@router.get(
    "/facturas/{factura_id}/pdf", summary="The invoice as PDF (rendered once, then stored)",
    dependencies=[Depends(portal_budget("pdf"))],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 304: {"description": "Not modified"}},
)
async def factura_pdf(
    factura_id: uuid.UUID, principal: InvoiceReader, session: SessionDep,
    tenant_id: TenantIdDep, renderer: RendererDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    pdf = await service.descargar(session, tenant_id, factura_id, renderer,
                                  only_cliente=own_account(principal))
    # private: a portal user's invoice must not sit in a shared cache; no-cache: revalidate.
    headers = {"ETag": pdf.etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and _matches(if_none_match, pdf.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="factura-{pdf.numero}.pdf"'
    return Response(pdf.contenido, media_type="application/pdf", headers=headers)


@router.post("/periodos/{periodo}/pdfs", response_model=TrabajoRead,
             status_code=status.HTTP_202_ACCEPTED, tags=["facturación"],
             summary="Queue the rendering of the period's invoice PDFs",
             description="A job (`Location` names it at /api/trabajos) split in parts of "
                         "consecutive invoices that workers render in parallel; its progress "
                         "counts invoices. Invoices whose stored PDF is up to date are skipped, "
                         "so asking again after a change renders only what changed.")
async def render_periodo(periodo: PeriodoPath, principal: AdminPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep, queue: JobQueueDep,
                         response: Response) -> TrabajoRead:
    trabajo, _ = await service.solicitar_pdfs(session, tenant_id, periodo, queue,
                                              actor_id=principal.user_id)
    return aceptado(trabajo, response)
