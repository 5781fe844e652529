"""The public API: every name importable from kata_oci, and seen by type checkers."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

import kata_oci

from helpers import ROOT

# The names the issues promise, importable from kata_oci itself.
PROMISED = [
    "Profile",
    "ProfileError",
    "get_profile",
    "list_profiles",
    "detect_profile",
    "find_runtime_config",
    "load_runtime_config",
    "plan_annotations",
    "ContainerType",
    "container_type",
    "sandbox_id",
    "get_container_type",
    "get_sandbox_config_path",
    "is_crio_container_manager",
    "cri_container_type_keys",
    "cri_sandbox_id_keys",
    "cri_container_types",
    "set_logger",
    "KataOCIError",
    "SpecError",
    "NoLinuxError",
    "ContainerTypeError",
    "SandboxIDError",
    "PluginError",
    "STATE_CREATED",
    "STATE_RUNNING",
    "STATE_STOPPED",
    "STATE_PAUSED",
    "KERNEL_MODULES_SEPARATOR",
    "parse_config_json",
    "decode_spec",
    "hookimpl",
    "Engine",
    "CRI",
    "RuntimeConfig",
    "FactoryConfig",
    "HypervisorConfig",
    "KataAgentConfig",
    "NetmonConfig",
    "NetworkConfig",
    "SandboxConfig",
    "ContainerConfig",
    "Cmd",
    "EnvVar",
    "Mount",
    "RootFs",
    "DeviceInfo",
    "Param",
    "ContainerStatus",
    "ContainerState",
    "StateString",
    "HypervisorType",
    "AgentType",
    "ProxyType",
    "ShimType",
    "NetInterworkingModel",
    "container_config",
    "sandbox_config",
    "env_vars",
    "state_to_oci_state",
    "status_to_oci_state",
    "get_oci_config",
    "DeviceError",
    "EnvVarError",
    "KernelParamError",
    "AnnotationError",
    "ConfigError",
    "load_runtime_config",
    "pod_identity",
    "calculate_sandbox_sizing",
    "calculate_container_sizing",
    "Sizing",
]


@pytest.mark.parametrize("name", sorted(kata_oci.__all__))
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(kata_oci, name) is not None or name == "__version__"


def test_the_promised_names_are_exported() -> None:
    assert set(PROMISED) - set(kata_oci.__all__) == set()


def test_type_checkers_see_every_export() -> None:
    tree = ast.parse((ROOT / "kata_oci" / "__init__.py").read_text())
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"
    )
    seen = {
        alias.asname or alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert set(kata_oci.__all__) - {"__version__"} == seen


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        kata_oci.no_such_name  # noqa: B018


def test_importing_kata_oci_imports_no_submodule() -> None:
    code = "import sys, kata_oci; print(sorted(m for m in sys.modules if m.startswith('kata_oci.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_error_is_a_kata_oci_error_and_a_value_error() -> None:
    from kata_oci import errors

    classes = [getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    exceptions = [c for c in classes if issubclass(c, BaseException)]
    assert len(exceptions) >= 12
    for cls in exceptions:
        assert issubclass(cls, kata_oci.KataOCIError), cls
        assert issubclass(cls, ValueError), cls
