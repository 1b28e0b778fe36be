"""URL routing: Werkzeug's ``werkzeug.routing`` API with a compiled matcher.

A :class:`Map` holds :class:`Rule` objects; binding it to a request gives a
:class:`MapAdapter` that matches paths (raising ``NotFound``,
``MethodNotAllowed`` or :exc:`RequestRedirect`) and builds URLs.  Rules are
matched in Werkzeug's priority order by Python code generated from the rule
set, with static paths resolved by a dict lookup first.
"""

from __future__ import annotations

from .converters import (
    AnyConverter as AnyConverter,
    BaseConverter as BaseConverter,
    FloatConverter as FloatConverter,
    IntegerConverter as IntegerConverter,
    NumberConverter as NumberConverter,
    PathConverter as PathConverter,
    UnicodeConverter as UnicodeConverter,
    UUIDConverter as UUIDConverter,
    ValidationError as ValidationError,
)
from .exceptions import (
    BuildError as BuildError,
    NoMatch as NoMatch,
    RedirectRequired as RedirectRequired,
    RequestAliasRedirect as RequestAliasRedirect,
    RequestPath as RequestPath,
    RequestRedirect as RequestRedirect,
    RoutingException as RoutingException,
    WebsocketMismatch as WebsocketMismatch,
)
from .map import Map as Map, MapAdapter as MapAdapter
from .rules import (
    EndpointPrefix as EndpointPrefix,
    Rule as Rule,
    RuleFactory as RuleFactory,
    RuleTemplate as RuleTemplate,
    RuleTemplateFactory as RuleTemplateFactory,
    Subdomain as Subdomain,
    Submount as Submount,
    parse_converter_args as parse_converter_args,
)

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NoMatch",
    "NumberConverter",
    "PathConverter",
    "RedirectRequired",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "WebsocketMismatch",
    "parse_converter_args",
]
