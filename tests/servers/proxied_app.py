"""served_app's app behind one proxy (nginx in tests/test_servers_nginx.py): ``ProxyFix``
trusts one value of each X-Forwarded-* header, under WSGI and ASGI, as docs/deployment.md
says."""

from __future__ import annotations

from served_app import app

from erlen.middleware.proxy_fix import ProxyFix

app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)

__all__ = ["app"]
