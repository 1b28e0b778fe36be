"""Proving that the batteries work without Flask, Werkzeug or any ``flask_*`` package.

:data:`BLOCK_FLASK` is Python source that makes importing them fail; run it first in a
subprocess (``-c`` prefix or a ``sitecustomize.py``). :func:`run_without_flask` runs a
script that way and checks that none of them got imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BLOCK_FLASK = """
import sys


class _BlockFlask:
    def find_spec(self, name, path=None, target=None):
        root = name.partition(".")[0]
        if root in ("flask", "werkzeug") or root.startswith("flask_"):
            raise ImportError(f"blocked: {name}")
        return None


sys.meta_path.insert(0, _BlockFlask())
"""

# Run after the script: a module that found its way in without the import system fails too.
_NONE_LOADED = """
_loaded = sorted(
    m for m in sys.modules
    if m.partition(".")[0] in ("flask", "werkzeug") or m.startswith("flask_")
)
assert not _loaded, _loaded
"""


def run_without_flask(script: str, cwd: Path | str | None = None) -> str:
    """Run ``script`` (dedented) in a new Python process that cannot import Flask,
    Werkzeug or a Flask extension; assert it succeeded without any of them loaded and
    return what it printed."""
    source = BLOCK_FLASK + textwrap.dedent(script) + _NONE_LOADED
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
