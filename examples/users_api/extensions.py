"""The extension objects, made here without an app and bound to it in ``create_app``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from erlen.ext.cors import CORS
from erlen.ext.jwt import JWTManager
from erlen.ext.limiter import Limiter
from erlen.ext.limiter.util import get_remote_address
from erlen.ext.marshmallow import Marshmallow
from erlen.ext.migrate import Migrate
from erlen.ext.sqlalchemy import SQLAlchemy


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
jwt = JWTManager()
ma = Marshmallow()
# Only the /api/ routes answer cross-origin requests; the options come from CORS_* settings.
cors = CORS(resources={r"/api/*": {}})
# Requests are counted per client address. Behind a reverse proxy, wrap the app in
# erlen.middleware.proxy_fix.ProxyFix so that this is the client's address, not the proxy's.
limiter = Limiter(get_remote_address)
