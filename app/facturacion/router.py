from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.auth.dependencies import AdminPrincipal, StaffPrincipal
from app.core.dependencies import SessionDep, SettingsDep, TenantDep, TenantIdDep
from app.core.pagination import Page, PageParamsDep
from app.facturacion import service
from app.facturacion.schemas import PeriodoCreate, PeriodoRead
from app.lecturas.models import PERIODO_PATTERN
from app.trabajos.dependencies import JobQueueDep, aceptado
from app.trabajos.schemas import TrabajoRead

router = APIRouter(prefix="/api/periodos", tags=["facturación"])

PeriodoPath = Annotated[str, Path(pattern=PERIODO_PATTERN, examples=["2026-11"])]


@router.post("", response_model=PeriodoRead, status_code=status.HTTP_201_CREATED)
async def create_periodo(body: PeriodoCreate, _: AdminPrincipal, session: SessionDep,
                         tenant: TenantDep, settings: SettingsDep) -> PeriodoRead:
    return PeriodoRead.model_validate(await service.create_periodo(
        session, tenant.id, body, today=tenant.local_date(),
        max_days_ahead=settings.max_issue_days_ahead))


@router.get("", response_model=Page[PeriodoRead])
async def list_periodos(_: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
                        page: PageParamsDep) -> Page[PeriodoRead]:
    items, total = await service.list_periodos(session, tenant_id, page)
    return Page.of([PeriodoRead.model_validate(p) for p in items], total, page)


@router.get("/{periodo}", response_model=PeriodoRead)
async def get_periodo(periodo: PeriodoPath, _: StaffPrincipal, session: SessionDep,
                      tenant_id: TenantIdDep) -> PeriodoRead:
    return PeriodoRead.model_validate(await service.get_periodo(session, tenant_id, periodo))


@router.post("/{periodo}/facturar", response_model=TrabajoRead,
             status_code=status.HTTP_202_ACCEPTED,
             summary="Queue the billing run of every active account of the period",
             description="The run is a job (`Location` names it at /api/trabajos): its "
                         "result is the run's summary. While one is queued or running for the "
                         "period, asking again answers that one; a run that cannot start "
                         "(no such periodo, an earlier one unbilled, a tariff missing) is "
                         "refused at once. Running a billed period again bills nobody twice.")
async def bill_periodo(periodo: PeriodoPath, principal: AdminPrincipal, session: SessionDep,
                       tenant_id: TenantIdDep, queue: JobQueueDep,
                       response: Response) -> TrabajoRead:
    trabajo, _ = await service.solicitar_facturacion(session, tenant_id, periodo, queue,
                                                     actor_id=principal.user_id)
    return aceptado(trabajo, response)
