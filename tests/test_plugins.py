"""The plugin machinery: entry points, order, validation, custom hooks, conflicts."""

from __future__ import annotations

import re
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import CRI, ContainerType, ContainerTypeError, PluginError, SandboxIDError, hookimpl
from kata_oci.engine import Engine, default_engine
from kata_oci.plugins import make_plugin_manager

from helpers import spec_with

MYCRI_SOURCE = """
from kata_oci import CRI, ContainerType, hookimpl

CRI_KEYS = CRI(
    name="mycri",
    container_type_key="io.example.mycri/kind",
    container_types={"pod": ContainerType.POD_SANDBOX, "workload": ContainerType.POD_CONTAINER},
    sandbox_id_key="io.example.mycri/pod-id",
)

@hookimpl{marker}
def kata_oci_declare_cri():
    return CRI_KEYS
"""


def install_fake_distribution(
    root: Path, dist: str, module: str, source: str, entry_points: dict[str, str]
) -> None:
    """Lay out an installed distribution (module + dist-info) the way pip would."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    eps = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[kata_oci]\n{eps}")


@pytest.fixture
def site_dir(tmp_path: Path, fresh_default_engine: None) -> Iterator[Path]:
    """A directory on sys.path where a test installs made-up distributions."""
    site = tmp_path / "site"
    site.mkdir()
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m.startswith("fake_kata_oci_")]:
        del sys.modules[name]


def test_third_party_cri_through_entry_points(site_dir: Path) -> None:
    install_fake_distribution(
        site_dir,
        "kata-oci-mycri",
        "fake_kata_oci_mycri",
        MYCRI_SOURCE.replace("{marker}", ""),
        {"mycri": "fake_kata_oci_mycri"},
    )
    pod = spec_with({"io.example.mycri/kind": "pod", "io.example.mycri/pod-id": "p1"})
    workload = spec_with({"io.example.mycri/kind": "workload", "io.example.mycri/pod-id": "p1"})
    assert kata_oci.container_type(pod) is ContainerType.POD_SANDBOX
    assert kata_oci.container_type(workload) is ContainerType.POD_CONTAINER
    assert kata_oci.sandbox_id(workload) == "p1"
    # after the built-ins, in Kata's order (whatever other plugins are installed)
    keys = kata_oci.cri_container_type_keys()
    builtin = [k for k in keys if k.startswith("io.kubernetes.")]
    assert keys.index("io.example.mycri/kind") > max(keys.index(k) for k in builtin)
    assert builtin == [
        "io.kubernetes.cri.container-type",
        "io.kubernetes.cri-o.ContainerType",
        "io.kubernetes.docker.type",
    ]
    sid_keys = kata_oci.cri_sandbox_id_keys()
    assert sid_keys.index("io.example.mycri/pod-id") > sid_keys.index("io.kubernetes.sandbox.id")
    assert ("workload", ContainerType.POD_CONTAINER) in kata_oci.cri_container_types()
    with pytest.raises(ContainerTypeError, match=re.escape("io.example.mycri/kind")):
        kata_oci.container_type(spec_with({"io.example.mycri/kind": "nope"}))
    info = default_engine().plugin_infos["mycri"]
    assert (info.distribution, info.version, info.module) == (
        "kata-oci-mycri",
        "1.2.3",
        "fake_kata_oci_mycri",
    )


def test_third_party_plugin_goes_after_builtins_unless_tryfirst(site_dir: Path) -> None:
    source = MYCRI_SOURCE.replace('"io.example.mycri/pod-id"', '"io.kubernetes.cri.sandbox-id"')
    install_fake_distribution(
        site_dir,
        "kata-oci-first",
        "fake_kata_oci_first",
        source.replace("{marker}", "(tryfirst=True)"),
        {"aaa-first": "fake_kata_oci_first"},
    )
    assert kata_oci.cri_container_type_keys()[0] == "io.example.mycri/kind"
    ours = {"aaa-first", "containerd", "crio", "dockershim"}  # other installed plugins may be listed too
    names = [name for name, _ in default_engine().cris]
    assert [n for n in names if n in ours] == ["aaa-first", "containerd", "crio", "dockershim"]


def test_plugin_that_fails_to_import_raises_plugin_error(site_dir: Path) -> None:
    install_fake_distribution(
        site_dir,
        "kata-oci-broken",
        "fake_kata_oci_broken",
        "raise RuntimeError('boom')\n",
        {"broken": "fake_kata_oci_broken"},
    )
    with pytest.raises(PluginError) as info:
        kata_oci.container_type(spec_with({}))
    assert info.value.plugin == "broken"
    assert "boom" in str(info.value)
    assert "fake_kata_oci_broken" in str(info.value)


def test_misspelt_hook_is_caught_by_check_pending() -> None:
    plugin = types.SimpleNamespace(__name__="typo")

    @hookimpl
    def kata_oci_declare_crii() -> None:  # misspelt
        return None

    plugin.kata_oci_declare_crii = kata_oci_declare_crii
    with pytest.raises(PluginError) as info:
        Engine.from_plugins([plugin])
    assert info.value.plugin == "typo"
    assert "kata_oci_declare_crii" in str(info.value)


def test_hook_with_unknown_argument_is_rejected() -> None:
    class Plugin:
        __name__ = "badargs"

        @hookimpl
        def kata_oci_resolve_sandbox_id(self, annotations: Any, spec: Any) -> None:
            return None

    with pytest.raises(PluginError, match="badargs"):
        Engine.from_plugins([Plugin()])


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("not a CRI", "not kata_oci.CRI"),
        (CRI(name=""), "name must be a non-empty string"),
        (CRI(name="x", container_type_key="k", container_types={"a": "pod_sandbox"}), "ContainerType"),  # type: ignore[dict-item]
        (CRI(name="x", container_types={"a": ContainerType.POD_SANDBOX}), "container_type_key is empty"),
    ],
)
def test_bad_declaration_raises_plugin_error(declaration: Any, message: str) -> None:
    class Plugin:
        __name__ = "baddecl"

        @hookimpl
        def kata_oci_declare_cri(self) -> Any:
            return declaration

    with pytest.raises(PluginError, match=message):
        Engine.from_plugins([Plugin()])


def test_two_plugins_declaring_the_same_cri_name(builtin_plugins: list[object]) -> None:
    import kata_oci_containerd

    clone = types.SimpleNamespace(
        __name__="clone", kata_oci_declare_cri=kata_oci_containerd.kata_oci_declare_cri
    )
    with pytest.raises(PluginError, match="already declared"):
        Engine.from_plugins([*builtin_plugins, clone])


def test_duplicate_entry_point_names_are_an_error() -> None:
    class EP:
        def __init__(self, name: str, value: str) -> None:
            self.name, self.value, self.dist = name, value, None

        def load(self) -> object:
            return types.ModuleType(self.value)

    with pytest.raises(PluginError, match="two plugins use this entry-point name"):
        make_plugin_manager(entry_point_source=[EP("dup", "a"), EP("dup", "b")])


def test_no_cri_plugin_logs_a_warning_and_everything_is_a_sandbox() -> None:
    with capture_logs() as logs:
        engine = Engine.from_plugins([])
    assert [entry["event"] for entry in logs] == ["no_cri_plugins"]
    assert logs[0]["log_level"] == "warning"
    assert logs[0]["source"] == "virtcontainers"
    assert logs[0]["subsystem"] == "oci"
    spec = spec_with({"io.kubernetes.cri.container-type": "container"})
    assert engine.container_type(spec) is ContainerType.POD_SANDBOX
    assert engine.cri_container_type_keys() == []
    with pytest.raises(SandboxIDError, match="no CRI plugin"):
        engine.sandbox_id(spec)


def test_explicit_plugin_list_sets_the_order(builtin_plugins: list[object]) -> None:
    containerd, crio, dockershim = builtin_plugins
    engine = Engine.from_plugins([dockershim, crio, containerd])
    assert engine.cri_sandbox_id_keys() == [
        "io.kubernetes.sandbox.id",
        "io.kubernetes.cri-o.SandboxID",
        "io.kubernetes.cri.sandbox-id",
    ]
    spec = spec_with({"io.kubernetes.sandbox.id": "d", "io.kubernetes.cri.sandbox-id": "c"})
    assert engine.sandbox_id(spec) == "d"


def test_removing_a_plugin_removes_its_keys_and_answers(builtin_plugins: list[object]) -> None:
    containerd, _crio, dockershim = builtin_plugins
    engine = Engine.from_plugins([containerd, dockershim])
    assert "io.kubernetes.cri-o.ContainerType" not in engine.cri_container_type_keys()
    spec = spec_with({"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.SandboxID": "x"})
    assert engine.container_type(spec) is ContainerType.POD_SANDBOX  # nobody recognises it
    assert not engine.container_manager(spec, "crio")
    with pytest.raises(SandboxIDError):
        engine.sandbox_id(spec)


class RegexCRI:
    """A plugin with custom logic: the type is encoded in the sandbox ID's prefix."""

    __name__ = "regexcri"

    @hookimpl
    def kata_oci_declare_cri(self) -> CRI:
        return CRI(name="regexcri", container_type_key="io.example/id", sandbox_id_key="io.example/id")

    @hookimpl
    def kata_oci_resolve_container_type(self, annotations: Any) -> ContainerType | None:
        value = annotations.get("io.example/id")
        if value is None:
            return None
        if value.startswith("sb-"):
            return ContainerType.POD_SANDBOX
        if value.startswith("ct-"):
            return ContainerType.POD_CONTAINER
        raise ContainerTypeError(f"unknown container type in annotation io.example/id: {value!r}")

    @hookimpl
    def kata_oci_resolve_sandbox_id(self, annotations: Any) -> str | None:
        value = annotations.get("io.example/id")
        return None if value is None else value[3:]


def test_custom_resolve_hooks_are_called_in_plugin_order(builtin_plugins: list[object]) -> None:
    engine = Engine.from_plugins([RegexCRI(), *builtin_plugins])
    assert engine.container_type(spec_with({"io.example/id": "ct-abc"})) is ContainerType.POD_CONTAINER
    assert engine.sandbox_id(spec_with({"io.example/id": "ct-abc"})) == "abc"
    with pytest.raises(ContainerTypeError, match="xx-abc"):
        engine.container_type(spec_with({"io.example/id": "xx-abc"}))
    # not its key: the built-ins answer
    assert engine.container_type(spec_with({"io.kubernetes.cri.container-type": "container"})) is (
        ContainerType.POD_CONTAINER
    )
    resolution = engine.resolve(spec_with({"io.example/id": "sb-1"}))
    assert resolution.container_type_answer is not None
    assert resolution.container_type_answer.plugin == "regexcri"
    # the hooks are reachable through pluggy too, firstresult
    hook = engine.plugin_manager.hook
    assert hook.kata_oci_resolve_sandbox_id(annotations={"io.example/id": "ct-zz"}) == "zz"


def test_custom_hook_returning_garbage_is_a_plugin_error() -> None:
    class Garbage:
        __name__ = "garbage"

        @hookimpl
        def kata_oci_resolve_container_type(self, annotations: Any) -> Any:
            return "sandboxish"

    engine = Engine.from_plugins([Garbage()])
    with pytest.raises(PluginError, match="garbage"):
        engine.container_type(spec_with({}))


CONFLICT = {
    "io.kubernetes.cri.container-type": "sandbox",
    "io.kubernetes.cri-o.ContainerType": "container",
    "io.kubernetes.cri.sandbox-id": "one",
    "io.kubernetes.cri-o.SandboxID": "two",
}


def test_conflicting_cris_first_wins_with_a_warning(engine: Engine) -> None:
    with capture_logs() as logs:
        assert engine.container_type(spec_with(CONFLICT)) is ContainerType.POD_SANDBOX
        assert engine.sandbox_id(spec_with(CONFLICT)) == "one"
    events = [entry for entry in logs if entry["event"] == "cri_conflict"]
    assert len(events) == 2
    assert "crio" in events[0]["conflicts"][0]
    assert "containerd" in events[0]["conflicts"][0]


def test_conflicting_cris_strict_names_both_plugins_and_values(engine: Engine) -> None:
    with pytest.raises(ContainerTypeError) as info:
        engine.container_type(spec_with(CONFLICT), strict=True)
    message = str(info.value)
    for part in ("containerd", "crio", "'sandbox'", "'container'"):
        assert part in message
    with pytest.raises(SandboxIDError) as sid:
        engine.sandbox_id(spec_with(CONFLICT), strict=True)
    assert "'one'" in str(sid.value) and "'two'" in str(sid.value)


def test_engine_wide_strict_setting(builtin_plugins: list[object]) -> None:
    strict = Engine.from_plugins(builtin_plugins, strict=True)
    with pytest.raises(ContainerTypeError):
        strict.container_type(spec_with(CONFLICT))
    assert strict.container_type(spec_with(CONFLICT), strict=False) is ContainerType.POD_SANDBOX


def test_default_engine_is_built_once_under_concurrent_first_use(
    fresh_default_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = Engine.from_entry_points.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Engine], **kwargs: Any) -> Engine:
        calls.append(1)
        return real(cls, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Engine, "from_entry_points", classmethod(counting))
    barrier = threading.Barrier(8)
    seen: list[Engine] = []

    def worker() -> None:
        barrier.wait()
        seen.append(default_engine())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(e) for e in seen}) == 1


def test_set_default_engine(fresh_default_engine: None, builtin_plugins: list[object]) -> None:
    only_docker = Engine.from_plugins(builtin_plugins[2:])
    kata_oci.set_default_engine(only_docker)
    assert kata_oci.cri_container_type_keys() == ["io.kubernetes.docker.type"]
