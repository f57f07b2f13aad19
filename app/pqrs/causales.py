"""The causes a new tenant's catalogue starts with: the common reasons customers of a water
utility complain, grouped as the regulator's PQR format groups them (billing, and the
provision of the service). The codes are this service's own; a tenant edits names, turns
causes off and adds its own."""

from app.pqrs.models import GrupoCausal

CAUSALES_COMUNES: tuple[tuple[str, GrupoCausal, str], ...] = (
    ("F01", GrupoCausal.facturacion, "Inconformidad con el consumo facturado"),
    ("F02", GrupoCausal.facturacion, "Cobro por servicios no prestados"),
    ("F03", GrupoCausal.facturacion, "Estrato o clase de uso incorrecto"),
    ("F04", GrupoCausal.facturacion, "Tarifa cobrada"),
    ("F05", GrupoCausal.facturacion, "Subsidios y contribuciones"),
    ("F06", GrupoCausal.facturacion, "Cobro de intereses o saldos anteriores"),
    ("F07", GrupoCausal.facturacion, "Pago no abonado a la cuenta"),
    ("F08", GrupoCausal.facturacion, "Consumo estimado o sin lectura del medidor"),
    ("F09", GrupoCausal.facturacion, "Entrega inoportuna o no entrega de la factura"),
    ("F10", GrupoCausal.facturacion, "Cobro de otros cargos"),
    ("P01", GrupoCausal.prestacion, "Interrupción o falta de continuidad del servicio"),
    ("P02", GrupoCausal.prestacion, "Calidad del agua"),
    ("P03", GrupoCausal.prestacion, "Presión del agua"),
    ("P04", GrupoCausal.prestacion, "Suspensión o corte del servicio"),
    ("P05", GrupoCausal.prestacion, "Reconexión o reinstalación"),
    ("P06", GrupoCausal.prestacion, "Medidor: revisión, cambio o daño"),
    ("P07", GrupoCausal.prestacion, "Daños o fugas en la red"),
    ("P08", GrupoCausal.prestacion, "Alcantarillado: obstrucción o rebose"),
    ("P09", GrupoCausal.prestacion, "Atención al usuario"),
)
