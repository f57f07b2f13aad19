import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, ValidationInfo, field_validator

from app.clientes.models import (
    DIRECCION_LENGTH,
    MEDIDOR_LENGTH,
    NOMBRE_LENGTH,
    NUMERO_CUENTA_LENGTH,
    TELEFONO_LENGTH,
    ClienteEstado,
    Uso,
)
from app.core.schemas import InputSchema, Line, OutputSchema, PatchSchema

NumeroCuenta = Annotated[
    str, Field(min_length=1, max_length=NUMERO_CUENTA_LENGTH, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
]
Nombre = Annotated[Line, Field(min_length=1, max_length=NOMBRE_LENGTH)]
Direccion = Annotated[Line, Field(min_length=1, max_length=DIRECCION_LENGTH)]
Telefono = Annotated[str, Field(max_length=TELEFONO_LENGTH, pattern=r"^\+?[0-9][0-9 ()-]*$")]
Estrato = Annotated[int, Field(ge=1, le=6)]
MedidorSerial = Annotated[Line, Field(min_length=1, max_length=MEDIDOR_LENGTH)]


class ClienteCreate(InputSchema):
    numero_cuenta: NumeroCuenta
    nombre: Nombre
    direccion: Direccion
    telefono: Telefono | None = None
    correo: EmailStr | None = None
    uso: Uso
    estrato: Estrato | None = Field(default=None, validate_default=True,
                                    description="1–6, residential accounts only")
    servicio_acueducto: bool = True
    servicio_alcantarillado: bool = Field(default=True, validate_default=True)
    medidor_serial: MedidorSerial | None = None

    @field_validator("estrato")
    @classmethod
    def _estrato_matches_uso(cls, estrato: int | None, info: ValidationInfo) -> int | None:
        if "uso" in info.data and (problem := estrato_problem(info.data["uso"], estrato)):
            raise ValueError(problem)
        return estrato

    @field_validator("servicio_alcantarillado")
    @classmethod
    def _some_service(cls, alcantarillado: bool, info: ValidationInfo) -> bool:
        if problem := services_problem(info.data.get("servicio_acueducto", True), alcantarillado):
            raise ValueError(problem)
        return alcantarillado


class ClienteUpdate(PatchSchema):
    """Only the fields sent change. `numero_cuenta` is the account's identity and stays."""
    NULLABLE = frozenset({"telefono", "correo", "estrato", "medidor_serial"})


    nombre: Nombre | None = None
    direccion: Direccion | None = None
    telefono: Telefono | None = None
    correo: EmailStr | None = None
    estrato: Estrato | None = None
    uso: Uso | None = None
    servicio_acueducto: bool | None = None
    servicio_alcantarillado: bool | None = None
    medidor_serial: MedidorSerial | None = None
    estado: ClienteEstado | None = None


class ClienteFiltros(BaseModel):
    """The list's filters (an export job carries them)."""

    estrato: int | None = None
    uso: Uso | None = None
    estado: ClienteEstado | None = None
    q: str | None = None


class CargaClientes(OutputSchema):
    filas: int
    creadas: int
    actualizadas: int


class ClienteRead(OutputSchema):
    id: uuid.UUID
    numero_cuenta: str
    nombre: str
    direccion: str
    telefono: str | None
    correo: str | None
    estrato: int | None
    uso: Uso
    servicio_acueducto: bool
    servicio_alcantarillado: bool
    medidor_serial: str | None
    estado: ClienteEstado
    created_at: datetime
    updated_at: datetime


def estrato_problem(uso: Uso | str, estrato: int | None) -> str | None:
    if uso == Uso.residencial and estrato is None:
        return "estrato is required for a residential account"
    if uso != Uso.residencial and estrato is not None:
        return "estrato applies to residential accounts only"
    return None


def services_problem(acueducto: bool, alcantarillado: bool) -> str | None:
    if not (acueducto or alcantarillado):
        return "an account needs at least one service (acueducto or alcantarillado)"
    return None
