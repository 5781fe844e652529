"""The host facts and files Kata's configuration loaders consult, as one switch.

Kata's ``LoadConfiguration`` looks at the machine it runs on: the asset files a
configuration names must exist (``ResolvePath``), ``/dev/vhost-vsock`` must
exist for qemu and stratovirt (and firecracker in Kata 1.x), the image and
initrd sizes are compared with the VM memory, and the CPU count and host
memory bound ``default_vcpus``, ``default_maxvcpus`` and ``default_maxmemory``.
kata-oci may run where Kata is not installed, so a loader does these checks
only when given a :class:`HostChecks`; ``host_checks=None`` means "do not
check the host". (Unknown keys are a separate switch, ``strict``.)

Every path and fact is a documented parameter defaulting to what Kata uses,
so a test or a tool points them elsewhere::

    HostChecks(asset_root=str(tmp_path), vhost_vsock=str(tmp_path / "vsock"), num_cpus=4,
               total_memory=8 << 30)

The CPU count and host memory are *facts*, not checks: a loader needs them to
clamp values even when it does not check the host, and then reads them from
this machine (:data:`THIS_HOST`), as Kata would.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["THIS_HOST", "HostCheckError", "HostChecks", "parse_cpuset"]


def parse_cpuset(s: str) -> list[int]:
    """The sorted members of a Linux CPU list (``"0-3,8"``), as k8s ``cpuset.Parse`` reads it.

    Raises :class:`HostCheckError` for a malformed list.
    """
    out: set[int] = set()
    if not s:
        return []
    for part in s.split(","):
        lo, sep, hi = part.partition("-")
        try:
            first = int(lo) if lo.isdigit() else None
            last = (int(hi) if hi.isdigit() else None) if sep else first
        except ValueError:  # pragma: no cover - isdigit() guards it
            first = last = None
        if first is None or last is None or first > last:
            raise HostCheckError(f"invalid CPU list {s!r}: bad element {part!r}")
        if last - first > 1 << 16:
            raise HostCheckError(f"invalid CPU list {s!r}: range {part!r} too large")
        out.update(range(first, last + 1))
    return sorted(out)


class HostCheckError(Exception):
    """A host check failed; ``reason`` is Kata's message. Loaders turn it into a ConfigError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class HostChecks:
    """Where Kata's loaders look on the host, and what they find there.

    ``asset_root``
        Prefix joined to every asset path before it is checked (``""``: the
        paths as written, Kata's behaviour). With a prefix, the stored paths
        stay as written; without one, they are resolved as Go's
        ``ResolvePath`` does (absolute, symlinks followed).
    ``vhost_vsock``
        The device Go stats for vsock support (``utils.VHostVSockDevicePath``).
    ``proc_cpuinfo``
        The file whose ``processor`` lines Kata 4.x counts as the host CPUs
        (``getHostCPUs``).
    ``num_cpus``
        Go's ``runtime.NumCPU()``: the CPUs this process may run on; Kata 1.x
        uses it, and 4.x when ``proc_cpuinfo`` cannot be read. ``None``: the
        affinity set of this process.
    ``total_memory``
        The host memory in bytes (``memory.TotalMemory()``, from
        ``sysinfo(2)``). ``None``: this machine's.
    ``arch``
        The architecture, for per-architecture limits (``govmm.MaxVCPUs()``).
        ``None``: ``platform.machine()``.
    ``sysfs_node``
        The host NUMA topology (``online``, ``node<N>/cpulist``) that Kata 4.x
        reads for ``enable_numa``.
    ``check_files``
        ``False``: use only the facts above (to ask what Kata would make of a
        configuration on another machine), check no file or device.
    """

    asset_root: str = ""
    vhost_vsock: str = "/dev/vhost-vsock"
    proc_cpuinfo: str = "/proc/cpuinfo"
    num_cpus: int | None = None
    total_memory: int | None = None
    arch: str | None = None
    sysfs_node: str = "/sys/devices/system/node"
    check_files: bool = True

    # -- facts

    def machine(self) -> str:
        """The architecture name (``platform.machine()`` spelling: ``x86_64``, ``aarch64``...)."""
        return self.arch if self.arch is not None else platform.machine()

    def go_num_cpu(self) -> int:
        """Go's ``runtime.NumCPU()``."""
        if self.num_cpus is not None:
            return self.num_cpus
        try:
            return len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - non-Linux
            return os.cpu_count() or 1

    def host_cpus(self) -> int:
        """Kata 4.x's ``getHostCPUs()``: lines of ``proc_cpuinfo`` starting ``processor``.

        Falls back to :meth:`go_num_cpu` when the file cannot be read, as Kata does.
        """
        try:
            with open(self.proc_cpuinfo, "rb") as f:
                data = f.read(64 << 20)
        except OSError:
            return self.go_num_cpu()
        return sum(1 for line in data.split(b"\n") if line.startswith(b"processor"))

    def total_memory_bytes(self) -> int:
        """The host memory in bytes (Go's ``memory.TotalMemory()``)."""
        if self.total_memory is not None:
            return self.total_memory
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
            return 0

    def _read_sysfs(self, name: str) -> str:
        path = os.path.join(self.sysfs_node, name)
        try:
            with open(path, "rb") as f:
                data = f.read(1 << 20)
        except OSError as exc:
            raise HostCheckError(f"open {path}: {exc.strerror or exc}") from None
        return data.decode("utf-8", "replace").removesuffix("\n")

    def guest_numa_nodes(self, numa_mapping: Sequence[str]) -> list[tuple[str, str]]:
        """Go's ``utils.GetGuestNUMANodes``: (host nodes, host CPUs) per guest node.

        One guest node per ``numa_mapping`` entry, else one per online host
        node. Raises :class:`HostCheckError` when the topology cannot be read
        or a mapping is not a CPU list.
        """
        nodes: list[tuple[str, str]] = []
        if numa_mapping:
            for host_nodes in numa_mapping:
                cpus = ""
                for i in parse_cpuset(host_nodes):
                    if cpus:
                        cpus += ","
                    cpus += self._read_sysfs(f"node{i}/cpulist")
                nodes.append((host_nodes, cpus))
            return nodes
        return [
            (str(i), self._read_sysfs(f"node{i}/cpulist")) for i in parse_cpuset(self._read_sysfs("online"))
        ]

    # -- checks

    def asset(self, path: str) -> str:
        """Where ``path`` is looked for: under :attr:`asset_root` when set."""
        if not self.asset_root:
            return path
        return os.path.join(self.asset_root, path.lstrip("/"))

    def resolve(self, path: str) -> str:
        """Go's ``ResolvePath``: the absolute, symlink-free path, or :class:`HostCheckError`.

        With :attr:`asset_root` set, the file is looked for under it and
        ``path`` is returned as written.
        """
        if not path:
            raise HostCheckError("path must be specified")
        absolute = os.path.abspath(path)
        where = self.asset(absolute)
        try:
            os.stat(where)
        except FileNotFoundError:
            raise HostCheckError(f"file {absolute} does not exist") from None
        except OSError as exc:
            raise HostCheckError(f"lstat {where}: {exc.strerror or exc}") from None
        if self.asset_root:
            return path
        return os.path.realpath(absolute)

    def file_size(self, path: str) -> int:
        """Go's ``fileSize``: ``stat(2)``'s size, or :class:`HostCheckError`."""
        try:
            return os.stat(self.asset(path)).st_size
        except OSError as exc:
            raise HostCheckError(f"{path}: {exc.strerror or exc}") from None

    def supports_vsock(self) -> bool:
        """Go's ``utils.SupportsVsocks()``: does :attr:`vhost_vsock` exist."""
        return os.path.exists(self.vhost_vsock)

    def vsock_error(self) -> str:
        """Go's message when :meth:`supports_vsock` is false."""
        return f"host system doesn't support vsock: stat {self.vhost_vsock}: no such file or directory"


#: The real host with Kata's own paths: the facts a loader uses when not told otherwise.
THIS_HOST: Final = HostChecks()
