import uuid

from pydantic import Field

from app.core.schemas import Money, OutputSchema
from app.facturas.schemas import FacturaResumen
from app.pagos.schemas import PagoRead


class EstadoCuenta(OutputSchema):
    cliente_id: uuid.UUID
    numero_cuenta: str
    nombre: str
    saldo: Money
    en_reclamo: Money = Field(description="Held by open claims, not part of the saldo")
    facturas: list[FacturaResumen]
    pagos: list[PagoRead]
