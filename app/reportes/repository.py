"""The reports' SQL: aggregates the database computes over the invoices, their lines, payments,
credit notes and PQRs of one tenant. Reports read other domains' tables and never write them.

Written to run on PostgreSQL and SQLite alike: date arithmetic is done on bounds computed in
Python, and `greatest`/`least` are CASE expressions.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from app.clientes.models import Cliente
from app.core.models import MONEY
from app.core.repository import ScopedRepository
from app.facturas.models import Concepto, Factura, FacturaEstado, FacturaLinea, NotaCredito
from app.pagos.models import Pago, PagoEstado
from app.pqrs.models import Estado, Pqr, PqrCausal
from app.reportes.models import ReporteDiarioConfig, ResumenCartera, ResumenPeriodo

ZERO = literal(0, MONEY)
ABIERTAS = (Estado.radicada.value, Estado.en_tramite.value)


def _sum_if(condition: Any, value: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _larger(a: Any, b: Any) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


def _smaller(a: Any, b: Any) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


class ReportesRepository(ScopedRepository):
    def _facturas_vigentes(self) -> ColumnElement[bool]:
        return and_(Factura.tenant_id == self.tenant_id,
                    Factura.estado != FacturaEstado.anulada.value)

    def _joins_cliente(self) -> ColumnElement[bool]:
        return and_(Cliente.tenant_id == Factura.tenant_id, Cliente.id == Factura.cliente_id)

    async def facturacion(self, desde: str, hasta: str) -> Sequence[Any]:
        """Per service (none: the invoice's own interest) and uso/estrato, what the invoices of
        the periods billed. A carried balance was billed in its own period: left out."""
        linea = FacturaLinea
        consumo = linea.concepto.in_([Concepto.consumo_basico.value,
                                      Concepto.consumo_complementario.value,
                                      Concepto.consumo_suntuario.value])
        m3 = func.coalesce(linea.cantidad_m3, 0)

        def concepto(value: Concepto) -> ColumnElement[Any]:
            return _sum_if(linea.concepto == value.value, linea.valor)

        statement = (
            select(linea.servicio, Cliente.uso, Cliente.estrato,
                   func.count(distinct(Factura.cliente_id)).label("cuentas"),
                   _sum_if(and_(consumo, not_(Factura.consumo_estimado)), m3).label("m3_medidos"),
                   _sum_if(and_(consumo, Factura.consumo_estimado), m3).label("m3_estimados"),
                   concepto(Concepto.cargo_fijo).label("cargo_fijo"),
                   concepto(Concepto.consumo_basico).label("consumo_basico"),
                   concepto(Concepto.consumo_complementario).label("consumo_complementario"),
                   concepto(Concepto.consumo_suntuario).label("consumo_suntuario"),
                   concepto(Concepto.subsidio).label("subsidios"),
                   concepto(Concepto.contribucion).label("contribuciones"),
                   concepto(Concepto.intereses_mora).label("intereses_mora"),
                   func.coalesce(func.sum(linea.valor), 0).label("total"))
            .join(Factura, and_(Factura.tenant_id == linea.tenant_id,
                                Factura.id == linea.factura_id))
            .join(Cliente, self._joins_cliente())
            .where(self._facturas_vigentes(), Factura.periodo >= desde,
                   Factura.periodo <= hasta,
                   linea.concepto != Concepto.saldo_anterior.value)
            .group_by(linea.servicio, Cliente.uso, Cliente.estrato)
            .order_by(linea.servicio.is_(None), linea.servicio, Cliente.uso, Cliente.estrato))
        return (await self.session.execute(statement)).all()

    async def cuentas_facturadas(self, desde: str, hasta: str) -> int:
        return await self.session.scalar(
            select(func.count(distinct(Factura.cliente_id)))
            .where(self._facturas_vigentes(), Factura.periodo >= desde,
                   Factura.periodo <= hasta)) or 0

    async def subsidios_cuentas(self, periodo: str) -> Any:
        """Accounts subsidised and contributing in the period, and the m3 of the subsidised,
        each counted once whatever services they have."""
        def con(concepto: Concepto) -> ColumnElement[bool]:
            return select(FacturaLinea.orden).where(
                FacturaLinea.tenant_id == Factura.tenant_id,
                FacturaLinea.factura_id == Factura.id,
                FacturaLinea.concepto == concepto.value).exists()

        subsidiada = con(Concepto.subsidio)
        return (await self.session.execute(
            select(_sum_if(subsidiada, 1).label("cuentas_subsidiadas"),
                   _sum_if(subsidiada, Factura.consumo_m3).label("m3_subsidiados"),
                   _sum_if(con(Concepto.contribucion), 1).label("cuentas_aportantes"))
            .where(self._facturas_vigentes(), Factura.periodo == periodo))).one()

    async def subsidios(self, periodo: str) -> Sequence[Any]:
        """Per service and uso/estrato: subsidies granted and contributions billed, and the
        part of those contributions collected (the share of each invoice paid so far)."""
        linea = FacturaLinea
        por_factura = (
            select(linea.factura_id, linea.servicio,
                   _sum_if(linea.concepto == Concepto.subsidio.value, -linea.valor)
                   .label("subsidio"),
                   _sum_if(linea.concepto == Concepto.contribucion.value, linea.valor)
                   .label("contribucion"),
                   _sum_if(linea.concepto.like("consumo_%"), func.coalesce(linea.cantidad_m3, 0))
                   .label("m3"))
            .join(Factura, and_(Factura.tenant_id == linea.tenant_id,
                                Factura.id == linea.factura_id))
            .where(self._facturas_vigentes(), Factura.periodo == periodo,
                   linea.servicio.is_not(None))
            .group_by(linea.factura_id, linea.servicio)
            .subquery())
        pagado = case((Factura.total > 0, _smaller(
            cast(Factura.valor_pagado, Numeric(20, 10)) / Factura.total, 1)), else_=0)
        subsidiada = por_factura.c.subsidio > 0
        aportante = por_factura.c.contribucion > 0
        statement = (
            select(por_factura.c.servicio, Cliente.uso, Cliente.estrato,
                   _sum_if(subsidiada, 1).label("cuentas_subsidiadas"),
                   _sum_if(subsidiada, por_factura.c.m3).label("m3_subsidiados"),
                   func.coalesce(func.sum(por_factura.c.subsidio), 0).label("subsidios"),
                   _sum_if(aportante, 1).label("cuentas_aportantes"),
                   func.coalesce(func.sum(por_factura.c.contribucion), 0)
                   .label("contribuciones_facturadas"),
                   func.coalesce(func.sum(por_factura.c.contribucion * pagado), 0)
                   .label("contribuciones_recaudadas"))
            .select_from(por_factura)
            .join(Factura, and_(Factura.tenant_id == self.tenant_id,
                                Factura.id == por_factura.c.factura_id))
            .join(Cliente, self._joins_cliente())
            .group_by(por_factura.c.servicio, Cliente.uso, Cliente.estrato)
            .having(or_(func.sum(por_factura.c.subsidio) > 0,
                        func.sum(por_factura.c.contribucion) > 0))
            .order_by(por_factura.c.servicio, Cliente.uso, Cliente.estrato))
        return (await self.session.execute(statement)).all()

    async def recaudo_por_dia(self, desde: date, hasta: date) -> Sequence[Any]:
        statement = (
            select(Pago.fecha, Pago.canal, func.count().label("pagos"),
                   func.sum(Pago.valor).label("valor"))
            .where(Pago.tenant_id == self.tenant_id, Pago.estado == PagoEstado.aplicado.value,
                   Pago.fecha >= desde, Pago.fecha <= hasta)
            .group_by(Pago.fecha, Pago.canal).order_by(Pago.fecha, Pago.canal))
        return (await self.session.execute(statement)).all()

    async def recaudo_por_periodo(self, desde: date, hasta: date) -> Sequence[Any]:
        """Per period issued in the range: what it billed of its own (its total less the
        balance it carried), and the payments made on its invoices up to `hasta`, split into
        what paid the carried arrears (paid first) and what paid the period's own charges."""
        pagos = (
            select(Pago.factura_id, func.sum(Pago.valor).label("pagado"))
            .where(Pago.tenant_id == self.tenant_id, Pago.estado == PagoEstado.aplicado.value,
                   Pago.fecha <= hasta)
            .group_by(Pago.factura_id).subquery())
        pagado = func.coalesce(pagos.c.pagado, 0)
        mora = _smaller(pagado, Factura.saldo_anterior)
        statement = (
            select(Factura.periodo, func.count().label("facturas"),
                   func.sum(Factura.total - Factura.saldo_anterior).label("facturado"),
                   func.sum(Factura.saldo_anterior).label("cartera_anterior"),
                   func.sum(pagado - mora).label("recaudo_corriente"),
                   func.sum(mora).label("recaudo_mora"))
            .outerjoin(pagos, pagos.c.factura_id == Factura.id)
            .where(self._facturas_vigentes(), Factura.fecha_expedicion >= desde,
                   Factura.fecha_expedicion <= hasta)
            .group_by(Factura.periodo).order_by(Factura.periodo))
        rows: Sequence[Any] = (await self.session.execute(statement)).all()
        return rows

    def _cartera_por_factura(self, corte: date, fin_del_corte: datetime) -> Any:
        """Each invoice's unpaid part on `corte`: the account's debt then (what its invoices
        charged of their own less payments and credits up to that day) laid on its newest
        invoices first, so the oldest unpaid invoice is the one that ages."""
        anulada_antes = and_(Factura.estado == FacturaEstado.anulada.value,
                             Factura.anulada_at < fin_del_corte)
        facturas = (
            select(Factura.cliente_id, Factura.id, Factura.periodo, Factura.fecha_limite_pago,
                   (Factura.total - Factura.saldo_anterior).label("cargo"))
            .where(Factura.tenant_id == self.tenant_id, Factura.fecha_expedicion <= corte,
                   not_(anulada_antes))
            .cte("facturas_al_corte"))
        pagos = (
            select(Factura.cliente_id, Pago.valor.label("abono"))
            .join(Factura, and_(Factura.tenant_id == Pago.tenant_id,
                                Factura.id == Pago.factura_id))
            .where(Pago.tenant_id == self.tenant_id, Pago.fecha <= corte,
                   not_(and_(Pago.estado == PagoEstado.reversado.value,
                             Pago.reversado_at < fin_del_corte))))
        notas = (
            select(Factura.cliente_id, NotaCredito.valor.label("abono"))
            .join(Factura, and_(Factura.tenant_id == NotaCredito.tenant_id,
                                Factura.id == NotaCredito.factura_id))
            .where(NotaCredito.tenant_id == self.tenant_id,
                   NotaCredito.created_at < fin_del_corte, not_(anulada_antes)))
        abonos = pagos.union_all(notas).subquery()
        cargos = (select(facturas.c.cliente_id, func.sum(facturas.c.cargo).label("cargos"))
                  .group_by(facturas.c.cliente_id).subquery())
        abonado = (select(abonos.c.cliente_id, func.sum(abonos.c.abono).label("abonos"))
                   .group_by(abonos.c.cliente_id).subquery())
        deuda = (
            select(cargos.c.cliente_id,
                   (cargos.c.cargos - func.coalesce(abonado.c.abonos, 0)).label("deuda"))
            .outerjoin(abonado, abonado.c.cliente_id == cargos.c.cliente_id)
            .subquery())
        acumulado = func.sum(facturas.c.cargo).over(
            partition_by=facturas.c.cliente_id,
            order_by=(facturas.c.periodo.desc(), facturas.c.id), rows=(None, 0))
        con_acumulado = (
            select(facturas.c.cliente_id, facturas.c.fecha_limite_pago, facturas.c.cargo,
                   deuda.c.deuda, acumulado.label("acumulado"))
            .join(deuda, deuda.c.cliente_id == facturas.c.cliente_id)
            .where(deuda.c.deuda > 0)
            .subquery())
        c = con_acumulado.c
        pendiente = _larger(_smaller(c.cargo, c.deuda - (c.acumulado - c.cargo)), 0)
        return (select(c.cliente_id, c.fecha_limite_pago, pendiente.label("pendiente"))
                .subquery("pendientes"))

    def _edades(self, pendientes: Any, corte: date, bounds: Sequence[tuple[str, date]]
                ) -> list[ColumnElement[Any]]:
        """One column per age bucket: the unpaid amounts whose due date falls in it."""
        limite = pendientes.c.fecha_limite_pago
        columns: list[ColumnElement[Any]] = [
            _sum_if(limite >= corte, pendientes.c.pendiente).label("por_vencer")]
        newer = corte
        for name, older in bounds:
            columns.append(_sum_if(and_(limite < newer, limite >= older),
                                   pendientes.c.pendiente).label(name))
            newer = older
        columns.append(_sum_if(limite < newer, pendientes.c.pendiente).label("mas_de_180"))
        return columns

    def _cartera_cuentas(self, corte: date, fin_del_corte: datetime,
                         bounds: Sequence[tuple[str, date]]) -> Any:
        """Every account that owed something on `corte`: its debt by age, the periods past due
        it has not paid and the oldest unpaid due date."""
        pendientes = self._cartera_por_factura(corte, fin_del_corte)
        p = pendientes.c
        vencida = and_(p.pendiente > 0, p.fecha_limite_pago < corte)
        return (
            select(Cliente.id.label("cliente_id"), Cliente.numero_cuenta, Cliente.nombre,
                   Cliente.uso, Cliente.estrato, *self._edades(pendientes, corte, bounds),
                   func.sum(p.pendiente).label("total"),
                   cast(_sum_if(vencida, 1), Integer).label("periodos_en_mora"),
                   func.min(case((vencida, p.fecha_limite_pago))).label("vencida_desde"))
            .select_from(pendientes)
            .join(Cliente, and_(Cliente.tenant_id == self.tenant_id,
                                Cliente.id == p.cliente_id))
            .group_by(Cliente.id, Cliente.numero_cuenta, Cliente.nombre, Cliente.uso,
                      Cliente.estrato)
            .having(func.sum(p.pendiente) > 0))

    async def cartera_por_cuenta(self, corte: date, fin_del_corte: datetime,
                                 bounds: Sequence[tuple[str, date]], *, min_periodos: int = 0,
                                 limit: int | None = None) -> Sequence[Any]:
        """The accounts in arrears of at least `min_periodos` periods, largest debts first."""
        cuentas = self._cartera_cuentas(corte, fin_del_corte, bounds).subquery()
        statement = (select(cuentas).where(cuentas.c.periodos_en_mora >= min_periodos)
                     .order_by(cuentas.c.total.desc(), cuentas.c.numero_cuenta))
        if limit is not None:
            statement = statement.limit(limit)
        return (await self.session.execute(statement)).all()

    async def cartera_resumen(self, corte: date, fin_del_corte: datetime,
                              bounds: Sequence[tuple[str, date]]) -> Sequence[Any]:
        """Per number of periods past due (0: owing only what is not due yet): the accounts
        and their debt by age."""
        cuentas = self._cartera_cuentas(corte, fin_del_corte, bounds).subquery()
        amounts = ("por_vencer", *(name for name, _ in bounds), "mas_de_180", "total")
        return (await self.session.execute(
            select(cuentas.c.periodos_en_mora, func.count().label("cuentas"),
                   *[func.sum(cuentas.c[name]).label(name) for name in amounts])
            .group_by(cuentas.c.periodos_en_mora)
            .order_by(cuentas.c.periodos_en_mora))).all()

    async def pqrs(self, desde: date, hasta: date, today: date) -> Sequence[Any]:
        """Per tipo and causal, the PQRs filed in the range: answered, on time, business days
        to answer, open past their deadline and granted by silencio administrativo positivo
        (no answer by the deadline: answered late or still open past it)."""
        respondida = Pqr.fecha_respuesta.is_not(None)
        a_tiempo = and_(respondida, Pqr.fecha_respuesta <= Pqr.fecha_vencimiento)
        vencida_abierta = and_(Pqr.estado.in_(ABIERTAS), Pqr.fecha_vencimiento < today)
        tarde = and_(respondida, Pqr.fecha_respuesta > Pqr.fecha_vencimiento)
        statement = (
            select(Pqr.tipo, Pqr.causal, PqrCausal.grupo, PqrCausal.nombre.label("causal_nombre"),
                   func.count().label("radicadas"),
                   _sum_if(respondida, 1).label("respondidas"),
                   _sum_if(a_tiempo, 1).label("a_tiempo"),
                   func.avg(Pqr.dias_habiles_respuesta).label("promedio_dias_habiles"),
                   _sum_if(vencida_abierta, 1).label("abiertas_vencidas"),
                   _sum_if(or_(vencida_abierta, tarde), 1).label("silencio_positivo"))
            .outerjoin(PqrCausal, and_(PqrCausal.tenant_id == Pqr.tenant_id,
                                       PqrCausal.codigo == Pqr.causal))
            .where(Pqr.tenant_id == self.tenant_id, Pqr.fecha_radicacion >= desde,
                   Pqr.fecha_radicacion <= hasta)
            .group_by(Pqr.tipo, Pqr.causal, PqrCausal.grupo, PqrCausal.nombre)
            .order_by(Pqr.tipo, Pqr.causal.is_(None), Pqr.causal))
        return (await self.session.execute(statement)).all()

    async def consumos(self, periodo: str) -> Sequence[Any]:
        """Per uso/estrato, the period's consumption: accounts, m3, average, estimated."""
        statement = (
            select(Cliente.uso, Cliente.estrato, func.count().label("cuentas"),
                   func.coalesce(func.sum(Factura.consumo_m3), 0).label("m3"),
                   func.avg(Factura.consumo_m3).label("promedio_m3"),
                   _sum_if(Factura.consumo_estimado, 1).label("estimadas"))
            .join(Cliente, self._joins_cliente())
            .where(self._facturas_vigentes(), Factura.periodo == periodo)
            .group_by(Cliente.uso, Cliente.estrato).order_by(Cliente.uso, Cliente.estrato))
        return (await self.session.execute(statement)).all()

    async def desviaciones(self, periodo: str, umbral: float, *, limit: int | None = None,
                           ) -> Sequence[Any]:
        """Measured consumptions that differ from the account's own average by more than
        `umbral` (a share of the average): what art. 149 asks to investigate."""
        desvio = Factura.consumo_m3 - Factura.promedio_m3
        relativo = cast(desvio, Numeric(20, 6)) / Factura.promedio_m3
        statement = (
            select(Cliente.id.label("cliente_id"), Cliente.numero_cuenta, Cliente.nombre,
                   Cliente.uso, Cliente.estrato, Factura.numero.label("factura_numero"),
                   Factura.consumo_m3, Factura.promedio_m3, desvio.label("desviacion_m3"),
                   relativo.label("desviacion"))
            .join(Cliente, self._joins_cliente())
            .where(self._facturas_vigentes(), Factura.periodo == periodo,
                   not_(Factura.consumo_estimado), Factura.promedio_m3 > 0,
                   or_(relativo > umbral, relativo < -umbral))
            .order_by(func.abs(relativo).desc(), Cliente.numero_cuenta))
        if limit is not None:
            statement = statement.limit(limit)
        return (await self.session.execute(statement)).all()

    def sui_facturacion(self, periodo: str, servicio: str, mes_desde: date,
                        mes_hasta: date) -> AsyncIterator[Any]:
        """One row per account billed `servicio` in the period: its invoice, readings, m3, the
        service's charges by concept and factor, what it carried and was charged, and its
        payments dated in the period's month."""
        linea = FacturaLinea
        del_servicio = linea.servicio == servicio

        def concepto(value: Concepto) -> ColumnElement[Any]:
            return _sum_if(and_(del_servicio, linea.concepto == value.value), linea.valor)

        origen, pagada = aliased(Factura), aliased(Factura)
        # Each set once, joined (a correlated look-up per row would scan per row).
        carried = (
            select(origen.trasladada_a_id.label("factura_id"),
                   func.min(origen.fecha_limite_pago).label("vencida_desde"))
            .where(origen.tenant_id == self.tenant_id, origen.trasladada_a_id.is_not(None),
                   origen.periodo < periodo)
            .group_by(origen.trasladada_a_id).subquery())
        pagos_mes = (
            select(pagada.cliente_id, func.sum(Pago.valor).label("pagos_mes"))
            .join(pagada, and_(pagada.tenant_id == Pago.tenant_id,
                               pagada.id == Pago.factura_id))
            .where(Pago.tenant_id == self.tenant_id, Pago.estado == PagoEstado.aplicado.value,
                   Pago.fecha >= mes_desde, Pago.fecha <= mes_hasta)
            .group_by(pagada.cliente_id).subquery())
        statement = (
            select(Cliente.numero_cuenta, Factura.numero.label("factura_numero"),
                   Factura.fecha_expedicion, Cliente.uso, Cliente.estrato,
                   Factura.consumo_estimado, Factura.lectura_anterior, Factura.lectura_actual,
                   Factura.consumo_m3,
                   concepto(Concepto.cargo_fijo).label("cargo_fijo"),
                   concepto(Concepto.consumo_basico).label("valor_basico"),
                   concepto(Concepto.consumo_complementario).label("valor_complementario"),
                   concepto(Concepto.consumo_suntuario).label("valor_suntuario"),
                   concepto(Concepto.subsidio).label("subsidio"),
                   concepto(Concepto.contribucion).label("contribucion"),
                   func.max(case((and_(del_servicio, linea.factor.is_not(None)), linea.factor)))
                   .label("factor"),
                   Factura.saldo_anterior, Factura.intereses_mora, Factura.total,
                   func.min(carried.c.vencida_desde).label("vencida_desde"),
                   func.coalesce(func.max(pagos_mes.c.pagos_mes), 0).label("pagos_mes"))
            .select_from(linea)
            .join(Factura, and_(Factura.tenant_id == linea.tenant_id,
                                Factura.id == linea.factura_id))
            .join(Cliente, self._joins_cliente())
            .outerjoin(carried, carried.c.factura_id == Factura.id)
            .outerjoin(pagos_mes, pagos_mes.c.cliente_id == Cliente.id)
            .where(self._facturas_vigentes(), Factura.periodo == periodo)
            .group_by(linea.factura_id, Cliente.id, Cliente.numero_cuenta, Factura.numero,
                      Factura.fecha_expedicion, Cliente.uso, Cliente.estrato,
                      Factura.consumo_estimado, Factura.lectura_anterior,
                      Factura.lectura_actual, Factura.consumo_m3, Factura.saldo_anterior,
                      Factura.intereses_mora, Factura.total)
            .having(func.sum(case((del_servicio, 1), else_=0)) > 0)
            .order_by(Cliente.numero_cuenta))
        return self._stream(statement)

    def sui_pqrs(self, desde: date, hasta: date) -> AsyncIterator[Any]:
        """The PQRs filed in the range with what the regulator's PQR format asks of each."""
        statement = (
            select(Pqr.radicado, Pqr.fecha_radicacion, Pqr.tipo, Pqr.causal, PqrCausal.grupo,
                   Cliente.numero_cuenta, Factura.numero.label("factura_numero"),
                   Pqr.tipo_respuesta, Pqr.fecha_respuesta, Pqr.notificacion_medio,
                   Pqr.fecha_notificacion)
            .join(Cliente, and_(Cliente.tenant_id == Pqr.tenant_id,
                                Cliente.id == Pqr.cliente_id))
            .outerjoin(Factura, and_(Factura.tenant_id == Pqr.tenant_id,
                                     Factura.id == Pqr.factura_id))
            .outerjoin(PqrCausal, and_(PqrCausal.tenant_id == Pqr.tenant_id,
                                       PqrCausal.codigo == Pqr.causal))
            .where(Pqr.tenant_id == self.tenant_id, Pqr.fecha_radicacion >= desde,
                   Pqr.fecha_radicacion <= hasta)
            .order_by(Pqr.radicado))
        return self._stream(statement)

    async def _stream(self, statement: Any) -> AsyncIterator[Any]:
        """Rows from a server-side cursor: a file of every account of a big tenant."""
        result = await self.session.stream(statement.execution_options(yield_per=1000))
        async for row in result:
            yield row


    # --- the dashboard's summaries ----------------------------------------------------

    async def resumen_fresco(self, periodo: str) -> dict[str, Any]:
        """A period's summary computed from its invoices now (what the kept one must equal)."""
        vigente = Factura.estado != FacturaEstado.anulada.value
        row = (await self.session.execute(
            select(_sum_if(vigente, 1).label("facturas"),
                   _sum_if(and_(vigente, Factura.consumo_estimado), 1).label("estimadas"),
                   _sum_if(vigente, Factura.consumo_m3).label("m3"),
                   _sum_if(vigente, Factura.total - Factura.saldo_anterior).label("facturado"),
                   _sum_if(vigente, Factura.total).label("total"),
                   _sum_if(vigente, Factura.valor_pagado).label("recaudado"),
                   _sum_if(vigente, Factura.valor_acreditado).label("acreditado"),
                   _sum_if(not_(vigente), 1).label("anuladas"))
            .where(Factura.tenant_id == self.tenant_id, Factura.periodo == periodo))).one()
        return dict(row._mapping)

    async def guardar_resumen(self, periodo: str, values: dict[str, Any],
                              now: datetime) -> None:
        await self.session.execute(delete(ResumenPeriodo).where(
            ResumenPeriodo.tenant_id == self.tenant_id, ResumenPeriodo.periodo == periodo))
        await self.session.execute(insert(ResumenPeriodo).values(
            tenant_id=self.tenant_id, periodo=periodo, updated_at=now, **values))

    async def mover_resumen(self, periodo: str, now: datetime, **deltas: Any) -> None:
        """Adds each delta to its column, in the row's own UPDATE (concurrent writers queue
        on the row; none overwrites another's delta)."""
        await self.session.execute(
            update(ResumenPeriodo)
            .where(ResumenPeriodo.tenant_id == self.tenant_id,
                   ResumenPeriodo.periodo == periodo)
            .values(updated_at=now, **{name: getattr(ResumenPeriodo, name) + delta
                                       for name, delta in deltas.items()}))

    async def resumen(self, periodo: str) -> dict[str, Any] | None:
        row = (await self.session.execute(
            select(*[c for c in ResumenPeriodo.__table__.c
                     if c.name not in ("tenant_id", "periodo", "updated_at")])
            .where(ResumenPeriodo.tenant_id == self.tenant_id,
                   ResumenPeriodo.periodo == periodo))).one_or_none()
        return dict(row._mapping) if row is not None else None

    async def serie(self, periodos: int) -> Sequence[ResumenPeriodo]:
        return (await self.session.scalars(
            select(ResumenPeriodo).where(ResumenPeriodo.tenant_id == self.tenant_id)
            .order_by(ResumenPeriodo.periodo.desc()).limit(periodos))).all()

    async def guardar_cartera(self, values: dict[str, Any]) -> None:
        await self.session.execute(delete(ResumenCartera).where(
            ResumenCartera.tenant_id == self.tenant_id))
        await self.session.execute(insert(ResumenCartera).values(
            tenant_id=self.tenant_id, **values))

    async def cartera_guardada(self) -> ResumenCartera | None:
        return await self.session.scalar(select(ResumenCartera).where(
            ResumenCartera.tenant_id == self.tenant_id))

    async def pqrs_abiertas(self, today: date) -> Any:
        """Open PQRs, those past their deadline and those due today (the index on
        (tenant_id, estado, fecha_vencimiento) answers it)."""
        return (await self.session.execute(
            select(func.count().label("abiertas"),
                   _sum_if(Pqr.fecha_vencimiento < today, 1).label("vencidas"),
                   _sum_if(Pqr.fecha_vencimiento == today, 1).label("vencen_hoy"))
            .where(Pqr.tenant_id == self.tenant_id, Pqr.estado.in_(ABIERTAS)))).one()

    async def dia(self, fecha: date, inicio: datetime, fin: datetime) -> dict[str, Any]:
        """A day's movement: invoices issued in [inicio, fin) (not voided), payments dated
        `fecha` (not reversed), PQRs filed and answered that day."""
        facturas = (await self.session.execute(
            select(func.count().label("facturas"),
                   func.coalesce(func.sum(Factura.total), 0).label("facturado"))
            .where(Factura.tenant_id == self.tenant_id, Factura.created_at >= inicio,
                   Factura.created_at < fin,
                   Factura.estado != FacturaEstado.anulada.value))).one()
        pagos = (await self.session.execute(
            select(func.count().label("pagos"),
                   func.coalesce(func.sum(Pago.valor), 0).label("recaudado"))
            .where(Pago.tenant_id == self.tenant_id, Pago.fecha == fecha,
                   Pago.estado == PagoEstado.aplicado.value))).one()
        pqrs = (await self.session.execute(
            select(_sum_if(Pqr.fecha_radicacion == fecha, 1).label("radicadas"),
                   _sum_if(Pqr.fecha_respuesta == fecha, 1).label("respondidas"))
            .where(Pqr.tenant_id == self.tenant_id,
                   or_(Pqr.fecha_radicacion == fecha, Pqr.fecha_respuesta == fecha)))).one()
        return {"facturas": facturas.facturas, "facturado": facturas.facturado,
                "pagos": pagos.pagos, "recaudado": pagos.recaudado,
                "pqrs_radicadas": pqrs.radicadas or 0, "pqrs_respondidas": pqrs.respondidas or 0}

    async def diario_config(self) -> ReporteDiarioConfig | None:
        return await self.session.get(ReporteDiarioConfig, self.tenant_id)

    async def guardar_diario_config(self, config: ReporteDiarioConfig) -> None:
        config.tenant_id = self.tenant_id
        self.session.add(config)
        await self.session.flush()
