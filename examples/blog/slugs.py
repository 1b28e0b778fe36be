"""URL slugs made from titles and tag names."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """``"Héllo, World!"`` → ``"hello-world"``: ASCII letters and digits joined by hyphens.

    Empty when ``text`` has no letter or digit that ASCII can spell.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_ALPHANUMERIC.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")
