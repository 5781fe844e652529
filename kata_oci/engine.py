"""The engine: container type, sandbox ID, pod identity and sizing, answered by the CRI plugins.

An :class:`Engine` is built once from a pluggy ``PluginManager``. Building it
asks every plugin for its :class:`~kata_oci.CRI` declaration and turns them
into ordered tables (container-type keys, sandbox-ID keys, identity keys,
sizing keys); answering a question is then a few dictionary look-ups, with a
hook call only for the plugins that implement the matching hook themselves.
The container type and sandbox ID are on every container's path and stay a
few look-ups; pod identity and sandbox sizing are computed only when asked.

The module-level functions of :mod:`kata_oci` use :func:`default_engine`,
built lazily once per process from the installed entry points, safely under
concurrent first use.
"""

from __future__ import annotations

import _thread
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .cri import CRI
from .errors import ContainerTypeError, KataOCIError, PluginError, SandboxIDError, cut
from .log import log
from .plugins import PluginInfo
from .pod import IDENTITY_FIELDS, CRIConflictError, PodIdentity, identity_from_keys
from .sizing import Sizing, sizing_from_keys
from .spec import Spec
from .types import ContainerType, Feature
from .wellknown import UnreadKey, unread_keys, watch_list

if TYPE_CHECKING:
    import pluggy

    from .profiles.base import Profile
    from .profiles.kata1.types import RuntimeConfig
    from .sandbox import ContainerConfig, SandboxConfig

__all__ = [
    "Answer",
    "Engine",
    "Resolution",
    "SizingAnswer",
    "default_engine",
    "reset_default_engine",
    "set_default_engine",
]

_EMPTY: Mapping[str, str] = {}

# One step of a resolution: (plugin name, key, value table, custom hook or None).
_Step = tuple[str, str, Mapping[str, Any] | None, Callable[..., Any] | None]
# One step of an on-demand answer: (plugin name, declaration or None, custom hook or None).
_HookStep = tuple[str, CRI | None, Callable[..., Any] | None]


# A fast-path row: (key, its values, the next two keys after it, the keys after those).
_FastRow = tuple[str, Any, str, str, tuple[str, ...]]
# A shortcut for kata_oci.api (see Engine._shortcuts): (the first CRI's key, its values,
# the two keys that must be absent for it alone to decide; "" when there are fewer).
_Shortcut = tuple[str, Any, str, str]


def _with_later(rows: list[tuple[str, Any]]) -> tuple[_FastRow, ...]:
    """Each (key, values) row with the keys of the rows after it, the first two apart.

    A missing later key is ``""``: a spec carrying an empty key merely takes
    the general path, which gives the same answer.
    """
    keys = [key for key, _ in rows]
    out = []
    for i, (key, values) in enumerate(rows):
        a, b, *rest = [*keys[i + 1 :], "", ""]
        out.append((key, values, a, b, tuple(k for k in rest if k)))
    return tuple(out)


class Answer(msgspec.Struct, frozen=True):
    """One plugin's answer: which plugin, from which key, what value it read."""

    plugin: str
    key: str
    value: str


class Resolution(msgspec.Struct, frozen=True):
    """Everything :meth:`Engine.resolve` found for one spec.

    ``container_type_answer`` / ``sandbox_id_answer`` say which plugin and key
    decided (``None`` when no plugin answered); ``conflicts`` lists the later
    answers that disagree with the deciding one.
    """

    container_type: ContainerType
    container_type_answer: Answer | None
    sandbox_id: str | None
    sandbox_id_answer: Answer | None
    conflicts: tuple[str, ...] = ()
    unread: tuple[UnreadKey, ...] = ()  # well-known CRI keys no registered plugin reads


class SizingAnswer(msgspec.Struct, frozen=True):
    """What :meth:`Engine.sandbox_sizing_answer` found.

    ``sizing`` is the answer (``Sizing()`` when no plugin answered);
    ``plugin`` the CRI plugin that gave it, ``None`` when none did;
    ``conflicts`` what later plugins said differently.
    """

    sizing: Sizing
    plugin: str | None = None
    conflicts: tuple[str, ...] = ()


def _hook_failed(plugin: str, hook: str, exc: Exception) -> PluginError:
    error = PluginError(plugin, f"{hook} failed: {type(exc).__name__}: {cut(exc, 1000)}")
    error.__cause__ = exc
    return error


_PROFILE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")


def _profile_problem(profile: object, base: type) -> str | None:
    """What is wrong with a declared profile, or ``None``."""
    if not isinstance(profile, base):
        return f"returned {type(profile).__name__}, not a kata_oci.Profile"
    name = getattr(profile, "name", None)
    if not isinstance(name, str) or not _PROFILE_NAME.match(name):
        return f"profile name {name!r} must match ^[a-z][a-z0-9_-]*$ (at most 32 characters)"
    for attr in ("version", "title"):
        if not isinstance(getattr(profile, attr, None), str):
            return f"profile {name!r} has no {attr} string"
    if not isinstance(getattr(profile, "default_container_type", None), ContainerType):
        return f"profile {name!r}: default_container_type is not a kata_oci.ContainerType"
    return None


def _annotations(spec: Spec | Mapping[str, str] | None) -> Mapping[str, str]:
    if isinstance(spec, Spec):
        return spec.annotations or _EMPTY
    return spec or _EMPTY


class Engine:
    """Answers container-type and sandbox-ID questions through CRI plugins.

    Build one with :meth:`from_entry_points` (the installed plugins, as the
    default engine does) or :meth:`from_plugins` (an explicit list, no entry
    points scanned, for embedding and tests). ``strict=True`` makes
    disagreeing CRI annotations an error instead of a warning.
    """

    def __init__(
        self,
        plugin_manager: pluggy.PluginManager | None,
        *,
        plugin_infos: Mapping[str, PluginInfo] | None = None,
        strict: bool = False,
        declarations: Iterable[tuple[str, CRI]] = (),
        features: Mapping[str, Feature] | None = None,
    ) -> None:
        self.plugin_manager = plugin_manager
        self.plugin_infos: dict[str, PluginInfo] = dict(plugin_infos or {})
        self.strict = strict
        if plugin_manager is None:
            # A declarations-only engine (see from_declarations): no hook is called.
            self.cris: tuple[tuple[str, CRI], ...] = tuple(declarations)
            self.features: Mapping[str, Feature] = dict(features or {})
        else:
            self.cris = self._collect_declarations()
            self.features = self._collect_features()
        # The keys each declared plugin names: its hooks are not called for a spec
        # that carries none of them (the contract in hookspecs.py).
        self._declared_keys: dict[str, frozenset[str]] = {
            plugin: decl.annotation_keys() for plugin, decl in self.cris
        }
        # Well-known CRI keys that no registered plugin reads: seen in a spec, said (kata_oci.wellknown).
        self._unread_watch = watch_list(k for keys in self._declared_keys.values() for k in keys)
        self._type_steps = self._steps("kata_oci_resolve_container_type", "container_type_key")
        self._sid_steps = self._steps("kata_oci_resolve_sandbox_id", "sandbox_id_key")
        # When every plugin is pure data (the usual case), the two questions are a
        # few dict look-ups over these tables; None when a plugin has custom hooks.
        # Each row is (key, its values, the keys after it): the first key present
        # decides at once when none of the later ones is there (two `in` tests for
        # the usual three CRIs); anything else takes the general path, which
        # reports conflicts and bad values.
        self._type_table: tuple[_FastRow, ...] | None = (
            _with_later([(key, values or {}) for _, key, values, fn in self._type_steps])
            if all(fn is None for *_, fn in self._type_steps)
            else None
        )
        self._sid_table: tuple[_FastRow, ...] | None = (
            _with_later([(key, None) for _, key, _, fn in self._sid_steps])
            if all(fn is None for *_, fn in self._sid_steps)
            else None
        )
        self._profiles: dict[str, Profile] | None = None
        self._profile_owners: dict[str, str] = {}
        self._type_shortcuts: dict[object, _Shortcut] = {}  # looked up by kata_oci.api's profile=
        self._sid_shortcuts: dict[object, _Shortcut] = {}
        self._shortcuts()
        self._identity_steps = self._hook_steps("kata_oci_pod_identity", "identity")
        self._sizing_steps = self._hook_steps("kata_oci_sandbox_sizing", "sizing")
        if not self._type_steps and not self._sid_steps:
            log.warning(
                "no_cri_plugins",
                reason="no CRI plugin is registered: every container will be taken for a pod sandbox",
                hint="install kata-oci-containerd, kata-oci-crio or kata-oci-dockershim",
            )

    # -- construction --------------------------------------------------------

    @classmethod
    def from_entry_points(
        cls,
        *,
        extra_plugins: Iterable[object] = (),
        strict: bool = False,
        entry_point_source: Iterable[Any] | None = None,
    ) -> Engine:
        """An engine over the plugins installed in the ``kata_oci`` entry-point group.

        ``entry_point_source`` replaces the scan of installed distributions
        with a list of entry points (name, value, dist and ``load()``), e.g.
        from a cache.
        """
        from .plugins import make_plugin_manager

        pm, infos = make_plugin_manager(
            extra_plugins, entry_points=True, entry_point_source=entry_point_source
        )
        return cls(pm, plugin_infos=infos, strict=strict)

    @classmethod
    def from_plugins(cls, plugins: Iterable[object], *, strict: bool = False) -> Engine:
        """An engine over exactly ``plugins``, consulted in the order given."""
        from .plugins import make_plugin_manager

        pm, infos = make_plugin_manager(plugins, entry_points=False)
        return cls(pm, plugin_infos=infos, strict=strict)

    @classmethod
    def from_declarations(
        cls,
        declarations: Iterable[tuple[str, CRI]],
        *,
        features: Mapping[str, Feature] | None = None,
        plugin_infos: Mapping[str, PluginInfo] | None = None,
        strict: bool = False,
    ) -> Engine:
        """An engine over CRI declarations alone (plugin name, declaration), in order.

        No plugin code runs: the answers come from the declared keys only, so
        this is right only for plugins that implement no hook, or for specs
        that carry none of the keys of those that do (see
        :meth:`needs_hooks`). ``kata-oci`` uses it with a per-environment
        cache to start without importing plugins.
        """
        return cls(
            None, declarations=declarations, features=features, plugin_infos=plugin_infos, strict=strict
        )

    def hooked_plugins(self) -> dict[str, list[str]]:
        """The plugins that implement answering hooks, and which ones."""
        out: dict[str, list[str]] = {}
        if self.plugin_manager is None:
            return out
        for name in (
            "kata_oci_resolve_container_type",
            "kata_oci_resolve_sandbox_id",
            "kata_oci_pod_identity",
            "kata_oci_sandbox_sizing",
        ):
            for plugin in self._custom_hooks(name):
                out.setdefault(plugin, []).append(name)
        # A plugin's profile is only known from its hook: an engine of cached
        # declarations (which knows the built-in profiles only) will not do.
        from .plugins import DEFAULT_PLUGINS

        for plugin in self._custom_hooks("kata_oci_declare_profile"):
            if plugin not in DEFAULT_PLUGINS:
                out.setdefault(plugin, []).append("kata_oci_declare_profile")
        return out

    def _collect_declarations(self) -> tuple[tuple[str, CRI], ...]:
        assert self.plugin_manager is not None
        hook = self.plugin_manager.hook.kata_oci_declare_cri
        out: list[tuple[str, CRI]] = []
        names: dict[str, str] = {}
        # pluggy calls implementations in reverse order of get_hookimpls().
        for impl in reversed(hook.get_hookimpls()):
            plugin = impl.plugin_name
            try:
                decl = impl.function()
            except Exception as exc:
                raise PluginError(
                    plugin, f"kata_oci_declare_cri failed: {type(exc).__name__}: {exc}"
                ) from exc
            if decl is None:
                continue
            if not isinstance(decl, CRI):
                raise PluginError(
                    plugin, f"kata_oci_declare_cri returned {type(decl).__name__}, not kata_oci.CRI"
                )
            problems = decl.check()
            if problems:
                raise PluginError(plugin, "invalid CRI declaration: " + "; ".join(problems))
            if decl.name in names:
                raise PluginError(
                    plugin, f"CRI name {decl.name!r} is already declared by plugin {names[decl.name]!r}"
                )
            names[decl.name] = plugin
            out.append((plugin, decl))
        return tuple(out)

    def _collect_features(self) -> dict[str, Feature]:
        from .experimental import check_feature

        features: dict[str, Feature] = {}
        owners: dict[str, str] = {}
        assert self.plugin_manager is not None
        for impl in reversed(self.plugin_manager.hook.kata_oci_experimental_features.get_hookimpls()):
            plugin = impl.plugin_name
            try:
                answer: Any = impl.function()
                registered = list(answer or ())
            except Exception as exc:
                raise PluginError(
                    plugin, f"kata_oci_experimental_features failed: {type(exc).__name__}: {exc}"
                ) from exc
            for feature in registered:
                problem = check_feature(feature)
                if problem:
                    raise PluginError(plugin, problem)
                if feature.name in features:
                    raise PluginError(
                        plugin,
                        f"experimental feature {feature.name!r} was registered before "
                        f"by {owners[feature.name]!r}",
                    )
                features[feature.name] = feature
                owners[feature.name] = plugin
        return features

    # -- runtime profiles ---------------------------------------------------------

    @property
    def profiles(self) -> Mapping[str, Profile]:
        """The registered runtime profiles by name, built-in ones first.

        Collected from ``kata_oci_declare_profile`` the first time they are
        asked for. An engine without a plugin manager (from cached
        declarations) has the built-in profiles only
        (:data:`kata_oci.plugins.BUILTIN_PROFILES`).
        """
        found = self._profiles
        if found is None:
            found = self._profiles = self._collect_profiles()
            self._shortcuts()  # now for the profiles too
        return found

    def profile(self, name: str) -> Profile:
        """The profile registered as ``name``; :class:`~kata_oci.ProfileError` when there is none."""
        found = self.profiles.get(name)
        if found is not None:
            return found
        from .errors import ProfileError
        from .plugins import BUILTIN_PROFILES, KNOWN_PROFILES

        known = ", ".join(self.profiles) or "none"
        if name in KNOWN_PROFILES and name not in BUILTIN_PROFILES:
            reason = (
                f"the {KNOWN_PROFILES[name]} profile is not part of this kata-oci yet "
                f"(no built-in plugin declares it); available profiles: {known}"
            )
        else:
            reason = f"no such runtime profile is registered (available: {known})"
        raise ProfileError(name, reason)

    def profile_plugin(self, name: str) -> str | None:
        """The plugin that declared profile ``name``."""
        self.profiles  # noqa: B018 - collect them
        return self._profile_owners.get(name)

    def _collect_profiles(self) -> dict[str, Profile]:
        from .profiles.base import Profile

        answers: list[tuple[str, Any]] = []
        hook = (
            getattr(self.plugin_manager.hook, "kata_oci_declare_profile", None)
            if self.plugin_manager
            else None
        )
        if hook is None:
            import importlib

            from .plugins import BUILTIN_PROFILES

            answers = [
                (f"{module}.plugin", importlib.import_module(module).PROFILE)
                for module in BUILTIN_PROFILES.values()
            ]
        else:
            # pluggy calls implementations in reverse order of get_hookimpls().
            for impl in reversed(hook.get_hookimpls()):
                try:
                    answers.append((impl.plugin_name, impl.function()))
                except Exception as exc:
                    raise PluginError(
                        impl.plugin_name, f"kata_oci_declare_profile failed: {type(exc).__name__}: {exc}"
                    ) from exc
        # The core's own profiles first (pluggy consults the core's plugins last), so
        # that a plugin declaring a built-in name is the one found at fault.
        from .plugins import DEFAULT_PLUGINS

        rank = {name: i for i, name in enumerate(DEFAULT_PLUGINS)}
        answers.sort(key=lambda item: rank.get(item[0], len(rank)))
        found: dict[str, Profile] = {}
        owners: dict[str, str] = {}
        for plugin, answer in answers:
            for profile in answer if isinstance(answer, list | tuple) else [answer]:
                if profile is None:
                    continue
                problem = _profile_problem(profile, Profile)
                if problem:
                    raise PluginError(plugin, f"kata_oci_declare_profile: {problem}")
                if profile.name in found:
                    raise PluginError(
                        plugin,
                        f"profile {profile.name!r} is already declared by plugin {owners[profile.name]!r}",
                    )
                found[profile.name] = profile.for_engine(self)
                owners[profile.name] = plugin
        self._profile_owners = owners
        return found

    def _shortcuts(self) -> None:
        """The rows :mod:`kata_oci.api`'s ``container_type`` / ``sandbox_id`` answer from, by profile.

        On every container's path: the first CRI's key decides at once when
        none of the keys that could change the answer is there (the later
        CRIs' keys, a disagreement; well-known keys no plugin reads, a
        warning) and its value is one the CRI writes; anything else asks the
        profile, which asks this engine. Each table maps the profile names
        whose method is :class:`Profile`'s (``None``: no profile, the
        engine's own rule) to that row; it is empty when a plugin has a
        custom hook, more than two keys must be ruled out, or a subclass
        answers the question its own way.
        """
        self._type_shortcuts = self._shortcut_table(self._type_table, "container type", "container_type")
        self._sid_shortcuts = self._shortcut_table(self._sid_table, "sandbox ID", "sandbox_id")

    def _shortcut_table(
        self, table: tuple[_FastRow, ...] | None, what: str, method: str
    ) -> dict[object, _Shortcut]:
        if not table or getattr(type(self), method) is not getattr(Engine, method):
            return {}
        key, values, a, b, rest = table[0]
        unread = [k for k, decides, *_ in self._unread_watch if decides == what]
        others = [k for k in (a, b, *rest, *unread) if k]
        if len(others) > 2:
            return {}
        a, b = [*others, "", ""][:2]
        names: list[object] = [None]
        if self._profiles is not None:
            from .profiles.base import Profile

            base = getattr(Profile, method)
            names += [
                name
                for name, profile in self._profiles.items()
                if getattr(getattr(profile, method, None), "__func__", None) is base
            ]
        return dict.fromkeys(names, (key, values, a, b))

    def _steps(self, hook_name: str, key_field: str) -> tuple[_Step, ...]:
        custom = self._custom_hooks(hook_name)
        steps: list[_Step] = []
        for plugin, decl in self.cris:
            fn = custom.pop(plugin, None)
            key = getattr(decl, key_field)
            values = decl.container_types if key_field == "container_type_key" else None
            if fn is not None or key:
                steps.append((plugin, key, values, fn))
        # plugins with custom logic but no declaration, in their hook order
        steps.extend((plugin, "", None, fn) for plugin, fn in custom.items())
        return tuple(steps)

    def _custom_hooks(self, hook_name: str) -> dict[str, Callable[..., Any]]:
        """Each plugin's implementation of ``hook_name``, in the order pluggy would call them."""
        if self.plugin_manager is None:
            return {}
        return {
            impl.plugin_name: impl.function
            for impl in reversed(getattr(self.plugin_manager.hook, hook_name).get_hookimpls())
            if not (impl.hookwrapper or impl.wrapper)
        }

    def _hook_steps(self, hook_name: str, table_field: str) -> tuple[_HookStep, ...]:
        custom = self._custom_hooks(hook_name)
        steps: list[_HookStep] = []
        for plugin, decl in self.cris:
            fn = custom.pop(plugin, None)
            if fn is not None or getattr(decl, table_field) is not None:
                steps.append((plugin, decl, fn))
        steps.extend((plugin, None, fn) for plugin, fn in custom.items())
        return tuple(steps)

    def _concerns(self, plugin: str, ann: Mapping[str, str]) -> bool:
        """Whether ``ann`` carries a key ``plugin`` declares (always true for undeclared plugins)."""
        keys = self._declared_keys.get(plugin)
        if keys is None:
            return True
        if len(keys) < len(ann):
            return any(k in ann for k in keys)
        return any(k in keys for k in ann)

    def _call_hook(self, plugin: str, fn: Callable[..., Any], hook_name: str, ann: Mapping[str, str]) -> Any:
        if not self._concerns(plugin, ann):
            return None
        try:
            return fn(annotations=ann)
        except KataOCIError:
            raise
        except Exception as exc:
            raise PluginError(plugin, f"{hook_name} failed: {type(exc).__name__}: {cut(exc, 1000)}") from exc

    # -- answers ----------------------------------------------------------------

    # Each answer is (value, Answer), or (the error, Answer) when the plugin's key holds a
    # value it cannot read: an error decides if it comes first (Kata's rule), and is one
    # more conflict if it comes later.

    def _type_answers(self, ann: Mapping[str, str]) -> Iterable[tuple[ContainerType | KataOCIError, Answer]]:
        for plugin, key, values, fn in self._type_steps:
            if fn is None:
                value = ann.get(key)
                if value is None:
                    continue
                ctype = values.get(value) if values is not None else None
                if ctype is None:
                    yield (
                        ContainerTypeError(
                            f"unknown container type {cut(value)!r} in annotation {key} "
                            f"(CRI plugin {plugin!r} knows {sorted(values or ())})"
                        ),
                        Answer(plugin, key, value),
                    )
                    continue
                yield ctype, Answer(plugin, key, value)
            else:
                answer = Answer(plugin, key, ann.get(key, "") if key else "")
                if not self._concerns(plugin, ann):
                    continue
                try:
                    result = fn(annotations=ann)
                except KataOCIError as exc:
                    yield exc, answer
                    continue
                except Exception as exc:
                    yield _hook_failed(plugin, "kata_oci_resolve_container_type", exc), answer
                    continue
                if result is None:
                    continue
                if not isinstance(result, ContainerType):
                    try:
                        result = ContainerType(result)
                    except ValueError:
                        result = PluginError(
                            plugin,
                            f"kata_oci_resolve_container_type returned {cut(repr(result))}, "
                            "not a ContainerType",
                        )
                yield result, answer

    def _sid_answers(self, ann: Mapping[str, str]) -> Iterable[tuple[str | KataOCIError, Answer]]:
        for plugin, key, _values, fn in self._sid_steps:
            if fn is None:
                value = ann.get(key)
                if value is None:
                    continue
                yield value, Answer(plugin, key, value)
            else:
                if not self._concerns(plugin, ann):
                    continue
                try:
                    result = fn(annotations=ann)
                except KataOCIError as exc:
                    yield exc, Answer(plugin, key, ann.get(key, "") if key else "")
                    continue
                except Exception as exc:
                    failed = _hook_failed(plugin, "kata_oci_resolve_sandbox_id", exc)
                    yield failed, Answer(plugin, key, ann.get(key, "") if key else "")
                    continue
                if result is None:
                    continue
                if not isinstance(result, str):
                    result = PluginError(
                        plugin, f"kata_oci_resolve_sandbox_id returned {cut(repr(result))}, not a string"
                    )
                    yield result, Answer(plugin, key, ann.get(key, "") if key else "")
                    continue
                yield result, Answer(plugin, key, result)

    def _first_and_conflicts(
        self, answers: Iterable[tuple[Any, Answer]], what: str, strict: bool
    ) -> tuple[Any, Answer | None, tuple[str, ...]]:
        it = iter(answers)
        first = next(it, None)
        if first is None:
            return None, None, ()
        value, answer = first
        if isinstance(value, KataOCIError):
            raise value  # the first CRI key present decides, even when its value is bad
        conflicts: list[str] = []
        for other, by in it:
            if isinstance(other, KataOCIError):
                # A later plugin Kata would never have asked: a conflict, not a failure.
                if strict and isinstance(other, PluginError):
                    raise other
                conflicts.append(
                    f"{what}: plugin {answer.plugin!r} says {cut(value)!r} "
                    f"({answer.key}={cut(answer.value)!r}) "
                    f"but plugin {by.plugin!r} cannot read {by.key or 'its annotations'}"
                    f"{'=' + repr(cut(by.value)) if by.key else ''}: {cut(other, 1000)}"
                )
            elif other != value:
                conflicts.append(
                    f"{what}: plugin {answer.plugin!r} says {cut(value)!r} "
                    f"({answer.key}={cut(answer.value)!r}) "
                    f"but plugin {by.plugin!r} says {cut(other)!r} ({by.key}={cut(by.value)!r})"
                )
        if conflicts:
            if strict:
                exc_type = ContainerTypeError if what == "container type" else SandboxIDError
                raise exc_type("conflicting CRI annotations: " + "; ".join(conflicts))
            log.warning(
                "cri_conflict", what=what, chosen=cut(value), plugin=answer.plugin, conflicts=conflicts
            )
        return value, answer, tuple(conflicts)

    def container_type(
        self,
        spec: Spec | Mapping[str, str] | None,
        *,
        strict: bool | None = None,
        default: ContainerType = ContainerType.POD_SANDBOX,
    ) -> ContainerType:
        """The container type (Kata 1.x ``oci.ContainerType``).

        The first CRI plugin, in order, whose type key is present decides; a
        value that CRI does not write raises :class:`ContainerTypeError`; no
        CRI key at all gives ``default``: :attr:`ContainerType.POD_SANDBOX` as
        in Kata 1.x (a profile passes its own: Kata 2.0 and later say
        ``SINGLE_CONTAINER``). When a later CRI's key disagrees, a warning is
        logged, or with ``strict`` a :class:`ContainerTypeError` names both
        plugins and values.
        """
        ann = spec.annotations if type(spec) is Spec else _annotations(spec)
        if self._unread_watch:
            self._no_silent_default(ann, "container type", self.strict if strict is None else strict)
        table = self._type_table
        if table is not None:
            # Fast path: the first CRI key present decides when no later one is there.
            if not ann:
                return default
            for key, values, a, b, rest in table:
                value = ann.get(key)
                if value is not None:
                    if a not in ann and b not in ann and not rest:
                        found: ContainerType | None = values.get(value)
                        if found is not None:
                            return found
                    break  # several CRI keys, or a value the CRI does not write: the general path
            else:
                return default
        strict = self.strict if strict is None else strict
        ctype, _, _ = self._first_and_conflicts(self._type_answers(ann or _EMPTY), "container type", strict)
        return default if ctype is None else ctype

    def sandbox_id(self, spec: Spec | Mapping[str, str] | None, *, strict: bool | None = None) -> str:
        """The sandbox ID (Kata 1.x ``oci.SandboxID``).

        The first CRI sandbox-ID key present gives its value, even an empty
        one; none raises :class:`SandboxIDError`. Disagreeing keys of later
        CRIs are logged, or with ``strict`` raise :class:`SandboxIDError`.
        """
        ann = spec.annotations if type(spec) is Spec else _annotations(spec)
        if self._unread_watch:
            self._no_silent_default(ann, "sandbox ID", self.strict if strict is None else strict)
        table = self._sid_table
        if table is not None and ann:
            for key, _, a, b, rest in table:
                value = ann.get(key)
                if value is not None:
                    if a not in ann and b not in ann and not rest:
                        return value
                    break  # several CRI keys: the general path compares them
        strict = self.strict if strict is None else strict
        sid, _, _ = self._first_and_conflicts(self._sid_answers(ann or _EMPTY), "sandbox ID", strict)
        if sid is None:
            raise SandboxIDError(
                "could not find sandbox ID: none of the annotations "
                f"{', '.join(self.cri_sandbox_id_keys()) or '(no CRI plugin registered)'} is present"
            )
        return str(sid)

    def resolve(
        self,
        spec: Spec | Mapping[str, str] | None,
        *,
        strict: bool | None = None,
        default: ContainerType = ContainerType.POD_SANDBOX,
    ) -> Resolution:
        """Container type and sandbox ID together, with the plugins that answered.

        Unlike :meth:`sandbox_id`, a missing sandbox ID is not an error here:
        ``sandbox_id`` is then ``None``. ``default`` is the container type
        when no CRI key is present (see :meth:`container_type`).
        """
        strict = self.strict if strict is None else strict
        ann = _annotations(spec)
        unread = self._no_silent_default(ann, "container type", strict, "sandbox ID")
        ctype, tans, tconf = self._first_and_conflicts(self._type_answers(ann), "container type", strict)
        sid, sans, sconf = self._first_and_conflicts(self._sid_answers(ann), "sandbox ID", strict)
        return Resolution(
            container_type=default if ctype is None else ctype,
            container_type_answer=tans,
            sandbox_id=sid,
            sandbox_id_answer=sans,
            conflicts=tconf + sconf,
            unread=unread,
        )

    def unread_cri_keys(self, spec: Spec | Mapping[str, str] | None) -> tuple[UnreadKey, ...]:
        """The well-known CRI keys in ``spec`` that no registered plugin reads (see kata_oci.wellknown)."""
        return unread_keys(_annotations(spec), self._unread_watch)

    def _no_silent_default(
        self, ann: Mapping[str, str] | None, what: str, strict: bool, *also: str
    ) -> tuple[UnreadKey, ...]:
        """Warn about (``strict``: refuse) well-known CRI keys for ``what`` that nobody reads."""
        found = unread_keys(ann, self._unread_watch)
        relevant = [u for u in found if u.decides in (what, *also)]
        if relevant:
            if strict:
                first = relevant[0].decides
                exc_type = ContainerTypeError if first == "container type" else SandboxIDError
                raise exc_type(f"cannot tell the {first}: " + "; ".join(map(str, relevant)))
            log.warning(
                "cri_key_unread",
                keys=[u.key for u in relevant],
                reason="no installed plugin reads these CRI keys: Kata's default is used",
                hint="install " + " and ".join(sorted({u.distribution for u in relevant})),
            )
        return found

    # -- pod identity and sandbox sizing (on demand) ------------------------------------

    def _identity_answers(self, ann: Mapping[str, str]) -> Iterable[tuple[str, PodIdentity]]:
        for plugin, decl, fn in self._identity_steps:
            if fn is None:
                assert decl is not None
                assert decl.identity is not None
                answer = identity_from_keys(ann, decl.identity)
            else:
                answer = self._call_hook(plugin, fn, "kata_oci_pod_identity", ann)
                if answer is not None and not isinstance(answer, PodIdentity):
                    raise PluginError(
                        plugin, f"kata_oci_pod_identity returned {answer!r}, not a kata_oci.PodIdentity"
                    )
            if answer is not None and not answer.is_empty():
                yield plugin, answer

    def _sizing_answers(self, ann: Mapping[str, str]) -> Iterable[tuple[str, Sizing]]:
        for plugin, decl, fn in self._sizing_steps:
            if fn is None:
                assert decl is not None
                assert decl.sizing is not None
                answer = sizing_from_keys(ann, decl.sizing, cri=decl.name)
            else:
                answer = self._call_hook(plugin, fn, "kata_oci_sandbox_sizing", ann)
                if answer is not None and not isinstance(answer, Sizing):
                    raise PluginError(
                        plugin, f"kata_oci_sandbox_sizing returned {answer!r}, not a kata_oci.Sizing"
                    )
            if answer is not None:
                yield plugin, answer

    def _settle(self, what: str, plugin: str, chosen: str, conflicts: list[str], strict: bool) -> None:
        if not conflicts:
            return
        if strict:
            raise CRIConflictError(what, tuple(conflicts))
        log.warning("cri_conflict", what=what, chosen=chosen, plugin=plugin, conflicts=conflicts)

    def pod_identity(
        self, spec: Spec | Mapping[str, str] | None, *, strict: bool | None = None
    ) -> PodIdentity:
        """The pod and container names from the CRI annotations (see :func:`kata_oci.pod_identity`).

        The first plugin, in order, that finds any of its identity keys
        answers for every field; later plugins only count as conflicting
        where both name a field and the names differ (logged, listed in
        :attr:`PodIdentity.conflicts`, or with ``strict``
        :class:`~kata_oci.CRIConflictError`). No answer: an empty
        :class:`PodIdentity` with ``plugin`` ``None``.
        """
        strict = self.strict if strict is None else strict
        ann = _annotations(spec)
        first: tuple[str, PodIdentity] | None = None
        conflicts: list[str] = []
        for plugin, answer in self._identity_answers(ann):
            if first is None:
                first = (plugin, answer)
                continue
            for name in IDENTITY_FIELDS:
                mine, theirs = getattr(first[1], name), getattr(answer, name)
                if mine is not None and theirs is not None and mine != theirs:
                    conflicts.append(
                        f"{name.replace('_', ' ')}: plugin {first[0]!r} says {cut(mine)!r} "
                        f"but plugin {plugin!r} says {cut(theirs)!r}"
                    )
        if first is None:
            return PodIdentity()
        plugin, answer = first
        self._settle("pod identity", plugin, cut(answer.names(), 1000), conflicts, strict)
        return msgspec.structs.replace(answer, plugin=plugin, conflicts=tuple(conflicts))

    def sandbox_sizing_answer(
        self, spec: Spec | Mapping[str, str] | None, *, strict: bool | None = None
    ) -> SizingAnswer:
        """The pod sandbox's sizing with the plugin that gave it and any conflicts.

        The first plugin, in order, that recognises its sizing annotations
        answers; a later plugin whose answer differs is a conflict (logged,
        or with ``strict`` :class:`~kata_oci.CRIConflictError`).
        """
        strict = self.strict if strict is None else strict
        ann = _annotations(spec)
        first: tuple[str, Sizing] | None = None
        conflicts: list[str] = []
        for plugin, answer in self._sizing_answers(ann):
            if first is None:
                first = (plugin, answer)
            elif answer != first[1]:
                conflicts.append(
                    f"sandbox sizing: plugin {first[0]!r} says {cut(first[1], 1000)} "
                    f"but plugin {plugin!r} says {cut(answer, 1000)}"
                )
        if first is None:
            return SizingAnswer(Sizing())
        self._settle("sandbox sizing", first[0], str(first[1]), conflicts, strict)
        return SizingAnswer(first[1], first[0], tuple(conflicts))

    def sandbox_sizing(self, spec: Spec | Mapping[str, str] | None, *, strict: bool | None = None) -> Sizing:
        """The pod sandbox's sizing (see :func:`kata_oci.calculate_sandbox_sizing`)."""
        return self.sandbox_sizing_answer(spec, strict=strict).sizing

    def container_manager(self, spec: Spec | Mapping[str, str] | None, name: str) -> bool:
        """True when CRI ``name``'s type key is present with a value it writes."""
        ann = _annotations(spec)
        for _plugin, decl in self.cris:
            if decl.name == name and decl.container_type_key:
                value = ann.get(decl.container_type_key)
                return value is not None and value in decl.container_types
        return False

    # -- conversion -------------------------------------------------------------

    def container_config(
        self,
        spec: Spec,
        bundle_path: str,
        cid: str,
        console: str = "",
        detach: bool = False,
        *,
        profile: str | Profile | None = None,
    ) -> ContainerConfig:
        """:func:`kata_oci.container_config` with this engine's plugins (``profile`` default ``kata1``)."""
        from .api import container_config

        result: ContainerConfig = container_config(
            spec, bundle_path, cid, console, detach, engine=self, profile=profile
        )
        return result

    def sandbox_config(
        self,
        spec: Spec,
        runtime_config: RuntimeConfig,
        bundle_path: str,
        cid: str,
        console: str = "",
        detach: bool = False,
        systemd_cgroup: bool = False,
        *,
        strict_annotations: bool = False,
    ) -> SandboxConfig:
        """:func:`kata_oci.sandbox_config` with this engine's plugins (``runtime_config``'s profile)."""
        from .api import sandbox_config

        result: SandboxConfig = sandbox_config(
            spec,
            runtime_config,
            bundle_path,
            cid,
            console,
            detach,
            systemd_cgroup,
            engine=self,
            strict_annotations=strict_annotations,
        )
        return result

    # -- key lists ------------------------------------------------------------

    def cri_container_type_keys(self) -> list[str]:
        """Kata's ``CRIContainerTypeKeyList``: every declared container-type key, in order."""
        return [decl.container_type_key for _, decl in self.cris if decl.container_type_key]

    def cri_sandbox_id_keys(self) -> list[str]:
        """Kata's ``CRISandboxNameKeyList``: every declared sandbox-ID key, in order."""
        return [decl.sandbox_id_key for _, decl in self.cris if decl.sandbox_id_key]

    def cri_container_types(self) -> list[tuple[str, ContainerType]]:
        """Kata's ``CRIContainerTypeList``: (annotation value, container type) pairs, in order."""
        return [(value, ctype) for _, decl in self.cris for value, ctype in decl.container_types.items()]


_default: Engine | None = None
_default_lock = _thread.allocate_lock()  # _thread: no import cost, unlike threading


def default_engine() -> Engine:
    """The process-wide engine over the installed plugins, built on first use."""
    engine = _default
    if engine is None:
        with _default_lock:
            engine = _default
            if engine is None:
                engine = Engine.from_entry_points()
                _set(engine)
    return engine


def _set(engine: Engine | None) -> None:
    global _default
    _default = engine


def set_default_engine(engine: Engine) -> None:
    """Make ``engine`` the one the module-level functions use."""
    with _default_lock:
        _set(engine)


def reset_default_engine() -> None:
    """Forget the default engine; the next use rebuilds it from the entry points."""
    with _default_lock:
        _set(None)
