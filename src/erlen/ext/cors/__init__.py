"""Cross-origin resource sharing: Flask-CORS 6's API on erlen, without Flask.

``from flask_cors import CORS, cross_origin`` becomes ``from erlen.ext.cors import CORS,
cross_origin``; the submodules keep Flask-CORS's names (``extension``, ``decorator``,
``core``). See ``docs/ext/cors.md``.
"""

from __future__ import annotations

import logging

from .decorator import cross_origin
from .extension import CORS

#: The Flask-CORS version whose API this battery mirrors.
__version__ = "6.0.5"

__all__ = ["CORS", "__version__", "cross_origin"]

# Quiet unless the application configures logging for it, as Flask-CORS does.
_logger = logging.getLogger("erlen.ext.cors")
_logger.addHandler(logging.NullHandler())
if _logger.level == logging.NOTSET:
    _logger.setLevel(logging.WARNING)
