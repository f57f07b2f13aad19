"""What each report answers. Amounts are strings with centavos, as everywhere; a row schema is
also the column list of the report's CSV and XLSX."""

import uuid
from datetime import date, datetime

from pydantic import EmailStr, Field, StrictBool, StrictInt

from app.core.schemas import InputSchema, Money, OutputSchema


class FacturacionFila(OutputSchema):
    servicio: str | None = Field(description="acueducto, alcantarillado; none: the invoice's "
                                             "late-payment interest")
    uso: str
    estrato: int | None
    cuentas: int
    m3_medidos: int
    m3_estimados: int
    cargo_fijo: Money
    consumo_basico: Money
    consumo_complementario: Money
    consumo_suntuario: Money
    subsidios: Money = Field(description="Negative: discounts granted")
    contribuciones: Money
    intereses_mora: Money
    total: Money


class ReporteFacturacion(OutputSchema):
    desde: str
    hasta: str
    cuentas: int = Field(description="Accounts billed in the periods")
    filas: list[FacturacionFila]
    totales: FacturacionFila


class SubsidiosFila(OutputSchema):
    servicio: str
    uso: str
    estrato: int | None
    cuentas_subsidiadas: int
    m3_subsidiados: int
    subsidios: Money = Field(description="Granted (positive)")
    cuentas_aportantes: int
    contribuciones_facturadas: Money
    contribuciones_recaudadas: Money = Field(
        description="Each invoice's contribution times the share of that invoice paid so far")
    balance: Money = Field(description="Contributions collected less subsidies granted")


class ReporteSubsidios(OutputSchema):
    periodo: str
    filas: list[SubsidiosFila]
    totales: SubsidiosFila
    resultado: str = Field(description="superavit or deficit: the net balance's sign")


class RecaudoDia(OutputSchema):
    fecha: date
    canal: str
    pagos: int
    valor: Money


class RecaudoPeriodo(OutputSchema):
    periodo: str
    facturas: int
    facturado: Money = Field(description="The period's own charges (total less the carried "
                                         "balance)")
    cartera_anterior: Money = Field(description="Carried balances the invoices collected")
    recaudo_corriente: Money = Field(description="Payments that paid the period's charges")
    recaudo_mora: Money = Field(description="Payments that paid carried arrears (paid first)")
    tasa_recaudo: float | None = Field(description="recaudo_corriente / facturado")


class ReporteRecaudo(OutputSchema):
    desde: date
    hasta: date
    total_recaudado: Money
    por_dia: list[RecaudoDia]
    por_periodo: list[RecaudoPeriodo]


class CarteraCuenta(OutputSchema):
    cliente_id: uuid.UUID
    numero_cuenta: str
    nombre: str
    uso: str
    estrato: int | None
    por_vencer: Money
    dias_1_30: Money
    dias_31_60: Money
    dias_61_90: Money
    dias_91_180: Money
    mas_de_180: Money
    total: Money
    periodos_en_mora: int
    dias_mora: int = Field(description="Days past due of its oldest unpaid invoice")


class CarteraGrupo(OutputSchema):
    periodos_en_mora: str = Field(description="0 (nothing past due yet), 1, 2 or 3+")
    cuentas: int
    por_vencer: Money
    dias_1_30: Money
    dias_31_60: Money
    dias_61_90: Money
    dias_91_180: Money
    mas_de_180: Money
    total: Money


class ReporteCartera(OutputSchema):
    fecha: date
    por_periodos: list[CarteraGrupo]
    totales: CarteraGrupo
    min_periodos: int
    candidatos_suspension: int = Field(
        description="Accounts with at least min_periodos unpaid periods past due (art. 140)")
    cuentas: list[CarteraCuenta] = Field(
        description="Those accounts, largest debts first (up to `limite`; the CSV and XLSX "
                    "carry every account that owes)")


class PqrsFila(OutputSchema):
    tipo: str
    causal: str | None
    grupo: str | None
    causal_nombre: str | None
    radicadas: int
    respondidas: int
    a_tiempo: int
    proporcion_a_tiempo: float | None
    promedio_dias_habiles: float | None
    abiertas_vencidas: int
    silencio_positivo: int


class ReportePqrs(OutputSchema):
    desde: date
    hasta: date
    filas: list[PqrsFila]
    totales: PqrsFila


class ConsumoFila(OutputSchema):
    uso: str
    estrato: int | None
    cuentas: int
    m3: int
    promedio_m3: float | None
    estimadas: int
    proporcion_estimadas: float | None


class Desviacion(OutputSchema):
    cliente_id: uuid.UUID
    numero_cuenta: str
    nombre: str
    uso: str
    estrato: int | None
    factura_numero: int
    consumo_m3: int
    promedio_m3: int
    desviacion_m3: int
    desviacion: float = Field(description="(consumo - promedio) / promedio")


class ReporteConsumos(OutputSchema):
    periodo: str
    umbral: float
    filas: list[ConsumoFila]
    totales: ConsumoFila
    desviaciones: list[Desviacion]


class SuiFacturacionFila(OutputSchema):
    """A row of the commercial billing file, in the order of the SUI's commercial formats."""

    numero_cuenta: str
    codigo_catastral: str | None = Field(
        default=None, description="Not kept by this service: left empty")
    factura_numero: int
    fecha_expedicion: date
    dias_facturados: int
    uso: str
    estrato: int | None
    determinacion_consumo: str = Field(description="medido (difference of readings) or "
                                                   "estimado (the account's average)")
    lectura_anterior: int | None
    lectura_actual: int | None
    consumo_m3: int
    cargo_fijo: Money
    valor_basico: Money
    valor_complementario: Money
    valor_suntuario: Money
    subsidio: Money
    contribucion: Money
    factor: float | None
    dias_mora: int
    valor_mora: Money
    intereses_mora: Money
    total_facturado: Money
    pagos_mes: Money


class SuiPqrFila(OutputSchema):
    """A row of the PQR file, in the order of the SUI's PQR format."""

    radicado: str
    fecha_radicacion: date
    tipo: str
    grupo_causal: str | None
    causal: str | None
    numero_cuenta: str
    factura_numero: int | None
    tipo_respuesta: str | None
    fecha_respuesta: date | None
    notificacion_medio: str | None
    fecha_notificacion: date | None


class TableroPeriodo(OutputSchema):
    periodo: str
    facturas: int
    facturado: Money
    recaudado: Money
    tasa_recaudo: float | None = Field(description="recaudado / total of the invoices")
    estimadas: int
    proporcion_estimadas: float | None


class TableroCartera(OutputSchema):
    fecha: date
    calculado_at: datetime
    cuentas: int
    cuentas_en_mora: int
    por_vencer: Money
    dias_1_30: Money
    dias_31_60: Money
    dias_61_90: Money
    dias_91_180: Money
    mas_de_180: Money
    total: Money


class TableroPqrs(OutputSchema):
    abiertas: int
    vencidas: int
    vencen_hoy: int


class Tablero(OutputSchema):
    ultimo_periodo: TableroPeriodo | None = Field(description="The last period billed")
    serie: list[TableroPeriodo] = Field(description="The last 12 periods billed, oldest first")
    cartera: TableroCartera | None = Field(
        description="Arrears by age as of `fecha`, refreshed by a job after each billing run "
                    "and when older than an hour (none until the first refresh)")
    pqrs: TableroPqrs


class DiarioConfigRead(OutputSchema):
    destinatarios: list[str]
    hora: int = Field(description="The local hour (0–23, the tenant's time zone) it is sent")
    activo: bool
    zona_horaria: str
    proximo_envio: datetime | None = Field(description="When the next one goes, if active")


class DiarioConfigUpdate(InputSchema):
    destinatarios: list[EmailStr] | None = Field(default=None, max_length=50)
    hora: StrictInt | None = Field(default=None, ge=0, le=23)
    activo: StrictBool | None = None


class DiarioDia(OutputSchema):
    facturas: int = Field(description="Invoices issued that day (not voided)")
    facturado: Money
    pagos: int = Field(description="Payments dated that day (not reversed)")
    recaudado: Money
    pqrs_radicadas: int
    pqrs_respondidas: int


class TrabajoFallido(OutputSchema):
    id: uuid.UUID
    tipo: str
    terminado_at: datetime | None
    error: str | None


class ReporteDiario(OutputSchema):
    tenant: str
    fecha: date = Field(description="The day it reports (yesterday, when it is sent)")
    dia: DiarioDia
    periodo: TableroPeriodo | None = Field(description="The last period billed, so far")
    cartera: TableroCartera | None
    pqrs: TableroPqrs
    trabajos_fallidos: list[TrabajoFallido]

