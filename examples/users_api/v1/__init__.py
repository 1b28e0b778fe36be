"""Version 1 of the API: ``/api/v1/auth`` (tokens) and ``/api/v1/users`` (accounts)."""

from __future__ import annotations

from . import auth, users

#: The blueprints of version 1.
blueprints = (auth.bp, users.bp)
