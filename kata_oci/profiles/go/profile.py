"""The ``go`` :class:`~kata_oci.Profile`: Kata 4.1.0's Go runtime (``containerd-shim-kata-v2``).

Each method hands the work to the module that holds the rule: the annotation
table :mod:`.table` (compiled by :mod:`.annotate`), the configuration types
:mod:`.types` and loader :mod:`.loader`, the conversion :mod:`.sandbox`, the
sizing :mod:`.sizing`. The modules load on first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from kata_oci.profiles.base import Profile, SandboxPlan
from kata_oci.types import ContainerType

if TYPE_CHECKING:
    from pathlib import Path

    from kata_oci.engine import Engine
    from kata_oci.overrides import OverridePlan
    from kata_oci.sizing import Sizing
    from kata_oci.spec import Spec

    from .sandbox import ContainerConfig, SandboxConfig
    from .table import Declaration
    from .types import RuntimeConfig

__all__ = ["PROFILE", "GoProfile"]

_sandbox_module: ModuleType | None = None


def _sandbox() -> Any:
    """:mod:`.sandbox`, imported on first use (once: a function-level import costs ~0.3 us a call)."""
    global _sandbox_module
    if _sandbox_module is None:
        from . import sandbox

        _sandbox_module = sandbox
    return _sandbox_module


class GoProfile(Profile):
    """Kata Containers 4.1.0, the Go runtime: ``src/runtime/pkg/oci`` and ``pkg/katautils`` at 7c6ba40."""

    name: ClassVar[str] = "go"
    version: ClassVar[str] = "4.1.0"
    title: ClassVar[str] = "Kata Containers 4.1 Go runtime (containerd-shim-kata-v2, src/runtime/pkg/oci)"
    default_container_type: ClassVar[ContainerType] = ContainerType.SINGLE_CONTAINER

    @property
    def declarations(self) -> Sequence[Declaration]:
        from .table import DECLARATIONS

        return DECLARATIONS

    @property
    def removed_keys(self) -> Mapping[str, str]:
        from .table import REMOVED_KEYS

        return REMOVED_KEYS

    @property
    def runtime_config_type(self) -> type[RuntimeConfig]:
        from .types import RuntimeConfig

        return RuntimeConfig

    def load_runtime_config(
        self, path: str | os.PathLike[str], *, strict: bool = False, host_checks: Any = None
    ) -> RuntimeConfig:
        """:func:`kata_oci.profiles.go.loader.load_runtime_config` (and its ``config.d/`` drop-ins)."""
        from .loader import load_runtime_config

        return load_runtime_config(path, strict=strict, host_checks=host_checks)

    def shipped_config(self) -> Path:
        """Kata 4.1's generated ``configuration-qemu.toml``, shipped inside kata-oci.

        :data:`.loader.DEFAULT_CONFIG_RESOURCE`, found without importing the
        loader: ``kata-oci resolve`` needs only its name, and starts fast.
        """
        from pathlib import Path

        return Path(self.shipped_config_file())

    def shipped_config_file(self) -> str:
        from kata_oci.profiles.base import shipped_file

        return shipped_file("data/kata4-go/configuration-qemu.toml")

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
    ) -> ContainerConfig:
        """Kata 4.1's ``ContainerConfig`` (its command has no console: ``console`` is not used)."""
        config: ContainerConfig = _sandbox().container_config(spec, bundle_path, cid, detach, engine=engine)
        return config

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
        base, plan = _sandbox().plan_sandbox_config(
            spec, runtime_config, bundle_path, cid, detach=detach, systemd_cgroup=systemd_cgroup,
            engine=engine, strict=strict,
        )  # fmt: skip
        return _StaticPlan(base, plan)

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
    ) -> SandboxConfig:
        sandbox: SandboxConfig = (_sandbox_module or _sandbox()).sandbox_config(
            spec, runtime_config, bundle_path, cid, detach=detach, systemd_cgroup=systemd_cgroup,
            engine=engine, strict=strict,
        )  # fmt: skip
        return sandbox

    def plan_annotations(
        self,
        annotations: Mapping[str, str] | None,
        runtime_config: Any,
        *,
        engine: Engine,
        strict: bool = False,
    ) -> OverridePlan:
        """The overrides' decisions against the sandbox the runtime configuration alone gives."""
        from .sandbox import plan_annotations

        return plan_annotations(annotations, runtime_config, engine=engine, strict=strict)

    def calculate_sandbox_sizing(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> Sizing:
        """``CalculateSandboxSizing``: containerd's sandbox keys only, whichever CRI wrote the spec."""
        from .sizing import calculate_sandbox_sizing

        return calculate_sandbox_sizing(spec)


class _StaticPlan(SandboxPlan):
    """A 4.1 plan: :attr:`sandbox` also applies static sandbox resource management, as Kata does."""

    __slots__ = ()

    @property
    def sandbox(self) -> Any:
        from .sandbox import static_resources

        return static_resources(self.plan.apply(self.base))


PROFILE = GoProfile()
