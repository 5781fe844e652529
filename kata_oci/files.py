"""Reading the files kata-oci is given (config.json, configuration.toml), defensively.

A path may name a FIFO (which would block an ordinary ``open``), a device
(which would never end) or something huge: only a regular file is read,
without blocking, and never beyond a size limit.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["read_regular_file"]


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`OSError` (``strerror`` says why: the open's error, "Is a
    directory", "not a regular file", "more than N bytes, the most kata-oci reads") or
    :class:`ValueError` for a path holding a NUL byte.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        too_big = OSError(errno.EFBIG, f"more than {limit} bytes, the most kata-oci reads", os.fspath(path))
        if st.st_size > limit:
            raise too_big
        # Ask for the whole file at once (st_size + 1 sees it end), never more than the limit.
        chunks = []
        total = 0
        want = min(st.st_size + 1, limit + 1)
        while total <= limit and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, limit + 1 - total) or 1
        if total > limit:
            raise too_big
        return b"".join(chunks)
    finally:
        os.close(fd)
