import zoneinfo
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, field_validator

from app.core.schemas import InputSchema, Line, OutputSchema, PatchSchema
from app.pdf.codigo_pago import gln_is_valid
from app.tenancy.constants import SLUG_PATTERN
from app.tenancy.models import DEFAULT_TIMEZONE, TenantEstado
from app.users.schemas import Password, UserNombre

TenantNombre = Annotated[Line, Field(min_length=1, max_length=200)]
Nit = Annotated[str, Field(min_length=5, max_length=20, pattern=r"^\d{5,15}(-\d)?$",
                           description="NIT, optionally with its check digit: 900123456-7")]

_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def nit_check_digit(number: str) -> int:
    """DIAN's check digit: weighted sum of the digits from the right, modulo 11."""
    total = sum(int(d) * w for d, w in zip(reversed(number), _NIT_WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder in (0, 1) else 11 - remainder


def _validate_nit(nit: str | None) -> str | None:
    if nit is not None and "-" in nit:
        number, digit = nit.split("-")
        if nit_check_digit(number) != int(digit):
            raise ValueError(f"check digit of NIT {number} should be {nit_check_digit(number)}")
    return nit


class TenantAdmin(InputSchema):
    email: EmailStr
    nombre: UserNombre
    password: Password


class TenantCreate(InputSchema):
    slug: Annotated[str, Field(pattern=f"^{SLUG_PATTERN.pattern}$", max_length=63,
                               description="Lowercase id, used as X-Tenant-ID; never changes")]
    nombre: TenantNombre
    nit: Nit | None = None
    timezone: str = DEFAULT_TIMEZONE
    admin: TenantAdmin | None = Field(default=None, description="The tenant's first admin")

    _nit = field_validator("nit")(_validate_nit)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone {value}")
        return value


class TenantUpdate(PatchSchema):
    NULLABLE = frozenset({"nit"})

    nombre: TenantNombre | None = None
    nit: Nit | None = None
    estado: TenantEstado | None = None

    _nit = field_validator("nit")(_validate_nit)


class TenantRead(OutputSchema):
    slug: str
    nombre: str
    nit: str | None
    estado: TenantEstado
    timezone: str
    created_at: datetime
    updated_at: datetime


def _validate_gln(gln: str | None) -> str | None:
    if gln is not None and not gln_is_valid(gln):
        raise ValueError("a GLN is 13 digits whose last is the GS1 check digit")
    return gln


class Marca(OutputSchema):
    """What the utility's invoices show of it."""

    nombre: str
    nit: str | None
    direccion: str | None
    telefono: str | None
    correo: str | None
    sitio_web: str | None
    gln: str | None = Field(description="GS1 Global Location Number for the payment barcode")
    color_primario: str
    logo_media_type: str | None = Field(description="image/png or image/jpeg; null: no logo")


class MarcaUpdate(PatchSchema):
    NULLABLE = frozenset({"direccion", "telefono", "correo", "sitio_web", "gln"})

    direccion: Annotated[Line, Field(min_length=1, max_length=200)] | None = None
    telefono: Annotated[Line, Field(min_length=1, max_length=30)] | None = None
    correo: EmailStr | None = None
    sitio_web: Annotated[Line, Field(min_length=1, max_length=200)] | None = None
    gln: Annotated[str, Field(pattern=r"^\d{13}$", examples=["7709998000018"])] | None = None
    color_primario: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$",
                                         examples=["#1f4e79"])] | None = None

    _gln = field_validator("gln")(_validate_gln)
