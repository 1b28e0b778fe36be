"""The users API's settings: one class per environment, picked by name in ``create_app``.

Outside tests, ``create_app`` then applies the environment: ``DATABASE_URL`` (see
:func:`database_url`) and ``USERS_API_*`` variables (``USERS_API_JWT_SECRET_KEY=...``,
``USERS_API_CORS_ORIGINS='["https://app.example.com"]'``; values are read as JSON when they
parse). The signing key is never here: ``create_app`` takes it from
``USERS_API_JWT_SECRET_KEY`` or makes one per installation.
"""

from __future__ import annotations

from datetime import timedelta


def database_url(url: str) -> str:
    """``url`` (from ``DATABASE_URL``) as SQLAlchemy takes it: ``postgres://`` and driver-less
    ``postgresql://`` URLs get the psycopg 3 driver (``postgresql+psycopg://``)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    # Relative to the instance folder (``examples/instance/`` in a checkout).
    SQLALCHEMY_DATABASE_URI = "sqlite:///users_api.sqlite"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # erlen.ext.jwt: short-lived access tokens, refresh tokens for a month.
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)

    # erlen.ext.cors, for the /api/ routes: the origins of the browser apps that call the
    # API. Tokens travel in the Authorization header, so no cookies (credentials) are
    # allowed across origins.
    CORS_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:3000"]
    CORS_EXPOSE_HEADERS = [
        "Location",
        "Link",
        "X-Total-Count",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    ]
    CORS_MAX_AGE = 600
    # Only answers to cross-origin requests (with an Origin header) carry CORS headers.
    CORS_ALWAYS_SEND = False

    # erlen.ext.limiter: one process counts in memory; several share a redis:// URL.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts per client address.
    LOGIN_RATE_LIMIT = "5 per minute"

    #: Users per page of ``GET /api/v1/users``: the default and the largest accepted.
    USERS_PER_PAGE = 20
    MAX_USERS_PER_PAGE = 100
    PASSWORD_HASH_METHOD = "scrypt"

    # JSON bodies larger than this are refused with 413.
    MAX_CONTENT_LENGTH = 64 * 1024


class DevelopmentConfig(Config):
    """``erlen run`` on a workstation: the defaults."""


class TestingConfig(Config):
    """The test suite: an in-memory database and a fast (weak) password hash; the environment
    is not read."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # PERF: scrypt costs a third of a second per hash; the tests make many users.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    """Behind HTTPS, several processes: set ``USERS_API_RATELIMIT_STORAGE_URI`` to a shared
    ``redis://`` URL and ``USERS_API_CORS_ORIGINS`` to the real front-end origins."""

    CORS_ORIGINS: list[str] = []


#: ``create_app``'s names for the classes (also the values of ``USERS_API_CONFIG``).
CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
