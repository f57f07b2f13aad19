"""Imports every domain's models so the metadata (for Alembic and tests) is complete.

It lives outside `app.core`, which knows no domain.
"""

from typing import Any

from app.clientes import models as clientes_models  # noqa: F401
from app.core import sequences  # noqa: F401
from app.core.models import Base
from app.facturacion import models as facturacion_models  # noqa: F401
from app.facturas import models as facturas_models  # noqa: F401
from app.lecturas import models as lecturas_models  # noqa: F401
from app.notificaciones import models as notificaciones_models  # noqa: F401
from app.operaciones import models as operaciones_models  # noqa: F401
from app.pagos import models as pagos_models  # noqa: F401
from app.pdf import models as pdf_models  # noqa: F401
from app.pqrs import models as pqrs_models  # noqa: F401
from app.reportes import models as reportes_models  # noqa: F401
from app.tarifas import models as tarifas_models  # noqa: F401
from app.tenancy import models as tenancy_models  # noqa: F401
from app.trabajos import models as trabajos_models  # noqa: F401
from app.users import models as users_models  # noqa: F401

metadata = Base.metadata


def is_model_object(object_: Any, name: str | None, type_: str, _reflected: bool,
                    _compare_to: Any) -> bool:
    """Alembic's include_object: the job queue's tables and indexes are the library's (created
    from its own schema script), not models to compare."""
    table = object_.table.name if type_ == "index" and object_.table is not None else name
    return not (table or "").startswith("procrastinate_")
