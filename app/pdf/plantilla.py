"""The version of the invoice's look. Stored PDFs are keyed by it, so a change to the template,
its CSS or the code that fills it makes the next download render again."""

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
_SOURCES = (TEMPLATES / "factura.html", TEMPLATES / "factura.css", HERE / "render.py",
            HERE / "codigo_pago.py")

VERSION = hashlib.sha256(b"".join(path.read_bytes() for path in _SOURCES)).hexdigest()[:12]
