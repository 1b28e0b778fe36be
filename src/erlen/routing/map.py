"""The rule :class:`Map` and the :class:`MapAdapter` that matches and builds URLs."""

from __future__ import annotations

import re
import typing as t
import warnings
from functools import partial
from pprint import pformat
from threading import Lock
from urllib.parse import quote, urljoin, urlunsplit

from ..datastructures import ImmutableDict
from ..exceptions import BadHost, HTTPException, MethodNotAllowed, NotFound
from ..sansio.utils import is_websocket_upgrade
from ..urls import _urlencode
from ..wsgi import _wsgi_decode
from .converters import DEFAULT_CONVERTERS, PATH_SAFE
from .exceptions import (
    BuildError,
    NoMatch,
    RequestRedirect,
    WebsocketMismatch,
)
from .matcher import NORMALISE, SLASH, CompiledMatcher
from .rules import _simple_rule_re

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

    from .converters import BaseConverter
    from .rules import Rule, RuleFactory

    #: A lookup: ``(domain, path, method)`` to ``(rule, values)``, a path to redirect to
    #: or the HTTP error.
    _Lookup = t.Callable[..., tuple[Rule, dict[str, t.Any]] | str | HTTPException]

__all__ = ["Map", "MapAdapter"]

_merge_re = re.compile("/{2,}")
_host_re = re.compile(
    r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([1-9][0-9]{0,4}))?",
    re.ASCII | re.IGNORECASE,
)


def _idna_host(name: str) -> str:
    """IDNA-encode a host name (no port); :exc:`BadHost` if impossible."""
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as e:
        raise BadHost() from e


# Server names as adapters store them, by the name given (bounded; hostile Host headers
# cannot grow it past its size).
_server_names: dict[str, str] = {}
_SERVER_NAMES_SIZE = 256


def _server_name(name: str) -> str:
    """``host[:port]`` lowercased, with the host IDNA-encoded (:exc:`BadHost` if it cannot
    be), and remembered: callers look in ``_server_names`` first."""
    rv = name.lower()
    # Short ASCII names without empty labels pass IDNA unchanged, and this check costs far
    # less than the codec. The port is not part of IDNA (and could push a label over 63
    # octets).
    if not (rv.isascii() and len(rv) < 64 and ".." not in rv and rv[:1] != "."):
        host, sep, port = rv.partition(":")
        rv = f"{_idna_host(host)}{sep}{port}"
    if len(_server_names) >= _SERVER_NAMES_SIZE:
        _server_names.clear()
    _server_names[name] = rv
    return rv


_host_cache: dict[tuple[str, str], str] = {}
_HOST_CACHE_SIZE = 256


def _environ_host(environ: WSGIEnvironment) -> str:
    """The request's lowercased ``host[:port]`` (``Host`` header first), as
    Werkzeug's ``get_host``: standard ports dropped, invalid values give ``""``."""
    scheme = environ["wsgi.url_scheme"]
    host = environ.get("HTTP_HOST")
    if host is None:
        name = environ.get("SERVER_NAME")
        if name is None:
            return ""
        try:
            port = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return ""  # a unix socket has no useful address
        if ":" in name and name[:1] != "[":
            name = f"[{name}]"
        host = f"{name}:{port}"
    key = (scheme, host)
    # PERF: a cache hit costs a fraction of the validation.
    cached = _host_cache.get(key)
    if cached is not None:
        return cached
    value = host
    if scheme == "http" or scheme == "ws":
        if value.endswith(":80"):
            value = value[:-3]
    elif (scheme == "https" or scheme == "wss") and value.endswith(":443"):
        value = value[:-4]
    m = _host_re.fullmatch(value)
    if m is None or (m.group(1) is not None and int(m.group(1)) > 65535):
        value = ""
    value = value.lower()
    if len(_host_cache) >= _HOST_CACHE_SIZE:
        _host_cache.clear()  # bounded, even with hostile Host headers
    _host_cache[key] = value
    return value


_new_adapter = object.__new__
_WEBSOCKET_SCHEMES = frozenset(("ws", "wss"))


def _normalised_path(path_info: str) -> str:
    """The path as matched: leading slashes collapsed to one, as Werkzeug strips them
    and adds one back (an empty path stays empty)."""
    return f"/{path_info.lstrip('/')}" if path_info else ""


def _walked(
    rv: t.Any, domain: str, path: str, method: str, missed: list[list[Rule]], websocket: bool
) -> t.Any:
    """The failure function of a lookup that only walks: its result as it is."""
    return rv


def _no_match_error(error: NoMatch) -> HTTPException:
    if error.have_match_for:
        return MethodNotAllowed(valid_methods=sorted(error.have_match_for))
    if error.websocket_mismatch:
        return WebsocketMismatch()
    return NotFound()


class Map:
    """All the URL rules of an application and their shared configuration.

    :param rules: rules or rule factories to add.
    :param default_subdomain: subdomain of rules that do not set one.
    :param strict_slashes: redirect a URL missing the trailing slash of a
        branch rule to the URL with the slash.
    :param merge_slashes: merge repeated slashes when matching (redirecting
        to the merged URL) and building.
    :param redirect_defaults: redirect to the rule of the same endpoint that
        provides the matched values as defaults (the canonical URL).
    :param converters: extra converters, by name, added to the defaults.
    :param sort_parameters: sort the query string of built URLs.
    :param sort_key: key function for that sort.
    :param host_matching: match rules' ``host`` instead of ``subdomain``.

    Matching uses code generated from the rules when they are first needed
    after a change; see :attr:`_matcher_source`.
    """

    #: The converters every map starts with: an :class:`~erlen.datastructures.ImmutableDict`
    #: as in Werkzeug (a subclass adds its own with ``default_converters.copy()``).
    default_converters: ImmutableDict[str, type[BaseConverter]] = ImmutableDict(DEFAULT_CONVERTERS)

    #: The lock type guarding recompilation.
    lock_class = Lock

    def __init__(
        self,
        rules: t.Iterable[RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: t.Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: t.Callable[[t.Any], t.Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self._rules_by_endpoint: dict[t.Any, list[Rule]] = {}
        self._match_rules: list[Rule] = []
        self._remap = True
        self._version = 0
        self._remap_lock = self.lock_class()
        self._matcher: CompiledMatcher | None = None
        # The stand-ins that compile first, per protocol.
        self._stale = (partial(self._compile_then, False), partial(self._compile_then, True))
        #: ``_lookups[websocket](domain, path, method)``: :meth:`_lookup` without a call.
        self._lookups: tuple[_Lookup, _Lookup] = self._stale
        self._builders: dict[t.Any, list[tuple[Rule, t.Any]]] = {}

        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key

        for factory in rules or ():
            self.add(factory)

    @property
    def _matcher_source(self) -> str:
        """The generated source of the matcher (compiles it if needed)."""
        self.update()
        assert self._matcher is not None
        return self._matcher.source

    @property
    def _rules(self) -> list[Rule]:
        return [rule for rules in self._rules_by_endpoint.values() for rule in rules]

    def is_endpoint_expecting(self, endpoint: t.Any, *arguments: str) -> bool:
        """True if a rule of ``endpoint`` has all the given arguments."""
        self.update()
        wanted = set(arguments)
        return any(wanted.issubset(rule.arguments) for rule in self._rules_by_endpoint[endpoint])

    def iter_rules(self, endpoint: t.Any | None = None) -> t.Iterator[Rule]:
        """Iterate over all rules, or the rules of ``endpoint``."""
        self.update()
        if endpoint is not None:
            return iter(self._rules_by_endpoint[endpoint])
        return iter(self._rules)

    def add(self, rulefactory: RuleFactory) -> None:
        """Bind and add a rule or the rules of a factory."""
        for rule in rulefactory.get_rules(self):
            rule.bind(self)
            # Not while update() sorts and compiles in another thread.
            with self._remap_lock:
                if not rule.build_only:
                    self._match_rules.append(rule)
                self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)
                self._invalidate()

    def _invalidate(self) -> None:
        """Mark the compiled matcher and build tables stale."""
        self._version += 1
        self._remap = True
        self._lookups = self._stale

    def update(self) -> None:
        """Sort rules for building and (re)compile the matcher if rules changed."""
        if not self._remap:
            return
        with self._remap_lock:
            if not self._remap:
                return
            version = self._version
            for rules in self._rules_by_endpoint.values():
                rules.sort(key=lambda rule: rule.build_compare_key())
                # Rules with defaults that come first are canonical for others.
                canonical = [(i, r) for i, r in enumerate(rules) if r.defaults and not r.build_only]
                for i, rule in enumerate(rules):
                    providers = [r for j, r in canonical if j < i and r.provides_defaults_for(rule)]
                    rule._redirect_defaults = providers
                    rule._needs_post = bool(providers) or rule.alias or rule.redirect_to is not None
            matcher = CompiledMatcher(self._match_rules, self._match_failed)
            self._matcher = matcher
            self._builders = {}
            self._lookups = matcher.lookups
            # A rule refreshed meanwhile (in another thread) keeps the map stale, and its
            # lookups compiling first (checked after the store, as _invalidate stores last).
            self._remap = self._version != version
            if self._remap:
                self._lookups = self._stale

    def _compile_then(
        self, websocket: bool, domain: str, path: str, method: str, *args: t.Any
    ) -> t.Any:
        """``_lookups[websocket]`` while the rules are not compiled."""
        self.update()
        return self._lookups[websocket](domain, path, method, *args)

    # -- matching ---------------------------------------------------------

    def _match_failed(
        self,
        rv: t.Any,
        domain: str,
        path: str,
        method: str,
        missed: list[list[Rule]],
        websocket: bool,
    ) -> tuple[Rule, dict[str, t.Any]] | str | HTTPException:
        """What a lookup returns when its walk of ``path`` found no rule: the match of
        the normalised path if ``path`` is not, else the path to redirect to (slashes)
        or the HTTP error (404, 405 or WebSocket mismatch)."""
        if rv is NORMALISE:
            return self._lookups[websocket](domain, _normalised_path(path), method)
        if rv is SLASH:
            return f"{path}/"
        if self.merge_slashes and "//" in path:
            merged = _merge_re.sub("/", path)
            rv = self._lookups[websocket](domain, merged, method, missed, _walked)
            if rv is SLASH:
                return f"{merged}/"
            if rv.__class__ is tuple and rv[0].merge_slashes is not False:
                return merged
        if not missed:
            return NotFound()
        allowed: set[str] = set()
        websocket_mismatch = False
        for rules in missed:
            for rule in rules:
                if rule.methods is not None and method not in rule.methods:
                    allowed.update(rule.methods)
                elif rule.websocket != websocket:
                    websocket_mismatch = True
                else:
                    break
        return _no_match_error(NoMatch(allowed, websocket_mismatch))

    def _lookup(
        self, domain: str, path_info: str, method: str, websocket: bool
    ) -> tuple[Rule, dict[str, t.Any]] | str | HTTPException:
        """Match ``path_info`` as a request gives it: ``(rule, values)``, or the failure,
        returned: the path to redirect to (slashes) or the HTTP error (404, 405 or WebSocket
        mismatch). The redirects a matched rule asks for (``Rule._needs_post``: defaults,
        alias, ``redirect_to``) need a bound adapter: :meth:`MapAdapter.match` makes them.

        ``_lookups[websocket](domain, path_info, method)`` is the same without this call
        (the code generated for the rules, compiling them first if they changed).
        """
        return self._lookups[websocket](domain, path_info, method)

    # -- binding ----------------------------------------------------------

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: t.Mapping[str, t.Any] | str | None = None,
    ) -> MapAdapter:
        """Return a :class:`MapAdapter` for the given request details.

        ``server_name`` is needed because redirects are absolute URLs;
        ``subdomain`` defaults to :attr:`default_subdomain` (it must not be
        given with ``host_matching``); ``script_name`` and ``path_info``
        default to ``"/"``.  If ``url_scheme`` is ``ws`` or ``wss`` only
        WebSocket rules match.
        """
        return self._bind(
            server_name.lower(),
            script_name,
            subdomain,
            url_scheme,
            default_method,
            path_info,
            query_args,
        )

    def _bind(
        self,
        server_name: str,
        script_name: str | None,
        subdomain: str | None,
        url_scheme: str,
        default_method: str,
        path_info: str | None,
        query_args: t.Mapping[str, t.Any] | str | None,
    ) -> MapAdapter:
        """:meth:`bind` with a lowercased ``server_name``."""
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("host matching enabled and a subdomain was provided")
        elif subdomain is None:
            subdomain = self.default_subdomain
        if script_name is None:
            script_name = "/"
        if path_info is None:
            path_info = "/"
        return MapAdapter(
            self,
            _server_names.get(server_name) or _server_name(server_name),
            script_name,
            subdomain,
            url_scheme,
            path_info,
            default_method,
            query_args,
        )

    def bind_to_environ(
        self,
        environ: WSGIEnvironment | t.Any,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """Like :meth:`bind` with the details taken from a WSGI environ (or a
        request object with an ``environ``): the WSGI form of :meth:`bind_to_request`.

        The host comes from the ``Host`` header (or ``SERVER_NAME`` and
        ``SERVER_PORT``).  If ``server_name`` is given and ``subdomain`` is
        not, the subdomain is the part of the host before ``server_name``; a
        host that does not end with ``server_name`` gets the subdomain
        ``"<invalid>"`` so nothing but a 404 matches, and a warning says so (as
        Werkzeug does).  A WebSocket upgrade request binds with the
        ``ws``/``wss`` scheme.
        """
        env = environ if environ.__class__ is dict else getattr(environ, "environ", environ)
        if not isinstance(env, dict):
            raise TypeError(
                f"{type(environ).__name__!r} is not a WSGI environment (has to be a dict)"
            )
        scheme = env["wsgi.url_scheme"]
        if "HTTP_UPGRADE" in env and is_websocket_upgrade(
            env.get("HTTP_CONNECTION"), env["HTTP_UPGRADE"]
        ):
            scheme = "wss" if scheme == "https" else "ws"
        server_name, subdomain = self._server_and_subdomain(
            _environ_host(env), scheme, server_name, subdomain
        )
        script_name = env.get("SCRIPT_NAME")
        if script_name and not script_name.isascii():
            script_name = _wsgi_decode(script_name)
        path_info = env.get("PATH_INFO")
        if path_info and not path_info.isascii():
            path_info = _wsgi_decode(path_info)
        query = env.get("QUERY_STRING")
        if query and not query.isascii():
            query = _wsgi_decode(query)
        return self._bind(
            server_name, script_name, subdomain, scheme, env["REQUEST_METHOD"], path_info, query
        )

    def bind_to_request(
        self,
        request: t.Any,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """Like :meth:`bind` with the details read from a request object, whatever
        its transport: ``host``, ``scheme``, ``root_path``, ``path``, ``method``,
        ``query_string`` and ``websocket_upgrade`` (see
        :class:`erlen.sansio.request.Request`).

        ``server_name`` and ``subdomain`` work as for :meth:`bind_to_environ`;
        reading ``request.host`` applies the request's ``trusted_hosts``.
        """
        scheme = request.scheme
        if request.websocket_upgrade:
            scheme = "wss" if scheme == "https" else "ws"
        query = request.query_string
        query_args = query.decode("utf-8", "replace") if query else ""
        host = request.host
        if server_name is None and subdomain is not None and not self.host_matching:
            # PERF: how Flask binds by default (a subdomain, no SERVER_NAME): the host is
            # the server name. The adapter is made here without the type call and the
            # __init__ frame, as MapAdapter.__init__ would make it (a test compares them).
            adapter = _new_adapter(MapAdapter)
            adapter.map = self
            adapter.server_name = _server_names.get(host) or _server_name(host)
            root = request.root_path
            adapter.script_name = root if root[-1:] == "/" else root + "/"
            adapter.subdomain = subdomain
            adapter.url_scheme = scheme
            adapter.path_info = request.path
            adapter.default_method = request.method
            adapter.query_args = query_args
            adapter.websocket = scheme in _WEBSOCKET_SCHEMES
            return adapter
        host = host.lower()
        if server_name is None and self.host_matching:
            server_name = host
        else:
            server_name, subdomain = self._server_and_subdomain(
                host, scheme, server_name, subdomain
            )
        return self._bind(
            server_name,
            request.root_path,
            subdomain,
            scheme,
            request.method,
            request.path,
            query_args,
        )

    def _server_and_subdomain(
        self, host: str, scheme: str, server_name: str | None, subdomain: str | None
    ) -> tuple[str, str | None]:
        """The server name and subdomain to bind for a request made to ``host``
        (lowercased, standard port dropped), as :meth:`bind_to_environ` documents."""
        if server_name is None:
            server_name = host
        else:
            server_name = server_name.lower()
            # Drop the standard port, as the request host has it dropped.
            if scheme in {"http", "ws"} and server_name.endswith(":80"):
                server_name = server_name[:-3]
            elif scheme in {"https", "wss"} and server_name.endswith(":443"):
                server_name = server_name[:-4]

        if subdomain is None and not self.host_matching:
            if host == server_name:
                subdomain = ""
            else:
                current = host.split(".")
                real = server_name.split(".")
                offset = -len(real)
                if current[offset:] != real:
                    # Accessed by another name (e.g. an IP address): nothing
                    # on a subdomain can match, the request gets a 404.
                    warnings.warn(
                        f"Current server name {host!r} doesn't match configured"
                        f" server name {server_name!r}",
                        stacklevel=3,
                    )
                    subdomain = "<invalid>"
                else:
                    subdomain = ".".join(filter(None, current[:offset]))
        return server_name, subdomain

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pformat(list(self.iter_rules()))})"


class MapAdapter:
    """A :class:`Map` bound to a request's server name, scheme, script root,
    method and path: matches and builds URLs.  Created by :meth:`Map.bind`
    or :meth:`Map.bind_to_environ`.
    """

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: t.Mapping[str, t.Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        # Upper-cased once here, as match() compares it.
        self.default_method = default_method.upper()
        self.query_args = query_args
        self.websocket = url_scheme in _WEBSOCKET_SCHEMES

    def dispatch(
        self,
        view_func: t.Callable[[t.Any, t.Mapping[str, t.Any]], WSGIApplication],
        path_info: str | None = None,
        method: str | None = None,
        catch_http_exceptions: bool = False,
    ) -> WSGIApplication:
        """Match and call ``view_func(endpoint, values)``.

        A redirect is returned (it is a WSGI application); other HTTP
        exceptions are returned if ``catch_http_exceptions``, else raised.
        """
        try:
            try:
                endpoint, args = self.match(path_info, method)
            except RequestRedirect as e:
                return e
            return view_func(endpoint, args)
        except HTTPException as e:
            if catch_http_exceptions:
                return e
            raise

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: t.Mapping[str, t.Any] | str | None = None,
        websocket: bool | None = None,
    ) -> tuple[t.Any, t.Mapping[str, t.Any]]:
        """Match a path and method to ``(endpoint, values)``, or
        ``(rule, values)`` with ``return_rule``.

        :param path_info: the path (default: the bound one).
        :param method: the method (default: the bound one).
        :param query_args: query arguments kept on redirects (default: the
            bound ones).
        :param websocket: match WebSocket rules (default: from the scheme).
        :raise NotFound: nothing matches.
        :raise MethodNotAllowed: the path matches for other methods.
        :raise RequestRedirect: redirect to a canonical URL (slashes,
            defaults, alias, ``redirect_to``).
        :raise WebsocketMismatch: only a rule of the other protocol matches.
        """
        if path_info is None:
            path_info = self.path_info
        method = method.upper() if method else self.default_method
        if websocket is None:
            websocket = self.websocket
        m = self.map
        if m.host_matching or self.subdomain is None:
            domain_part = self.server_name
        else:
            domain_part = self.subdomain
        return self._matched(
            m._lookups[websocket](domain_part, path_info, method),
            domain_part,
            path_info,
            method,
            query_args,
            return_rule,
        )

    def _matched(
        self,
        rv: tuple[Rule, dict[str, t.Any]] | str | HTTPException,
        domain_part: str,
        path_info: str,
        method: str,
        query_args: t.Mapping[str, t.Any] | str | None,
        return_rule: bool,
    ) -> tuple[t.Any, t.Mapping[str, t.Any]]:
        """:meth:`match`'s answer for what :meth:`Map._lookup` found: the failure raised,
        or the redirect a matched rule asks for, else ``(rule or endpoint, values)``."""
        if rv.__class__ is not tuple:
            if isinstance(rv, str):
                new_path = quote(rv, safe=PATH_SAFE)
                raise RequestRedirect(
                    self.make_redirect_url(new_path, self._query_args(query_args))
                )
            raise rv  # type: ignore[misc]
        rule, values = rv
        if rule._needs_post:
            path = path_info
            if path[:1] != "/" or path[1:2] == "/":
                path = _normalised_path(path)
            self._redirects(rule, values, method, self._query_args(query_args), domain_part, path)
        if return_rule:
            return rule, values
        return rule.endpoint, values

    def _query_args(
        self, query_args: t.Mapping[str, t.Any] | str | None
    ) -> t.Mapping[str, t.Any] | str:
        if query_args is None:
            return self.query_args or {}
        return query_args

    def _redirects(
        self,
        rule: Rule,
        values: dict[str, t.Any],
        method: str,
        query_args: t.Mapping[str, t.Any] | str,
        domain_part: str,
        path: str,
    ) -> None:
        """Raise the :exc:`RequestRedirect` due for a matched rule, if any."""
        if self.map.redirect_defaults:
            if rule.alias:
                raise RequestRedirect(
                    self.make_alias_redirect_url(
                        f"{domain_part}|{path}", rule.endpoint, values, method, query_args
                    )
                )
            url = self.get_default_redirect(rule, method, values, query_args)
            if url is not None:
                raise RequestRedirect(url)
        target = rule.redirect_to
        if target is not None:
            if isinstance(target, str):

                def replace(m: t.Match[str]) -> str:
                    name = m.group(1)
                    return rule._converters[name].to_url(values[name])

                url = _simple_rule_re.sub(replace, target)
            else:
                url = target(self, **values)
            if self.subdomain:
                netloc = f"{self.subdomain}.{self.server_name}"
            else:
                netloc = self.server_name
            raise RequestRedirect(
                urljoin(f"{self.url_scheme or 'http'}://{netloc}{self.script_name}", url)
            )

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """True if the path would match (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            pass
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> t.Iterable[str]:
        """The methods the path matches for (empty if it matches none)."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as e:
            return e.valid_methods  # type: ignore[return-value]
        except HTTPException:
            pass
        return []

    def get_host(self, domain_part: str | None) -> str:
        """The host for a domain part: a subdomain joined to the server
        name, or with host matching the host itself."""
        if self.map.host_matching:
            if domain_part is None:
                return self.server_name
            return domain_part
        subdomain = self.subdomain if domain_part is None else domain_part
        if subdomain:
            return f"{subdomain}.{self.server_name}"
        return self.server_name

    def get_default_redirect(
        self,
        rule: Rule,
        method: str,
        values: t.MutableMapping[str, t.Any],
        query_args: t.Mapping[str, t.Any] | str,
    ) -> str | None:
        """The URL of the rule providing the matched values as defaults, if any."""
        assert self.map.redirect_defaults
        for r in self.map._rules_by_endpoint[rule.endpoint]:
            # Rules sort by build priority; only earlier ones can be canonical.
            if r is rule:
                break
            if r.provides_defaults_for(rule) and r.suitable_for(values, method):
                values.update(r.defaults)  # type: ignore[arg-type]
                domain_part, path = r.build(values)  # type: ignore[misc]
                return self.make_redirect_url(path, query_args, domain_part=domain_part)
        return None

    def encode_query_args(self, query_args: t.Mapping[str, t.Any] | str) -> str:
        """Encode query arguments (a string is returned unchanged)."""
        if not isinstance(query_args, str):
            return _urlencode(query_args)
        return query_args

    def make_redirect_url(
        self,
        path_info: str,
        query_args: t.Mapping[str, t.Any] | str | None = None,
        domain_part: str | None = None,
    ) -> str:
        """The absolute URL for a path (relative to the script root)."""
        if query_args is None:
            query_args = self.query_args
        query = self.encode_query_args(query_args) if query_args else None
        path = "/".join((self.script_name.strip("/"), path_info.lstrip("/")))
        return urlunsplit(
            (self.url_scheme or "http", self.get_host(domain_part), path, query, None)
        )

    def make_alias_redirect_url(
        self,
        path: str,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str,
        query_args: t.Mapping[str, t.Any] | str,
    ) -> str:
        """The canonical URL an alias rule redirects to."""
        url = self.build(endpoint, values, method, append_unknown=False, force_external=True)
        if query_args:
            url += f"?{self.encode_query_args(query_args)}"
        if url == path:
            raise AssertionError("detected invalid alias setting. No canonical URL found")
        return url

    # -- building ---------------------------------------------------------

    def _partial_build(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str | None,
        append_unknown: bool,
        keep_none: bool = False,
    ) -> tuple[str, str, bool] | None:
        """``(domain_part, path, websocket)`` of the first suitable rule,
        trying the default method first if ``method`` is ``None``."""
        if method is None:
            rv = self._build_pass(endpoint, values, self.default_method, append_unknown, keep_none)
            if rv is not None:
                return rv
        return self._build_pass(endpoint, values, method, append_unknown, keep_none)

    def _build_pass(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str | None,
        append_unknown: bool,
        keep_none: bool = False,
    ) -> tuple[str, str, bool] | None:
        # With host matching, prefer a rule on the bound host.
        first = None
        host_matching = self.map.host_matching
        for rule, build in self._endpoint_builders(endpoint):
            if method is not None and rule.methods is not None and method not in rule.methods:
                continue
            built = build(values, append_unknown, keep_none)
            if built is None:
                continue
            rv = (built[0], built[1], rule.websocket)
            if not host_matching or rv[0] == self.server_name:
                return rv
            if first is None:
                first = rv
        return first

    def _endpoint_builders(self, endpoint: t.Any) -> list[tuple[Rule, t.Any]]:
        builders = self.map._builders.get(endpoint)
        if builders is None:
            rules = self.map._rules_by_endpoint.get(endpoint, ())
            builders = [(rule, rule._get_builders()[1]) for rule in rules]
            self.map._builders[endpoint] = builders
        return builders

    def build(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """Build the URL of ``endpoint`` with ``values``.

        Values for the rule's variables go through the converters' ``to_url``;
        others become the query string (in order; sorted if the map's
        ``sort_parameters``) unless ``append_unknown`` is false.  ``None``
        values are ignored; list values repeat.  The URL is relative (script
        root + path) unless ``force_external``, the rule is on another
        subdomain/host, or it is a WebSocket rule.

        :param method: only consider rules allowing this method.
        :param url_scheme: scheme for an external URL (default: the bound one).
        :raise BuildError: no rule fits.
        """
        m = self.map
        if m._remap:
            m.update()
        # A None value in a plain mapping counts as not given; from a MultiDict it is
        # given, and a converter sees it (Werkzeug's rules for both).
        keep_none = False
        if values:
            if values.__class__ is not dict and hasattr(values, "getlist"):
                # A MultiDict: single values unwrapped, empty keys dropped. Duck-typed on
                # purpose (hasattr), so mypy only knows of ``getlist``.
                values = {k: (v[0] if len(v) == 1 else v) for k, v in values.lists() if v}  # type: ignore[attr-defined]
                keep_none = True
        else:
            values = {}

        # PERF: the common case (no host matching) is inlined, saving a call.
        rv = None
        if m.host_matching:
            rv = self._partial_build(endpoint, values, method, append_unknown, keep_none)
        else:
            builders = m._builders.get(endpoint)
            if builders is None:
                builders = self._endpoint_builders(endpoint)
            wanted = self.default_method if method is None else method
            for rule, build in builders:
                methods = rule.methods
                if methods is None or wanted in methods:
                    built = build(values, append_unknown, keep_none)
                    if built is not None:
                        domain_part, path = built
                        if (
                            not force_external
                            and domain_part == self.subdomain
                            and not rule.websocket
                        ):
                            script_name = self.script_name
                            if script_name == "/" and path[1:2] != "/":
                                return path
                            return f"{script_name.rstrip('/')}/{path.lstrip('/')}"
                        rv = (domain_part, path, rule.websocket)
                        break
            else:
                if method is None:
                    rv = self._build_pass(endpoint, values, None, append_unknown, keep_none)
        if rv is None:
            given = {k: v for k, v in values.items() if v is not None}
            raise BuildError(endpoint, given, method, self)

        domain_part, path, websocket = rv
        if url_scheme is None:
            url_scheme = self.url_scheme
        secure = url_scheme == "https" or url_scheme == "wss"
        if websocket:
            force_external = True
            url_scheme = "wss" if secure else "ws"
        elif url_scheme:
            url_scheme = "https" if secure else "http"

        if not force_external:
            if m.host_matching:
                local = domain_part == self.server_name
            else:
                local = domain_part == self.subdomain
            if local:
                return f"{self.script_name.rstrip('/')}/{path.lstrip('/')}"
        host = self.get_host(domain_part)
        scheme = f"{url_scheme}:" if url_scheme else ""
        return f"{scheme}//{host}{self.script_name[:-1]}/{path.lstrip('/')}"
