"""The distributions as a user gets them: built wheels, a plain `python -m venv`, `pip install`.

`pip install kata-oci` (the umbrella) must give the core and the three CRI
plugins; without one of them, a bundle carrying its keys must say so.
Dependencies come from the package index: without it the test skips.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT

EXAMPLES = ROOT / "examples" / "bundles"
DISTRIBUTIONS = ("kata_oci", "kata_oci_core", "kata_oci_containerd", "kata_oci_crio", "kata_oci_dockershim")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.skip("uv is not available to build the wheels")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [uv, "build", "--all-packages", "--wheel", "-q", "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


def _wheel(wheels: Path, dist: str) -> Path:
    (found,) = wheels.glob(f"{dist}-*.whl")
    return found


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_every_distribution_carries_license_notice_readme_and_urls(wheels: Path, dist: str) -> None:
    with zipfile.ZipFile(_wheel(wheels, dist)) as whl:
        names = whl.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        assert f"{info}/licenses/LICENSE" in names
        assert f"{info}/licenses/NOTICE" in names
        assert "Apache License" in whl.read(f"{info}/licenses/LICENSE").decode()
        assert "Kata Containers" in whl.read(f"{info}/licenses/NOTICE").decode()
        meta = email.message_from_bytes(whl.read(f"{info}/METADATA"))
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Description-Content-Type"] == "text/markdown"
    body = meta.get_payload()
    assert isinstance(body, str) and len(body) > 200
    assert "../" not in body  # no link that only works inside the repository
    urls = meta.get_all("Project-URL") or []
    assert any(u.startswith("Homepage, https://") for u in urls)
    assert any(
        c.startswith("Programming Language :: Python :: 3.11") for c in meta.get_all("Classifier") or []
    )


def test_the_umbrella_depends_on_the_core_and_every_plugin(wheels: Path) -> None:
    with zipfile.ZipFile(_wheel(wheels, "kata_oci")) as whl:
        meta = next(n for n in whl.namelist() if n.endswith("METADATA"))
        requires = email.message_from_bytes(whl.read(meta)).get_all("Requires-Dist") or []
        assert not [n for n in whl.namelist() if n.endswith(".py")]  # no code of its own
    always = [r for r in requires if "extra ==" not in r]  # optional extras (e.g. [webhook]) aside
    assert {r.split("=")[0].strip() for r in always} == {
        "kata-oci-core",
        "kata-oci-containerd",
        "kata-oci-crio",
        "kata-oci-dockershim",
    }
    # `pip install kata-oci[webhook]`: the core's webhook extra (uvicorn, prometheus-client).
    extras = [r.replace(" ", "").replace('"', "'") for r in requires if "extra ==" in r]
    assert extras == ["kata-oci-core[webhook]==0.1.0;extra=='webhook'"]


def _dockershim_bundle(tmp: Path) -> Path:
    spec = json.loads((EXAMPLES / "runc-container" / "config.json").read_text())
    spec["annotations"] = {"io.kubernetes.docker.type": "container", "io.kubernetes.sandbox.id": "d0c4e5"}
    bundle = tmp / "dockershim"
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


def test_pip_install_kata_oci_answers_right_and_says_what_is_missing(wheels: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    installed = subprocess.run(
        [*pip, "install", "--find-links", str(wheels), "kata-oci"],
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        pytest.skip(f"pip could not install the dependencies (no package index?): {installed.stderr[-300:]}")
    kata_oci = str(venv / "bin" / "kata-oci")

    def resolve(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [kata_oci, "resolve", str(bundle), *args], capture_output=True, text=True, check=False
        )

    cases = {
        EXAMPLES / "containerd-pod-container": ("pod_container", "containerd"),
        EXAMPLES / "crio-pod-container": ("pod_container", "crio"),
        _dockershim_bundle(tmp_path): ("pod_container", "dockershim"),
    }
    for bundle, (ctype, plugin) in cases.items():
        doc = json.loads(resolve(bundle, "--json").stdout)
        assert (doc["container_type"], doc["container_type_from"]["plugin"]) == (ctype, plugin), bundle
        assert doc["sandbox_id"] and doc["sandbox_id_from"]["plugin"] == plugin
        assert doc["unread_cri_keys"] == []

    subprocess.run([*pip, "uninstall", "-y", "kata-oci-crio"], check=True)
    text = resolve(EXAMPLES / "crio-pod-container")
    assert text.returncode == 0
    assert "not read:       io.kubernetes.cri-o.ContainerType='container'" in text.stdout
    assert "install kata-oci-crio" in text.stdout
    doc = json.loads(resolve(EXAMPLES / "crio-pod-container", "--json").stdout)
    assert {u["distribution"] for u in doc["unread_cri_keys"]} == {"kata-oci-crio"}
    assert resolve(EXAMPLES / "crio-pod-container", "--strict").returncode == 1
    assert (
        json.loads(resolve(EXAMPLES / "containerd-pod-container", "--json").stdout)["unread_cri_keys"] == []
    )
