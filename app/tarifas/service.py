"""Tariff versions, their subsidy/contribution factors, and the tenant's billing parameters."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.schemas import sent_changes
from app.core.sequences import lock_counter
from app.core.tenant import TenantId
from app.facturacion.calculo import TarifaVigente
from app.tarifas.models import Tarifa, TarifaFactor
from app.tarifas.repository import TarifaRepository
from app.tarifas.schemas import ParametrosUpdate, TarifaClose, TarifaCreate
from app.tenancy import service as tenancy_service
from app.tenancy.models import Tenant


def _describe(tarifa: Tarifa) -> str:
    hasta = tarifa.vigente_hasta.isoformat() if tarifa.vigente_hasta else "open-ended"
    return f"{tarifa.servicio} {tarifa.vigente_desde.isoformat()}–{hasta}"


async def _refuse_overlap(tarifas: TarifaRepository, servicio: str, desde: date,
                          hasta: date | None, exclude: Tarifa | None = None) -> None:
    # Versions of one service are created one at a time per tenant, so two requests cannot
    # both pass this check.
    await lock_counter(tarifas.session, tarifas.tenant_id, f"tarifas-{servicio}")
    if clash := await tarifas.overlapping(servicio, desde, hasta, exclude):
        raise Conflict(f"The validity overlaps the tariff {_describe(clash[0])}; close it "
                       f"first (PATCH vigente_hasta).")


async def create(session: AsyncSession, tenant_id: TenantId, data: TarifaCreate) -> Tarifa:
    tarifas = TarifaRepository(session, tenant_id)
    await _refuse_overlap(tarifas, data.servicio, data.vigente_desde, data.vigente_hasta)
    tarifa = Tarifa(
        id=uuid.uuid4(),
        servicio=data.servicio, vigente_desde=data.vigente_desde,
        vigente_hasta=data.vigente_hasta, cargo_fijo=data.cargo_fijo,
        precio_basico=data.precio_basico,
        precio_complementario=data.precio_complementario or data.precio_basico,
        precio_suntuario=data.precio_suntuario or data.precio_basico,
        factores=[TarifaFactor(tenant_id=tenant_id, uso=f.uso, estrato=f.estrato or 0,
                               factor=f.factor) for f in data.factores],
    )
    return await tarifas.add(tarifa)


async def get(session: AsyncSession, tenant_id: TenantId, tarifa_id: uuid.UUID) -> Tarifa:
    tarifa = await TarifaRepository(session, tenant_id).get(tarifa_id)
    if tarifa is None:
        raise NotFound("No such tarifa in this tenant.")
    return tarifa


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams,
                    servicio: str | None) -> tuple[Sequence[Tarifa], int]:
    return await TarifaRepository(session, tenant_id).list_page(params, servicio)


async def close(session: AsyncSession, tenant_id: TenantId, tarifa_id: uuid.UUID,
                data: TarifaClose) -> Tarifa:
    """A version's prices never change once created; only its end date may be set."""
    tarifa = await get(session, tenant_id, tarifa_id)
    if data.vigente_hasta < tarifa.vigente_desde:
        raise invalid_fields({"vigente_hasta": "is before vigente_desde"})
    tarifas = TarifaRepository(session, tenant_id)
    await _refuse_overlap(tarifas, tarifa.servicio, tarifa.vigente_desde, data.vigente_hasta,
                          exclude=tarifa)
    tarifa.vigente_hasta = data.vigente_hasta
    await tarifas.flush()
    return tarifa


async def vigentes(session: AsyncSession, tenant_id: TenantId,
                   day: date) -> dict[str, TarifaVigente]:
    """The version of each service valid on `day`, ready for the calculation."""
    return {
        t.servicio: TarifaVigente(
            servicio=t.servicio, cargo_fijo=t.cargo_fijo, precio_basico=t.precio_basico,
            precio_complementario=t.precio_complementario,
            precio_suntuario=t.precio_suntuario,
            factores={(f.uso, f.estrato): f.factor for f in t.factores},
        )
        for t in await TarifaRepository(session, tenant_id).valid_on(day)
    }


async def parametros(session: AsyncSession, tenant_id: TenantId) -> Tenant:
    return await tenancy_service.get(session, tenant_id)


async def update_parametros(session: AsyncSession, tenant_id: TenantId,
                            data: ParametrosUpdate) -> Tenant:
    tenant = await parametros(session, tenant_id)
    changes = sent_changes(data)
    no_residencial = changes.get("tasa_mora_no_residencial", tenant.tasa_mora_no_residencial)
    usura = changes.get("tasa_usura_mensual", tenant.tasa_usura_mensual)
    if no_residencial > usura:
        field = ("tasa_mora_no_residencial" if "tasa_mora_no_residencial" in changes
                 else "tasa_usura_mensual")
        raise invalid_fields({field: f"the non-residential rate {no_residencial} would exceed "
                                     f"the usury rate {usura} (Código de Comercio art. 884)"})
    for column, value in changes.items():
        setattr(tenant, column, value)
    await session.flush()
    return tenant
