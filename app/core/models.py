"""Declarative base, naming convention and the mixins every table uses."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Dialect,
    ForeignKey,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core import clock

# Stable constraint names, so migrations can address them on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLUG_LENGTH = 63


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, also on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: store timezone-aware values")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect,
                             ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TenantScoped:
    """A row that belongs to one tenant: tenant_id leads its primary key.

    References between tenant tables are composite ((tenant_id, x_id) -> x (tenant_id, id)),
    so the database itself refuses a link across tenants, and every key is distributable by
    tenant_id.
    """

    tenant_id: Mapped[str] = mapped_column(
        String(SLUG_LENGTH), ForeignKey("tenants.id"), primary_key=True, sort_order=-2
    )


class TenantChild(TenantScoped):
    """A tenant row that hangs from another tenant row through a composite foreign key
    (a line from its invoice, a payment from its invoice, ...). That key already proves the
    tenant exists, so the row skips the direct tenants foreign key: on a billing run's million
    lines, each such check is a trigger call."""

    tenant_id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True, sort_order=-2)


class UUIDKeyed:
    """The rest of the primary key: (tenant_id, id)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4,
                                          sort_order=-1)


MONEY = Numeric(14, 2)
UNIT_PRICE = Numeric(14, 4)
FACTOR = Numeric(6, 4)
