"""What templates get beyond erlen's defaults: filters for post texts and dates, and the
``Permission`` flags."""

from __future__ import annotations

import re
from datetime import datetime

from markupsafe import Markup, escape

from erlen import Flask

from .models import Permission

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> Markup:
    """Plain text as HTML: blank lines separate paragraphs, single line breaks stay. The
    text is escaped, so a post cannot carry markup."""
    blocks = (block.strip() for block in _BLANK_LINES.split(text))
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in blocks
        if block
    )


def date(moment: datetime | None) -> str:
    """``12 March 2025`` (an empty string for no date)."""
    return f"{moment.day} {moment:%B %Y}" if moment else ""


def init_app(app: Flask) -> None:
    """Make the filters and ``Permission`` available in the app's templates."""
    app.add_template_filter(paragraphs)
    app.add_template_filter(date)
    # A global, not a context processor: nothing runs per render.
    app.add_template_global(Permission, "Permission")
