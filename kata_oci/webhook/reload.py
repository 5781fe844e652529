"""Watching files that change under a running server: a ConfigMap's keys, cert-manager's secret.

A ConfigMap (or Secret) volume swaps a ``..data`` symlink to a new directory
when its content changes, so a file's path stays and what it resolves to
changes: :func:`fingerprint` takes ``os.stat`` through the links (device,
inode, size, mtime in ns) of every watched path, and :class:`Watcher` calls
its ``reload`` when the fingerprint differs from the last good one. A reload
that fails keeps what was loaded before (and says why through ``on_error``);
it is tried again only when the files change again.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = ["TLSFiles", "Watcher", "fingerprint"]

T = TypeVar("T")
Stamp = tuple[tuple[str, int, int, int, int] | tuple[str, None], ...]


def fingerprint(paths: Iterable[str]) -> Stamp:
    """What identifies the current content of ``paths`` (a missing file counts too)."""
    out: list[tuple[str, int, int, int, int] | tuple[str, None]] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append((p, None))
            continue
        out.append((p, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


class Watcher(Generic[T]):
    """A value loaded from files, loaded again when they change (:meth:`check`).

    ``load()`` returns the value and the files it came from (which may change
    with the value: a configuration names other files).
    """

    def __init__(
        self,
        load: Callable[[], tuple[T, Iterable[str]]],
        *,
        on_reload: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._load = load
        self._on_reload = on_reload
        self._on_error = on_error
        self._lock = threading.Lock()
        value, files = load()
        self.value: T = value
        self._files = tuple(files)
        self._stamp = fingerprint(self._files)
        self._failed: Stamp | None = None
        self.generation = 1

    def check(self) -> bool:
        """Reload when the files changed since the last load; whether a new value was loaded."""
        with self._lock:
            stamp = fingerprint(self._files)
            if stamp == self._stamp or stamp == self._failed:
                return False
            try:
                value, files = self._load()
            except Exception as exc:  # keep serving what was loaded before
                self._failed = stamp
                if self._on_error is not None:
                    self._on_error(exc)
                return False
            self.value = value
            self._files = tuple(files)
            self._stamp = fingerprint(self._files)
            self._failed = None
            self.generation += 1
        if self._on_reload is not None:
            self._on_reload(value)
        return True


class TLSFiles:
    """A server :class:`ssl.SSLContext` whose certificate chain is reloaded from its files.

    ``load_cert_chain`` on the live context changes what new handshakes
    present; connections already open keep theirs. A certificate and key
    that do not match (cert-manager writes ``tls.crt`` and ``tls.key`` one
    after the other) fail to load and leave the previous pair in use until
    the files change again.
    """

    def __init__(self, certfile: str, keyfile: str) -> None:
        self.certfile = certfile
        self.keyfile = keyfile
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.set_alpn_protocols(["http/1.1"])
        self.watcher: Watcher[None] = Watcher(self._load)

    def _load(self) -> tuple[None, list[str]]:
        self.context.load_cert_chain(self.certfile, self.keyfile)
        return None, [self.certfile, self.keyfile]
