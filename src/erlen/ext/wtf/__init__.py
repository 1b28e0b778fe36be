"""Forms and CSRF protection: Flask-WTF 1.3's API on erlen and WTForms 3, without Flask.

``from flask_wtf import FlaskForm`` becomes ``from erlen.ext.wtf import FlaskForm``; the
submodules keep Flask-WTF's names (``form``, ``csrf``, ``file``, ``recaptcha``, ``i18n``).
See ``docs/ext/wtf.md``.
"""

from __future__ import annotations

from .csrf import CSRFProtect
from .form import FlaskForm, Form
from .recaptcha import Recaptcha, RecaptchaField, RecaptchaWidget

#: The Flask-WTF version whose API this battery mirrors.
__version__ = "1.3.0"

__all__ = [
    "CSRFProtect",
    "FlaskForm",
    "Form",
    "Recaptcha",
    "RecaptchaField",
    "RecaptchaWidget",
    "__version__",
]
