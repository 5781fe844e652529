"""What runtime-rs 4.1.0 holds for a sandbox: its configuration after every step of ``load_config``.

In runtime-rs's order (crates/runtimes/src/manager.rs): the annotations
(:func:`.annotate.plan_annotations`), the agent's kernel parameters put before the
hypervisor's (``update_agent_kernel_params``), ``TomlConfig::validate()``, then the initial
size from the spec and the CRI sizing annotations (``InitialSizeManager::setup_config``).

A validation failure that only the annotations cause is charged to the annotation that
causes it on its own (rejected, "runtime-rs applies it, then its configuration check
fails: ..."); one that the configuration has without annotations, or that only a
combination causes, is the plan's ``config_error``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from kata_oci.errors import ConfigError, KataOCIError
from kata_oci.overrides import Outcome

from . import hypervisors
from .annotate import RsOverridePlan, plan_annotations, with_agent_kernel_params
from .hypervisors import HostFacts
from .sizing import InitialSize, container_type_with_id, initial_size, setup_config
from .types import Agent, Hypervisor, TomlConfig, copy_config

__all__ = ["RsSandbox", "RsSandboxPlan", "plan_sandbox", "sandbox_config"]


class RsSandbox(msgspec.Struct, kw_only=True):
    """A sandbox as runtime-rs configures it.

    ``config`` is the whole :class:`~.types.TomlConfig` after annotations, kernel parameters,
    validation and static sizing; ``hypervisor`` and ``agent`` are its tables in use.
    """

    id: str
    container_type: str
    hypervisor_name: str
    agent_name: str
    hypervisor: Hypervisor
    agent: Agent
    agent_kernel_params: dict[str, str]
    initial_size: InitialSize
    orig_default_memory: int
    config: TomlConfig
    profile: str = "rs"


class RsSandboxPlan(RsOverridePlan, frozen=True):
    """:class:`~.annotate.RsOverridePlan` with the sandbox runtime-rs would create."""

    sandbox: RsSandbox | None = None

    def apply(self, base: Any = None) -> Any:
        """The sandbox (``base`` is not used: the plan holds the result), or the error."""
        self.raise_for_rejected()
        assert self.sandbox is not None
        return self.sandbox


def _validated(config: TomlConfig, host: HostFacts | None) -> ConfigError | None:
    try:
        hypervisors.validate(config, host)
    except ConfigError as e:
        return e
    return None


def _blame(
    annotations: Mapping[str, str],
    runtime_config: TomlConfig,
    plan: RsOverridePlan,
    error: ConfigError,
    host: HostFacts | None,
) -> RsOverridePlan:
    """Charge a validation failure to the annotations that cause it alone."""
    base = copy_config(runtime_config)
    with_agent_kernel_params(base)
    if _validated(base, host) is not None:
        return msgspec.structs.replace(
            plan, config=None, config_error=error
        )  # the configuration's own failure
    decisions = list(plan.decisions)
    blamed = False
    for i, d in enumerate(decisions):
        if d.outcome is not Outcome.APPLIED:
            continue
        alone = plan_annotations({d.key: annotations[d.key]}, runtime_config, host_checks=host)
        if alone.config is None:
            continue
        why = _validated(with_agent_kernel_params(alone.config), host)
        if why is not None:
            decisions[i] = msgspec.structs.replace(
                d,
                outcome=Outcome.REJECTED,
                reason=f"runtime-rs applies it, then its configuration check fails: {why.reason}",
            )
            blamed = True
    if blamed:
        return msgspec.structs.replace(plan, decisions=tuple(decisions), config=None, config_error=None)
    return msgspec.structs.replace(
        plan,
        config=None,
        config_error=ConfigError(f"after the annotations: {error.reason}", file=error.file, key=error.key),
    )


def plan_sandbox(
    spec: Any,
    runtime_config: TomlConfig,
    cid: str = "",
    *,
    strict: bool = False,
    host_checks: Any = None,
    hints: bool = True,
) -> RsSandboxPlan:
    """Every annotation's verdict and, when none is rejected, the sandbox runtime-rs would create.

    ``spec`` is a :class:`kata_oci.Spec` (its annotations and ``linux.resources``);
    ``cid`` names the sandbox when the spec is not a pod container's. ``hints=False``
    skips the hints of unknown keys that are not rejected (see :func:`.annotate.plan_annotations`).
    """
    host = HostFacts.of(host_checks)
    annotations: Mapping[str, str] = getattr(spec, "annotations", None) or {}
    plan = plan_annotations(annotations, runtime_config, strict=strict, host_checks=host, hints=hints)
    if plan.config is None:
        return RsSandboxPlan(plan.decisions, config_error=plan.config_error)
    config = with_agent_kernel_params(plan.config)
    kernel_params = hypervisors.agent_kernel_params(config)
    error = _validated(config, host)
    if error is not None:
        blamed = _blame(annotations, runtime_config, plan, error, host)
        return RsSandboxPlan(blamed.decisions, config_error=blamed.config_error)
    size = initial_size(spec)
    try:
        orig = setup_config(size, config)
    except ConfigError as e:
        return RsSandboxPlan(plan.decisions, config_error=e)
    kind, sandbox_id = container_type_with_id(annotations)
    sandbox = RsSandbox(
        id=sandbox_id or cid,
        container_type=kind,
        hypervisor_name=config.runtime.hypervisor_name,
        agent_name=config.runtime.agent_name,
        hypervisor=config.hypervisor[config.runtime.hypervisor_name],
        agent=config.agent[config.runtime.agent_name],
        agent_kernel_params=kernel_params,
        initial_size=size,
        orig_default_memory=orig,
        config=config,
    )
    return RsSandboxPlan(plan.decisions, config=config, sandbox=sandbox)


def sandbox_config(
    spec: Any, runtime_config: TomlConfig, cid: str = "", *, strict: bool = False, host_checks: Any = None
) -> RsSandbox:
    """The sandbox runtime-rs would create, or the :class:`~kata_oci.KataOCIError` it fails with."""
    # only the rejections show: no hints for the unknown keys that are not
    plan = plan_sandbox(spec, runtime_config, cid, strict=strict, host_checks=host_checks, hints=False)
    result = plan.apply()
    if not isinstance(result, RsSandbox):  # pragma: no cover - apply returns the sandbox or raises
        raise KataOCIError("no sandbox")
    return result
