"""Reading a file as kata-oci reads every input: bounded, a regular file only, never blocking.

Kept apart from :mod:`kata_oci.files` (TOML) and with nothing imported but
:mod:`os`, :mod:`stat` and :mod:`errno`, so that the command's ``resolve``
fast path (:mod:`kata_oci.cli.fastresolve`) reads ``config.json`` and the
plugin snapshot exactly as the library does, at no import cost.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["is_plain_path", "path_text", "read_regular_file"]


def is_plain_path(path: str) -> bool:
    """Whether ``str(pathlib.Path(path))`` is ``path`` itself: no ``.`` part, no ``//``, no final ``/``."""
    return bool(path) and "//" not in path and not path.endswith("/") and "." not in path.split("/")


def path_text(path: str | os.PathLike[str]) -> str:
    """``str(pathlib.Path(path))``, without importing :mod:`pathlib` for a path it keeps as it is."""
    if isinstance(path, str) and is_plain_path(path):
        return path
    from pathlib import Path

    return str(Path(path))


def read_regular_file(
    path: str | os.PathLike[str],
    limit: int,
    *,
    dir_fd: int | None = None,
    follow_symlinks: bool = True,
    owner: int | None = None,
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    ``dir_fd`` opens ``path`` relative to that directory, ``follow_symlinks``
    false refuses a symbolic link at ``path`` (``ELOOP``), and ``owner`` (a
    uid) refuses a file owned by anyone else or writable by its group or by
    others: for files kata-oci wrote itself and trusts (its plugin snapshot).

    Raises :class:`OSError` (``strerror`` says why: the open's error, "Is a
    directory", "not a regular file", "more than N bytes, the most kata-oci reads",
    "not owned by uid N, or writable by others") or :class:`ValueError` for a
    path holding a NUL byte.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        if owner is not None and (st.st_uid != owner or st.st_mode & 0o022):
            raise PermissionError(
                errno.EPERM, f"not owned by uid {owner}, or writable by others", os.fspath(path)
            )
        if st.st_size > limit:
            raise _too_big(path, limit)
        # Ask for the whole file at once (st_size + 1 sees it end), never more than the limit.
        chunks = []
        total = 0
        want = min(st.st_size + 1, limit + 1)
        while total <= limit and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, limit + 1 - total) or 1
        if total > limit:
            raise _too_big(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(path: str | os.PathLike[str], limit: int) -> OSError:
    return OSError(errno.EFBIG, f"more than {limit} bytes, the most kata-oci reads", os.fspath(path))
