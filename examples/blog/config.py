"""The blog's settings: one class per environment, picked by name in ``create_app``.

Outside tests, ``create_app`` then applies the environment: ``DATABASE_URL`` (see
:func:`database_url`) and ``BLOG_*`` variables (``BLOG_POSTS_PER_PAGE=10``). The secret key is
never here: ``create_app`` takes it from ``BLOG_SECRET_KEY`` or creates one per installation.
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
    SQLALCHEMY_DATABASE_URI = "sqlite:///blog.sqlite"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # The index page is cached (erlen.ext.caching) for anonymous visitors.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 60

    POSTS_PER_PAGE = 5
    API_POSTS_PER_PAGE = 10
    API_MAX_PER_PAGE = 50
    PASSWORD_HASH_METHOD = "scrypt"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_PROTECTION = "basic"

    # Form submissions larger than this are refused with 413.
    MAX_CONTENT_LENGTH = 1024 * 1024


class DevelopmentConfig(Config):
    """``erlen run`` on a workstation: the defaults."""


class TestingConfig(Config):
    """The test suite: an in-memory database and a fast (weak) password hash; the environment
    is not read. CSRF protection stays on: the tests post the tokens the pages carry.
    """

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # PERF: scrypt costs a third of a second per hash; tests register many users.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    """Behind HTTPS: cookies are sent over HTTPS only and sessions are strongly protected."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_PROTECTION = "strong"
    WTF_CSRF_SSL_STRICT = True


#: ``create_app``'s names for the classes (also the values of ``BLOG_CONFIG``).
CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
