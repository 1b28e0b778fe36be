"""Rate limit definitions (:class:`Limit` and its variants) and the :class:`RuntimeLimit`
each of them turns into for a request."""

from __future__ import annotations

import dataclasses
import functools
import sys
import typing as t
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from types import TracebackType

from limits import RateLimitItem, parse_many

from erlen.blueprints import Blueprint
from erlen.globals import current_app, request

from .. import _steps
from .util import get_qualified_name

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.wrappers import Response

    from ._extension import Limiter, RequestLimit

__all__ = ["ApplicationLimit", "Limit", "MetaLimit", "RouteLimit", "RuntimeLimit"]

P = t.ParamSpec("P")
R = t.TypeVar("R")
LimitT = t.TypeVar("LimitT", bound="Limit")

#: Attribute set on a view wrapper to the limiter that made it: of stacked decorators from
#: one limiter, only the innermost checks (they all resolve the same limits).
_WRAPPED_BY = "__wrapper-limiter-instance"


@functools.lru_cache(maxsize=512)
def _parse(limit_string: str) -> tuple[RateLimitItem, ...]:
    # PERF: limit strings (also those of providers called per request) repeat; parsing one
    # costs several microseconds of regular expressions per request.
    return tuple(parse_many(limit_string))


def _lowered(methods: Sequence[str] | None) -> tuple[str, ...] | None:
    return tuple(m.lower() for m in methods) if methods else None


@dataclasses.dataclass(eq=True, unsafe_hash=True)
class RuntimeLimit:
    """One parsed rate limit (``"10/minute"``) with everything needed to apply it in a
    request: what it is keyed on, its scope and the conditions on it."""

    limit: RateLimitItem
    key_func: Callable[[], str]
    scope: str | Callable[[str], str] | None
    per_method: bool = False
    methods: Sequence[str] | None = None
    error_message: str | Callable[[], str] | None = None
    exempt_when: Callable[[], bool] | None = None
    override_defaults: bool | None = False
    deduct_when: Callable[[Response], bool] | None = None
    on_breach: Callable[[RequestLimit], Response | None] | None = None
    cost: Callable[[], int] | int = 1
    shared: bool = False
    #: Meta limit definitions attached to the limit this one came from.
    meta_limits: tuple[MetaLimit, ...] | None = None

    def __post_init__(self) -> None:
        self.methods = _lowered(self.methods)

    @property
    def is_exempt(self) -> bool:
        """Whether ``exempt_when`` exempts the current request."""
        return bool(self.exempt_when()) if self.exempt_when is not None else False

    @property
    def deduction_amount(self) -> int:
        """The cost of one hit (``cost``, called if callable)."""
        return self.cost() if callable(self.cost) else self.cost

    @property
    def method_exempt(self) -> bool:
        """Whether ``methods`` leaves out the current request's method."""
        return self.methods is not None and request.method.lower() not in self.methods

    def bucket(self, endpoint: str, method: str | None, scope: object) -> str:
        """The part of the storage key that says what is limited: the endpoint (unless the
        limit is shared), the resolved ``scope`` and, with ``per_method``, the method."""
        if scope:
            name = str(scope) if self.shared else f"{endpoint}:{scope}"
        else:
            name = endpoint
        if self.per_method:
            assert method, "a per-method limit needs the request method"
            name = f"{name}:{method.upper()}"
        return name

    def scope_for(self, endpoint: str, method: str | None) -> str:
        """:meth:`bucket` with a callable ``scope`` called with the request's endpoint."""
        scope = self.scope(request.endpoint or "") if callable(self.scope) else self.scope
        return self.bucket(endpoint, method, scope)


@dataclasses.dataclass(eq=True, unsafe_hash=True)
class Limit:
    """A rate limit definition, e.g. for ``Limiter(default_limits=[...])``::

        Limiter(
            get_remote_address,
            default_limits=[
                Limit("100/second"),                                 # per client address
                Limit("10/second", key_function=lambda: request.headers.get("user", "")),
            ],
        )

    ``limit_provider`` is a limit string (``"10/second; 1000/day"``) or a callable
    returning one, called for each request. :class:`ApplicationLimit` defines a limit
    shared by every route, :class:`MetaLimit` one on how often limits may be exceeded.
    """

    #: A limit string or a callable returning one.
    limit_provider: Callable[[], str] | str
    #: What the limit is counted per; default: the limiter's ``key_func``.
    key_function: Callable[[], str] | None = None
    #: A further scope (string, or callable taking the endpoint); combined with the
    #: endpoint unless :attr:`shared`.
    scope: str | Callable[[str], str] | None = None
    #: What one request costs (an int or a callable returning one; default 1).
    cost: Callable[[], int] | int | None = None
    #: Whether the limit is one budget for every route it applies to.
    shared: bool = False
    #: Only requests with these methods are limited.
    methods: Sequence[str] | None = None
    #: Count each method separately.
    per_method: bool = False
    #: The 429 description (a string or a callable returning one).
    error_message: str | Callable[[], str] | None = None
    #: Meta limits counting how often this limit is exceeded.
    meta_limits: Iterable[Callable[[], str] | str | MetaLimit] | None = None
    #: A callable returning true to skip the limit for the current request.
    exempt_when: Callable[[], bool] | None = None
    #: A callable taking the response, returning true to count the request (then the
    #: request is counted after the view instead of before it).
    deduct_when: Callable[[Response], bool] | None = None
    #: Called with the :class:`~erlen.ext.limiter.RequestLimit` when the limit is
    #: exceeded; a response it returns is sent instead of the 429 page.
    on_breach: Callable[[RequestLimit], Response | None] | None = None
    #: Whether a decorated limit replaces the default limits.
    override_defaults: bool | None = dataclasses.field(default=False, init=False)
    #: The limiter this definition belongs to (set by :meth:`bind`).
    limiter: Limiter = dataclasses.field(
        init=False, hash=False, compare=False, kw_only=True, repr=False
    )
    #: False for limits given to ``Limiter`` as strings: ``init_app`` then fills in the
    #: cost, method and condition settings from the configuration.
    finalized: bool = dataclasses.field(default=True)

    def __post_init__(self) -> None:
        self.methods = _lowered(self.methods)
        if self.meta_limits:
            self.meta_limits = tuple(self.meta_limits)

    def __iter__(self) -> Iterator[RuntimeLimit]:
        """The runtime limits of this definition (calling the provider)."""
        provider = self.limit_provider
        return iter(self.runtime_limits(provider() if callable(provider) else provider))

    def runtime_limits(self, limit_string: str | None) -> list[RuntimeLimit]:
        """The runtime limits for ``limit_string`` (the provider's value): none for an
        empty value; :exc:`ValueError` if it does not parse."""
        if not limit_string:
            return []
        metas = self._meta_definitions()
        key_func = self.limit_by
        return [
            RuntimeLimit(
                item,
                key_func,
                scope=self.scope,
                per_method=self.per_method,
                methods=self.methods,
                error_message=self.error_message,
                exempt_when=self.exempt_when,
                deduct_when=self.deduct_when,
                override_defaults=self.override_defaults,
                on_breach=self.on_breach,
                cost=self.cost or 1,
                shared=self.shared,
                meta_limits=metas,
            )
            for item in _parse(limit_string)
        ]

    def _meta_definitions(self) -> tuple[MetaLimit, ...]:
        metas: list[MetaLimit] = []
        for meta in self.meta_limits or ():
            if not isinstance(meta, MetaLimit):
                meta = MetaLimit(meta).bind_parent(self)
                if hasattr(self, "limiter"):
                    meta.bind(self.limiter)
            metas.append(meta)
        return tuple(metas)

    @property
    def limit_by(self) -> Callable[[], str]:
        """The key function: :attr:`key_function`, else the limiter's."""
        return self.key_function or self.limiter._key_func

    def bind(self: LimitT, limiter: Limiter) -> LimitT:
        """Attach this definition (and its meta limits) to ``limiter``; returns self."""
        self.limiter = limiter
        for meta in self.meta_limits or ():
            if isinstance(meta, MetaLimit):
                meta.bind(limiter)
        return self


@dataclasses.dataclass(unsafe_hash=True, kw_only=True)
class RouteLimit(Limit):
    """A limit for a view, a function or a blueprint, as made by
    :meth:`Limiter.limit <erlen.ext.limiter.Limiter.limit>` and
    :meth:`~erlen.ext.limiter.Limiter.shared_limit`.

    Use it as a decorator (``@RouteLimit("2/second", limiter=limiter)``), call it with a
    :class:`~erlen.Blueprint` to limit all its routes, or use it as a context manager to
    limit a block inside a view: ``with limiter.limit("1/second"): ...`` (in an
    ``async def`` view, ``async with``, which uses the async storage).
    """

    #: Whether this limit replaces the default limits (for a blueprint: also the limits of
    #: the blueprints it is nested in).
    override_defaults: bool | None = False
    limiter: dataclasses.InitVar[Limiter] = dataclasses.field(hash=False)

    def __post_init__(self, limiter: Limiter) -> None:
        self.bind(limiter)
        super().__post_init__()

    # -- a block inside a view

    def __enter__(self) -> None:
        caller = sys._getframe(1)
        self.limiter._check_block(self, _block_name(caller))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def __aenter__(self) -> None:
        caller = sys._getframe(1)
        await self.limiter._acheck_block(self, _block_name(caller))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    # -- a decorator

    @t.overload
    def __call__(self, obj: Callable[P, R]) -> Callable[P, R]: ...

    @t.overload
    def __call__(self, obj: Blueprint) -> None: ...

    def __call__(self, obj: Callable[P, R] | Blueprint) -> Callable[P, R] | None:
        """Limit all routes of a blueprint (returns ``None``) or wrap a function."""
        limiter = self.limiter
        if isinstance(obj, Blueprint):
            limiter.limit_manager.add_blueprint_limit(obj.name, self)
            return None
        name = get_qualified_name(obj)
        limiter._marked_for_limiting.add(name)
        limiter.limit_manager.add_decorated_limit(name, self)
        # A wrapper of the same limiter inside this one checks for both.
        checked_inside = getattr(obj, _WRAPPED_BY, None) is limiter

        async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not checked_inside:
                await limiter._acheck_callable(name)
            # Chosen by _steps.wrap only when obj is a coroutine function.
            return await t.cast("Awaitable[t.Any]", obj(*args, **kwargs))

        def sync_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if not checked_inside:
                limiter._check_callable(name)
            return current_app.ensure_sync(obj)(*args, **kwargs)

        wrapper = _steps.wrap(obj, sync_wrapper, async_wrapper)
        setattr(wrapper, _WRAPPED_BY, limiter)
        return wrapper


def _block_name(frame: t.Any) -> str:
    # A limited block is filed under its place in the source.
    return f"{frame.f_code.co_filename}:{frame.f_code.co_name}:{frame.f_lineno}"


@dataclasses.dataclass(kw_only=True, unsafe_hash=True)
class ApplicationLimit(Limit):
    """A limit shared by every route of the app, for ``Limiter(application_limits=[...])``."""

    #: The name of the shared budget.
    scope: str | Callable[[str], str] | None = dataclasses.field(default="global")
    #: Application limits are always shared.
    shared: bool = dataclasses.field(init=False, default=True)


@dataclasses.dataclass(kw_only=True, unsafe_hash=True)
class MetaLimit(Limit):
    """A limit on how often a client may exceed rate limits, for
    ``Limiter(meta_limits=[...])`` or a limit's ``meta_limits``: once it is exceeded,
    every limited request of that client is refused until its window ends."""

    #: The name of the shared budget.
    scope: str | Callable[[str], str] | None = dataclasses.field(default="meta")
    #: Meta limits have no meta limits.
    meta_limits: Sequence[Callable[[], str] | str | MetaLimit] | None = dataclasses.field(
        init=False, default=None
    )
    #: The limit whose breaches this meta limit counts (``None``: any limit).
    parent_limit: Limit | None = dataclasses.field(init=False, default=None)
    #: Meta limits are always shared.
    shared: bool = dataclasses.field(init=False, default=True)
    #: Meta limits are counted when a limit is exceeded, never conditionally.
    deduct_when: Callable[[Response], bool] | None = dataclasses.field(init=False, default=None)
    #: What to count per: default the parent limit's key function, else the limiter's.
    key_function: Callable[[], str] | None = None

    @property
    def limit_by(self) -> Callable[[], str]:
        """The key function: own, else the parent limit's, else the limiter's."""
        if self.key_function is not None:
            return self.key_function
        if self.parent_limit is not None and self.parent_limit.key_function is not None:
            return self.parent_limit.key_function
        return self.limiter._key_func

    def bind_parent(self, parent: Limit) -> MetaLimit:
        """Make this meta limit count the breaches of ``parent``; returns self."""
        self.parent_limit = parent
        return self
