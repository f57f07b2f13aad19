import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from app.core.dependencies import SessionDep, TenantIdDep
from app.facturas.dependencies import InvoiceReader, own_account
from app.pdf import service
from app.pdf.dependencies import RendererDep

router = APIRouter(prefix="/api", tags=["facturas"])


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match list."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


@router.get(
    "/facturas/{factura_id}/pdf", summary="The invoice as PDF (rendered once, then stored)",
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
