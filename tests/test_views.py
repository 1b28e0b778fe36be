"""Tests for erlen.views (View, MethodView) in a real app's request context."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import pytest

from erlen import Flask
from erlen.views import MethodView, View, http_method_funcs


class RecordingApp(Flask):
    """A real app that records which callables went through ensure_sync."""

    def __init__(self) -> None:
        super().__init__("views_app")
        self.ensured: list[object] = []

    def ensure_sync(self, func):
        self.ensured.append(func)
        return super().ensure_sync(func)


@contextlib.contextmanager
def request_context(method: str = "GET"):
    app = RecordingApp()
    with app.test_request_context(method=method):
        yield app


def test_http_method_funcs():
    assert http_method_funcs == frozenset(
        {"get", "post", "head", "options", "delete", "put", "trace", "patch"}
    )


def test_basic_view_attributes_and_dispatch():
    class Index(View):
        """Index docs."""

        methods = ["GET", "POST"]
        provide_automatic_options = False

        def dispatch_request(self, name="world"):
            return f"hello {name}"

    view = Index.as_view("index")
    assert view.__name__ == "index"
    assert view.__doc__ == "Index docs."
    assert view.__module__ == __name__
    assert view.view_class is Index
    assert view.methods == ["GET", "POST"]
    assert view.provide_automatic_options is False
    with request_context() as app:
        assert view() == "hello world"
        assert view(name="you") == "hello you"
    # A sync dispatch_request does not go through ensure_sync.
    assert app.ensured == []


def test_defaults():
    class Plain(View):
        def dispatch_request(self):
            return "x"

    view = Plain.as_view("plain")
    assert view.methods is None
    assert view.provide_automatic_options is None
    assert View.decorators == []
    assert View.init_every_request is True
    with pytest.raises(NotImplementedError):
        View().dispatch_request()


def test_init_every_request_and_class_args():
    instances = []

    class Counter(View):
        def __init__(self, start, step=1):
            instances.append(self)
            self.count = start
            self.step = step

        def dispatch_request(self):
            self.count += self.step
            return self.count

    view = Counter.as_view("counter", 10, step=5)
    with request_context():
        assert view() == 15
        assert view() == 15
    assert len(instances) == 2

    class Shared(Counter):
        init_every_request = False

    instances.clear()
    view = Shared.as_view("shared", 0)
    assert len(instances) == 1, "instance is created by as_view"
    with request_context():
        assert view() == 1
        assert view() == 2
    assert len(instances) == 1


def test_view_class_can_be_replaced():
    class Real(View):
        def dispatch_request(self):
            return "real"

    class Fake(View):
        def dispatch_request(self):
            return "fake"

    class AsyncFake(View):
        async def dispatch_request(self):
            return "async fake"

    view = Real.as_view("real")
    with request_context() as app:
        view.view_class = Fake
        assert view() == "fake"
        view.view_class = AsyncFake
        assert view() == "async fake"
    assert len(app.ensured) == 2


def test_decorators_are_applied_in_order():
    calls = []

    def deco(tag):
        def decorator(f):
            seen_name = f.__name__

            @functools.wraps(f)
            def wrapper(**kwargs):
                calls.append((tag, seen_name))
                return f(**kwargs)

            wrapper.tag = tag
            return wrapper

        return decorator

    class Decorated(View):
        decorators = [deco("inner"), deco("outer")]

        def dispatch_request(self):
            return "ok"

    view = Decorated.as_view("decorated")
    assert view.tag == "outer"
    assert view.__name__ == "decorated"
    assert view.view_class is Decorated
    with request_context():
        assert view() == "ok"
        # view_class is read through the outermost function: replacing it works.
        view.view_class = type("Other", (View,), {"dispatch_request": lambda self: "other"})
        assert view() == "other"
    assert calls[:2] == [("outer", "decorated"), ("inner", "decorated")]


def test_async_dispatch_request_uses_ensure_sync():
    class AsyncView(View):
        async def dispatch_request(self, x):
            await asyncio.sleep(0)
            return x * 2

    for init_every_request in (True, False):
        cls = type("V", (AsyncView,), {"init_every_request": init_every_request})
        view = cls.as_view("v")
        with request_context() as app:
            assert view(x=21) == 42
        assert len(app.ensured) == 1
        assert app.ensured[0].__name__ == "dispatch_request"


def test_method_view_methods_inferred():
    class Api(MethodView):
        def get(self):
            return "get"

        def post(self):
            return "post"

    assert Api.methods == {"GET", "POST"}

    class Child(Api):
        def delete(self):
            return "delete"

    assert Child.methods == {"GET", "POST", "DELETE"}

    class Explicit(Api):
        methods = ["PUT"]

        def put(self):
            return "put"

    assert Explicit.methods == ["PUT"]

    class Mixin:
        def patch(self):
            return "patch"

    class Mixed(Mixin, MethodView):
        pass

    assert Mixed.methods == {"PATCH"}

    class Empty(MethodView):
        pass

    assert Empty.methods is None
    view = Child.as_view("child")
    assert view.methods == {"GET", "POST", "DELETE"}


def test_method_view_methods_from_base_methods_attribute():
    class Base(MethodView):
        methods = ["GET", "CUSTOM"]

    class Derived(Base):
        def post(self):
            return "p"

    assert Derived.methods == {"GET", "CUSTOM", "POST"}


def test_method_view_dispatch():
    class Api(MethodView):
        def get(self, item_id=None):
            return f"get {item_id}"

        def post(self):
            return "post"

    view = Api.as_view("api")
    with request_context("GET") as app:
        assert view(item_id=3) == "get 3"
    assert app.ensured == []
    with request_context("POST"):
        assert view() == "post"
    with request_context("HEAD"):
        assert view(item_id=1) == "get 1"
    with request_context("PUT"), pytest.raises(AssertionError, match="Unimplemented method 'PUT'"):
        view()


def test_method_view_head_handler_preferred():
    class Api(MethodView):
        def get(self):
            return "get"

        def head(self):
            return "head"

    with request_context("HEAD"):
        assert Api.as_view("api")() == "head"


def test_method_view_async_handlers():
    class Api(MethodView):
        def get(self):
            return "sync get"

        async def post(self, n):
            await asyncio.sleep(0)
            return f"async post {n}"

    view = Api.as_view("api")
    with request_context("POST") as app:
        assert view(n=1) == "async post 1"
    assert [f.__name__ for f in app.ensured] == ["post"]
    with request_context("GET") as app:
        assert view() == "sync get"
    assert app.ensured == []

    class AsyncHead(MethodView):
        async def get(self):
            return "async get"

    with request_context("HEAD") as app:
        assert AsyncHead.as_view("h")() == "async get"
    assert len(app.ensured) == 1


def test_method_view_handlers_replaced_after_class_creation():
    class Api(MethodView):
        def get(self):
            return "sync"

    async def new_get(self):
        return "patched async"

    Api.get = new_get
    view = Api.as_view("api")
    with request_context("GET") as app:
        assert view() == "patched async"
    assert len(app.ensured) == 1

    class Instance(MethodView):
        def __init__(self):
            async def get():
                return "instance async"

            self.get = get

        def get(self):  # replaced per instance
            return "class sync"

    with request_context("GET") as app:
        assert Instance.as_view("i")() == "instance async"
    assert len(app.ensured) == 1


def test_method_view_requires_request_context():
    class Api(MethodView):
        def get(self):
            return "x"

    with pytest.raises(RuntimeError, match="Working outside of request context"):
        Api().dispatch_request()


def test_matches_flask_method_inference():
    import flask.views

    def build(base):
        class A(base):
            def get(self):
                return ""

        class B(A):
            def put(self):
                return ""

        class C(B):
            methods = ["GET"]

        class D(C):
            def post(self):
                return ""

        return [A.methods, B.methods, C.methods, D.methods]

    assert build(MethodView) == build(flask.views.MethodView)


def test_typing_module_has_flask_aliases():
    import typing

    import flask.typing

    import erlen.typing

    flask_names = {
        name
        for name, value in vars(flask.typing).items()
        if name[0].isupper() and not isinstance(value, type(typing))
    }
    assert flask_names <= set(erlen.typing.__all__)
    for name in erlen.typing.__all__:
        assert getattr(erlen.typing, name) is not None
    assert erlen.typing.StatusCode == int | str
    assert erlen.typing.AppOrBlueprintKey == str | None
