"""Server-side sessions: the session data lives in a store, the cookie holds only a
signed, random session id.

The data is loaded on first use of the session in a request, so requests that never
touch ``session`` cost no store round trip (except the expiry refresh of
``SESSION_REFRESH_EACH_REQUEST``, one call, no data written). Only a changed session
is written back; an unchanged one has its expiry pushed back, so two concurrent
requests of one user do not overwrite each other's changes with stale data.
"""

from __future__ import annotations

import logging
import secrets
import typing as t
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone

from itsdangerous import BadSignature, Signer

from erlen.sessions import SessionInterface, SessionMixin, session_json_serializer

if t.TYPE_CHECKING:  # pragma: no cover
    from erlen import Flask
    from erlen.wrappers.request import Request
    from erlen.wrappers.response import Response

__all__ = ["ServerSideSession", "ServerSideSessionInterface"]

logger = logging.getLogger("erlen.ext.session")


class ServerSideSession(SessionMixin):
    """A session whose data is kept server-side; ``session.sid`` is its id.

    It behaves like the cookie session: a mutable mapping with ``permanent``, ``new``,
    ``modified`` (set by changes to the mapping itself; set it yourself after changing a
    mutable value inside) and ``accessed``. ``clear()`` keeps ``permanent``.
    """

    def __init__(
        self,
        initial: Mapping[str, t.Any] | None = None,
        sid: str | None = None,
        permanent: bool | None = None,
        *,
        loader: Callable[[], dict[str, t.Any] | None] | None = None,
    ) -> None:
        #: The session id (the cookie holds it, signed).
        self.sid = sid
        #: True once the data has been read from the store (or when there was none to read).
        self.loaded = loader is None
        self._loader = loader
        self._data: dict[str, t.Any] = dict(initial or {})
        #: True for a session that did not exist before this request.
        self.new = loader is None and initial is None
        if permanent:
            self._data["_permanent"] = True
        self.modified = False
        self.accessed = False

    def _load(self) -> dict[str, t.Any]:
        if not self.loaded:
            assert self._loader is not None
            data = self._loader()
            self.loaded = True
            self._loader = None
            if data is None:
                # Expired or never stored: a fresh session (with a fresh id, see the interface).
                self.new = True
                self.sid = None
            else:
                self._data = data
        return self._data

    def __getitem__(self, key: str) -> t.Any:
        return self._load()[key]

    def __setitem__(self, key: str, value: t.Any) -> None:
        self._load()[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._load()[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def __bool__(self) -> bool:
        data = self._load()
        return bool(data) and data.keys() != {"_permanent"}

    def __repr__(self) -> str:
        state = repr(self._data) if self.loaded else "(not loaded)"
        return f"<{type(self).__name__} {self.sid!r} {state}>"

    def clear(self) -> None:
        """Remove every key but ``_permanent``."""
        data = self._load()
        permanent = data.get("_permanent")
        data.clear()
        if permanent is not None:
            data["_permanent"] = permanent
        self.modified = True

    def to_dict(self) -> dict[str, t.Any]:
        """The session data as a plain dict (loading it if needed)."""
        return dict(self._load())


class ServerSideSessionInterface(SessionInterface):
    """A session interface keeping the data in a store (subclasses implement the store
    operations) and a signed session id in the cookie.

    The id is ``secrets.token_urlsafe(sid_length)``, signed with ``SECRET_KEY`` (and
    verified with ``SECRET_KEY_FALLBACKS`` too); without a secret key, sessions are
    unavailable as with cookie sessions. Data is serialized like cookie sessions (JSON with
    tags for tuples, bytes, datetimes, UUIDs, Markup). The store keeps a session for
    ``PERMANENT_SESSION_LIFETIME``; a permanent session's cookie expires then too, a
    non-permanent one's when the browser closes.
    """

    session_class = ServerSideSession
    #: Salt of the session id signature.
    salt = "erlen.ext.session"
    serializer = session_json_serializer

    def __init__(
        self,
        app: Flask | None = None,
        key_prefix: str = "session:",
        permanent: bool = True,
        sid_length: int = 32,
    ) -> None:
        self.app = app
        #: Prefix of the store keys.
        self.key_prefix = key_prefix
        #: Whether new sessions are permanent.
        self.permanent = permanent
        #: Bytes of randomness in a session id.
        self.sid_length = sid_length

    # -- the store (subclasses)

    def _retrieve_session_data(self, store_id: str) -> bytes | None:
        """The stored data of ``store_id``, or ``None``."""
        raise NotImplementedError

    def _upsert_session(self, session_lifetime: timedelta, data: bytes, store_id: str) -> None:
        """Store ``data`` under ``store_id`` for ``session_lifetime``."""
        raise NotImplementedError

    def _refresh_session(self, session_lifetime: timedelta, store_id: str) -> bytes | None:
        """Keep ``store_id`` for ``session_lifetime`` from now; its data, or ``None`` when
        it is gone."""
        raise NotImplementedError

    def _delete_session(self, store_id: str) -> None:
        """Delete ``store_id``."""
        raise NotImplementedError

    # -- ids and data

    def _generate_sid(self, session_id_length: int) -> str:
        return secrets.token_urlsafe(session_id_length)

    def _get_store_id(self, sid: str) -> str:
        return self.key_prefix + sid

    def _get_signer(self, app: Flask) -> Signer | None:
        if not app.secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
        # itsdangerous signs with the last key and accepts all of them.
        return Signer([*fallbacks, app.secret_key], salt=self.salt, key_derivation="hmac")

    def _decode(self, raw: bytes | None) -> dict[str, t.Any] | None:
        if raw is None:
            return None
        try:
            data = self.serializer.loads(raw.decode())
        except (ValueError, UnicodeDecodeError):
            logger.warning("Unreadable session data in the store; starting a new session")
            return None
        return data if isinstance(data, dict) else None

    def _loader(self, sid: str) -> Callable[[], dict[str, t.Any] | None]:
        return lambda: self._decode(self._retrieve_session_data(self._get_store_id(sid)))

    # -- Flask's session interface

    def open_session(self, app: Flask, request: Request) -> ServerSideSession | None:
        """The request's session: ``None`` (a null session) without a secret key, a new
        one without a valid signed id, else one whose data loads on first use."""
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if value:
            # PERF: the signer is built only for a request that sent a session cookie.
            signer = self._get_signer(app)
            assert signer is not None
            try:
                sid = signer.unsign(value).decode()
            except (BadSignature, UnicodeDecodeError):
                pass
            else:
                return self.session_class(sid=sid, loader=self._loader(sid))
        return self.session_class(sid=self._generate_sid(self.sid_length), permanent=self.permanent)

    def regenerate(self, session: ServerSideSession) -> None:
        """Give ``session`` a new id (after a login, against session fixation): the data
        moves to the new id when the response is saved, the old id is deleted."""
        if session.sid is not None and not session.new:
            session.to_dict()
            self._delete_session(self._get_store_id(session.sid))
        session.sid = self._generate_sid(self.sid_length)
        session.new = True
        session.modified = True

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Store a changed session and set its cookie; refresh an unchanged one's expiry;
        delete an emptied one and its cookie."""
        assert isinstance(session, ServerSideSession)
        if session.accessed:
            response.vary.add("Cookie")

        if not session.loaded:
            # Nobody used the session: nothing to write, but a permanent session's expiry
            # moves on with each request when SESSION_REFRESH_EACH_REQUEST is on.
            if app.config["SESSION_REFRESH_EACH_REQUEST"] and session.sid is not None:
                lifetime = app.permanent_session_lifetime
                data = self._decode(
                    self._refresh_session(lifetime, self._get_store_id(session.sid))
                )
                if data is not None and data.get("_permanent"):
                    expires = datetime.now(timezone.utc) + lifetime
                    self._set_cookie(app, session, response, expires)
            return

        if not session:
            # A new session nobody filled ends here (most cookie-less requests).
            if session.modified:
                if session.sid is not None and not session.new:
                    self._delete_session(self._get_store_id(session.sid))
                response.delete_cookie(
                    self.get_cookie_name(app),
                    domain=self.get_cookie_domain(app),
                    path=self.get_cookie_path(app),
                    secure=self.get_cookie_secure(app),
                    partitioned=self.get_cookie_partitioned(app),
                    samesite=self.get_cookie_samesite(app),
                    httponly=self.get_cookie_httponly(app),
                )
                response.vary.add("Cookie")
            return

        if session.sid is None:
            # The stored session had expired: continue under a new id.
            session.sid = self._generate_sid(self.sid_length)
            session.modified = True
        store_id = self._get_store_id(session.sid)
        lifetime = app.permanent_session_lifetime
        if session.modified:
            payload = self.serializer.dumps(session.to_dict()).encode()
            self._upsert_session(lifetime, payload, store_id)
        elif app.config["SESSION_REFRESH_EACH_REQUEST"]:
            self._refresh_session(lifetime, store_id)
        if self.should_set_cookie(app, session):
            self._set_cookie(app, session, response, self.get_expiration_time(app, session))

    def _set_cookie(
        self,
        app: Flask,
        session: ServerSideSession,
        response: Response,
        expires: datetime | None,
    ) -> None:
        signer = self._get_signer(app)
        assert signer is not None and session.sid is not None
        response.set_cookie(
            self.get_cookie_name(app),
            signer.sign(session.sid).decode(),
            expires=expires,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")
