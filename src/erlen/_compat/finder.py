"""The import hook of compat mode: ``flask.*`` and ``werkzeug.*`` load erlen's modules.

:class:`AliasFinder` sits first on :data:`sys.meta_path`. For a name in the alias table it
returns a spec whose loader hands back the erlen module itself, so ``sys.modules["flask.app"]
is sys.modules["erlen.app"]``: one module object under two names, hence ``flask.request is
erlen.request`` and ``isinstance`` checks agree whichever name a class was imported by. The
same object answers ``importlib.metadata`` for ``flask`` and ``werkzeug``
(:mod:`erlen._compat.metadata`).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
import typing as t
from types import CodeType, ModuleType

from . import aliases, metadata


class _State:
    """What a spec's loader needs: the erlen module's name, then its own spec."""

    __slots__ = ("erlen_name", "own_spec")

    def __init__(self, erlen_name: str) -> None:
        self.erlen_name = erlen_name
        self.own_spec: importlib.machinery.ModuleSpec | None = None


class AliasFinder(importlib.metadata.DistributionFinder, importlib.abc.Loader):
    """Finds Flask's and Werkzeug's module names and loads erlen's modules for them."""

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for ``fullname`` if the alias table has it; fail if erlen lacks the module."""
        erlen_name = aliases.target(fullname)
        if erlen_name is None:
            return None
        try:
            own_spec = importlib.util.find_spec(erlen_name)
        except ModuleNotFoundError:  # a parent is missing or is not a package
            own_spec = None
        if own_spec is None:
            raise ModuleNotFoundError(aliases.missing_message(fullname, erlen_name), name=fullname)
        # origin: what `python -m flask` puts in sys.argv[0] and tracebacks show
        return importlib.machinery.ModuleSpec(
            fullname,
            self,
            origin=own_spec.origin,
            loader_state=_State(erlen_name),
            # Werkzeug's packages stay packages even where erlen has a plain module (the
            # import system then gives that module an empty __path__), so that importing a
            # submodule erlen lacks reaches find_spec and gets the message pointing to the docs.
            is_package=aliases.is_package(fullname),
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """Import the erlen module and return it: it is the module for ``spec.name`` too."""
        state: _State = spec.loader_state
        module = importlib.import_module(state.erlen_name)
        state.own_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Give the module its own spec back (it ran already, under its erlen name)."""
        # The import system has just set module.__spec__ to the alias spec; relative imports
        # and pickling inside the module read its own.
        state: _State = module.__spec__.loader_state  # type: ignore[union-attr]
        module.__spec__ = state.own_spec

    def get_code(self, fullname: str) -> CodeType | None:
        """The erlen module's code (``python -m flask`` runs ``erlen.__main__``'s)."""
        erlen_name = aliases.target(fullname)
        if erlen_name is None:
            return None
        spec = importlib.util.find_spec(erlen_name)
        loader = spec.loader if spec is not None else None
        if not isinstance(loader, importlib.abc.InspectLoader):
            return None
        return loader.get_code(erlen_name)

    def find_distributions(
        self, context: importlib.metadata.DistributionFinder.Context | None = None
    ) -> t.Iterator[importlib.metadata.Distribution]:
        """The metadata of ``flask`` and ``werkzeug`` as erlen implements them."""
        name = context.name if context is not None else None
        return metadata.find_distributions(name)


def _foreign_modules() -> list[tuple[str, ModuleType]]:
    """Flask or Werkzeug modules already imported from somewhere other than erlen."""
    return [
        (name, module)
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] in ("flask", "werkzeug")
        and module is not None
        and not getattr(module, "__name__", "").startswith("erlen")
    ]


def installed() -> bool:
    """Whether compat mode is on in this process."""
    return any(isinstance(finder, AliasFinder) for finder in sys.meta_path)


def install() -> None:
    """Turn compat mode on (once); refuse if the real Flask or Werkzeug is already imported."""
    if installed():
        return
    foreign = _foreign_modules()
    if foreign:
        name, module = min(foreign, key=lambda item: (item[0].count("."), item[0]))
        where = getattr(module, "__file__", None) or repr(module)
        raise RuntimeError(
            f"erlen.compat was imported after the real {name.partition('.')[0]}: "
            f"{name!r} is already loaded from {where}.\n"
            "Compat mode makes 'flask' and 'werkzeug' imports load erlen. Code that already "
            "imported the real package would keep it, and two frameworks would share this "
            "process (two current_app, two request objects, exception classes that do not "
            "match).\nImport erlen.compat before anything that imports flask, werkzeug or a "
            "Flask extension: as the first import of the entry module, with 'erlen --compat' "
            "or ERLEN_COMPAT=1 for the erlen command, or 'pytest -p erlen.compat'. "
            "See docs/compat.md."
        )
    sys.meta_path.insert(0, AliasFinder())
