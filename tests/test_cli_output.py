"""The command's output layer: escaping, tables, closed pipes, non-UTF-8 input and terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci.cli import output

from helpers import ROOT

KATA_OCI = Path(sys.executable).with_name("kata-oci")
EXAMPLES = ROOT / "examples" / "bundles"
SANDBOX = EXAMPLES / "containerd-pod-sandbox"
REJECTED = EXAMPLES / "containerd-rejected"
SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"
HV = "io.katacontainers.config.hypervisor."


def run(*args: str | Path | bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    argv = [os.fsencode(a) if not isinstance(a, bytes) else a for a in (KATA_OCI, *args)]
    return subprocess.run(argv, capture_output=True, check=False, env={**os.environ, **(env or {})}, cwd=ROOT)


def hostile_bundle(tmp_path: Path, annotations: dict[str, str]) -> Path:
    spec = json.loads((SANDBOX / "config.json").read_text())
    spec["annotations"].update(annotations)
    bundle = tmp_path / "bundle"
    bundle.mkdir(exist_ok=True)
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("esc\x1b[31mred", "esc\\x1b[31mred"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("tab\there", "tab\\there"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("c1\x85x\x9b", "c1\\x85x\\x9b"),
        ("del\x7f", "del\\x7f"),
        ("not utf-8: \udcff\udc80", "not utf-8: \\xff\\x80"),
        ("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),
    ],
)
def test_escape_shows_every_control_character_as_python_would(raw: str, shown: str) -> None:
    assert output.escape(raw) == shown
    assert output.escape(shown) == shown  # escaping twice changes nothing
    assert output.escape(raw).isprintable()


def test_one_line_joins_and_escapes() -> None:
    assert output.one_line("first\n  second \n\nthird\x1b") == "first second; third\\x1b"


def test_table_never_runs_columns_together() -> None:
    lines = output.table(
        ("a", "key", "sets"), [("yes", "k" * 80, ""), ("no", "short", "x.y"), ("x", "", "z")]
    )
    assert [len(line.split()) for line in lines] == [3, 3, 3, 3]  # '-' stands for an empty cell
    starts = {line.index(line.split()[2]) for line in lines}
    assert len(starts) == 1  # the last column starts at one place
    assert "k" * 80 + "  " in lines[1]


def test_check_escapes_keys_and_values(tmp_path: Path) -> None:
    bundle = hostile_bundle(
        tmp_path,
        {
            HV + "default_memory\x1b]0;owned\x07": "1\x1b[2J",
            HV + "x\napplied  " + HV + "path = 'forged'": "1\rapplied",
        },
    )
    result = run("check", bundle, "--config", SHIPPED)
    out = result.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "default_memory\\x1b]0;owned\\x07" in out
    assert not any(line.startswith("applied  " + HV + "path") for line in out.splitlines())
    keys = json.loads((bundle / "config.json").read_text())["annotations"]
    assert len(out.splitlines()) == 1 + sum(1 for k in keys if k.startswith("io.katacontainers."))


def test_resolve_escapes_sandbox_id_and_pod_identity(tmp_path: Path) -> None:
    bundle = hostile_bundle(
        tmp_path,
        {
            "io.kubernetes.cri.sandbox-id": "abc\x1b[31m\nconflict: forged",
            "io.kubernetes.cri.sandbox-name": "name\x1b]8;;http://evil\x07",
        },
    )
    out = run("resolve", bundle).stdout.decode()
    assert "\x1b" not in out
    assert "abc\\x1b[31m\\nconflict: forged" in out
    assert not any(line.startswith("conflict: forged") for line in out.splitlines())


def test_one_line_errors_are_escaped(tmp_path: Path) -> None:
    result = run("resolve", tmp_path / "no\x1b[31mthere\nline2")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "\x1b" not in err
    assert len(err.splitlines()) == 1
    assert "no\\x1b[31mthere\\nline2" in err


def test_global_options_anywhere_on_the_line() -> None:
    before = run("--debug", "convert", REJECTED, "--config", SHIPPED)
    after = run("convert", REJECTED, "--config", SHIPPED, "--debug")
    assert before.returncode == after.returncode == 1
    assert b"Traceback" in before.stderr and b"Traceback" in after.stderr
    assert run("resolve", SANDBOX, "-v").returncode == 0
    assert run("resolve", "-v", SANDBOX, "--verbose").returncode == 0


def _closed_pipe_status(*args: str | Path) -> int:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the command writes
    try:
        return subprocess.run(
            [str(KATA_OCI), *map(str, args)], stdout=write, stderr=subprocess.DEVNULL, check=False, cwd=ROOT
        ).returncode
    finally:
        os.close(write)


def test_check_keeps_its_verdict_when_the_output_pipe_is_closed(tmp_path: Path) -> None:
    assert _closed_pipe_status("check", REJECTED, "--config", SHIPPED) == 1
    assert _closed_pipe_status("check", REJECTED, "--config", SHIPPED, "--json") == 1
    many = hostile_bundle(tmp_path, {f"{HV}bogus_{i}": "x" * 100 for i in range(2000)})  # > a pipe buffer
    assert _closed_pipe_status("check", many, "--config", SHIPPED, "--strict") == 1
    assert _closed_pipe_status("check", SANDBOX, "--config", SHIPPED) == 0


def test_non_utf8_bundle_path_id_and_console(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/bundle-\xff"
    os.mkdir(raw)
    with open(raw + b"/config.json", "wb") as f:
        f.write((SANDBOX / "config.json").read_bytes())
    text = run("resolve", raw)
    assert text.returncode == 0, text.stderr
    doc = json.loads(run("resolve", raw, "--json").stdout)
    assert doc["bundle"].endswith("bundle-\\xff")
    conv = run("convert", raw, "--config", SHIPPED, "--id", b"id-\xfe", "--console", b"/dev/pts/\xfd")
    assert conv.returncode == 0, conv.stderr
    assert json.loads(conv.stdout)["id"] == "id-\\xfe"
    compact = run("convert", raw, "--config", SHIPPED, "--id", b"id-\xfe", "--compact")
    assert compact.returncode == 0, compact.stderr
    check = run("check", raw, "--config", SHIPPED, "--id", b"\xff", "--json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["bundle"].endswith("bundle-\\xff")
    missing = run("check", raw + b"/nope\xfa", "--config", SHIPPED)
    assert missing.returncode == 2
    assert b"Traceback" not in missing.stderr
    assert b"nope\\xfa" in missing.stderr


def test_a_terminal_that_is_not_utf8_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path, {"io.kubernetes.cri.sandbox-name": "\u65e5\u672c-pod \U0001f600"})
    for encoding in ("ascii", "latin-1"):
        result = run("resolve", bundle, env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
        assert b"\\u65e5\\u672c-pod" in result.stdout
        doc = run("resolve", bundle, "--json", env={"PYTHONIOENCODING": encoding})
        assert doc.returncode == 0
        assert json.loads(doc.stdout)["pod"]["sandbox_name"] == "\u65e5\u672c-pod \U0001f600"


@pytest.mark.parametrize(
    "command",
    [
        ["check", str(SANDBOX), "--kata", "kata1"],
        ["annotations", "--kata", "kata1"],
        ["convert", str(SANDBOX), "--kata", "kata1", "-v"],
        ["check", "--containerd-root", "ROOT", "--kata", "kata1"],
    ],
    ids=["check", "annotations", "convert", "audit"],
)
def test_every_subcommand_escapes_a_hostile_configuration_path(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "conf\x1b]0;owned\x07\nforged.toml"
    config.write_bytes(SHIPPED.read_bytes())
    state = tmp_path / "state"
    (state / "k8s.io" / "p").mkdir(parents=True)
    (state / "k8s.io" / "p" / "config.json").write_bytes((SANDBOX / "config.json").read_bytes())
    args = [str(state) if a == "ROOT" else a for a in command]
    result = run(*args, "--config", config)
    assert result.returncode in (0, 1), result.stderr
    for stream in (result.stdout, result.stderr):
        assert b"\x1b" not in stream and b"\x07" not in stream
        assert not any(line.startswith(b"forged") for line in stream.splitlines())
    assert b"conf\\x1b]0;owned\\x07\\nforged.toml" in result.stdout + result.stderr


def test_a_newline_in_a_rejected_key_is_shown_not_obeyed_in_the_error_line(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path, {HV + "enable_hugepages\nkata-oci: error: forged": "yes\x1b[2J"})
    result = run("convert", bundle, "--kata", "kata1", "--config", SHIPPED, "--strict")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert len(err.splitlines()) == 1
    assert "enable_hugepages\\nkata-oci: error: forged" in err
    assert "\x1b" not in err
