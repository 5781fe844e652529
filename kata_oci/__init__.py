"""kata-oci: turn an OCI runtime bundle into a Kata Containers sandbox configuration.

A Python re-implementation of Kata Containers' ``pkg/oci``, one runtime profile
per Kata implementation (``kata1``: Kata 1.13; see :mod:`kata_oci.profiles`),
with the CRI-specific annotation keys supplied by plugins.

Every public name is importable from here. Importing ``kata_oci`` is cheap:
submodules load on first use of one of their names.
"""

# typing.TYPE_CHECKING without importing typing (~1 ms of every command's start-up).
TYPE_CHECKING = False

__version__ = "0.1.0"

# Public name -> submodule that defines it.
_EXPORTS: dict[str, str] = {
    # errors
    "KataOCIError": "errors",
    "SpecError": "errors",
    "SpecFileError": "errors",
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
    "ManifestError": "errors",
    "ProfileError": "errors",
    # spec model
    "Spec": "spec",
    "State": "spec",
    "decode_spec": "spec",
    "decode_state": "spec",
    "encode_spec": "spec",
    "parse_config_json": "spec",
    "to_json": "spec",
    # configuration types
    "RuntimeConfig": "profiles.kata1.types",
    "HypervisorConfig": "profiles.kata1.types",
    "KataAgentConfig": "profiles.kata1.types",
    "NetmonConfig": "profiles.kata1.types",
    "ProxyConfig": "profiles.kata1.types",
    "ShimConfig": "profiles.kata1.types",
    "FactoryConfig": "profiles.kata1.types",
    "Feature": "types",
    "Param": "types",
    "HypervisorType": "profiles.kata1.types",
    "AgentType": "profiles.kata1.types",
    "ProxyType": "profiles.kata1.types",
    "ShimType": "profiles.kata1.types",
    "NetInterworkingModel": "types",
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
    # runtime profiles
    "Profile": "profiles",
    "SandboxPlan": "profiles",
    "get_profile": "profiles",
    "list_profiles": "profiles",
    "detect_profile": "profiles",
    "compare_profiles": "compare",
    "ProfileComparison": "compare",
    "runtime_profile": "api",
    "ConfigChoice": "api",
    # Kata configuration files (load_runtime_config follows the file's profile)
    "load_runtime_config": "api",
    "find_runtime_config": "api",
    "runtime_config_from_toml": "api",
    "find_config_file": "profiles.kata1.loader",
    "HostChecks": "hostchecks",
    "read_toml": "files",
    # conversion (following the runtime configuration's profile)
    "container_config": "api",
    "sandbox_config": "api",
    "plan_sandbox_config": "api",
    "plan_annotations": "api",
    "network_config": "convert",
    "shm_size": "convert",
    "env_vars": "convert",
    "state_to_oci_state": "convert",
    "status_to_oci_state": "convert",
    "get_oci_config": "convert",
    # annotation overrides
    "apply_overrides": "api",
    "plan_overrides": "api",
    "OverridePlan": "overrides",
    "Decision": "overrides",
    "Outcome": "overrides",
    "KeyIndex": "hints",
    # container type and sandbox ID
    "ContainerType": "types",
    "CRI": "cri",
    "IdentityKeys": "cri",
    "SizingKeys": "cri",
    "container_type": "api",
    "sandbox_id": "api",
    "get_container_type": "identity",
    "get_sandbox_config_path": "identity",
    "is_crio_container_manager": "identity",
    "cri_container_type_keys": "identity",
    "cri_sandbox_id_keys": "identity",
    "cri_container_types": "identity",
    # pod identity and sizing
    "PodIdentity": "pod",
    "pod_identity": "api",
    "CRIConflictError": "pod",
    "Sizing": "sizing",
    "calculate_sandbox_sizing": "api",
    "calculate_container_sizing": "api",
    "calculate_vm_resources": "sizing",
    # Kubernetes manifests
    "check_manifests": "k8s",
    "Cluster": "k8s",
    "NodeConfig": "k8s",
    "read_manifests": "k8s",
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


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kata_oci' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .api import (
        ConfigChoice as ConfigChoice,
        apply_overrides as apply_overrides,
        calculate_container_sizing as calculate_container_sizing,
        calculate_sandbox_sizing as calculate_sandbox_sizing,
        container_config as container_config,
        container_type as container_type,
        find_runtime_config as find_runtime_config,
        load_runtime_config as load_runtime_config,
        plan_annotations as plan_annotations,
        plan_overrides as plan_overrides,
        plan_sandbox_config as plan_sandbox_config,
        pod_identity as pod_identity,
        runtime_config_from_toml as runtime_config_from_toml,
        runtime_profile as runtime_profile,
        sandbox_config as sandbox_config,
        sandbox_id as sandbox_id,
    )
    from .compare import (
        ProfileComparison as ProfileComparison,
        compare_profiles as compare_profiles,
    )
    from .convert import (
        env_vars as env_vars,
        get_oci_config as get_oci_config,
        network_config as network_config,
        shm_size as shm_size,
        state_to_oci_state as state_to_oci_state,
        status_to_oci_state as status_to_oci_state,
    )
    from .cri import (
        CRI as CRI,
        IdentityKeys as IdentityKeys,
        SizingKeys as SizingKeys,
    )
    from .engine import (
        Answer as Answer,
        Engine as Engine,
        Resolution as Resolution,
        SizingAnswer as SizingAnswer,
        default_engine as default_engine,
        reset_default_engine as reset_default_engine,
        set_default_engine as set_default_engine,
    )
    from .errors import (
        AnnotationError as AnnotationError,
        AnnotationProblem as AnnotationProblem,
        ConfigError as ConfigError,
        ContainerTypeError as ContainerTypeError,
        DeviceError as DeviceError,
        EnvVarError as EnvVarError,
        KataOCIError as KataOCIError,
        KernelParamError as KernelParamError,
        ManifestError as ManifestError,
        NoLinuxError as NoLinuxError,
        PluginError as PluginError,
        ProfileError as ProfileError,
        SandboxIDError as SandboxIDError,
        ShmSizeError as ShmSizeError,
        SpecError as SpecError,
        SpecFileError as SpecFileError,
    )
    from .features import (
        features_document as features_document,
    )
    from .files import read_toml as read_toml
    from .hints import KeyIndex as KeyIndex
    from .hookspecs import (
        hookimpl as hookimpl,
        hookspec as hookspec,
    )
    from .hostchecks import HostChecks as HostChecks
    from .identity import (
        cri_container_type_keys as cri_container_type_keys,
        cri_container_types as cri_container_types,
        cri_sandbox_id_keys as cri_sandbox_id_keys,
        get_container_type as get_container_type,
        get_sandbox_config_path as get_sandbox_config_path,
        is_crio_container_manager as is_crio_container_manager,
    )
    from .k8s import (
        Cluster as Cluster,
        NodeConfig as NodeConfig,
        check_manifests as check_manifests,
        read_manifests as read_manifests,
    )
    from .log import (
        set_logger as set_logger,
    )
    from .overrides import (
        Decision as Decision,
        Outcome as Outcome,
        OverridePlan as OverridePlan,
    )
    from .pod import (
        CRIConflictError as CRIConflictError,
        PodIdentity as PodIdentity,
    )
    from .profiles import (
        Profile as Profile,
        SandboxPlan as SandboxPlan,
        detect_profile as detect_profile,
        get_profile as get_profile,
        list_profiles as list_profiles,
    )
    from .profiles.kata1.loader import find_config_file as find_config_file
    from .profiles.kata1.types import (
        AgentType as AgentType,
        FactoryConfig as FactoryConfig,
        HypervisorConfig as HypervisorConfig,
        HypervisorType as HypervisorType,
        KataAgentConfig as KataAgentConfig,
        NetmonConfig as NetmonConfig,
        ProxyConfig as ProxyConfig,
        ProxyType as ProxyType,
        RuntimeConfig as RuntimeConfig,
        ShimConfig as ShimConfig,
        ShimType as ShimType,
    )
    from .sandbox import (
        DEFAULT_SHM_SIZE as DEFAULT_SHM_SIZE,
        Cmd as Cmd,
        ContainerConfig as ContainerConfig,
        ContainerState as ContainerState,
        ContainerStatus as ContainerStatus,
        DeviceInfo as DeviceInfo,
        EnvVar as EnvVar,
        Mount as Mount,
        NetworkConfig as NetworkConfig,
        RootFs as RootFs,
        SandboxConfig as SandboxConfig,
        StateString as StateString,
    )
    from .sizing import (
        Sizing as Sizing,
        calculate_vm_resources as calculate_vm_resources,
    )
    from .spec import (
        Spec as Spec,
        State as State,
        decode_spec as decode_spec,
        decode_state as decode_state,
        encode_spec as encode_spec,
        parse_config_json as parse_config_json,
        to_json as to_json,
    )
    from .state import (
        KERNEL_MODULES_SEPARATOR as KERNEL_MODULES_SEPARATOR,
        STATE_CREATED as STATE_CREATED,
        STATE_PAUSED as STATE_PAUSED,
        STATE_RUNNING as STATE_RUNNING,
        STATE_STOPPED as STATE_STOPPED,
    )
    from .types import (
        ContainerType as ContainerType,
        Feature as Feature,
        NetInterworkingModel as NetInterworkingModel,
        Param as Param,
    )
