"""kata-oci plugin for cri-dockerd: the pod's size, from the pod's own annotations.

cri-dockerd keeps dockershim's labels, and kata-oci's built-in dockershim
plugin already reads them (container type, sandbox ID, pod identity), so
this plugin declares none of those keys: two plugins answering from the same
keys would only repeat each other. What cri-dockerd lacks is sandbox sizing:
unlike containerd and CRI-O, it tells the runtime nothing about the pod's
resources. It does pass each pod annotation on, as a Docker label named
``annotation.<key>``. So a pod that carries containerd's sizing keys as
annotations reaches Kata with them under that prefix, and this plugin reads
them there. See README.md.

The whole plugin is data: a :class:`kata_oci.CRI` declaration. A CRI whose
rule a table cannot express would implement a hook as well
(``kata_oci_sandbox_sizing``, ``kata_oci_pod_identity``, ...; see
``kata_oci/hookspecs.py``).
"""

from __future__ import annotations

from kata_oci import CRI, SizingKeys, hookimpl

#: cri-dockerd's prefix for CRI annotations stored as Docker labels (core/helpers.go).
ANNOTATION_PREFIX = "annotation."

#: The pod annotations this plugin reads, as they arrive: containerd's key names, prefixed.
SANDBOX_CPU_PERIOD = ANNOTATION_PREFIX + "io.kubernetes.cri.sandbox-cpu-period"
SANDBOX_CPU_QUOTA = ANNOTATION_PREFIX + "io.kubernetes.cri.sandbox-cpu-quota"
SANDBOX_CPU_SHARES = ANNOTATION_PREFIX + "io.kubernetes.cri.sandbox-cpu-shares"
SANDBOX_MEMORY = ANNOTATION_PREFIX + "io.kubernetes.cri.sandbox-memory"

CRI_KEYS = CRI(
    # A unique name: it appears in `kata-oci plugins`, `kata-oci resolve` and conflict messages.
    name="cri-dockerd",
    # No container_type_key / sandbox_id_key / identity: kata-oci-dockershim reads those labels.
    # Values are parsed as Kata 2.x parses containerd's (decimal; unparsable counts as 0).
    sizing=SizingKeys(
        cpu_period=SANDBOX_CPU_PERIOD,
        cpu_quota=SANDBOX_CPU_QUOTA,
        cpu_shares=SANDBOX_CPU_SHARES,
        memory=SANDBOX_MEMORY,
    ),
)


# kata-oci calls this once, when it builds its engine. The function's name is
# the hook's name; a misspelt name is reported as a PluginError.
@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
