"""The payment code Colombian collectors read: GS1-128 with the layout of Asobancaria's
recaudo standard, `(415)<GLN>(8020)<reference>(3900)<amount>(96)<due date>`, drawn as a
Code 128 barcode and as a QR code.

Pure functions: they run in the PDF worker processes and in the tenant settings' validation.
"""

import base64
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

import segno
from barcode.codex import Gs1_128
from PIL import Image

# FNC1 ends a variable-length element string that is not the last one; python-barcode
# encodes this character as FNC1.
FNC1 = Gs1_128.FNC1_CHAR
QUIET_ZONE_MODULES = 10


def gs1_check_digit(digits: str) -> int:
    """GS1's mod-10 check digit of a GLN's first 12 digits (weights 3 and 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gln_is_valid(gln: str) -> bool:
    return len(gln) == 13 and gln.isdigit() and gs1_check_digit(gln[:12]) == int(gln[12])


@dataclass(frozen=True, slots=True)
class CodigoPago:
    legible: str  # the human-readable interpretation printed under the bars (and in the QR)
    datos: str  # what the bars encode: the element strings with FNC1 separators

    @classmethod
    def de(cls, *, gln: str, referencia: str, valor: Decimal, fecha_limite: date
           ) -> "CodigoPago":
        """AI 3900 carries whole pesos, so the centavos of the amount are left out: they stay
        on the account and the next invoice carries them."""
        pesos = int(valor.to_integral_value(rounding=ROUND_FLOOR))
        fields = (("415", gln), ("8020", referencia), ("3900", str(pesos)),
                  ("96", fecha_limite.strftime("%Y%m%d")))
        legible = "".join(f"({ai}){value}" for ai, value in fields)
        # 415 is fixed-length; 8020 and 3900 are variable and need FNC1 after them.
        datos = f"415{gln}8020{referencia}{FNC1}3900{pesos}{FNC1}96{fields[3][1]}"
        return cls(legible=legible, datos=datos)

    def barras_png(self) -> str:
        """Code 128 (GS1-128) bars as a one-pixel-high PNG, one pixel per module, as a data URI.

        Drawn unsmoothed (image-rendering: pixelated) it prints as sharp as vector bars, and a
        PDF renderer draws one image much faster than a path of a hundred rectangles.
        """
        quiet = "0" * QUIET_ZONE_MODULES
        modules = quiet + Gs1_128(self.datos).build()[0] + quiet
        image = Image.new("1", (len(modules), 1))
        image.putdata([0 if module == "1" else 1 for module in modules])
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

    def qr_png(self) -> str:
        """QR code of the same data, one pixel per module, as a PNG data URI."""
        return segno.make(self.legible, error="m").png_data_uri(scale=1, border=2)
