"""Password hashing and safe path joining (Werkzeug's ``werkzeug.security``).

Hashes use Werkzeug's storage format, ``method$salt$hexdigest`` (for example
``scrypt:32768:8:1$<salt>$<hex>``), so hashes are interchangeable between
erlen and Werkzeug in both directions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import posixpath
import secrets

__all__ = [
    "DEFAULT_PBKDF2_ITERATIONS",
    "SALT_CHARS",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
]

#: Characters used by :func:`gen_salt`.
SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#: Iterations used by ``pbkdf2`` when the method doesn't specify them.
DEFAULT_PBKDF2_ITERATIONS = 1_000_000

# Separators other than "/" that the host OS understands; an untrusted part
# containing one could step outside the directory. Unlike Werkzeug, a backslash
# is refused on every OS: a path like a\..\b is harmless on POSIX but
# dangerous once the result reaches Windows tooling or another server.
_os_alt_seps: list[str] = sorted(
    {sep for sep in (os.sep, os.altsep, "\\") if sep is not None and sep != "/"}
)

# DOS device names: opening these on Windows hangs or talks to hardware,
# whatever the extension, trailing spaces, or ADS suffix.
_windows_device_files: frozenset[str] = frozenset(
    {
        "AUX",
        "CON",
        "CONIN$",
        "CONOUT$",
        "NUL",
        "PRN",
        *(f"COM{c}" for c in "123456789\u00b9\u00b2\u00b3"),
        *(f"LPT{c}" for c in "123456789\u00b9\u00b2\u00b3"),
    }
)

# Upper bounds on hash parameters, enforced when hashing and when reading a
# stored hash, so a corrupted or hostile hash string can't make
# check_password_hash take seconds of CPU or gigabytes of memory.
# scrypt memory is ~128*n*r bytes: cap at 256 MiB (8x the default); work is
# ~n*r*p: cap at 32x the default (~1.5 s). pbkdf2: 20x the default.
_MAX_SCRYPT_NR = 2**21
_MAX_SCRYPT_NRP = 2**23
_MAX_PBKDF2_ITERATIONS = 20_000_000


def gen_salt(length: int) -> str:
    """Return a random string of ``length`` characters from :data:`SALT_CHARS`."""
    if length <= 0:
        raise ValueError("Salt length must be at least 1.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _hash_internal(method: str, salt: str, password: str) -> tuple[str, str]:
    """Hash ``password`` and return ``(hexdigest, canonical_method)``.

    Raises :exc:`ValueError` for an unknown method or bad parameters.
    """
    method, *args = method.split(":")
    salt_bytes = salt.encode()
    password_bytes = password.encode()

    if method == "scrypt":
        if not args:
            n, r, p = 2**15, 8, 1
        else:
            try:
                n, r, p = map(int, args)
            except ValueError:
                raise ValueError("'scrypt' takes 3 arguments.") from None
        if n < 2 or r < 1 or p < 1 or n * r > _MAX_SCRYPT_NR or n * r * p > _MAX_SCRYPT_NRP:
            raise ValueError("'scrypt' parameters out of range.")
        # hashlib needs memory headroom above 128*n*r*p.
        maxmem = 132 * n * r * p
        digest = hashlib.scrypt(password_bytes, salt=salt_bytes, n=n, r=r, p=p, maxmem=maxmem)
        return digest.hex(), f"scrypt:{n}:{r}:{p}"

    if method == "pbkdf2":
        if len(args) == 0:
            hash_name, iterations = "sha256", DEFAULT_PBKDF2_ITERATIONS
        elif len(args) == 1:
            hash_name, iterations = args[0], DEFAULT_PBKDF2_ITERATIONS
        elif len(args) == 2:
            hash_name, iterations = args[0], int(args[1])
        else:
            raise ValueError("'pbkdf2' takes 2 arguments.")
        if not 1 <= iterations <= _MAX_PBKDF2_ITERATIONS:
            raise ValueError("'pbkdf2' iterations out of range.")
        digest = hashlib.pbkdf2_hmac(hash_name, password_bytes, salt_bytes, iterations)
        return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"

    raise ValueError(f"Invalid hash method '{method}'.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash a password for storage; verify it later with :func:`check_password_hash`.

    :param password: the plaintext password.
    :param method: ``"scrypt"`` (default, ``scrypt:32768:8:1``) or ``"pbkdf2"``
        (``pbkdf2:sha256:1000000``), optionally with explicit parameters such as
        ``"scrypt:16384:8:1"`` or ``"pbkdf2:sha512:600000"``.
    :param salt_length: number of salt characters to generate.
    :raises ValueError: for an unknown method or invalid parameters.
    """
    salt = gen_salt(salt_length)
    digest, actual_method = _hash_internal(method, salt, password)
    return f"{actual_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Check ``password`` against a hash from :func:`generate_password_hash`.

    Returns ``False`` (never raises) for a wrong password or a malformed,
    unsupported or out-of-range hash. The comparison is constant-time.
    """
    try:
        method, salt, hashval = pwhash.split("$", 2)
        digest = _hash_internal(method, salt, password)[0]
    except (ValueError, TypeError, AttributeError, OverflowError, MemoryError):
        # ValueError also covers unknown digest names (pbkdf2) and
        # unsupported scrypt parameters.
        return False
    try:
        return hmac.compare_digest(digest, hashval)
    except TypeError:
        # Non-ASCII stored digest: can't match a hex digest.
        return False


def safe_join(directory: str, *pathnames: str) -> str | None:
    """Join untrusted, URL-style path parts onto a trusted base directory.

    Returns ``None`` if any part is absolute, climbs out with ``..``, contains
    a NUL byte or a non-``/`` separator (``\\`` on every OS), or, on Windows,
    names a DOS device such as ``CON`` or ``NUL``. Empty parts are skipped; an
    empty ``directory`` means ``"."``. Only the path string is checked, not the
    filesystem (symlinks are the application's business).
    """
    if not directory:
        # Keep a relative result relative: "" + "/x" must not become "/x".
        directory = "."
    parts = [directory]
    is_nt = os.name == "nt"
    for part in pathnames:
        if not part:
            continue
        part = posixpath.normpath(part)
        if (
            "\x00" in part
            or part.startswith("/")
            or part == ".."
            or part.startswith("../")
            or os.path.isabs(part)
            or any(sep in part for sep in _os_alt_seps)
            or (is_nt and _has_windows_device(part))
        ):
            return None
        parts.append(part)
    return posixpath.join(*parts)


def _has_windows_device(part: str) -> bool:
    """Whether any segment of ``part`` names a Windows device (``con.txt``, ``NUL:``...)."""
    for segment in part.split("/"):
        if segment.partition(":")[0].partition(".")[0].strip().upper() in _windows_device_files:
            return True
    return False
