"""Verifying a reCAPTCHA answer with the provider (Flask-WTF's
``flask_wtf.recaptcha.validators``)."""

from __future__ import annotations

import json
import typing as t
from urllib import request as http
from urllib.parse import urlencode

from wtforms import ValidationError

from erlen.globals import current_app, request

if t.TYPE_CHECKING:  # pragma: no cover
    from wtforms.fields.core import Field
    from wtforms.form import BaseForm

__all__ = ["RECAPTCHA_ERROR_CODES", "RECAPTCHA_VERIFY_SERVER_DEFAULT", "Recaptcha"]

#: Google's verify endpoint (``RECAPTCHA_VERIFY_SERVER`` replaces it, e.g. for hCaptcha).
RECAPTCHA_VERIFY_SERVER_DEFAULT = "https://www.google.com/recaptcha/api/siteverify"

#: The provider's error codes that have a message of their own.
RECAPTCHA_ERROR_CODES = {
    "missing-input-secret": "The secret parameter is missing.",
    "invalid-input-secret": "The secret parameter is invalid or malformed.",
    "missing-input-response": "The response parameter is missing.",
    "invalid-input-response": "The response parameter is invalid or malformed.",
}


class Recaptcha:
    """Checks the ``g-recaptcha-response`` the browser sent (form field or JSON key) with
    the verify server, using ``RECAPTCHA_PRIVATE_KEY``.

    Always passes while ``app.testing`` is true or ``RECAPTCHA_ENABLED`` is false. The
    verification is a blocking HTTPS call (``urllib``), made while the form validates.
    """

    def __init__(self, message: str | None = None) -> None:
        self.message = message or RECAPTCHA_ERROR_CODES["missing-input-response"]

    def __call__(self, form: BaseForm, field: Field) -> bool | None:
        if current_app.testing or not current_app.config.get("RECAPTCHA_ENABLED", True):
            return True
        if request.is_json:
            data = request.get_json(silent=True)
            answer = data.get("g-recaptcha-response", "") if isinstance(data, dict) else ""
        else:
            answer = request.form.get("g-recaptcha-response", "")
        if not answer:
            raise ValidationError(field.gettext(self.message))
        if not self._validate_recaptcha(answer, request.remote_addr):
            t.cast(t.Any, field).recaptcha_error = "incorrect-captcha-sol"
            raise ValidationError(field.gettext(self.message))
        return None

    def _validate_recaptcha(self, response: str, remote_addr: str | None) -> bool:
        """Ask the verify server whether ``response`` is a solved challenge."""
        config = current_app.config
        try:
            private_key = config["RECAPTCHA_PRIVATE_KEY"]
        except KeyError:
            raise RuntimeError("No RECAPTCHA_PRIVATE_KEY config set") from None
        server = config.get("RECAPTCHA_VERIFY_SERVER") or RECAPTCHA_VERIFY_SERVER_DEFAULT
        data = urlencode({"secret": private_key, "remoteip": remote_addr, "response": response})
        answer = http.urlopen(server, data.encode("utf-8"))
        if answer.code != 200:
            return False
        result = json.loads(answer.read())
        if result["success"]:
            return True
        for error in result.get("error-codes", []):
            if error in RECAPTCHA_ERROR_CODES:
                raise ValidationError(RECAPTCHA_ERROR_CODES[error])
        return False
