from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select

from app.clientes.models import Cliente, ClienteEstado
from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.facturacion.models import Periodo
from app.facturas.models import Factura


class PeriodoRepository(TenantRepository[Periodo]):
    model = Periodo

    async def by_periodo(self, periodo: str) -> Periodo | None:
        return await self.session.scalar(self.select().where(Periodo.periodo == periodo))

    async def list_page(self, params: PageParams) -> tuple[Sequence[Periodo], int]:
        return await self.page(self.select().order_by(Periodo.periodo.desc()), params)

    def _to_bill(self, periodo: str) -> ColumnElement[bool]:
        """Active accounts of the tenant with no invoice for the period yet."""
        billed = select(Factura.cliente_id).where(
            Factura.tenant_id == self.tenant_id, Factura.periodo == periodo)
        return and_(Cliente.tenant_id == self.tenant_id, Cliente.estado == ClienteEstado.activo,
                    Cliente.id.not_in(billed))

    async def services_to_bill(self, periodo: str) -> dict[str, int]:
        """How many accounts still to bill take each service."""
        row = (await self.session.execute(
            select(func.count(Cliente.id).filter(Cliente.servicio_acueducto),
                   func.count(Cliente.id).filter(Cliente.servicio_alcantarillado))
            .where(self._to_bill(periodo)))).one()
        return {"acueducto": row[0], "alcantarillado": row[1]}

    async def clientes_to_bill(self, periodo: str) -> Sequence[Cliente]:
        return (await self.session.scalars(
            select(Cliente).where(self._to_bill(periodo)).order_by(Cliente.numero_cuenta))).all()

    async def first_unbilled_before(self, periodo: str) -> str | None:
        return await self.session.scalar(
            select(func.min(Periodo.periodo)).where(
                Periodo.tenant_id == self.tenant_id, Periodo.periodo < periodo,
                Periodo.facturado_at.is_(None)))

    async def count_billed(self, periodo: str) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Factura).where(
                Factura.tenant_id == self.tenant_id, Factura.periodo == periodo)) or 0
