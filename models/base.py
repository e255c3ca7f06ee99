"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

import enum
import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import MANYTOONE, DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def business_zone() -> ZoneInfo:
    """The business time zone: the one configuration key ``BABEL_DEFAULT_TIMEZONE``.

    Asia/Tokyo unless the deployment says otherwise. Dates are shown in it, and
    days ("yesterday", "past the expected close date") are counted in it, for
    every user without a time zone of their own (see ``User.zone``).
    """
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware.

    SQLite keeps no time zone; storing UTC everywhere and tagging it on the way
    out keeps comparisons correct on both SQLite and PostgreSQL.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Tag the stored naive UTC value as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@functools.cache
def _insert_plan(mapper: sa.orm.Mapper) -> tuple[tuple, tuple]:
    """For :func:`column_values`: each column (attribute, column, ``None`` when unset?)
    and each many-to-one relationship (attribute, [(foreign key, related attribute)])."""
    columns = tuple(
        (
            prop.key,
            prop.columns[0].key,
            not (
                prop.columns[0].primary_key
                or prop.columns[0].default is not None
                or prop.columns[0].server_default is not None
            ),
        )
        for prop in mapper.column_attrs
    )
    relations = tuple(
        (
            relation.key,
            tuple(
                (local.key, relation.mapper.get_property_by_column(remote).key)
                for local, remote in relation.local_remote_pairs
            ),
        )
        for relation in mapper.relationships
        if relation.direction is MANYTOONE
    )
    return columns, relations


def column_values(obj: object) -> dict[str, object]:
    """The values a flush would insert for a transient ``obj``, for a Core ``INSERT``.

    The attributes set on it (by its constructor, validators and rules), the
    foreign keys of its many-to-one relationships read from the related
    objects' ids (already inserted), and ``None`` for the other columns that
    have no default. Columns with a default are left out, so the ``INSERT``
    applies the same column default (``utcnow``, ``new_reference``...) the
    unit of work would. Every row of one model built by the same code gets the
    same keys, so a list of them is one multi-row ``INSERT``.
    """
    state = sa.inspect(obj)
    columns, relations = _insert_plan(state.mapper)
    values_set = state.dict
    values: dict[str, object] = {}
    for attribute, column, unset_is_none in columns:
        if attribute in values_set:
            values[column] = values_set[attribute]
        elif unset_is_none:
            values[column] = None
    # As the flush does: a related object's id wins over the foreign key attribute.
    for attribute, pairs in relations:
        if attribute in values_set:
            related = values_set[attribute]
            for column, other in pairs:
                values[column] = None if related is None else getattr(related, other)
    return values


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum type: a VARCHAR with a named CHECK constraint on every database."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
    )


class Base(DeclarativeBase):
    """Base class of every LeadShare model."""

    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


#: The domain's session and engine. The application shell binds it to an app
#: (``db.init_app``); the domain only ever uses ``db.session``.
db = SQLAlchemy(model_class=Base)
