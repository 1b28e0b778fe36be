"""The reCAPTCHA field (Flask-WTF's ``flask_wtf.recaptcha.fields``)."""

from __future__ import annotations

import typing as t

from wtforms.fields import Field

from . import widgets
from .validators import Recaptcha

__all__ = ["RecaptchaField"]


class RecaptchaField(Field):
    """A reCAPTCHA widget, checked by :class:`~.validators.Recaptcha` unless other
    ``validators`` are given.

    ``nonce`` (a string, or a function returning one at render time) goes on the
    ``<script>`` tag for a nonce-based Content Security Policy.
    """

    widget = widgets.RecaptchaWidget()

    #: Set to the provider's error code when verification fails.
    recaptcha_error: str | None = None

    def __init__(
        self,
        label: str = "",
        validators: t.Any = None,
        nonce: str | t.Callable[[], str] | None = None,
        **kwargs: t.Any,
    ) -> None:
        self.nonce = nonce
        super().__init__(label, validators or [Recaptcha()], **kwargs)
