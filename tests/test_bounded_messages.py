"""Every error message is bounded (issue 15): a 1 MB key or value is cut with a marker.

And CRI-O's JSON annotations too deep to decode count as unreadable, with a
warning, as documented, instead of failing the call.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import (
    ContainerTypeError,
    CRIConflictError,
    DeviceError,
    Engine,
    EnvVarError,
    KataOCIError,
    KernelParamError,
    RuntimeConfig,
    SandboxIDError,
    ShmSizeError,
)
from kata_oci.config import HypervisorConfig, Param

from helpers import FIXTURES

MB = 1024 * 1024
BOUND = 4096  # what a person can read; the inputs are 1 MB
BASE: dict[str, Any] = json.loads(
    (FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_text(encoding="utf-8")
)
MARKER = f"...({MB} characters)"


def spec(**changes: Any) -> kata_oci.Spec:
    return kata_oci.decode_spec(json.dumps({**BASE, **changes}).encode())


def convert(s: kata_oci.Spec, **kw: Any) -> kata_oci.SandboxConfig:
    rc = RuntimeConfig(hypervisor_config=HypervisorConfig(enable_annotations=[".*"]))
    return kata_oci.sandbox_config(s, rc, "/run/bundle", "cid", **kw)


def bounded(exc: BaseException) -> str:
    text = str(exc)
    assert len(text) < BOUND, len(text)
    return text


@pytest.fixture
def engine(builtin_plugins: list[object]) -> Engine:
    return Engine.from_plugins(builtin_plugins)


def sandbox_annotations(**extra: str) -> dict[str, str]:
    return {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-id": "sid", **extra}


# -- each error class -------------------------------------------------------------------------------


def test_container_type_error(engine: Engine) -> None:
    with pytest.raises(ContainerTypeError) as info:
        engine.container_type({"io.kubernetes.cri.container-type": "x" * MB})
    assert MARKER in bounded(info.value)


@pytest.mark.parametrize(
    "device",
    [{"type": "x" * MB, "path": "/dev/a"}, {"type": "x", "path": "/" + "p" * (MB - 1)}, {"type": "q" * MB}],
)
def test_device_error(device: dict[str, Any]) -> None:
    linux = {**BASE["linux"], "devices": [{"major": 1, "minor": 2, **device}]}
    with pytest.raises(DeviceError) as info:
        convert(spec(linux=linux, annotations=sandbox_annotations()))
    assert MARKER in bounded(info.value)


def test_shm_size_error() -> None:
    mounts = [{"destination": "/dev/shm", "type": "bind", "source": "/nonexistent/" + "s" * MB}]
    with pytest.raises(ShmSizeError) as info:
        convert(spec(mounts=mounts, annotations=sandbox_annotations()))
    assert "characters)" in bounded(info.value)


@pytest.mark.parametrize("entry", ["x" * MB, "=" + "v" * (MB - 1)])
def test_env_var_error(entry: str) -> None:
    from kata_oci.convert import env_vars

    with pytest.raises(EnvVarError) as info:
        env_vars(["PATH=/bin", entry])
    assert MARKER in bounded(info.value)


def test_kernel_param_error() -> None:
    from kata_oci.config import _checked_param

    with pytest.raises(KernelParamError) as info:
        _checked_param(Param(key="", value="v" * MB))
    assert MARKER in bounded(info.value)


def test_strict_container_type_conflict(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri-o.ContainerType": "c" * MB}
    with pytest.raises(ContainerTypeError) as info:
        engine.container_type(ann, strict=True)
    assert "conflicting CRI annotations" in bounded(info.value)
    with capture_logs() as logs:
        engine.container_type(ann)
    (event,) = [e for e in logs if e["event"] == "cri_conflict"]
    assert len(repr(event)) < BOUND


def test_strict_sandbox_id_conflict(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.sandbox-id": "a" * MB, "io.kubernetes.cri-o.SandboxID": "b" * MB}
    with pytest.raises(SandboxIDError) as info:
        engine.sandbox_id(ann, strict=True)
    assert MARKER in bounded(info.value)


def test_strict_pod_identity_conflict(engine: Engine) -> None:
    ann = {
        "io.kubernetes.cri.sandbox-name": "n" * MB,
        "io.kubernetes.cri-o.KubeName": "m" * MB,
        "io.kubernetes.cri-o.ContainerType": "sandbox",
    }
    with pytest.raises(CRIConflictError) as info:
        engine.pod_identity(ann, strict=True)
    assert MARKER in bounded(info.value)


def test_every_error_of_a_hostile_spec_is_bounded(engine: Engine) -> None:
    cases: list[dict[str, Any]] = [
        {"annotations": {"io.kubernetes.cri.container-type": "k" * MB}},
        {"annotations": sandbox_annotations(**{"io.katacontainers.config.hypervisor." + "k" * MB: "1"})},
        {
            "annotations": sandbox_annotations(
                **{"io.katacontainers.config.hypervisor.default_vcpus": "v" * MB}
            )
        },
    ]
    for changes in cases:
        with pytest.raises(KataOCIError) as info:
            convert(spec(**changes), strict_annotations=True)
        bounded(info.value)


# -- CRI-O's JSON annotations, too deep ------------------------------------------------------------

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


@pytest.mark.parametrize("raw", [DEEP_ARRAY, '{"unified":' + DEEP_ARRAY + "}", DEEP_OBJECT])
@pytest.mark.parametrize("key", ["pod-linux-resources.crio.io", "io.kubernetes.cri-o.PodLinuxOverhead"])
def test_deep_json_in_crio_sizing_counts_as_unreadable(engine: Engine, key: str, raw: str) -> None:
    ann = {"io.kubernetes.cri-o.ContainerType": "sandbox", key: raw}
    with capture_logs() as logs:
        answer = engine.sandbox_sizing_answer(ann)
    assert answer.plugin == "kata_oci_crio"
    events = [e for e in logs if e["event"] == "sandbox_sizing_value_invalid"]
    assert events and events[0]["consequence"] == "counts as 0"
    assert len(repr(events[0])) < BOUND


@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT, '{"name":' + DEEP_ARRAY + "}"])
def test_deep_json_in_crio_metadata_counts_as_unreadable(engine: Engine, raw: str) -> None:
    ann = {
        "io.kubernetes.cri-o.ContainerType": "sandbox",
        "io.kubernetes.cri-o.Metadata": raw,
        "io.kubernetes.cri-o.KubeName": "web",
    }
    with capture_logs() as logs:
        identity = engine.pod_identity(ann)
    assert identity.sandbox_name == "web"
    assert [e["event"] for e in logs if e["event"] == "crio_metadata_invalid"] == ["crio_metadata_invalid"]


def test_moderately_deep_crio_json_still_decodes(engine: Engine) -> None:
    raw = json.dumps({"cpu_period": 100000, "cpu_quota": 200000, "unified": {"a": [[[["x"]]]]}})
    ann = {"io.kubernetes.cri-o.ContainerType": "sandbox", "pod-linux-resources.crio.io": raw}
    assert engine.sandbox_sizing(ann).vcpus == pytest.approx(2.0)
    assert msgspec.json.decode(raw)  # the input is valid JSON


def test_get_container_type_error() -> None:
    from kata_oci.identity import get_container_type

    with pytest.raises(ContainerTypeError) as info:
        get_container_type({"io.katacontainers.pkg.oci.container_type": "t" * MB})
    assert MARKER in bounded(info.value)


def test_sizing_warning_is_bounded(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-cpu-quota": "9" * MB}
    with capture_logs() as logs:
        engine.sandbox_sizing(ann)
    events = [e for e in logs if e["event"] == "sandbox_sizing_value_invalid"]
    assert events and len(repr(events)) < BOUND


# -- TOML inside an annotation (the go profile's cc_init_data) goes through the bounded reader ------


def _initdata(text: str) -> str:
    import base64
    import gzip

    return base64.b64encode(gzip.compress(text.encode())).decode()


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 500 + "]" * 500 + "\n",
        ".".join(["a"] * 20_000) + " = 1\n",
        'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n' + '"' + "k" * MB + '" = 1\n',
    ],
    ids=["deep", "dotted", "huge-key"],
)
def test_initdata_toml_is_read_within_bounds(text: str) -> None:
    from kata_oci.profiles.go.initdata import InitdataError, decode_initdata

    with pytest.raises(InitdataError) as info:
        decode_initdata(_initdata(text))
    assert info.value.step == "toml"
    bounded(info.value)


KB256 = 256 * 1024


@pytest.mark.parametrize(
    "text",
    [
        '[hypervisor.qemu]\n"' + "K" * KB256 + '" = 1\n',  # an unknown key (strict)
        "[hypervisor." + "q" * KB256 + "]\npath = 1\n",  # an unknown hypervisor
        '[hypervisor.qemu]\npath = "' + "p" * KB256 + '"\npath = 2\n',  # a TOML error quoting the line
    ],
    ids=["huge-keys", "huge-section", "huge-value"],
)
def test_configuration_errors_are_bounded(tmp_path: Any, text: str) -> None:
    from kata_oci import ConfigError, load_runtime_config

    path = tmp_path / "configuration.toml"
    path.write_text(text)
    try:
        load_runtime_config(path, strict=True)
    except ConfigError as exc:
        bounded(exc)
    else:  # pragma: no cover - every case is refused
        pytest.fail("accepted")
