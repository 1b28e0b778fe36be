"""General helpers: descriptors, filenames, redirects and imports (Werkzeug's ``werkzeug.utils``).

``send_file`` and ``send_from_directory`` are importable from here too; they
live in :mod:`erlen._send_file` and are loaded on first access.
"""

from __future__ import annotations

import os
import pkgutil
import re
import sys
import typing as t
import unicodedata

from markupsafe import escape

from .http import get_content_type
from .security import _windows_device_files
from .urls import iri_to_uri

if t.TYPE_CHECKING:
    from collections.abc import Iterator, MutableMapping

    from _typeshed.wsgi import WSGIEnvironment

    from ._send_file import send_file, send_from_directory
    from .wrappers.response import Response

__all__ = [
    "ImportStringError",
    "cached_property",
    "environ_property",
    "get_content_type",
    "header_property",
    "import_string",
    "find_modules",
    "redirect",
    "append_slash_redirect",
    "secure_filename",
    "send_file",
    "send_from_directory",
]

_T = t.TypeVar("_T")
_TAccessorValue = t.TypeVar("_TAccessorValue")
_missing: t.Any = object()
_object_setattr = object.__setattr__


class cached_property(t.Generic[_T]):
    """A decorator that turns a method into a lazily computed, cached attribute.

    The first access calls the function and stores the result in the
    instance's ``__dict__`` under the attribute's name; later reads are plain
    instance-dict hits that never reach this descriptor. Assigning sets the
    cached value and ``del obj.attr`` drops it so the next access recomputes.

    Unlike Werkzeug's version (a data descriptor, so every read goes through
    ``__get__``), this is a non-data descriptor, which makes cached reads as
    fast as ordinary attribute access. Classes with ``__slots__`` and no
    ``__dict__`` must provide a ``_cache_<name>`` slot, as with Werkzeug.
    """

    # PERF: cached reads are instance-dict hits that never call __get__, where
    # werkzeug.utils.cached_property (a data descriptor) is called on every read.

    def __init__(
        self, fget: t.Callable[[t.Any], _T], name: str | None = None, doc: str | None = None
    ) -> None:
        self.fget = fget
        self.__name__ = name or fget.__name__
        self.attrname = self.__name__
        self.slot_name = f"_cache_{self.__name__}"
        self.__module__ = fget.__module__
        self.__doc__ = doc or fget.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        """Cache under the attribute name so the cached value shadows this descriptor."""
        self.attrname = name

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> cached_property[_T]: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        """Compute the value, cache it on the instance and return it."""
        if obj is None:
            return self
        if not type(obj).__dictoffset__:
            # __slots__ without __dict__: the cache slot is checked every read.
            value = getattr(obj, self.slot_name, _missing)
            if value is _missing:
                value = self.fget(obj)
                setattr(obj, self.slot_name, value)
            return value
        # PERF: the function read as an attribute and then called (on 3.11 a method-call
        # lookup of an instance attribute is not specialized).
        fget = self.fget
        value = fget(obj)
        # PERF: stored as an instance attribute (this is no data descriptor) rather than
        # through obj.__dict__, which would turn the instance's compact attribute storage
        # into a dict object.
        _object_setattr(obj, self.attrname, value)
        return value


class _DictAccessorProperty(t.Generic[_TAccessorValue]):
    """Base for descriptors that read and write one key of a mapping on the instance."""

    read_only = False

    def __init__(
        self,
        name: str,
        default: _TAccessorValue | None = None,
        load_func: t.Callable[[str], _TAccessorValue] | None = None,
        dump_func: t.Callable[[_TAccessorValue], str] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, instance: t.Any) -> MutableMapping[str, t.Any]:
        """Return the mapping backing the property on ``instance``."""
        raise NotImplementedError

    @t.overload
    def __get__(
        self, instance: None, owner: type | None = None
    ) -> _DictAccessorProperty[_TAccessorValue]: ...

    @t.overload
    def __get__(self, instance: t.Any, owner: type | None = None) -> _TAccessorValue: ...

    def __get__(self, instance: t.Any | None, owner: type | None = None) -> t.Any:
        """Return the (converted) value, or the default if missing or unconvertible."""
        if instance is None:
            return self
        storage = self.lookup(instance)
        if self.name not in storage:
            return self.default
        value = storage[self.name]
        if self.load_func is not None:
            try:
                return self.load_func(value)
            except (ValueError, TypeError):
                return self.default
        return value

    def __set__(self, instance: t.Any, value: _TAccessorValue) -> None:
        """Store ``value`` (through ``dump_func``) unless the property is read-only."""
        if self.read_only:
            raise AttributeError("read only property")
        if self.dump_func is not None:
            self.lookup(instance)[self.name] = self.dump_func(value)
        else:
            self.lookup(instance)[self.name] = value

    def __delete__(self, instance: t.Any) -> None:
        """Remove the key unless the property is read-only."""
        if self.read_only:
            raise AttributeError("read only property")
        self.lookup(instance).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_DictAccessorProperty[_TAccessorValue]):
    """An attribute backed by a key of ``self.environ``.

    ``environ_property(key, default=None, load_func=None, dump_func=None,
    read_only=None, doc=None)``: a missing key, or a ``load_func`` raising
    :exc:`ValueError`/:exc:`TypeError`, gives ``default``. Read-only unless
    ``read_only=False`` is passed.
    """

    read_only = True

    def lookup(self, instance: t.Any) -> WSGIEnvironment:
        """Return ``instance.environ``."""
        return instance.environ


class header_property(_DictAccessorProperty[_TAccessorValue]):
    """Like :class:`environ_property`, but backed by ``self.headers`` and writable."""

    def lookup(self, instance: t.Any) -> MutableMapping[str, t.Any]:
        """Return ``instance.headers``."""
        return instance.headers


_filename_ascii_strip_re = re.compile(r"[^A-Za-z0-9_.-]")
_plain_filename = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*").fullmatch


def secure_filename(filename: str) -> str:
    """Return a version of ``filename`` safe to use on any regular filesystem.

    Unicode is decomposed (NFKD) and reduced to ASCII, path separators and
    whitespace become ``_``, everything but ASCII letters, digits and ``._-``
    is removed, and leading/trailing ``.``/``_`` are stripped, so
    ``"../../../etc/passwd"`` becomes ``"etc_passwd"``. On Windows, device
    names such as ``CON`` get a ``_`` prefix. The result may be empty; callers
    must handle that.
    """
    # PERF: already-safe names (the common case) skip NFKD and the three regex
    # passes of werkzeug.utils.secure_filename.
    if (
        _plain_filename(filename) is None
        or filename[-1] in "._"
        or (os.name == "nt" and _is_windows_device(filename))
    ):
        filename = _secure_filename_slow(filename)
    return filename


def _is_windows_device(filename: str) -> bool:
    """Whether ``filename`` would open a DOS device on Windows."""
    return filename.partition(".")[0].strip().upper() in _windows_device_files


def _secure_filename_slow(filename: str) -> str:
    """Full :func:`secure_filename` normalisation."""
    filename = unicodedata.normalize("NFKD", filename)
    filename = filename.encode("ascii", "ignore").decode("ascii")
    for sep in (os.sep, os.path.altsep):
        if sep:
            filename = filename.replace(sep, " ")
    filename = "_".join(filename.split())
    filename = _filename_ascii_strip_re.sub("", filename)
    # Leftovers of "../" and hidden-file dots.
    filename = filename.strip("._")
    if os.name == "nt" and filename and _is_windows_device(filename):
        filename = f"_{filename}"
    return filename


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """Return a response redirecting the client to ``location``.

    The ``Location`` header is ``location`` converted with
    :func:`~erlen.urls.iri_to_uri`: non-ASCII and unsafe characters, including
    CR/LF, are percent-encoded, so a hostile location can never split or add
    headers. The HTML body links to the (escaped) location.

    :param location: the target URL; may be relative and contain Unicode.
    :param code: the status code, usually 301, 302, 303, 307 or 308.
    :param Response: the response class to build; defaults to
        :class:`erlen.wrappers.response.Response`.
    """
    if Response is None:
        from .wrappers.response import Response
    html_location = escape(location)
    response = Response(  # type: ignore[misc]
        "<!doctype html>\n"
        "<html lang=en>\n"
        "<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        "<p>You should be redirected automatically to the target URL: "
        f'<a href="{html_location}">{html_location}</a>. If not, click the link.\n',
        code,
        mimetype="text/html",
    )
    response.headers["Location"] = iri_to_uri(location)
    return response


def _wsgi_str(value: str) -> str:
    """Decode a latin-1 "WSGI string" back to the UTF-8 text it carries."""
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        # Not a proper WSGI string (chars > U+00FF); already text.
        return value


def append_slash_redirect(environ: WSGIEnvironment, code: int = 308) -> Response:
    """Redirect to the current URL with a slash appended.

    The ``Location`` is relative and only touches the last segment: for
    ``/user/42`` it is ``42/``, which resolves to ``/user/42/``. The query
    string is kept. Calling this on a path that already ends in a slash may
    cause a redirect loop.

    :param environ: the WSGI environ of the current request.
    :param code: the status code; 308 keeps the method and body.
    """
    tail = _wsgi_str(environ.get("PATH_INFO") or "").rpartition("/")[2]
    if not tail:
        new_path = "./"
    elif ":" in tail:
        # "https:evil.com/" would be read as an absolute URL; "./" keeps it
        # a path without changing where a legitimate one resolves.
        new_path = f"./{tail}/"
    else:
        new_path = f"{tail}/"
    query_string = environ.get("QUERY_STRING")
    if query_string:
        new_path = f"{new_path}?{_wsgi_str(query_string)}"
    return redirect(new_path, code)


class ImportStringError(ImportError):
    """Raised by :func:`import_string` with a message explaining what was not found."""

    #: The dotted name that failed to import.
    import_name: str
    #: The underlying exception.
    exception: BaseException

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        msg = import_name
        name = ""
        tracked: list[tuple[str, str | None]] = []
        for part in import_name.replace(":", ".").split("."):
            name = f"{name}.{part}" if name else part
            imported = import_string(name, silent=True)
            if imported:
                tracked.append((name, getattr(imported, "__file__", None)))
                continue
            track = [f"- {n!r} found in {f!r}." for n, f in tracked]
            track.append(f"- {name!r} not found.")
            track_str = "\n".join(track)
            msg = (
                f"import_string() failed for {import_name!r}. Possible reasons are:\n\n"
                "- missing __init__.py in a package;\n"
                "- package or module path not included in sys.path;\n"
                "- duplicated package or module name taking precedence in sys.path;\n"
                "- missing module, class, function or variable;\n\n"
                f"Debugged import:\n\n{track_str}\n\n"
                f"Original exception:\n\n{type(exception).__name__}: {exception}"
            )
            break
        super().__init__(msg)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.import_name!r}, {self.exception!r})>"


def import_string(import_name: str, silent: bool = False) -> t.Any:
    """Import an object from a string: ``"os.path.join"`` or ``"os.path:join"``.

    :param import_name: dotted module path, optionally with the object after
        the last dot or a colon.
    :param silent: return ``None`` instead of raising :exc:`ImportStringError`.
    """
    import_name = import_name.replace(":", ".")
    try:
        try:
            __import__(import_name)
        except ImportError:
            if "." not in import_name:
                raise
        else:
            return sys.modules[import_name]
        module_name, obj_name = import_name.rsplit(".", 1)
        module = __import__(module_name, globals(), locals(), [obj_name])
        try:
            return getattr(module, obj_name)
        except AttributeError as e:
            raise ImportError(e) from None
    except (ImportError, ValueError) as e:
        # ValueError: empty or malformed names such as "" or "a..b".
        if not silent:
            raise ImportStringError(import_name, e).with_traceback(sys.exc_info()[2]) from None
    return None


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> Iterator[str]:
    """Yield the dotted names of the modules inside a package.

    The names start with ``import_path`` as given, so a package imported under an alias
    (``werkzeug.debug`` in compat mode) lists names under that alias.

    :param import_path: dotted name of the package.
    :param include_packages: also yield sub-package names.
    :param recursive: descend into sub-packages (imports them).
    :raises ValueError: if ``import_path`` is not a package.
    """
    module = import_string(import_path)
    path = getattr(module, "__path__", None)
    if path is None:
        raise ValueError(f"{import_path!r} is not a package")
    basename = f"{import_path}."
    for _finder, modname, ispkg in pkgutil.iter_modules(path):
        modname = basename + modname
        if ispkg:
            if include_packages:
                yield modname
            if recursive:
                yield from find_modules(modname, include_packages, True)
        else:
            yield modname


def __getattr__(name: str) -> t.Any:
    """Load ``send_file``/``send_from_directory`` lazily from :mod:`erlen._send_file`."""
    # Imported on demand: _send_file imports this module.
    if name in ("send_file", "send_from_directory"):
        from . import _send_file

        return getattr(_send_file, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
