"""Bugs a reviewer found on main, each pinned by the test that failed before its fix.

Hostile input (deep nesting, wrong types, huge strings) must give a clear,
bounded error or note, never a traceback; the command's output and exit
statuses must say what the README promises.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci.cli import main

from helpers import FIXTURES, ROOT

KATA_OCI = Path(sys.executable).with_name("kata-oci")
KATA4_GO = FIXTURES / "k8s" / "kata4-go"
HYP = "io.katacontainers.config.hypervisor."
POD = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    {HYP}kernel_params: "agent.log=debug"
spec:
  runtimeClassName: kata-qemu
  containers: [{{name: c, image: busybox}}]
"""


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KATA_OCI), *map(str, args)], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_deep_json_manifest_is_a_clean_error_not_a_traceback(tmp_path: Path) -> None:
    deep = tmp_path / "d.json"
    deep.write_text('{"kind":"Pod","x":' + "[" * 1000 + "]" * 1000 + "}")
    result = run("check", deep)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "nested too deeply" in result.stderr and str(deep) in result.stderr


def test_verbose_shows_the_library_warnings_on_stderr() -> None:
    bundle = ROOT / "examples" / "bundles" / "containerd-rejected"
    result = run("check", bundle, "-v")
    assert "unknown_annotation" in result.stderr
    assert "did you mean io.katacontainers.config.runtime.disable_guest_seccomp" in result.stderr
    quiet = run("check", bundle)
    assert "unknown_annotation" not in quiet.stderr  # without -v the library stays quiet


def test_verbose_handler_is_removed_when_main_returns(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    before = list(logging.getLogger("kata_oci").handlers)
    main(["check", str(ROOT / "examples" / "bundles" / "containerd-rejected"), "-v"])
    assert logging.getLogger("kata_oci").handlers == before
    capsys.readouterr()


def test_a_missing_kata_config_dir_is_unusable_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    status = main(["check", str(tmp_path / "pod.yaml"), "--kata-config-dir", str(tmp_path / "nonexistent")])
    out, err = capsys.readouterr()
    assert status == 2
    assert "nonexistent" in err and "not a directory" in err
    assert "unknown" not in out


def _bundle(tmp_path: Path, annotations: dict[str, str]) -> Path:
    doc = json.loads((ROOT / "examples" / "bundles" / "containerd-pod-sandbox" / "config.json").read_text())
    doc["annotations"] = {**doc.get("annotations", {}), **annotations}
    (tmp_path / "config.json").write_text(json.dumps(doc))
    return tmp_path


def test_check_text_shows_enum_values_as_json_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bundle = _bundle(tmp_path, {"io.katacontainers.config.runtime.vfio_mode": "vfio"})
    main(["check", str(bundle), "--kata", "go"])
    out = capsys.readouterr().out
    assert "vfio_mode: 'guest-kernel' -> 'vfio'" in out
    assert "<VFIOModeType" not in out
    main(["check", str(bundle), "--kata", "go", "--json"])
    (row,) = [a for a in json.loads(capsys.readouterr().out)["annotations"] if a["target"] == "vfio_mode"]
    assert (row["old"], row["new"]) == ("guest-kernel", "vfio")


def test_check_text_lines_are_bounded_whatever_the_key_or_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_key = "io.katacontainers.config." + "k" * 1_000_000
    params = "x=" + "a" * 1_000_000
    bundle = _bundle(tmp_path, {long_key: "v", HYP + "kernel_params": params})
    for kata in ("go", "go,rs"):
        main(["check", str(bundle), "--kata", kata])
        out = capsys.readouterr().out
        assert max(len(line) for line in out.splitlines()) < 2000, kata
        assert "(1000025 characters)" in out  # the key, cut with its length said
    main(["check", str(bundle), "--kata", "go", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert {a["key"] for a in doc["annotations"]} >= {long_key}  # JSON stays whole


def test_manifest_text_cuts_a_long_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": {HYP + "k" * 100_000: "v"}},
        "spec": {"runtimeClassName": "kata-qemu"},
    }
    (tmp_path / "pod.json").write_text(json.dumps(pod))
    main(["check", str(tmp_path / "pod.json"), "--kata-config-dir", str(KATA4_GO)])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) < 2000
    assert "characters)" in out


def test_deep_admission_review_is_a_review_error(tmp_path: Path) -> None:
    from kata_oci.webhook.review import ReviewError, decode_review

    body = b'{"kind": "AdmissionReview", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    with pytest.raises(ReviewError, match="nested too deeply"):
        decode_review(body)
    (tmp_path / "d.json").write_bytes(body)
    result = run("webhook", "--review", tmp_path / "d.json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nested too deeply" in result.stderr


def test_webhook_decision_log_cuts_keys(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from structlog.testing import capture_logs

    from kata_oci.k8s import Layer, ObjectRef, Record, Verdict
    from kata_oci.webhook.review import ReviewResult
    from kata_oci.webhook.server import _log_decision

    key = HYP + "k" * 1_000_000
    record = Record(ObjectRef("Pod", "p"), key, "v", Verdict.UNKNOWN, Layer.KATA, "unknown key")
    result = ReviewResult("u" * 1_000_000, False, records=[record], namespace="n" * 1_000_000)
    caplog.set_level(logging.INFO, logger="kata_oci")
    with capture_logs() as logs:
        _log_decision(result, 1)
    (event,) = [e for e in logs if e["event"] == "admission_decision"]
    assert len(repr(event)) < 5000
    assert event["denied_keys"][0].endswith(f"...({len(key)} characters)")


def test_containerd_runtime_settings_of_the_wrong_type_are_notes(tmp_path: Path) -> None:
    from kata_oci.k8s import load_containerd_config

    (tmp_path / "config.toml").write_text(
        "version = 3\n"
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.kata]\n"
        "runtime_type = 1\n"
        "runtime_path = true\n"
        "options = { ConfigPath = 2 }\n"
    )
    kata = load_containerd_config(tmp_path / "config.toml").handlers["kata"]
    assert kata.runtime_type == "" and kata.runtime_path is None and kata.config_path is None
    assert kata.problems == (
        "runtimes.kata.runtime_type is not a string (int): containerd would refuse the file",
        "runtimes.kata.runtime_path is not a string (bool): containerd would refuse the file",
        "runtimes.kata.options.ConfigPath is not a string (int): "
        "the shim could not decode its options (read here as not set)",
    )


@pytest.mark.parametrize(
    ("options", "says"), [("[" * 30000, "not JSON (nested too deeply)"), ("{not json", "not JSON (")]
)
def test_an_unreadable_containerd_options_json_is_a_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, options: str, says: str
) -> None:
    task = tmp_path / "containerd" / "k8s.io" / "t"
    task.mkdir(parents=True)
    (task / "config.json").write_text(
        (ROOT / "examples" / "bundles" / "containerd-pod-sandbox" / "config.json").read_text()
    )
    (task / "shim-binary-path").write_text("/usr/local/bin/containerd-shim-kata-v2")
    (task / "options.json").write_text(options)
    shipped = ROOT / "kata_oci" / "data" / "configuration.toml"
    status = main(["check", "--containerd-root", str(tmp_path / "containerd"), "--config", str(shipped)])
    out = capsys.readouterr().out
    assert status == 0  # a note: the bundle is still checked
    assert f"unreadable options.json: {says}" in out
    assert "1 with problems: 1 unreadable" in out


def test_deeply_nested_lists_are_a_manifest_error() -> None:
    import kata_oci
    from kata_oci.errors import ManifestError
    from kata_oci.k8s.objects import MAX_LIST_DEPTH

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}

    def nested(depth: int) -> dict[str, object]:
        obj: dict[str, object] = pod
        for _ in range(depth):
            obj = {"apiVersion": "v1", "kind": "List", "items": [obj]}
        return obj

    with pytest.raises(ManifestError, match=f"Lists nested more than {MAX_LIST_DEPTH} deep"):
        kata_oci.check_manifests([nested(3000)])
    (report,) = kata_oci.check_manifests([nested(MAX_LIST_DEPTH)]).pods  # as deep as allowed: read
    assert str(report.object) == "Pod/p"


def _pod_with_overhead(overhead: object, runtime_class: str | None = "kata-qemu") -> dict[str, object]:
    spec: dict[str, object] = {"containers": [{"name": "c", "image": "busybox"}], "overhead": overhead}
    if runtime_class is not None:
        spec["runtimeClassName"] = runtime_class
    annotations = {HYP + "kernel_params": "agent.log=debug"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": annotations},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("overhead", "runtime_class", "says"),
    [
        (
            {"cpu": "1", "memory": "1Gi"},
            "kata-qemu",
            "pod rejected: Pod's Overhead doesn't match RuntimeClass's",
        ),
        ({"cpu": "250m"}, "kata-qemu", "doesn't match"),  # memory missing
        (
            {"cpu": "1"},
            None,
            "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
        ),
    ],
)
def test_a_pod_overhead_the_runtimeclass_does_not_define_is_rejected(
    overhead: object, runtime_class: str | None, says: str
) -> None:
    import kata_oci
    from kata_oci.k8s import Layer, Verdict

    report = kata_oci.check_manifests([_pod_with_overhead(overhead, runtime_class)])
    assert report.failed
    pod_record = next(r for r in report.records if r.key is None)
    assert (pod_record.verdict, pod_record.layer) == (Verdict.REJECTED, Layer.RUNTIMECLASS)
    assert says in pod_record.reason
    assert all(r.verdict is Verdict.REJECTED for r in report.records)  # the annotations never reach Kata


def test_a_pod_overhead_equal_to_the_runtimeclass_one_is_admitted() -> None:
    import kata_oci
    from kata_oci.k8s import Verdict

    # kata-deploy's kata-qemu: podFixed {memory: 320Mi, cpu: 250m}; equal as quantities, not as text.
    same = {"cpu": "0.25", "memory": str(320 * 2**20)}
    report = kata_oci.check_manifests([_pod_with_overhead(same)])
    assert not report.failed
    assert [r.verdict for r in report.records] == [Verdict.APPLIED]
    assert not kata_oci.check_manifests([_pod_with_overhead({})]).failed


def _with_unknown_key(shipped: Path, where: Path, table: str) -> Path:
    text = shipped.read_text()
    assert f"\n[{table}]\n" in text
    where.write_text(text.replace(f"\n[{table}]\n", f"\n[{table}]\nno_such_key = 1\n", 1))
    return where


@pytest.mark.parametrize(
    ("shipped", "table", "says"),
    [
        (
            "configuration.toml",
            "hypervisor.qemu",
            "hypervisor.qemu.no_such_key: unknown key, Kata 1.x ignores it",
        ),
        (
            "kata4-go/configuration-qemu.toml",
            "hypervisor.qemu",
            "hypervisor.qemu.no_such_key: unknown key, Kata 4.1",
        ),
        (
            "kata4-runtime-rs/configuration-qemu-runtime-rs.toml",
            "hypervisor.qemu",
            "no_such_key: unknown key",
        ),
    ],
)
def test_check_shows_unknown_configuration_keys_as_notes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shipped: str, table: str, says: str
) -> None:
    config = _with_unknown_key(ROOT / "kata_oci" / "data" / shipped, tmp_path / "c.toml", table)
    bundle = ROOT / "examples" / "bundles" / "containerd-pod-sandbox"
    main(["check", str(bundle), "--config", str(config)])
    out = capsys.readouterr().out
    (note,) = [line for line in out.splitlines() if line.startswith("# note: ")]
    assert says in note
    main(["check", str(bundle), "--config", str(config), "--json"])
    (json_note,) = json.loads(capsys.readouterr().out)["configuration_notes"]
    assert says in json_note


def test_manifest_check_notes_unknown_keys_of_the_handlers_configuration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    qemu = tmp_path / "opt/kata/share/defaults/kata-containers/runtimes/qemu"
    qemu.mkdir(parents=True)
    shipped = ROOT / "kata_oci" / "data" / "kata4-go" / "configuration-qemu.toml"
    _with_unknown_key(shipped, qemu / "configuration-qemu.toml", "hypervisor.qemu")
    (tmp_path / "pod.yaml").write_text(POD)
    main(["check", str(tmp_path / "pod.yaml"), "--kata-config-dir", str(tmp_path), "--json"])
    (pod,) = json.loads(capsys.readouterr().out)["pods"]
    assert any("hypervisor.qemu.no_such_key: unknown key, Kata 4.1 ignores it" in n for n in pod["notes"])


def test_the_webhook_server_with_v_logs_each_event_once() -> None:
    import logging

    import structlog

    from kata_oci import log
    from kata_oci.cli import _StderrLog
    from kata_oci.cli.webhook import _configure_logging

    logger = logging.getLogger(log.LOGGER_NAME)
    before, level = list(logger.handlers), logger.level
    verbose = _StderrLog(debug=False)
    previous = log.set_level(None)
    try:
        _configure_logging("text")
        assert sum(getattr(h, "stream", None) is sys.stderr for h in logger.handlers) == 1
    finally:
        verbose.close_out()
        logger.handlers[:] = before
        logger.setLevel(level)
        log.set_level(previous)
        structlog.reset_defaults()
