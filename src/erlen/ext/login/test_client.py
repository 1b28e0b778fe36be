"""A test client that starts logged in (Flask-Login's ``flask_login.test_client``)."""

from __future__ import annotations

import typing as t

from erlen.testing import FlaskClient

__all__ = ["FlaskLoginClient"]


class FlaskLoginClient(FlaskClient):
    """A test client whose session is logged in as ``user`` from the start.

    Set ``app.test_client_class = FlaskLoginClient``, then
    ``app.test_client(user=user, fresh_login=True)``.
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        user = kwargs.pop("user", None)
        fresh = kwargs.pop("fresh_login", True)
        super().__init__(*args, **kwargs)
        if user:
            with self.session_transaction() as sess:
                sess["_user_id"] = user.get_id()
                sess["_fresh"] = fresh
