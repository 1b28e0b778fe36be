"""Where a limiter files its limit definitions and exemptions, and which of them apply to
a request (:meth:`LimitManager.resolve`)."""

from __future__ import annotations

import itertools
import logging
import typing as t

from ._limits import ApplicationLimit, Limit, RuntimeLimit
from ._steps import Call, Steps
from .constants import ExemptionScope
from .util import get_qualified_name

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask

__all__ = ["LimitManager", "expand"]

logger = logging.getLogger("erlen.ext.limiter")

#: Exemption flags that are about the blueprint's own limits, not its nesting.
_OWN = ExemptionScope.DEFAULT | ExemptionScope.APPLICATION


def expand(definition: Limit, failure: str | None = None) -> Steps[list[RuntimeLimit]]:
    """The runtime limits of ``definition``, calling its provider as a step.

    With ``failure`` (``"function <name>"``, ``"blueprint <name>"``), a limit string that
    does not parse is logged as an error and gives no limits; without, it raises.
    """
    provider = definition.limit_provider
    try:
        value = (yield Call(provider)) if callable(provider) else provider
        return definition.runtime_limits(value)
    except ValueError as exc:
        if failure is None:
            raise
        logger.error("failed to load ratelimit for %s: %s", failure, exc)
        return []


def expand_all(
    definitions: t.Iterable[Limit], failure: str | None = None
) -> Steps[list[RuntimeLimit]]:
    """:func:`expand` for each definition, concatenated."""
    limits: list[RuntimeLimit] = []
    for definition in definitions:
        limits += yield from expand(definition, failure)
    return limits


class LimitManager:
    """The limit definitions and exemptions of one :class:`~erlen.ext.limiter.Limiter`.

    Decorated limits and route exemptions are filed under the qualified name of the
    decorated callable (:func:`~erlen.ext.limiter.util.get_qualified_name`), blueprint
    limits and exemptions under the blueprint's name. An endpoint *hint* records that a
    decorated callable other than the view ran during a request to that endpoint, so the
    request hook knows the endpoint is limited inside the view.
    """

    def __init__(
        self,
        application_limits: list[ApplicationLimit],
        default_limits: list[Limit],
    ) -> None:
        self._application_limits = application_limits
        self._default_limits = default_limits
        self._decorated_limits: dict[str, dict[Limit, None]] = {}
        self._blueprint_limits: dict[str, dict[Limit, None]] = {}
        self._route_exemptions: dict[str, ExemptionScope] = {}
        self._blueprint_exemptions: dict[str, ExemptionScope] = {}
        self._endpoint_hints: dict[str, dict[str, None]] = {}

    # -- registration

    def set_application_limits(self, limits: list[ApplicationLimit]) -> None:
        """Replace the application limit definitions."""
        self._application_limits = limits

    def set_default_limits(self, limits: list[Limit]) -> None:
        """Replace the default limit definitions."""
        self._default_limits = limits

    def add_decorated_limit(self, name: str, limit: Limit | None, override: bool = False) -> None:
        """File ``limit`` for the callable ``name`` (``override``: as its only limit)."""
        if limit is None:
            return
        if override:
            self._decorated_limits[name] = {limit: None}
        else:
            self._decorated_limits.setdefault(name, {})[limit] = None

    def add_blueprint_limit(self, blueprint: str, limit: Limit | None) -> None:
        """File ``limit`` for every route of the blueprint named ``blueprint``."""
        if limit is not None:
            self._blueprint_limits.setdefault(blueprint, {})[limit] = None

    def add_route_exemption(self, name: str, scope: ExemptionScope) -> None:
        """Exempt the callable ``name`` from ``scope``."""
        self._route_exemptions[name] = scope

    def add_blueprint_exemption(self, blueprint: str, scope: ExemptionScope) -> None:
        """Exempt the routes of the blueprint named ``blueprint`` from ``scope``."""
        self._blueprint_exemptions[blueprint] = scope

    def add_endpoint_hint(self, endpoint: str, name: str) -> None:
        """Record that the decorated callable ``name`` runs in requests to ``endpoint``."""
        self._endpoint_hints.setdefault(endpoint, {})[name] = None

    def has_hints(self, endpoint: str) -> bool:
        """Whether decorated callables other than the view run for ``endpoint``."""
        return bool(self._endpoint_hints.get(endpoint))

    # -- the limits as they are now (calling the providers directly; for the CLI)

    @property
    def application_limits(self) -> list[RuntimeLimit]:
        """The application limits' runtime limits."""
        return list(itertools.chain.from_iterable(self._application_limits))

    @property
    def default_limits(self) -> list[RuntimeLimit]:
        """The default limits' runtime limits."""
        return list(itertools.chain.from_iterable(self._default_limits))

    # -- which limits apply

    def exemption_scope(
        self, app: Flask, endpoint: str | None, blueprint: str | None
    ) -> ExemptionScope:
        """What the route ``endpoint`` (in the blueprint ``blueprint``, a dotted name for
        nested blueprints) is exempt from: its own exemption, its blueprint's and those of
        enclosing blueprints exempted with ``DESCENDENTS``."""
        view = app.view_functions.get(endpoint or "")
        scope = (
            self._route_exemptions.get(get_qualified_name(view), ExemptionScope.NONE)
            if view
            else ExemptionScope.NONE
        )
        if blueprint and blueprint in app.blueprints:
            own, inherited = self._blueprint_exemption(app, blueprint)
            scope |= own
            for flags in inherited.values():
                scope |= flags
        return scope

    def _blueprint_exemption(
        self, app: Flask, blueprint: str
    ) -> tuple[ExemptionScope, dict[str, ExemptionScope]]:
        # The blueprint's own exemption (without ANCESTORS, which is about limits) and the
        # exemptions of the blueprints on its dotted path that reach their descendants.
        name = app.blueprints[blueprint].name
        own = self._blueprint_exemptions.get(name, ExemptionScope.NONE) & ~ExemptionScope.ANCESTORS
        path = set(blueprint.split("."))
        inherited = {
            member: flags
            for member, flags in self._blueprint_exemptions.items()
            if member in path and flags & ExemptionScope.DESCENDENTS
        }
        return own, inherited

    def blueprint_definitions(self, app: Flask, blueprint: str) -> list[Limit]:
        """The blueprint limit definitions for a route of ``blueprint``: its own, plus
        those of the blueprints it is nested in unless its own limits override them or it
        is exempt from its ancestors' limits."""
        if blueprint not in app.blueprints:
            return []
        name = app.blueprints[blueprint].name
        own_exemption, inherited = self._blueprint_exemption(app, blueprint)
        if own_exemption & ~_OWN:
            return []
        own = list(self._blueprint_limits.get(name, {}))
        overrides = bool(own) and all(limit.override_defaults for limit in own)
        flags = self._blueprint_exemptions.get(name, ExemptionScope.NONE)
        if overrides or flags & ExemptionScope.ANCESTORS:
            return own
        path = set(blueprint.split("."))
        return [
            limit
            for member in path.intersection(self._blueprint_limits).difference(inherited)
            for limit in self._blueprint_limits[member]
        ]

    def decorated(self, name: str) -> Steps[list[RuntimeLimit]]:
        """The runtime limits decorating the callable ``name`` (none if it is exempt)."""
        if self._route_exemptions.get(name, ExemptionScope.NONE):
            return []
        return (yield from expand_all(self._decorated_limits.get(name, {}), f"function {name}"))

    def resolve(
        self,
        app: Flask,
        endpoint: str | None,
        blueprint: str | None,
        name: str,
        in_middleware: bool,
        marked: bool,
    ) -> Steps[tuple[list[RuntimeLimit], list[RuntimeLimit]]]:
        """The limits that apply at one point of a request to ``endpoint``: ``(defaults,
        decorated)``, where ``defaults`` are the application and default limits that apply.

        ``in_middleware`` is the check before the view (the request hook): it applies the
        application limits, and — unless the view is limited inside (``marked``) — the
        blueprint and default limits. Inside a decorated callable ``name`` the decorated
        limits apply, with the blueprint's and the defaults unless they override them.
        """
        before_limited_view = in_middleware and marked
        decorated: list[RuntimeLimit] = []
        hinted: list[RuntimeLimit] = []
        if endpoint:
            if not in_middleware:
                decorated += yield from self.decorated(name)
            for hint in self._endpoint_hints.get(endpoint, {}):
                hinted += yield from self.decorated(hint)
        if (
            blueprint
            and not before_limited_view
            and not any(limit.override_defaults for limit in decorated)
        ):
            decorated += yield from expand_all(
                self.blueprint_definitions(app, blueprint), f"blueprint {blueprint}"
            )
        exemption = self.exemption_scope(app, endpoint, blueprint)
        defaults: list[RuntimeLimit] = []
        if in_middleware and not exemption & ExemptionScope.APPLICATION:
            defaults += yield from expand_all(self._application_limits)
        wants_defaults = all(limit.method_exempt for limit in decorated) or not any(
            limit.override_defaults for limit in decorated
        )
        hints_want_defaults = bool(hinted) and not any(limit.override_defaults for limit in hinted)
        if (
            wants_defaults and not (before_limited_view or exemption & ExemptionScope.DEFAULT)
        ) or hints_want_defaults:
            defaults += yield from expand_all(self._default_limits)
        return defaults, decorated
