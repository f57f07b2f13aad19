import uuid

from fastapi import APIRouter

from app.clientes import service as clientes_service
from app.core.dependencies import SessionDep, TenantDep
from app.estado_cuenta import service
from app.estado_cuenta.schemas import EstadoCuenta
from app.facturas.dependencies import InvoiceReader, own_account

router = APIRouter(prefix="/api", tags=["clientes"])


@router.get("/clientes/{cliente_id}/estado-cuenta", response_model=EstadoCuenta,
            summary="Account statement: balance, invoices and payments")
async def estado_cuenta(cliente_id: uuid.UUID, principal: InvoiceReader, session: SessionDep,
                        tenant: TenantDep) -> EstadoCuenta:
    own = own_account(principal)
    if own is not None and own != cliente_id:
        raise clientes_service.not_found()
    return await service.de_cliente(session, tenant.id, cliente_id, today=tenant.local_date())
