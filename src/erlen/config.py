"""Application configuration: :class:`Config` and :class:`ConfigAttribute` (Flask-compatible)."""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["Config", "ConfigAttribute"]

T = t.TypeVar("T")

# errno values that ``silent=True`` turns into a ``False`` return.
_PYFILE_SILENT_ERRNOS = frozenset((errno.ENOENT, errno.EISDIR, errno.ENOTDIR))
_FILE_SILENT_ERRNOS = frozenset((errno.ENOENT, errno.EISDIR))


class ConfigAttribute(t.Generic[T]):
    """Descriptor that forwards an attribute of the owner to ``owner.config[name]``.

    :param name: The config key to read and write.
    :param get_converter: Optional callable applied to the value when it is read.
    """

    def __init__(self, name: str, get_converter: t.Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        """Return the (converted) config value, or the descriptor itself on the class."""
        if obj is None:
            return self
        value = obj.config[self.__name__]  # type: ignore[attr-defined]
        converter = self.get_converter
        if converter is not None:
            return converter(value)
        return value

    def __set__(self, obj: object, value: t.Any) -> None:
        """Store ``value`` in the owner's config under this attribute's key."""
        obj.config[self.__name__] = value  # type: ignore[attr-defined]


class Config(dict):
    """A ``dict`` with helpers to load configuration from files, objects and the environment.

    Only UPPERCASE keys are taken from Python files, objects and mappings, so
    helper values and imports in a config module are ignored::

        app.config.from_object("yourapp.default_settings")
        app.config.from_pyfile("instance.cfg", silent=True)
        app.config.from_envvar("YOURAPP_SETTINGS")
        app.config.from_prefixed_env()

    :param root_path: Relative file names are resolved against this directory
        (the application's ``root_path`` when the app creates the config).
    :param defaults: Optional initial values.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load a Python config file whose path is stored in an environment variable.

        :param variable_name: Name of the environment variable.
        :param silent: Return ``False`` instead of raising if the variable is
            unset or empty, or the file is missing.
        :return: ``True`` if the file was loaded.
        :raises RuntimeError: If the variable is not set and ``silent`` is false.
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set"
                " and as such configuration could not be loaded. Set"
                " this variable and make it point to a configuration"
                " file"
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every environment variable named ``{prefix}_KEY`` into ``self["KEY"]``.

        Variables are processed in sorted order. Each value is passed through
        ``loads`` (JSON by default) and kept as the raw string if that raises.
        A double underscore nests into dicts: ``FLASK_DB__HOST`` sets
        ``self["DB"]["HOST"]``, creating missing intermediate dicts.

        :param prefix: Variable name prefix, without the trailing underscore.
        :param loads: Converts each raw string value.
        :return: Always ``True``.
        """
        prefix = f"{prefix}_"
        environ = os.environ
        for env_key in sorted(environ):
            if not env_key.startswith(prefix):
                continue
            raw = environ[env_key]
            key = env_key[len(prefix) :]
            try:
                value = loads(raw)
            except Exception:
                value = raw

            if "__" not in key:
                self[key] = value
                continue

            *parents, leaf = key.split("__")
            target: t.Any = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its UPPERCASE globals, like :meth:`from_object`.

        :param filename: Absolute path, or a path relative to :attr:`root_path`.
        :param silent: Return ``False`` instead of raising if the file is missing.
        :return: ``True`` if the file was loaded.
        """
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as fh:
                exec(compile(fh.read(), filename, "exec"), module.__dict__)
        except OSError as exc:
            # Like Flask, this also relabels OSErrors raised by the file's own code.
            if silent and exc.errno in _PYFILE_SILENT_ERRNOS:
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the UPPERCASE attributes of a module, class or other object.

        :param obj: The object, or an import string (``"pkg.module"`` or
            ``"pkg.module:Class"``) that is imported first.
        """
        if isinstance(obj, str):
            from .utils import import_string

            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and pass the result to :meth:`from_mapping`.

        ::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        :param filename: Absolute path, or a path relative to :attr:`root_path`.
        :param load: Called with the open file; must return a mapping.
        :param silent: Return ``False`` instead of raising if the file is missing.
        :param text: Open the file in text mode (``True``) or binary mode.
        :return: ``True`` if the file was loaded.
        """
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as fh:
                data = load(fh)
        except OSError as exc:
            if silent and exc.errno in _FILE_SILENT_ERRNOS:
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        return self.from_mapping(data)

    def from_mapping(self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Update the config like :meth:`dict.update`, ignoring non-UPPERCASE keys.

        :return: Always ``True``.
        """
        merged: dict[str, t.Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """Return the options whose key starts with ``namespace`` as a new dict.

        ``config.get_namespace("IMAGE_STORE_")`` turns ``IMAGE_STORE_PATH``
        into ``{"path": ...}``.

        :param namespace: The key prefix to select.
        :param lowercase: Lowercase the resulting keys.
        :param trim_namespace: Remove the prefix from the resulting keys.
        """
        result: dict[str, t.Any] = {}
        cut = len(namespace) if trim_namespace else 0
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            out_key = key[cut:]
            if lowercase:
                out_key = out_key.lower()
            result[out_key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
