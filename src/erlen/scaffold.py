"""The app layer's part of :class:`~erlen.Flask` and :class:`~erlen.Blueprint` (Flask's
``Scaffold``): the transport-free registration of :class:`erlen.sansio.scaffold.Scaffold`
plus serving static files and opening resources."""

from __future__ import annotations

import os
import typing as t

from .sansio.scaffold import (
    Scaffold as _SansIOScaffold,
    _endpoint_from_view_func,
    find_package,
    get_root_path,
    setupmethod,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Response

__all__ = ["Scaffold", "setupmethod", "find_package", "get_root_path", "_endpoint_from_view_func"]


class Scaffold(_SansIOScaffold):
    """:class:`erlen.sansio.scaffold.Scaffold` with the file-serving methods of the app
    layer: :meth:`send_static_file`, :meth:`get_send_file_max_age` and
    :meth:`open_resource`."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``max_age`` for :meth:`send_static_file`: ``SEND_FILE_MAX_AGE_DEFAULT`` by default."""
        from .globals import current_app

        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return t.cast(int, value)

    def send_static_file(self, filename: str) -> Response:
        """The view behind the static route: serve ``filename`` from :attr:`static_folder`."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        from .helpers import send_from_directory

        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(t.cast(str, self.static_folder), filename, max_age=max_age)

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`root_path` for reading (modes ``r``, ``rt``, ``rb``)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)  # noqa: SIM115
        return open(path, mode, encoding=encoding)  # noqa: SIM115
