"""Invoice document → PDF bytes: a Jinja2 template and its CSS through WeasyPrint.

This module runs in the renderer's worker processes. Parsing the stylesheet and loading the
fonts happen once per process (`warm_up`), not once per invoice.
"""

import gc
from datetime import date
from decimal import Decimal
from itertools import groupby

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from app.core.dates import add_months
from app.core.formato import fecha, miles, pesos
from app.pdf.documento import ConsumoPeriodo, FacturaDocumento, Linea
from app.pdf.plantilla import TEMPLATES

MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre")
SERVICIOS = {"acueducto": "Acueducto", "alcantarillado": "Alcantarillado"}
CONCEPTOS = {
    "cargo_fijo": "Cargo fijo",
    "consumo_basico": "Consumo básico",
    "consumo_complementario": "Consumo complementario",
    "consumo_suntuario": "Consumo suntuario",
    "subsidio": "Subsidio",
    "contribucion": "Contribución",
    "saldo_anterior": "Saldo anterior",
    "intereses_mora": "Intereses de mora",
}
BAR_MEASURED, BAR_ESTIMATED = "#4a7fb0", "#b7cde2"
CLAIM_MONTHS = 5  # Ley 142 art. 154: no claim on an invoice more than five months old


def fecha_larga(value: date) -> str:
    return f"{value.day} de {MESES[value.month - 1]} de {value.year}"


def periodo_nombre(periodo: str) -> str:
    year, month = periodo.split("-")
    return f"{MESES[int(month) - 1].capitalize()} {year}"


def porcentaje(factor: Decimal) -> str:
    return f"{abs(factor) * 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def concepto(linea: Linea) -> str:
    name = CONCEPTOS.get(linea.concepto, linea.concepto)
    return f"{name} ({porcentaje(linea.factor)})" if linea.factor is not None else name


def secciones(lineas: tuple[Linea, ...]) -> list[tuple[str, list[Linea], Decimal]]:
    """Service lines grouped by service, in billing order, with each group's subtotal.
    The balance and interest lines are shown with the totals."""
    grouped = []
    por_servicio = (linea for linea in lineas if linea.servicio is not None)
    for servicio, group in groupby(por_servicio, key=lambda linea: linea.servicio):
        items = list(group)
        grouped.append((SERVICIOS.get(servicio, str(servicio)), items,
                        sum((linea.valor for linea in items), Decimal("0.00"))))
    return grouped


def grafico_consumo(historial: tuple[ConsumoPeriodo, ...]) -> str:
    """Bar chart of the last periods' m3 as inline SVG; estimated periods are lighter.

    Styles are attributes: the page's CSS does not reach inside an inline SVG.
    """
    width, height, top, bottom = 300, 100, 14, 16
    slot = width / 6
    highest = max((p.m3 for p in historial), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             'font-family="DejaVu Sans" font-size="10" text-anchor="middle" fill="#333">',
             f'<path d="M0 {height - bottom}H{width}" stroke="#999" stroke-width="0.8"/>']
    for index, periodo in enumerate(historial):
        bar = (height - top - bottom) * periodo.m3 / highest
        x = index * slot + slot * 0.2
        y = height - bottom - bar
        center = x + slot * 0.3
        year, month = periodo.periodo.split("-")
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{bar:.1f}" '
            f'fill="{BAR_ESTIMATED if periodo.estimado else BAR_MEASURED}"/>'
            f'<text x="{center:.1f}" y="{y - 3:.1f}">{miles(periodo.m3)}</text>'
            f'<text x="{center:.1f}" y="{height - 4}">{MESES[int(month) - 1][:3].capitalize()} '
            f'{year[2:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
_environment.filters.update(pesos=pesos, miles=miles, fecha=fecha, fecha_larga=fecha_larga,
                            periodo_nombre=periodo_nombre, concepto=concepto)
_environment.globals.update(secciones=secciones, grafico_consumo=grafico_consumo,
                            add_months=add_months, CLAIM_MONTHS=CLAIM_MONTHS)

# An invoice must not reach outside: the logo is a data: URI and nothing else is fetched.
_fetcher = URLFetcher(allowed_protocols={"data"})
_fonts: FontConfiguration | None = None
_stylesheet: CSS | None = None


def warm_up() -> None:
    """Parses the stylesheet and loads the fonts once for this process.

    Then it freezes what exists so far (modules, fonts, the stylesheet) out of the garbage
    collector's reach: a render makes many objects, and full collections that walk these
    long-lived ones again and again made one render in ten take twice as long.
    """
    global _fonts, _stylesheet
    if _stylesheet is None:
        _fonts = FontConfiguration()
        _stylesheet = CSS(filename=str(TEMPLATES / "factura.css"), font_config=_fonts,
                          url_fetcher=_fetcher)
        HTML(string="<p>Listo <b>$ 0,00</b></p>").write_pdf(stylesheets=[_stylesheet],
                                                            font_config=_fonts)
        gc.freeze()


def html(documento: FacturaDocumento) -> str:
    return _environment.get_template("factura.html").render(f=documento,
                                                            codigo=documento.codigo_pago)


def render_pdf(documento: FacturaDocumento) -> bytes:
    warm_up()
    pdf: bytes = HTML(string=html(documento), url_fetcher=_fetcher).write_pdf(
        stylesheets=[_stylesheet], font_config=_fonts)
    return pdf
