import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.schemas import Line
from app.core.security import MIN_PASSWORD_LENGTH
from app.users.models import Role


class LoginForm(BaseModel):
    """The OAuth2 password form (what Swagger's Authorize sends): `username` is the e-mail."""

    model_config = ConfigDict(extra="ignore")

    username: Annotated[Line, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    grant_type: Literal["password"] | None = None
    scope: str = ""
    client_id: str | None = None
    client_secret: str | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires")


class Me(BaseModel):
    id: uuid.UUID
    tenant_id: str
    email: str
    nombre: str
    role: Role
    cliente_id: uuid.UUID | None


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
