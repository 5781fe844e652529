"""Installing and uninstalling plugin distributions, for real, in a throw-away venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

PROBE = """
import json, kata_oci
spec = kata_oci.Spec(annotations={"io.kubernetes.cri-o.ContainerType": "container"})
print(json.dumps({
    "keys": kata_oci.cri_container_type_keys(),
    "type": kata_oci.container_type(spec),
    "crio": kata_oci.is_crio_container_manager(spec),
    "plugins": sorted(kata_oci.default_engine().plugin_infos),
}))
"""


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.skip("uv is not available")
    return uv


def _probe(python: Path) -> dict[str, object]:
    out = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_uninstalling_a_plugin_distribution_removes_its_keys(tmp_path: Path) -> None:
    uv = _uv()
    venv = tmp_path / "venv"
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    plugins = [str(ROOT / "plugins" / name) for name in ("containerd", "crio", "dockershim")]
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), str(ROOT), *plugins], check=True, env=env
    )

    before = _probe(python)
    assert before["keys"] == [
        "io.kubernetes.cri.container-type",
        "io.kubernetes.cri-o.ContainerType",
        "io.kubernetes.docker.type",
    ]
    assert before["type"] == "pod_container"
    assert before["crio"] is True
    assert before["plugins"] == ["containerd", "crio", "dockershim"]

    subprocess.run(
        [uv, "pip", "uninstall", "-q", "--python", str(python), "kata-oci-crio"], check=True, env=env
    )
    after = _probe(python)
    assert after["keys"] == ["io.kubernetes.cri.container-type", "io.kubernetes.docker.type"]
    assert after["type"] == "pod_sandbox"  # nobody answers for CRI-O's key any more
    assert after["crio"] is False
    assert after["plugins"] == ["containerd", "dockershim"]
