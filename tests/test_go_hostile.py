"""Hostile values for every key of the go table: a decision for each, bounded reasons, no traceback."""

from __future__ import annotations

import base64
import gzip

import pytest

from kata_oci.errors import KataOCIError
from kata_oci.profiles.go import annotate, table as t
from kata_oci.profiles.go.sandbox import SandboxConfig
from kata_oci.profiles.go.types import HypervisorConfig, HypervisorType, RuntimeConfig

NASTY = [
    "",
    " ",
    "\x00",
    "\udcff",
    "\u202e",
    "-1",
    "9" * 100_000,
    "1e99999",
    "0x" + "f" * 5000 + "p99999",
    "NaN",
    "[" * 5000,
    '["' + "a" * 100_000 + '"]',
    "=" * 1000,
    "0-" + "9" * 30,
    "," * 10_000,
    "a=b " * 10_000,
    base64.b64encode(gzip.compress(b"version = 1\n" * 1000)).decode(),
    base64.b64encode(b"\xff\xfe not utf-8").decode(),
    "A" * 400_000,
]


@pytest.mark.parametrize("kind", [HypervisorType.QEMU, HypervisorType.REMOTE])
@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_every_key_decides_hostile_values(kind: HypervisorType, value: str) -> None:
    runtime = RuntimeConfig(
        hypervisor_type=kind, hypervisor_config=HypervisorConfig(enable_annotations=[".*"])
    )
    sandbox = SandboxConfig(hypervisor_type=kind)
    annotations = {d.key: value for d in t.DECLARATIONS}
    plan = annotate.plan_annotations(annotations, sandbox, runtime, features={})
    assert {d.key for d in plan.decisions} == set(annotations)
    for d in plan.decisions:
        assert len(d.reason) < 1200 and len(d.hint or "") < 1200, d.key
    if plan.rejected:
        with pytest.raises(KataOCIError) as info:
            annotate.apply_annotations(annotations, sandbox, runtime, features={})
        assert len(str(info.value)) < 50_000
