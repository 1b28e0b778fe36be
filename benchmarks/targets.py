"""Issue 13's targets, and the summary table that sets each measurement beside its target."""

from __future__ import annotations

from dataclasses import dataclass

from _common import print_table

#: In-process WSGI: (scenario, peer) -> the least erlen/peer ratio. Every scenario >= 1.2x Bottle.
WSGI_TARGETS: dict[tuple[str, str], float] = {
    ("hello", "flask"): 10.0,
    ("hello", "falcon"): 0.7,
    ("form", "flask"): 4.0,
    ("json_post", "flask"): 4.0,
    ("session", "flask"): 4.0,
    ("not_found", "flask"): 4.0,
    ("template", "flask"): 1.5,
}
EVERY_SCENARIO_VS_BOTTLE = 1.2

#: In-process ASGI: (scenario, peer) -> least erlen/peer ratio.
ASGI_TARGETS: dict[tuple[str, str], float] = {
    ("hello", "starlette"): 1.2,
    ("json_param", "starlette"): 1.2,
}

#: Server runs, hello: (server, peer) -> least erlen/peer ratio of requests per second.
SERVER_TARGETS: dict[tuple[str, str], float] = {
    ("granian-wsgi", "raw"): 0.65,
    ("gunicorn-sync", "raw"): 0.9,
    ("granian-asgi", "starlette"): 1.0,
}

#: Worker RSS growth between 50k and 100k hello requests, at most (percent).
RSS_GROWTH_LIMIT = 5.0


def wsgi_target(scenario: str, peer: str) -> float | None:
    """The issue's least erlen/``peer`` ratio for a WSGI scenario, or ``None``."""
    if peer == "bottle":
        return EVERY_SCENARIO_VS_BOTTLE
    return WSGI_TARGETS.get((scenario, peer))


@dataclass
class Check:
    """One measured figure beside its target."""

    part: str
    what: str
    measured: float | None
    target: float | None
    #: ``">="``: the measure must reach the target; ``"<="``: stay under it.
    sense: str = ">="
    unit: str = "x"
    spread: str = ""
    note: str = ""

    @property
    def mark(self) -> str:
        """``pass``, ``MISS``, ``-`` (no target) or the note (e.g. pending)."""
        if self.measured is None:
            return self.note or "n/a"
        if self.target is None:
            return "-"
        ok = self.measured >= self.target if self.sense == ">=" else self.measured <= self.target
        return "pass" if ok else "MISS"

    def cells(self) -> list[object]:
        """The row of the summary table."""
        if self.measured is None:
            measured = "-"
        elif self.unit == " B":
            measured = f"{self.measured:,.0f} B"
        else:
            measured = f"{self.measured:.2f}{self.unit}"
        target = "" if self.target is None else f"{self.sense} {self.target:g}{self.unit}"
        return [self.part, self.what, measured, target, self.mark, self.spread]


def print_summary(checks: list[Check]) -> None:
    """Print every check in one table, then the count of passes and misses."""
    print_table(
        [c.cells() for c in checks],
        ["part", "figure", "measured", "target", "mark", "spread"],
        title="SUMMARY: issue 13 targets (spread: erlen's / the peer's, between rounds)",
        left=2,
    )
    marks = [c.mark for c in checks if c.target is not None]
    print(
        f"{marks.count('pass')} pass, {marks.count('MISS')} miss,"
        f" {len(marks) - marks.count('pass') - marks.count('MISS')} not measured"
    )
