"""kata-oci check --all: every Kata bundle of a node's containerd and CRI-O, one line per problem."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from kata_oci.cli import audit, main

from helpers import ROOT

EXAMPLES = ROOT / "examples" / "bundles"
SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"


def _bundle(
    where: Path, example: str, shim: str | None = None, annotations: dict[str, str] | None = None
) -> Path:
    where.mkdir(parents=True)
    spec = json.loads((EXAMPLES / example / "config.json").read_text())
    spec.setdefault("annotations", {}).update(annotations or {})
    (where / "config.json").write_text(json.dumps(spec))
    if shim is not None:
        (where / "shim-binary-path").write_text(shim)
    return where


@pytest.fixture
def node(tmp_path: Path) -> tuple[Path, Path]:
    containerd = tmp_path / "io.containerd.runtime.v2.task"
    crio = tmp_path / "overlay-containers"
    kata = "/usr/local/bin/containerd-shim-kata-v2"
    _bundle(containerd / "k8s.io" / "ok", "containerd-pod-sandbox", kata)
    _bundle(containerd / "k8s.io" / "bad", "containerd-rejected", kata)
    _bundle(containerd / "moby" / "runc1", "containerd-rejected", "/usr/bin/containerd-shim-runc-v2")
    _bundle(crio / "aaa" / "userdata", "crio-pod-sandbox")
    _bundle(crio / "bbb" / "userdata", "crio-pod-container")
    _bundle(
        crio / "ccc" / "userdata",
        "crio-pod-container",
        annotations={"io.kubernetes.cri-o.RuntimeHandler": "runc"},
    )
    return containerd, crio


def _audit(node: tuple[Path, Path], *extra: str) -> list[str]:
    return ["check", "--containerd-root", str(node[0]), "--crio-root", str(node[1]), *extra]


def test_one_line_per_problem_and_a_summary(
    node: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_audit(node, "--config", str(SHIPPED))) == 1  # a rejection somewhere
    lines = capsys.readouterr().out.splitlines()
    problems = [line for line in lines if not line.startswith(("checked ", "#"))]
    assert len(problems) == 4  # containerd-rejected: 2 rejected, 2 unknown
    assert all(line.startswith("containerd k8s.io/bad: ") for line in problems)
    assert sum("rejected io.katacontainers.config.hypervisor.path" in line for line in problems) == 1
    summary = next(line for line in lines if line.startswith("checked "))
    assert summary.startswith(
        "checked 4 bundles (containerd: 2, cri-o: 2); 2 skipped (not Kata); 1 with problems"
    )
    assert "2 rejected" in summary and "2 unknown" in summary
    assert f"# configuration: {SHIPPED}; profile: kata1" in lines


def test_json_lines(node: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_audit(node, "--config", str(SHIPPED), "--json")) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    *problems, last = docs
    assert {p["kind"] for p in problems} == {"rejected", "unknown"}
    assert {(p["runtime"], p["namespace"], p["id"]) for p in problems} == {("containerd", "k8s.io", "bad")}
    assert all(p["configuration"] == str(SHIPPED) for p in problems)
    assert last["summary"]["bundles"] == 4
    assert last["summary"]["by_runtime"] == {"containerd": 2, "cri-o": 2}
    assert last["summary"]["skipped_not_kata"] == 2
    assert last["summary"]["problems"] == {"rejected": 2, "unknown": 2}
    assert last["summary"]["ok"] is False


def test_a_clean_node_exits_0_and_strict_counts_unknown_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "containerd"
    _bundle(root / "k8s.io" / "p1", "containerd-pod-sandbox")
    _bundle(
        root / "k8s.io" / "p2",
        "containerd-pod-container",
        annotations={"io.katacontainers.config.hypervisor.default_vcpu": "2"},
    )
    assert main(["check", "--containerd-root", str(root), "--config", str(SHIPPED)]) == 0
    assert "1 unknown" in capsys.readouterr().out
    assert main(["check", "--containerd-root", str(root), "--config", str(SHIPPED), "--strict"]) == 1


def test_each_handler_gets_its_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    narrow = tmp_path / "narrow.toml"
    narrow.write_text(SHIPPED.read_text().replace('enable_annotations = [".*"]', "enable_annotations = []"))
    root = tmp_path / "overlay-containers"
    _bundle(
        root / "a" / "userdata",
        "crio-pod-sandbox",
        annotations={
            "io.kubernetes.cri-o.RuntimeHandler": "kata-narrow",
            "io.katacontainers.config.hypervisor.default_memory": "4096",
        },
    )
    _bundle(
        root / "b" / "userdata",
        "crio-pod-sandbox",
        annotations={"io.katacontainers.config.hypervisor.default_memory": "4096"},
    )
    args = ["check", "--crio-root", str(root), "--config", str(SHIPPED), "--json"]
    assert main([*args, "--handler-config", f"kata-narrow={narrow}"]) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (problem,) = docs[:-1]
    assert (problem["id"], problem["handler"], problem["configuration"]) == ("a", "kata-narrow", str(narrow))
    assert problem["kind"] == "rejected"
    assert sorted(docs[-1]["summary"]["configurations"]) == sorted([str(SHIPPED), str(narrow)])


def test_containerd_config_path_option_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    narrow = tmp_path / "narrow.toml"
    narrow.write_text(SHIPPED.read_text().replace('enable_annotations = [".*"]', "enable_annotations = []"))
    bundle = _bundle(
        tmp_path / "containerd" / "k8s.io" / "x",
        "containerd-pod-sandbox",
        "/opt/kata/containerd-shim-kata-v2",
    )
    (bundle / "options.json").write_text(json.dumps({"type_url": "", "config_path": str(narrow)}))
    assert main(["check", "--containerd-root", str(tmp_path / "containerd"), "--json"]) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert docs[0]["configuration"] == str(narrow)


def test_one_state_root_alone(node: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--crio-root", str(node[1]), "--config", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("checked 2 bundles (cri-o: 2); 1 skipped (not Kata); 0 with problems")


def test_unusable_bundles_and_missing_roots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "containerd"
    broken = root / "k8s.io" / "broken"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{not json")
    _bundle(root / "k8s.io" / "fine", "containerd-pod-sandbox")
    assert main(["check", "--containerd-root", str(root), "--config", str(SHIPPED)]) == 2
    out = capsys.readouterr().out
    assert "containerd k8s.io/broken: error invalid OCI spec" in out
    assert "checked 2 bundles" in out
    assert (
        main(["check", "--containerd-root", str(tmp_path / "none"), "--crio-root", str(tmp_path / "no")]) == 2
    )
    assert "no state directory to audit" in capsys.readouterr().err
    assert main(["check", str(broken), "--containerd-root", str(root)]) == 2
    assert "not both" in capsys.readouterr().err


def test_a_bundle_that_goes_away_is_not_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "containerd"
    gone = _bundle(root / "k8s.io" / "gone", "containerd-pod-sandbox")
    found = list(audit.walk(str(root), "containerd"))
    shutil.rmtree(gone)
    args = main.__globals__["_parser"]("check").parse_args(["check", "--containerd-root", str(root)])
    assert audit._Audit(args).problems(found[0]) is None


def test_escapes_what_pod_authors_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "containerd"
    _bundle(
        root / "k8s.io" / "evil",
        "containerd-pod-sandbox",
        annotations={"io.katacontainers.config.hypervisor.x\x1b[2J\nforged": "v\r"},
    )
    main(["check", "--containerd-root", str(root), "--config", str(SHIPPED)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert sum(line.startswith("containerd ") for line in out.splitlines()) == 1


def test_progress_only_on_a_terminal_once_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Terminal()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setattr(audit, "PROGRESS_AFTER", 0.0)
    progress = audit._Progress(100)
    for i in range(100):
        progress.tick(i)
    progress.done()
    assert "checked 96/100 bundles" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[K")
    quiet = io.StringIO()
    monkeypatch.setattr("sys.stderr", quiet)
    progress = audit._Progress(100)
    for i in range(100):
        progress.tick(i)
    progress.done()
    assert quiet.getvalue() == ""


def test_500_pods_are_walked_once_each(tmp_path: Path) -> None:
    root = tmp_path / "overlay-containers"
    spec = (EXAMPLES / "crio-pod-sandbox" / "config.json").read_bytes()
    for i in range(500):
        (root / f"{i:064x}" / "userdata").mkdir(parents=True)
        (root / f"{i:064x}" / "userdata" / "config.json").write_bytes(spec)
    found = list(audit.walk(str(root), "cri-o"))
    assert len(found) == 500
    assert len({f.cid for f in found}) == 500


def test_the_cris_configuration_names_each_handlers_file_and_runtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrow = tmp_path / "narrow.toml"
    narrow.write_text(SHIPPED.read_text().replace('enable_annotations = [".*"]', "enable_annotations = []"))
    containerd_config = tmp_path / "config.toml"
    containerd_config.write_text(
        "version = 2\n"
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-narrow]\n'
        'runtime_type = "io.containerd.kata-narrow.v2"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-narrow.options]\n'
        f'ConfigPath = "{narrow}"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.plain]\n'
        'runtime_type = "io.containerd.runc.v2"\n'
    )
    root = tmp_path / "containerd"
    memory = {"io.katacontainers.config.hypervisor.default_memory": "4096"}
    _bundle(
        root / "k8s.io" / "narrow",
        "containerd-pod-sandbox",
        annotations={"io.kubernetes.cri.runtime-handler": "kata-narrow", **memory},
    )
    _bundle(
        root / "k8s.io" / "plain",
        "containerd-rejected",
        annotations={"io.kubernetes.cri.runtime-handler": "plain"},
    )
    args = ["check", "--containerd-root", str(root), "--containerd-config", str(containerd_config), "--json"]
    assert main([*args, "--kata", "kata1"]) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    problems, summary = docs[:-1], docs[-1]["summary"]
    assert {(p["id"], p["handler"], p["configuration"]) for p in problems} == {
        ("narrow", "kata-narrow", str(narrow))
    }
    assert summary["skipped_not_kata"] == 1  # containerd says handler "plain" runs runc
