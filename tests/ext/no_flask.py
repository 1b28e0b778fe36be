"""Python source that makes importing Flask, Werkzeug or any ``flask_*`` package fail.

Run it first in a subprocess (``-c`` prefix or a ``sitecustomize.py``) to prove the batteries
work without them.
"""

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
