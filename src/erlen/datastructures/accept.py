"""``Accept`` header values: ``Accept``, ``MIMEAccept``, ``LanguageAccept``, ``CharsetAccept``."""

from __future__ import annotations

import codecs
import collections.abc as cabc
import re
import typing as t

from .structures import ImmutableList

__all__ = ["Accept", "CharsetAccept", "LanguageAccept", "MIMEAccept"]


class Accept(ImmutableList[tuple[str, float]]):
    """An immutable list of ``(value, quality)`` pairs from an ``Accept*`` header.

    Sorted by specificity, then quality, both descending (stable for ties).
    ``accept[value]`` returns the quality of ``value`` (``0`` if not
    accepted), ``value in accept`` checks acceptance with the header's
    matching rules. ``provided`` is ``False`` when built from ``None``.
    """

    def __init__(self, values: Accept | cabc.Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            list.__init__(self)
            self.provided = False
        elif isinstance(values, Accept):
            self.provided = values.provided
            list.__init__(self, values)
        else:
            self.provided = True
            list.__init__(
                self,
                sorted(values, key=lambda x: (self._specificity(x[0]), x[1]), reverse=True),
            )

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    def __getitem__(self, key: t.Any) -> t.Any:
        """Return the quality for a value string, or the item(s) at an index/slice."""
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """Return the quality of ``key`` (``0`` if not accepted)."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return list.__contains__(self, value)
        return any(self._value_matches(value, item) for item, _quality in self)

    def __repr__(self) -> str:
        pairs = ", ".join(f"({x!r}, {y})" for x, y in self)
        return f"{type(self).__name__}([{pairs}])"

    def index(self, key: t.Any, *args: t.Any) -> int:
        """Return the position of a value or pair; raise :exc:`ValueError`."""
        if isinstance(key, str):
            for idx, (item, _quality) in enumerate(self):
                if self._value_matches(key, item):
                    return idx
            raise ValueError(key)
        return list.index(self, key, *args)

    def find(self, key: t.Any) -> int:
        """Return the position of a value or pair, or ``-1``."""
        try:
            return self.index(key)
        except ValueError:
            return -1

    def values(self) -> cabc.Iterator[str]:
        """Iterate the values (without qualities)."""
        for item in self:
            yield item[0]

    def to_header(self) -> str:
        """Serialize back to a header value."""
        result = []
        for value, quality in self:
            result.append(value if quality == 1 else f"{value};q={quality}")
        return ",".join(result)

    def __str__(self) -> str:
        return self.to_header()

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        for client_item, quality in self:
            if self._value_matches(match, client_item):
                return client_item, quality
        return None

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """Return the server value from ``matches`` the client prefers most.

        Ties in quality are broken by specificity, then by order in
        ``matches``. Returns ``default`` if nothing is accepted.
        """
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] | tuple[int] = (-1,)
        for server_item in matches:
            match = self._best_single_match(server_item)
            if match is None:
                continue
            client_item, quality = match
            specificity = self._specificity(client_item)
            if quality <= 0 or quality < best_quality:
                continue
            if quality > best_quality or specificity > best_specificity:
                result = server_item
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The first (most preferred) value, or ``None`` if empty."""
        if self:
            return list.__getitem__(self, 0)[0]
        return None


_mime_split_re = re.compile(r"/|(?:[ \t]*;[ \t]*)")


def _normalize_mime(value: str) -> list[str]:
    return _mime_split_re.split(value.lower())


class MIMEAccept(Accept):
    """:class:`Accept` for mimetypes: ``type/*`` and ``*/*`` wildcards, parameters."""

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(x != "*" for x in _mime_split_re.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False  # invalid client item never matches
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        norm_value = _normalize_mime(value)
        value_type, value_subtype = norm_value[:2]
        value_params = sorted(norm_value[2:])
        if value_type == "*" and value_subtype != "*":
            raise ValueError(f"invalid mimetype {value!r}")
        norm_item = _normalize_mime(item)
        item_type, item_subtype = norm_item[:2]
        item_params = sorted(norm_item[2:])
        if item_type == "*" and item_subtype != "*":
            return False
        if (item_type == "*" and item_subtype == "*") or (
            value_type == "*" and value_subtype == "*"
        ):
            return True
        return item_type == value_type and (
            item_subtype == "*"
            or value_subtype == "*"
            or (item_subtype == value_subtype and item_params == value_params)
        )

    @property
    def accept_html(self) -> bool:
        """Whether HTML (or XHTML) is accepted."""
        return "text/html" in self or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        """Whether XHTML (or XML) is accepted."""
        return "application/xhtml+xml" in self or "application/xml" in self

    @property
    def accept_json(self) -> bool:
        """Whether JSON is accepted."""
        return "application/json" in self


_locale_delim_re = re.compile(r"[_-]")


def _normalize_lang(value: str) -> list[str]:
    return _locale_delim_re.split(value.lower())


class LanguageAccept(Accept):
    """:class:`Accept` for language tags (case-insensitive, ``_`` == ``-``)."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(value) == _normalize_lang(item)

    def best_match(self, matches: cabc.Iterable[str], default: t.Any = None) -> t.Any:
        """Return the best supported language from ``matches``.

        Tries exact (normalized) matches first, then the client's primary
        tags (client ``en-US`` matches ``en``), then the primary tags of
        ``matches`` (client ``en`` matches ``en-US``). Values are returned
        unchanged; ``default`` if nothing matches.
        """
        matches = list(matches)
        result = super().best_match(matches)
        if result is not None:
            return result
        fallback = Accept([(_locale_delim_re.split(item[0], 1)[0], item[1]) for item in self])
        result = fallback.best_match(matches)
        if result is not None:
            return result
        primaries = [_locale_delim_re.split(item, 1)[0] for item in matches]
        result = super().best_match(primaries)
        if result is not None:
            return next(item for item in matches if item.startswith(result))
        return default


def _normalize_charset(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return name.lower()


class CharsetAccept(Accept):
    """:class:`Accept` for charsets; names are normalized through :mod:`codecs`."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_charset(value) == _normalize_charset(item)
