"""The layers: only the top reaches the default engine; the code beneath uses the engine it is given.

The guide's rule ("the default engine is reached from the top, lower functions
take what they need as arguments"), checked two ways: no module outside
:data:`TOP` names ``default_engine`` (or the engine module's ``_default``),
and an engine passed in is the one whose plugins and features decide, where
the code beneath once asked the default engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kata_oci
from kata_oci import Feature, hookimpl
from kata_oci.annotations import EXPERIMENTAL

PACKAGE = Path(kata_oci.__file__).resolve().parent

#: The modules that may reach the default engine, and why each is the top.
TOP = {
    "engine.py": "defines it",
    "__init__.py": "re-exports it",
    "api.py": "the public functions: each resolves engine=None here and passes it down",
    "identity.py": "Kata 1.x's engine-less module functions (container_type, cri_*_keys, ...)",
    "profiles/__init__.py": "get_profile, list_profiles, detect_profile: the profile registry's door",
    "compare.py": "compare_profiles, a public entry point over several profiles",
    "features.py": "features_document, a public entry point (above api.py: it calls runtime_profile)",
    "k8s/cluster.py": "Cluster, what a manifest check is built from: it hands its engine down",
}
#: Folders of processes, whose main builds or picks its engine.
TOP_FOLDERS = ("cli/", "webhook/")

_NAMES = {"default_engine", "set_default_engine", "reset_default_engine"}


def _reaches_default(tree: ast.AST) -> list[int]:
    """Lines naming the default engine: an import of it, a call through a module, ``engine._default``."""
    engine_aliases = {"engine", "_engine_module", "_engine"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "engine":
                    engine_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "kata_oci.engine" and alias.asname:
                    engine_aliases.add(alias.asname)
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            named = any(a.name in _NAMES for a in node.names)
        elif isinstance(node, ast.Attribute):
            through_module = isinstance(node.value, ast.Name) and node.value.id in engine_aliases
            named = node.attr in _NAMES or (node.attr == "_default" and through_module)
        else:
            named = False
        if named:
            lines.append(node.lineno)
    return sorted(lines)


def _modules() -> dict[str, list[int]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        lines = _reaches_default(ast.parse(path.read_text(), filename=str(path)))
        if lines:
            found[rel] = lines
    return found


def test_only_the_top_reaches_the_default_engine() -> None:
    lower = {
        rel: lines for rel, lines in _modules().items() if rel not in TOP and not rel.startswith(TOP_FOLDERS)
    }
    assert lower == {}, (
        "these modules reach the default engine; take an engine (or what is needed of it) "
        f"as an argument from the caller instead: {lower}"
    )


def test_every_top_module_still_needs_its_place() -> None:
    """A module that no longer reaches the default engine leaves :data:`TOP`: the list stays honest."""
    uses = _modules()
    assert sorted(rel for rel in TOP if rel not in uses and rel != "engine.py") == []


def test_the_check_sees_each_way_of_reaching_it() -> None:
    text = (
        "from .engine import default_engine\n"
        "from . import engine as _e\n"
        "def f():\n"
        "    import kata_oci\n"
        "    kata_oci.default_engine()\n"
        "    return _e._default\n"
        "def g(engine):\n"
        "    return engine.features\n"
    )
    assert _reaches_default(ast.parse(text)) == [1, 5, 6]


# -- the shared machinery sits beneath the profiles ---------------------------------------------

#: The modules every profile builds on: none of them imports a profile when it is imported.
SHARED = (
    "overrides.py",
    "gating.py",
    "keyscan.py",
    "golang.py",
    "rust.py",
    "hints.py",
    "loading.py",
    "types.py",
    "errors.py",
    "log.py",
)


def _imports_of_profiles_at_import(tree: ast.Module) -> list[int]:
    """Lines importing ``kata_oci.profiles`` at import time (not in a function, not for TYPE_CHECKING)."""

    def named(node: ast.stmt) -> bool:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.startswith("kata_oci.profiles"):
                return True
            if node.level and module.startswith("profiles"):
                return True
            # from . import profiles / from kata_oci import profiles
            return module in ("", "kata_oci") and any(a.name == "profiles" for a in node.names)
        if isinstance(node, ast.Import):
            return any(a.name.startswith("kata_oci.profiles") for a in node.names)
        return False

    lines: list[int] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue  # a function's import runs when it is called
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if named(node):
                lines.append(node.lineno)
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                visit(handler.body)

    visit(tree.body)
    return sorted(lines)


@pytest.mark.parametrize("rel", SHARED)
def test_the_shared_machinery_imports_no_profile(rel: str) -> None:
    path = PACKAGE / rel
    assert _imports_of_profiles_at_import(ast.parse(path.read_text(), filename=str(path))) == []


def test_the_profile_import_check_sees_what_it_should() -> None:
    text = (
        "from .profiles.kata1 import table\n"
        "import kata_oci.profiles.go.table\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .profiles.kata1.types import RuntimeConfig\n"
        "def lazy():\n"
        "    from .profiles.kata1.annotate import KATA1_TABLE\n"
        "from .gating import gate\n"
        "if X:\n"
        "    def g():\n"
        "        pass\n"
        "    from .profiles import x\n"
        "from . import profiles\n"
        "from kata_oci import profiles as p\n"
        "try:\n"
        "    pass\n"
        "except ImportError:\n"
        "    from .profiles import y\n"
        "class C:\n"
        "    from .profiles import z\n"
    )
    assert _imports_of_profiles_at_import(ast.parse(text)) == [1, 2, 12, 13, 14, 18, 20]


# -- an engine given is the engine used --------------------------------------------------------


class _FastBoot:
    __name__ = "fastboot"

    @hookimpl
    def kata_oci_experimental_features(self) -> list[Feature]:
        return [Feature(name="fast_boot", description="boots fast", exp_release="3.0")]


@pytest.fixture
def fast_engine(builtin_plugins: list[object]) -> kata_oci.Engine:
    """The built-in plugins (Kata 1.x's ``newstore`` among them) and a plugin's ``fast_boot`` feature."""
    return kata_oci.Engine.from_plugins([_FastBoot(), *builtin_plugins])


KATA1_FAST = '[hypervisor.qemu]\nimage = "/img"\n[runtime]\nexperimental = ["fast_boot"]\n'


def test_kata1_loader_looks_features_up_in_the_engine_given(
    tmp_path: Path, fast_engine: kata_oci.Engine
) -> None:
    path = tmp_path / "configuration.toml"
    path.write_text(KATA1_FAST)
    rc = kata_oci.load_runtime_config(path, profile="kata1", engine=fast_engine)
    assert [f.name for f in rc.experimental] == ["fast_boot"]
    rc = kata_oci.runtime_config_from_toml(KATA1_FAST, engine=fast_engine)
    assert [f.name for f in rc.experimental] == ["fast_boot"]
    with pytest.raises(kata_oci.ConfigError, match='Unsupported experimental feature "fast_boot"'):
        kata_oci.load_runtime_config(path, profile="kata1")  # the default engine has no such feature


def test_kata1_profile_of_an_engine_is_bound_to_its_features(fast_engine: kata_oci.Engine) -> None:
    from kata_oci.profiles.kata1 import PROFILE

    bound = kata_oci.get_profile("kata1", engine=fast_engine)
    assert bound.features is fast_engine.features and PROFILE.features is None
    with pytest.raises(kata_oci.ConfigError, match=r"registered: newstore\)"):
        PROFILE.runtime_config_from_toml(KATA1_FAST)  # engine-less: Kata 1.x's own feature only


def test_plan_overrides_features_default_to_the_engine_given(fast_engine: kata_oci.Engine) -> None:
    rc, sandbox = kata_oci.RuntimeConfig(), kata_oci.SandboxConfig()
    plan = kata_oci.plan_overrides({EXPERIMENTAL: "fast_boot"}, sandbox, rc, engine=fast_engine)
    assert [f.name for f in plan.updates["experimental"]] == ["fast_boot"]
    plan = kata_oci.plan_overrides({EXPERIMENTAL: "fast_boot"}, sandbox, rc)
    assert [d.outcome for d in plan.decisions] == [kata_oci.Outcome.REJECTED]
    from kata_oci import overrides

    with pytest.raises(TypeError, match="features"):
        overrides.plan_overrides({}, sandbox, rc)  # type: ignore[call-arg]  # beneath: no default


def test_cluster_checks_with_its_engine(tmp_path: Path, fast_engine: kata_oci.Engine) -> None:
    from kata_oci.k8s.nodeconfig import CRIKind, Handler

    path = tmp_path / "configuration.toml"
    path.write_text(KATA1_FAST)
    handler = Handler(name="kata", cri=CRIKind.CONTAINERD, kata=True, runtime="go")
    given = kata_oci.Cluster(profile="kata1", kata_config=path, engine=fast_engine)
    target = given.kata_target(handler)
    assert target.error is None and target.engine is fast_engine
    assert [f.name for f in target.runtime_config.experimental] == ["fast_boot"]
    target = kata_oci.Cluster(profile="kata1", kata_config=path).kata_target(handler)
    assert target.error is not None and 'Unsupported experimental feature "fast_boot"' in target.error


# -- one folder per profile ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("kata_oci.annotations", "kata_oci.profiles.kata1.table"),
        ("kata_oci.config", "kata_oci.profiles.kata1.types"),
        ("kata_oci.configfile", "kata_oci.profiles.kata1.loader"),
    ],
)
def test_kata1_modules_answer_under_their_old_names(old: str, new: str) -> None:
    """The moved modules are the old names' modules: same object, so private names and patches hold."""
    import importlib

    assert importlib.import_module(old) is importlib.import_module(new)


def test_every_profile_folder_has_its_table_types_and_loader() -> None:
    for name in ("kata1", "go", "rs"):
        folder = PACKAGE / "profiles" / name
        assert sorted(p.name for p in folder.glob("*.py") if p.stem in {"table", "types", "loader"}) == [
            "loader.py",
            "table.py",
            "types.py",
        ], name


#: kata1's modules under their names before the move.
KATA1_OLD_NAMES = {
    "kata_oci.annotations": "kata_oci.profiles.kata1.table",
    "kata_oci.config": "kata_oci.profiles.kata1.types",
    "kata_oci.configfile": "kata_oci.profiles.kata1.loader",
}


def test_no_profile_imports_another() -> None:
    """Shared machinery lives beneath the profiles (loading.py, types.py, overrides.py), not in one."""
    found = {}
    for name in ("kata1", "go", "rs"):
        for path in (PACKAGE / "profiles" / name).glob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    module = KATA1_OLD_NAMES.get(node.module, node.module)
                    parts = module.split(".")
                    others = {"kata1", "go", "rs"} - {name}
                    if parts[:2] == ["kata_oci", "profiles"] and len(parts) > 2 and parts[2] in others:
                        found.setdefault(f"{name}/{path.name}", []).append(node.module)
    assert found == {}
