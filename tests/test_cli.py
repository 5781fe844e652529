"""The kata-oci command, through its real entry point, with its exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci import annotations as ka

from helpers import ROOT

KATA_OCI = Path(sys.executable).with_name("kata-oci")
EXAMPLES = ROOT / "examples" / "bundles"
SANDBOX = EXAMPLES / "containerd-pod-sandbox"
CONTAINER = EXAMPLES / "containerd-pod-container"
REJECTED = EXAMPLES / "containerd-rejected"
SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(KATA_OCI), *map(str, args)], capture_output=True, text=True, check=False, env=full_env, cwd=ROOT
    )


def test_entry_point_is_installed() -> None:
    assert KATA_OCI.exists()


@pytest.mark.parametrize("command", ["convert", "resolve", "check", "annotations", "plugins"])
def test_every_subcommand_explains_itself_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout
    assert "kata-oci " + command in result.stdout


def test_convert_prints_the_sandbox_config() -> None:
    result = run("convert", SANDBOX, "--id", "pod1", env={"KATA_CONF_FILE": str(SHIPPED)})
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["id"] == "pod1"
    assert doc["hypervisor_type"] == "qemu"
    assert doc["hypervisor_config"]["memory_size"] == 4096  # from the pod's annotation
    assert doc["hypervisor_config"]["kernel_params"][-1] == {"key": "agent.log", "value": "debug"}
    assert doc["containers"][0]["annotations"][ka.CONTAINER_TYPE_KEY] == "pod_sandbox"
    assert doc["network_config"]["net_ns_path"].startswith("/var/run/netns/cni-")
    assert doc["shm_size"] == 64 * 1024 * 1024
    assert result.stderr == ""


def test_convert_container_and_compact() -> None:
    result = run(
        "convert",
        CONTAINER / "config.json",
        "--container",
        "--compact",
        "--id",
        "c1",
        "--console",
        "/dev/pts/1",
        "--kata",
        "kata1",  # Kata 1.x's ContainerConfig (Kata 4.1's has no console)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    doc = json.loads(result.stdout)
    assert doc["id"] == "c1"
    assert doc["cmd"]["console"] == "/dev/pts/1"
    assert doc["annotations"][ka.CONTAINER_TYPE_KEY] == "pod_container"


def test_convert_default_id_is_the_bundle_directory_name() -> None:
    result = run("convert", SANDBOX, "--config", SHIPPED)
    assert json.loads(result.stdout)["id"] == "containerd-pod-sandbox"


def test_convert_rejected_annotations_exit_1_with_one_line() -> None:
    result = run("convert", REJECTED, "--config", SHIPPED)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kata-oci: error: 2 annotations rejected, none applied")
    assert "enable_hugepages" in lines[0] and "/usr/local/bin/my-qemu" in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback() -> None:
    result = run("--debug", "convert", REJECTED, "--config", SHIPPED)
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_unusable_input_exits_2(tmp_path: Path) -> None:
    missing = run("convert", tmp_path / "nothing-here")
    assert missing.returncode == 2
    config = tmp_path / "nothing-here" / "config.json"
    assert missing.stderr == f"kata-oci: error: cannot read {config}: No such file or directory\n"
    (tmp_path / "config.json").write_text('{"process": {"user": {"uid": "root"}}}')
    bad = run("convert", tmp_path)
    assert bad.returncode == 2
    assert "$.process.user.uid" in bad.stderr
    assert len(bad.stderr.splitlines()) == 1
    # resolve reads only the annotations and linux.resources (kata_oci.spec.ResolveView)
    assert run("resolve", tmp_path).returncode == 0
    bad_annotation = {"process": 5, "annotations": {"io.kubernetes.cri.sandbox-id": 1}}
    (tmp_path / "config.json").write_text(json.dumps(bad_annotation))
    bad = run("resolve", tmp_path)
    assert bad.returncode == 2
    assert "$.annotations['io.kubernetes.cri.sandbox-id']" in bad.stderr
    assert len(bad.stderr.splitlines()) == 1


def test_missing_configuration_file_exits_2() -> None:
    result = run("convert", SANDBOX, "--config", "/nonexistent/configuration.toml")
    assert result.returncode == 2
    assert "/nonexistent/configuration.toml" in result.stderr


def test_resolve_text_and_json() -> None:
    text = run("resolve", EXAMPLES / "crio-pod-container")
    assert text.returncode == 0
    assert "container type: pod_container" in text.stdout
    assert "plugin crio" in text.stdout
    doc = json.loads(run("resolve", EXAMPLES / "crio-pod-container", "--json").stdout)
    assert doc["container_type"] == "pod_container"
    assert doc["sandbox_id"] == "1f04600dc6949359da68eee5fe7c4069706a567c07d1ef89fe3bbfdeac7a6dca"
    assert doc["sandbox_id_from"]["plugin"] == "crio"
    runc = json.loads(run("resolve", EXAMPLES / "runc-container", "--kata", "kata1", "--json").stdout)
    assert runc["container_type"] == "pod_sandbox"  # Kata 1.x's default (4.1's: single_container)
    assert runc["container_type_from"] is None
    assert runc["sandbox_id"] is None


def test_resolve_conflict_strict_exits_1_as_check_and_convert_do(tmp_path: Path) -> None:
    spec = json.loads((SANDBOX / "config.json").read_text())
    spec["annotations"]["io.kubernetes.cri-o.ContainerType"] = "container"
    (tmp_path / "config.json").write_text(json.dumps(spec))
    relaxed = run("resolve", tmp_path, "--json")
    assert relaxed.returncode == 0
    assert json.loads(relaxed.stdout)["conflicts"]
    strict = run("resolve", tmp_path, "--strict")
    assert strict.returncode == 1  # a verdict, like check --strict, not unusable input (2)
    assert "containerd" in strict.stderr and "crio" in strict.stderr
    assert "conflict:" in strict.stdout  # the answer is still shown
    assert run("check", tmp_path, "--config", SHIPPED, "--strict").returncode == 1
    convert = run("convert", tmp_path, "--config", SHIPPED, "--strict")
    assert convert.returncode == 1
    assert len(convert.stderr.splitlines()) == 1


def test_check_exit_codes() -> None:
    assert run("check", SANDBOX, "--config", SHIPPED).returncode == 0
    rejected = run("check", REJECTED, "--config", SHIPPED)
    assert rejected.returncode == 1
    assert "rejected io.katacontainers.config.hypervisor.path" in rejected.stdout
    assert run("check", EXAMPLES / "nope", "--config", SHIPPED).returncode == 2


def test_check_json() -> None:
    result = run("check", REJECTED, "--config", SHIPPED, "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    outcomes = {a["key"].rpartition(".")[2]: a["outcome"] for a in doc["annotations"]}
    assert outcomes["path"] == "rejected"
    assert outcomes["default_memory"] == "applied"
    assert outcomes["default_vcpu"] == "unknown"
    memory = next(a for a in doc["annotations"] if a["key"].endswith("default_memory"))
    assert (memory["old"], memory["new"]) == (2048, 4096)


def test_check_strict_turns_unknown_keys_into_rejections() -> None:
    result = run("check", REJECTED, "--config", SHIPPED, "--strict", "--json")
    doc = json.loads(result.stdout)
    assert {a["outcome"] for a in doc["annotations"] if "default_vcpu" in a["key"]} == {"rejected"}


def test_annotations_lists_every_declaration_and_what_the_config_enables(tmp_path: Path) -> None:
    doc = json.loads(run("annotations", "--config", SHIPPED, "--json").stdout)
    assert len(doc["annotations"]) == len(ka.DECLARATIONS)
    assert all(a["enabled"] for a in doc["annotations"])  # Kata 1.x ships enable_annotations = [".*"]
    config = tmp_path / "configuration.toml"
    text = SHIPPED.read_text().replace('enable_annotations = [".*"]', 'enable_annotations = ["^default_"]')
    config.write_text(text)
    doc = json.loads(run("annotations", "--config", config, "--json").stdout)
    enabled = {a["key"].rpartition(".")[2] for a in doc["annotations"] if a["enabled"]}
    assert "default_vcpus" in enabled and "kernel_params" not in enabled
    assert "disable_guest_seccomp" in enabled
    vcpus = next(a for a in doc["annotations"] if a["key"] == ka.DEFAULT_VCPUS)
    assert vcpus["type"] == "uint32" and vcpus["sets"] == "hypervisor_config.num_vcpus"
    assert vcpus["enabled_by"] == "^default_"
    text_output = run("annotations", "--config", config).stdout
    assert "no      uint32" not in text_output.split(ka.DEFAULT_VCPUS)[0].splitlines()[-1]


def test_plugins_lists_distributions_keys_and_hooks() -> None:
    rows = json.loads(run("plugins", "--json").stdout)
    by_name = {r["name"]: r for r in rows}
    assert [r["name"] for r in rows][:3] == ["containerd", "crio", "dockershim"]
    assert by_name["crio"]["distribution"] == "kata-oci-crio"
    assert by_name["crio"]["container_type_key"] == "io.kubernetes.cri-o.ContainerType"
    assert "kata_oci_declare_cri" in by_name["dockershim"]["hooks"]
    assert by_name["crio"]["identity_keys"]["sandbox_name"] == [
        "io.kubernetes.cri-o.KubeName",
        "io.kubernetes.cri-o.SandboxName",
    ]
    assert by_name["containerd"]["sizing_keys"]["memory"] == ["io.kubernetes.cri.sandbox-memory"]
    assert "pod-linux-resources.crio.io" in by_name["crio"]["hook_keys"]
    assert "kata_oci_sandbox_sizing" in by_name["crio"]["hooks"]
    text = run("plugins").stdout
    assert "kata-oci-containerd 0.1.0" in text
    assert "sandbox_name=io.kubernetes.cri-o.KubeName or io.kubernetes.cri-o.SandboxName" in text


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kata_oci", "resolve", SANDBOX], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "pod_sandbox" in result.stdout


def test_version_names_kata_oci_profiles_and_plugins() -> None:
    import kata_oci

    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"kata-oci {kata_oci.__version__} ")
    assert "kata1" in result.stdout and "1.13.0" in result.stdout
    assert "kata-oci-containerd" in result.stdout
    doc = json.loads(run("--version", "--json").stdout)
    assert doc["kata-oci"] == kata_oci.__version__
    assert {"name": "crio", "distribution": "kata-oci-crio", "version": "0.1.0"} in doc["plugins"]
    assert "kata1" in {p["name"] for p in doc["profiles"]}
    assert run("resolve", SANDBOX, "--version").returncode == 0  # anywhere on the line


@pytest.mark.parametrize(("command", "args"), [("convert", [SANDBOX]), ("features", [])])
def test_json_is_accepted_where_json_is_the_only_output(command: str, args: list[Path]) -> None:
    result = run(command, *args, "--config", SHIPPED, "--json")
    assert result.returncode == 0, result.stderr
    assert "usage:" not in result.stderr
    assert json.loads(result.stdout)


def test_convert_strict_means_unknown_keys_not_the_host(tmp_path: Path) -> None:
    # The shipped configuration names /usr/bin/qemu-system-x86_64, which need not be installed.
    assert run("convert", SANDBOX, "--config", SHIPPED, "--strict").returncode == 0
    assert run("check", SANDBOX, "--config", SHIPPED, "--strict").returncode == 0
    unknown = run("convert", REJECTED, "--config", SHIPPED, "--strict")
    assert unknown.returncode == 1
    if not Path("/usr/bin/qemu-system-x86_64").exists():
        host = run("convert", SANDBOX, "--config", SHIPPED, "--host-checks")
        assert host.returncode == 2
        assert "qemu-system-x86_64" in host.stderr
        assert len(host.stderr.splitlines()) == 1


def test_check_text_names_the_configuration() -> None:
    profile = "profile: kata1 (Kata 1.13.0; detected from the configuration)"
    result = run("check", SANDBOX, "--config", SHIPPED)
    assert result.stdout.splitlines()[0] == f"# configuration: {SHIPPED}; {profile}"
    found = run("check", SANDBOX, env={"KATA_CONF_FILE": str(SHIPPED)})
    assert found.stdout.splitlines()[0] == f"# configuration: {SHIPPED}; {profile}"
    assert json.loads(run("check", SANDBOX, "--config", SHIPPED, "--json").stdout)["configuration"] == str(
        SHIPPED
    )
    assert "configuration: " in run("convert", SANDBOX, "--config", SHIPPED, "-v").stderr


def _run_stdin(data: bytes, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(KATA_OCI), *map(str, args)], input=data, capture_output=True, check=False, cwd=ROOT
    )


def test_dash_is_stdin_for_the_bundle_and_the_configuration() -> None:
    spec = (EXAMPLES / "crio-pod-container" / "config.json").read_bytes()
    doc = json.loads(_run_stdin(spec, "resolve", "-", "--json").stdout)
    assert doc["container_type"] == "pod_container"
    assert doc["sandbox_id_from"]["plugin"] == "crio"
    check = _run_stdin((SANDBOX / "config.json").read_bytes(), "check", "-", "--config", SHIPPED, "--json")
    assert check.returncode == 0, check.stderr
    conv = _run_stdin(SHIPPED.read_bytes(), "convert", SANDBOX, "--config", "-", "--id", "p")
    assert conv.returncode == 0, conv.stderr
    assert json.loads(conv.stdout)["hypervisor_config"]["memory_size"] == 4096
    annotations = json.loads(
        _run_stdin(SHIPPED.read_bytes(), "annotations", "--config", "-", "--json").stdout
    )
    assert annotations["configuration"] == "<stdin>"
    both = _run_stdin(spec, "check", "-", "--config", "-")
    assert both.returncode == 2
    assert b"only one can come from stdin" in both.stderr
    bad = _run_stdin(b"{not json", "resolve", "-")
    assert bad.returncode == 2
    assert b"<stdin>" in bad.stderr and b"Traceback" not in bad.stderr


def test_annotations_table_has_the_same_fields_on_every_row() -> None:
    lines = run("annotations", "--config", SHIPPED).stdout.splitlines()[1:]
    assert {len(line.split()) for line in lines} == {4}
    key_column = lines[0].index("annotation")
    sets_column = lines[0].index("sets")
    for line in lines[1:]:
        assert line[key_column - 2 : key_column] == "  "
        assert line[sets_column - 2 : sets_column] == "  "
        assert line[sets_column] != " "


def test_plugins_shows_only_what_a_plugin_declares() -> None:
    from kata_oci import CRI, hookimpl
    from kata_oci.cli import plugins
    from kata_oci.cri import SizingKeys
    from kata_oci.engine import Engine

    class SizingOnly:
        __name__ = "sizing_only"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="sizing-only", sizing=SizingKeys(memory="example.com/memory"))

    lines = plugins.render(plugins.rows(Engine.from_plugins([SizingOnly()])))
    text = "\n".join(lines)
    assert "container type" not in text and "sandbox id" not in text
    assert "sizing:         memory=example.com/memory" in text


def test_podman_and_crio_bundles_default_to_the_containers_id(tmp_path: Path) -> None:
    bundle = tmp_path / "overlay-containers" / "4f2c9d0e" / "userdata"
    bundle.mkdir(parents=True)
    (bundle / "config.json").write_bytes((SANDBOX / "config.json").read_bytes())
    assert json.loads(run("convert", bundle, "--config", SHIPPED).stdout)["id"] == "4f2c9d0e"
    assert json.loads(run("convert", bundle / "config.json", "--config", SHIPPED).stdout)["id"] == "4f2c9d0e"


@pytest.mark.parametrize("command", ["convert", "resolve", "check", "annotations", "features", "plugins"])
def test_every_help_example_runs_from_a_checkout(command: str) -> None:
    """The examples in --help name paths that exist and commands that answer (0, or 1: a verdict)."""
    text = run(command, "--help").stdout
    examples = [line.strip() for line in text.split("example:\n", 1)[1].split("\n\n")[0].splitlines()]
    assert examples
    for example in examples:
        words = example.split()
        assert words[:2] == ["kata-oci", command]
        for word in words[2:]:
            if "/" in word and not word.startswith("-"):
                assert (ROOT / word.split("=")[-1]).exists(), f"{example}: {word} does not exist"
        result = run(*words[1:])
        assert result.returncode in (0, 1), f"{example}: {result.stderr}"
        assert "Traceback" not in result.stderr
