"""Exceptions raised while matching and building URLs."""

from __future__ import annotations

import difflib
import typing as t
from functools import cached_property

from ..exceptions import BadRequest, HTTPException

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ..wrappers.response import Response
    from .map import MapAdapter
    from .rules import Rule

__all__ = [
    "BuildError",
    "NoMatch",
    "RedirectRequired",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "WebsocketMismatch",
]


class RoutingException(Exception):
    """Base class of the exceptions the router uses to signal the application
    (redirects, missing URLs, build failures).
    """


class RequestRedirect(HTTPException, RoutingException):
    """The matched URL must be redirected, e.g. to add a missing trailing slash.

    :attr:`new_url` is the absolute target; used as a response it is a
    ``308 Permanent Redirect``.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_response(
        self,
        environ: WSGIEnvironment | t.Any | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> Response:
        """Return a redirect response to :attr:`new_url`."""
        from ..utils import redirect

        return redirect(self.new_url, self.code)


class RequestPath(RoutingException):
    """Internal: the matcher wants a redirect to ``path_info``."""

    __slots__ = ("path_info",)

    def __init__(self, path_info: str) -> None:
        super().__init__()
        self.path_info = path_info


class RequestAliasRedirect(RoutingException):  # noqa: B903
    """Internal: an alias rule matched and wants to redirect to the canonical URL."""

    def __init__(self, matched_values: t.Mapping[str, t.Any], endpoint: t.Any) -> None:
        super().__init__()
        self.matched_values = matched_values
        self.endpoint = endpoint


class RedirectRequired(RoutingException):
    """Raised by the fast :meth:`Map._match <erlen.routing.Map._match>` entry when
    the request must be redirected (missing slash, merged slashes, alias,
    default values or ``redirect_to``).

    Building the absolute redirect URL needs the request's host, scheme and
    script root, so the caller binds an adapter (``map.bind_to_environ``) and
    calls :meth:`MapAdapter.match`, which raises the proper
    :exc:`RequestRedirect`.
    """


class BuildError(RoutingException, LookupError):
    """No rule could build a URL for the endpoint, values and method given.

    ``str(error)`` explains the failure and suggests the closest rule.
    """

    def __init__(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str | None,
        adapter: MapAdapter | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = values
        self.method = method
        self.adapter = adapter

    @cached_property
    def suggested(self) -> Rule | None:
        """The rule most similar to what was requested, if any."""
        return self.closest_rule(self.adapter)

    def closest_rule(self, adapter: MapAdapter | None) -> Rule | None:
        """Return the rule of ``adapter``'s map that best fits the request."""
        if adapter is None:
            return None
        rules = adapter.map._rules
        if not rules:
            return None
        wanted = str(self.endpoint)
        keys = set(self.values or ())

        def score(rule: Rule) -> float:
            similarity = difflib.SequenceMatcher(None, str(rule.endpoint), wanted).ratio()
            fits_values = keys.issubset(rule.arguments)
            fits_method = bool(rule.methods and self.method in rule.methods)
            return 0.98 * similarity + 0.01 * fits_values + 0.01 * fits_method

        return max(rules, key=score)

    def __str__(self) -> str:
        parts = [f"Could not build url for endpoint {self.endpoint!r}"]
        if self.method:
            parts.append(f" ({self.method!r})")
        if self.values:
            parts.append(f" with values {sorted(self.values)!r}")
        parts.append(".")
        rule = self.suggested
        if rule is not None:
            if rule.endpoint == self.endpoint:
                if self.method and rule.methods is not None and self.method not in rule.methods:
                    parts.append(f" Did you mean to use methods {sorted(rule.methods)!r}?")
                missing = rule.arguments.union(rule.defaults or ()) - set(self.values)
                if missing:
                    parts.append(f" Did you forget to specify values {sorted(missing)!r}?")
            else:
                parts.append(f" Did you mean {rule.endpoint!r} instead?")
        return "".join(parts)


class WebsocketMismatch(BadRequest):
    """The only matching rule is a WebSocket rule and the request is HTTP, or
    the other way around.
    """

    description = (
        "The URL was requested with the wrong protocol: a WebSocket route accepts only"
        " WebSocket connections (served over ASGI), other routes only HTTP requests."
    )


class NoMatch(Exception):
    """Internal: the matcher found no rule.

    ``have_match_for`` holds the methods of rules whose path matched (for the
    405 ``Allow`` header); ``websocket_mismatch`` is set if a rule matched
    but for the other protocol.
    """

    __slots__ = ("have_match_for", "websocket_mismatch")

    def __init__(self, have_match_for: set[str], websocket_mismatch: bool) -> None:
        self.have_match_for = have_match_for
        self.websocket_mismatch = websocket_mismatch
