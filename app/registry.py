"""Imports every domain's models so the metadata (for Alembic and tests) is complete.

It lives outside `app.core`, which knows no domain.
"""

from app.clientes import models as clientes_models  # noqa: F401
from app.core import sequences  # noqa: F401
from app.core.models import Base
from app.facturacion import models as facturacion_models  # noqa: F401
from app.facturas import models as facturas_models  # noqa: F401
from app.lecturas import models as lecturas_models  # noqa: F401
from app.pagos import models as pagos_models  # noqa: F401
from app.pdf import models as pdf_models  # noqa: F401
from app.pqrs import models as pqrs_models  # noqa: F401
from app.tarifas import models as tarifas_models  # noqa: F401
from app.tenancy import models as tenancy_models  # noqa: F401
from app.users import models as users_models  # noqa: F401

metadata = Base.metadata
