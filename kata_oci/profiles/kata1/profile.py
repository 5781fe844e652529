"""The ``kata1`` :class:`~kata_oci.Profile`: Kata 1.13's rules, through the seed's modules.

Every method hands the work to the module that has always done it, with the
same arguments, so a result through the profile is byte-identical to the
seed's. The modules load on first use: importing the profile is cheap.
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
    from kata_oci.sandbox import ContainerConfig, SandboxConfig
    from kata_oci.spec import Spec
    from kata_oci.types import Feature

    from .table import Declaration
    from .types import RuntimeConfig

__all__ = ["FROM_STRICT", "PROFILE", "Kata1Profile"]

#: ``host_checks`` left out: the 1.x loader's default (:data:`kata_oci.profiles.kata1.loader.FROM_STRICT`).
FROM_STRICT: Any = object()

_convert_module: ModuleType | None = None


def _convert() -> Any:
    """:mod:`kata_oci.convert`, imported on first use (once: this is on every conversion's path)."""
    global _convert_module
    if _convert_module is None:
        from kata_oci import convert

        _convert_module = convert
    return _convert_module


class Kata1Profile(Profile):
    """Kata Containers 1.13: ``virtcontainers/pkg/oci`` and ``pkg/katautils`` of kata-containers/runtime."""

    name: ClassVar[str] = "kata1"
    version: ClassVar[str] = "1.13.0"
    title: ClassVar[str] = "Kata Containers 1.13 (kata-runtime, virtcontainers/pkg/oci)"
    default_container_type: ClassVar[ContainerType] = ContainerType.POD_SANDBOX

    def __init__(self, features: Mapping[str, Feature] | None = None) -> None:
        #: The experimental features the loader accepts: the engine's that registered
        #: this profile (:meth:`for_engine`); ``None``, Kata 1.x's own (``newstore``).
        self.features = features

    def for_engine(self, engine: Engine) -> Kata1Profile:
        """A copy loading ``experimental`` names against ``engine``'s experimental features."""
        return type(self)(engine.features)

    @property
    def declarations(self) -> Sequence[Declaration]:
        from .table import DECLARATIONS

        return DECLARATIONS

    @property
    def removed_keys(self) -> Mapping[str, str]:
        """The Kata 4.1 keys Kata 1.x does not know, with the hint unknown-key decisions give."""
        from .table import LATER_KEYS

        return LATER_KEYS

    @property
    def runtime_config_type(self) -> type[RuntimeConfig]:
        from .types import RuntimeConfig

        return RuntimeConfig

    def load_runtime_config(
        self,
        path: str | os.PathLike[str],
        *,
        strict: bool = False,
        host_checks: Any = FROM_STRICT,
        builtin: bool = False,
    ) -> RuntimeConfig:
        """:func:`kata_oci.profiles.kata1.loader.load_runtime_config`.

        ``strict``: unknown keys are errors. ``host_checks``: a
        :class:`~kata_oci.HostChecks`, or ``None`` for none; left out, the
        seed's rule (host checks exactly when ``strict``). ``builtin``
        applies containerd-shim-kata-v2's rules.
        """
        from .loader import load_runtime_config

        options: dict[str, Any] = {} if host_checks is FROM_STRICT else {"host_checks": host_checks}
        config: RuntimeConfig = load_runtime_config(
            path, strict=strict, builtin=builtin, features=self.features, **options
        )
        return config

    def runtime_config_from_toml(
        self,
        data: str | bytes,
        *,
        file: str | None = None,
        strict: bool = False,
        host_checks: Any = FROM_STRICT,
        builtin: bool = False,
    ) -> RuntimeConfig:
        """:func:`.loader.runtime_config_from_toml` (options as :meth:`load_runtime_config`)."""
        from .loader import runtime_config_from_toml

        options: dict[str, Any] = {} if host_checks is FROM_STRICT else {"host_checks": host_checks}
        config: RuntimeConfig = runtime_config_from_toml(
            data, file=file, strict=strict, builtin=builtin, features=self.features, **options
        )
        return config

    def shipped_config(self) -> Path:
        """Kata 1.x's generated ``configuration-qemu.toml``, shipped inside kata-oci.

        :data:`kata_oci.profiles.kata1.loader.DEFAULT_CONFIG_RESOURCE`, found without
        importing the loader (``kata-oci resolve`` only needs its name).
        """
        from pathlib import Path

        return Path(self.shipped_config_file())

    def shipped_config_file(self) -> str:
        from kata_oci.profiles.base import shipped_file

        return shipped_file("data/configuration.toml")

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
        config: ContainerConfig = _convert().container_config(
            spec, bundle_path, cid, console, detach, engine=engine
        )
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
        base, plan = _convert().plan_sandbox_config(
            spec,
            runtime_config,
            bundle_path,
            cid,
            console,
            detach,
            systemd_cgroup,
            engine=engine,
            strict_annotations=strict,
        )
        return SandboxPlan(base, plan)

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
        sandbox: SandboxConfig = (_convert_module or _convert()).sandbox_config(
            spec,
            runtime_config,
            bundle_path,
            cid,
            console,
            detach,
            systemd_cgroup,
            engine=engine,
            strict_annotations=strict,
        )
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
        from kata_oci.convert import runtime_sandbox_config
        from kata_oci.overrides import plan_overrides
        from kata_oci.profiles.kata1.annotate import KATA1_TABLE

        base = runtime_sandbox_config(runtime_config)
        return plan_overrides(
            annotations, base, runtime_config, features=engine.features, strict=strict, table=KATA1_TABLE
        )


PROFILE = Kata1Profile()
