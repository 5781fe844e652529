"""Where the command's plugin snapshot lives, and how it is read and written safely.

The file side of :mod:`kata_oci.snapshot` (which says what the snapshot
holds): its place per environment, the key that says whether it is current,
and the careful reading and atomic writing described there. Nothing here
imports msgspec, so that the command's ``resolve`` fast path
(:mod:`kata_oci.cli.fastresolve`) reads the same file, under the same
checks, with the standard library's JSON decoder.
"""

from __future__ import annotations

import os
import sys
import zlib

from .readfile import read_regular_file

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~1 ms)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["FORMAT", "MAX_SNAPSHOT_SIZE", "cache_file", "environment_key", "is_current", "read", "write"]

#: The snapshot's layout: a change makes every older snapshot stale (it is part of the key).
FORMAT = 3

#: The largest snapshot read (one with the three built-in plugins is ~20 KiB).
MAX_SNAPSHOT_SIZE = 8 << 20


def cache_file() -> str | None:
    """Where this environment's snapshot lives, or ``None`` when caching is off."""
    if os.environ.get("KATA_OCI_NO_CACHE"):
        return None
    base = os.environ.get("KATA_OCI_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "kata-oci")
    name = zlib.crc32(f"{sys.executable}\0{sys.prefix}".encode())
    return os.path.join(base, f"plugins-{name:08x}.json")


def environment_key() -> str:
    """What decides which plugins are installed and importable, as one string."""
    from . import __version__

    parts: list[str] = [str(FORMAT), __version__, sys.executable, sys.version]
    for entry in sys.path:
        try:
            parts.append(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}\0-")
    return "\n".join(parts)


def _private_dir(path: str, *, create: bool) -> int | None:
    """A descriptor of directory ``path`` if it is the user's and writable by no one else."""
    if create:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except (OSError, ValueError):
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        os.close(fd)
        return None
    return fd


def stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime_ns, st.st_size


def read() -> bytes | None:
    """The bytes of this environment's snapshot, if caching is on and the file can be trusted.

    Read without following a symlink, without blocking, at most
    :data:`MAX_SNAPSHOT_SIZE` bytes, and only when the directory and the file
    are the user's and writable by no one else. Whether it is current is
    :func:`is_current`'s question, once it is decoded.
    """
    path = cache_file()
    if path is None:
        return None
    dir_fd = _private_dir(os.path.dirname(path), create=False)
    if dir_fd is None:
        return None
    try:
        return read_regular_file(
            os.path.basename(path),
            MAX_SNAPSHOT_SIZE,
            dir_fd=dir_fd,
            follow_symlinks=False,
            owner=os.geteuid(),
        )
    except (OSError, ValueError):
        return None
    finally:
        os.close(dir_fd)


def is_current(key: str, files: Mapping[str, Sequence[int]]) -> bool:
    """Whether a snapshot with this ``key`` and these file stamps describes the environment as it is."""
    if key != environment_key():
        return False
    return all(stamp(file) == tuple(seen) for file, seen in files.items())


def write(data: bytes) -> None:
    """Write ``data`` as the snapshot, atomically, in a private directory; nothing left behind on failure."""
    path = cache_file()
    if path is None:
        return
    dir_fd = _private_dir(os.path.dirname(path), create=True)
    if dir_fd is None:
        return
    name = os.path.basename(path)
    tmp = f".{name}.{os.urandom(8).hex()}.tmp"
    try:
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
    except OSError:
        os.close(dir_fd)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a symlink or FIFO itself
        tmp = ""
    except OSError:
        pass
    finally:
        if tmp:
            try:
                os.unlink(tmp, dir_fd=dir_fd)
            except OSError:
                pass
        os.close(dir_fd)
