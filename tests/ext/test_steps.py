"""erlen.ext._steps: the sync and async drivers of the batteries' callback logic, and the
wrapper a decorator returns."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from erlen.ext._steps import call, call_sync, loop_running, run_async, run_sync, wrap


def double(n):
    return 2 * n


async def adouble(n):
    await asyncio.sleep(0)
    return 2 * n


def fail(message):
    raise ValueError(message)


def logic(log):
    """Steps that add up callback results, recover from a ValueError and log their end."""
    try:
        total = yield double, (1,)
        total += yield adouble, (2,)
        try:
            yield fail, ("caught",)
        except ValueError as e:
            log.append(str(e))
        total += yield double, (3,)
        return total
    finally:
        log.append("closed")


def sync_perform(step):
    func, args = step
    result = func(*args)
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def test_run_sync_sends_results_and_throws_errors_in():
    log = []
    assert run_sync(logic(log), sync_perform) == 2 + 4 + 6
    assert log == ["caught", "closed"]


def test_run_async_awaits_awaitable_results():
    log = []
    assert asyncio.run(run_async(logic(log), call)) == 2 + 4 + 6
    assert log == ["caught", "closed"]


def uncaught(log):
    try:
        yield fail, ("not caught",)
        log.append("went on")
    finally:
        log.append("closed")


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_an_error_the_logic_does_not_catch_reaches_the_caller(driver):
    log = []
    with pytest.raises(ValueError, match="not caught"):
        if driver == "sync":
            run_sync(uncaught(log), call)
        else:
            asyncio.run(run_async(uncaught(log), call))
    assert log == ["closed"]


class Stop(BaseException):
    pass


def interrupted(step):
    raise Stop


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_a_base_exception_is_not_thrown_in_but_the_logic_is_closed(driver):
    log = []
    with pytest.raises(Stop):
        if driver == "sync":
            run_sync(uncaught(log), interrupted)
        else:
            asyncio.run(run_async(uncaught(log), interrupted))
    assert log == ["closed"]


def test_call_sync_returns_a_sync_callbacks_result_as_is(app):
    # No app context is needed for synchronous user code.
    assert call_sync(double, (21,)) == 42
    assert call_sync(dict, (), {"a": 1}) == {"a": 1}


def test_call_sync_runs_an_async_callback_on_erlens_loop(app):
    async def where(n, *, plus):
        await asyncio.sleep(0)
        return 2 * n + plus, loop_running()

    with app.app_context():
        assert call_sync(where, (20,), {"plus": 2}) == (42, True)
        # A sync callable returning an awaitable (a partial of an async function) too.
        assert call_sync(lambda: adouble(4)) == 8


def test_call_sync_on_the_loop_names_the_callback_and_the_async_forms(app):
    awaited = []

    async def loader(user_id):
        awaited.append(user_id)

    async def in_async_view():
        with app.app_context():
            call_sync(loader, ("1",), async_forms="Await 'aload()' instead.")

    with pytest.raises(RuntimeError, match=r"loader\(\) is 'async def'.*Await 'aload\(\)' instead"):
        asyncio.run(in_async_view())
    # The coroutine was closed, not left to warn that it was never awaited.
    assert awaited == []


def test_loop_running():
    async def inside():
        return loop_running()

    assert not loop_running()
    assert asyncio.run(inside())


def wrappers():
    def sync_wrapper(*args):
        return "sync"

    async def async_wrapper(*args):
        return "async"

    return sync_wrapper, async_wrapper


def test_wrap_keeps_sync_functions_sync_and_async_ones_async():
    def view():
        """The view."""

    async def aview():
        """The async view."""

    wrapped = wrap(view, *wrappers())
    assert wrapped() == "sync"
    assert (wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__) == ("view", "The view.", view)
    awrapped = wrap(aview, *wrappers())
    assert inspect.iscoroutinefunction(awrapped)
    assert asyncio.run(awrapped()) == "async"
    assert (awrapped.__name__, awrapped.__wrapped__) == ("aview", aview)
