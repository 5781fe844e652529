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

Most CRI plugins need only :func:`kata_oci_declare_cri`: the engine answers
container-type and sandbox-ID questions from the declared keys through a
table built once. A plugin whose CRI needs logic that a key table cannot say
also implements the ``kata_oci_resolve_*`` hooks; the engine then calls them,
at the plugin's place in the order, instead of using its table entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .config import Feature
    from .cri import CRI
    from .types import ContainerType

PROJECT_NAME = "kata_oci"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def kata_oci_declare_cri() -> CRI:  # type: ignore[empty-body]
    """Declare the annotation keys of the CRI this plugin knows.

    Return a :class:`kata_oci.CRI` naming the CRI, its container-type key and
    the values it writes there, and its sandbox-ID key. Called once, when an
    engine is built; the declaration is what ``cri_container_type_keys()``,
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


@hookspec
def kata_oci_experimental_features() -> list[Feature]:  # type: ignore[empty-body]
    """Register experimental features that ``io.katacontainers.config.runtime.experimental`` may name.

    Return a list of :class:`kata_oci.config.Feature` (name matching
    ``^[a-z][a-z0-9_]*$``, a description, and the release expected to make it
    stable). Called once, when an engine is built. kata-oci registers Kata
    1.x's one feature, ``newstore``, itself; two plugins registering the same
    name is a :class:`kata_oci.PluginError`.
    """
