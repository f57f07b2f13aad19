"""What an invoice PDF shows, as plain immutable data: built from the database by the service,
pickled to a worker process, turned into a page by `render`."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.pdf.codigo_pago import CodigoPago


@dataclass(frozen=True, slots=True)
class Empresa:
    nombre: str
    nit: str | None = None
    direccion: str | None = None
    telefono: str | None = None
    correo: str | None = None
    sitio_web: str | None = None
    gln: str | None = None
    color_primario: str = "#1f4e79"
    logo_data_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Linea:
    servicio: str | None  # None: saldo anterior and intereses, which belong to no service
    concepto: str
    cantidad_m3: int | None
    valor_unitario: Decimal | None
    factor: Decimal | None
    valor: Decimal


@dataclass(frozen=True, slots=True)
class ConsumoPeriodo:
    periodo: str
    m3: int
    estimado: bool


@dataclass(frozen=True, slots=True)
class FacturaDocumento:
    empresa: Empresa
    numero: int
    periodo: str
    fecha_expedicion: date
    fecha_limite_pago: date
    fecha_suspension: date
    numero_cuenta: str
    nombre: str
    direccion: str
    uso: str
    estrato: int | None
    medidor_serial: str | None
    lectura_anterior: int | None
    lectura_actual: int | None
    consumo_m3: int
    consumo_estimado: bool
    promedio_m3: int | None
    lineas: tuple[Linea, ...]
    historial: tuple[ConsumoPeriodo, ...]  # up to six periods, oldest first, this one last
    saldo_anterior: Decimal
    intereses_mora: Decimal
    total: Decimal
    referencia_pago: str
    valor_reclamado: Decimal = Decimal("0.00")  # held by open claims: not collectible
    valor_acreditado: Decimal = Decimal("0.00")  # credited by claims the customer won
    anulada: bool = False
    anulada_motivo: str | None = None
    anulada_el: date | None = None  # in the utility's time zone

    @property
    def valor_a_pagar(self) -> Decimal:
        if self.anulada:
            return Decimal("0.00")
        return self.total - self.valor_reclamado - self.valor_acreditado

    @property
    def codigo_pago(self) -> CodigoPago | None:
        """None when nothing is to be paid or the utility has no GLN to collect under."""
        if self.empresa.gln is None or self.valor_a_pagar <= 0:
            return None
        return CodigoPago.de(gln=self.empresa.gln, referencia=self.referencia_pago,
                             valor=self.valor_a_pagar, fecha_limite=self.fecha_limite_pago)
