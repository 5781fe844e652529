"""The layers one by one: API server rules, quantities, kubelet's numbers, containerd, CRI-O."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata_oci import golang
from kata_oci.k8s import CRIKind, apiserver as api, load_containerd_config, load_crio_config
from kata_oci.k8s.containerd import passthrough, sandbox_sizing_annotations
from kata_oci.k8s.crio import filter_disallowed, removed_by
from kata_oci.k8s.kubelet import milli_cpu_to_quota, milli_cpu_to_shares, pod_resources, sandbox_resources
from kata_oci.k8s.quantity import NANO, QuantityError, milli_value, parse_quantity, value

from helpers import FIXTURES

K8S = FIXTURES / "k8s"

# -- the API server -----------------------------------------------------------------------------

# apimachinery's TestIsQualifiedName (pkg/util/validation/validation_test.go), good and bad values.
GOOD_QUALIFIED = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/now-with-dashes",
    "now-with.dashes-and.dots/now-with-dashes",
    "now_with_underscores",
    "now.with.dots",
    "1.2.3.4",
    "a" * 63,
    "a" * 253 + "/" + "a" * 63,
    "io.katacontainers.config.hypervisor.default_vcpus",
]
BAD_QUALIFIED = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
    "",
]


@pytest.mark.parametrize("name", GOOD_QUALIFIED)
def test_qualified_names_accepted(name: str) -> None:
    assert api.is_qualified_name(name) == []


@pytest.mark.parametrize("name", BAD_QUALIFIED)
def test_qualified_names_refused(name: str) -> None:
    assert api.is_qualified_name(name)


def test_annotation_keys_are_lower_cased_first_as_go_does() -> None:
    assert api.annotation_key_errors("Example.com/abc") == []  # refused as a label, fine as an annotation
    assert api.annotation_key_errors("\u212aata.io/x") == []  # Kelvin sign -> k
    assert api.go_to_lower("\u0130") == "i"  # Go: one rune for one; Python would give "i̇"
    assert api.annotation_key_errors("kata.io/x\n") != []  # Go's $ does not match before a newline


def test_messages_are_apimachinerys() -> None:
    long = "io.katacontainers.config.hypervisor.blk_logical_sector_size_for_the_root_disk_x"
    assert api.annotation_key_errors(long) == ["name part must be no more than 63 characters"]
    assert api.annotation_key_errors("a/b/c") == [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
        "and '/' (e.g. 'example.com/MyName')"
    ]
    assert api.annotation_key_errors("ex_ample.com/x") == [
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
        "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
        "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    ]


def test_total_size_counts_utf8_bytes_of_keys_and_values() -> None:
    assert api.annotations_size({"ab": "é"}) == 4
    limit = api.TOTAL_ANNOTATION_SIZE_LIMIT
    assert limit == 262144
    assert api.annotations_size({"k": "v" * (limit - 1)}) == limit


# -- quantities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "milli", "whole"),
    [
        ("250m", 250, 1),
        ("1", 1000, 1),
        (1, 1000, 1),
        ("0.5", 500, 1),
        (0.5, 500, 1),
        ("1.", 1000, 1),
        (".5", 500, 1),
        ("100n", 1, 1),  # MilliValue rounds up
        ("0.1n", 1, 1),  # finer than 1n: 1n
        ("320Mi", 320 * 2**20 * 1000, 320 * 2**20),
        ("1e3", 1_000_000, 1000),
        ("1E-3", 1, 1),
        ("1.5Gi", 1610612736000, 1610612736),
        ("2k", 2_000_000, 2000),
        ("+4", 4000, 4),
    ],
)
def test_quantities(raw: object, milli: int, whole: int) -> None:
    q = parse_quantity(raw)
    assert (milli_value(q), value(q)) == (milli, whole)


@pytest.mark.parametrize("raw", ["1.2.3", "abc", "1Ki5", "", "1 Gi", True, None, "1e99999", "0x10"])
def test_bad_quantities(raw: object) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(raw)


# -- kubelet ---------------------------------------------------------------------------------------


def test_shares_and_quota_formulas() -> None:
    assert [milli_cpu_to_shares(m) for m in (0, 1, 250, 1000, 2000, 10**9)] == [2, 2, 256, 1024, 2048, 262144]
    assert [milli_cpu_to_quota(m, 100_000) for m in (0, 1, 5, 250, 1000)] == [0, 1000, 1000, 25000, 100000]


def _c(
    name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None, **kw: str
) -> dict:
    res: dict[str, dict[str, str]] = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    return {"name": name, "resources": res, **kw}


def test_pod_resources_sum_containers_and_take_the_larger_init_container() -> None:
    spec = {
        "containers": [
            _c("a", {"cpu": "250m"}, {"memory": "1Gi"}),
            _c("b", None, {"cpu": "1", "memory": "512Mi"}),
        ],
        "initContainers": [_c("init", {"cpu": "2"}, {"memory": "4Gi"})],
    }
    res = pod_resources(spec)
    # requests: containers 250m + 1 (defaulted from b's limit) = 1.25 < init 2
    assert res.cpu_request == 2 * NANO
    # limits: cpu only b's (a has none: it adds nothing; the init container has none either)
    assert res.cpu_limit == 1 * NANO
    # memory: requests default to limits: 1Gi + 512Mi < 4Gi
    assert res.memory_request == res.memory_limit == 4 * 2**30 * NANO
    linux = sandbox_resources(res)
    assert (linux.cpu_period, linux.cpu_quota, linux.cpu_shares, linux.memory_limit_in_bytes) == (
        100000,
        100000,
        2048,
        4 * 2**30,
    )


def test_sidecars_add_up_and_count_for_later_init_containers() -> None:
    spec = {
        "containers": [_c("main", {"cpu": "1"})],
        "initContainers": [
            _c("sidecar", {"cpu": "500m"}, restartPolicy="Always"),
            _c("init", {"cpu": "1200m"}),
        ],
    }
    # regular containers + sidecar = 1.5; init 1.2 + the sidecar started before it = 1.7
    assert pod_resources(spec).cpu_request == 1_700_000_000


def test_besteffort_pod_gets_minimum_shares_no_quota_no_memory() -> None:
    linux = sandbox_resources(pod_resources({"containers": [{"name": "c"}]}))
    assert (linux.cpu_quota, linux.cpu_shares, linux.memory_limit_in_bytes) == (0, 2, 0)


def test_exclusive_cpus_disable_the_quota_for_guaranteed_whole_cpus() -> None:
    spec = {"containers": [_c("c", None, {"cpu": "2", "memory": "1Gi"})]}
    res = pod_resources(spec)
    assert res.guaranteed_integer_cpus
    assert sandbox_resources(res, exclusive_cpus=True).cpu_quota == -1
    assert sandbox_resources(res).cpu_quota == 200000
    half = pod_resources({"containers": [_c("c", None, {"cpu": "1500m", "memory": "1Gi"})]})
    assert sandbox_resources(half, exclusive_cpus=True).cpu_quota == 150000


def test_pod_level_resources_replace_the_sum() -> None:
    spec = {
        "resources": {"limits": {"cpu": "4", "memory": "8Gi"}},
        "containers": [_c("c", None, {"cpu": "1", "memory": "1Gi"})],
    }
    res = pod_resources(spec)
    assert res.pod_level
    assert (res.cpu_limit, res.cpu_request, res.memory_limit) == (4 * NANO, 4 * NANO, 8 * 2**30 * NANO)


def test_bad_quantities_are_reported_and_count_as_absent() -> None:
    res = pod_resources({"containers": [_c("c", None, {"cpu": "two", "memory": "1Gi"})]})
    assert res.cpu_limit is None and res.memory_limit == 2**30 * NANO
    assert res.problems and res.problems[0].startswith("spec.containers[0].resources.limits.cpu:")


def test_containerd_sizing_annotations_are_decimal() -> None:
    res = sandbox_resources(pod_resources({"containers": [_c("c", None, {"cpu": "2", "memory": "4Gi"})]}))
    assert sandbox_sizing_annotations(res) == {
        "io.kubernetes.cri.sandbox-cpu-period": "100000",
        "io.kubernetes.cri.sandbox-cpu-quota": "200000",
        "io.kubernetes.cri.sandbox-cpu-shares": "2048",
        "io.kubernetes.cri.sandbox-memory": "4294967296",
    }


# -- containerd ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "key", "ok"),
    [
        ("io.katacontainers.*", "io.katacontainers.config.hypervisor.default_vcpus", True),
        ("io.katacontainers.*", "io.katacontainers", False),  # no dot
        ("io.katacontainers.*", "IO.katacontainers.x", False),  # case-sensitive
        ("io.katacontainers.*", "io.katacontainers.x/y", False),  # * does not cross /
        ("*", "kubernetes.io/config.seen", False),
        ("*", "anything.without.slash", True),
        ("io.katacontainers.[", "io.katacontainers.[", False),  # malformed: never matches
        (
            "io.katacontainers.config.hypervisor.default_vcpus",
            "io.katacontainers.config.hypervisor.default_vcpus",
            True,
        ),
        (
            "io.katacontainers.config.hypervisor.default_vcpus",
            "io.katacontainers.config.hypervisor.default_vcpusX",
            False,
        ),
        (
            "io.katacontainers.config.hypervisor.default_?cpus",
            "io.katacontainers.config.hypervisor.default_vcpus",
            True,
        ),
        ("io.katacontainers.config.[a-h]*", "io.katacontainers.config.hypervisor.x", True),
        ("io.katacontainers.config.[^a-h]*", "io.katacontainers.config.hypervisor.x", False),
        (
            "io.kubernetes.container.terminationMessage*",
            "io.kubernetes.container.terminationMessagePath",
            True,
        ),
        ("cdi.k8s.io/*", "cdi.k8s.io/gpu", True),
    ],
)
def test_path_match_as_containerd_calls_it(pattern: str, key: str, ok: bool) -> None:
    assert golang.path_match(pattern, key) is ok


def test_passthrough_keeps_matching_keys_only() -> None:
    ann = {"t.f": "j", "z.g": "o", "z": "o", "y.ca": "b", "y": "b"}
    assert passthrough(["*.f", "z*g", "y.c*"], ann) == {"t.f": "j", "z.g": "o", "y.ca": "b"}
    assert passthrough(["*"], ann) == ann
    assert passthrough([], ann) == {}


@pytest.mark.parametrize("version", [2, 3])
def test_kata_deploy_containerd_configs(version: int) -> None:
    node = load_containerd_config(K8S / f"kata-deploy-4.1.0-derived-containerd-config-v{version}.toml")
    assert node.cri is CRIKind.CONTAINERD
    assert node.schema == f"containerd config version {version}"
    assert node.default_handler == "runc"  # kata-deploy does not change the default
    q = node.handlers["kata-qemu"]
    assert q.kata and q.runtime == "go"
    assert q.pod_annotations == ("io.katacontainers.*",)
    assert q.container_annotations == ("io.kubernetes.container.terminationMessage*",)
    assert q.config_path == "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml"
    rs = node.handlers["kata-qemu-runtime-rs"]
    assert rs.runtime == "rs" and rs.runtime_path == "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2"
    assert len([h for h in node.handlers.values() if h.kata]) == 23
    assert "kata-qemu-se" not in node.handlers  # s390x only


def test_containerd_docs_config_has_a_kata_runtime_that_passes_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "version = 3\n"
        '[plugins."io.containerd.cri.v1.runtime".containerd]\n'
        '  default_runtime_name = "crun"\n'
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.crun]\n'
        '  runtime_type = "io.containerd.runc.v2"\n'
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata]\n'
        '  runtime_type = "io.containerd.kata.v2"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.old]\n'
        '  runtime_type = "io.containerd.kata.v2"\n'
    )
    node = load_containerd_config(cfg)
    assert node.default_handler == "crun"
    assert set(node.handlers) == {"crun", "kata"}
    kata = node.handlers["kata"]
    assert kata.kata and kata.pod_annotations == () and kata.config_path is None and kata.runtime is None
    assert not node.handlers["crun"].kata
    assert node.notes == (
        f"{cfg}: runtimes under plugins.'io.containerd.grpc.v1.cri' are ignored in a version 3 file",
    )


def test_containerd_version_1_and_imports(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "kata.toml").write_text(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\n'
        'runtime_type = "io.containerd.kata.v2"\npod_annotations = ["io.katacontainers.*"]\n'
    )
    (tmp_path / "config.toml").write_text(
        'imports = ["conf.d/*.toml", "/nonexistent/*.toml"]\n'
        "[plugins.cri.containerd.runtimes.runc]\nruntime_type = 'io.containerd.runc.v2'\n"
    )
    node = load_containerd_config(tmp_path / "config.toml")
    assert set(node.handlers) == {"runc", "kata"}
    assert node.handlers["kata"].pod_annotations == ("io.katacontainers.*",)
    assert node.schema == "containerd config version 1/2"
    assert any("/nonexistent/*.toml" in n for n in node.notes)


def test_containerd_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    from kata_oci.errors import ConfigError

    (tmp_path / "c.toml").write_text("version = = 3\n")
    with pytest.raises(ConfigError) as exc:
        load_containerd_config(tmp_path / "c.toml")
    assert (exc.value.file, exc.value.line) == (str(tmp_path / "c.toml"), 1)


# -- CRI-O ----------------------------------------------------------------------------------------


def test_kata_deploy_crio_drop_in_directory() -> None:
    node = load_crio_config(K8S / "crio.conf.d")
    assert node.cri is CRIKind.CRIO
    assert node.default_handler == "crun"
    q = node.handlers["kata-qemu"]
    assert q.kata and q.runtime_type == "vm" and q.allowed_annotations == () and not q.problems
    assert q.config_path == "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml"
    assert node.handlers["kata-qemu-runtime-rs"].runtime == "rs"
    assert not node.handlers["crun"].kata


def test_crio_filters_only_its_own_keys_by_prefix() -> None:
    assert removed_by((), "io.katacontainers.config.hypervisor.default_vcpus") is None
    assert removed_by((), "run.oci.keep_original_groups") == "run.oci."
    assert removed_by(("run.oci.",), "run.oci.keep_original_groups") is None
    assert removed_by((), "bundle-anything") == "bundle"  # prefix match, as CRI-O does
    ann = {"io.katacontainers.x": "1", "userns-mode.crio.io": "auto", "other": "2"}
    assert filter_disallowed((), ann) == {"io.katacontainers.x": "1", "other": "2"}
    assert filter_disallowed(("userns-mode.crio.io",), ann) == ann


def test_crio_config_problems(tmp_path: Path) -> None:
    (tmp_path / "crio.conf").write_text(
        '[crio.runtime]\ndefault_runtime = "missing"\n'
        '[crio.runtime.runtimes.kata]\nruntime_path = "/usr/bin/containerd-shim-kata-v2"\n'
        'allowed_annotations = ["io.katacontainers.*"]\n'
    )
    node = load_crio_config(tmp_path / "crio.conf")
    kata = node.handlers["kata"]
    assert kata.problems == (
        "invalid allowed_annotation: io.katacontainers.* (CRI-O refuses this configuration)",
        "runtime_type is 'oci': a Kata shim needs runtime_type = \"vm\"",
    )
    assert node.notes and "no runtime entry table [crio.runtime.runtimes.missing]" in node.notes[0]


def test_dns_labels_for_namespaces() -> None:
    assert api.is_dns1123_label("kube-system") == []
    assert api.is_dns1123_label("a" * 63) == []
    assert api.is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]
    assert api.is_dns1123_label("my.ns")  # no dots in a label
    assert api.is_dns1123_label("${NAMESPACE}")
