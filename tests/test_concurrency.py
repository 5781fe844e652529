"""Concurrency and resources: threads, memory, and the default engine's one-time build.

* eight threads converting different specs through the default engine get exactly what one
  thread gets;
* many conversions leave no memory behind (tracemalloc, two windows compared);
* the default engine (entry points, plugins) is built once under concurrent first use.

The benchmark runs the 100,000-conversion version of the memory check; here 2,000 are enough.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci import KataOCIError, RuntimeConfig, annotations as ka
from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE
from kata_oci.engine import Engine, reset_default_engine
from kata_oci.log import LOGGER_NAME

from helpers import FIXTURES

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
SHIPPED = kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))
BASE: dict[str, Any] = json.loads(
    (FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_text(encoding="utf-8")
)
CONTAINERD = (FIXTURES / "conformance" / "containerd-v1.7.10-cri-sandbox-config.json").read_bytes()


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def rc_with(**hypervisor: Any) -> RuntimeConfig:
    return msgspec.structs.replace(
        SHIPPED, hypervisor_config=msgspec.structs.replace(SHIPPED.hypervisor_config, **hypervisor)
    )


def spec_with(annotations: dict[str, str], **changes: Any) -> kata_oci.Spec:
    return kata_oci.decode_spec(json.dumps({**BASE, **changes, "annotations": annotations}).encode())


def workload(tmp: Path, unknown: int = 40) -> list[tuple[kata_oci.Spec, RuntimeConfig]]:
    """Different specs and configurations: applied, rejected, unknown, CRI keys, errors.

    ``unknown`` unknown hypervisor keys go in one spec (each a "did you mean" look-up of a
    few microseconds when its warning is emitted).
    """
    containerd = kata_oci.decode_spec(CONTAINERD)
    containerd = msgspec.structs.replace(
        containerd,
        mounts=[
            msgspec.structs.replace(m, source=str(tmp)) if m.destination == "/dev/shm" else m
            for m in containerd.mounts or ()
        ],
    )
    narrow = rc_with(enable_annotations=["^default_memory$", "^kernel_params$"])
    cases: list[tuple[kata_oci.Spec, RuntimeConfig]] = [
        (containerd, SHIPPED),
        (containerd, narrow),
        (spec_with({}), SHIPPED),
        (spec_with({ka.DEFAULT_MEMORY: "1024", ka.KERNEL_PARAMS: "a=b c"}), narrow),
        (spec_with({ka.DEFAULT_VCPUS: "1", ka.DEFAULT_MEMORY: "x"}), SHIPPED),
        (spec_with({ka.DEFAULT_VCPUS: "1"}), narrow),
        (spec_with({ka.BLOCK_DEVICE_DRIVER: "virtio-blk", ka.ENABLE_SWAP: "true"}), SHIPPED),
        (spec_with({ka.SHARED_FS: "virtio-fs"}), SHIPPED),
        (spec_with({ka.HYPERVISOR_PATH: "/usr/bin/qemu-system-x86_64"}), SHIPPED),
        (spec_with({f"{H}unknown_{i}": str(i) for i in range(unknown)}), SHIPPED),
        (spec_with({f"{ka.KATA_ANNOTATIONS_PREFIX}x.{i}": "1" for i in range(unknown)}), SHIPPED),
        (spec_with({"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "s"}),
         SHIPPED),
        (spec_with({"io.kubernetes.cri-o.ContainerType": "bogus"}), SHIPPED),
        (spec_with({ka.DISABLE_GUEST_SECCOMP: "false", ka.EXPERIMENTAL: "newstore"}), SHIPPED),
        (spec_with({}, linux=None), SHIPPED),
        (spec_with({}, process=None), SHIPPED),
    ]  # fmt: skip
    return cases


def fingerprint(spec: kata_oci.Spec, rc: RuntimeConfig) -> tuple[str, bytes | str]:
    try:
        return "ok", kata_oci.to_json(kata_oci.sandbox_config(spec, rc, "/run/bundle", "cid"))
    except KataOCIError as exc:
        return type(exc).__name__, str(exc)


# ----------------------------------------------------------------------------
# threads


def test_eight_threads_give_the_same_results_as_one(tmp_path: Path) -> None:
    cases = workload(tmp_path)
    serial = [fingerprint(spec, rc) for spec, rc in cases]
    assert {kind for kind, _ in serial} >= {"ok", "AnnotationError", "ContainerTypeError", "NoLinuxError"}
    jobs = [i % len(cases) for i in range(len(cases) * 25)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda i: (i, fingerprint(*cases[i])), jobs))
    for i, result in threaded:
        assert result == serial[i], i


def test_threads_with_many_distinct_pattern_sets(tmp_path: Path) -> None:
    """More distinct enable_annotations lists than kata-oci caches (its caches are cleared meanwhile)."""
    spec = spec_with({ka.DEFAULT_MEMORY: "1024", ka.DEFAULT_VCPUS: "1", f"{H}other": "x"})
    rcs = [rc_with(enable_annotations=[f"^nothing_{i}$", "^default_(memory|vcpus)$"]) for i in range(100)]
    rcs += [rc_with(enable_annotations=[f"^nothing_{i}$", "."]) for i in range(100)]
    serial = [fingerprint(spec, rc) for rc in rcs]
    assert {kind for kind, _ in serial} == {"ok", "AnnotationError"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda rc: fingerprint(spec, rc), rcs * 3))
    assert threaded == serial * 3


def test_conversions_while_the_default_engine_is_reset(tmp_path: Path, fresh_default_engine: None) -> None:
    cases = workload(tmp_path)
    serial = [fingerprint(spec, rc) for spec, rc in cases]
    stop = threading.Event()

    def resetter() -> None:
        while not stop.is_set():
            reset_default_engine()
            time.sleep(0.001)

    thread = threading.Thread(target=resetter)
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            threaded = list(
                pool.map(lambda i: (i, fingerprint(*cases[i])), [i % len(cases) for i in range(160)])
            )
    finally:
        stop.set()
        thread.join()
    for i, result in threaded:
        assert result == serial[i]


def test_plugin_loading_happens_once_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch, fresh_default_engine: None
) -> None:
    builds = []
    real: Callable[..., Engine] = Engine.from_entry_points.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Engine], **kw: Any) -> Engine:
        builds.append(threading.get_ident())
        time.sleep(0.05)  # a slow entry-point scan widens the window for a race
        return real(cls, **kw)

    monkeypatch.setattr(Engine, "from_entry_points", classmethod(counting))
    reset_default_engine()
    n = 16
    barrier = threading.Barrier(n)
    spec = kata_oci.Spec(annotations={"io.kubernetes.cri.container-type": "container"})

    def first_use(_: int) -> tuple[int, kata_oci.ContainerType]:
        barrier.wait()
        ctype = kata_oci.container_type(spec)
        return id(kata_oci.default_engine()), ctype

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(first_use, range(n)))
    assert len(builds) == 1
    assert {engine for engine, _ in results} == {id(kata_oci.default_engine())}
    assert {ctype for _, ctype in results} == {kata_oci.ContainerType.POD_CONTAINER}
    # and once built, it is not built again
    kata_oci.sandbox_id(kata_oci.Spec(annotations={"io.kubernetes.cri.sandbox-id": "s"}))
    assert len(builds) == 1


# ----------------------------------------------------------------------------
# memory


def traced_growth(run: Callable[[], None], windows: int = 2) -> list[int]:
    """Memory still allocated after each window of ``run`` (bytes), relative to the start."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        out = []
        for _ in range(windows):
            run()
            gc.collect()
            out.append(tracemalloc.get_traced_memory()[0] - start)
        return out
    finally:
        tracemalloc.stop()


def test_conversions_leave_no_memory_behind(tmp_path: Path) -> None:
    cases = workload(tmp_path, unknown=1)

    def window() -> None:
        for i in range(1_000):
            fingerprint(*cases[i % len(cases)])

    window()  # warm-up: lazy imports, regex compilation, caches
    first, second = traced_growth(window)
    # 1,000 conversions per window: a leak of even 100 bytes per conversion would show.
    assert second - first < 64 * 1024, (first, second)


def test_unique_annotation_keys_leave_bounded_memory() -> None:
    """Specs with hypervisor keys never seen before: kata-oci's caches must stay bounded."""
    rc = rc_with(enable_annotations=["^default_vcpus$", "^pattern-set-of-the-unique-keys-test$"])
    counter = iter(range(10**9))
    base = spec_with({})

    def window() -> None:
        for _ in range(300):
            n = next(counter)
            keys = {f"{H}unique_{n}_{i}": "1" for i in range(10)}
            assert fingerprint(msgspec.structs.replace(base, annotations=keys), rc)[0] == "AnnotationError"

    window()
    growth = traced_growth(window, windows=4)  # 12,000 new keys, more than any cache keeps
    # The caches fill up to their size and then stop growing: the last window adds nothing.
    assert growth[-1] - growth[-2] < 64 * 1024, growth


def test_long_unique_annotation_keys_are_not_retained() -> None:
    """A hostile pod author sends long, never-repeated hypervisor keys: nothing of them may stay."""
    rc = rc_with(enable_annotations=["^default_vcpus$", "^pattern-set-of-this-test$"])
    specs = [
        spec_with({f"{H}{j}-{i}-" + "k" * 100_000: "1" for i in range(20)})  # 2 MB of keys per spec
        for j in range(10)
    ]

    def run() -> None:
        for spec in specs:
            assert fingerprint(spec, rc)[0] == "AnnotationError"

    (growth,) = traced_growth(run, windows=1)
    assert growth < 1024 * 1024, f"{growth / 1e6:.1f} MB of the 20 MB of keys retained"
