"""An account's statement: what it owes, what open claims hold, its invoices and payments."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.core.tenant import TenantId
from app.estado_cuenta.schemas import EstadoCuenta
from app.facturas import service as facturas_service
from app.pagos import service as pagos_service


async def de_cliente(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID, *,
                     today: date) -> EstadoCuenta:
    cliente = await clientes_service.titular(session, tenant_id, cliente_id)
    facturas = await facturas_service.de_cliente(session, tenant_id, cliente_id, today=today)
    pagos = await pagos_service.de_cliente(session, tenant_id, cliente_id)
    return EstadoCuenta(
        cliente_id=cliente["id"], numero_cuenta=cliente["numero_cuenta"],
        nombre=cliente["nombre"],
        saldo=sum((f.saldo for f in facturas), Decimal("0.00")),
        en_reclamo=sum((f.valor_en_reclamo for f in facturas), Decimal("0.00")),
        facturas=facturas, pagos=pagos,
    )
