import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from app.clientes.models import Uso
from app.core.schemas import (
    FactorOut,
    FactorText,
    InputSchema,
    IsoDate,
    Money,
    MoneyText,
    OutputSchema,
    PatchSchema,
    PriceText,
    RateText,
    ResidentialRateText,
    UnitPriceOut,
)
from app.tarifas.models import Servicio

MoneyIn = MoneyText
UnitPrice = PriceText
Factor = FactorText

# Ley 142 art. 99 and Ley 1450 de 2011 art. 125: the largest subsidy per estrato.
SUBSIDY_CAPS = {1: Decimal("-0.70"), 2: Decimal("-0.40"), 3: Decimal("-0.15")}


class FactorIn(InputSchema):
    uso: Uso
    estrato: Annotated[int, Field(ge=1, le=6)] | None = None
    factor: Factor

    @model_validator(mode="after")
    def _legal(self) -> Self:
        if (self.uso == Uso.residencial) != (self.estrato is not None):
            raise ValueError("estrato is required for residencial and not allowed otherwise")
        cap = SUBSIDY_CAPS.get(self.estrato or 0) if self.uso == Uso.residencial else None
        if cap is not None and not cap <= self.factor <= 0:
            raise ValueError(f"estrato {self.estrato} may get a subsidy of at most "
                             f"{-cap:.0%} (factor between {cap} and 0)")
        neutral = (self.uso == Uso.residencial and self.estrato == 4) or self.uso == Uso.oficial
        if neutral and self.factor != 0:
            raise ValueError("estrato 4 and oficial pay the cost: their factor is 0")
        contributes = self.uso in (Uso.comercial, Uso.industrial) or (self.estrato or 0) >= 5
        if contributes and self.factor < 0:
            raise ValueError("estratos 5–6, comercial and industrial contribute (factor ≥ 0)")
        return self


class TarifaCreate(InputSchema):
    servicio: Servicio
    vigente_desde: IsoDate
    vigente_hasta: IsoDate | None = None
    cargo_fijo: MoneyIn
    precio_basico: UnitPrice
    precio_complementario: UnitPrice | None = Field(
        default=None, description="Defaults to precio_basico")
    precio_suntuario: UnitPrice | None = Field(
        default=None, description="Defaults to precio_basico")
    factores: list[FactorIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates_and_unique_factors(self) -> Self:
        if self.vigente_hasta is not None and self.vigente_hasta < self.vigente_desde:
            raise ValueError("vigente_hasta is before vigente_desde")
        keys = [(f.uso, f.estrato) for f in self.factores]
        if len(keys) != len(set(keys)):
            raise ValueError("factores names one uso/estrato twice")
        return self


class TarifaClose(InputSchema):
    vigente_hasta: IsoDate


class FactorRead(OutputSchema):
    uso: Uso
    estrato: int | None
    factor: FactorOut

    @field_validator("estrato", mode="before")
    @classmethod
    def _no_estrato(cls, value: int | None) -> int | None:
        return value or None  # stored as 0 for non-residential usos


class TarifaRead(OutputSchema):
    id: uuid.UUID
    servicio: Servicio
    vigente_desde: date
    vigente_hasta: date | None
    cargo_fijo: Money
    precio_basico: UnitPriceOut
    precio_complementario: UnitPriceOut
    precio_suntuario: UnitPriceOut
    factores: list[FactorRead]


# Ley 142 art. 96 with Código Civil art. 1617 (6 % a year), as SSPD Concepto 664 de 2020 and
# C-389 de 2002 read it: the cap on late interest for residential users.


TasaResidencial = ResidentialRateText  # at most 0.005 a month
TasaMensual = RateText


class ParametrosFacturacion(OutputSchema):
    consumo_basico_m3: Literal[11, 13, 16]
    tasa_mora_residencial: FactorOut
    tasa_mora_no_residencial: FactorOut
    tasa_usura_mensual: FactorOut


class ParametrosUpdate(PatchSchema):
    consumo_basico_m3: Literal[11, 13, 16] | None = Field(
        default=None, description="m3 of subsistence consumption by altitude (CRA 750/2016)")
    tasa_mora_residencial: TasaResidencial | None = Field(
        default=None, description="Monthly late interest of residential accounts: at most "
                                  "the civil rate, 0.005 (Ley 142 art. 96)")
    tasa_mora_no_residencial: TasaMensual | None = Field(
        default=None, description="Monthly late interest of the other usos: at most "
                                  "tasa_usura_mensual")
    tasa_usura_mensual: TasaMensual | None = Field(
        default=None, description="The usury rate certified for the month, as a monthly "
                                  "rate: the cap of tasa_mora_no_residencial")
