"""WSGI middleware: Werkzeug 3.1's ``werkzeug.middleware`` package under erlen's name.

Each middleware lives in its own module, with the same module and class names as Werkzeug's,
so ``from werkzeug.middleware.proxy_fix import ProxyFix`` ports to
``from erlen.middleware.proxy_fix import ProxyFix``:

- :mod:`erlen.middleware.proxy_fix`: :class:`~erlen.middleware.proxy_fix.ProxyFix`
- :mod:`erlen.middleware.dispatcher`:
  :class:`~erlen.middleware.dispatcher.DispatcherMiddleware`
- :mod:`erlen.middleware.shared_data`:
  :class:`~erlen.middleware.shared_data.SharedDataMiddleware`
- :mod:`erlen.middleware.profiler`: :class:`~erlen.middleware.profiler.ProfilerMiddleware`
- :mod:`erlen.middleware.http_proxy`: :class:`~erlen.middleware.http_proxy.ProxyMiddleware`
- :mod:`erlen.middleware.lint`: :class:`~erlen.middleware.lint.LintMiddleware`

Wrap an erlen app's :meth:`~erlen.Flask.wsgi_app`, not the app itself, so the app object
keeps working: ``app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)``. As in
Werkzeug, this package itself exports nothing.
"""

from __future__ import annotations
