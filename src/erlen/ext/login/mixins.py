"""Default user classes (Flask-Login's ``flask_login.mixins``)."""

from __future__ import annotations

__all__ = ["AnonymousUserMixin", "UserMixin"]


class UserMixin:
    """What a logged-in user needs: active, authenticated, not anonymous, and ``get_id``
    returning ``str(self.id)``. Two users are equal when their ids are."""

    # Defining __eq__ would otherwise make instances unhashable.
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        """Whether the account may log in (``login_user`` refuses inactive users)."""
        return True

    @property
    def is_authenticated(self) -> bool:
        """Whether the user is logged in: ``is_active`` by default."""
        return self.is_active

    @property
    def is_anonymous(self) -> bool:
        """Always ``False`` for a real user."""
        return False

    def get_id(self) -> str:
        """The id stored in the session: ``str(self.id)``; override it without an ``id``."""
        try:
            return str(self.id)  # type: ignore[attr-defined]
        except AttributeError:
            raise NotImplementedError("No `id` attribute - override `get_id`") from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UserMixin):
            return self.get_id() == other.get_id()
        return NotImplemented


class AnonymousUserMixin:
    """The user when nobody is logged in: not active, not authenticated, anonymous, no id."""

    @property
    def is_authenticated(self) -> bool:
        """Always ``False``."""
        return False

    @property
    def is_active(self) -> bool:
        """Always ``False``."""
        return False

    @property
    def is_anonymous(self) -> bool:
        """Always ``True``."""
        return True

    def get_id(self) -> None:
        """Anonymous users have no id."""
        return None
