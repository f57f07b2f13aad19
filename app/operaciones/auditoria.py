"""The audit log, written by the unit of work itself: after each flush of a session that a
user's state-changing request holds (see app.core.audit), one row per entity created,
changed or deleted, with the fields before and after, in the same transaction. A call that
changed rows only through set-based SQL (no entity) still leaves one row, for the call.

Derived rows (summaries, counters, rendered files, the mail and audit records themselves) and
secrets (password hashes) are left out; binary fields are recorded by their size.
"""

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import LargeBinary, event, insert, inspect
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from app.core import clock
from app.core.audit import Actor, session_actor
from app.core.tenant import session_tenant
from app.operaciones.models import Auditoria

NOT_AUDITED = frozenset({"auditoria", "incidentes", "envios", "archivos", "consecutivos",
                         "resumen_periodos", "resumen_cartera", "factura_pdfs",
                         "factura_lineas"})
SECRET_FIELDS = frozenset({"password_hash"})
_AUDITED = "audit_written"


def _json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _fields(obj: Any) -> list[tuple[str, bool]]:
    """(attribute, is binary) of the object's audited columns."""
    return [(attr.key, isinstance(attr.columns[0].type, LargeBinary))
            for attr in inspect(obj).mapper.column_attrs
            if attr.key not in SECRET_FIELDS and attr.key != "tenant_id"]


def _snapshot(obj: Any) -> dict[str, Any]:
    return {key: _json(obj.__dict__[key]) for key, _ in _fields(obj)
            if obj.__dict__.get(key) is not None}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    antes, despues = {}, {}
    for key, _ in _fields(obj):
        history = attributes.get_history(obj, key, passive=PASSIVE_NO_INITIALIZE)
        if history.added or history.deleted:
            antes[key] = _json(history.deleted[0]) if history.deleted else None
            despues[key] = _json(history.added[0]) if history.added else None
    return antes, despues


def _key(obj: Any) -> str:
    mapper = inspect(obj).mapper
    return "/".join(str(obj.__dict__.get(mapper.get_property_by_column(column).key))
                    for column in mapper.primary_key if column.key != "tenant_id")


def _row(actor: Actor, tenant_id: str, operacion: str, entidad: str | None,
         entidad_id: str | None, antes: dict[str, Any] | None,
         despues: dict[str, Any] | None) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "id": uuid.uuid4(), "at": clock.now(),
            "actor_id": actor.user_id, "actor_rol": actor.role, "accion": actor.accion,
            "ruta": actor.ruta, "operacion": operacion, "entidad": entidad,
            "entidad_id": entidad_id, "request_id": actor.request_id, "antes": antes,
            "despues": despues}


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _context: Any) -> None:
    actor, tenant_id = session_actor(session), session_tenant(session)
    if actor is None or tenant_id is None:
        return
    rows = []
    for obj in session.new:
        if (table := getattr(obj, "__tablename__", None)) not in NOT_AUDITED and table:
            rows.append(_row(actor, tenant_id, "crear", table, _key(obj), None, _snapshot(obj)))
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", None)
        if not table or table in NOT_AUDITED or not session.is_modified(obj):
            continue
        antes, despues = _changes(obj)
        if despues:
            rows.append(_row(actor, tenant_id, "modificar", table, _key(obj), antes, despues))
    for obj in session.deleted:
        if (table := getattr(obj, "__tablename__", None)) not in NOT_AUDITED and table:
            rows.append(_row(actor, tenant_id, "eliminar", table, _key(obj), _snapshot(obj),
                             None))
    if rows:
        session.connection().execute(insert(Auditoria), rows)
        session.info[_AUDITED] = True


@event.listens_for(Session, "before_commit")
def _audit_call(session: Session) -> None:
    """A state-changing call whose changes no flush showed (set-based SQL) is one row."""
    actor, tenant_id = session_actor(session), session_tenant(session)
    if actor is None or tenant_id is None:
        return
    session.flush()
    if not session.info.get(_AUDITED):
        session.connection().execute(insert(Auditoria), [
            _row(actor, tenant_id, "ejecutar", None, None, None, None)])
        session.info[_AUDITED] = True
