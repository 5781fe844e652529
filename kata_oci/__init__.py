"""kata-oci: turn an OCI runtime bundle into a Kata Containers sandbox configuration.

A Python re-implementation of Kata Containers 1.x ``virtcontainers/pkg/oci``,
with the CRI-specific annotation keys supplied by plugins.

Every public name is importable from here. Importing ``kata_oci`` is cheap:
submodules load on first use of one of their names.
"""

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> submodule that defines it.
_EXPORTS: dict[str, str] = {
    # errors
    "KataOCIError": "errors",
    "SpecError": "errors",
    "NoLinuxError": "errors",
    "ContainerTypeError": "errors",
    "SandboxIDError": "errors",
    "PluginError": "errors",
    "DeviceError": "errors",
    "EnvVarError": "errors",
    "KernelParamError": "errors",
    "ShmSizeError": "errors",
    "AnnotationError": "errors",
    "AnnotationProblem": "errors",
    "ConfigError": "errors",
    # spec model
    "Spec": "spec",
    "State": "spec",
    "decode_spec": "spec",
    "decode_state": "spec",
    "encode_spec": "spec",
    "parse_config_json": "spec",
    "to_json": "spec",
    # configuration types
    "RuntimeConfig": "config",
    "HypervisorConfig": "config",
    "KataAgentConfig": "config",
    "NetmonConfig": "config",
    "ProxyConfig": "config",
    "ShimConfig": "config",
    "FactoryConfig": "config",
    "Feature": "config",
    "Param": "config",
    "HypervisorType": "config",
    "AgentType": "config",
    "ProxyType": "config",
    "ShimType": "config",
    "NetInterworkingModel": "config",
    "SandboxConfig": "sandbox",
    "ContainerConfig": "sandbox",
    "NetworkConfig": "sandbox",
    "Cmd": "sandbox",
    "EnvVar": "sandbox",
    "Mount": "sandbox",
    "RootFs": "sandbox",
    "DeviceInfo": "sandbox",
    "ContainerStatus": "sandbox",
    "ContainerState": "sandbox",
    "StateString": "sandbox",
    "DEFAULT_SHM_SIZE": "sandbox",
    # Kata configuration files
    "load_runtime_config": "configfile",
    "runtime_config_from_toml": "configfile",
    "find_config_file": "configfile",
    # conversion
    "container_config": "convert",
    "sandbox_config": "convert",
    "plan_sandbox_config": "convert",
    "network_config": "convert",
    "shm_size": "convert",
    "env_vars": "convert",
    "state_to_oci_state": "convert",
    "status_to_oci_state": "convert",
    "get_oci_config": "convert",
    # annotation overrides
    "apply_overrides": "overrides",
    "plan_overrides": "overrides",
    "OverridePlan": "overrides",
    "Decision": "overrides",
    "Outcome": "overrides",
    # container type and sandbox ID
    "ContainerType": "types",
    "CRI": "cri",
    "IdentityKeys": "cri",
    "SizingKeys": "cri",
    "container_type": "identity",
    "sandbox_id": "identity",
    "get_container_type": "identity",
    "get_sandbox_config_path": "identity",
    "is_crio_container_manager": "identity",
    "cri_container_type_keys": "identity",
    "cri_sandbox_id_keys": "identity",
    "cri_container_types": "identity",
    # pod identity and sizing
    "PodIdentity": "pod",
    "pod_identity": "pod",
    "CRIConflictError": "pod",
    "Sizing": "sizing",
    "calculate_sandbox_sizing": "sizing",
    "calculate_container_sizing": "sizing",
    "calculate_vm_resources": "sizing",
    # features document
    "features_document": "features",
    # engine and plugins
    "Engine": "engine",
    "Resolution": "engine",
    "Answer": "engine",
    "SizingAnswer": "engine",
    "default_engine": "engine",
    "set_default_engine": "engine",
    "reset_default_engine": "engine",
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    # logging
    "set_logger": "log",
    # constants
    "STATE_CREATED": "state",
    "STATE_RUNNING": "state",
    "STATE_STOPPED": "state",
    "STATE_PAUSED": "state",
    "KERNEL_MODULES_SEPARATOR": "state",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kata_oci' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .config import (
        AgentType as AgentType,
    )
    from .config import (
        FactoryConfig as FactoryConfig,
    )
    from .config import (
        Feature as Feature,
    )
    from .config import (
        HypervisorConfig as HypervisorConfig,
    )
    from .config import (
        HypervisorType as HypervisorType,
    )
    from .config import (
        KataAgentConfig as KataAgentConfig,
    )
    from .config import (
        NetInterworkingModel as NetInterworkingModel,
    )
    from .config import (
        NetmonConfig as NetmonConfig,
    )
    from .config import (
        Param as Param,
    )
    from .config import (
        ProxyConfig as ProxyConfig,
    )
    from .config import (
        ProxyType as ProxyType,
    )
    from .config import (
        RuntimeConfig as RuntimeConfig,
    )
    from .config import (
        ShimConfig as ShimConfig,
    )
    from .config import (
        ShimType as ShimType,
    )
    from .configfile import (
        find_config_file as find_config_file,
    )
    from .configfile import (
        load_runtime_config as load_runtime_config,
    )
    from .configfile import (
        runtime_config_from_toml as runtime_config_from_toml,
    )
    from .convert import (
        container_config as container_config,
    )
    from .convert import (
        env_vars as env_vars,
    )
    from .convert import (
        get_oci_config as get_oci_config,
    )
    from .convert import (
        network_config as network_config,
    )
    from .convert import (
        plan_sandbox_config as plan_sandbox_config,
    )
    from .convert import (
        sandbox_config as sandbox_config,
    )
    from .convert import (
        shm_size as shm_size,
    )
    from .convert import (
        state_to_oci_state as state_to_oci_state,
    )
    from .convert import (
        status_to_oci_state as status_to_oci_state,
    )
    from .cri import (
        CRI as CRI,
    )
    from .cri import (
        IdentityKeys as IdentityKeys,
    )
    from .cri import (
        SizingKeys as SizingKeys,
    )
    from .engine import (
        Answer as Answer,
    )
    from .engine import (
        Engine as Engine,
    )
    from .engine import (
        Resolution as Resolution,
    )
    from .engine import (
        SizingAnswer as SizingAnswer,
    )
    from .engine import (
        default_engine as default_engine,
    )
    from .engine import (
        reset_default_engine as reset_default_engine,
    )
    from .engine import (
        set_default_engine as set_default_engine,
    )
    from .errors import (
        AnnotationError as AnnotationError,
    )
    from .errors import (
        AnnotationProblem as AnnotationProblem,
    )
    from .errors import (
        ConfigError as ConfigError,
    )
    from .errors import (
        ContainerTypeError as ContainerTypeError,
    )
    from .errors import (
        DeviceError as DeviceError,
    )
    from .errors import (
        EnvVarError as EnvVarError,
    )
    from .errors import (
        KataOCIError as KataOCIError,
    )
    from .errors import (
        KernelParamError as KernelParamError,
    )
    from .errors import (
        NoLinuxError as NoLinuxError,
    )
    from .errors import (
        PluginError as PluginError,
    )
    from .errors import (
        SandboxIDError as SandboxIDError,
    )
    from .errors import (
        ShmSizeError as ShmSizeError,
    )
    from .errors import (
        SpecError as SpecError,
    )
    from .features import (
        features_document as features_document,
    )
    from .hookspecs import (
        hookimpl as hookimpl,
    )
    from .hookspecs import (
        hookspec as hookspec,
    )
    from .identity import (
        container_type as container_type,
    )
    from .identity import (
        cri_container_type_keys as cri_container_type_keys,
    )
    from .identity import (
        cri_container_types as cri_container_types,
    )
    from .identity import (
        cri_sandbox_id_keys as cri_sandbox_id_keys,
    )
    from .identity import (
        get_container_type as get_container_type,
    )
    from .identity import (
        get_sandbox_config_path as get_sandbox_config_path,
    )
    from .identity import (
        is_crio_container_manager as is_crio_container_manager,
    )
    from .identity import (
        sandbox_id as sandbox_id,
    )
    from .log import (
        set_logger as set_logger,
    )
    from .overrides import (
        Decision as Decision,
    )
    from .overrides import (
        Outcome as Outcome,
    )
    from .overrides import (
        OverridePlan as OverridePlan,
    )
    from .overrides import (
        apply_overrides as apply_overrides,
    )
    from .overrides import (
        plan_overrides as plan_overrides,
    )
    from .pod import (
        CRIConflictError as CRIConflictError,
    )
    from .pod import (
        PodIdentity as PodIdentity,
    )
    from .pod import (
        pod_identity as pod_identity,
    )
    from .sandbox import (
        DEFAULT_SHM_SIZE as DEFAULT_SHM_SIZE,
    )
    from .sandbox import (
        Cmd as Cmd,
    )
    from .sandbox import (
        ContainerConfig as ContainerConfig,
    )
    from .sandbox import (
        ContainerState as ContainerState,
    )
    from .sandbox import (
        ContainerStatus as ContainerStatus,
    )
    from .sandbox import (
        DeviceInfo as DeviceInfo,
    )
    from .sandbox import (
        EnvVar as EnvVar,
    )
    from .sandbox import (
        Mount as Mount,
    )
    from .sandbox import (
        NetworkConfig as NetworkConfig,
    )
    from .sandbox import (
        RootFs as RootFs,
    )
    from .sandbox import (
        SandboxConfig as SandboxConfig,
    )
    from .sandbox import (
        StateString as StateString,
    )
    from .sizing import (
        Sizing as Sizing,
    )
    from .sizing import (
        calculate_container_sizing as calculate_container_sizing,
    )
    from .sizing import (
        calculate_sandbox_sizing as calculate_sandbox_sizing,
    )
    from .sizing import (
        calculate_vm_resources as calculate_vm_resources,
    )
    from .spec import (
        Spec as Spec,
    )
    from .spec import (
        State as State,
    )
    from .spec import (
        decode_spec as decode_spec,
    )
    from .spec import (
        decode_state as decode_state,
    )
    from .spec import (
        encode_spec as encode_spec,
    )
    from .spec import (
        parse_config_json as parse_config_json,
    )
    from .spec import (
        to_json as to_json,
    )
    from .state import (
        KERNEL_MODULES_SEPARATOR as KERNEL_MODULES_SEPARATOR,
    )
    from .state import (
        STATE_CREATED as STATE_CREATED,
    )
    from .state import (
        STATE_PAUSED as STATE_PAUSED,
    )
    from .state import (
        STATE_RUNNING as STATE_RUNNING,
    )
    from .state import (
        STATE_STOPPED as STATE_STOPPED,
    )
    from .types import (
        ContainerType as ContainerType,
    )
