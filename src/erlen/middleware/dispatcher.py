"""Combine several WSGI applications, each mounted under its own URL path prefix.

For example, an API app under ``/api``, an admin app under ``/admin``, and a frontend app
for every other path::

    app = DispatcherMiddleware(serve_frontend, {
        "/api": api_app,
        "/admin": admin_app,
    })
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["DispatcherMiddleware"]


class DispatcherMiddleware:
    """Dispatch each request to the application mounted at the longest matching prefix.

    Prefixes are whole path segments: ``/api`` matches ``/api`` and ``/api/users`` but not
    ``/apix``. The matched prefix is moved from ``PATH_INFO`` to the end of
    ``SCRIPT_NAME``, so the mounted app sees its own paths and builds URLs under its mount.
    A request no mount matches goes to ``app`` unchanged (with ``SCRIPT_NAME`` and
    ``PATH_INFO`` rewritten the same way, moving nothing), so a 404 there is ``app``'s own.

    Mount keys are compared with the raw WSGI ``PATH_INFO``, without decoding, and must not
    end with ``/``; ``mounts`` may be changed after creation.

    :param app: The WSGI application for requests that match no mount.
    :param mounts: Maps path prefixes (``"/api"``) to applications.
    """

    def __init__(
        self,
        app: WSGIApplication,
        mounts: dict[str, WSGIApplication] | None = None,
    ) -> None:
        self.app = app
        self.mounts = mounts or {}

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Find the mounted application for the request and call it."""
        mounts = self.mounts
        script = environ.get("PATH_INFO", "")
        path_info = ""

        # Longest prefix first: drop one trailing segment at a time.
        while "/" in script:
            found = mounts.get(script)
            if found is not None:
                app = found
                break
            script, _, last = script.rpartition("/")
            path_info = f"/{last}{path_info}"
        else:
            app = mounts.get(script, self.app)

        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
        environ["PATH_INFO"] = path_info
        return app(environ, start_response)
