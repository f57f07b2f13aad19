import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field

from app.core.schemas import InputSchema, Line, OutputSchema, PatchSchema
from app.core.security import MIN_PASSWORD_LENGTH
from app.users.models import EMAIL_LENGTH, Role

Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)]
UserNombre = Annotated[Line, Field(min_length=1, max_length=200)]
NumeroCuentaRef = Annotated[str, Field(min_length=1, max_length=30,
                                       description="The account a cliente user is bound to")]


class UserCreate(InputSchema):
    email: Annotated[EmailStr, Field(max_length=EMAIL_LENGTH)]
    nombre: UserNombre
    password: Password
    role: Role
    numero_cuenta: NumeroCuentaRef | None = None


class UserUpdate(PatchSchema):
    NULLABLE = frozenset({"numero_cuenta"})

    nombre: UserNombre | None = None
    role: Role | None = None
    activo: bool | None = None
    numero_cuenta: NumeroCuentaRef | None = None


class UserRead(OutputSchema):
    id: uuid.UUID
    email: str
    nombre: str
    role: Role
    cliente_id: uuid.UUID | None
    activo: bool
    created_at: datetime
    last_login_at: datetime | None
