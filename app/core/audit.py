"""Who is changing things in a unit of work: the request's authenticated user, bound to its
session so the audit log (app.operaciones.auditoria) can write who did each change."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_ACTOR_KEY = "audit_actor"


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    role: str
    accion: str  # the route's name: "void_factura"
    ruta: str  # its method and template: "POST /api/facturas/{factura_id}/anular"
    request_id: str | None


def bind_actor(session: AsyncSession, actor: Actor) -> None:
    session.sync_session.info[_ACTOR_KEY] = actor


def session_actor(session: Session) -> Actor | None:
    return session.info.get(_ACTOR_KEY)
