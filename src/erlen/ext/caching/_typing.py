"""The static types of functions decorated by ``@cache.cached`` and ``@cache.memoize``.

They keep the decorated function's signature, expose the attributes the decorators add,
and bind ``self`` when a decorated method is reached through an instance.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Concatenate, ParamSpec

from .utils import Timeout

P = ParamSpec("P")
P2 = ParamSpec("P2")
R = t.TypeVar("R")
T = t.TypeVar("T")
R_co = t.TypeVar("R_co", covariant=True)
T_contra = t.TypeVar("T_contra", contravariant=True)


class BoundCachedFunction(t.Protocol[T_contra, P, R_co]):
    """A ``@cached`` method reached through an instance."""

    cache_timeout: Timeout | None
    make_cache_key: Callable[..., str]

    @property
    def uncached(self) -> Callable[Concatenate[T_contra, P], R_co]:
        """The undecorated function (still unbound)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co:
        """Call it through the cache."""


class CachedFunction(t.Protocol[P, R]):
    """What ``@cache.cached(...)`` returns: the function, plus ``uncached``,
    ``cache_timeout`` (read and written at call time) and ``make_cache_key``."""

    uncached: Callable[P, R]
    cache_timeout: Timeout | None
    make_cache_key: Callable[..., str]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call it through the cache."""

    @t.overload
    def __get__(self, instance: None, owner: type | None = None, /) -> CachedFunction[P, R]: ...
    @t.overload
    def __get__(
        self: CachedFunction[Concatenate[T, P2], R], instance: T, owner: type | None = None, /
    ) -> BoundCachedFunction[T, P2, R]: ...
    def __get__(self, instance: t.Any, owner: type | None = None, /) -> t.Any:
        """Bind it like a function."""


class BoundMemoizedFunction(t.Protocol[T_contra, P, R_co]):
    """A ``@memoize`` method reached through an instance."""

    cache_timeout: Timeout | None
    make_cache_key: Callable[..., str]
    delete_memoized: Callable[[], None]

    @property
    def uncached(self) -> Callable[Concatenate[T_contra, P], R_co]:
        """The undecorated function (still unbound)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co:
        """Call it through the cache."""


class MemoizedFunction(t.Protocol[P, R]):
    """What ``@cache.memoize(...)`` returns: the function, plus ``uncached``,
    ``cache_timeout``, ``make_cache_key`` and ``delete_memoized()``."""

    uncached: Callable[P, R]
    cache_timeout: Timeout | None
    make_cache_key: Callable[..., str]
    delete_memoized: Callable[[], None]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call it through the cache."""

    @t.overload
    def __get__(self, instance: None, owner: type | None = None, /) -> MemoizedFunction[P, R]: ...
    @t.overload
    def __get__(
        self: MemoizedFunction[Concatenate[T, P2], R], instance: T, owner: type | None = None, /
    ) -> BoundMemoizedFunction[T, P2, R]: ...
    def __get__(self, instance: t.Any, owner: type | None = None, /) -> t.Any:
        """Bind it like a function."""


#: A memoized function however it was reached (plain, through the class or an instance).
AnyMemoized = t.Union[  # noqa: UP007 - evaluated at runtime on Python 3.10
    "MemoizedFunction[..., t.Any]", "BoundMemoizedFunction[t.Any, ..., t.Any]"
]
#: A cached function however it was reached.
AnyCached = t.Union[  # noqa: UP007
    "CachedFunction[..., t.Any]", "BoundCachedFunction[t.Any, ..., t.Any]"
]
