"""The ``Authorization`` and ``WWW-Authenticate`` headers."""

from __future__ import annotations

import base64
import collections.abc as cabc
import typing as t

from ..http import (
    dump_header as _dump_header,
    parse_dict_header as _parse_dict_header,
    quote_header_value as _quote_header_value,
)
from .structures import CallbackDict

if t.TYPE_CHECKING:
    import typing_extensions as te

__all__ = ["Authorization", "WWWAuthenticate"]


class Authorization:
    """The parsed ``Authorization`` request header.

    ``type`` is the lowercased scheme. Schemes with parameters (``Basic``,
    decoded into ``username``/``password``, or ``Digest``) fill
    :attr:`parameters`; token schemes (``Bearer``) fill :attr:`token`.
    ``auth.key``, ``auth["key"]`` and ``auth.get("key")`` read parameters.
    """

    def __init__(
        self,
        auth_type: str,
        data: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = {} if data is None else data
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name == "parameters" or name.startswith("__"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, name: str) -> str | None:
        return self.parameters.get(name)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return parameter ``key`` or ``default``."""
        return self.parameters.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> te.Self | None:
        """Parse an ``Authorization`` header value; ``None`` if empty or invalid.

        ``Basic`` credentials that are not valid base64 or not valid UTF-8
        give ``None``.
        """
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip(" \t")
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode()
            except ValueError:
                # binascii.Error, UnicodeDecodeError, and non-ASCII str input.
                return None
            username, _, password = decoded.partition(":")
            return cls(scheme, {"username": username, "password": password})
        if "=" in rest.rstrip("="):
            return cls(scheme, _parse_dict_header(rest), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """Serialize back to an ``Authorization`` header value."""
        if self.type == "basic":
            raw = f"{self.username}:{self.password}".encode()
            return f"Basic {base64.b64encode(raw).decode('ascii')}"
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} {_dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"


_WWW_AUTH_SLOTS = frozenset({"_type", "_parameters", "_token", "_on_update"})


class WWWAuthenticate:
    """The ``WWW-Authenticate`` response header.

    ``auth.realm``, ``auth["realm"]`` get/set/delete :attr:`parameters`
    (unknown names read as ``None``); setting ``None`` removes a parameter.
    Every change calls the private ``_on_update`` hook used by responses.
    """

    def __init__(
        self,
        auth_type: str,
        values: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self._type = auth_type.lower()
        self._parameters: dict[str, str | None] = CallbackDict(
            values, lambda _: self._trigger_on_update()
        )
        self._token = token
        self._on_update: cabc.Callable[[WWWAuthenticate], None] | None = None

    def _trigger_on_update(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        """The scheme, like ``basic``, ``digest`` or ``bearer``."""
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        self._type = value
        self._trigger_on_update()

    @property
    def parameters(self) -> dict[str, str | None]:
        """The header parameters (a dict that reports changes)."""
        return self._parameters

    @parameters.setter
    def parameters(self, value: dict[str, str | None]) -> None:
        self._parameters = CallbackDict(value, lambda _: self._trigger_on_update())
        self._trigger_on_update()

    @property
    def token(self) -> str | None:
        """The token for token-based schemes."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._trigger_on_update()

    def __getitem__(self, key: str) -> str | None:
        return self.parameters.get(key)

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            if key in self.parameters:
                del self.parameters[key]
        else:
            self.parameters[key] = value
        self._trigger_on_update()

    def __delitem__(self, key: str) -> None:
        if key in self.parameters:
            del self.parameters[key]
            self._trigger_on_update()

    def __getattr__(self, name: str) -> str | None:
        if name in _WWW_AUTH_SLOTS or name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: t.Any) -> None:
        if name in _WWW_AUTH_SLOTS or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return parameter ``key`` or ``default``."""
        return self.parameters.get(key, default)

    @classmethod
    def from_header(cls, value: str | None) -> te.Self | None:
        """Parse a ``WWW-Authenticate`` header value; ``None`` if empty."""
        if not value:
            return None
        scheme, _, rest = value.partition(" ")
        scheme = scheme.lower()
        rest = rest.strip(" \t")
        if "=" in rest.rstrip("="):
            return cls(scheme, _parse_dict_header(rest), None)
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        """Serialize to a ``WWW-Authenticate`` header value."""
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        if not self.parameters:
            return self.type.title()
        if self.type == "digest":
            items = []
            for key, value in self.parameters.items():
                quoted = _quote_header_value(
                    value, allow_token=key not in {"realm", "domain", "nonce", "opaque", "qop"}
                )
                items.append(f"{key}={quoted}")
            return f"Digest {', '.join(items)}"
        return f"{self.type.title()} {_dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"
