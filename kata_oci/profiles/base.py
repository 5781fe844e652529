"""What a runtime profile is: everything that differs between Kata implementations.

A :class:`Profile` holds one Kata implementation's rules (``kata1``: Kata
1.13; ``go``: the Go runtime of Kata 4.1; ``rs``: runtime-rs 4.1): its
annotation table, its configuration types and loader, its conversion of a
spec into a sandbox configuration, its container-type default and its sizing
rules. kata-oci's public functions (:func:`kata_oci.sandbox_config`,
:func:`kata_oci.load_runtime_config`, ...) find the profile of the runtime
configuration they are given (every profile's ``RuntimeConfig`` has a
``profile`` attribute naming it) and hand the work to it.

A profile is registered through the ``kata_oci_declare_profile`` hook (see
:mod:`kata_oci.hookspecs`), the built-in ones by the core itself, so a Kata
fork ships its own as an ordinary kata-oci plugin. Subclass :class:`Profile`,
set the class attributes, implement the abstract methods; the defaults of the
others (container type, sandbox ID and sizing through the engine's CRI
plugins) are Kata's since 2.0.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from kata_oci.types import ContainerType

if TYPE_CHECKING:
    from pathlib import Path

    from kata_oci.engine import Engine
    from kata_oci.overrides import Decision, OverridePlan
    from kata_oci.sizing import Sizing
    from kata_oci.spec import Spec

__all__ = [
    "CONFIG_FILE_ENV",
    "DEFAULT_CONFIG_PATHS",
    "DeclarationLike",
    "Profile",
    "SandboxPlan",
    "find_config_file",
    "find_config_path",
    "shipped_file",
]

#: The ``kata_oci`` package directory: shipped data files are found relative to it
#: with :mod:`os.path` (what ``importlib.resources.files("kata_oci")`` gives for an
#: installed package, without importing ``importlib.resources``, ``zipfile`` and
#: ``tempfile`` at start-up).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shipped_file(resource: str) -> str:
    """The path of ``resource`` (``"data/configuration.toml"``) inside the installed package."""
    return os.path.join(PACKAGE_DIR, *resource.split("/"))


#: The environment variable naming the configuration file (Kata 1.x and 4.1 alike).
CONFIG_FILE_ENV = "KATA_CONF_FILE"

#: Kata's default configuration files, in priority order (``GetDefaultConfigFilePaths``,
#: the same in Kata 1.x and 4.1).
DEFAULT_CONFIG_PATHS: tuple[str, ...] = (
    "/etc/kata-containers/configuration.toml",
    "/usr/share/defaults/kata-containers/configuration.toml",
)


def find_config_file(
    env: Mapping[str, str] | None = None, paths: Sequence[str] = DEFAULT_CONFIG_PATHS
) -> tuple[Path, str] | None:
    """Kata's look-up: the configuration file and where it was found, or ``None``.

    ``$KATA_CONF_FILE`` when set and not empty (returned even if it does not
    exist: Kata then fails rather than falling back), else the first of
    ``paths`` that exists (symlinks followed; returned as listed). The second
    item says which: ``"$KATA_CONF_FILE"`` or ``"default path"``. ``env``
    defaults to :data:`os.environ`.
    """
    from pathlib import Path

    found = find_config_path(env, paths)
    return None if found is None else (Path(found[0]), found[1])


def find_config_path(
    env: Mapping[str, str] | None = None, paths: Sequence[str] = DEFAULT_CONFIG_PATHS
) -> tuple[str, str] | None:
    """:func:`find_config_file` with the path as text, as ``str(Path(...))`` would give it.

    Without importing :mod:`pathlib` (~3 ms of ``kata-oci resolve``) when the
    file is one of ``paths`` (absolute, normalised): ``$KATA_CONF_FILE`` is
    normalised by :class:`pathlib.Path` as before.
    """
    environ = os.environ if env is None else env
    if configured := environ.get(CONFIG_FILE_ENV):
        from pathlib import Path

        return str(Path(configured)), f"${CONFIG_FILE_ENV}"
    for candidate in paths:
        if os.path.exists(candidate):
            return candidate, "default path"
    return None


class DeclarationLike(Protocol):
    """One row of a profile's annotation table, as the CLI and reports read it."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...  # a str-valued enum: "bool", "uint32", ...
    @property
    def target(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def gated(self) -> bool: ...
    @property
    def unsafe(self) -> bool: ...
    def checks(self) -> list[str]: ...


class SandboxPlan(NamedTuple):
    """A sandbox configuration before annotation overrides, and what each override would do.

    Unpacks as ``base, plan`` (what :func:`kata_oci.plan_sandbox_config` has
    always returned). :attr:`sandbox` is the result the overrides give, or
    raises the error they cause; :attr:`decisions` says per annotation what
    happens (applied, rejected, ignored or unknown).
    """

    base: Any
    plan: OverridePlan

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return self.plan.decisions

    @property
    def sandbox(self) -> Any:
        """``plan.apply(base)``: the sandbox configuration, or the error of a rejected override."""
        return self.plan.apply(self.base)


class Profile(abc.ABC):
    """One Kata implementation's rules. Subclass it; one instance per profile.

    Class attributes: ``name`` (what ``--kata`` and ``profile=`` take, and what
    the profile's ``RuntimeConfig.profile`` says), ``version`` (of the Kata it
    mirrors), ``title`` (one line for people), ``default_container_type`` (the
    container type of a spec no CRI annotated), ``config_paths`` (the files
    Kata looks for, in order).

    Methods taking ``engine`` use its CRI plugins (container type, sandbox
    ID, sizing) and its experimental features; the caller passes it
    (:func:`kata_oci.default_engine` at the top).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    title: ClassVar[str]
    default_container_type: ClassVar[ContainerType] = ContainerType.SINGLE_CONTAINER
    config_paths: ClassVar[tuple[str, ...]] = DEFAULT_CONFIG_PATHS

    def __repr__(self) -> str:
        return f"<kata-oci profile {self.name} (Kata {self.version})>"

    def for_engine(self, engine: Engine) -> Profile:
        """This profile as ``engine`` registers it; the engine calls this once, collecting profiles.

        The default is the profile itself. A profile whose engine-less methods
        (the loader) need something of the engine's returns a copy holding it:
        ``kata1``'s loader looks ``experimental`` names up among the engine's
        experimental features.
        """
        return self

    # -- the annotation table ------------------------------------------------------

    @property
    @abc.abstractmethod
    def declarations(self) -> Sequence[DeclarationLike]:
        """The annotation table: one row per ``io.katacontainers.`` key this Kata applies."""

    @property
    def removed_keys(self) -> Mapping[str, str]:
        """Keys of other profiles or older Katas this one does not know -> a hint sentence."""
        return {}

    # -- the configuration file --------------------------------------------------------

    @property
    @abc.abstractmethod
    def runtime_config_type(self) -> type:
        """The ``RuntimeConfig`` type :meth:`load_runtime_config` returns."""

    @abc.abstractmethod
    def load_runtime_config(
        self, path: str | os.PathLike[str], *, strict: bool = False, host_checks: Any = None
    ) -> Any:
        """Load ``path`` as this Kata does. ``strict``: unknown keys are errors.

        ``host_checks`` (a :class:`kata_oci.hostchecks.HostChecks`, ``None`` for
        none) turns on the checks Kata's loader makes of the host. Raises
        :class:`kata_oci.ConfigError`.
        """

    def runtime_config_from_toml(
        self, data: str | bytes, *, file: str | None = None, strict: bool = False, host_checks: Any = None
    ) -> Any:
        """:meth:`load_runtime_config` for configuration text in memory (``file`` names it in errors).

        What ``kata-oci --config -`` reads standard input with. A profile
        that cannot load text raises :class:`kata_oci.ConfigError` (the default).
        """
        from kata_oci.errors import ConfigError

        raise ConfigError(f"profile {self.name!r} reads configuration files only, not text", file=file)

    def shipped_config(self) -> Path | None:
        """The configuration kata-oci ships for this profile, used when no file is found."""
        return None

    def shipped_config_file(self) -> str | None:
        """:meth:`shipped_config` as text; the built-in profiles answer without :mod:`pathlib`."""
        shipped = self.shipped_config()
        return None if shipped is None else str(shipped)

    def find_config_file(self, env: Mapping[str, str] | None = None) -> Path | None:
        """The configuration file this Kata would use, or ``None`` when there is none.

        ``$KATA_CONF_FILE`` when set (returned even if missing: Kata then
        fails rather than falling back), else the first of
        :attr:`config_paths` that exists.
        """
        found = find_config_file(env, self.config_paths)
        return None if found is None else found[0]

    @abc.abstractmethod
    def detect(self, doc: Mapping[str, Any]) -> int:
        """How sure (0 to 100) this profile is that the parsed TOML ``doc`` is one of its files.

        0: not this profile's (a section or hypervisor it does not know). 100:
        only this profile has what the file holds. In between for files that
        carry some of its marks. The registry picks the highest score and
        refuses a tie or an all-zero result.
        """

    def enable_annotations(self, runtime_config: Any) -> list[str]:
        """The configuration's ``enable_annotations`` patterns (of the hypervisor in use)."""
        return list(runtime_config.hypervisor_config.enable_annotations)

    def annotation_enabled(self, key: str, runtime_config: Any) -> tuple[bool, str | None]:
        """Whether ``runtime_config`` lets annotation ``key`` through, and the pattern that does.

        Kata's gate, the same from 1.x to 4.1: a hypervisor key must match
        one of ``hypervisor_config.enable_annotations`` (see
        :func:`kata_oci.profiles.kata1.table.is_enabled`); other keys always pass.
        """
        from kata_oci.profiles.kata1.table import is_enabled

        return is_enabled(key, runtime_config)

    # -- conversion --------------------------------------------------------------------

    @abc.abstractmethod
    def container_config(
        self,
        spec: Spec,
        bundle_path: str,
        cid: str,
        *,
        engine: Engine,
        console: str = "",
        detach: bool = False,
    ) -> Any:
        """The container configuration of ``spec`` (Go's ``oci.ContainerConfig``)."""

    @abc.abstractmethod
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
        """The sandbox configuration before overrides and each override's decision.

        ``strict`` rejects unknown ``io.katacontainers.`` keys instead of
        warning about them. Raises a :class:`kata_oci.KataOCIError` for a spec
        that cannot be converted at all.
        """

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
        """The sandbox configuration (Go's ``oci.SandboxConfig``), every override applied or none.

        Raises :class:`kata_oci.AnnotationError` listing every rejected override.
        """
        return self.plan_sandbox_config(
            spec,
            runtime_config,
            bundle_path,
            cid,
            engine=engine,
            console=console,
            detach=detach,
            systemd_cgroup=systemd_cgroup,
            strict=strict,
        ).sandbox

    @abc.abstractmethod
    def plan_annotations(
        self,
        annotations: Mapping[str, str] | None,
        runtime_config: Any,
        *,
        engine: Engine,
        strict: bool = False,
    ) -> OverridePlan:
        """Each annotation's verdict against ``runtime_config``, without a bundle.

        What a manifest checker or an admission webhook asks: the decisions
        are those :meth:`plan_sandbox_config` would make for a spec with
        these annotations.
        """

    # -- container type, sandbox ID, sizing ------------------------------------------------

    def container_type(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> ContainerType:
        """The container type from the CRI annotations; :attr:`default_container_type` without one."""
        return engine.container_type(spec, strict=strict, default=self.default_container_type)

    def sandbox_id(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> str:
        """The sandbox ID from the CRI annotations (raises :class:`kata_oci.SandboxIDError`)."""
        return engine.sandbox_id(spec, strict=strict)

    def calculate_sandbox_sizing(
        self, spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
    ) -> Sizing:
        """The pod sandbox's resources from its CRI's annotations (Go's ``CalculateSandboxSizing``)."""
        return engine.sandbox_sizing(spec, strict=strict)

    def calculate_container_sizing(self, spec: Spec | None) -> Sizing:
        """A container's resources from its ``linux.resources`` (Go's ``CalculateContainerSizing``)."""
        from kata_oci.sizing import calculate_container_sizing

        return calculate_container_sizing(spec)
