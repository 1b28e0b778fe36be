"""Context-local objects and proxies on :mod:`contextvars` (Werkzeug's ``werkzeug.local``).

:class:`LocalProxy` forwards every operation to an object looked up on each use, most often
the value of a :class:`~contextvars.ContextVar` or one of its attributes. erlen's ``request``,
``session``, ``g`` and ``current_app`` are such proxies. They are for user code: the framework
itself holds the context object and never reads its own proxies on the hot path.
"""

from __future__ import annotations

import copy
import math
import operator
import typing as t
from contextvars import ContextVar

__all__ = ["Local", "LocalStack", "LocalProxy", "release_local"]

T = t.TypeVar("T")
_MISSING = object()


class Local:
    """A namespace whose attributes are local to the current context (thread or task).

    Backed by one :class:`~contextvars.ContextVar` holding a dict, so it works for threads,
    greenlets and asyncio tasks alike.
    """

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[dict[str, t.Any]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"erlen.Local<{id(self)}>.storage")
        object.__setattr__(self, "_storage", context_var)

    def __iter__(self) -> t.Iterator[tuple[str, t.Any]]:
        return iter(self._storage.get({}).items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[t.Any]:
        """Return a proxy to the attribute ``name`` of this local."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        self._storage.set({})

    def __getattr__(self, name: str) -> t.Any:
        values = self._storage.get({})
        try:
            return values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        values = self._storage.get({}).copy()
        values[name] = value
        self._storage.set(values)

    def __delattr__(self, name: str) -> None:
        values = self._storage.get({}).copy()
        try:
            del values[name]
        except KeyError:
            raise AttributeError(name) from None
        self._storage.set(values)


class LocalStack(t.Generic[T]):
    """A stack of values local to the current context, backed by a ContextVar holding a tuple."""

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"erlen.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    def __release_local__(self) -> None:
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Push ``obj`` onto the stack and return the new stack."""
        stack = self._storage.get([]).copy()
        stack.append(obj)
        self._storage.set(stack)
        return stack

    def pop(self) -> T | None:
        """Remove and return the top item, or ``None`` if the stack is empty."""
        stack = self._storage.get([])
        if not stack:
            return None
        rv = stack[-1]
        self._storage.set(stack[:-1])
        return rv

    @property
    def top(self) -> T | None:
        """The top item, or ``None`` if the stack is empty."""
        stack = self._storage.get([])
        return stack[-1] if stack else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[t.Any]:
        """Return a proxy to the top item (or its attribute ``name``)."""
        return LocalProxy(self, name, unbound_message=unbound_message)


def release_local(local: Local | LocalStack[t.Any]) -> None:
    """Clear the current context's data in a :class:`Local` or :class:`LocalStack`."""
    local.__release_local__()


# PERF: the proxy's own methods fetch the getter with this, never through
# LocalProxy.__getattribute__ (one Python call less per forwarded operation).
_getattribute = object.__getattribute__


# The attribute names of LocalProxy subclasses (their own, not forwarded), by class.
_subclass_names: dict[type, frozenset[str]] = {}


def _class_names(cls: type) -> frozenset[str]:
    names = _subclass_names.get(cls)
    if names is None:
        names = _subclass_names[cls] = frozenset(dir(cls))
    return names


def _forward(op: t.Callable[..., t.Any]) -> t.Any:
    """Make a method that applies ``op`` to the proxied object and the arguments."""

    def method(self: LocalProxy[t.Any], *args: t.Any) -> t.Any:
        return op(_getattribute(self, "_get_current_object")(), *args)

    method.__name__ = getattr(op, "__name__", "method")
    return method


def _reflected(op: t.Callable[[t.Any, t.Any], t.Any]) -> t.Any:
    def method(self: LocalProxy[t.Any], other: t.Any) -> t.Any:
        return op(other, _getattribute(self, "_get_current_object")())

    return method


def _inplace(op: t.Callable[[t.Any, t.Any], t.Any]) -> t.Any:
    # An in-place operator on a proxy must not rebind the proxy, so apply it to the object.
    def method(self: LocalProxy[t.Any], other: t.Any) -> LocalProxy[t.Any]:
        op(_getattribute(self, "_get_current_object")(), other)
        return self

    return method


class _ProxiedAttribute:
    """A dunder attribute (``__doc__``, ``__wrapped__``) read from the proxied object.

    On the class it is ``class_value``; on an unbound proxy it is ``unbound(proxy)``.
    """

    __slots__ = ("name", "class_value", "unbound")

    def __init__(
        self, name: str, class_value: t.Any, unbound: t.Callable[[LocalProxy[t.Any]], t.Any]
    ) -> None:
        self.name = name
        self.class_value = class_value
        self.unbound = unbound

    def __get__(self, instance: LocalProxy[t.Any] | None, owner: type | None = None) -> t.Any:
        if instance is None:
            return self.class_value
        try:
            obj = _getattribute(instance, "_get_current_object")()
        except RuntimeError:
            return self.unbound(instance)
        return getattr(obj, self.name)


class LocalProxy(t.Generic[T]):
    """A proxy that forwards all operations to an object looked up on every use.

    A ``LocalProxy``'s ``local`` may be a :class:`~contextvars.ContextVar`, a :class:`Local`, a
    :class:`LocalStack` or a callable returning the object. With ``name``, the proxy forwards
    to that attribute of the object. When nothing is bound, using the proxy raises
    :class:`RuntimeError` with ``unbound_message``.

    ``_get_current_object()`` returns the real object, for passing it somewhere a proxy
    won't do (signal senders, ``isinstance`` in C code, other threads).
    """

    __slots__ = ("__wrapped", "_get_current_object", "__attr_of")

    _get_current_object: t.Callable[[], T]

    def __init__(
        self,
        local: ContextVar[t.Any] | Local | LocalStack[t.Any] | t.Callable[[], T],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        if unbound_message is None:
            unbound_message = "object is not bound"

        getter: t.Callable[[], t.Any]
        attr_of = None
        if isinstance(local, ContextVar):
            var = local
            if name is None:

                def getter() -> t.Any:
                    try:
                        return var.get()
                    except LookupError:
                        raise RuntimeError(unbound_message) from None

            else:
                attr = name
                attr_of = (var, attr, unbound_message)

                def getter() -> t.Any:
                    try:
                        obj = var.get()
                    except LookupError:
                        raise RuntimeError(unbound_message) from None
                    return getattr(obj, attr)

        elif isinstance(local, Local):
            if name is None:
                raise TypeError("'name' is required when proxying a 'Local' object.")
            local_obj, attr = local, name

            def getter() -> t.Any:
                try:
                    return getattr(local_obj, attr)
                except AttributeError:
                    raise RuntimeError(unbound_message) from None

        elif isinstance(local, LocalStack):
            stack, attr_or_none = local, name

            def getter() -> t.Any:
                obj = stack.top
                if obj is None:
                    raise RuntimeError(unbound_message)
                return obj if attr_or_none is None else getattr(obj, attr_or_none)

        elif callable(local):
            func, attr_or_none2 = local, name

            def getter() -> t.Any:
                obj = func()
                return obj if attr_or_none2 is None else getattr(obj, attr_or_none2)

        else:
            raise TypeError(f"Don't know how to proxy '{type(local)}'.")

        object.__setattr__(self, "_LocalProxy__wrapped", local)
        object.__setattr__(self, "_get_current_object", getter)
        object.__setattr__(self, "_LocalProxy__attr_of", attr_of)

    # Attribute access

    # PERF: __getattribute__ rather than __getattr__: before Python 3.12 a __getattr__ runs
    # only after the normal lookup failed with a formatted AttributeError, which costs more
    # than forwarding. Names the proxy's class has are looked up normally, as before.
    def __getattribute__(self, name: str) -> t.Any:
        cls = type(self)
        names = _PROXY_NAMES if cls is LocalProxy else _class_names(cls)
        if name in names:
            return _getattribute(self, name)
        if name == "__members__":
            return dir(_getattribute(self, "_get_current_object")())
        attr_of = _getattribute(self, "_LocalProxy__attr_of")
        if attr_of is None:
            return getattr(_getattribute(self, "_get_current_object")(), name)
        # PERF: an attribute of a ContextVar's value (request, session, g, current_app)
        # is read here, the getter's work without its call.
        var, attr, message = attr_of
        try:
            obj = var.get()
        except LookupError:
            raise RuntimeError(message) from None
        return getattr(getattr(obj, attr), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(_getattribute(self, "_get_current_object")(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_getattribute(self, "_get_current_object")(), name)

    def __dir__(self) -> list[str]:
        try:
            return dir(_getattribute(self, "_get_current_object")())
        except RuntimeError:
            return []

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: F811
        # Lets isinstance(proxy, Cls) see the proxied object's class; an unbound proxy
        # reports its own class.
        try:
            return type(_getattribute(self, "_get_current_object")())
        except RuntimeError:
            return LocalProxy

    # The proxied object's docstring (help() on a bound proxy); the class keeps its own, which
    # an unbound proxy shows too.
    __doc__ = _ProxiedAttribute("__doc__", __doc__, lambda proxy: type(proxy).__doc__)
    # The proxied object's own attribute; an unbound proxy gives what it was built around
    # (the ContextVar, Local or callable), so ``inspect.unwrap`` and doctest still work.
    __wrapped__ = _ProxiedAttribute("__wrapped__", None, lambda proxy: proxy._LocalProxy__wrapped)

    def __repr__(self) -> str:
        try:
            obj = _getattribute(self, "_get_current_object")()
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        return repr(obj)

    def __str__(self) -> str:
        return str(_getattribute(self, "_get_current_object")())

    def __bool__(self) -> bool:
        try:
            return bool(_getattribute(self, "_get_current_object")())
        except RuntimeError:
            return False

    def __hash__(self) -> int:
        return hash(_getattribute(self, "_get_current_object")())

    # The forwarding methods below are duck-typed on purpose: the proxied object's type T is
    # unconstrained, and a missing protocol method raises from the object itself.
    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return _getattribute(self, "_get_current_object")()(*args, **kwargs)

    def __copy__(self) -> t.Any:
        return copy.copy(_getattribute(self, "_get_current_object")())

    def __deepcopy__(self, memo: dict[int, t.Any]) -> t.Any:
        return copy.deepcopy(_getattribute(self, "_get_current_object")(), memo)

    def __enter__(self) -> t.Any:
        return _getattribute(self, "_get_current_object")().__enter__()

    def __exit__(self, *exc: t.Any) -> t.Any:
        return _getattribute(self, "_get_current_object")().__exit__(*exc)

    def __format__(self, spec: str) -> str:
        return format(_getattribute(self, "_get_current_object")(), spec)

    def __round__(self, ndigits: int | None = None) -> t.Any:
        return round(_getattribute(self, "_get_current_object")(), ndigits)

    __bytes__ = _forward(bytes)
    __lt__ = _forward(operator.lt)
    __le__ = _forward(operator.le)
    __eq__ = _forward(operator.eq)
    __ne__ = _forward(operator.ne)
    __gt__ = _forward(operator.gt)
    __ge__ = _forward(operator.ge)
    __len__ = _forward(len)
    __length_hint__ = _forward(operator.length_hint)
    __iter__ = _forward(iter)
    __next__ = _forward(next)
    __reversed__ = _forward(reversed)
    __contains__ = _forward(operator.contains)
    __getitem__ = _forward(operator.getitem)
    __setitem__ = _forward(operator.setitem)
    __delitem__ = _forward(operator.delitem)
    # isinstance(x, proxy) calls proxy.__instancecheck__(x): the proxied class is the second
    # argument of isinstance/issubclass.
    __instancecheck__ = _reflected(isinstance)
    __subclasscheck__ = _reflected(issubclass)
    __add__ = _forward(operator.add)
    __sub__ = _forward(operator.sub)
    __mul__ = _forward(operator.mul)
    __matmul__ = _forward(operator.matmul)
    __truediv__ = _forward(operator.truediv)
    __floordiv__ = _forward(operator.floordiv)
    __mod__ = _forward(operator.mod)
    __divmod__ = _forward(divmod)
    __pow__ = _forward(pow)
    __lshift__ = _forward(operator.lshift)
    __rshift__ = _forward(operator.rshift)
    __and__ = _forward(operator.and_)
    __xor__ = _forward(operator.xor)
    __or__ = _forward(operator.or_)
    __radd__ = _reflected(operator.add)
    __rsub__ = _reflected(operator.sub)
    __rmul__ = _reflected(operator.mul)
    __rmatmul__ = _reflected(operator.matmul)
    __rtruediv__ = _reflected(operator.truediv)
    __rfloordiv__ = _reflected(operator.floordiv)
    __rmod__ = _reflected(operator.mod)
    __rdivmod__ = _reflected(divmod)
    __rpow__ = _reflected(pow)
    __rlshift__ = _reflected(operator.lshift)
    __rrshift__ = _reflected(operator.rshift)
    __rand__ = _reflected(operator.and_)
    __rxor__ = _reflected(operator.xor)
    __ror__ = _reflected(operator.or_)
    __iadd__ = _inplace(operator.iadd)
    __isub__ = _inplace(operator.isub)
    __imul__ = _inplace(operator.imul)
    __imatmul__ = _inplace(operator.imatmul)
    __itruediv__ = _inplace(operator.itruediv)
    __ifloordiv__ = _inplace(operator.ifloordiv)
    __imod__ = _inplace(operator.imod)
    __ipow__ = _inplace(operator.ipow)
    __ilshift__ = _inplace(operator.ilshift)
    __irshift__ = _inplace(operator.irshift)
    __iand__ = _inplace(operator.iand)
    __ixor__ = _inplace(operator.ixor)
    __ior__ = _inplace(operator.ior)
    __neg__ = _forward(operator.neg)
    __pos__ = _forward(operator.pos)
    __abs__ = _forward(abs)
    __invert__ = _forward(operator.invert)
    __complex__ = _forward(complex)
    __int__ = _forward(int)
    __float__ = _forward(float)
    __index__ = _forward(operator.index)
    __trunc__ = _forward(math.trunc)
    __floor__ = _forward(math.floor)
    __ceil__ = _forward(math.ceil)
    __await__ = _forward(lambda obj: obj.__await__())
    __aiter__ = _forward(lambda obj: obj.__aiter__())
    __anext__ = _forward(lambda obj: obj.__anext__())
    __aenter__ = _forward(lambda obj: obj.__aenter__())

    async def __aexit__(self, *exc: t.Any) -> t.Any:
        return await _getattribute(self, "_get_current_object")().__aexit__(*exc)


# Names defined on LocalProxy itself: read normally, everything else is forwarded.
_PROXY_NAMES = frozenset(dir(LocalProxy))
