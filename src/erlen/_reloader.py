"""The reloader of the development server (Werkzeug's ``werkzeug._reloader``).

:func:`run_with_reloader` runs in two processes. The first one (the watcher) starts the
program again as a child with ``ERLEN_RUN_MAIN=true`` (and ``WERKZEUG_RUN_MAIN=true``) and
waits for it. The child serves, watches the source files, and exits with code 3 when one
changes, which makes the watcher start a new child. When the child fails instead (say a
syntax error in the app), the watcher reports it and waits for the next change of a file
before starting a new child.

Watching uses ``watchfiles`` when it is installed and polls ``os.stat`` otherwise. Watched:
the files of imported modules, Python files under the (non-system) ``sys.path`` folders,
and ``extra_files`` (files, or folders whose files all count, such as template folders),
minus the paths matching ``exclude_patterns``.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import sys
import threading
import time
import typing as t
from itertools import chain
from pathlib import PurePath

from .serving import _log, is_running_from_reloader

__all__ = [
    "ReloaderLoop",
    "StatReloaderLoop",
    "WatchfilesReloaderLoop",
    "ensure_echo_on",
    "reloader_loops",
    "run_with_reloader",
]

#: Exit code of a child asking to be restarted.
RESTART_CODE = 3

# The Python installation's own files never change during development. The virtualenv's
# are not scanned either, but its imported modules are still watched by the stat reloader.
_ignore_always = tuple({sys.base_prefix, sys.base_exec_prefix})
_system_prefixes = tuple({*_ignore_always, sys.prefix, sys.exec_prefix})
_ignored_dirs = {
    "__pycache__",
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "node_modules",
}
_source_suffixes = (".py", ".pyc", ".zip")


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip(os.sep) + os.sep) for p in prefixes)


def _iter_module_paths() -> t.Iterator[str]:
    """The files of the imported modules (a zip file for a zipped module)."""
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if not isinstance(name, str) or _under(name, _ignore_always):
            continue
        while not os.path.isfile(name):
            parent = os.path.dirname(name)
            if parent == name:
                break
            name = parent
        else:
            yield os.path.abspath(name)


def _is_excluded(path: str, exclude_patterns: t.Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in exclude_patterns)


def _find_stat_paths(extra_files: set[str], exclude_patterns: set[str]) -> set[str]:
    """The files the stat reloader watches."""
    paths: set[str] = set()
    extra_dirs = {p for p in extra_files if os.path.isdir(p)}
    for entry in chain(list(sys.path), extra_files):
        entry = os.path.abspath(entry)
        if os.path.isfile(entry):
            paths.add(entry)  # a zip on sys.path, or an extra file
            continue
        every_file = entry in extra_dirs
        if not every_file and _under(entry, _system_prefixes):
            continue
        # Stop descending where neither a folder nor its parent holds Python files, so a
        # project root on sys.path does not mean scanning a whole home directory.
        parent_has_py = {os.path.dirname(entry): True}
        for root, dirs, files in os.walk(entry):
            if os.path.basename(root) in _ignored_dirs or (
                not every_file and _under(root, _system_prefixes)
            ):
                dirs.clear()
                continue
            if every_file:
                paths.update(os.path.join(root, name) for name in files)
                continue
            has_py = False
            for name in files:
                if name.endswith((".py", ".pyc")):
                    has_py = True
                    paths.add(os.path.join(root, name))
            if not (has_py or parent_has_py.get(os.path.dirname(root), False)):
                dirs.clear()
                continue
            parent_has_py[root] = has_py
    paths.update(_iter_module_paths())
    return {p for p in paths if not _is_excluded(p, exclude_patterns)}


def _find_common_roots(paths: t.Iterable[str]) -> set[str]:
    """The smallest set of folders containing all ``paths`` (nested ones dropped)."""
    roots: set[str] = set()
    for path in sorted({os.path.abspath(p) for p in paths}, key=lambda p: len(PurePath(p).parts)):
        if not any(_under(path, (root,)) for root in roots):
            roots.add(path)
    return roots


def _find_watch_roots(extra_files: set[str], exclude_patterns: set[str]) -> set[str]:
    """The folders watched recursively by the watchfiles reloader."""
    dirs: set[str] = set()
    for entry in chain(list(sys.path), (os.path.dirname(p) for p in _iter_module_paths())):
        entry = os.path.abspath(entry)
        if os.path.isfile(entry):
            entry = os.path.dirname(entry)
        if os.path.isdir(entry) and not _under(entry, _system_prefixes):
            dirs.add(entry)
    for entry in extra_files:
        if os.path.isdir(entry):
            dirs.add(entry)
        elif os.path.isdir(os.path.dirname(entry)):
            dirs.add(os.path.dirname(entry))
    dirs = {d for d in dirs if not _is_excluded(d, exclude_patterns)}
    return _find_common_roots(dirs)


def _get_args_for_reloading() -> list[str]:
    """The command line that started this process, to start it again."""
    # sys.orig_argv keeps the interpreter options and "-m module" as they were given.
    return [sys.executable, *sys.orig_argv[1:]]


class ReloaderLoop:
    """Watches files; the base of the reloader implementations."""

    #: Shown in " * Restarting with <name>".
    name = ""

    def __init__(
        self,
        extra_files: t.Iterable[str] | None = None,
        exclude_patterns: t.Iterable[str] | None = None,
        interval: int | float = 1,
    ) -> None:
        self.extra_files: set[str] = {os.path.abspath(x) for x in extra_files or ()}
        self.exclude_patterns: set[str] = set(exclude_patterns or ())
        self.interval = interval

    def __enter__(self) -> ReloaderLoop:
        """Record the initial state of the watched files."""
        self.run_step()
        return self

    def __exit__(self, *exc_info: t.Any) -> None:
        """Release what the watch uses."""

    def run(self) -> None:
        """Watch until a change (which exits the process with code 3)."""
        while True:
            self.run_step()
            time.sleep(self.interval)

    def run_step(self) -> None:
        """Check the watched files once."""

    def wants_reload(self, path: str) -> bool:
        """Whether a change of ``path`` restarts the server."""
        path = os.path.abspath(path)
        if any(part in _ignored_dirs for part in PurePath(path).parts):
            return False
        if _is_excluded(path, self.exclude_patterns):
            return False
        if path in self.extra_files or any(
            _under(path, (d,)) for d in self.extra_files if os.path.isdir(d)
        ):
            return True
        return path.endswith(_source_suffixes)

    def snapshot(self) -> dict[str, float]:
        """The modification times of the files to watch."""
        times: dict[str, float] = {}
        for path in _find_stat_paths(self.extra_files, self.exclude_patterns):
            try:
                times[path] = os.stat(path).st_mtime
            except OSError:
                continue
        return times

    def wait_for_change(self, before: dict[str, float]) -> str:
        """Block until a watched file differs from the ``before`` snapshot; return its path."""
        while True:
            now = self.snapshot()
            for path, mtime in now.items():
                if before.get(path) != mtime:
                    return path
            time.sleep(self.interval)

    def restart_with_reloader(
        self, while_waiting: t.Callable[[int], t.Callable[[], None]] | None = None
    ) -> int:
        """Run the program as a child until it exits for good; return its exit code.

        A child exiting with code 3 is restarted at once. A child failing with another
        code is restarted after the next change of a watched file; in the meantime
        ``while_waiting(exit_code)`` is called, and the function it returns is called when
        the wait ends.
        """
        pass_fds: tuple[int, ...] = ()
        fd_text = os.environ.get("ERLEN_SERVER_FD") or os.environ.get("WERKZEUG_SERVER_FD")
        if fd_text and fd_text.isdigit():
            pass_fds = (int(fd_text),)
        while True:
            _log("info", f" * Restarting with {self.name}")
            env = os.environ.copy()
            env["ERLEN_RUN_MAIN"] = "true"
            env["WERKZEUG_RUN_MAIN"] = "true"
            before = self.snapshot()
            exit_code = _run_child(_get_args_for_reloading(), env, pass_fds)
            if exit_code == RESTART_CODE:
                continue
            if exit_code <= 0:
                # Finished, or killed by a signal: stop as well.
                return 128 - exit_code if exit_code < 0 else exit_code
            _log(
                "error",
                f" * The server process exited with code {exit_code}. Waiting for a file"
                " change to restart it.",
            )
            stop = while_waiting(exit_code) if while_waiting is not None else None
            try:
                changed = self.wait_for_change(before)
            finally:
                if stop is not None:
                    stop()
            self.log_reload(changed)

    def trigger_reload(self, filename: str) -> None:
        """Log the change and exit with code 3 so the watcher restarts the program."""
        self.log_reload(filename)
        sys.exit(RESTART_CODE)

    def log_reload(self, filename: str | bytes) -> None:
        """Log which file changed."""
        filename = os.path.abspath(os.fsdecode(filename))
        _log("info", f" * Detected change in {filename!r}, reloading")


def _run_child(args: list[str], env: dict[str, str], pass_fds: tuple[int, ...]) -> int:
    proc = subprocess.Popen(args, env=env, pass_fds=pass_fds)
    try:
        return proc.wait()
    except BaseException as e:
        # A Ctrl-C in the terminal reached the child too: let it stop by itself first.
        if not isinstance(e, KeyboardInterrupt):
            proc.terminate()
        try:
            proc.wait(timeout=3)
        except BaseException:
            proc.kill()
            proc.wait()
        raise


class StatReloaderLoop(ReloaderLoop):
    """Polls the modification time of every watched file (the fallback)."""

    name = "stat"

    def __enter__(self) -> ReloaderLoop:
        """Record the initial modification times."""
        self.mtimes: dict[str, float] = {}
        return super().__enter__()

    def run_step(self) -> None:
        """Compare the modification times with the recorded ones."""
        for path in _find_stat_paths(self.extra_files, self.exclude_patterns):
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            old = self.mtimes.setdefault(path, mtime)
            if mtime != old:
                self.trigger_reload(path)


class WatchfilesReloaderLoop(ReloaderLoop):
    """Waits for file system events with ``watchfiles``."""

    name = "watchfiles"

    #: Milliseconds the watch blocks before checking for newly imported modules' folders.
    _tick_ms = 100

    def __init__(
        self,
        extra_files: t.Iterable[str] | None = None,
        exclude_patterns: t.Iterable[str] | None = None,
        interval: int | float = 1,
    ) -> None:
        import watchfiles

        super().__init__(extra_files, exclude_patterns, interval)
        self._watchfiles = watchfiles
        self._stop = threading.Event()
        self._roots: set[str] = set()
        self._events: t.Iterator[set[tuple[t.Any, str]]] | None = None
        self._pending: str | None = None

    def _filter(self, change: t.Any, path: str) -> bool:
        return self.wants_reload(path)

    def _start_watch(self) -> None:
        self._close_watch()
        self._roots = _find_watch_roots(self.extra_files, self.exclude_patterns)
        if not self._roots:
            self._events = self._idle()
            return
        self._events = self._watchfiles.watch(
            *sorted(self._roots),
            watch_filter=self._filter,
            debounce=1600,
            step=50,
            stop_event=self._stop,
            rust_timeout=self._tick_ms,
            yield_on_timeout=True,
            raise_interrupt=True,
        )
        # The watches exist once the generator ran up to its first (timeout) yield:
        # only then may the server start answering.
        changes = next(self._events, set())
        if changes and self._pending is None:
            self._pending = sorted(path for _, path in changes)[0]

    def _idle(self) -> t.Iterator[set[tuple[t.Any, str]]]:
        while True:
            time.sleep(self._tick_ms / 1000)
            yield set()

    def _close_watch(self) -> None:
        if self._events is not None:
            close = getattr(self._events, "close", None)
            if close is not None:
                close()
            self._events = None

    def __enter__(self) -> ReloaderLoop:
        """Set up the watches."""
        self._start_watch()
        return self

    def __exit__(self, *exc_info: t.Any) -> None:
        """Remove the watches."""
        self._close_watch()

    def run(self) -> None:
        """Wait for a change, re-watching when newly imported modules add folders."""
        last_check = time.monotonic()
        while True:
            if self._pending is not None:
                self.trigger_reload(self._pending)
            assert self._events is not None
            for changes in self._events:
                if changes:
                    self.trigger_reload(sorted(path for _, path in changes)[0])
                if time.monotonic() - last_check >= self.interval:
                    last_check = time.monotonic()
                    if _find_watch_roots(self.extra_files, self.exclude_patterns) != self._roots:
                        break
            self._start_watch()


reloader_loops: dict[str, type[ReloaderLoop]] = {
    "stat": StatReloaderLoop,
    "watchfiles": WatchfilesReloaderLoop,
}

try:
    __import__("watchfiles")
except ImportError:
    reloader_loops["auto"] = StatReloaderLoop
else:
    reloader_loops["auto"] = WatchfilesReloaderLoop
# Werkzeug's name for its event based reloader.
reloader_loops["watchdog"] = reloader_loops["auto"]


def ensure_echo_on() -> None:
    """Turn terminal echo back on (a debugger such as pdb may have left it off)."""
    if sys.stdin is None or not sys.stdin.isatty():
        return
    try:
        import termios
    except ImportError:
        return
    attributes = termios.tcgetattr(sys.stdin)
    if not attributes[3] & termios.ECHO:
        attributes[3] |= termios.ECHO
        termios.tcsetattr(sys.stdin, termios.TCSANOW, attributes)


def run_with_reloader(
    main_func: t.Callable[[], None],
    extra_files: t.Iterable[str] | None = None,
    exclude_patterns: t.Iterable[str] | None = None,
    interval: int | float = 1,
    reloader_type: str = "auto",
    while_waiting: t.Callable[[int], t.Callable[[], None]] | None = None,
    stop_func: t.Callable[[], None] | None = None,
) -> None:
    """Run ``main_func`` in a child process that is restarted when a watched file changes.

    In the watcher process this returns once the child exits for good (or on Ctrl-C),
    exiting the process with the child's exit code. In the child, ``main_func`` runs in a
    daemon thread while the main thread watches files; ``stop_func``, if given, is called
    in the main thread when the child is about to exit (a change, Ctrl-C or SIGTERM), to let
    ``main_func`` finish gracefully (while new threads can still start). ``while_waiting``
    is described in :meth:`ReloaderLoop.restart_with_reloader`.
    """
    try:
        loop_class = reloader_loops[reloader_type]
    except KeyError:
        raise ValueError(
            f"Unknown reloader type {reloader_type!r}, use one of {sorted(reloader_loops)}."
        ) from None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    reloader = loop_class(
        extra_files=extra_files, exclude_patterns=exclude_patterns, interval=interval
    )
    try:
        if is_running_from_reloader():
            ensure_echo_on()
            server = threading.Thread(target=main_func, daemon=True)
            with reloader:
                server.start()
                try:
                    reloader.run()
                finally:
                    if stop_func is not None:
                        stop_func()
        else:
            sys.exit(reloader.restart_with_reloader(while_waiting))
    except KeyboardInterrupt:
        pass
