"""Class-based views: :class:`View` and :class:`MethodView` (Flask's ``flask.views``)."""

from __future__ import annotations

import typing as t
from inspect import iscoroutinefunction

from . import globals as _globals
from .globals import current_app, request

if t.TYPE_CHECKING:  # pragma: no cover
    from . import typing as ft


# PERF: bound by assignment, not import: see erlen.globals (method calls on 3.11).
_cv_request = _globals._cv_request

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The lower-case method names :class:`MethodView` looks for on subclasses.
http_method_funcs: frozenset[str] = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)

# PERF: Flask routes every call through current_app.ensure_sync(...): a LocalProxy
# lookup plus an iscoroutinefunction() check per request. erlen decides sync vs async
# once (at as_view / class creation) and calls sync handlers directly; only coroutine
# functions go through app.ensure_sync, whose contract is to return sync callables
# unchanged.


class View:
    """Base class for class-based views: override :meth:`dispatch_request`.

    :meth:`as_view` turns the class into a view function for ``add_url_rule``::

        class Hello(View):
            init_every_request = False

            def dispatch_request(self, name):
                return f"Hello, {name}!"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))

    Decorators applied to the class itself do not decorate the generated view
    function; list them in :attr:`decorators` instead.
    """

    #: Methods the view is registered for; ``None`` uses the ``add_url_rule``
    #: default (``GET``, ``HEAD``, ``OPTIONS``).
    methods: t.ClassVar[t.Collection[str] | None] = None

    #: Whether ``OPTIONS`` is answered automatically; ``None`` uses the
    #: ``add_url_rule`` default (``True``).
    provide_automatic_options: t.ClassVar[bool | None] = None

    #: Decorators applied in order to the generated view function, so the
    #: first one ends up innermost.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []

    #: Create a new instance for every request. Set to ``False`` to reuse one
    #: instance (faster; then keep per-request data on ``g``, not ``self``).
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Handle the request; URL variables arrive as keyword arguments.

        Subclasses must override this and return a valid response value.
        """
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: t.Any, **class_kwargs: t.Any) -> ft.RouteCallable:
        """Return a view function that dispatches to an instance of this class.

        ``class_args`` and ``class_kwargs`` are passed to the class on
        instantiation: once per request, or once here if
        :attr:`init_every_request` is false. The function carries
        ``view_class`` (looked up on every request, so tests may replace it),
        ``methods`` and ``provide_automatic_options``, and the class's
        ``__doc__`` and ``__module__``.

        An ``async def dispatch_request`` is run through
        ``current_app.ensure_sync``; a sync one is called directly.
        """
        view: t.Any
        if cls.init_every_request:
            is_async = iscoroutinefunction(cls.dispatch_request)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                view_class = view.view_class
                self = view_class(*class_args, **class_kwargs)
                if view_class is cls and not is_async:
                    return self.dispatch_request(**kwargs)
                return current_app.ensure_sync(self.dispatch_request)(**kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            if iscoroutinefunction(instance.dispatch_request):

                def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                    return current_app.ensure_sync(instance.dispatch_request)(**kwargs)

            else:

                def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                    return instance.dispatch_request(**kwargs)

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        # The closures above read view_class through the (possibly decorated)
        # final function object, which is what lets tests swap the class.
        view.view_class = cls
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        view.provide_automatic_options = cls.provide_automatic_options
        return view


class MethodView(View):
    """Dispatch each request to the instance method named after the HTTP method.

    A ``get`` method handles ``GET`` (and ``HEAD`` when there is no ``head``),
    ``post`` handles ``POST`` and so on. :attr:`methods` is derived from the
    handler methods defined on the class and its bases, unless the class sets
    it explicitly::

        class CounterAPI(MethodView):
            def get(self):
                return str(session.get("counter", 0))

            def post(self):
                session["counter"] = session.get("counter", 0) + 1
                return redirect(url_for("counter"))

        app.add_url_rule("/counter", view_func=CounterAPI.as_view("counter"))
    """

    # Handler name -> (function, is coroutine function), computed per class. It is
    # only trusted when the looked-up handler is still that same function, so
    # handlers replaced later are inspected at dispatch time.
    _handler_kinds: t.ClassVar[dict[str, tuple[t.Any, bool]]] = {}

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)

        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                base_methods = getattr(base, "methods", None)
                if base_methods:
                    methods.update(base_methods)
            for key in http_method_funcs:
                if hasattr(cls, key):
                    methods.add(key.upper())
            if methods:
                cls.methods = methods

        kinds: dict[str, tuple[t.Any, bool]] = {}
        for key in http_method_funcs:
            func = getattr(cls, key, None)
            if func is not None:
                kinds[key] = (func, iscoroutinefunction(func))
        cls._handler_kinds = kinds

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Call the handler for the request method with the URL variables.

        ``HEAD`` falls back to ``get``. A coroutine handler is run through
        ``current_app.ensure_sync``.
        """
        ctx = _cv_request.get(None)
        method: str = ctx.request.method if ctx is not None else request.method
        name = method.lower()
        meth = getattr(self, name, None)

        if meth is None and method == "HEAD":
            name = "get"
            meth = getattr(self, "get", None)

        assert meth is not None, f"Unimplemented method {method!r}"

        kind = self._handler_kinds.get(name)
        if kind is not None and kind[0] is getattr(meth, "__func__", None):
            is_async = kind[1]
        else:
            is_async = iscoroutinefunction(meth)
        if is_async:
            return current_app.ensure_sync(meth)(**kwargs)
        return meth(**kwargs)
