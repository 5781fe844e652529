"""Runtime profiles: the registry, the hook contract, detection, and the public API following them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from test_plugins import install_fake_distribution, site_dir  # noqa: F401 - a fixture

import kata_oci
from kata_oci import (
    ConfigError,
    ContainerType,
    PluginError,
    Profile,
    ProfileError,
    SandboxPlan,
    hookimpl,
)
from kata_oci.configfile import load_runtime_config as kata1_load
from kata_oci.engine import Engine, default_engine
from kata_oci.overrides import Outcome, OverridePlan
from kata_oci.plugins import BUILTIN_PROFILES
from kata_oci.profiles import detect_profile, detection_scores, get_profile
from kata_oci.profiles.kata1.detect import detect as kata1_detect
from kata_oci.sizing import Sizing

from helpers import FIXTURES, shared_path, spec_with

CONFIGS = FIXTURES / "kata-config"
KATA1_FIXTURES = sorted(CONFIGS.glob("kata1-*.toml"))
LATER_FIXTURES = sorted(CONFIGS.glob("kata4-*.toml"))
CONTAINERD_TYPE = "io.kubernetes.cri.container-type"


def _toml(path: Path) -> dict[str, Any]:
    from kata_oci.files import read_toml

    return read_toml(path)


def _spec(annotations: dict[str, str] | None = None) -> kata_oci.Spec:
    return kata_oci.decode_spec(
        msgspec.json.encode(
            {
                "ociVersion": "1.0.2",
                "root": {"path": "rootfs"},
                "process": {"cwd": "/", "user": {"uid": 0, "gid": 0}, "args": ["sh"]},
                "linux": {"resources": {"cpu": {"quota": 150000, "period": 100000}}},
                "annotations": annotations or {},
            }
        )
    )


# -- a third-party profile ---------------------------------------------------------------------


class MyRuntimeConfig(msgspec.Struct, kw_only=True):
    """A made-up Kata fork's runtime configuration: it names its profile."""

    memory: int = 0
    profile: str = "mykata"


class MyKata(Profile):
    """A Kata fork's profile: Kata 2.0+'s container-type default, its own file format."""

    name: ClassVar[str] = "mykata"
    version: ClassVar[str] = "9.9.9"
    title: ClassVar[str] = "a made-up Kata fork"
    config_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @property
    def declarations(self) -> tuple[Any, ...]:
        return kata_oci.get_profile("kata1").declarations[:1]

    @property
    def removed_keys(self) -> Mapping[str, str]:
        return {"io.katacontainers.config.hypervisor.enable_swap": "removed in Kata 9.0"}

    @property
    def runtime_config_type(self) -> type:
        return MyRuntimeConfig

    def load_runtime_config(self, path: Any, *, strict: bool = False, host_checks: Any = None) -> Any:
        doc = _toml(Path(path))
        return MyRuntimeConfig(memory=doc["mykata"]["memory"])

    def detect(self, doc: Mapping[str, Any]) -> int:
        return 100 if "mykata" in doc else 0

    def container_config(self, spec: Any, bundle_path: str, cid: str, *, engine: Engine, **kw: Any) -> Any:
        self.calls.append(("container_config", kw))
        return {"id": cid, "type": self.container_type(spec, engine=engine)}

    def plan_sandbox_config(
        self, spec: Any, runtime_config: Any, bundle_path: str, cid: str, *, engine: Engine, **kw: Any
    ) -> SandboxPlan:
        self.calls.append(("plan_sandbox_config", kw))
        base = {"id": cid, "memory": runtime_config.memory}
        return SandboxPlan(base, OverridePlan(()))

    def plan_annotations(
        self, annotations: Any, runtime_config: Any, *, engine: Engine, strict: bool = False
    ) -> Any:
        self.calls.append(("plan_annotations", strict))
        return OverridePlan(())

    def calculate_container_sizing(self, spec: Any) -> Sizing:
        return Sizing(vcpus=42.0)


MYKATA = MyKata()


class _Plugin:
    """A plugin object declaring ``profiles``."""

    def __init__(self, *profiles: Any, name: str = "myplugin") -> None:
        self.__name__ = name
        self._profiles = list(profiles)

    @hookimpl
    def kata_oci_declare_profile(self) -> Any:
        return self._profiles if len(self._profiles) != 1 else self._profiles[0]


@pytest.fixture
def mykata() -> Engine:
    MYKATA.calls.clear()
    return Engine.from_entry_points(extra_plugins=[_Plugin(MYKATA)])  # with the installed CRI plugins


# -- the registry ------------------------------------------------------------------------------


def test_kata1_is_registered_with_its_attributes() -> None:
    profile = kata_oci.get_profile("kata1")
    assert (profile.name, profile.version) == ("kata1", "1.13.0")
    assert "1.13" in profile.title
    assert profile.default_container_type is ContainerType.POD_SANDBOX
    assert profile.runtime_config_type is kata_oci.RuntimeConfig
    assert kata_oci.list_profiles()[0].name == "kata1"
    assert {"kata1", "go", "rs"} <= {p.name for p in kata_oci.list_profiles()}
    assert get_profile(profile) is profile
    assert default_engine().profile_plugin("kata1") == "kata_oci.profiles.kata1.plugin"


def test_kata1_declarations_are_the_annotation_table_with_the_contract_fields() -> None:
    from kata_oci import annotations as ka

    rows = kata_oci.get_profile("kata1").declarations
    assert rows is ka.DECLARATIONS
    assert len(rows) == len(ka.BY_KEY) > 50
    for row in rows:
        assert row.key.startswith("io.katacontainers.")
        assert isinstance(row.kind, str) and str(row.kind)
        assert row.target is None or isinstance(row.target, str)
        assert isinstance(row.description, str) and row.description
        assert isinstance(row.gated, bool) and isinstance(row.unsafe, bool)
        assert isinstance(row.checks(), list)
    by_key = {r.key: r for r in rows}
    assert by_key["io.katacontainers.config.hypervisor.default_memory"].gated
    assert not by_key["io.katacontainers.config.runtime.disable_guest_seccomp"].gated


def test_an_unknown_profile_is_a_profile_error_naming_the_registered_ones() -> None:
    with pytest.raises(ProfileError, match="available: kata1") as info:
        kata_oci.get_profile("kata9")
    assert info.value.profile == "kata9"
    assert isinstance(info.value, kata_oci.KataOCIError)


@pytest.mark.parametrize("name", ["go", "rs"])
def test_a_built_in_profile_missing_says_what_is_missing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kata_oci import plugins

    monkeypatch.setattr(
        plugins, "DEFAULT_PLUGINS", tuple(p for p in plugins.DEFAULT_PLUGINS if f".{name}." not in p)
    )
    monkeypatch.setattr(
        plugins, "BUILTIN_PROFILES", {k: v for k, v in plugins.BUILTIN_PROFILES.items() if k != name}
    )
    for engine in (Engine.from_plugins([]), Engine.from_declarations([])):
        assert name not in engine.profiles
        with pytest.raises(
            ProfileError, match=r"not part of this kata-oci yet \(no built-in plugin declares it\)"
        ):
            engine.profile(name)


def test_engine_without_plugin_manager_knows_the_built_in_profiles() -> None:
    from_cache = Engine.from_declarations([])
    full = Engine.from_plugins([])
    assert list(from_cache.profiles) == list(full.profiles)
    assert from_cache.profile("go") is full.profile("go")
    # kata1's is each engine's own copy: its loader accepts that engine's experimental features.
    from kata_oci.experimental import NEW_STORE
    from kata_oci.profiles.kata1 import Kata1Profile

    kata1 = from_cache.profile("kata1"), full.profile("kata1")
    assert [type(p) for p in kata1] == [Kata1Profile, Kata1Profile]
    assert [p.features for p in kata1] == [{}, {"newstore": NEW_STORE}]


# -- the hook contract -------------------------------------------------------------------------


def test_built_in_profiles_are_default_plugins_of_every_engine() -> None:
    engine = Engine.from_plugins([])
    assert engine.plugin_manager is not None
    impls = engine.plugin_manager.hook.kata_oci_declare_profile.get_hookimpls()
    assert "kata_oci.profiles.kata1.plugin" in [i.plugin_name for i in impls]
    assert engine.hooked_plugins() == {}  # the core's own profiles do not force a full engine


def test_a_plugin_profile_is_registered_after_the_built_in_ones(mykata: Engine) -> None:
    assert list(mykata.profiles) == [*BUILTIN_PROFILES, "mykata"]
    assert mykata.profile("mykata") is MYKATA
    assert mykata.profile_plugin("mykata") == "myplugin"
    assert kata_oci.get_profile("mykata", engine=mykata) is MYKATA
    # an engine from cached declarations cannot know it: the snapshot must build a full engine
    assert mykata.hooked_plugins()["myplugin"] == ["kata_oci_declare_profile"]


def test_a_plugin_may_declare_several_profiles() -> None:
    class Other(MyKata):
        name: ClassVar[str] = "other"

    engine = Engine.from_plugins([_Plugin(MYKATA, Other())])
    assert list(engine.profiles) == [*BUILTIN_PROFILES, "mykata", "other"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("kata1", "returned str, not a kata_oci.Profile"),
        (
            kata_oci.get_profile("kata1"),
            "profile 'kata1' is already declared by plugin 'kata_oci.profiles.kata1.plugin'",
        ),
    ],
)
def test_a_bad_declaration_is_a_plugin_error_naming_the_plugin(answer: Any, message: str) -> None:
    engine = Engine.from_plugins([_Plugin(answer, name="bad")])
    with pytest.raises(PluginError, match="kata-oci plugin 'bad'") as info:
        engine.profiles  # noqa: B018
    assert message in str(info.value)


@pytest.mark.parametrize("name", ["", "Kata", "1x", "a b", "x" * 33])
def test_a_profile_name_must_be_a_short_lower_case_word(name: str) -> None:
    class Bad(MyKata):
        pass

    Bad.name = name  # type: ignore[misc]
    with pytest.raises(PluginError, match="must match"):
        Engine.from_plugins([_Plugin(Bad(), name="bad")]).profiles  # noqa: B018


def test_a_failing_hook_is_a_plugin_error() -> None:
    class Failing:
        __name__ = "failing"

        @hookimpl
        def kata_oci_declare_profile(self) -> Any:
            raise RuntimeError("boom")

    with pytest.raises(PluginError, match="'failing': kata_oci_declare_profile failed: RuntimeError: boom"):
        Engine.from_plugins([Failing()]).profiles  # noqa: B018


MYKATA_SOURCE = """
import msgspec
from kata_oci import Profile, SandboxPlan, hookimpl
from kata_oci.overrides import OverridePlan

class Config(msgspec.Struct):
    profile: str = "forked"

class Forked(Profile):
    name, version, title = "forked", "4.1.0-fork", "a fork shipped as a distribution"
    declarations = ()
    runtime_config_type = Config

    def load_runtime_config(self, path, *, strict=False, host_checks=None):
        return Config()

    def detect(self, doc):
        return 100 if doc.get("forked") else 0

    def container_config(self, spec, bundle_path, cid, *, engine, console="", detach=False):
        return cid

    def plan_sandbox_config(self, spec, runtime_config, bundle_path, cid, *, engine, **kw):
        return SandboxPlan({"forked": cid}, OverridePlan(()))

    def plan_annotations(self, annotations, runtime_config, *, engine, strict=False):
        return OverridePlan(())

@hookimpl
def kata_oci_declare_profile():
    return Forked()
"""


def test_a_third_party_profile_through_an_entry_point(site_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    install_fake_distribution(
        site_dir, "kata-oci-forked", "fake_kata_oci_forked", MYKATA_SOURCE, {"forked": "fake_kata_oci_forked"}
    )
    assert [p.name for p in kata_oci.list_profiles()][-1] == "forked"
    assert default_engine().profile_plugin("forked") == "forked"
    config = tmp_path / "configuration.toml"
    config.write_text("[forked]\nyes = true\n")
    rc = kata_oci.load_runtime_config(config)
    assert rc.profile == "forked"
    assert kata_oci.sandbox_config(_spec(), rc, "/b", "c1") == {"forked": "c1"}
    assert kata_oci.container_type(spec_with(None), profile="forked") is ContainerType.SINGLE_CONTAINER


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", KATA1_FIXTURES, ids=lambda p: p.name)
def test_kata1_files_are_detected_as_kata1(path: Path) -> None:
    doc = _toml(path)
    assert kata1_detect(doc) == 95
    assert detect_profile(doc).name == "kata1"


@pytest.mark.parametrize("path", LATER_FIXTURES, ids=lambda p: p.name)
def test_later_katas_files_are_not_kata1(path: Path) -> None:
    doc = _toml(path)
    assert kata1_detect(doc) == 0
    if max(detection_scores(doc).values()) == 0:  # no later Kata's profile registered for it
        with pytest.raises(ConfigError, match="no runtime profile recognises this configuration"):
            detect_profile(doc, file=str(path))
    else:
        assert detect_profile(doc).name != "kata1"


def test_every_generated_kata1_configuration_is_kata1_and_no_later_one_is() -> None:
    root = shared_path("corpus", "kata-config", "generated")
    kata1 = sorted((root / "kata1-runtime").glob("*.toml"))
    later = sorted(p for d in root.iterdir() if not d.name.startswith("kata1") for p in d.glob("*.toml"))
    assert len(kata1) >= 5 and len(later) >= 30
    for path in kata1:
        assert kata1_detect(_toml(path)) >= 90, path
        assert detect_profile(_toml(path)).name == "kata1", path
    for path in later:
        assert kata1_detect(_toml(path)) == 0, path


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("[hypervisor.qemu]\npath = '/usr/bin/qemu'\n", 5),  # nothing 1.x lacks, nothing only 1.x has
        ("[hypervisor.qemu]\npath = '/q'\n[netmon]\nenable_netmon = true\n", 95),
        ("[hypervisor.acrn]\npath = '/a'\n", 95),  # ACRN: Kata 1.x only
        ("[HYPERVISOR.qemu]\nPATH = '/q'\n[Shim.kata]\n", 95),  # names folded as Go's decoder folds them
        ("[hypervisor.qemu]\npath = '/q'\n[shim.kata]\nnew_key = 1\n", 90),  # 5 less per unknown key
        ("[hypervisor.qemu]\nstatic_sandbox_resource_mgmt = true\n", 0),  # a key 1.x does not know
        ("[hypervisor.dragonball]\n[netmon]\n", 0),  # a hypervisor 1.x does not have
        ("[hypervisor.qemu]\n" + "".join(f"k{i} = 1\n" for i in range(20)) + "[netmon]\n", 60),
    ],
)
def test_kata1_detection_scores(text: str, score: int) -> None:
    import tomllib

    assert kata1_detect(tomllib.loads(text)) == score


def test_a_tie_is_a_config_error_asking_for_the_profile(mykata: Engine) -> None:
    class Greedy(MyKata):
        name: ClassVar[str] = "greedy"

        def detect(self, doc: Mapping[str, Any]) -> int:
            return 95

    engine = Engine.from_plugins([_Plugin(Greedy())])
    doc = _toml(KATA1_FIXTURES[0])
    scores = detection_scores(doc, engine=engine)
    assert scores["kata1"] == scores["greedy"] == 95
    assert max(v for k, v in scores.items() if k not in ("kata1", "greedy")) < 95
    with pytest.raises(ConfigError, match=r"could be for any of kata1, greedy .*profile= \(--kata\)") as info:
        detect_profile(doc, engine=engine, file="x.toml")
    assert info.value.file == "x.toml"
    assert detect_profile({"mykata": {}}, engine=mykata) is MYKATA


@pytest.mark.parametrize("score", [101, -1, 50.0, None, True])
def test_a_detect_answer_out_of_range_is_a_plugin_error(score: Any) -> None:
    class Odd(MyKata):
        name: ClassVar[str] = "odd"

        def detect(self, doc: Mapping[str, Any]) -> int:
            return score  # type: ignore[no-any-return]

    engine = Engine.from_plugins([_Plugin(Odd(), name="odd-plugin")])
    with pytest.raises(PluginError, match="'odd-plugin': profile 'odd': detect returned"):
        detection_scores({}, engine=engine)


# -- loading configurations --------------------------------------------------------------------


@pytest.mark.parametrize("path", KATA1_FIXTURES, ids=lambda p: p.name)
def test_load_runtime_config_detects_kata1_and_loads_exactly_as_the_kata1_loader(path: Path) -> None:
    rc = kata_oci.load_runtime_config(path)
    assert rc.profile == "kata1"
    assert kata_oci.to_json(rc) == kata_oci.to_json(kata1_load(path))
    assert b'"profile"' not in kata_oci.to_json(rc)  # not a field: kata1's JSON is the seed's
    choice = kata_oci.find_runtime_config(path)
    assert (choice.path, choice.profile.name, choice.source, choice.detected) == (
        path,
        "kata1",
        "argument",
        True,
    )
    assert choice.scores["kata1"] == 95
    assert choice.describe() == f"profile kata1 (detected from the configuration), file {path} (argument)"


def test_a_given_profile_is_not_second_guessed(mykata: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[mykata]\nmemory = 7\n[netmon]\n")  # kata1 would score 95 on its own
    choice = kata_oci.find_runtime_config(path, engine=mykata)
    assert choice.profile is MYKATA  # 100 beats 95
    rc = kata_oci.load_runtime_config(path, profile="mykata", engine=mykata)
    assert rc == MyRuntimeConfig(memory=7)
    assert kata_oci.load_runtime_config(path, profile="kata1", engine=mykata).profile == "kata1"


def test_lookup_order_env_then_default_paths_then_shipped(mykata: Engine, tmp_path: Path) -> None:
    env_file = tmp_path / "env.toml"
    env_file.write_text(KATA1_FIXTURES[0].read_text())
    choice = kata_oci.find_runtime_config(env={"KATA_CONF_FILE": str(env_file)})
    assert (choice.path, choice.source, choice.profile.name) == (env_file, "$KATA_CONF_FILE", "kata1")

    class Pathed(MyKata):
        name: ClassVar[str] = "pathed"
        config_paths: ClassVar[tuple[str, ...]] = (str(tmp_path / "missing.toml"), str(env_file))

    pathed = Pathed()
    engine = Engine.from_plugins([_Plugin(pathed)])
    choice = kata_oci.find_runtime_config(profile="pathed", env={}, engine=engine)
    assert (choice.path, choice.source, choice.detected) == (env_file, "default path", False)
    # nothing found (no /etc/kata-containers here): the default profile's shipped configuration
    if any(Path(p).exists() for p in kata_oci.profiles.base.DEFAULT_CONFIG_PATHS):
        pytest.skip("this host has a Kata configuration")
    choice = kata_oci.find_runtime_config(env={})
    assert (choice.source, choice.profile.name, choice.detected) == (
        "shipped",
        kata_oci.profiles.DEFAULT_PROFILE,
        False,
    )
    assert choice.path == choice.profile.shipped_config()
    assert kata_oci.get_profile("kata1").shipped_config() == kata_oci.configfile._shipped_default()
    with pytest.raises(ConfigError, match=r"no configuration file found .* profile 'mykata' ships none"):
        kata_oci.find_runtime_config(profile="mykata", env={}, engine=mykata)


def test_a_file_that_cannot_be_read_gets_the_default_profiles_own_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        kata_oci.load_runtime_config(missing)
    with pytest.raises(ConfigError) as direct:
        kata1_load(missing)
    assert str(info.value) == str(direct.value)  # Kata 1.x's message, unchanged


def test_a_file_tomllib_refuses_is_detected_from_its_table_headers(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[hypervisor.qemu]\ndefault_memory = 02048\n[shim.kata]\n[netmon]\n")
    choice = kata_oci.find_runtime_config(path)
    assert (choice.profile.name, choice.detected) == ("kata1", True)


# -- the API follows the profile ---------------------------------------------------------------


@pytest.fixture(scope="module")
def kata1_rc() -> kata_oci.RuntimeConfig:
    return kata_oci.load_runtime_config(KATA1_FIXTURES[0])


def test_sandbox_config_through_the_profile_is_kata1s(kata1_rc: kata_oci.RuntimeConfig) -> None:
    from kata_oci import convert

    spec = _spec({"io.katacontainers.config.hypervisor.default_vcpus": "2"})
    expected = kata_oci.to_json(
        convert.sandbox_config(spec, kata1_rc, "/b", "c1", engine=kata_oci.default_engine())
    )
    assert kata_oci.to_json(kata_oci.sandbox_config(spec, kata1_rc, "/b", "c1")) == expected
    assert kata_oci.to_json(kata_oci.sandbox_config(spec, kata1_rc, "/b", "c1", profile="kata1")) == expected
    plan = kata_oci.plan_sandbox_config(spec, kata1_rc, "/b", "c1")
    assert isinstance(plan, SandboxPlan)
    base, overrides = plan  # unpacks as before
    assert kata_oci.to_json(plan.sandbox) == expected == kata_oci.to_json(overrides.apply(base))
    assert [d.outcome for d in plan.decisions] == [Outcome.APPLIED]


def test_a_runtime_config_of_another_profile_is_refused(
    kata1_rc: kata_oci.RuntimeConfig, mykata: Engine
) -> None:
    with pytest.raises(ProfileError, match="profile 'kata1''s, not 'mykata''s"):
        kata_oci.sandbox_config(_spec(), kata1_rc, "/b", "c1", profile="mykata", engine=mykata)
    with pytest.raises(ProfileError, match="names no profile"):
        kata_oci.sandbox_config(_spec(), object(), "/b", "c1")


def test_conversion_follows_the_runtime_configs_profile(mykata: Engine) -> None:
    rc = MyRuntimeConfig(memory=3)
    assert kata_oci.sandbox_config(_spec(), rc, "/b", "c1", detach=True, engine=mykata) == {
        "id": "c1",
        "memory": 3,
    }
    plan = kata_oci.plan_sandbox_config(_spec(), rc, "/b", "c2", systemd_cgroup=True, engine=mykata)
    assert plan.base == {"id": "c2", "memory": 3}
    assert kata_oci.plan_annotations({}, rc, strict=True, engine=mykata).decisions == ()
    assert MYKATA.calls == [
        ("plan_sandbox_config", {"console": "", "detach": True, "systemd_cgroup": False, "strict": False}),
        ("plan_sandbox_config", {"console": "", "detach": False, "systemd_cgroup": True, "strict": False}),
        ("plan_annotations", True),
    ]
    got = kata_oci.container_config(
        _spec(), "/b", "c3", console="/dev/pts/1", profile="mykata", engine=mykata
    )
    assert got == {"id": "c3", "type": ContainerType.SINGLE_CONTAINER}


def test_container_type_default_is_the_profiles(mykata: Engine) -> None:
    bare = spec_with(None)
    assert kata_oci.container_type(bare) is ContainerType.POD_SANDBOX  # kata1, as before profiles
    assert kata_oci.container_type(bare, profile="mykata", engine=mykata) is ContainerType.SINGLE_CONTAINER
    cri = spec_with({CONTAINERD_TYPE: "container"})
    # a CRI key decides whatever the profile
    assert kata_oci.container_type(cri, profile="mykata", engine=mykata) is ContainerType.POD_CONTAINER
    assert ContainerType.SINGLE_CONTAINER.is_sandbox()
    assert default_engine().resolve(bare, default=ContainerType.SINGLE_CONTAINER).container_type is (
        ContainerType.SINGLE_CONTAINER
    )


def test_sandbox_id_and_sizing_follow_the_profile(mykata: Engine) -> None:
    spec = _spec(
        {
            "io.kubernetes.cri.sandbox-id": "pod1",
            "io.kubernetes.cri.sandbox-cpu-quota": "50000",
            "io.kubernetes.cri.sandbox-cpu-period": "100000",
        }
    )
    assert kata_oci.sandbox_id(spec) == kata_oci.sandbox_id(spec, profile="mykata", engine=mykata) == "pod1"
    assert kata_oci.calculate_sandbox_sizing(spec).vcpus == 0.5
    assert kata_oci.calculate_sandbox_sizing(spec, profile="mykata", engine=mykata).vcpus == 0.5
    assert kata_oci.calculate_container_sizing(spec).vcpus == 1.5
    assert kata_oci.calculate_container_sizing(spec, profile="mykata", engine=mykata).vcpus == 42.0


def test_plan_annotations_gives_plan_sandbox_configs_verdicts(kata1_rc: kata_oci.RuntimeConfig) -> None:
    annotations = {
        "io.katacontainers.config.hypervisor.default_memory": "4096",
        "io.katacontainers.config.hypervisor.default_vcpus": "x",
        "io.katacontainers.config.runtime.disable_new_netns": "true",
        "io.katacontainers.config.agent.enable_tracing": "true",
        "io.katacontainers.config.hypervisor.no_such_key": "1",
    }
    with_bundle = kata_oci.plan_sandbox_config(_spec(annotations), kata1_rc, "/b", "c1").decisions
    without = kata_oci.plan_annotations(annotations, kata1_rc).decisions
    assert without == with_bundle
    assert {d.outcome for d in without} == {Outcome.APPLIED, Outcome.REJECTED, Outcome.UNKNOWN}


def test_the_public_names_resolve_to_the_profile_following_functions() -> None:
    from kata_oci import api

    for name in (
        "load_runtime_config",
        "sandbox_config",
        "plan_sandbox_config",
        "container_config",
        "container_type",
        "sandbox_id",
        "calculate_sandbox_sizing",
        "calculate_container_sizing",
    ):
        assert getattr(kata_oci, name) is getattr(api, name), name


def test_profile_docs_name_the_hook() -> None:
    from helpers import ROOT

    text = (ROOT / "docs" / "profiles.md").read_text()
    for needle in ("kata_oci_declare_profile", "detect", "--kata", "get_profile"):
        assert needle in text, needle


def test_kata1_strict_keeps_the_seeds_meaning_unless_host_checks_is_given() -> None:
    path = KATA1_FIXTURES[0]  # names a hypervisor and kernel this host does not have
    if Path("/usr/share/kata-containers").exists():
        pytest.skip("this host has Kata's files")
    with pytest.raises(ConfigError) as info:
        kata_oci.load_runtime_config(path, strict=True)
    with pytest.raises(ConfigError) as direct:
        kata1_load(path, strict=True)
    assert str(info.value) == str(direct.value)
    assert kata_oci.load_runtime_config(path, strict=True, host_checks=None).profile == "kata1"


# -- the go profile, wired in --------------------------------------------------------------------

GO_FIXTURE = CONFIGS / "kata4-go-configuration-qemu.toml"


def test_go_is_a_built_in_profile_and_the_default() -> None:
    go = kata_oci.get_profile("go")
    assert (go.name, go.version, go.default_container_type) == ("go", "4.1.0", ContainerType.SINGLE_CONTAINER)
    assert default_engine().profile_plugin("go") == "kata_oci.profiles.go.plugin"
    assert kata_oci.profiles.DEFAULT_PROFILE == "go"
    assert go.shipped_config().is_file()
    if any(Path(p).exists() for p in kata_oci.profiles.base.DEFAULT_CONFIG_PATHS):
        pytest.skip("this host has a Kata configuration")
    rc = kata_oci.load_runtime_config(env={})  # nothing found: Kata 4.1's shipped QEMU configuration
    assert rc.profile == "go"
    assert type(rc) is go.runtime_config_type


def test_a_go_configuration_is_detected_and_converted_by_the_go_profile(tmp_path: Path) -> None:
    text = GO_FIXTURE.read_text()
    assert 'enable_annotations = ["enable_iommu"' in text
    path = tmp_path / "configuration.toml"
    path.write_text(
        text.replace(
            'enable_annotations = ["enable_iommu"', 'enable_annotations = ["default_memory", "enable_iommu"'
        )
    )
    rc = kata_oci.load_runtime_config(path)
    assert rc.profile == "go"
    kata1 = kata_oci.load_runtime_config(KATA1_FIXTURES[0])
    spec = _spec({"io.katacontainers.config.hypervisor.default_memory": "128"})
    # Kata 4.1 refuses less than 256 MiB; Kata 1.x took it
    (go_decision,) = kata_oci.plan_sandbox_config(spec, rc, "/b", "c1").decisions
    assert go_decision.outcome is Outcome.REJECTED and "256" in go_decision.reason
    with pytest.raises(kata_oci.AnnotationError):
        kata_oci.sandbox_config(spec, rc, "/b", "c1")
    assert [d.outcome for d in kata_oci.plan_annotations(spec.annotations, rc).decisions] == [
        Outcome.REJECTED
    ]
    assert [d.outcome for d in kata_oci.plan_annotations(spec.annotations, kata1).decisions] == [
        Outcome.APPLIED
    ]
    ok = _spec({"io.katacontainers.config.hypervisor.default_memory": "4096"})
    sandbox = kata_oci.sandbox_config(ok, rc, "/b", "c1")
    assert type(sandbox).__module__ == "kata_oci.profiles.go.sandbox"
    assert sandbox.hypervisor_config.memory_size == 4096
    plan = kata_oci.plan_sandbox_config(ok, rc, "/b", "c1")
    assert kata_oci.to_json(plan.sandbox) == kata_oci.to_json(sandbox)  # static resources included
    assert sandbox.containers[0].annotations["io.katacontainers.pkg.oci.container_type"] == "single_container"
    with pytest.raises(ProfileError, match="profile 'go''s, not 'kata1''s"):
        kata_oci.sandbox_config(ok, rc, "/b", "c1", profile="kata1")


def test_shipped_configurations_are_the_loaders_own() -> None:
    from kata_oci.profiles.go import loader

    assert kata_oci.get_profile("go").shipped_config() == loader._shipped_default()


def test_a_huge_profile_name_gives_a_bounded_message() -> None:
    with pytest.raises(ProfileError) as info:
        kata_oci.get_profile("x" * 100_000)
    assert len(str(info.value)) < 400
    assert info.value.profile == "x" * 100_000
    assert "(100000 characters)" in str(info.value)
