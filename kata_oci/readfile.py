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
    fd = os.open(path, _FLAGS if follow_symlinks else _FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if mode & _S_IFMT != stat.S_IFREG:
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        if owner is not None and (st.st_uid != owner or mode & 0o022):
            raise PermissionError(
                errno.EPERM, f"not owned by uid {owner}, or writable by others", os.fspath(path)
            )
        size = st.st_size
        if size > limit:
            raise _too_big(path, limit)
        # Ask for the whole file at once, and one byte more to see it end: exactly the size
        # fstat gave, short of that byte, is the whole file (the usual case: one read, not a
        # second one to meet the end). Anything else (a file that grew, a file system giving
        # short reads, procfs's size 0) reads on to the end, never beyond the limit.
        first = os.read(fd, size + 1)
        if len(first) == size:
            return first
        chunks = [first]
        total = len(first)
        want = min(1 << 16, limit + 1 - total) or 1
        while total <= limit and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, limit + 1 - total) or 1
        if total > limit:
            raise _too_big(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
_S_IFMT = 0o170000  # stat.S_IFMT's mask: one test for "a regular file" on the hot path


def _too_big(path: str | os.PathLike[str], limit: int) -> OSError:
    return OSError(errno.EFBIG, f"more than {limit} bytes, the most kata-oci reads", os.fspath(path))
