"""The table of :mod:`kata_oci.wellknown`: the CRI keys kata-oci knows without any plugin.

A row is (key, what it decides, CRI, distribution). Kept apart, with no
imports, so that the command's ``resolve`` fast path
(:mod:`kata_oci.cli.fastresolve`) can tell that a spec carries no such key
without importing msgspec.
"""

from __future__ import annotations

__all__ = ["WELL_KNOWN_CRI_KEYS"]

WELL_KNOWN_CRI_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("io.kubernetes.cri.container-type", "container type", "containerd", "kata-oci-containerd"),
    ("io.kubernetes.cri.sandbox-id", "sandbox ID", "containerd", "kata-oci-containerd"),
    ("io.kubernetes.cri.sandbox-memory", "sandbox sizing", "containerd", "kata-oci-containerd"),
    ("io.kubernetes.cri.sandbox-cpu-quota", "sandbox sizing", "containerd", "kata-oci-containerd"),
    ("io.kubernetes.cri-o.ContainerType", "container type", "CRI-O", "kata-oci-crio"),
    ("io.kubernetes.cri-o.SandboxID", "sandbox ID", "CRI-O", "kata-oci-crio"),
    ("pod-linux-resources.crio.io", "sandbox sizing", "CRI-O", "kata-oci-crio"),
    ("io.kubernetes.docker.type", "container type", "dockershim", "kata-oci-dockershim"),
    ("io.kubernetes.sandbox.id", "sandbox ID", "dockershim", "kata-oci-dockershim"),
)
