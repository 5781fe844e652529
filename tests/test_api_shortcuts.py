"""kata_oci.container_type / sandbox_id: the shortcut gives the profile's and the engine's answers.

The module-level functions answer a spec whose first CRI key decides alone
from a row the engine keeps (``Engine._shortcuts``), without calling the
engine or the profile. The oracle is the profile's own method (without a
profile, the engine's), with the events it logs and the errors it raises,
over every combination of the CRI keys, for every order and subset of the
built-in plugins, third-party plugins, the default engine or ``engine=``,
each profile and strictness. A spy on those methods shows that the shortcut
is taken exactly when the contract says: the first CRI's key with a value it
writes, and none of the question's other well-known keys.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, ClassVar

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import CRI, ContainerType, Engine, KataOCIError, hookimpl
from kata_oci.profiles.base import Profile
from kata_oci.profiles.kata1.profile import Kata1Profile
from kata_oci.profiles.rs.profile import RsProfile

from helpers import spec_with

CONTAINERD, CRIO, DOCKER = "containerd", "crio", "dockershim"  # the CRI declarations' names
TYPE_KEYS = {
    CONTAINERD: "io.kubernetes.cri.container-type",
    CRIO: "io.kubernetes.cri-o.ContainerType",
    DOCKER: "io.kubernetes.docker.type",
}
SID_KEYS = {
    CONTAINERD: "io.kubernetes.cri.sandbox-id",
    CRIO: "io.kubernetes.cri-o.SandboxID",
    DOCKER: "io.kubernetes.sandbox.id",
}
# Each key absent or one of these values: those the CRI writes, another CRI's, one nobody writes.
VALUES = {
    TYPE_KEYS[CONTAINERD]: ("sandbox", "container", "podsandbox"),
    TYPE_KEYS[CRIO]: ("container", "sandbox"),
    TYPE_KEYS[DOCKER]: ("podsandbox", "bogus"),
    SID_KEYS[CONTAINERD]: ("one", ""),
    SID_KEYS[CRIO]: ("two", "one"),
    SID_KEYS[DOCKER]: ("one",),
}
WRITTEN = {  # the container-type values each CRI writes
    CONTAINERD: {"sandbox", "container"},
    CRIO: {"sandbox", "container"},
    DOCKER: {"podsandbox", "container"},
}
PROFILES: tuple[str | None, ...] = (None, "kata1", "go", "rs")
POD = {TYPE_KEYS[CONTAINERD]: "container", SID_KEYS[CONTAINERD]: "pod-1"}


def _every_combination() -> list[dict[str, str] | None]:
    keys = list(VALUES)
    out: list[dict[str, str] | None] = [None, {}]
    for choice in itertools.product(*[(None, *VALUES[k]) for k in keys]):
        ann = {"example.com/a": "b"}
        ann.update((k, v) for k, v in zip(keys, choice, strict=True) if v is not None)
        out.append(ann)
    return out


CASES = _every_combination()
pytestmark = pytest.mark.usefixtures("fresh_default_engine")  # each test sets the default engine


def _sample(n: int, seed: int) -> list[dict[str, str] | None]:
    return random.Random(seed).sample(CASES, n)


class _Spy:
    """Counts the calls that reach the engine's or a profile's own method: the general path."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        for cls in (Engine, RsProfile):
            for name in ("container_type", "sandbox_id"):
                monkeypatch.setattr(cls, name, self._counting(getattr(cls, name)))

    def _counting(self, real: Any) -> Any:
        def method(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        return method


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    return _Spy(monkeypatch)


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, object, list[Any]]:
    """The answer or the error, and every event logged, with its fields."""
    with capture_logs() as logs:
        try:
            return "ok", fn(*args, **kwargs), logs
        except KataOCIError as exc:
            return type(exc).__name__, str(exc), logs


def _general(engine: Engine, question: str, spec: Any, profile: str | None, strict: bool | None) -> object:
    if profile is None:
        return _outcome(getattr(engine, question), spec, strict=strict)
    return _outcome(getattr(engine.profile(profile), question), spec, engine=engine, strict=strict)


def _decides_alone(engine: Engine, question: str, ann: dict[str, str] | None, profile: str | None) -> bool:
    """The contract: the first CRI's key, a value it writes, none of the question's other keys."""
    if profile == "rs" or not ann or not engine.cris:
        return False
    keys = TYPE_KEYS if question == "container_type" else SID_KEYS
    first = engine.cris[0][1].name
    others = [key for cri, key in keys.items() if cri != first]
    if keys[first] not in ann or any(key in ann for key in others):
        return False
    return question == "sandbox_id" or ann[keys[first]] in WRITTEN[first]


def _check(
    engine: Engine,
    spy: _Spy,
    cases: list[dict[str, str] | None],
    *,
    given: bool,
    shortcut: bool = True,
    profiles: tuple[str | None, ...] = PROFILES,
    stricts: tuple[bool | None, ...] = (None, True),
) -> int:
    """Each answer is the general path's; the shortcut is taken when it should be. Returns how often."""
    taken = 0
    for ann, profile, strict, question in itertools.product(
        cases, profiles, stricts, ("container_type", "sandbox_id")
    ):
        spec = spec_with(ann)
        kw: dict[str, Any] = {"profile": profile, "strict": strict}
        if given:
            kw["engine"] = engine
        expected = _general(engine, question, spec, profile, strict)
        spy.calls = 0
        got = _outcome(getattr(kata_oci, question), spec, **kw)
        assert got == expected, (ann, profile, strict, question)
        fast = shortcut and _decides_alone(engine, question, ann, profile)
        assert (spy.calls == 0) is fast, (ann, profile, strict, question, spy.calls)
        taken += fast
        if ann is not None:  # a mapping of annotations: the general path, the same answer
            spy.calls = 0
            assert _outcome(getattr(kata_oci, question), dict(ann), **kw) == expected
            assert spy.calls or profile == "rs"
    return taken


def test_every_combination_of_keys_through_the_default_engine(
    builtin_plugins: list[object], spy: _Spy
) -> None:
    engine = Engine.from_plugins(builtin_plugins)
    kata_oci.set_default_engine(engine)
    assert len(CASES) > 600
    # kata1 and go are answered from the shortcut once the first call has collected the profiles.
    assert _check(engine, spy, CASES, given=False) > 500


def test_an_engine_given_is_the_one_answering(builtin_plugins: list[object], spy: _Spy) -> None:
    crio_first = Engine.from_plugins([builtin_plugins[1], builtin_plugins[0], builtin_plugins[2]])
    kata_oci.set_default_engine(Engine.from_plugins(builtin_plugins))  # says otherwise
    assert _check(crio_first, spy, _sample(150, 1), given=True) > 50
    assert (
        kata_oci.container_type(
            spec_with({TYPE_KEYS[CRIO]: "container", TYPE_KEYS[CONTAINERD]: "sandbox"}), engine=crio_first
        )
        is ContainerType.POD_CONTAINER
    )


@pytest.mark.parametrize(
    "order",
    [order for n in (1, 2, 3) for order in itertools.permutations(range(3), n)],
    ids=lambda order: "-".join(map(str, order)),
)
def test_every_order_and_subset_of_the_built_in_plugins(
    builtin_plugins: list[object], spy: _Spy, order: tuple[int, ...]
) -> None:
    """The later plugins' keys and those no plugin reads (a warning, strict an error) both leave it."""
    engine = Engine.from_plugins([builtin_plugins[i] for i in order])
    kata_oci.set_default_engine(engine)
    cases = [
        *_sample(80, sum(order)),
        POD,
        {**POD, TYPE_KEYS[CRIO]: "sandbox"},
        {**POD, SID_KEYS[DOCKER]: "x"},
    ]
    assert _check(engine, spy, cases, given=False) > 0


def test_after_set_default_engine_the_new_engine_answers(builtin_plugins: list[object], spy: _Spy) -> None:
    spec = spec_with(POD)
    assert kata_oci.container_type(spec) is ContainerType.POD_CONTAINER  # the default, built on first use
    without_containerd = Engine.from_plugins(builtin_plugins[1:])
    kata_oci.set_default_engine(without_containerd)
    spy.calls = 0
    with capture_logs() as logs:
        assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX  # nobody reads containerd's key
    assert [e["event"] for e in logs] == ["cri_key_unread"]
    assert spy.calls == 1
    with pytest.raises(kata_oci.SandboxIDError, match="no installed plugin reads it"):
        kata_oci.sandbox_id(spec, strict=True)
    _check(without_containerd, spy, _sample(60, 2), given=False)
    kata_oci.reset_default_engine()
    assert kata_oci.sandbox_id(spec, profile="go") == "pod-1"


def test_the_engines_own_strictness_holds_when_it_changes(builtin_plugins: list[object], spy: _Spy) -> None:
    engine = Engine.from_plugins(builtin_plugins)
    kata_oci.set_default_engine(engine)
    clash = spec_with({**POD, TYPE_KEYS[CRIO]: "sandbox"})
    with capture_logs() as logs:
        assert kata_oci.container_type(clash, profile="go") is ContainerType.POD_CONTAINER
    assert [e["event"] for e in logs] == ["cri_conflict"]
    engine.strict = True
    with pytest.raises(kata_oci.ContainerTypeError, match="conflicting CRI annotations"):
        kata_oci.container_type(clash, profile="go")
    _check(engine, spy, _sample(100, 3), given=False, stricts=(None, False))


class _FourthCRI:
    """A third-party CRI declared by keys alone, after the built-ins: a third key to rule out."""

    __name__ = "fourthcri"

    @hookimpl
    def kata_oci_declare_cri(self) -> CRI:
        return CRI(
            name="fourthcri",
            container_type_key="example.com/type",
            container_types={"container": ContainerType.POD_CONTAINER},
            sandbox_id_key="example.com/sandbox",
        )


class _HookCRI:
    """A third-party CRI whose container type is its own code: every spec asks the engine."""

    __name__ = "hookcri"

    @hookimpl
    def kata_oci_declare_cri(self) -> CRI:
        return CRI(name="hookcri", container_type_key="example.com/a", sandbox_id_key="")

    @hookimpl
    def kata_oci_resolve_container_type(self, annotations: Any) -> ContainerType | None:
        return ContainerType.SINGLE_CONTAINER if annotations.get("example.com/a") == "b" else None


@pytest.mark.parametrize("plugin", [_FourthCRI(), _HookCRI()], ids=["keys", "hook"])
def test_a_third_party_cri_takes_the_general_path(
    builtin_plugins: list[object], spy: _Spy, plugin: object
) -> None:
    engine = Engine.from_plugins([*builtin_plugins, plugin])
    kata_oci.set_default_engine(engine)
    cases = [*_sample(60, 4), POD, {**POD, "example.com/type": "container", "example.com/sandbox": "x"}]
    if isinstance(plugin, _FourthCRI):
        assert _check(engine, spy, cases, given=False, shortcut=False) == 0
    else:  # every sampled spec carries example.com/a=b, read by its hook: containerd's key disagrees
        with capture_logs() as logs:
            assert (
                kata_oci.container_type(spec_with({**POD, "example.com/a": "b"}))
                is ContainerType.POD_CONTAINER
            )
        assert [e["event"] for e in logs] == ["cri_conflict"]
        for ann in cases:
            spec = spec_with(ann)
            expected = _general(engine, "container_type", spec, None, None)
            spy.calls = 0
            assert _outcome(kata_oci.container_type, spec) == expected
            assert spy.calls == 1
        spy.calls = 0
        assert kata_oci.sandbox_id(spec_with(POD)) == "pod-1"  # the sandbox ID's plugins are pure data
        assert spy.calls == 0


class _OwnEngine(Engine):
    """An engine whose container type is its own: the shortcut must not answer for it."""

    def container_type(self, spec: Any, *, strict: bool | None = None, default: Any = None) -> ContainerType:
        return ContainerType.SINGLE_CONTAINER


def test_an_engine_subclass_answers_its_own_way(builtin_plugins: list[object]) -> None:
    engine = _OwnEngine.from_plugins(builtin_plugins)
    kata_oci.set_default_engine(engine)
    for profile in (None, "go", "kata1"):
        assert kata_oci.container_type(spec_with(POD), profile=profile) is ContainerType.SINGLE_CONTAINER
        assert kata_oci.container_type(spec_with(POD), profile=profile, engine=engine) is (
            ContainerType.SINGLE_CONTAINER
        )
        assert kata_oci.sandbox_id(spec_with(POD), profile=profile) == "pod-1"


class _OwnRules(Kata1Profile):
    """A fork whose container type and sandbox ID are its own, whatever the CRI keys say."""

    name: ClassVar[str] = "ownrules"

    def container_type(self, spec: Any, *, engine: Engine, strict: bool | None = None) -> ContainerType:
        return ContainerType.SINGLE_CONTAINER

    def sandbox_id(self, spec: Any, *, engine: Engine, strict: bool | None = None) -> str:
        return "own"


class _SameRules(_OwnRules):
    """A fork of that fork that keeps Profile's container type and sandbox ID: the engine's."""

    name: ClassVar[str] = "samerules"
    container_type = Profile.container_type
    sandbox_id = Profile.sandbox_id


class _Forks:
    __name__ = "forks"

    @hookimpl
    def kata_oci_declare_profile(self) -> Any:
        return [_OwnRules(), _SameRules()]


def test_a_profile_with_its_own_rules_is_asked_before_and_after_collection(
    builtin_plugins: list[object], spy: _Spy
) -> None:
    kata_oci.set_default_engine(Engine.from_plugins([*builtin_plugins, _Forks()]))
    spec = spec_with(POD)
    for _ in range(2):  # the first call collects the profiles
        assert kata_oci.container_type(spec, profile="ownrules") is ContainerType.SINGLE_CONTAINER
        assert kata_oci.sandbox_id(spec, profile="ownrules") == "own"
        spy.calls = 0
        assert kata_oci.container_type(spec, profile="samerules") is ContainerType.POD_CONTAINER
        assert kata_oci.sandbox_id(spec, profile="samerules") == "pod-1"
    assert spy.calls == 0  # the second time, from the shortcut


def test_a_profile_object_an_unknown_name_or_not_a_name_takes_the_general_path(
    builtin_plugins: list[object], spy: _Spy
) -> None:
    kata_oci.set_default_engine(Engine.from_plugins(builtin_plugins))
    spec = spec_with(POD)
    assert kata_oci.sandbox_id(spec, profile="go") == "pod-1"  # profiles collected
    go = kata_oci.get_profile("go")
    spy.calls = 0
    assert kata_oci.container_type(spec, profile=go) is ContainerType.POD_CONTAINER
    assert spy.calls == 1
    for question in (kata_oci.container_type, kata_oci.sandbox_id):
        with pytest.raises(kata_oci.ProfileError, match="no such runtime profile is registered"):
            question(spec, profile="Go")
        with pytest.raises(TypeError, match="unhashable"):  # as get_profile says
            question(spec, profile=["go"])  # type: ignore[arg-type]


def test_a_spec_changed_after_an_answer_is_read_again(builtin_plugins: list[object]) -> None:
    kata_oci.set_default_engine(Engine.from_plugins(builtin_plugins))
    spec = spec_with(dict(POD))
    assert kata_oci.container_type(spec) is ContainerType.POD_CONTAINER
    assert spec.annotations is not None
    spec.annotations[TYPE_KEYS[CONTAINERD]] = "sandbox"
    assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX
    spec.annotations[SID_KEYS[CRIO]] = "pod-2"
    with pytest.raises(kata_oci.SandboxIDError, match="conflicting CRI annotations"):
        kata_oci.sandbox_id(spec, strict=True)
