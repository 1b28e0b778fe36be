"""The reCAPTCHA widget (Flask-WTF's ``flask_wtf.recaptcha.widgets``)."""

from __future__ import annotations

import typing as t
from urllib.parse import urlencode

from markupsafe import Markup, escape
from wtforms.widgets import html_params

from erlen.globals import current_app

if t.TYPE_CHECKING:  # pragma: no cover
    from wtforms.fields.core import Field

__all__ = ["RECAPTCHA_DIV_CLASS_DEFAULT", "RECAPTCHA_SCRIPT_DEFAULT", "RecaptchaWidget"]

#: The provider's script (``RECAPTCHA_SCRIPT`` replaces it).
RECAPTCHA_SCRIPT_DEFAULT = "https://www.google.com/recaptcha/api.js"
#: The class of the widget's ``<div>`` (``RECAPTCHA_DIV_CLASS`` replaces it).
RECAPTCHA_DIV_CLASS_DEFAULT = "g-recaptcha"


class RecaptchaWidget:
    """Renders the provider's ``<script>`` and ``<div>`` for ``RECAPTCHA_PUBLIC_KEY``.

    Config: ``RECAPTCHA_HTML`` (used as it is instead), ``RECAPTCHA_SCRIPT``,
    ``RECAPTCHA_PARAMETERS`` (the script's query), ``RECAPTCHA_DIV_CLASS``,
    ``RECAPTCHA_DATA_ATTRS`` (``data-*`` attributes); keyword arguments become the
    ``<div>``'s attributes and win over the config. With ``RECAPTCHA_ENABLED`` false it
    renders an HTML comment.
    """

    def recaptcha_html(
        self, public_key: str, nonce: str | t.Callable[[], str] | None = None, **kwargs: t.Any
    ) -> Markup:
        """The widget's HTML for ``public_key``."""
        config = current_app.config
        html = config.get("RECAPTCHA_HTML")
        if html:
            return Markup(html)
        script = config.get("RECAPTCHA_SCRIPT") or RECAPTCHA_SCRIPT_DEFAULT
        params = config.get("RECAPTCHA_PARAMETERS")
        if params:
            script += f"?{urlencode(params)}"
        if callable(nonce):
            nonce = nonce()
        nonce_attr = f' nonce="{escape(nonce)}"' if nonce else ""

        kwargs.setdefault("class", config.get("RECAPTCHA_DIV_CLASS") or RECAPTCHA_DIV_CLASS_DEFAULT)
        data_attrs = dict(config.get("RECAPTCHA_DATA_ATTRS", {}))
        data_attrs["sitekey"] = public_key
        for key, value in data_attrs.items():
            kwargs.setdefault(f"data-{key}", value)
        return Markup(
            f"\n<script src='{escape(script)}' async defer{nonce_attr}></script>\n"
            f"<div {html_params(**kwargs)}></div>\n"
        )

    def __call__(self, field: Field, error: t.Any = None, **kwargs: t.Any) -> Markup:
        """Render ``field``."""
        if not current_app.config.get("RECAPTCHA_ENABLED", True):
            return Markup("<!-- recaptcha disabled -->")
        try:
            public_key = current_app.config["RECAPTCHA_PUBLIC_KEY"]
        except KeyError:
            raise RuntimeError("RECAPTCHA_PUBLIC_KEY config not set") from None
        kwargs.setdefault("id", field.id)
        return self.recaptcha_html(public_key, nonce=getattr(field, "nonce", None), **kwargs)
