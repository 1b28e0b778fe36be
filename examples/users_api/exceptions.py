"""The API's errors: one class per kind of failure, each with its HTTP status and a short
machine-readable ``code``. The service layer raises them; ``errors.py`` turns them into JSON
answers (``{"error": code, "message": ..., "fields": ...}``).

::

    APIError (500 internal_error)
    ├── BadRequestError (400 bad_request)
    │   └── ValidationFailed (400 validation_failed, with the fields' messages)
    ├── AuthenticationFailed (401 authentication_failed)
    ├── PermissionDenied (403 forbidden)
    ├── NotFoundError (404 not_found)
    └── ConflictError (409 conflict)
"""

from __future__ import annotations

import typing as t


class APIError(Exception):
    """Base class: a failure the client is told about, with :attr:`status` and
    :attr:`code`."""

    #: The HTTP status of the answer.
    status: t.ClassVar[int] = 500
    #: The ``error`` member of the answer.
    code: t.ClassVar[str] = "internal_error"
    #: The message used when none is given.
    default_message: t.ClassVar[str] = "The server failed; the error is logged."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def to_dict(self) -> dict[str, t.Any]:
        """The JSON body of the answer."""
        return {"error": self.code, "message": self.message}


class BadRequestError(APIError):
    """The request cannot be carried out as sent."""

    status = 400
    code = "bad_request"
    default_message = "The request is not valid."


class ValidationFailed(BadRequestError):
    """Some fields are invalid: :attr:`fields` maps each to its messages."""

    code = "validation_failed"
    default_message = "Some fields are not valid."

    def __init__(self, fields: t.Mapping[str, t.Any], message: str | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields)

    def to_dict(self) -> dict[str, t.Any]:
        """The body, with ``fields``."""
        return {**super().to_dict(), "fields": self.fields}


class AuthenticationFailed(APIError):
    """Wrong credentials, or no valid token."""

    status = 401
    code = "authentication_failed"
    default_message = "The email address or the password is wrong."


class PermissionDenied(APIError):
    """The user is known, but may not do this."""

    status = 403
    code = "forbidden"
    default_message = "You may not do this."


class NotFoundError(APIError):
    """The resource does not exist (or is hidden from the user)."""

    status = 404
    code = "not_found"
    default_message = "There is nothing here."


class ConflictError(APIError):
    """The change contradicts the current state (a taken email address, ...)."""

    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."
