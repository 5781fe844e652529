"""The ``rs`` :class:`~kata_oci.Profile`: runtime-rs 4.1.0 (kata-types), at parity with its code.

The modules of this package hold the rules; the profile only routes to them and loads them
on first use, so importing it is cheap:

* :mod:`.table` and :mod:`.annotate`: the annotation table and its applier;
* :mod:`.types`, :mod:`.loader`, :mod:`.hypervisors`: ``TomlConfig``, its file, drop-ins,
  defaults and checks;
* :mod:`.sandbox` and :mod:`.sizing`: the sandbox runtime-rs creates, its container type
  (CRI-O first) and its initial size.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from kata_oci.profiles.base import Profile, SandboxPlan
from kata_oci.types import ContainerType

if TYPE_CHECKING:
    from pathlib import Path

    from kata_oci.engine import Engine
    from kata_oci.overrides import OverridePlan
    from kata_oci.sizing import Sizing
    from kata_oci.spec import Spec

    from .table import RsDeclaration
    from .types import TomlConfig

__all__ = ["PROFILE", "RsContainer", "RsProfile"]


class RsContainer(msgspec.Struct, kw_only=True):
    """A container as runtime-rs sees it before creating it: its ID, type and sandbox."""

    id: str
    container_type: str
    sandbox_id: str | None
    bundle_path: str
    annotations: dict[str, str]
    profile: str = "rs"


class _Annotated:
    """A stand-in spec holding only annotations (for :meth:`RsProfile.plan_annotations`)."""

    linux = None

    def __init__(self, annotations: Mapping[str, str] | None) -> None:
        self.annotations = dict(annotations or {})


class RsProfile(Profile):
    """Kata Containers 4.1 runtime-rs: ``src/libs/kata-types`` and ``src/runtime-rs``."""

    name: ClassVar[str] = "rs"
    version: ClassVar[str] = "4.1.0"
    title: ClassVar[str] = "Kata Containers 4.1 runtime-rs (kata-types)"
    default_container_type: ClassVar[ContainerType] = ContainerType.SINGLE_CONTAINER
    config_paths: ClassVar[tuple[str, ...]] = (
        "/etc/kata-containers/runtime-rs/configuration.toml",
        "/usr/share/defaults/kata-containers/runtime-rs/configuration.toml",
        "/opt/kata/share/defaults/kata-containers/runtime-rs/configuration.toml",
    )

    @property
    def declarations(self) -> Sequence[RsDeclaration]:
        from .table import DECLARATIONS

        return DECLARATIONS

    @property
    def removed_keys(self) -> Mapping[str, str]:
        from .table import REMOVED_KEYS

        return REMOVED_KEYS

    @property
    def runtime_config_type(self) -> type[TomlConfig]:
        from .types import TomlConfig

        return TomlConfig

    def load_runtime_config(
        self, path: str | os.PathLike[str], *, strict: bool = False, host_checks: Any = None
    ) -> TomlConfig:
        """kata-types' ``TomlConfig::load_from_file``: the file, ``config.d/``, adjusted."""
        from .loader import load_runtime_config

        return load_runtime_config(path, strict=strict, host_checks=host_checks)

    def shipped_config(self) -> Path:
        """Kata 4.1's generated ``configuration-qemu-runtime-rs.toml``, shipped inside kata-oci."""
        from pathlib import Path

        return Path(self.shipped_config_file())

    def shipped_config_file(self) -> str:
        package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
        return os.path.join(package, "data", "kata4-runtime-rs", "configuration-qemu-runtime-rs.toml")

    def enable_annotations(self, runtime_config: Any) -> list[str]:
        """``security_info.enable_annotations`` of the hypervisor table in use (none: ``[]``)."""
        hv = _checked(runtime_config).hypervisor_in_use()
        return [] if hv is None else list(hv.security_info.enable_annotations)

    def annotation_enabled(self, key: str, runtime_config: Any) -> tuple[bool, str | None]:
        """runtime-rs's gate: the ``RegexSet`` of the hypervisor table in use, on the key's suffix.

        Other keys always pass. One invalid pattern enables nothing (``RegexSet::new`` fails).
        """
        from kata_oci.rust import RegexSyntaxError, regex_set

        from .table import HYPERVISOR_PREFIX

        if not key.startswith(HYPERVISOR_PREFIX):
            return True, None
        hv = _checked(runtime_config).hypervisor_in_use()
        if hv is None:
            return False, None
        suffix = key[len(HYPERVISOR_PREFIX) :]
        patterns = hv.security_info.enable_annotations
        try:
            regex_set(patterns)
        except RegexSyntaxError:
            return False, None
        for pattern in patterns:
            if regex_set([pattern]).is_match(suffix):
                return True, pattern
        return False, None

    def detect(self, doc: Mapping[str, Any]) -> int:
        from .detect import detect

        return detect(doc)

    def container_config(
        self,
        spec: Spec,
        bundle_path: str,
        cid: str,
        *,
        engine: Engine,
        console: str = "",
        detach: bool = False,
    ) -> RsContainer:
        """The container's ID, runtime-rs's container type and its sandbox's ID."""
        from .sizing import container_type_with_id

        annotations = dict(spec.annotations or {})
        kind, sandbox_id = container_type_with_id(annotations)
        return RsContainer(
            id=cid,
            container_type=kind,
            sandbox_id=sandbox_id,
            bundle_path=bundle_path,
            annotations=annotations,
        )

    def plan_sandbox_config(
        self,
        spec: Spec,
        runtime_config: Any,
        bundle_path: str,
        cid: str,
        *,
        engine: Engine,
        console: str = "",
        detach: bool = False,
        systemd_cgroup: bool = False,
        strict: bool = False,
    ) -> SandboxPlan:
        """Each annotation's verdict and the :class:`~.sandbox.RsSandbox` (``.sandbox``)."""
        from .sandbox import plan_sandbox

        return SandboxPlan(runtime_config, plan_sandbox(spec, _checked(runtime_config), cid, strict=strict))

    def sandbox_config(
        self,
        spec: Spec,
        runtime_config: Any,
        bundle_path: str,
        cid: str,
        *,
        engine: Engine,
        console: str = "",
        detach: bool = False,
        systemd_cgroup: bool = False,
        strict: bool = False,
    ) -> Any:
        """The :class:`~.sandbox.RsSandbox` of :meth:`plan_sandbox_config`, or its error.

        The same result, without the hints of the unknown keys that are not
        rejected (a conversion shows only rejections).
        """
        from .sandbox import sandbox_config

        return sandbox_config(spec, _checked(runtime_config), cid, strict=strict)

    def plan_annotations(
        self,
        annotations: Mapping[str, str] | None,
        runtime_config: Any,
        *,
        engine: Engine,
        strict: bool = False,
    ) -> OverridePlan:
        """The verdicts :meth:`plan_sandbox_config` gives a spec with these annotations."""
        from .sandbox import plan_sandbox

        return plan_sandbox(_Annotated(annotations), _checked(runtime_config), strict=strict)

    def container_type(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> ContainerType:
        """kata-types' ``k8s::container_type``: CRI-O's key first, unknown values skipped."""
        from .sizing import container_type

        return ContainerType(container_type(_annotations(spec)))

    def sandbox_id(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> str:
        """A pod container's sandbox ID from the CRI keys, in runtime-rs's order (CRI-O first)."""
        from .sizing import container_type_with_id

        _, sandbox_id = container_type_with_id(_annotations(spec))
        if sandbox_id is not None:
            return sandbox_id
        return super().sandbox_id(spec, engine=engine, strict=strict)

    def calculate_sandbox_sizing(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> Sizing:
        """runtime-rs's ``InitialSize`` (containerd's sandbox keys, or the container's resources)."""
        from kata_oci.sizing import Sizing

        from .sizing import initial_size

        target = _Annotated(spec) if spec is None or isinstance(spec, Mapping) else spec
        size = initial_size(target)
        return Sizing(vcpus=size.vcpu, memory_mb=size.mem_mb)


def _annotations(spec: Any) -> dict[str, str]:
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    return dict(getattr(spec, "annotations", None) or {})


def _checked(runtime_config: Any) -> TomlConfig:
    from kata_oci.errors import ProfileError

    from .types import TomlConfig

    if not isinstance(runtime_config, TomlConfig):
        got = getattr(runtime_config, "profile", type(runtime_config).__name__)
        raise ProfileError("rs", f"needs a runtime-rs configuration (TomlConfig), not one of profile {got!r}")
    return runtime_config


PROFILE = RsProfile()
