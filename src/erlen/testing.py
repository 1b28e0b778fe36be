"""Testing an application (Flask's ``flask.testing``): the test client, its environ builder
and the CLI runner.

Difference from Flask: the client identifies itself as ``erlen/<version>`` in
``User-Agent`` (Flask sends ``Werkzeug/<version>``).
"""

from __future__ import annotations

import typing as t
from contextlib import ExitStack, contextmanager
from copy import copy
from types import TracebackType
from urllib.parse import urlsplit

from click.testing import CliRunner, Result

from . import test as _test
from .wrappers.request import Request as BaseRequest

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask
    from .asgi.testing_ws import WebSocketTestSession
    from .sessions import SessionMixin

__all__ = ["EnvironBuilder", "FlaskClient", "FlaskCliRunner"]

#: The User-Agent the test client sends (the same as :data:`erlen.test.USER_AGENT`).
USER_AGENT = _test.USER_AGENT


class EnvironBuilder(_test.EnvironBuilder):
    """An environ builder with defaults from the app: ``SERVER_NAME`` (else ``localhost``),
    ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``, and the app's JSON provider.

    ``subdomain`` and ``url_scheme`` adjust the default base URL; they cannot be combined
    with ``base_url``.
    """

    def __init__(
        self,
        app: Flask,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        assert not (base_url or subdomain or url_scheme) or (base_url is not None) != bool(
            subdomain or url_scheme
        ), 'Cannot pass "subdomain" or "url_scheme" with "base_url".'

        if base_url is None:
            http_host = app.config.get("SERVER_NAME") or "localhost"
            app_root = app.config["APPLICATION_ROOT"]
            if subdomain:
                http_host = f"{subdomain}.{http_host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or http_host}/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"

        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


class FlaskClient(_test.Client):
    """The test client of an app (``app.test_client()``).

    Within ``with client:`` the contexts of the last request stay pushed, so ``request``,
    ``session`` and ``g`` can be inspected after it. :meth:`session_transaction` edits the
    session cookie directly.
    """

    application: Flask

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": USER_AGENT,
        }

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[SessionMixin]:
        """Open the client's session for editing; changes are stored in its cookie on exit.

        Arguments are those of :meth:`Flask.test_request_context`.
        """
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")

        app = self.application
        builder = EnvironBuilder(app, *args, **kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        # The cookies go into the environ before the request reads it.
        self._add_cookies_to_wsgi(environ)
        ctx = app.request_context(environ)

        with ctx:
            sess = app.session_interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError("Session backend did not open a session.")

        yield sess
        resp = app.response_class()
        if app.session_interface.is_null_session(sess):
            return
        with ctx:
            app.session_interface.save_session(app, sess, resp)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            resp.headers.getlist("Set-Cookie"),
        )

    def websocket(
        self,
        path: str = "/",
        *,
        headers: t.Any = None,
        subprotocols: t.Sequence[str] | None = None,
        http_response: bool = True,
        timeout: float = 30.0,
        **kwargs: t.Any,
    ) -> WebSocketTestSession:
        """Open a WebSocket connection to the app's ASGI side (an erlen addition):
        ``with client.websocket("/ws") as ws: ws.send("hi"); ws.receive()``.

        ``headers``, ``query_string``, ``base_url``, ``subdomain`` and the other
        :class:`EnvironBuilder` arguments build the handshake, which carries the client's
        cookies; ``subprotocols`` are offered in order. ``http_response=False`` leaves out
        the ``websocket.http.response`` extension, as on servers without it. Entering
        raises :class:`~erlen.asgi.testing_ws.WebSocketRejected` when the app refuses the
        handshake. See :class:`~erlen.asgi.testing_ws.WebSocketTestSession`.
        """
        from .asgi.testing_ws import open_websocket

        return open_websocket(
            self,
            path,
            headers=headers,
            subprotocols=subprotocols,
            http_response=http_response,
            timeout=timeout,
            **kwargs,
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> _test.TestResponse:
        """Send a request to the app; arguments are those of :class:`EnvironBuilder`, or an
        environ builder, environ dict or request."""
        if args and isinstance(args[0], (_test.EnvironBuilder, dict, BaseRequest)):
            if isinstance(args[0], _test.EnvironBuilder):
                builder = copy(args[0])
                builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
                request = builder.get_request()
            elif isinstance(args[0], dict):
                request = EnvironBuilder.from_environ(
                    args[0], app=self.application, environ_base=self._copy_environ({})
                ).get_request()
            else:
                request = copy(args[0])
                request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)

        # Contexts preserved by an earlier request in a `with client:` block end here.
        self._context_stack.close()

        response = super().open(request, buffered=buffered, follow_redirects=follow_redirects)
        response.json_module = self.application.json

        for cm in self._new_contexts:
            self._context_stack.enter_context(cm)
        self._new_contexts.clear()
        return response

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


class FlaskCliRunner(CliRunner):
    """Runs the app's CLI commands in isolation (``app.test_cli_runner()``)."""

    def __init__(self, app: Flask, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke ``cli`` (the app's command group by default) with a ScriptInfo for the app."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            from .cli import ScriptInfo

            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
