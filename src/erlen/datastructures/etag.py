"""``ETags``: the entity tags of ``If-Match`` and ``If-None-Match``."""

from __future__ import annotations

import collections.abc as cabc
from hashlib import sha1

from ..http import unquote_etag as _unquote_etag

__all__ = ["ETags"]


class ETags(cabc.Collection[str]):
    """A set of strong and weak entity tags (``If-Match``/``If-None-Match``).

    ``in``, iteration and ``len`` consider strong tags only; ``star_tag``
    (``*``) contains everything.
    """

    def __init__(
        self,
        strong_etags: cabc.Iterable[str] | None = None,
        weak_etags: cabc.Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        if not star_tag and strong_etags:
            self._strong = frozenset(strong_etags)
        else:
            self._strong = frozenset()
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """Return the strong tags (plus weak ones if ``include_weak``) as a set."""
        rv = set(self._strong)
        if include_weak:
            rv.update(self._weak)
        return rv

    def is_weak(self, etag: str) -> bool:
        """Whether ``etag`` is one of the weak tags."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """Whether ``etag`` is one of the strong tags."""
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Whether ``etag`` matches, weak tags included."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        """Whether ``etag`` matches a strong tag (or the star tag)."""
        if self.star_tag:
            return True
        return self.is_strong(etag)

    def contains_raw(self, etag: str) -> bool:
        """Check a quoted tag; a weak ``W/"..."`` tag also matches weak tags."""
        tag, weak = _unquote_etag(etag)
        if tag is None:
            return self.star_tag
        if weak:
            return self.contains_weak(tag)
        return self.contains(tag)

    def to_header(self) -> str:
        """Serialize to a header value."""
        if self.star_tag:
            return "*"
        return ", ".join([f'"{x}"' for x in self._strong] + [f'W/"{x}"' for x in self._weak])

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        """Check ``etag`` (or the SHA-1 etag of ``data``) against the tags."""
        if etag is None:
            if data is None:
                raise TypeError("'data' is required when 'etag' is not given.")
            etag = sha1(data).hexdigest()
        if include_weak and etag in self._weak:
            return True
        return etag in self._strong

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __str__(self) -> str:
        return self.to_header()

    def __len__(self) -> int:
        return len(self._strong)

    def __iter__(self) -> cabc.Iterator[str]:
        return iter(self._strong)

    def __contains__(self, etag: object) -> bool:
        return self.contains(etag)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self)!r}>"
