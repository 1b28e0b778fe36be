"""``erlen limiter``: show the limiter's configuration and each route's limits, test them
for a key, and clear them.

``Limiter.init_app`` adds the group to the app's CLI as ``limiter``::

    erlen --app app limiter config
    erlen --app app limiter limits [--endpoint E | --path P [--method M]] [--key K] [--watch]
    erlen --app app limiter clear --key K [--endpoint E | --path P [--method M]] [-y]

The output is drawn with :mod:`rich` (``pip install "erlen[limiter-cli]"``).
"""

from __future__ import annotations

import time
import typing as t
from urllib.parse import urlsplit, urlunsplit

import click

from erlen.cli import with_appcontext
from erlen.exceptions import MethodNotAllowed, NotFound
from erlen.globals import current_app

from ._limits import RuntimeLimit
from ._steps import run_sync
from .constants import ConfigVars, ExemptionScope
from .util import get_qualified_name

if t.TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.tree import Tree

    from erlen import Flask
    from erlen.routing import Rule

    from ._extension import Limiter

__all__ = ["cli"]


def _console() -> Console:
    try:
        from rich.console import Console
    except ImportError:
        raise click.ClickException(
            'the limiter commands draw their output with rich: pip install "erlen[limiter-cli]"'
        ) from None
    return Console()


def _set_up() -> tuple[Console, Flask, Limiter | None]:
    # The console, the current app and its (first) limiter, reported when missing.
    console = _console()
    app = t.cast("Flask", current_app._get_current_object())  # type: ignore[attr-defined]
    limiters = app.extensions.get("limiter")
    if limiters:
        return console, app, t.cast("Limiter", next(iter(limiters)))
    console.print(
        f"No Flask-Limiter extension installed on {app!r}: this app has no"
        " erlen.ext.limiter.Limiter",
        style="bold red",
        markup=False,
    )
    return console, app, None


def _name(func: t.Any) -> str:
    if callable(func):
        return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}()"
    return repr(func)


def _safe_uri(uri: str | None) -> str:
    # Never print a storage password.
    if not uri:
        return "N/A"
    parts = urlsplit(uri)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return uri


def _describe(limit: RuntimeLimit) -> str:
    text = str(limit.limit)
    options = [
        f"{what}: {_name(func)}"
        for what, func in (("deduct_when", limit.deduct_when), ("exempt_when", limit.exempt_when))
        if func is not None
    ]
    if options:
        text += " {" + ", ".join(options) + "}"
    return text


def _state(
    limiter: Limiter, limit: RuntimeLimit, endpoint: str, key: str, method: str | None
) -> str:
    if not limiter.storage.check():
        return ": Storage not available"
    args = [key, limit.scope_for(endpoint, method)]
    if limiter._key_prefix:
        args.insert(0, limiter._key_prefix)
    passed = limiter.limiter.test(limit.limit, *args)
    remaining = limiter.limiter.get_window_stats(limit.limit, *args)[1]
    verdict = "Pass" if passed else "Fail"
    return f": {verdict} ({remaining} out of {limit.limit.amount} remaining)"


def _entries(
    limiter: Limiter,
    limits: list[tuple[RuntimeLimit, str]],
    endpoint: str,
    rule: Rule | None,
    key: str | None,
    method: str | None,
) -> list[str]:
    entries = []
    for limit, source in limits:
        methods = (
            sorted(rule.methods or ())
            if limit.per_method and rule is not None and method is None
            else [method]
        )
        for each in methods:
            text = _describe(limit)
            if limit.per_method and each:
                text += f" ({each})"
            if key is not None:
                text += _state(limiter, limit, endpoint, key, each)
            entries.append(f"{text}  [{source}]")
    return entries


def _route_limits(
    app: Flask, limiter: Limiter, endpoint: str
) -> tuple[list[tuple[RuntimeLimit, str]], ExemptionScope]:
    # The limits a request to the endpoint meets in its view (the application limits are
    # listed on their own), each with where it comes from.
    blueprint = endpoint.rpartition(".")[0] or None
    manager = limiter.limit_manager
    view = app.view_functions.get(endpoint)
    name = get_qualified_name(view) if view is not None else ""
    defaults, decorated = run_sync(
        limiter, manager.resolve(app, endpoint, blueprint, name, False, False)
    )
    own = run_sync(limiter, manager.decorated(name))
    labelled = [(limit, "default") for limit in defaults]
    labelled += [(limit, "route" if limit in own else "blueprint") for limit in decorated]
    return labelled, manager.exemption_scope(app, endpoint, blueprint)


def _route_trees(
    app: Flask, limiter: Limiter, endpoint: str | None, key: str | None, method: str | None
) -> list[Tree]:
    from rich.markup import escape
    from rich.tree import Tree

    trees: dict[str, Tree] = {}
    for rule in sorted(app.url_map.iter_rules(endpoint), key=str):
        if rule.endpoint.rpartition(".")[2] == "static":
            continue
        group = rule.endpoint.rpartition(".")[0] or app.name
        parent = trees.setdefault(group, Tree(escape(group)))
        node = parent.add(escape(f"{rule.endpoint}: {rule}"))
        limits, exemption = _route_limits(app, limiter, rule.endpoint)
        entries = _entries(limiter, limits, rule.endpoint, rule, key, method)
        if not entries and exemption:
            node.add("Exempt")
        for entry in entries:
            node.add(escape(entry))
    return list(trees.values())


def _shared_trees(limiter: Limiter, key: str | None, method: str | None) -> list[Tree]:
    from rich.markup import escape
    from rich.tree import Tree

    groups = (
        ("Meta limits", [m for meta in limiter._meta_limits for m in meta]),
        ("Application limits", limiter.limit_manager.application_limits),
    )
    trees = []
    for label, limits in groups:
        if not limits:
            continue
        tree = Tree(label)
        for entry in _entries(
            limiter, [(lim, label.split()[0].lower()) for lim in limits], "", None, key, method
        ):
            tree.add(escape(entry))
        trees.append(tree)
    return trees


def _filter_endpoint(
    app: Flask, console: Console, endpoint: str | None, path: str | None, method: str | None
) -> str | None:
    if endpoint:
        if endpoint in app.view_functions:
            return endpoint
        console.print(f"Error: {endpoint} not found", style="red", markup=False)
        raise SystemExit(1)
    if path:
        parts = urlsplit(path)
        adapter = app.url_map.bind("localhost")
        try:
            matched, _ = adapter.match(parts.path, method=method, query_args=parts.query)
        except NotFound:
            console.print(
                f"Error: {path} could not be matched to an endpoint", style="red", markup=False
            )
            raise SystemExit(1) from None
        except MethodNotAllowed:
            console.print(
                f"Error: {(method or 'GET').upper()}: {path} could not be matched to an endpoint",
                style="red",
                markup=False,
            )
            raise SystemExit(1) from None
        return t.cast(str, matched)
    return None


@click.group(help="Rate limits of erlen.ext.limiter: configuration, limits per route, clearing.")
def cli() -> None:
    """The ``limiter`` command group."""


@cli.command(help="Show the limiter's configuration.")
@with_appcontext
def config() -> None:
    """Print the limiter's configuration as a table."""
    from rich.pretty import Pretty
    from rich.table import Table
    from rich.tree import Tree

    console, app, limiter = _set_up()
    if limiter is None:
        return
    with app.test_request_context():
        table = Table(title="erlen.ext.limiter")
        table.add_column("Setting")
        table.add_column("Configuration")
        table.add_column("Value")
        table.add_row("Enabled", ConfigVars.ENABLED, Pretty(limiter.enabled))
        table.add_row("Key function", ConfigVars.KEY_FUNC, _name(limiter._key_func))
        table.add_row("Key prefix", ConfigVars.KEY_PREFIX, Pretty(limiter._key_prefix))
        keys = Tree(ConfigVars.STORAGE_URI)
        values = Tree(_safe_uri(limiter._storage_uri_in_use))
        for name, value in (
            (ConfigVars.STRATEGY, type(limiter.limiter).__name__),
            ("Storage", type(limiter.storage).__name__),
            (ConfigVars.STORAGE_OPTIONS, ", ".join(sorted(limiter._storage_options)) or "-"),
            ("Status", "OK" if limiter.storage.check() else "Error"),
        ):
            keys.add(name)
            values.add(value)
        table.add_row("Storage", keys, values)
        manager = limiter.limit_manager
        for label, key, limits in (
            ("Application limits", ConfigVars.APPLICATION_LIMITS, manager.application_limits),
            ("Default limits", ConfigVars.DEFAULT_LIMITS, manager.default_limits),
            (
                "Meta limits",
                ConfigVars.META_LIMITS,
                [m for meta in limiter._meta_limits for m in meta],
            ),
        ):
            table.add_row(label, key, Pretty([str(limit.limit) for limit in limits]))
        table.add_row("Headers", ConfigVars.HEADERS_ENABLED, Pretty(limiter._headers_enabled))
        table.add_row(
            "Fail on first breach",
            ConfigVars.FAIL_ON_FIRST_BREACH,
            Pretty(limiter._fail_on_first_breach),
        )
        table.add_row("On breach callback", ConfigVars.ON_BREACH, _name(limiter._on_breach))
        console.print(table)


@cli.command(help="List the limits of every route (or one), optionally testing a key.")
@click.option("--endpoint", default=None, help="Only this endpoint.")
@click.option("--path", default=None, help="Only the endpoint this path matches.")
@click.option("--method", default=None, help="HTTP method (with --path, and for --key).")
@click.option("--key", default=None, help="Show how much of each limit this key has left.")
@click.option("--watch/--no-watch", default=False, help="Keep the display up to date.")
@with_appcontext
def limits(
    endpoint: str | None, path: str | None, method: str | None, key: str | None, watch: bool
) -> None:
    """Print each route's limits (and the application and meta limits)."""
    from rich.console import Group

    console, app, limiter = _set_up()
    if limiter is None:
        return
    with app.test_request_context():
        selected = _filter_endpoint(app, console, endpoint, path, method)

        def render() -> Group:
            shared = [] if selected else _shared_trees(limiter, key, method)
            return Group(*shared, *_route_trees(app, limiter, selected, key, method))

        if not watch:
            console.print(render())
            return
        from rich.live import Live

        with Live(render(), console=console, refresh_per_second=1, screen=True) as live:
            try:
                while True:
                    time.sleep(1)
                    live.update(render())
            except KeyboardInterrupt:
                pass


@cli.command(help="Clear the limits of a key (every route's, or one endpoint's).")
@click.option("--endpoint", default=None, help="Only this endpoint.")
@click.option("--path", default=None, help="Only the endpoint this path matches.")
@click.option("--method", default=None, help="Only this HTTP method's per-method limits.")
@click.option("--key", required=True, help="The key whose limits are cleared.")
@click.option("-y", "yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def clear(endpoint: str | None, path: str | None, method: str | None, key: str, yes: bool) -> None:
    """Reset the counters of ``key``."""
    from rich.markup import escape
    from rich.tree import Tree

    console, app, limiter = _set_up()
    if limiter is None:
        return
    with app.test_request_context():
        selected = _filter_endpoint(app, console, endpoint, path, method)
        if not yes and not click.confirm(f"Reset the limits of key {key!r}?"):
            return
        prefix = [limiter._key_prefix] if limiter._key_prefix else []
        if not selected:
            tree = Tree("Application limits")
            for limit in limiter.limit_manager.application_limits:
                limiter.limiter.clear(limit.limit, *prefix, key, limit.scope_for("", method))
                tree.add(escape(f"{limit.limit}: Cleared"))
            console.print(tree)
        for rule in sorted(app.url_map.iter_rules(selected), key=str):
            if rule.endpoint.rpartition(".")[2] == "static":
                continue
            route_limits, _ = _route_limits(app, limiter, rule.endpoint)
            if not route_limits:
                continue
            tree = Tree(escape(rule.endpoint))
            for limit, _source in route_limits:
                methods = (
                    sorted(rule.methods or ()) if limit.per_method and method is None else [method]
                )
                for each in methods:
                    limiter.limiter.clear(
                        limit.limit, *prefix, key, limit.scope_for(rule.endpoint, each)
                    )
                tree.add(escape(f"{limit.limit}: Cleared"))
            console.print(tree)
