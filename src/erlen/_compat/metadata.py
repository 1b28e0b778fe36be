"""Distribution metadata for ``flask`` and ``werkzeug`` in compat mode.

Extensions gate behaviour on ``importlib.metadata.version("flask")`` (Flask-RESTX picks its
code paths by the Flask and Werkzeug major versions). In compat mode the ``flask`` and
``werkzeug`` that get imported are erlen, so the versions reported are the ones erlen
implements, even when a real Flask or Werkzeug is installed beside it (extensions pull them in
as dependencies) or none is.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import typing as t

from .aliases import FLASK_VERSION, WERKZEUG_VERSION

# normalized distribution name -> (name as published, version)
_SERVED: dict[str, tuple[str, str]] = {
    "flask": ("Flask", FLASK_VERSION),
    "werkzeug": ("Werkzeug", WERKZEUG_VERSION),
}


class ServedDistribution(importlib.metadata.Distribution):
    """The metadata of a distribution that compat mode serves from erlen: name and version.

    It has no files, requirements or entry points.
    """

    def __init__(self, name: str, version: str) -> None:
        self._text = (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            f"Summary: {name} {version} API, served by erlen's compat mode\n"
        )

    def read_text(self, filename: str) -> str | None:
        """The METADATA (or PKG-INFO) text; no other file exists."""
        if filename in ("METADATA", "PKG-INFO"):
            return self._text
        return None

    def locate_file(self, path: str | t.Any) -> pathlib.Path:
        """Where a file of this distribution would be (there are none): erlen's package."""
        return pathlib.Path(__file__).parent.parent / str(path)


def _normalize(name: str) -> str:
    # PEP 503 normalization, as importlib.metadata compares names
    return re.sub(r"[-_.]+", "-", name).lower()


def find_distributions(name: str | None) -> t.Iterator[ServedDistribution]:
    """The served distributions matching ``name`` (all of them for ``None``)."""
    for key, (published, version) in _SERVED.items():
        if name is None or _normalize(name) == key:
            yield ServedDistribution(published, version)
