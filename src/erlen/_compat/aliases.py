"""The alias table of compat mode: which erlen module ``import flask.X`` / ``werkzeug.X`` gives.

Importing this module turns nothing on; :mod:`erlen.compat` re-exports its names.

The table is explicit: it lists every module of Flask 3.1.3 and Werkzeug 3.1.9 and maps each
to an erlen module. A name maps to the erlen module of the same name (``flask.json.tag`` to
``erlen.json.tag``, ``werkzeug.routing.rules`` to ``erlen.routing.rules``) unless
:data:`RENAMED` says otherwise. A mapped erlen module that does not exist (yet) makes the
import fail with an error naming both modules and pointing to docs/compat.md (with the reason
from :data:`ABSENT` when erlen lacks the module on purpose), so new erlen modules are picked up
without touching the table. Names that neither Flask nor Werkzeug has are not aliased: ``import
flask.routing`` fails as it does with Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: The Flask release whose API erlen implements; ``flask.__version__`` and
#: ``importlib.metadata.version("flask")`` answer it in compat mode.
FLASK_VERSION = "3.1.3"

#: The Werkzeug release whose API erlen implements; ``importlib.metadata.version("werkzeug")``
#: answers it in compat mode.
WERKZEUG_VERSION = "3.1.9"

#: Every module of Flask 3.1.3.
FLASK_MODULES: tuple[str, ...] = (
    "flask",
    "flask.__main__",
    "flask.app",
    "flask.blueprints",
    "flask.cli",
    "flask.config",
    "flask.ctx",
    "flask.debughelpers",
    "flask.globals",
    "flask.helpers",
    "flask.json",
    "flask.json.provider",
    "flask.json.tag",
    "flask.logging",
    "flask.sansio",
    "flask.sansio.app",
    "flask.sansio.blueprints",
    "flask.sansio.scaffold",
    "flask.sessions",
    "flask.signals",
    "flask.templating",
    "flask.testing",
    "flask.typing",
    "flask.views",
    "flask.wrappers",
)

#: Every module of Werkzeug 3.1.9 (``_internal`` and ``_reloader`` included: extensions
#: import them).
WERKZEUG_MODULES: tuple[str, ...] = (
    "werkzeug",
    "werkzeug._internal",
    "werkzeug._reloader",
    "werkzeug.datastructures",
    "werkzeug.datastructures.accept",
    "werkzeug.datastructures.auth",
    "werkzeug.datastructures.cache_control",
    "werkzeug.datastructures.csp",
    "werkzeug.datastructures.etag",
    "werkzeug.datastructures.file_storage",
    "werkzeug.datastructures.headers",
    "werkzeug.datastructures.mixins",
    "werkzeug.datastructures.range",
    "werkzeug.datastructures.structures",
    "werkzeug.debug",
    "werkzeug.debug.console",
    "werkzeug.debug.repr",
    "werkzeug.debug.tbtools",
    "werkzeug.exceptions",
    "werkzeug.formparser",
    "werkzeug.http",
    "werkzeug.local",
    "werkzeug.middleware",
    "werkzeug.middleware.dispatcher",
    "werkzeug.middleware.http_proxy",
    "werkzeug.middleware.lint",
    "werkzeug.middleware.profiler",
    "werkzeug.middleware.proxy_fix",
    "werkzeug.middleware.shared_data",
    "werkzeug.routing",
    "werkzeug.routing.converters",
    "werkzeug.routing.exceptions",
    "werkzeug.routing.map",
    "werkzeug.routing.matcher",
    "werkzeug.routing.rules",
    "werkzeug.sansio",
    "werkzeug.sansio.http",
    "werkzeug.sansio.multipart",
    "werkzeug.sansio.request",
    "werkzeug.sansio.response",
    "werkzeug.sansio.utils",
    "werkzeug.security",
    "werkzeug.serving",
    "werkzeug.test",
    "werkzeug.testapp",
    "werkzeug.urls",
    "werkzeug.user_agent",
    "werkzeug.utils",
    "werkzeug.wrappers",
    "werkzeug.wrappers.request",
    "werkzeug.wrappers.response",
    "werkzeug.wsgi",
)

#: The modules whose erlen module has another name (read-only, as the other tables).
#: ``flask`` and ``werkzeug`` are modules of their own because their top-level names differ
#: from ``erlen``'s (``werkzeug.Request`` is the Werkzeug-level class, ``flask.__version__``
#: is Flask's version); ``werkzeug.wrappers`` because ``erlen.wrappers`` is
#: ``flask.wrappers`` (the app-level subclasses); ``werkzeug._internal`` is private to
#: Werkzeug and erlen has only the one name extensions import from it.
RENAMED: Mapping[str, str] = MappingProxyType(
    {
        "flask": "erlen._compat.flask",
        "werkzeug": "erlen._compat.werkzeug",
        "werkzeug.wrappers": "erlen._compat.werkzeug_wrappers",
        "werkzeug._internal": "erlen._compat.werkzeug_internal",
    }
)

#: Why erlen has no module for these names (shown when they are imported in compat mode).
ABSENT: Mapping[str, str] = MappingProxyType(
    {
        "werkzeug.testapp": "Werkzeug's demo application is not part of erlen",
    }
)


def _default_target(name: str) -> str:
    return "erlen" + name[name.index(".") :] if "." in name else "erlen"


#: Every Flask 3.1.3 and Werkzeug 3.1.9 module name -> the erlen module compat mode gives for
#: it (the target may not exist yet: see the module docstring).
ALIASES: Mapping[str, str] = MappingProxyType(
    {name: RENAMED.get(name) or _default_target(name) for name in FLASK_MODULES + WERKZEUG_MODULES}
)

_PACKAGES = frozenset(name.rpartition(".")[0] for name in ALIASES if "." in name)


def target(name: str) -> str | None:
    """The erlen module that compat mode loads for the Flask or Werkzeug module ``name``.

    ``None`` when ``name`` is not a module of Flask 3.1.3 or Werkzeug 3.1.9 (compat mode
    leaves it alone). ``target("werkzeug.wrappers.request")`` is ``"erlen.wrappers.request"``.
    """
    return ALIASES.get(name)


def is_package(name: str) -> bool:
    """Whether ``name`` is a package in Flask or Werkzeug (it has submodules to import)."""
    return name in _PACKAGES


def missing_message(name: str, erlen_name: str) -> str:
    """The error text for importing ``name`` when its erlen module ``erlen_name`` is missing."""
    why = ABSENT.get(name) or f"erlen has no module {erlen_name}, which compat mode maps it to"
    return f"No module named {name!r} in erlen's compat mode: {why}. See docs/compat.md."
