"""Translated WTForms messages in the request's locale (Flask-WTF's ``flask_wtf.i18n``).

Form error messages are translated when the app has a Babel extension registered as
``app.extensions["babel"]`` whose ``get_locale()`` is importable from ``erlen.ext.babel``
(the battery mirroring Flask-Babel, not part of erlen yet). Without it, messages stay in
English. Needs the Babel library; without it :class:`~erlen.ext.wtf.FlaskForm` uses
WTForms' default messages.
"""

from __future__ import annotations

import importlib
import typing as t
from functools import lru_cache

from babel import support
from wtforms.i18n import messages_path

from erlen.ctx import has_request_context
from erlen.globals import current_app

__all__ = ["Translations", "translations"]


def _babel_locale() -> str | None:
    """The request's locale from the Babel battery, or ``None`` without one."""
    try:
        babel = importlib.import_module("erlen.ext.babel")
    except ImportError:
        return None
    locale = babel.get_locale()
    return None if locale is None else str(locale)


@lru_cache(maxsize=64)
def _load(locale: str) -> support.NullTranslations:
    # Catalogs never change while the process runs: load each locale once.
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _get_translations() -> support.NullTranslations | None:
    """The WTForms catalog for the current request's locale, or ``None``."""
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    locale = _babel_locale()
    return None if locale is None else _load(locale)


class Translations:
    """``gettext``/``ngettext`` in the current request's locale (identity otherwise)."""

    def gettext(self, string: str) -> str:
        """Translate ``string``."""
        catalog = _get_translations()
        return string if catalog is None else catalog.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate ``singular``/``plural`` for the count ``n``."""
        catalog = _get_translations()
        if catalog is None:
            return singular if n == 1 else plural
        return catalog.ungettext(singular, plural, n)


#: What :class:`~erlen.ext.wtf.FlaskForm` gives WTForms as its translations.
translations = Translations()

if t.TYPE_CHECKING:  # pragma: no cover
    from wtforms.meta import _SupportsGettextAndNgettext

    _check: _SupportsGettextAndNgettext = translations
