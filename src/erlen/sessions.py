"""Sessions: the session interface and the default signed-cookie session (Flask-compatible).

Cookies written by :class:`SecureCookieSessionInterface` are byte-for-byte the
ones Flask writes for the same data, secret key and time, so an app can move
between Flask and erlen without logging users out.
"""

from __future__ import annotations

import collections.abc as cabc
import hashlib
import hmac
import typing as t
from datetime import datetime, timezone

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.signer import HMACAlgorithm

from .datastructures import CallbackDict
from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Flask
    from .wrappers.request import Request
    from .wrappers.response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]

class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """Session attributes added to a dict-like session class."""

    @property
    def permanent(self) -> bool:
        """Whether the session outlives the browser session (the ``"_permanent"`` key)."""
        return self.get("_permanent", False)

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session is new. Implementations may not be able to tell;
    #: the mixin default is always ``False``.
    new = False

    #: Whether the session was changed. The mixin cannot track changes, so it
    #: assumes ``True``; :class:`SecureCookieSession` tracks it.
    modified = True

    #: Whether the session was read or written during the request; when true,
    #: ``Vary: Cookie`` is added to the response. The request context sets it
    #: whenever the session is accessed through it (including the ``session``
    #: proxy), as in Flask 3.1.3.
    accessed = False


def _mark_modified(session: SecureCookieSession) -> None:
    session.modified = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session of :class:`SecureCookieSessionInterface`, stored in a signed cookie.

    :attr:`modified` becomes ``True`` when the dict itself changes; changes
    inside mutable values (a list stored in the session, say) are not seen, so
    set ``session.modified = True`` yourself after those. :attr:`new` stays
    ``False``: a missing cookie and an empty session cannot be told apart.

    :attr:`accessed` is set by the request context whenever the session is used through
    it (every use of the ``session`` proxy: reads, ``in``, ``len``, iteration, writes), as
    in Flask 3.1.3; the framework's own reads in :meth:`SessionInterface.save_session` do
    not count.
    """

    #: Set to ``True`` on any change to the dict; only then is the cookie written.
    modified = False

    def __init__(self, initial: cabc.Mapping[str, t.Any] | None = None) -> None:
        # PERF: the change callback is the class's (below), not a closure stored on each
        # session; one session is made per request that uses it.
        if initial is None:
            dict.__init__(self)
        else:
            dict.__init__(self, initial)

    #: Called by the dict with the session on every change: marks it :attr:`modified`.
    on_update = staticmethod(_mark_modified)


class NullSession(SecureCookieSession):
    """The session used when sessions are unavailable (no secret key).

    Reading works and finds nothing; any change raises :exc:`RuntimeError`
    explaining that a secret key must be set.
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret "
            "key was set.  Set the secret_key on the "
            "application to something unique and secret."
        )

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = update = setdefault = _fail
    del _fail


class SessionInterface:
    """The interface between an app and its session storage.

    Subclasses implement :meth:`open_session` and :meth:`save_session`; the
    other methods have working defaults. The session object must be a mapping
    that also provides :class:`SessionMixin`'s attributes, e.g.::

        class Session(dict, SessionMixin):
            pass

    If :meth:`open_session` returns ``None``, :meth:`make_null_session` is used
    instead. Install an interface with ``app.session_interface = MyInterface()``.

    Requests sharing a session may be handled concurrently and their sessions
    opened and saved in any order; synchronize the backing store if needed.
    """

    #: The class :meth:`make_null_session` creates and :meth:`is_null_session` checks.
    null_session_class = NullSession

    #: Whether the interface pickles session data (a hint for extensions).
    pickle_based = False

    def make_null_session(self, app: Flask) -> NullSession:
        """Return an instance of :attr:`null_session_class`."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Return whether ``obj`` is a null session (null sessions are never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Flask) -> str:
        """The session cookie's name: ``SESSION_COOKIE_NAME``."""
        return app.config["SESSION_COOKIE_NAME"]

    def get_cookie_domain(self, app: Flask) -> str | None:
        """The cookie's ``Domain``: ``SESSION_COOKIE_DOMAIN`` (``None`` = this host only)."""
        return app.config["SESSION_COOKIE_DOMAIN"]

    def get_cookie_path(self, app: Flask) -> str:
        """The cookie's ``Path``: ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]

    def get_cookie_httponly(self, app: Flask) -> bool:
        """Whether the cookie is ``HttpOnly``: ``SESSION_COOKIE_HTTPONLY``."""
        return app.config["SESSION_COOKIE_HTTPONLY"]

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether the cookie is ``Secure``: ``SESSION_COOKIE_SECURE``."""
        return app.config["SESSION_COOKIE_SECURE"]

    def get_cookie_samesite(self, app: Flask) -> str | None:
        """The cookie's ``SameSite`` value: ``SESSION_COOKIE_SAMESITE``."""
        return app.config["SESSION_COOKIE_SAMESITE"]

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """Whether the cookie is ``Partitioned``: ``SESSION_COOKIE_PARTITIONED``."""
        return app.config["SESSION_COOKIE_PARTITIONED"]

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now + ``permanent_session_lifetime`` for a
        permanent session, ``None`` (end of the browser session) otherwise."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether to send ``Set-Cookie``: the session was modified, or it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` is true."""
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """Load the session for ``request``, or return ``None`` to use a null session.

        Called when the request context is set up, before URL matching.
        """
        raise NotImplementedError()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` and update ``response`` (cookies, headers).

        Called after the response is built, before the request context is
        removed; skipped for null sessions.
        """
        raise NotImplementedError()


#: The serializer :class:`SecureCookieSessionInterface` uses for session data.
session_json_serializer = TaggedJSONSerializer()


def _lazy_sha1(string: bytes = b"") -> t.Any:
    """SHA-1 looked up only when used (for Python builds without SHA-1, e.g. FIPS)."""
    return hashlib.sha1(string)


class _KeyedHMAC(HMACAlgorithm):
    """itsdangerous' HMAC signature algorithm, each key's HMAC state prepared once.

    PERF: every one-shot HMAC (``hmac.new(...).digest()``, ``hmac.digest``) sets the
    key up again: OpenSSL fetches the digest and hashes both padded keys, most of the
    cost for a cookie-sized message (two per request: the cookie's check and the new
    cookie's signature). A copy of an HMAC object already keyed, as :meth:`hmac.HMAC.copy`
    is documented for, computes the same MAC without that work. The signer's keys are
    few (its derived keys), so the prepared objects are too.
    """

    def __init__(self, digest_method: t.Any = None) -> None:
        super().__init__(digest_method)
        self._keyed: dict[bytes, hmac.HMAC] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        """The HMAC of ``value`` under ``key``."""
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = self._keyed[key] = hmac.new(key, digestmod=self.digest_method)
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class _SessionSigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving each secret's signing key once: the key
    depends only on the secret, salt, key derivation and digest, fixed for the signer.
    Signatures are itsdangerous' own, byte for byte."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived_keys: dict[str | bytes | None, bytes] = {}
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = _KeyedHMAC(self.algorithm.digest_method)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key for ``secret_key`` (default: the newest secret)."""
        key = self._derived_keys.get(secret_key)
        if key is None:
            key = self._derived_keys[secret_key] = super().derive_key(secret_key)
        return key


class _SessionSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, making one signer per salt.

    PERF: itsdangerous builds a new signer, and derives its key again (an HMAC), for every
    ``loads`` and ``dumps``; a session cookie is loaded and saved on every request that
    uses the session. Signers keep no per-call state, so threads can share them.
    """

    default_signer = _SessionSigner

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, TimestampSigner] = {}

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        """The signer for ``salt`` (default: the serializer's), made on first use."""
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = t.cast(TimestampSigner, super().make_signer(salt))
        return signer


def _vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``.

    PERF: without a ``Vary`` header (the usual response), or with ``Vary: Cookie``
    already, the result is known without parsing the header into a set and writing it
    back.
    """
    headers = response.headers
    vary = headers.get("Vary")
    if vary is None:
        headers.add("Vary", "Cookie")  # absent: appending is setting
    elif vary != "Cookie":
        response.vary.add("Cookie")


class SecureCookieSessionInterface(SessionInterface):
    """The default interface: the session lives in a cookie signed by :mod:`itsdangerous`."""

    #: Salt mixed into the secret key for signing session cookies.
    salt = "cookie-session"
    # PERF: the C hashlib.sha1 lets hmac use OpenSSL's HMAC; a Python wrapper (Flask's
    # _lazy_sha1) forces the slower pure-Python HMAC on every cookie load.
    #: Hash function for the signature (SHA-1, like Flask).
    digest_method = staticmethod(getattr(hashlib, "sha1", _lazy_sha1))
    #: itsdangerous key derivation scheme.
    key_derivation = "hmac"
    #: Serializer for the payload: compact JSON plus tags for extra Python types.
    serializer = session_json_serializer
    #: The class of the sessions :meth:`open_session` creates.
    session_class = SecureCookieSession

    # (cache key, serializer) of the last get_signing_serializer() call.
    _serializer_cache: tuple[tuple[t.Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer that signs and verifies cookies, or ``None`` without a secret key.

        It verifies with ``app.secret_key`` and every key in
        ``SECRET_KEY_FALLBACKS``, and signs with ``app.secret_key``.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS")
        key = (
            secret_key,
            tuple(fallbacks) if fallbacks else (),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )
        # PERF: building the serializer is costly (itsdangerous probes the payload
        # serializer with a dumps({}) call); it only depends on the values in `key`.
        cached = self._serializer_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        # itsdangerous signs with the last key and accepts all of them.
        keys: list[str | bytes] = [*key[1], secret_key]
        serializer = _SessionSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._serializer_cache = (key, serializer)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Load the session from the request's cookie.

        Returns ``None`` without a secret key, and an empty session when the
        cookie is missing, tampered with or older than
        ``permanent_session_lifetime``.
        """
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = signer.loads(value, max_age=max_age)
        except BadSignature:
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the session cookie to ``response`` if needed.

        Adds ``Vary: Cookie`` if the session was accessed; deletes the cookie
        when the session was emptied; otherwise sets it when
        :meth:`should_set_cookie` says so. The ``get_cookie_*`` settings are
        read (in Flask's order) only when the cookie is set or deleted.
        """
        accessed = session.accessed
        if accessed:
            _vary_on_cookie(response)

        if not session:
            # An emptied session removes the cookie; one that was always empty
            # needs no cookie at all.
            if session.modified:
                name, domain, path, secure, partitioned, samesite, httponly = (
                    self._cookie_settings(app)
                )
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                if not accessed:
                    _vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        name, domain, path, secure, partitioned, samesite, httponly = self._cookie_settings(app)
        expires = self.get_expiration_time(app, session)
        # The session as a plain dict, for the serializer.
        data = dict.copy(session) if isinstance(session, dict) else dict(session)
        value = self.get_signing_serializer(app).dumps(data)  # type: ignore[union-attr]
        response.set_cookie(
            name,
            value,
            expires=expires,
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        if not accessed:
            _vary_on_cookie(response)

    def _cookie_settings(
        self, app: Flask
    ) -> tuple[str, str | None, str, bool, bool, str | None, bool]:
        # The cookie's name, domain, path, secure, partitioned, samesite and httponly
        # settings, read in Flask's order.
        return (
            self.get_cookie_name(app),
            self.get_cookie_domain(app),
            self.get_cookie_path(app),
            self.get_cookie_secure(app),
            self.get_cookie_partitioned(app),
            self.get_cookie_samesite(app),
            self.get_cookie_httponly(app),
        )
