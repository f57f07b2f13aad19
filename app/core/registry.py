"""Imports every domain's models so the metadata (for Alembic and tests) is complete."""

from app.clientes import models as clientes_models  # noqa: F401
from app.core.models import Base
from app.tenancy import models as tenancy_models  # noqa: F401
from app.users import models as users_models  # noqa: F401

metadata = Base.metadata
