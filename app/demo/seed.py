"""The demo: a utility with staff, a portal user and about fifty accounts to try the API on."""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.clientes.models import Uso
from app.clientes.schemas import ClienteCreate
from app.core import clock
from app.core.dates import add_months
from app.core.db import Database
from app.core.tenant import TenantId, switch_tenant
from app.facturacion import service as facturacion_service
from app.facturacion.schemas import PeriodoCreate
from app.facturas import service as facturas_service
from app.lecturas import service as lecturas_service
from app.lecturas.schemas import LecturaCreate
from app.pagos import service as pagos_service
from app.pagos.models import Canal
from app.pagos.schemas import PagoCreate
from app.reportes import diario
from app.reportes.schemas import DiarioConfigUpdate
from app.tarifas import service as tarifas_service
from app.tarifas.schemas import FactorIn, ParametrosUpdate, TarifaCreate
from app.tenancy import service as tenancy_service
from app.tenancy.constants import PUBLIC_TENANT
from app.tenancy.models import DEFAULT_TIMEZONE
from app.tenancy.schemas import MarcaUpdate, TenantCreate
from app.users import service as users_service
from app.users.models import Role
from app.users.schemas import UserCreate

DEMO_TENANT = TenantId("acueducto-demo")
DEMO_CLIENTES = 50
PORTAL_ACCOUNT = "100001"


@dataclass(frozen=True)
class DemoLogin:
    tenant: str
    email: str
    password: str
    role: Role


DEMO_LOGINS = (
    DemoLogin(PUBLIC_TENANT, "superadmin@cunservicios.co", "demo-superadmin-2026", Role.superadmin),
    DemoLogin(DEMO_TENANT, "admin@acueducto-demo.co", "demo-admin-2026", Role.admin),
    DemoLogin(DEMO_TENANT, "operador@acueducto-demo.co", "demo-operador-2026", Role.operador),
    DemoLogin(DEMO_TENANT, "cliente@acueducto-demo.co", "demo-cliente-2026", Role.cliente),
)

_NOMBRES = ("María", "José", "Luz", "Carlos", "Ana", "Jorge", "Gloria", "Luis", "Sandra",
            "Andrés", "Martha", "Diego", "Claudia", "Juan", "Paola")
_APELLIDOS = ("Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández",
              "Díaz", "Pérez", "Ramírez", "Torres", "Rojas", "Moreno", "Vargas", "Castro")
_NEGOCIOS = ("Panadería La Espiga", "Droguería San Jorge", "Restaurante El Fogón",
             "Lavandería Express", "Hotel Plaza", "Taller El Pistón", "Lácteos del Valle")


def demo_clientes(count: int = DEMO_CLIENTES) -> list[ClienteCreate]:
    """Deterministic accounts: mostly residential across estratos 1–6, some other usos."""
    rng = random.Random(142)  # noqa: S311 - demo data, not secrets
    clientes = []
    for n in range(count):
        numero = f"{100001 + n}"
        if n % 10 == 7:
            uso, estrato = Uso.comercial, None
            nombre = rng.choice(_NEGOCIOS)
        elif n % 25 == 13:
            uso, estrato = Uso.industrial, None
            nombre = f"Industrias {rng.choice(_APELLIDOS)} S.A.S."
        elif n % 25 == 24:
            uso, estrato = Uso.oficial, None
            nombre = "Institución Educativa Departamental"
        else:
            uso, estrato = Uso.residencial, (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)[n % 10]
            nombre = (f"{rng.choice(_NOMBRES)} {rng.choice(_APELLIDOS)} "
                      f"{rng.choice(_APELLIDOS)}")
        clientes.append(ClienteCreate(
            numero_cuenta=numero, nombre=nombre,
            direccion=f"Calle {rng.randint(1, 40)} # {rng.randint(1, 30)}-{rng.randint(1, 99)}",
            telefono=f"3{rng.randint(100000000, 229999999)}",
            uso=uso, estrato=estrato,
            servicio_acueducto=True, servicio_alcantarillado=n % 12 != 5,
            medidor_serial=f"MED-{2020 + n % 6}-{rng.randint(10000, 99999)}",
        ))
    return clientes


async def seed_demo(database: Database) -> bool:
    """Creates the demo in one transaction; returns False when it is already there."""
    async with database.session(TenantId(PUBLIC_TENANT)) as session:
        if await tenancy_service.find(session, DEMO_TENANT) is not None:
            return False
        await tenancy_service.create(session, TenantCreate(
            slug=DEMO_TENANT, nombre="Acueducto Demo de Cundinamarca S.A. E.S.P.",
            nit="900123456-8",
        ))
        superadmin = DEMO_LOGINS[0]
        if await users_service.find_by_email(session, TenantId(PUBLIC_TENANT),
                                             superadmin.email) is None:
            await users_service.create(session, TenantId(PUBLIC_TENANT), UserCreate(
                email=superadmin.email, nombre="Operador de la plataforma",
                password=superadmin.password, role=superadmin.role,
            ), actor_role=None)

        await switch_tenant(session, DEMO_TENANT)
        await tenancy_service.update_marca(session, DEMO_TENANT, MarcaUpdate(
            direccion="Calle 5 # 4-32, Zipaquirá, Cundinamarca", telefono="(601) 852 3000",
            correo="pqr@acueducto-demo.co", sitio_web="www.acueducto-demo.co",
            gln="7709998000018", color_primario="#1f6f8b"))
        for cliente in demo_clientes():
            await clientes_service.create(session, DEMO_TENANT, cliente)
        for login in DEMO_LOGINS[1:]:
            await users_service.create(session, DEMO_TENANT, UserCreate(
                email=login.email, nombre=f"Demo {login.role}", password=login.password,
                role=login.role,
                numero_cuenta=PORTAL_ACCOUNT if login.role == Role.cliente else None,
            ), actor_role=None)
        await _seed_billing(session)
        # The morning e-mail to management, on: with no SMTP server it lands in the outbox.
        await diario.configurar(
            session, await tenancy_service.resolved(session, DEMO_TENANT),
            DiarioConfigUpdate(destinatarios=["gerencia@acueducto-demo.co"], hora=6,
                               activo=True))
    return True


def demo_periodos(today: date) -> list[str]:
    """The two months before today's, billed, and today's, read but not billed."""
    return [f"{m.year:04d}-{m.month:02d}" for m in (add_months(today, -2), add_months(today, -1),
                                                     today)]


async def _seed_billing(session: AsyncSession) -> None:
    """DESIGN §5's tariff; the two months before this one read, billed and mostly paid; this
    month read (a tenth of the meters unread), not billed: POST /api/periodos/<it>/facturar."""
    today = clock.local_date(DEFAULT_TIMEZONE)
    periodos = demo_periodos(today)
    factores = [FactorIn(uso=Uso.residencial, estrato=e, factor=Decimal(f))
                for e, f in ((1, "-0.50"), (2, "-0.20"), (3, "-0.10"), (4, "0"), (5, "0.50"),
                             (6, "0.60"))]
    factores += [FactorIn(uso=Uso.comercial, factor=Decimal("0.50")),
                 FactorIn(uso=Uso.industrial, factor=Decimal("0.30")),
                 FactorIn(uso=Uso.oficial, factor=Decimal("0"))]
    for servicio, cargo_fijo, precio in (("acueducto", "4276.37", "1322.96"),
                                         ("alcantarillado", "1964.59", "923.48")):
        await tarifas_service.create(session, DEMO_TENANT, TarifaCreate(
            servicio=servicio, vigente_desde=date.fromisoformat(f"{periodos[0]}-01"),
            cargo_fijo=Decimal(cargo_fijo),
            precio_basico=Decimal(precio), factores=factores))
    # Late interest at the legal caps: 0.5 % a month for homes, a usury rate of about 25 % a
    # year (2.08 % a month) and 2 % a month for the other usos.
    await tarifas_service.update_parametros(session, DEMO_TENANT, ParametrosUpdate(
        tasa_mora_residencial=Decimal("0.005"), tasa_usura_mensual=Decimal("0.0208"),
        tasa_mora_no_residencial=Decimal("0.02")))
    rng = random.Random(146)  # noqa: S311 - demo data
    clientes = await clientes_service.all_of(session, DEMO_TENANT)
    meters = {c.id: rng.randint(100, 5000) for c in clientes}
    for periodo in periodos:
        next_month = add_months(date.fromisoformat(f"{periodo}-01"), 1)
        await facturacion_service.create_periodo(session, DEMO_TENANT, PeriodoCreate(
            periodo=periodo, fecha_expedicion=next_month,
            fecha_limite_pago=next_month.replace(day=15),
            fecha_suspension=next_month.replace(day=25)), today=today, max_days_ahead=366)
        for cliente in clientes:
            if periodo == periodos[-1] and rng.random() < 0.1:
                continue  # unread meters: billed on their average (art. 146)
            previous = meters[cliente.id]
            meters[cliente.id] = previous + rng.randint(4, 45 if cliente.uso == Uso.residencial
                                                        else 120)
            await lecturas_service.record(session, DEMO_TENANT, LecturaCreate(
                cliente_id=cliente.id, periodo=periodo, lectura_actual=meters[cliente.id],
                fecha_lectura=min(date.fromisoformat(f"{periodo}-27"), today),
                lectura_anterior=previous if periodo == periodos[0] else None))
        if periodo != periodos[-1]:
            await facturacion_service.run(session, DEMO_TENANT, periodo)
            await _pay_most(session, periodo, min(next_month.replace(day=12), today), rng)


async def _pay_most(session: AsyncSession, periodo: str, day: date, rng: random.Random) -> None:
    """Most customers pay on time; some pay part, some nothing (their balance is carried)."""
    from app.core.pagination import PageParams

    facturas, _ = await facturas_service.list_page(
        session, DEMO_TENANT, PageParams(limit=1000), today=day, periodo=periodo)
    for factura in facturas:
        draw = rng.random()
        if draw < 0.15:
            continue
        valor = factura.saldo if draw > 0.25 else (factura.saldo / 2).quantize(Decimal("1"))
        await pagos_service.record(session, DEMO_TENANT, PagoCreate(
            factura_id=factura.id, valor=valor, fecha=day,
            canal=rng.choice(list(Canal)), referencia=f"DEMO-{factura.numero}",
        ), idempotency_key=None, actor_id=None, today=day)
