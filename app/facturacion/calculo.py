"""The invoice arithmetic of DESIGN §5, in plain Python.

This is the reference: SQLite bills with it account by account, the unit tests check it
against worked examples, and PostgreSQL's set-based billing (app.facturacion.sql) computes the
same lines in SQL; the API tests bill the same accounts on both databases and expect the same
invoices.

Rules:
- consumption ranges: básico up to L m3, complementario from L to 2L, suntuario above 2L;
- subsidy (factor < 0) on cargo fijo + básico; contribution (factor > 0) on every charge of
  the service; sewage billed on the same m3 as water;
- every line rounded half-up to centavos; the total is the sum of the lines.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.facturas.models import Concepto
from app.tarifas.models import Servicio

CENTAVO = Decimal("0.01")
SERVICE_ORDER = (Servicio.acueducto, Servicio.alcantarillado)
HISTORY_PERIODS = 6  # art. 146: the average of the last six measured periods
ROLLOVER_SHARE = Decimal("0.1")  # a rollover consumes at most a tenth of the meter's range


def money(value: Decimal) -> Decimal:
    return value.quantize(CENTAVO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TarifaVigente:
    servicio: str
    cargo_fijo: Decimal
    precio_basico: Decimal
    precio_complementario: Decimal
    precio_suntuario: Decimal
    factores: Mapping[tuple[str, int], Decimal]  # (uso, estrato or 0) -> factor

    def factor(self, uso: str, estrato: int | None) -> Decimal:
        return self.factores.get((uso, estrato or 0), Decimal("0"))


@dataclass(frozen=True)
class Linea:
    servicio: str | None
    concepto: Concepto
    valor: Decimal
    cantidad_m3: int | None = None
    valor_unitario: Decimal | None = None
    factor: Decimal | None = None


class LecturaInvalida(ValueError):
    """A current reading below the previous one that is not a meter rollover."""


def consumo_medido(anterior: int | None, actual: int, digitos: int) -> tuple[int | None, bool]:
    """(m3 consumed, rolled over). None when there is no previous reading to measure from."""
    if anterior is None:
        return None, False
    if actual >= anterior:
        return actual - anterior, False
    capacity = 10**digitos
    rolled = capacity - anterior + actual
    if rolled <= capacity * ROLLOVER_SHARE:
        return rolled, True
    raise LecturaInvalida(
        f"lectura_actual {actual} is below the previous reading {anterior} and is not a "
        f"rollover of a {digitos}-digit meter")


def promedio(historial: Iterable[int]) -> int | None:
    """Rounded average of the last measured consumptions (most recent first)."""
    values = list(historial)[:HISTORY_PERIODS]
    if not values:
        return None
    return int((Decimal(sum(values)) / len(values)).to_integral_value(ROUND_HALF_UP))


def lineas_servicio(tarifa: TarifaVigente, consumo_m3: int, basico_m3: int, uso: str,
                    estrato: int | None) -> list[Linea]:
    servicio = tarifa.servicio
    m_basico = min(consumo_m3, basico_m3)
    m_complementario = min(max(consumo_m3 - basico_m3, 0), basico_m3)
    m_suntuario = max(consumo_m3 - 2 * basico_m3, 0)

    cargo_fijo = money(tarifa.cargo_fijo)
    basico = money(m_basico * tarifa.precio_basico)
    lineas = [
        Linea(servicio, Concepto.cargo_fijo, cargo_fijo),
        Linea(servicio, Concepto.consumo_basico, basico, m_basico, tarifa.precio_basico),
    ]
    complementario = suntuario = Decimal("0.00")
    if m_complementario:
        complementario = money(m_complementario * tarifa.precio_complementario)
        lineas.append(Linea(servicio, Concepto.consumo_complementario, complementario,
                            m_complementario, tarifa.precio_complementario))
    if m_suntuario:
        suntuario = money(m_suntuario * tarifa.precio_suntuario)
        lineas.append(Linea(servicio, Concepto.consumo_suntuario, suntuario, m_suntuario,
                            tarifa.precio_suntuario))

    factor = tarifa.factor(uso, estrato)
    if factor < 0:
        lineas.append(Linea(servicio, Concepto.subsidio, money(factor * (cargo_fijo + basico)),
                            factor=factor))
    elif factor > 0:
        base = cargo_fijo + basico + complementario + suntuario
        lineas.append(Linea(servicio, Concepto.contribucion, money(factor * base),
                            factor=factor))
    return lineas


def lineas_factura(tarifas: Mapping[str, TarifaVigente], servicios: Iterable[str],
                   consumo_m3: int, basico_m3: int, uso: str, estrato: int | None,
                   saldo_anterior: Decimal = Decimal("0"),
                   intereses_mora: Decimal = Decimal("0")) -> list[Linea]:
    wanted = set(servicios)
    lineas = []
    for servicio in SERVICE_ORDER:
        if servicio in wanted:
            lineas += lineas_servicio(tarifas[servicio], consumo_m3, basico_m3, uso, estrato)
    if saldo_anterior > 0:
        lineas.append(Linea(None, Concepto.saldo_anterior, money(saldo_anterior)))
    if intereses_mora > 0:
        lineas.append(Linea(None, Concepto.intereses_mora, money(intereses_mora)))
    return lineas


def total(lineas: Iterable[Linea]) -> Decimal:
    return sum((linea.valor for linea in lineas), Decimal("0.00"))


def intereses(saldo_vencido: Decimal, tasa_mensual: Decimal) -> Decimal:
    return money(saldo_vencido * tasa_mensual)
