"""Tracebacks and the page (``erlen.debug.tbtools``), independent of any server interface."""

from __future__ import annotations

import json
import linecache
import sys
import traceback
import typing as t

import pytest

from erlen.debug.tbtools import (
    CONTEXT_LINES,
    DebugFrameSummary,
    DebugTraceback,
    RequestInfo,
)


def caught(func: t.Callable[[], object]) -> BaseException:
    try:
        func()
    except BaseException as e:  # noqa: BLE001
        return e
    raise AssertionError("did not raise")


def raise_lookup() -> None:
    raise LookupError("the root <cause>")


def raise_wrapped() -> None:
    try:
        raise_lookup()
    except LookupError as e:
        raise RuntimeError("wrapped") from e


def raise_during_handling() -> None:
    try:
        raise_lookup()
    except LookupError:
        raise KeyError("while handling")  # noqa: B904


def names(tb: DebugTraceback) -> list[str]:
    return [frame.name for frame in tb.all_frames]


def test_the_chain_newest_first_with_its_relations() -> None:
    tb = DebugTraceback(caught(raise_wrapped))
    relations = [relation for relation, _ in tb.all_tracebacks]
    assert relations == [
        "The above exception was the direct cause of the following exception",
        None,
    ]
    kinds = [next(te.format_exception_only()).split(":")[0] for _, te in tb.all_tracebacks]
    assert kinds == ["RuntimeError", "LookupError"]
    assert names(tb) == ["caught", "raise_wrapped", "raise_wrapped", "raise_lookup"]
    assert all(isinstance(frame, DebugFrameSummary) for frame in tb.all_frames)

    context = DebugTraceback(caught(raise_during_handling)).all_tracebacks
    assert context[0][0] == "During handling of the above exception, another exception occurred"

    def suppressed() -> None:
        try:
            raise_lookup()
        except LookupError:
            raise KeyError("fresh") from None

    assert len(DebugTraceback(caught(suppressed)).all_tracebacks) == 1


def test_a_cycle_in_the_chain_ends() -> None:
    first = caught(raise_during_handling)
    assert first.__context__ is not None
    first.__context__.__context__ = first
    tb = DebugTraceback(first)
    assert len(tb.all_tracebacks) == 2
    assert "KeyError" in tb.render_traceback_html()


def test_exceptions_without_a_traceback() -> None:
    error = ValueError("never raised")
    error.__context__ = OSError("neither")
    tb = DebugTraceback(error)
    assert tb.all_frames == []
    html = tb.render_traceback_html()
    assert "OSError: neither" in html and "ValueError: never raised" in html


def test_the_text_is_what_python_prints() -> None:
    exc = caught(raise_wrapped)
    assert DebugTraceback(exc).render_traceback_text() == "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )


def hide(value: object, then: t.Callable[[], None]) -> None:
    __traceback_hide__ = value  # noqa: F841
    then()


def test_hide_rules() -> None:
    def run(value: object) -> list[str]:
        def outer() -> None:
            hide(value, inner)

        def inner() -> None:
            raise_lookup()

        return names(DebugTraceback(caught(outer)))

    assert run(True) == ["caught", "outer", "inner", "raise_lookup"]
    assert run(False) == ["caught", "outer", "hide", "inner", "raise_lookup"]
    assert run("before") == ["hide", "inner", "raise_lookup"]
    assert run("before_and_this") == ["inner", "raise_lookup"]
    assert run("after") == ["caught", "outer", "hide"]
    assert run("after_and_this") == ["caught", "outer"]

    def after_then(value: str) -> list[str]:
        """A frame hiding "after" it, its callee (hidden), then a frame setting value."""
        return names(
            DebugTraceback(caught(lambda: hide("after", lambda: hide(value, raise_lookup))))
        )

    assert after_then("reset") == ["caught", "<lambda>", "hide", "hide", "raise_lookup"]
    assert after_then("reset_and_this") == ["caught", "<lambda>", "hide", "raise_lookup"]


def test_hidden_frames_are_shown_when_asked_or_when_all_are_hidden() -> None:
    exc = caught(lambda: hide(True, raise_lookup))
    assert "hide" not in names(DebugTraceback(exc))
    assert "hide" in names(DebugTraceback(exc, hide=False))
    assert ", in hide\n" not in DebugTraceback(exc).render_traceback_text()

    def everything() -> None:
        __traceback_hide__ = True  # noqa: F841
        raise OSError("nothing else to show")

    exc = caught(everything)
    assert exc.__traceback__ is not None
    exc.with_traceback(exc.__traceback__.tb_next)  # only the frame that hides itself
    assert names(DebugTraceback(exc)) == ["everything"]


def test_skip_and_limits() -> None:
    exc = caught(raise_wrapped)
    assert names(DebugTraceback(exc, skip=1)) == ["raise_wrapped", "raise_wrapped", "raise_lookup"]
    # A TracebackException made with a limit: the frames it kept are matched.
    outer = traceback.TracebackException.from_exception(exc, limit=1)
    assert names(DebugTraceback(exc, outer))[0] == "caught"
    inner = traceback.TracebackException.from_exception(exc, limit=-1)
    assert names(DebugTraceback(exc, inner))[0] == "raise_wrapped"


def test_sys_tracebacklimit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "tracebacklimit", 1, raising=False)
    assert names(DebugTraceback(caught(raise_wrapped))) == ["caught", "raise_wrapped"]


def test_html_frames_source_and_divider() -> None:
    tb = DebugTraceback(caught(raise_wrapped))
    html = tb.render_traceback_html()
    assert html.startswith('<div class="traceback"><h2>Traceback')
    assert "Traceback" not in tb.render_traceback_html(include_title=False)
    # Oldest exception first, then the divider, then the newer one.
    root = html.index("LookupError: the root &lt;cause&gt;")
    divider = html.index(
        '<div class="exc-divider">The above exception was the direct cause of the following'
        " exception:</div>"
    )
    assert root < divider < html.index("RuntimeError: wrapped")
    # Source around the executing line; quotes need no escaping in text.
    assert '<span class="line current"><span class="lineno">' in html
    assert 'raise LookupError("the root &lt;cause&gt;")</span>' in html
    assert f'"{__file__}"' in html and '<span class="function">raise_lookup</span>' in html


def test_context_lines() -> None:
    tb = DebugTraceback(caught(raise_lookup))
    frame = tb.all_frames[-1]
    assert frame.lineno is not None
    html = frame.render_html(mark_library=False)
    shown = [int(n) for n in html.split('<span class="lineno">')[1:] for n in [n.split("<")[0]]]
    assert shown == list(range(frame.lineno - CONTEXT_LINES, frame.lineno + CONTEXT_LINES + 1))


def test_missing_source(monkeypatch: pytest.MonkeyPatch) -> None:
    tb = DebugTraceback(caught(raise_lookup))
    monkeypatch.setattr(linecache, "getlines", lambda *args: ["only one line\n"])
    html = tb.render_traceback_html()
    assert "only one line" not in html
    assert '<div class="nosource">source not available</div>' in html


def test_library_frames_are_dimmed_only_beside_application_frames() -> None:
    exc = caught(lambda: json.loads("{"))
    tb = DebugTraceback(exc)
    library = [frame for frame in tb.all_frames if frame.is_library]
    assert library and not all(frame.is_library for frame in tb.all_frames)
    assert tb.render_traceback_html().count('class="frame library"') == len(library)
    assert 'class="frame library"' in library[0].render_html(mark_library=True)
    assert 'class="frame"' in library[0].render_html(mark_library=False)


def test_deep_recursion_is_counted_not_repeated() -> None:
    def recurse(n: int) -> int:
        return recurse(n + 1)

    tb = DebugTraceback(caught(lambda: recurse(0)))
    html = tb.render_traceback_html()
    assert html.count('<span class="function">') < 10
    repeated = len([f for f in tb.all_frames if f.name == "recurse"]) - 3
    assert f"[the frame above repeated {repeated} more times]" in html


def test_traceback_info_is_shown_escaped() -> None:
    def noted() -> None:
        __traceback_info__ = "rendering <template>"  # noqa: F841
        raise ValueError("x")

    tb = DebugTraceback(caught(noted))
    assert tb.all_frames[-1].info == "rendering <template>"
    assert '<p class="info">rendering &lt;template&gt;</p>' in tb.render_traceback_html()


REQUEST = RequestInfo(
    method="POST",
    url="http://example.test/p?q=1&empty=",
    headers=[
        ("Cookie", "session=secret-cookie; theme=dark"),
        ("authorization", "Bearer secret-token"),
        ("Proxy-Authorization", "Basic secret-proxy"),
        ("X-Note", "<visible>"),
    ],
    client="127.0.0.1",
    form_fields=["title"],
    interface="ASGI",
)


def test_page() -> None:
    page = DebugTraceback(caught(raise_wrapped)).render_page(REQUEST)
    assert page.startswith("<!doctype html>")
    assert "<title>RuntimeError: wrapped // erlen debugger</title>" in page
    assert "The debugger caught an exception in your ASGI application." in page
    assert "<script" not in page
    # The plain-text traceback, escaped.
    assert "Traceback (most recent call last):" in page
    assert 'raise LookupError("the root &lt;cause&gt;")' in page
    # The request, with credentials hidden whatever the header's case.
    assert "<th>URL</th><td>http://example.test/p?q=1&amp;empty=</td>" in page
    assert "<th>Client</th><td>127.0.0.1</td>" in page
    assert "<th>q</th><td>1</td>" in page and "<th>empty</th><td></td>" in page
    assert "session, theme (cookie values hidden)" in page
    for secret in ("secret-cookie", "secret-token", "secret-proxy", "dark"):
        assert secret not in page
    assert "<th>X-Note</th><td>&lt;visible&gt;</td>" in page
    assert "<code>title</code>" in page


def test_page_without_request_or_form() -> None:
    page = DebugTraceback(caught(raise_lookup)).render_page()
    assert "your WSGI application" in page and "<h2>Request</h2>" not in page
    no_form = RequestInfo(method="GET", url="http://x/")
    html = no_form.render_html()
    assert "the application did not read a form" in html
    assert "no query arguments" in html and "no headers" in html
    assert "no form fields" in RequestInfo("GET", "http://x/", form_fields=[]).render_html()


def test_syntax_error_title() -> None:
    exc = caught(lambda: compile("x = (", "<src>", "exec"))
    tb = DebugTraceback(exc)
    assert repr(tb).startswith("<DebugTraceback SyntaxError: ")
    assert "<title>SyntaxError: " in tb.render_page()
