"""reCAPTCHA (and compatible: hCaptcha) form field (Flask-WTF's ``flask_wtf.recaptcha``).

Verifying an answer calls the provider's verify server over the network
(``RECAPTCHA_VERIFY_SERVER``); it is skipped while ``app.testing`` is true or
``RECAPTCHA_ENABLED`` is false.
"""

from __future__ import annotations

from .fields import RecaptchaField
from .validators import Recaptcha
from .widgets import RecaptchaWidget

__all__ = ["Recaptcha", "RecaptchaField", "RecaptchaWidget"]
