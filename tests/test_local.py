from __future__ import annotations

import asyncio
import copy
import threading
from contextvars import ContextVar

import pytest

from erlen.local import Local, LocalProxy, LocalStack, release_local


class Thing:
    """A thing."""

    def __init__(self, value):
        self.value = value
        self.items = [1, 2, 3]

    def __call__(self, x):
        return x * 2


def test_contextvar_proxy_forwards_attributes_and_operators():
    var: ContextVar[Thing] = ContextVar("thing")
    p = LocalProxy(var)
    token = var.set(Thing(5))
    try:
        assert p.value == 5
        p.value = 6
        assert var.get().value == 6
        assert p(3) == 6
        assert isinstance(p, Thing)
        assert p._get_current_object() is var.get()
        del p.value
        assert not hasattr(var.get(), "value")
    finally:
        var.reset(token)


def test_named_proxy_reads_attribute():
    var: ContextVar[Thing] = ContextVar("thing")
    items = LocalProxy(var, "items")
    token = var.set(Thing(1))
    try:
        assert len(items) == 3
        assert 2 in items
        assert items[0] == 1
        items[0] = 9
        assert list(items) == [9, 2, 3]
        items += [4]
        assert var.get().items == [9, 2, 3, 4]
        assert items == [9, 2, 3, 4]
        assert copy.copy(items) == [9, 2, 3, 4]
        assert copy.copy(items) is not var.get().items
    finally:
        var.reset(token)


def test_unbound_proxy_raises_with_message_and_is_falsy():
    var: ContextVar[Thing] = ContextVar("thing")
    p = LocalProxy(var, "value", unbound_message="nothing here")
    assert not p
    assert repr(p) == "<LocalProxy unbound>"
    assert dir(p) == []
    with pytest.raises(RuntimeError, match="nothing here"):
        p.value  # noqa: B018
    with pytest.raises(RuntimeError, match="nothing here"):
        str(p)


def test_proxy_arithmetic_and_comparison():
    var: ContextVar[int] = ContextVar("n")
    n = LocalProxy(var)
    token = var.set(10)
    try:
        assert n + 1 == 11
        assert 1 + n == 11
        assert n * 2 == 20
        assert n > 5 and n <= 10
        assert -n == -10
        assert int(n) == 10 and float(n) == 10.0
        assert hash(n) == hash(10)
        assert f"{n:03d}" == "010"
    finally:
        var.reset(token)


def test_callable_proxy():
    target = {"a": 1}
    p = LocalProxy(lambda: target)
    assert p["a"] == 1
    p["b"] = 2
    assert target == {"a": 1, "b": 2}


def test_local_is_per_thread():
    local = Local()
    local.x = 1
    seen = []

    def worker():
        seen.append(getattr(local, "x", None))
        local.x = 2

    th = threading.Thread(target=worker)
    th.start()
    th.join()
    assert seen == [None]
    assert local.x == 1
    proxy = local("x")
    assert proxy == 1
    release_local(local)
    with pytest.raises(AttributeError):
        local.x  # noqa: B018
    with pytest.raises(RuntimeError):
        proxy + 1  # noqa: B018


def test_local_is_per_task():
    local = Local()

    async def task(v):
        local.v = v
        await asyncio.sleep(0)
        return local.v

    async def main():
        return await asyncio.gather(task(1), task(2), task(3))

    assert asyncio.run(main()) == [1, 2, 3]


def test_local_stack():
    stack: LocalStack[Thing] = LocalStack()
    assert stack.top is None
    assert stack.pop() is None
    a, b = Thing(1), Thing(2)
    stack.push(a)
    stack.push(b)
    top_value = stack("value")
    assert stack.top is b
    assert top_value == 2
    assert stack.pop() is b
    assert top_value == 1
    stack.pop()
    with pytest.raises(RuntimeError):
        top_value + 1  # noqa: B018


def test_proxy_to_local_requires_name():
    with pytest.raises(TypeError):
        LocalProxy(Local())
    with pytest.raises(TypeError):
        LocalProxy(42)  # type: ignore[arg-type]


class Accumulator:
    """Records the in-place operator applied to it."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, object]] = []

    def _record(name):  # noqa: N805
        def op(self, other):
            self.applied.append((name, other))
            return self

        return op

    __imatmul__ = _record("@=")
    __ipow__ = _record("**=")
    __ilshift__ = _record("<<=")
    __irshift__ = _record(">>=")
    __ixor__ = _record("^=")


def test_every_in_place_operator_reaches_the_proxied_object():
    target = Accumulator()
    p = LocalProxy(lambda: target)
    p @= 1
    p **= 2
    p <<= 3
    p >>= 4
    p ^= 5
    assert target.applied == [("@=", 1), ("**=", 2), ("<<=", 3), (">>=", 4), ("^=", 5)]
    assert type(p) is LocalProxy


def test_proxy_to_a_class_works_in_isinstance_and_issubclass():
    p = LocalProxy(lambda: Thing)
    assert isinstance(Thing(1), p)
    assert not isinstance(1, p)
    assert issubclass(Thing, p)
    assert not issubclass(int, p)


def test_proxy_doc_is_the_objects_doc_and_the_class_keeps_its_own():
    var: ContextVar[Thing] = ContextVar("doc")
    p = LocalProxy(var)
    assert p.__doc__ == LocalProxy.__doc__
    assert "LocalProxy" in LocalProxy.__doc__
    token = var.set(Thing(1))
    try:
        assert p.__doc__ == "A thing."
    finally:
        var.reset(token)


def test_proxy_wrapped_is_the_objects_attribute_or_the_local_when_unbound():
    var: ContextVar[object] = ContextVar("wrapped")
    p = LocalProxy(var)
    assert p.__wrapped__ is var
    token = var.set(42)
    try:
        with pytest.raises(AttributeError):
            p.__wrapped__  # noqa: B018
    finally:
        var.reset(token)

    def decorated() -> None: ...

    decorated.__wrapped__ = len  # type: ignore[attr-defined]
    assert LocalProxy(lambda: decorated).__wrapped__ is len
