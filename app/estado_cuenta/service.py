"""An account's statement: what it owes, what open claims hold, its invoices and payments."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.core.tenant import TenantId
from app.estado_cuenta.schemas import EstadoCuenta
from app.facturas import service as facturas_service
from app.facturas.schemas import FacturaResumen
from app.pagos import service as pagos_service
from app.pagos.schemas import PagoRead


async def de_cliente(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID, *,
                     today: date) -> EstadoCuenta:
    cliente = await clientes_service.get(session, tenant_id, cliente_id)
    facturas = await facturas_service.de_cliente(session, tenant_id, cliente_id)
    pagos = await pagos_service.of_facturas(session, tenant_id, [f.id for f in facturas])
    return EstadoCuenta(
        cliente_id=cliente.id, numero_cuenta=cliente.numero_cuenta, nombre=cliente.nombre,
        saldo=sum((f.saldo for f in facturas), Decimal("0.00")),
        en_reclamo=sum((f.valor_en_reclamo for f in facturas), Decimal("0.00")),
        facturas=[FacturaResumen.of(f, today) for f in facturas],
        pagos=[PagoRead.model_validate(p) for p in pagos],
    )
