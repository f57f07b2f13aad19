"""The invoice arithmetic, checked by hand-worked examples."""

from decimal import Decimal as D

import pytest

from app.facturacion.calculo import (
    LecturaInvalida,
    TarifaVigente,
    consumo_medido,
    intereses,
    lineas_factura,
    money,
    promedio,
    total,
)
from app.facturas.models import Concepto

# DESIGN §5: a Colombian town's published tariff, monthly billing, L = 11.
FACTORES = {("residencial", 1): D("-0.50"), ("residencial", 2): D("-0.20"),
            ("residencial", 3): D("-0.10"), ("residencial", 5): D("0.50"),
            ("residencial", 6): D("0.60"), ("comercial", 0): D("0.50"),
            ("industrial", 0): D("0.30")}
ACUEDUCTO = TarifaVigente("acueducto", D("4276.37"), D("1322.96"), D("1322.96"),
                          D("1322.96"), FACTORES)
ALCANTARILLADO = TarifaVigente("alcantarillado", D("1964.59"), D("923.48"), D("923.48"),
                               D("923.48"), FACTORES)
TARIFAS = {"acueducto": ACUEDUCTO, "alcantarillado": ALCANTARILLADO}
BOTH = ("acueducto", "alcantarillado")


def by_service(lineas, servicio):
    return sum((linea.valor for linea in lineas if linea.servicio == servicio), D("0"))


def test_design_worked_example_estrato_2_twenty_m3():
    lineas = lineas_factura(TARIFAS, BOTH, 20, 11, "residencial", 2)
    assert by_service(lineas, "acueducto") == D("26969.78")
    assert by_service(lineas, "alcantarillado") == D("18009.62")
    assert total(lineas) == D("44979.40")
    subsidio = next(ln for ln in lineas if ln.concepto == Concepto.subsidio
                    and ln.servicio == "acueducto")
    # −0.20 × (4,276.37 + 11 × 1,322.96) = −3,765.786 → −3,765.79 (half-up, away from zero)
    assert subsidio.valor == D("-3765.79")
    assert subsidio.factor == D("-0.20")
    conceptos = [ln.concepto for ln in lineas if ln.servicio == "acueducto"]
    assert conceptos == [Concepto.cargo_fijo, Concepto.consumo_basico,
                         Concepto.consumo_complementario, Concepto.subsidio]
    complementario = lineas[2]
    assert (complementario.cantidad_m3, complementario.valor) == (9, D("11906.64"))


def test_suntuario_with_its_own_price():
    tarifa = TarifaVigente("acueducto", D("4276.37"), D("1322.96"), D("1500.00"),
                           D("2000.00"), FACTORES)
    lineas = lineas_factura({"acueducto": tarifa}, ["acueducto"], 30, 11, "residencial", 4)
    values = {ln.concepto: (ln.cantidad_m3, ln.valor) for ln in lineas}
    assert values[Concepto.consumo_basico] == (11, D("14552.56"))
    assert values[Concepto.consumo_complementario] == (11, D("16500.00"))
    assert values[Concepto.consumo_suntuario] == (8, D("16000.00"))
    assert Concepto.subsidio not in values and Concepto.contribucion not in values  # estrato 4
    assert total(lineas) == D("4276.37") + D("14552.56") + D("16500.00") + D("16000.00")


def test_commercial_contribution_is_on_every_charge():
    lineas = lineas_factura(TARIFAS, ["acueducto"], 25, 11, "comercial", None)
    charges = D("4276.37") + D("14552.56") + D("14552.56") + D("3968.88")  # 11 + 11 + 3 m3
    contribucion = next(ln for ln in lineas if ln.concepto == Concepto.contribucion)
    assert contribucion.valor == money(D("0.50") * charges) == D("18675.19")
    assert total(lineas) == charges + D("18675.19")


def test_subsidy_applies_to_cargo_fijo_and_basico_only():
    small = lineas_factura(TARIFAS, ["acueducto"], 5, 11, "residencial", 1)
    assert [ln.concepto for ln in small] == [Concepto.cargo_fijo, Concepto.consumo_basico,
                                             Concepto.subsidio]
    assert small[2].valor == money(D("-0.50") * (D("4276.37") + 5 * D("1322.96")))


def test_sewage_only_account_and_zero_consumption():
    lineas = lineas_factura(TARIFAS, ["alcantarillado"], 0, 11, "oficial", None)
    assert [(ln.servicio, ln.concepto, ln.valor) for ln in lineas] == [
        ("alcantarillado", Concepto.cargo_fijo, D("1964.59")),
        ("alcantarillado", Concepto.consumo_basico, D("0.00")),
    ]


def test_previous_balance_and_interest_are_lines_of_their_own():
    lineas = lineas_factura(TARIFAS, BOTH, 20, 11, "residencial", 2,
                            saldo_anterior=D("44979.40"),
                            intereses_mora=intereses(D("44979.40"), D("0.02")))
    assert lineas[-2].concepto == Concepto.saldo_anterior
    assert lineas[-1].concepto == Concepto.intereses_mora
    assert lineas[-1].valor == D("899.59")  # 2 % of 44,979.40 = 899.588
    assert total(lineas) == D("44979.40") * 2 + D("899.59")


def test_basico_limit_of_a_cold_town():
    lineas = lineas_factura(TARIFAS, ["acueducto"], 20, 16, "residencial", 4)
    assert [ln.cantidad_m3 for ln in lineas if ln.cantidad_m3 is not None] == [16, 4]


def test_measured_consumption_and_rollover():
    assert consumo_medido(1200, 1220, 5) == (20, False)
    assert consumo_medido(99990, 15, 5) == (25, True)  # 99,990 → 99,999 → 0 → 15
    assert consumo_medido(None, 50, 5) == (None, False)
    with pytest.raises(LecturaInvalida):
        consumo_medido(5000, 4000, 5)  # far from the meter's maximum: not a rollover


def test_estimate_is_the_rounded_average_of_the_last_six():
    assert promedio([10, 20, 30, 40, 50, 60, 1000]) == 35  # the seventh is not counted
    assert promedio([10, 11]) == 11  # 10.5 rounds half-up
    assert promedio([]) is None
