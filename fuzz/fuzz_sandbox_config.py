#!/usr/bin/env python3
"""atheris (libFuzzer) target: config.json bytes -> decode_spec -> container_type -> sandbox_config.

Any exception other than a ``kata_oci.KataOCIError`` is a finding, and so is a hang
(libFuzzer's ``-timeout``) or a memory blow-up (``-rss_limit_mb``).

Two input forms:

* input that starts with ``{`` or ``[`` is a whole ``config.json`` (the seed corpus is real
  specs; libFuzzer mutates them);
* anything else drives a structured run: a valid base spec with fuzzer-chosen annotations
  (known keys, CRI keys, free keys) and values, converted under a fuzzer-chosen runtime
  configuration (the shipped Kata 1.x default, Go's zero value, or narrow allow-lists).

Usage (see fuzz/README.md)::

    uv run python fuzz/fuzz_sandbox_config.py -runs=2000
    uv run python fuzz/fuzz_sandbox_config.py CORPUS_DIR tests/fixtures/conformance \\
        -dict=fuzz/kata_oci.dict -max_total_time=600 -timeout=10 -rss_limit_mb=2048
"""

from __future__ import annotations

import json
import logging
import sys
from importlib import resources
from pathlib import Path

import atheris

with atheris.instrument_imports(
    include=["kata_oci", "kata_oci_containerd", "kata_oci_crio", "kata_oci_dockershim"]
):
    import kata_oci_containerd  # noqa: F401
    import kata_oci_crio  # noqa: F401
    import kata_oci_dockershim  # noqa: F401
    import msgspec

    import kata_oci
    import kata_oci.annotations
    import kata_oci.config
    import kata_oci.configfile
    import kata_oci.convert
    import kata_oci.engine
    import kata_oci.golang
    import kata_oci.identity
    import kata_oci.overrides
    import kata_oci.sandbox
    import kata_oci.spec

from kata_oci import KataOCIError, annotations as ka

logging.getLogger("kata_oci").setLevel(logging.CRITICAL)  # unknown keys warn; not findings

HERE = Path(__file__).resolve().parent
BASE = json.loads(
    (HERE.parent / "tests" / "fixtures" / "conformance" / "runtime-spec-good-spec-example.json").read_text()
)

_shipped = kata_oci.load_runtime_config(
    Path(str(resources.files("kata_oci") / kata_oci.configfile.DEFAULT_CONFIG_RESOURCE))
)
_narrow = msgspec.structs.replace(
    _shipped,
    hypervisor_config=msgspec.structs.replace(
        _shipped.hypervisor_config,
        enable_annotations=["^default_", "kernel", "[", "", "(a+)+$", "^path$|virtio_fs"],
        hypervisor_path_list=["/usr/bin/*", "/bin/[a-c]*"],
        virtio_fs_daemon_list=["/usr/lib*/*virtiofsd*", "/bin/true"],
        file_backed_mem_root_list=["/dev/shm*", "/tmp"],
        shared_fs="virtio-9p",
    ),
)
RUNTIME_CONFIGS = [_shipped, kata_oci.RuntimeConfig(), _narrow]

KEYS = sorted(
    {d.key for d in ka.DECLARATIONS}
    | set(ka.NOT_OVERRIDES)
    | {
        "io.kubernetes.cri.container-type",
        "io.kubernetes.cri.sandbox-id",
        "io.kubernetes.cri-o.ContainerType",
        "io.kubernetes.cri-o.SandboxID",
        "io.kubernetes.docker.type",
        "io.kubernetes.sandbox.id",
    }
)
VALUES = [
    "true", "false", "1", "0", "4294967295", "4294967296", "-1", "", "sandbox", "container", "podsandbox",
    "virtio-fs", "virtio-9p", "virtio-scsi", "macvtap", "default", "newstore", "a=b c", "=x",
    "/usr/bin/qemu-system-x86_64", "/usr/bin/../bin/true", "/bin/true", "/dev/shm", "/dev/shm/", "/tmp",
]  # fmt: skip


def convert(spec: kata_oci.Spec, rc: kata_oci.RuntimeConfig, strict: bool) -> None:
    kata_oci.container_type(spec)
    try:
        kata_oci.sandbox_id(spec)
    except KataOCIError:
        pass
    result = kata_oci.sandbox_config(spec, rc, "/run/bundle", "fuzz", strict_annotations=strict)
    kata_oci.to_json(result)  # what a caller does next must work too


def structured(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    rc = RUNTIME_CONFIGS[fdp.ConsumeIntInRange(0, len(RUNTIME_CONFIGS) - 1)]
    strict = fdp.ConsumeBool()
    annotations: dict[str, str] = {}
    for _ in range(fdp.ConsumeIntInRange(0, 24)):
        how = fdp.ConsumeIntInRange(0, 3)
        if how == 0:
            key = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
        elif how == 1:
            key = ka.KATA_ANNOT_HYPERVISOR_PREFIX + fdp.ConsumeUnicodeNoSurrogates(
                fdp.ConsumeIntInRange(0, 32)
            )
        else:
            key = KEYS[fdp.ConsumeIntInRange(0, len(KEYS) - 1)]
        if fdp.ConsumeBool():
            value = VALUES[fdp.ConsumeIntInRange(0, len(VALUES) - 1)]
        else:
            value = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
        annotations[key] = value
    document = {**BASE, "annotations": annotations}
    if fdp.ConsumeBool():  # sometimes drop a section the conversion needs
        document.pop(("process", "root", "linux", "mounts")[fdp.ConsumeIntInRange(0, 3)], None)
    try:
        spec = kata_oci.decode_spec(json.dumps(document).encode())
        convert(spec, rc, strict)
    except KataOCIError:
        pass


def raw(data: bytes) -> None:
    try:
        spec = kata_oci.decode_spec(data)
        convert(spec, RUNTIME_CONFIGS[len(data) % len(RUNTIME_CONFIGS)], strict=len(data) % 2 == 0)
    except KataOCIError:
        pass


def test_one_input(data: bytes) -> None:
    if data[:1] in (b"{", b"["):
        raw(data)
    else:
        structured(data)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
