"""The extension objects, made here without an app and bound to it in ``create_app``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from erlen.ext.caching import Cache
from erlen.ext.login import LoginManager
from erlen.ext.migrate import Migrate
from erlen.ext.sqlalchemy import SQLAlchemy
from erlen.ext.wtf import CSRFProtect


class Base(DeclarativeBase):
    """The models' declarative base (SQLAlchemy 2 style, typed columns).

    Constraints get predictable names, so migrations can name what they alter or drop.
    """

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()
