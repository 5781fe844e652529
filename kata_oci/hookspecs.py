"""The hooks a kata-oci plugin can implement: the contract plugin authors build on.

Plugins are plain modules (or objects) whose functions carry the
``kata_oci.hookimpl`` marker and are named after the hooks below. They are
found through the ``kata_oci`` entry-point group (see :mod:`kata_oci.plugins`)
or passed explicitly to :meth:`kata_oci.Engine.from_plugins`.

Order. The engine consults CRI plugins in the order pluggy calls
:func:`kata_oci_declare_cri`: the built-in CRIs first, as Kata does
(containerd, CRI-O, dockershim), then third-party plugins by entry-point name.
A plugin that must come first marks its ``kata_oci_declare_cri`` with
``@hookimpl(tryfirst=True)``; one that must come last with ``trylast=True``.

The engine does not call a declared plugin's answering hooks for a spec that
carries none of the annotation keys its :class:`~kata_oci.CRI` declaration
names (container type, sandbox ID, identity, sizing and ``hook_keys``): list
every key your hooks read there. A plugin without a declaration is always
called. This is what lets ``kata-oci`` answer most specs without importing
the plugins at all (see :mod:`kata_oci.snapshot`).

Most CRI plugins need only :func:`kata_oci_declare_cri`: the engine answers
container-type, sandbox-ID, pod-identity and sandbox-sizing questions from the
declared keys through tables built once. A plugin whose CRI needs logic that a
key table cannot say also implements the matching hook
(``kata_oci_resolve_container_type``, ``kata_oci_resolve_sandbox_id``,
``kata_oci_pod_identity``, ``kata_oci_sandbox_sizing``); the engine then calls
it, at the plugin's place in the order, instead of using its table entry.

Runtime profiles (the rules of one Kata implementation: ``kata1``, ``go``,
``rs``) are declared through :func:`kata_oci_declare_profile`; the core's own
are declared by default plugins of every engine, exactly as a plugin's are
(see :mod:`kata_oci.profiles`).

The engine calls each implementation itself, in order, so that it can
compare later answers with the first (conflicts are logged, or raised by a
strict engine). The answering hooks are also declared ``firstresult`` for
callers that use pluggy directly. A hook that raises anything but a
:class:`kata_oci.KataOCIError` from the identity or sizing hooks is reported
as a :class:`kata_oci.PluginError` naming the plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .cri import CRI
    from .pod import PodIdentity
    from .profiles.base import Profile
    from .sizing import Sizing
    from .types import ContainerType, Feature

PROJECT_NAME = "kata_oci"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def kata_oci_declare_cri() -> CRI:  # type: ignore[empty-body]
    """Declare the annotation keys of the CRI this plugin knows.

    Return a :class:`kata_oci.CRI` naming the CRI, its container-type key and
    the values it writes there, its sandbox-ID key, and optionally its pod
    identity keys (:class:`kata_oci.IdentityKeys`), its sandbox sizing keys
    (:class:`kata_oci.SizingKeys`) and the further keys its own hooks read
    (``hook_keys``, for documentation). Called once, when an engine is built;
    the declaration is what ``cri_container_type_keys()``,
    ``cri_sandbox_id_keys()`` and ``cri_container_types()`` list, and what the
    engine answers from. A plugin that only declares keys is pure data::

        CRI_KEYS = CRI(
            name="mycri",
            container_type_key="io.example.mycri.kind",
            container_types={"pod": ContainerType.POD_SANDBOX,
                             "ctr": ContainerType.POD_CONTAINER},
            sandbox_id_key="io.example.mycri.pod-id",
        )

        @hookimpl
        def kata_oci_declare_cri():
            return CRI_KEYS
    """


@hookspec(firstresult=True)
def kata_oci_resolve_container_type(annotations: Mapping[str, str]) -> ContainerType | None:
    """Say what kind of container the annotations describe, or ``None`` if not yours.

    ``annotations`` is the spec's annotation map (never ``None``; do not
    modify it). Return :attr:`ContainerType.POD_SANDBOX` or
    :attr:`ContainerType.POD_CONTAINER` when the annotations carry your CRI's
    key; return ``None`` when they do not, so the next plugin is asked. When
    your key is there but its value is not one your CRI writes, raise
    :class:`kata_oci.ContainerTypeError` naming the key and the value.

    First result wins. Implement this only when a key table
    (:func:`kata_oci_declare_cri`) cannot express your CRI's rule.
    """


@hookspec(firstresult=True)
def kata_oci_resolve_sandbox_id(annotations: Mapping[str, str]) -> str | None:
    """Return the ID of the pod sandbox the annotations belong to, or ``None`` if not yours.

    A key that is present gives its value even when it is empty, as Kata does.
    First result wins. Implement this only when a key table
    (:func:`kata_oci_declare_cri`) cannot express your CRI's rule.
    """


@hookspec(firstresult=True)
def kata_oci_pod_identity(annotations: Mapping[str, str]) -> PodIdentity | None:
    """Name the pod and container the annotations describe, or ``None`` if they are not yours.

    ``annotations`` is the spec's annotation map (never ``None``; do not
    modify it). Return a :class:`kata_oci.PodIdentity` with the names your
    CRI wrote (``sandbox_name``, ``sandbox_namespace``, ``sandbox_uid``,
    ``container_name``; leave a field ``None`` when your CRI does not say it);
    the engine fills in ``plugin``. Return ``None`` when none of your keys is
    there, so the next plugin is asked. A value you cannot read is not an
    error: leave the field ``None`` (and log a warning if it matters).

    Implement this only when an :class:`kata_oci.IdentityKeys` table in your
    :func:`kata_oci_declare_cri` cannot say your CRI's rule (CRI-O's pod name
    is either ``KubeName`` or part of ``SandboxName``, depending on the spec).
    Called on demand (``kata_oci.pod_identity()``, ``kata-oci resolve``), never
    when only the container type or sandbox ID is asked.
    """


@hookspec(firstresult=True)
def kata_oci_sandbox_sizing(annotations: Mapping[str, str]) -> Sizing | None:
    """Say what resources the pod sandbox asks for, or ``None`` if the annotations are not yours.

    ``annotations`` is the pod sandbox's annotation map (never ``None``; do not
    modify it). When your CRI's sizing annotations are there, return a
    :class:`kata_oci.Sizing`; compute it with
    :func:`kata_oci.calculate_vm_resources` (CFS period and quota, memory
    bytes, CPU shares) so that Kata 2.x's arithmetic applies. A value that
    does not parse counts as 0, with a warning, as in Kata; it is not an
    error. Put the pod overhead, if your CRI reports it, in
    :attr:`kata_oci.Sizing.overhead`.

    Implement this only when a :class:`kata_oci.SizingKeys` table (four
    decimal annotations, as containerd writes) cannot say your CRI's format;
    CRI-O, which writes the CRI ``LinuxContainerResources`` message as JSON,
    does. Called on demand (``kata_oci.calculate_sandbox_sizing()``,
    ``kata-oci resolve``).
    """


@hookspec
def kata_oci_experimental_features() -> list[Feature]:  # type: ignore[empty-body]
    """Register experimental features that ``io.katacontainers.config.runtime.experimental`` may name.

    Return a list of :class:`kata_oci.Feature` (name matching
    ``^[a-z][a-z0-9_]*$``, a description, and the release expected to make it
    stable). Called once, when an engine is built. kata-oci registers Kata
    1.x's one feature, ``newstore``, itself; two plugins registering the same
    name is a :class:`kata_oci.PluginError`.
    """


@hookspec
def kata_oci_declare_profile() -> Profile | list[Profile] | None:
    """Declare one or more runtime profiles: the rules of a Kata implementation.

    Return a :class:`kata_oci.Profile` (or a list of them): an instance of a
    subclass naming the profile (``name``, what ``--kata`` and ``profile=``
    take; lower-case letters, digits, ``-`` and ``_``), the Kata ``version`` it
    mirrors, its annotation table, configuration loader and types, conversion
    and sizing (see :mod:`kata_oci.profiles.base`). Called once, the first
    time an engine is asked for its profiles; keep the module cheap to import
    and load heavy code inside the profile's methods. kata-oci declares its
    own profiles (``kata1``, ``go``, ``rs``) through this hook too. Two plugins
    declaring the same name, or an answer that is not a Profile, is a
    :class:`kata_oci.PluginError`::

        class MyKata(kata_oci.Profile):
            name, version, title = "mykata", "4.1.0-mine", "Kata 4.1 with our patches"
            ...

        @hookimpl
        def kata_oci_declare_profile():
            return MyKata()
    """
