"""A period's PDFs as a job, split in parts of consecutive invoices that any worker renders:
with two workers, two parts render at once. A part skips invoices whose stored PDF is up to
date, so running one again (a retry, a worker that died) redoes nothing."""

import math
from typing import Any, cast

from app.facturas import service as facturas_service
from app.pdf import service
from app.pdf.renderer import PdfRenderer
from app.trabajos.runner import Contexto, handler, tramo_handler

FACTURAS_POR_TRAMO = 500


@handler(service.TIPO_PDFS)
async def repartir(contexto: Contexto, parametros: dict[str, Any]) -> dict[str, Any] | None:
    periodo = parametros["periodo"]
    async with contexto.database.session(contexto.tenant_id) as session:
        total = await facturas_service.count_periodo(session, contexto.tenant_id, periodo)
        cortes = await facturas_service.cortes_periodo(
            session, contexto.tenant_id, periodo, math.ceil(total / FACTURAS_POR_TRAMO))
    if not cortes:
        return {"facturas": 0, "renderizadas": 0}
    tramos = [{"periodo": periodo, "despues_de": desde, "hasta": hasta}
              for desde, hasta in zip([0, *cortes[:-1]], cortes, strict=True)]
    await contexto.repartir(tramos, total=total)
    return None


@tramo_handler(service.TIPO_PDFS)
async def renderizar(contexto: Contexto, _parametros: dict[str, Any],
                     tramo: dict[str, Any]) -> dict[str, int]:
    renderer = cast(PdfRenderer, contexto.recursos["pdf_renderer"])
    resumen = await service.render_period(
        contexto.database, contexto.tenant_id, tramo["periodo"], renderer,
        after_numero=tramo["despues_de"], hasta_numero=tramo["hasta"])
    return {"hechos": resumen.facturas, "facturas": resumen.facturas,
            "renderizadas": resumen.rendered}
