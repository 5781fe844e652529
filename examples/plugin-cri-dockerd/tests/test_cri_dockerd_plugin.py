"""The cri-dockerd example plugin: registered explicitly (no install), then installed for real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import ContainerType, Engine, Sizing

PLUGIN_DIR = Path(__file__).resolve().parents[1]
ROOT = PLUGIN_DIR.parents[1]  # the kata-oci checkout

# Tests run without installing the plugin: import it from its directory.
sys.path.insert(0, str(PLUGIN_DIR))
import kata_oci_cri_dockerd  # noqa: E402

# A pod sandbox as cri-dockerd labels it: dockershim's label, kubelet's labels, and the
# pod's annotations under cri-dockerd's "annotation." prefix.
SANDBOX = {
    "io.kubernetes.docker.type": "podsandbox",
    "io.kubernetes.pod.name": "web",
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": "0d9e6a52-61f4-4c8e-9a55-0d1c4e1f7a11",
    "io.kubernetes.container.name": "POD",
    "annotation.kubernetes.io/config.source": "api",
    "annotation.io.kubernetes.cri.sandbox-cpu-period": "100000",
    "annotation.io.kubernetes.cri.sandbox-cpu-quota": "250000",
    "annotation.io.kubernetes.cri.sandbox-memory": "536870912",
}


def test_sizing_from_the_prefixed_pod_annotations() -> None:
    engine = Engine.from_plugins([kata_oci_cri_dockerd])
    answer = engine.sandbox_sizing_answer(kata_oci.Spec(annotations=SANDBOX))
    assert answer.sizing == Sizing(vcpus=2.5, memory_mb=512)
    assert answer.sizing.whole_vcpus == 3
    assert answer.plugin == "kata_oci_cri_dockerd"  # explicit plugins are named after their module


def test_only_the_prefixed_keys_are_its_own() -> None:
    engine = Engine.from_plugins([kata_oci_cri_dockerd])
    # containerd's own keys, unprefixed, belong to the containerd plugin
    assert engine.sandbox_sizing_answer({"io.kubernetes.cri.sandbox-cpu-quota": "100000"}).plugin is None
    # and this plugin declares no container-type or sandbox-ID key: dockershim's has them
    assert engine.cri_container_type_keys() == []
    assert engine.cri_sandbox_id_keys() == []


def test_beside_the_built_in_plugins() -> None:
    import kata_oci_containerd
    import kata_oci_crio
    import kata_oci_dockershim

    engine = Engine.from_plugins(
        [kata_oci_containerd, kata_oci_crio, kata_oci_dockershim, kata_oci_cri_dockerd]
    )
    spec = kata_oci.Spec(annotations=SANDBOX)
    assert engine.container_type(spec) is ContainerType.POD_SANDBOX  # dockershim's label
    identity = engine.pod_identity(spec)
    assert (identity.plugin, identity.sandbox_name, identity.sandbox_namespace) == (
        "kata_oci_dockershim",
        "web",
        "default",
    )
    answer = engine.sandbox_sizing_answer(spec)
    assert (answer.plugin, answer.sizing.vcpus, answer.conflicts) == ("kata_oci_cri_dockerd", 2.5, ())
    assert engine.cri_container_type_keys().count("io.kubernetes.docker.type") == 1


def test_a_value_that_does_not_parse_counts_as_zero_with_a_warning() -> None:
    engine = Engine.from_plugins([kata_oci_cri_dockerd])
    with capture_logs() as logs:
        sizing = engine.sandbox_sizing({**SANDBOX, "annotation.io.kubernetes.cri.sandbox-memory": "512Mi"})
    assert sizing == Sizing(vcpus=2.5, memory_mb=0)
    (warning,) = [e for e in logs if e["event"] == "sandbox_sizing_value_invalid"]
    assert warning["key"] == "annotation.io.kubernetes.cri.sandbox-memory"
    assert warning["cri"] == "cri-dockerd"


PROBE = """
import json, kata_oci
spec = kata_oci.Spec(annotations=json.loads({annotations!r}))
sizing = kata_oci.calculate_sandbox_sizing(spec)
info = kata_oci.default_engine().plugin_infos["cri-dockerd"]
print(json.dumps({{
    "vcpus": sizing.vcpus,
    "memory_mb": sizing.memory_mb,
    "type": kata_oci.container_type(spec),
    "distribution": info.distribution,
    "plugins": [name for name, _ in kata_oci.default_engine().cris],
}}))
"""


def test_installs_and_is_found_through_its_entry_point(tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.skip("uv is not available")
    venv = tmp_path / "venv"
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            str(ROOT),
            str(ROOT / "plugins" / "dockershim"),
        ],
        check=True,
        env=env,
    )
    # the README's install step, into that environment
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), str(PLUGIN_DIR)], check=True, env=env
    )
    out = subprocess.run(
        [str(python), "-c", PROBE.format(annotations=json.dumps(SANDBOX))],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert (result["vcpus"], result["memory_mb"]) == (2.5, 512)
    assert result["type"] == "pod_sandbox"
    assert result["distribution"] == "kata-oci-cri-dockerd"
    assert result["plugins"] == ["dockershim", "cri-dockerd"]  # third-party plugins come after the built-ins
