"""Guards for views: logged in, and allowed by the user's role."""

from __future__ import annotations

import functools
import typing as t

from erlen import abort
from erlen.ext.login import current_user, login_required

from .models import Permission

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def permission_required(permission: Permission) -> t.Callable[[F], F]:
    """Send visitors to the login page, and answer 403 to users whose role lacks
    ``permission``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not current_user.can(permission):
                abort(403, f"Your role ({current_user.role.name}) may not do this.")
            return view(*args, **kwargs)

        return login_required(guarded)  # type: ignore[return-value]

    return decorator
