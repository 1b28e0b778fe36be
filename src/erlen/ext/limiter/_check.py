"""Checking a request against its rate limits, written once as steps (see :mod:`._steps`)
for the request hook, sync views and ``async def`` views."""

from __future__ import annotations

import dataclasses
import logging
import typing as t

from erlen.wrappers import Response

from ._limits import RuntimeLimit
from ._manager import expand_all
from ._steps import Call, Op, Steps
from .constants import ExemptionScope
from .errors import RateLimitExceeded
from .util import get_qualified_name

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen.ctx import RequestContext

    from ._extension import Limiter, LimiterContext, RequestLimit

__all__ = ["check", "check_block", "check_callable"]

logger = logging.getLogger("erlen.ext.limiter")


def identify(limiter: Limiter) -> Steps[str]:
    """The request's identity (its endpoint, unless ``request_identifier`` says else);
    ``""`` while the limiter is disabled or not set up."""
    if not (limiter.initialized and limiter.enabled):
        return ""
    assert limiter._request_identifier is not None
    return t.cast(str, (yield Call(limiter._request_identifier)))


def check_callable(limiter: Limiter, ctx: RequestContext, name: str) -> Steps[None]:
    """The check inside the decorated callable ``name``."""
    endpoint = yield from identify(limiter)
    if endpoint:
        view = ctx.app.view_functions.get(endpoint)
        if view is not None and get_qualified_name(view) != name:
            # A limited function called by the view: tell the request hook (next time).
            limiter.limit_manager.add_endpoint_hint(endpoint, name)
    yield from check(limiter, ctx, endpoint, name, in_middleware=False)


def check_block(limiter: Limiter, ctx: RequestContext, name: str) -> Steps[None]:
    """The check entering a ``with limiter.limit(...)`` block filed as ``name``."""
    endpoint = yield from identify(limiter)
    limiter.limit_manager.add_endpoint_hint(endpoint, name)
    yield from check(limiter, ctx, endpoint, name, in_middleware=False)


def check(
    limiter: Limiter,
    ctx: RequestContext,
    endpoint: str,
    callable_name: str | None,
    in_middleware: bool,
) -> Steps[None]:
    """Apply the limits for this point of the request; raise :exc:`RateLimitExceeded`
    when one is exceeded. A storage error switches to the in-memory fallback when it is
    enabled, else it is logged (``swallow_errors``) or raised."""
    try:
        limits = yield from select(limiter, ctx, endpoint, callable_name, in_middleware)
        yield from evaluate(limiter, ctx, endpoint, limits)
    except RateLimitExceeded:
        raise
    except Exception:
        if limiter._in_memory_fallback_enabled and not limiter._storage_dead:
            logger.warning("Rate limit storage unreachable - falling back to in-memory storage")
            limiter._storage_dead = True
            limiter.context.seen_limits.clear()
            yield from check(limiter, ctx, endpoint, callable_name, in_middleware)
        elif limiter._swallow_errors:
            logger.exception("Failed to rate limit. Swallowing error")
        else:
            raise


def all_exempt(limiter: Limiter, endpoint: str | None) -> Steps[bool]:
    """Whether no limit applies at all: no endpoint, the limiter off, a static file, or a
    request filter says so."""
    if not endpoint or not (limiter.enabled and limiter.initialized):
        return True
    if endpoint.rpartition(".")[2] == "static":
        return True
    for request_filter in limiter._request_filters:
        if (yield Call(request_filter)):
            return True
    return False


def select(
    limiter: Limiter,
    ctx: RequestContext,
    endpoint: str,
    callable_name: str | None,
    in_middleware: bool,
) -> Steps[list[RuntimeLimit]]:
    """The limits to apply now: while the storage is down, the in-memory fallback limits
    (probing the storage with a back-off); else the resolved limits, with the default
    and application limits already applied earlier in this request left out."""
    app = ctx.app
    if callable_name:
        name = callable_name
    else:
        view = app.view_functions.get(endpoint)
        name = get_qualified_name(view) if view is not None else ""
    if (yield from all_exempt(limiter, endpoint)):
        return []
    marked = name in limiter._marked_for_limiting
    if limiter._storage_dead and limiter._fallback_limiter is not None:
        if not (in_middleware and marked):
            recovered = False
            if limiter._should_check_backend() and limiter._storage is not None:
                recovered = bool((yield Op("check", primary=True)))
            if recovered:
                logger.info("Rate limit storage recovered")
                limiter._storage_dead = False
                limiter._reset_backend_checks()
            else:
                fallback = yield from expand_all(limiter._in_memory_fallback)
                if fallback:
                    return fallback
    manager = limiter.limit_manager
    defaults, decorated = yield from manager.resolve(
        app,
        endpoint,
        ctx.request.blueprint,
        name,
        in_middleware,
        marked or manager.has_hints(endpoint),
    )
    seen = limiter.context.seen_limits
    fresh = [limit for limit in dict.fromkeys(defaults) if limit not in seen]
    seen.update(dict.fromkeys(defaults))
    return fresh + decorated


def meta_limits_of(limiter: Limiter, limits: t.Iterable[RuntimeLimit]) -> Steps[list[RuntimeLimit]]:
    """The limiter's meta limits and those attached to ``limits``, except exempt ones."""
    metas = yield from expand_all(limiter._meta_limits)
    for limit in limits:
        if limit.meta_limits:
            metas += yield from expand_all(limit.meta_limits)
    kept = []
    for meta in metas:
        if not (yield from is_exempt(meta)):
            kept.append(meta)
    return kept


def is_exempt(limit: RuntimeLimit) -> Steps[bool]:
    """Whether ``exempt_when`` exempts the request from ``limit``."""
    if limit.exempt_when is None:
        return False
    return bool((yield Call(limit.exempt_when)))


def cost_of(limit: RuntimeLimit) -> Steps[int]:
    """What one request costs against ``limit``."""
    if callable(limit.cost):
        return int((yield Call(limit.cost)))
    return limit.cost


def bucket(
    limit: RuntimeLimit, ctx: RequestContext, endpoint: str, method: str | None
) -> Steps[str]:
    """The limit's bucket (endpoint, scope, method) for this request."""
    scope = limit.scope
    if callable(scope):
        scope = yield Call(scope, (ctx.request.endpoint or "",))
    return limit.bucket(endpoint, method, scope)


def evaluate(
    limiter: Limiter, ctx: RequestContext, endpoint: str, limits: list[RuntimeLimit]
) -> Steps[None]:
    """Apply ``limits`` (smallest window first) and the meta limits; record the limits
    for the response headers; on a breach call the ``on_breach`` callbacks, count the
    breach against the meta limits and raise :exc:`RateLimitExceeded`."""
    from ._extension import RequestLimit

    request = ctx.request
    state = limiter.context
    manager = limiter.limit_manager
    if not manager.exemption_scope(ctx.app, endpoint, request.blueprint) & ExemptionScope.META:
        for meta in (yield from meta_limits_of(limiter, limits)):
            args = [(yield Call(meta.key_func)), (yield from bucket(meta, ctx, endpoint, None))]
            cost = yield from cost_of(meta)
            if not (yield Op("test", (meta.limit, *args), cost)):
                breached = RequestLimit(limiter, meta.limit, args, True, meta.shared)
                state.view_rate_limit = breached
                state.view_rate_limits = [breached]
                callback = meta.on_breach or limiter._on_meta_breach
                response = yield from breach_response(
                    limiter, [callback], breached, "on_meta_breach"
                )
                raise (yield from exceeded(meta, response))

    failed: list[tuple[RuntimeLimit, list[str]]] = []
    header_limit: RequestLimit | None = None
    applied: list[RequestLimit] = []
    method = request.method
    for limit in sorted(limits, key=_window):
        if (yield from is_exempt(limit)) or limit.method_exempt:
            continue
        scope = yield from bucket(limit, ctx, endpoint, method)
        key = yield Call(limit.key_func)
        args = [key, scope]
        if not all(args):
            logger.error("Skipping limit: %s. Empty value found in parameters.", limit.limit)
            continue
        if limiter._key_prefix:
            args = [limiter._key_prefix, *args]
        cost = yield from cost_of(limit)
        if limit.deduct_when is not None:
            # Counted after the view, if deduct_when says so; only tested now.
            state.conditional_deductions[limit] = args
            allowed = yield Op("test", (limit.limit, *args), cost)
        else:
            allowed = yield Op("hit", (limit.limit, *args), cost)
        request_limit = RequestLimit(limiter, limit.limit, args, False, limit.shared)
        applied.append(request_limit)
        if not allowed:
            logger.info("ratelimit %s (%s) exceeded at endpoint: %s", limit.limit, key, scope)
            request_limit.breached = True
            header_limit = request_limit
            failed.append((limit, args))
            if limiter._fail_on_first_breach:
                break

    if header_limit is None and applied:
        # No breach: report a limit of this route over a shared one where there is one.
        header_limit = next((lim for lim in applied if not lim.shared), applied[0])
    state.view_rate_limit = header_limit
    state.view_rate_limits = applied
    if not failed:
        return

    response = None
    for limit, args in failed:
        breached = RequestLimit(limiter, limit.limit, args, True, limit.shared)
        callbacks = list(dict.fromkeys([limiter._on_breach, limit.on_breach]))
        response = (
            yield from breach_response(limiter, callbacks, breached, "on_breach")
        ) or response
    for meta in (yield from meta_limits_of(limiter, [limit for limit, _ in failed])):
        key = yield Call(meta.key_func)
        yield Op("hit", (meta.limit, key, (yield from bucket(meta, ctx, endpoint, method))))
    raise (yield from exceeded(min((limit for limit, _ in failed), key=_window), response))


def _window(limit: RuntimeLimit) -> int:
    # limits orders rate limit items by the length of their granularity.
    return int(limit.limit.GRANULARITY.seconds)


def breach_response(
    limiter: Limiter,
    callbacks: list[t.Any],
    breached: RequestLimit,
    what: str,
) -> Steps[Response | None]:
    """Call the breach callbacks; the last response one returns is used."""
    response = None
    for callback in callbacks:
        if callback is None:
            continue
        try:
            result = yield Call(callback, (breached,))
        except Exception as exc:
            if not limiter._swallow_errors:
                raise
            logger.exception("%s callback failed with error %s", what, exc)
            continue
        if isinstance(result, Response):
            response = result
    return response


def exceeded(limit: RuntimeLimit, response: Response | None) -> Steps[RateLimitExceeded]:
    """The exception for ``limit``, with a callable error message called as a step."""
    if callable(limit.error_message):
        message = yield Call(limit.error_message)
        limit = dataclasses.replace(limit, error_message=message)
    return RateLimitExceeded(limit, response)


def deduct_after_view(limiter: Limiter, state: LimiterContext, response: Response) -> Steps[None]:
    """Count the requests whose ``deduct_when`` accepts ``response``."""
    for limit, args in state.conditional_deductions.items():
        if not (yield Call(limit.deduct_when, (response,))):  # type: ignore[arg-type]
            continue
        cost = yield from cost_of(limit)
        try:
            yield Op("hit", (limit.limit, *args), cost)
        except Exception:
            if not limiter._swallow_errors:
                raise
            logger.exception("Failed to deduct rate limit. Swallowing error")
