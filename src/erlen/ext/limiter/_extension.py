"""The :class:`Limiter` extension and :class:`RequestLimit`."""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
import typing as t
import warnings
from collections.abc import Callable, Sequence

from limits import RateLimitItem, WindowStats
from limits.storage import MemoryStorage, Storage as SyncStorage
from limits.strategies import RateLimiter

from erlen.blueprints import Blueprint
from erlen.globals import current_app, request, request_ctx
from erlen.http import http_date, parse_date
from erlen.wrappers import Response

from . import _check
from ._limits import ApplicationLimit, Limit, MetaLimit, RouteLimit, RuntimeLimit
from ._manager import LimitManager
from ._steps import Op, Steps, run_async, run_sync
from ._storage import AsyncStorages, make_storage, make_strategy
from .constants import MAX_BACKEND_CHECKS, ConfigVars, ExemptionScope, HeaderNames
from .util import get_qualified_name

if t.TYPE_CHECKING:  # pragma: no cover
    from limits.aio.storage import Storage as AsyncStorage
    from limits.aio.strategies import RateLimiter as AsyncRateLimiter

    from erlen import Flask

__all__ = ["Limiter", "RequestLimit"]

R = t.TypeVar("R")
P = t.ParamSpec("P")

logger = logging.getLogger("erlen.ext.limiter")
logger.addHandler(logging.NullHandler())

_DEFAULT_EXEMPTION = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META


class RequestLimit:
    """A rate limit as it applied to the current request: the limit, the storage key it
    was counted under, and whether the request exceeded it."""

    #: The rate limit.
    limit: RateLimitItem
    #: The storage key the request was counted under.
    key: str
    #: Whether the request exceeded the limit.
    breached: bool
    #: Whether the limit is shared by several routes.
    shared: bool

    def __init__(
        self,
        extension: Limiter,
        limit: RateLimitItem,
        request_args: list[str],
        breached: bool,
        shared: bool,
    ) -> None:
        self.extension = extension
        self.limit = limit
        self.request_args = request_args
        self.key = limit.key_for(*request_args)
        self.breached = breached
        self.shared = shared
        self._window: WindowStats | None = None

    @property
    def limiter(self) -> RateLimiter:
        """The limiter's (sync) rate limiting strategy."""
        return self.extension.limiter

    @property
    def window(self) -> WindowStats:
        """``(reset time, remaining)`` of the current window, read from the storage once
        (a synchronous storage call)."""
        if self._window is None:
            self._window = self.limiter.get_window_stats(self.limit, *self.request_args)
        return self._window

    @property
    def reset_at(self) -> int:
        """When the current window ends (UNIX time, rounded up)."""
        return int(self.window[0] + 1)

    @property
    def remaining(self) -> int:
        """How much of the limit is left in the current window."""
        return int(self.window[1])


@dataclasses.dataclass
class LimiterContext:
    """A limiter's state for one request."""

    #: The limit reported in the headers.
    view_rate_limit: RequestLimit | None = None
    #: Every limit applied so far.
    view_rate_limits: list[RequestLimit] = dataclasses.field(default_factory=list)
    #: Limits counted after the view if their ``deduct_when`` agrees, with their key parts.
    conditional_deductions: dict[RuntimeLimit, list[str]] = dataclasses.field(default_factory=dict)
    #: Default and application limits already applied (an ordered set).
    seen_limits: dict[RuntimeLimit, None] = dataclasses.field(default_factory=dict)

    def reset(self) -> None:
        """Forget everything."""
        self.view_rate_limit = None
        self.view_rate_limits.clear()
        self.conditional_deductions.clear()
        self.seen_limits.clear()


def _retry_after_time(value: str) -> int:
    # A Retry-After value (an HTTP date or seconds) as a UNIX time; 0 if it is neither.
    when = parse_date(value)
    if when is not None:
        return int(when.timestamp())
    try:
        return int(time.time() + int(value))
    except ValueError:
        return 0


def _request_endpoint() -> str:
    return request.endpoint or ""


def _default_limit(
    limit: str | Callable[[], str] | Limit, limiter: Limiter, key_func: Callable[[], str] | None
) -> Limit:
    if isinstance(limit, Limit):
        return limit.bind(limiter)
    return Limit(limit_provider=limit, key_function=key_func, finalized=False).bind(limiter)


class Limiter:
    """Rate limiting for erlen apps: Flask-Limiter 4.1's ``Limiter`` on the ``limits``
    library.

    ``key_func`` returns what requests are counted per (e.g.
    :func:`~erlen.ext.limiter.util.get_remote_address`). Limits are strings such as
    ``"10/minute"`` or ``"5 per second; 1000 per day"``:

    - ``default_limits``: for every route without limits of its own;
    - ``application_limits``: one budget shared by all routes;
    - ``meta_limits``: how often a client may exceed limits before being refused
      everything for the meta limit's window;
    - ``@limiter.limit(...)`` / ``@limiter.shared_limit(...)`` on views, functions,
      class-based views and blueprints; ``@limiter.exempt`` to exempt them.

    Storage (``storage_uri``, ``RATELIMIT_STORAGE_URI``): ``memory://`` (this process),
    ``redis://``, ``redis+cluster://``, ``redis+sentinel://``, ``memcached://``,
    ``mongodb://`` — any storage of ``limits``. Strategies: ``fixed-window`` (default),
    ``moving-window``, ``sliding-window-counter``. Every constructor argument has a
    ``RATELIMIT_*`` config key (:class:`~erlen.ext.limiter.constants.ConfigVars`); the
    argument wins.

    An exceeded limit raises :exc:`~erlen.ext.limiter.RateLimitExceeded` (429). With
    ``headers_enabled``, responses carry ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``,
    ``X-RateLimit-Reset`` and ``Retry-After``. Limits on ``async def`` views are checked
    with limits' async storage, on the event loop.
    """

    def __init__(
        self,
        key_func: Callable[[], str],
        *,
        app: Flask | None = None,
        default_limits: list[str | Callable[[], str] | Limit] | None = None,
        default_limits_per_method: bool | None = None,
        default_limits_exempt_when: Callable[[], bool] | None = None,
        default_limits_deduct_when: Callable[[Response], bool] | None = None,
        default_limits_cost: int | Callable[[], int] | None = None,
        application_limits: list[str | Callable[[], str] | ApplicationLimit] | None = None,
        application_limits_per_method: bool | None = None,
        application_limits_exempt_when: Callable[[], bool] | None = None,
        application_limits_deduct_when: Callable[[Response], bool] | None = None,
        application_limits_cost: int | Callable[[], int] | None = None,
        headers_enabled: bool | None = None,
        header_name_mapping: dict[HeaderNames, str] | None = None,
        strategy: str | None = None,
        storage_uri: str | None = None,
        storage_options: dict[str, str | int] | None = None,
        swallow_errors: bool | None = None,
        fail_on_first_breach: bool | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        meta_limits: list[str | Callable[[], str] | MetaLimit] | None = None,
        on_meta_breach: Callable[[RequestLimit], Response | None] | None = None,
        in_memory_fallback: list[str] | None = None,
        in_memory_fallback_enabled: bool | None = None,
        retry_after: str | None = None,
        key_prefix: str = "",
        request_identifier: Callable[..., str] | None = None,
        enabled: bool = True,
    ) -> None:
        self.app = app
        #: The logger limit breaches and storage errors are reported to.
        self.logger = logger
        self.enabled = enabled
        self.initialized = False
        self._key_func = key_func
        self._key_prefix = key_prefix
        self._request_identifier = request_identifier
        self._default_limits_per_method = default_limits_per_method
        self._default_limits_exempt_when = default_limits_exempt_when
        self._default_limits_deduct_when = default_limits_deduct_when
        self._default_limits_cost = default_limits_cost
        self._application_limits_per_method = application_limits_per_method
        self._application_limits_exempt_when = application_limits_exempt_when
        self._application_limits_deduct_when = application_limits_deduct_when
        self._application_limits_cost = application_limits_cost
        self._headers_enabled = headers_enabled
        self._header_mapping: dict[HeaderNames, str] = dict(header_name_mapping or {})
        self._retry_after = retry_after
        self._strategy = strategy
        self._storage_uri = storage_uri
        self._storage_options: dict[str, t.Any] = dict(storage_options or {})
        self._swallow_errors = swallow_errors
        self._fail_on_first_breach = fail_on_first_breach
        self._on_breach = on_breach
        self._on_meta_breach = on_meta_breach
        self._request_filters: list[Callable[[], bool]] = []
        self._marked_for_limiting: set[str] = set()

        self._meta_limits: list[MetaLimit] = [
            (limit if isinstance(limit, MetaLimit) else MetaLimit(limit_provider=limit)).bind(self)
            for limit in meta_limits or ()
        ]
        self._in_memory_fallback: list[Limit] = [
            limit
            if isinstance(limit, Limit)
            else Limit(limit_provider=limit, key_function=key_func)
            for limit in in_memory_fallback or ()
        ]
        self._in_memory_fallback_enabled = bool(
            in_memory_fallback_enabled or self._in_memory_fallback
        )

        self._storage_uri_in_use: str | None = None
        self._storage: SyncStorage | None = None
        self._limiter: RateLimiter | None = None
        self._async: AsyncStorages | None = None
        self._storage_dead = False
        self._fallback_storage: MemoryStorage | None = None
        self._fallback_limiter: RateLimiter | None = None
        self._fallback_async: AsyncStorages | None = None
        self._backend_checks = 0
        self._last_backend_check = time.time()

        #: Where the limit definitions and exemptions are filed.
        self.limit_manager = LimitManager(
            application_limits=[
                (
                    limit.bind(self)
                    if isinstance(limit, Limit)
                    else ApplicationLimit(limit_provider=limit, finalized=False).bind(self)
                )
                for limit in application_limits or ()
            ],
            default_limits=[
                _default_limit(limit, self, key_func) for limit in default_limits or ()
            ],
        )
        if app is not None:
            self.init_app(app)

    # -- set-up

    def init_app(self, app: Flask) -> None:
        """Rate limit ``app``: read its ``RATELIMIT_*`` config, set up the storage and
        add the request hooks. One limiter may serve several apps."""
        config = app.config
        self.enabled = config.setdefault(ConfigVars.ENABLED, self.enabled)
        if not self.enabled:
            return

        if self._default_limits_per_method is None:
            self._default_limits_per_method = bool(
                config.get(ConfigVars.DEFAULT_LIMITS_PER_METHOD, False)
            )
        self._default_limits_exempt_when = self._default_limits_exempt_when or config.get(
            ConfigVars.DEFAULT_LIMITS_EXEMPT_WHEN
        )
        self._default_limits_deduct_when = self._default_limits_deduct_when or config.get(
            ConfigVars.DEFAULT_LIMITS_DEDUCT_WHEN
        )
        self._default_limits_cost = self._default_limits_cost or config.get(
            ConfigVars.DEFAULT_LIMITS_COST, 1
        )
        if self._swallow_errors is None:
            self._swallow_errors = bool(config.get(ConfigVars.SWALLOW_ERRORS, False))
        if self._fail_on_first_breach is None:
            self._fail_on_first_breach = bool(config.get(ConfigVars.FAIL_ON_FIRST_BREACH, True))
        if self._headers_enabled is None:
            self._headers_enabled = bool(config.get(ConfigVars.HEADERS_ENABLED, False))

        self._storage_options.update(config.get(ConfigVars.STORAGE_OPTIONS, {}))
        uri = self._storage_uri or config.get(ConfigVars.STORAGE_URI)
        if not uri:
            warnings.warn(
                "Using the in-memory storage for tracking rate limits as no storage was"
                " explicitly specified. This is not recommended for production use (each"
                " process counts on its own): set RATELIMIT_STORAGE_URI, e.g. to a"
                " redis:// URL.",
                stacklevel=2,
            )
            uri = "memory://"
        self._storage_uri_in_use = uri
        self._storage = make_storage(uri, self._storage_options)
        self._strategy = self._strategy or config.setdefault(ConfigVars.STRATEGY, "fixed-window")
        self._limiter = make_strategy(self._strategy, self._storage)
        self._async = AsyncStorages(uri, self._storage_options, self._strategy, self._storage)
        if self._async.per_loop:
            # The async clients hold connections on the server's loop: give them back at
            # ASGI lifespan shutdown (under WSGI: at exit, on erlen's loop thread).
            app.after_serving(self._async.aclose)

        mapping = self._header_mapping
        self._header_mapping = {
            name: mapping.get(name, config.get(key, name.value))
            for name, key in (
                (HeaderNames.RESET, ConfigVars.HEADER_RESET),
                (HeaderNames.REMAINING, ConfigVars.HEADER_REMAINING),
                (HeaderNames.LIMIT, ConfigVars.HEADER_LIMIT),
                (HeaderNames.RETRY_AFTER, ConfigVars.HEADER_RETRY_AFTER),
            )
        }
        self._retry_after = self._retry_after or config.get(ConfigVars.HEADER_RETRY_AFTER_VALUE)
        self._key_prefix = self._key_prefix or config.get(ConfigVars.KEY_PREFIX, "")
        self._request_identifier = self._request_identifier or config.get(
            ConfigVars.REQUEST_IDENTIFIER, _request_endpoint
        )

        self._application_limits_cost = self._application_limits_cost or config.get(
            ConfigVars.APPLICATION_LIMITS_COST, 1
        )
        if self._application_limits_per_method is None:
            self._application_limits_per_method = bool(
                config.get(ConfigVars.APPLICATION_LIMITS_PER_METHOD, False)
            )
        self._application_limits_exempt_when = self._application_limits_exempt_when or config.get(
            ConfigVars.APPLICATION_LIMITS_EXEMPT_WHEN
        )
        self._application_limits_deduct_when = self._application_limits_deduct_when or config.get(
            ConfigVars.APPLICATION_LIMITS_DEDUCT_WHEN
        )
        manager = self.limit_manager
        configured = config.get(ConfigVars.APPLICATION_LIMITS)
        if not manager._application_limits and configured:
            manager.set_application_limits(
                [ApplicationLimit(limit_provider=configured, finalized=False).bind(self)]
            )
        self._finalize(
            manager._application_limits,
            self._application_limits_cost,
            self._application_limits_per_method,
            self._application_limits_exempt_when,
            self._application_limits_deduct_when,
        )
        configured = config.get(ConfigVars.DEFAULT_LIMITS)
        if not manager._default_limits and configured:
            manager.set_default_limits(
                [
                    Limit(
                        limit_provider=configured, key_function=self._key_func, finalized=False
                    ).bind(self)
                ]
            )
        self._finalize(
            manager._default_limits,
            self._default_limits_cost,
            self._default_limits_per_method,
            self._default_limits_exempt_when,
            self._default_limits_deduct_when,
        )
        configured = config.get(ConfigVars.META_LIMITS)
        if not self._meta_limits and configured:
            meta = (
                configured
                if isinstance(configured, MetaLimit)
                else MetaLimit(limit_provider=configured, key_function=self._key_func)
            )
            self._meta_limits = [meta.bind(self)]
        self._on_breach = self._on_breach or config.get(ConfigVars.ON_BREACH)
        self._on_meta_breach = self._on_meta_breach or config.get(ConfigVars.ON_META_BREACH)
        self._configure_fallback(app)

        limiters = app.extensions.setdefault("limiter", set())
        if self not in limiters:
            self._add_hooks(app)
            from .commands import cli

            app.cli.add_command(cli, "limiter")
        limiters.add(self)
        self.initialized = True

    def _finalize(
        self,
        definitions: Sequence[Limit],
        cost: int | Callable[[], int] | None,
        per_method: bool | None,
        exempt_when: Callable[[], bool] | None,
        deduct_when: Callable[[Response], bool] | None,
    ) -> None:
        # Limits given as strings take the settings of their kind from the config.
        for limit in definitions:
            if limit.finalized:
                continue
            limit.cost = cost
            limit.per_method = bool(per_method)
            limit.exempt_when = exempt_when
            limit.deduct_when = deduct_when
            limit.finalized = True

    def _configure_fallback(self, app: Flask) -> None:
        config = app.config
        configured = config.get(ConfigVars.IN_MEMORY_FALLBACK)
        if not self._in_memory_fallback and configured:
            self._in_memory_fallback = [
                Limit(limit_provider=configured, key_function=self._key_func).bind(self)
            ]
        if not self._in_memory_fallback_enabled:
            self._in_memory_fallback_enabled = bool(
                config.get(ConfigVars.IN_MEMORY_FALLBACK_ENABLED, False) or self._in_memory_fallback
            )
        if self._in_memory_fallback_enabled:
            assert self._strategy is not None
            self._fallback_storage = MemoryStorage()
            self._fallback_limiter = make_strategy(self._strategy, self._fallback_storage)
            self._fallback_async = AsyncStorages(
                "memory://", {}, self._strategy, self._fallback_storage
            )

    def _add_hooks(self, app: Flask) -> None:
        # Plain functions: the app calls them without an ensure_sync wrapper.
        def check_request_limits() -> None:
            self._check_request_limit()

        def add_rate_limit_headers(response: Response) -> Response:
            return self._inject_headers(response)

        app.before_request(check_request_limits)
        app.after_request(add_rate_limit_headers)

    # -- per request state

    @property
    def context(self) -> LimiterContext:
        """This limiter's state for the current request (kept on the request context)."""
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        states: dict[Limiter, LimiterContext] | None = getattr(ctx, "_limiter_state", None)
        if states is None:
            states = ctx._limiter_state = {}
        state = states.get(self)
        if state is None:
            state = states[self] = LimiterContext()
        return state

    # -- decorators

    def limit(
        self,
        limit_value: str | Callable[[], str],
        *,
        key_func: Callable[[], str] | None = None,
        per_method: bool = False,
        methods: list[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
        scope: str | Callable[[str], str] | None = None,
        meta_limits: Sequence[str | Callable[[], str] | MetaLimit] | None = None,
    ) -> RouteLimit:
        """A limit for a view, a function, a class-based view (``decorators = [...]``) or,
        called with it, a blueprint; also a context manager limiting a block
        (``with limiter.limit("1/second"):``, ``async with`` in ``async def`` views).

        ``limit_value`` is a limit string or a callable returning one (called per
        request). ``key_func`` overrides the limiter's; ``per_method`` counts each HTTP
        method apart; ``methods`` limits only those methods; ``error_message`` is the 429
        description; ``exempt_when()`` true skips the limit; ``override_defaults=False``
        applies the default limits too; ``deduct_when(response)`` decides after the view
        whether the request counts; ``on_breach(request_limit)`` may return the response
        to send; ``cost`` is what a request costs; ``scope`` refines the bucket;
        ``meta_limits`` count this limit's breaches.
        """
        return self._route_limit(
            limit_value,
            shared=False,
            scope=scope,
            key_func=key_func,
            per_method=per_method,
            methods=methods,
            error_message=error_message,
            exempt_when=exempt_when,
            override_defaults=override_defaults,
            deduct_when=deduct_when,
            on_breach=on_breach,
            cost=cost,
            meta_limits=meta_limits,
        )

    def shared_limit(
        self,
        limit_value: str | Callable[[], str],
        scope: str | Callable[[str], str],
        *,
        key_func: Callable[[], str] | None = None,
        per_method: bool = False,
        methods: list[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
        meta_limits: Sequence[str | Callable[[], str] | MetaLimit] | None = None,
    ) -> RouteLimit:
        """Like :meth:`limit`, but every route decorated with the result (or with any
        shared limit of the same ``scope``) draws from one budget named ``scope`` (a
        string, or a callable taking the endpoint)."""
        return self._route_limit(
            limit_value,
            shared=True,
            scope=scope,
            key_func=key_func,
            per_method=per_method,
            methods=methods,
            error_message=error_message,
            exempt_when=exempt_when,
            override_defaults=override_defaults,
            deduct_when=deduct_when,
            on_breach=on_breach,
            cost=cost,
            meta_limits=meta_limits,
        )

    def _route_limit(
        self,
        limit_value: str | Callable[[], str],
        *,
        shared: bool,
        key_func: Callable[[], str] | None,
        **options: t.Any,
    ) -> RouteLimit:
        return RouteLimit(
            limit_provider=limit_value,
            limiter=self,
            key_function=key_func or self._key_func,
            shared=shared,
            **options,
        )

    @t.overload
    def exempt(self, obj: Blueprint, *, flags: ExemptionScope = ...) -> Blueprint: ...

    @t.overload
    def exempt(self, obj: Callable[..., R], *, flags: ExemptionScope = ...) -> Callable[..., R]: ...

    @t.overload
    def exempt(
        self, *, flags: ExemptionScope = ...
    ) -> Callable[[Callable[P, R]], Callable[P, R]] | Callable[[Blueprint], Blueprint]: ...

    def exempt(
        self,
        obj: Callable[..., R] | Blueprint | None = None,
        *,
        flags: ExemptionScope = _DEFAULT_EXEMPTION,
    ) -> t.Any:
        """Exempt a view (as a decorator, ``@limiter.exempt`` or
        ``@limiter.exempt(flags=...)``) or every route of a blueprint
        (``limiter.exempt(bp)``) from the application, default and meta limits, or from
        what ``flags`` (:class:`~erlen.ext.limiter.ExemptionScope`) says; for nested
        blueprints, ``DESCENDENTS`` extends the exemption to nested blueprints and
        ``ANCESTORS`` drops the limits of enclosing ones."""
        if obj is None:
            return functools.partial(self.exempt, flags=flags)
        if isinstance(obj, Blueprint):
            self.limit_manager.add_blueprint_exemption(obj.name, flags)
        else:
            self.limit_manager.add_route_exemption(get_qualified_name(obj), flags)
        return obj

    def request_filter(self, fn: Callable[[], bool]) -> Callable[[], bool]:
        """Register ``fn``: when it returns true, the request is exempt from every limit
        of this limiter (``fn`` may be ``async def``)."""
        self._request_filters.append(fn)
        return fn

    # -- storage

    @property
    def storage(self) -> SyncStorage:
        """The (sync) limits storage."""
        assert self._storage is not None, "the limiter is not set up with an app yet"
        return self._storage

    @property
    def limiter(self) -> RateLimiter:
        """The (sync) limits rate limiting strategy in use: the in-memory fallback's while
        the storage is down and the fallback is enabled."""
        if self._storage_dead and self._in_memory_fallback_enabled:
            limiter = self._fallback_limiter
        else:
            limiter = self._limiter
        assert limiter is not None, "the limiter is not set up with an app yet"
        return limiter

    def _async_pair(self) -> tuple[AsyncStorage, AsyncRateLimiter]:
        if self._storage_dead and self._in_memory_fallback_enabled and self._fallback_async:
            return self._fallback_async.get()
        assert self._async is not None, "the limiter is not set up with an app yet"
        return self._async.get()

    def _sync_op(self, op: Op) -> t.Any:
        target: t.Any = self.storage if op.primary else self.limiter
        if op.cost is None:
            return getattr(target, op.method)(*op.args)
        return getattr(target, op.method)(*op.args, cost=op.cost)

    async def _async_op(self, op: Op) -> t.Any:
        if op.primary:
            assert self._async is not None
            target: t.Any = self._async.get()[0]
        else:
            target = self._async_pair()[1]
        if op.cost is None:
            return await getattr(target, op.method)(*op.args)
        return await getattr(target, op.method)(*op.args, cost=op.cost)

    def reset(self) -> None:
        """Clear every limit in the storage (if the storage supports it)."""
        try:
            self.storage.reset()
            logger.info("Storage has been reset and all limits cleared")
        except NotImplementedError:
            logger.warning("This storage type does not support being reset")

    def _should_check_backend(self) -> bool:
        # Probe a dead storage after 1, 2, 4, ... seconds.
        if self._backend_checks > MAX_BACKEND_CHECKS:
            self._backend_checks = 0
        now = time.time()
        if now - self._last_backend_check > 2**self._backend_checks:
            self._last_backend_check = now
            self._backend_checks += 1
            return True
        return False

    def _reset_backend_checks(self) -> None:
        self._backend_checks = 0

    # -- the current request

    @property
    def current_limit(self) -> RequestLimit | None:
        """The most relevant limit of the current request: the exceeded one, else the
        route's limit with the smallest window (its ``remaining`` counts this request)."""
        return self.context.view_rate_limit

    @property
    def current_limits(self) -> list[RequestLimit]:
        """Every limit applied to the current request, smallest window first."""
        return self.context.view_rate_limits

    def identify_request(self) -> str:
        """The identity limits are scoped by: the request's endpoint, or what
        ``request_identifier`` returns."""
        if self.initialized and self.enabled:
            assert self._request_identifier is not None
            return current_app.ensure_sync(self._request_identifier)()
        return ""

    # -- checking (see _check for the algorithm)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and not self._limits_before_views():
            return
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        run_sync(self, self._request_steps(ctx, callable_name, in_middleware))

    def _limits_before_views(self) -> bool:
        # PERF: the request hook can only apply application, default, blueprint and meta
        # limits (or find hints of limited functions, or the fallback's); without any, it
        # would run the whole check to find nothing, so a request to a view without limits
        # skips it.
        manager = self.limit_manager
        return bool(
            self.enabled
            and self.initialized
            and (
                manager._application_limits
                or manager._default_limits
                or manager._blueprint_limits
                or manager._endpoint_hints
                or self._meta_limits
                or self._storage_dead
            )
        )

    def _request_steps(
        self, ctx: t.Any, callable_name: str | None, in_middleware: bool
    ) -> Steps[None]:
        endpoint = yield from _check.identify(self)
        yield from _check.check(self, ctx, endpoint, callable_name, in_middleware)

    def _check_callable(self, name: str) -> None:
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        run_sync(self, _check.check_callable(self, ctx, name))

    async def _acheck_callable(self, name: str) -> None:
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        await run_async(self, _check.check_callable(self, ctx, name))

    def _check_block(self, limit: RouteLimit, name: str) -> None:
        self.limit_manager.add_decorated_limit(name, limit, override=True)
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        run_sync(self, _check.check_block(self, ctx, name))

    async def _acheck_block(self, limit: RouteLimit, name: str) -> None:
        self.limit_manager.add_decorated_limit(name, limit, override=True)
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        await run_async(self, _check.check_block(self, ctx, name))

    # -- after the view

    def _inject_headers(self, response: Response) -> Response:
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        states: dict[Limiter, LimiterContext] | None = getattr(ctx, "_limiter_state", None)
        state = states.get(self) if states is not None else None
        if state is None:
            return response  # no limit was looked at in this request
        if state.conditional_deductions:
            run_sync(self, _check.deduct_after_view(self, state, response))
        current = state.view_rate_limit
        if not (self.enabled and self._headers_enabled and current is not None):
            return response
        try:
            self._write_headers(response, current)
        except Exception:
            if self._in_memory_fallback_enabled and not self._storage_dead:
                logger.warning("Rate limit storage unreachable - falling back to in-memory storage")
                self._storage_dead = True
                return self._inject_headers(response)
            if not self._swallow_errors:
                raise
            logger.exception("Failed to update rate limit headers. Swallowing error")
        return response

    def _write_headers(self, response: Response, current: RequestLimit) -> None:
        names = self._header_mapping
        reset_at = current.reset_at
        headers = response.headers
        headers.add(names[HeaderNames.LIMIT], str(current.limit.amount))
        headers.add(names[HeaderNames.REMAINING], str(current.remaining))
        headers.add(names[HeaderNames.RESET], str(reset_at))
        # A Retry-After the view set itself is kept if it is later.
        existing = headers.get("Retry-After")
        if existing is not None:
            reset_at = max(reset_at, _retry_after_time(existing))
        if self._retry_after == "http-date":
            value = http_date(reset_at)
        else:
            value = str(int(reset_at - time.time()))
        headers.set(names[HeaderNames.RETRY_AFTER], value)
