"""Every command and snippet in the README and docs/ is run, and its output is the one shown.

* ```console blocks are transcripts: each ``$ command`` runs in bash at the
  repository root, with the environment's ``kata-oci`` and ``python`` first on
  PATH (what activating the environment gives), and its output must be the
  lines below it, with this checkout's path shown as ``/…``.
* ```python blocks run; a ``print(...)  # text`` line must print ``text``. A
  block whose first line is ``# path`` is that file of the example it names,
  and must equal it.
* ```toml blocks parse; one starting ``# pyproject.toml`` must equal the example's.
* ```sh blocks are set-up and developer commands: each is either run here
  (the README's set-up, in a fresh clone) or named in COVERED with the test or
  job that runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

import pytest

from helpers import ROOT

BIN = Path(sys.executable).parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLUGIN_EXAMPLE = ROOT / "examples" / "plugin-acme"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)

# The README's two set-up commands: the main job on a bundled example, and the tests.
MAIN_COMMAND = "uv run --quiet --no-dev kata-oci convert examples/bundles/crio-pod-sandbox"
TEST_COMMAND = "uv run pytest"

# sh commands this harness does not run itself, and what does.
COVERED = {
    MAIN_COMMAND: "test_readme_set_up_in_a_fresh_clone",
    TEST_COMMAND: "this test suite (.ci/run runs it with the groups named)",
    "uv sync": "the landing and CI steps (.ci/run syncs its groups by name)",
    "uv run pytest -q": "this test suite",
    "bash .ci/run": "CI itself",
    'd=$(mktemp -d) && git clone -q . "$d" && (cd "$d" && CI=true bash .ci/run)': "CI on a fresh clone",
    "uv run python benchmarks/run.py --quick --only audit": "benchmarks/run.py, by hand (never a timed test)",
    "kata-oci webhook --config webhook.yaml --tls-cert tls.crt --tls-key tls.key": (
        "tests/test_webhook_server.py::test_the_command_serves_and_logs_each_decision"
    ),
    "kubectl apply -k deploy/": "tests/test_deploy.py (Kubernetes schemas, no cluster)",
    "podman build -f deploy/Containerfile -t ghcr.io/kata-oci/kata-oci-webhook:0.1.0 .": (
        "tests/test_deploy.py::test_the_image_build_file_installs_the_webhook_extra_as_non_root"
    ),
}
# Blocks of others' documents that illustrate and cannot run as they stand: (file, index) -> why.
NOT_RUN = {
    ("profiles.md", 0): "illustrative: names a spec, bundle and path the reader has",
    ("manifests.md", 0): "needs /etc/containerd/config.toml and /opt/kata of a real node",
    ("manifests.md", 1): "illustrative: reads a deploy.yaml the reader has",
}


class Block(NamedTuple):
    doc: Path
    index: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.name}#{self.index}-{self.lang or 'text'}"


def _blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        for i, m in enumerate(FENCE.finditer(doc.read_text())):
            found.append(Block(doc, i, m.group(1), m.group(2)))
    return found


BLOCKS = _blocks()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_CONF_FILE", "COLUMNS")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _transcript(text: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    return steps


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "console"], ids=lambda b: b.id)
def test_console_transcripts_are_what_the_commands_print(block: Block) -> None:
    if (block.doc.name, block.index) in NOT_RUN:
        pytest.skip(NOT_RUN[block.doc.name, block.index])
    for command, expected in _transcript(block.text):
        result = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, env=_env(), check=False
        )
        shown = result.stdout.replace(str(ROOT), "/…").splitlines()
        assert shown == expected, f"{block.id}: $ {command}\n{result.stderr}"


def _expected_prints(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\s*print\(.*\)  # (.*)$", text, re.M)]


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.id)
def test_python_snippets_run_and_print_what_they_say(block: Block, tmp_path: Path) -> None:
    if (block.doc.name, block.index) in NOT_RUN:
        pytest.skip(NOT_RUN[block.doc.name, block.index])
    first = block.text.splitlines()[0]
    if first.startswith("# ") and first[2:].endswith(".py"):  # a file of the plugin example
        source = PLUGIN_EXAMPLE / first[2:]
        assert block.text.split("\n", 1)[1] == source.read_text(), f"{block.id} differs from {source}"
    result = subprocess.run(
        [sys.executable, "-c", block.text], capture_output=True, text=True, cwd=ROOT, env=_env(), check=False
    )
    assert result.returncode == 0, f"{block.id}:\n{result.stderr}"
    expected = _expected_prints(block.text)
    if expected:
        assert result.stdout.splitlines() == expected


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "toml"], ids=lambda b: b.id)
def test_toml_snippets_parse_and_pyproject_is_the_examples(block: Block) -> None:
    doc = tomllib.loads(block.text)
    assert doc
    if block.text.startswith("# pyproject.toml\n"):
        assert block.text.split("\n", 1)[1] == (PLUGIN_EXAMPLE / "pyproject.toml").read_text()
        assert doc["project"]["entry-points"]["kata_oci"]
        assert doc["build-system"]["build-backend"]


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "sh"], ids=lambda b: b.id)
def test_every_sh_command_is_covered(block: Block) -> None:
    for line in block.text.splitlines():
        command = line.split("  #")[0].strip()
        if command and not command.startswith("#"):
            assert command in COVERED, f"{block.id}: nothing runs {command!r}"


def test_every_block_has_a_language_the_harness_knows() -> None:
    unknown = [b.id for b in BLOCKS if b.lang not in ("console", "python", "toml", "sh", "yaml")]
    assert unknown == []


def test_the_readme_is_short_and_links_only_to_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) < 200
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text()):
            if not target.startswith(("http://", "https://")):
                assert (doc.parent / target).exists(), f"{doc.name} links to {target}"


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.skip("uv is not available")
    return uv


def _readme_set_up() -> list[str]:
    readme = ROOT / "README.md"
    text = readme.read_text()
    section = text[text.index("## Set-up") : text.index("\n## ", text.index("## Set-up") + 1)]
    block = next(m.group(2) for m in FENCE.finditer(section) if m.group(1) == "sh")
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_set_up_is_the_main_job_and_the_tests() -> None:
    assert _readme_set_up() == [MAIN_COMMAND, TEST_COMMAND]


def test_readme_set_up_in_a_fresh_clone(tmp_path: Path) -> None:
    """The README's main command in a fresh clone with no environment: the right answer, and nothing else."""
    uv = _uv()
    clone = tmp_path / "kata-oci"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["UV_OFFLINE"] = "1"  # everything is in uv's cache by now; no index needed
    argv = MAIN_COMMAND.split()
    main = subprocess.run([uv, *argv[1:]], cwd=clone, capture_output=True, text=True, env=env, check=False)
    if main.returncode != 0 and "offline" in main.stderr.lower():
        pytest.skip(f"uv could not install offline here: {main.stderr[-300:]}")
    assert main.returncode == 0, main.stderr
    assert main.stderr == ""  # --quiet: no build noise
    assert json.loads(main.stdout)["id"] == "crio-pod-sandbox"
    installed = subprocess.run(
        [uv, "pip", "list", "--format", "json"],
        cwd=clone,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    names = {p["name"] for p in json.loads(installed.stdout)}
    assert {"kata-oci-core", "kata-oci-containerd", "kata-oci-crio", "kata-oci-dockershim"} <= names
    assert not names & {"pytest", "ruff", "mypy", "atheris", "hypothesis"}  # only what the command needs


def test_the_readme_plugin_installs_and_answers(tmp_path: Path) -> None:
    """A newcomer's plugin, copied from the README: installed next to the core, it is listed and answers."""
    uv = _uv()
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["UV_OFFLINE"] = "1"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), str(ROOT), str(PLUGIN_EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"could not install offline here: {install.stderr[-300:]}")
    kata_oci = str(venv / "bin" / "kata-oci")
    plugins = json.loads(
        subprocess.run([kata_oci, "plugins", "--json"], capture_output=True, check=True).stdout
    )
    assert [p["name"] for p in plugins if p["distribution"] == "kata-oci-acme"] == ["acme"]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    spec = json.loads((ROOT / "examples" / "bundles" / "runc-container" / "config.json").read_text())
    spec["annotations"] = {"io.acme.cri/kind": "workload", "io.acme.cri/pod-id": "p-1"}
    (bundle / "config.json").write_text(json.dumps(spec))
    doc = json.loads(
        subprocess.run([kata_oci, "resolve", str(bundle), "--json"], capture_output=True, check=True).stdout
    )
    assert (doc["container_type"], doc["sandbox_id"]) == ("pod_container", "p-1")
    assert doc["container_type_from"]["plugin"] == "acme"
