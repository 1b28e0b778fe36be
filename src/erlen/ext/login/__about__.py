"""Package metadata, as Flask-Login's ``flask_login.__about__`` has it.

``__version__`` is the Flask-Login version whose API this battery mirrors.
"""

from __future__ import annotations

__title__ = "erlen.ext.login"
__description__ = "User session management for erlen (Flask-Login's API)"
__url__ = "https://example.invalid/erlen"
__version_info__ = ("0", "6", "3")
__version__ = ".".join(__version_info__)
__author__ = "The erlen team"
__author_email__ = "erlen@example.invalid"
__maintainer__ = "The erlen team"
__license__ = "BSD-3-Clause"
__copyright__ = "(c) The erlen team"
