"""kata-oci's public functions, each following a runtime profile's rules.

``kata_oci.sandbox_config``, ``plan_sandbox_config``, ``container_config``,
``container_type``, ``sandbox_id``, ``calculate_sandbox_sizing``,
``calculate_container_sizing`` and ``load_runtime_config`` are these. Each
finds its profile (:mod:`kata_oci.profiles`), from the runtime configuration
it is given (``runtime_config.profile``) or a ``profile=`` argument (a name
such as ``"go"``, or a :class:`~kata_oci.Profile`), and hands the work to it
with the default engine's CRI plugins (or ``engine=``'s). Without either,
the functions that take no runtime configuration follow ``kata1``, the
seed's rules, so Kata 1.x code keeps its answers.

The profiles' own code is in their packages; the ``kata1`` functions these
call are :mod:`kata_oci.convert`, :mod:`kata_oci.identity`,
:mod:`kata_oci.sizing` and :mod:`kata_oci.profiles.kata1.loader`.

This is where the default engine is reached: the functions beneath take the
engine (or its features) as an argument. ``pod_identity``, ``plan_overrides``,
``apply_overrides`` and ``runtime_config_from_toml`` are here for that alone,
handing the default engine's plugins or features to :mod:`kata_oci.engine`,
:mod:`kata_oci.overrides` and :mod:`kata_oci.profiles.kata1.loader`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import engine as _engine_module
from .engine import default_engine
from .errors import ConfigError, ProfileError
from .log import log
from .profiles import DEFAULT_PROFILE, detect_profile, detection_scores, get_profile
from .profiles.base import CONFIG_FILE_ENV, DEFAULT_CONFIG_PATHS, Profile, SandboxPlan, find_config_path
from .spec import Spec

if TYPE_CHECKING:
    from pathlib import Path

    from .engine import Engine
    from .hints import KeyIndex
    from .overrides import AnnotationTable, OverridePlan
    from .pod import PodIdentity
    from .profiles.kata1.types import RuntimeConfig
    from .sizing import Sizing
    from .types import ContainerType, Feature

__all__ = [
    "ConfigChoice",
    "apply_overrides",
    "calculate_container_sizing",
    "calculate_sandbox_sizing",
    "container_config",
    "container_type",
    "find_runtime_config",
    "load_runtime_config",
    "plan_annotations",
    "plan_overrides",
    "plan_sandbox_config",
    "pod_identity",
    "runtime_config_from_toml",
    "runtime_profile",
    "sandbox_config",
    "sandbox_id",
]

#: ``host_checks`` left out: each profile's default.
_UNSET: Any = object()

#: What ``profile=`` takes: a profile's name, a Profile, or ``None``.
ProfileArg = str | Profile | None


def _engine(engine: Engine | None) -> Engine:
    return default_engine() if engine is None else engine


def _registered(profile: ProfileArg, engine: Engine) -> Profile | None:
    """The profile registered as the name ``profile`` once the engine has collected them, else ``None``.

    The per-container questions' look-up (~40 ns; :func:`get_profile` ~150):
    anything else (a Profile, an unknown name, profiles not yet collected)
    goes through :func:`get_profile`, which collects them or says why not.
    """
    found = engine._profiles
    return found.get(profile) if found is not None and type(profile) is str else None


def _kata1(profile: ProfileArg, engine: Engine) -> Profile:
    return get_profile("kata1" if profile is None else profile, engine=engine)


def runtime_profile(
    runtime_config: Any, profile: ProfileArg = None, *, engine: Engine | None = None
) -> Profile:
    """The profile of ``runtime_config`` (its ``profile`` attribute), checked against ``profile``.

    Raises :class:`~kata_oci.ProfileError` when the configuration names a
    profile other than ``profile``, or names none and ``profile`` is not given.
    """
    eng = _engine(engine)
    name = getattr(runtime_config, "profile", None)
    if profile is None:
        if not isinstance(name, str):
            raise ProfileError(
                "?", f"a {type(runtime_config).__name__} names no profile: pass profile= to say whose it is"
            )
        return eng.profile(name)
    chosen = get_profile(profile, engine=eng)
    if isinstance(name, str) and name != chosen.name:
        raise ProfileError(
            chosen.name,
            f"the runtime configuration is profile {name!r}'s, not {chosen.name!r}'s: load it with "
            f"profile={chosen.name!r}, or leave profile= out to follow the configuration",
        )
    return chosen


# -- the configuration file ---------------------------------------------------------------


class ConfigChoice:
    """Which configuration file, read under which profile, and why.

    ``source`` says where the path came from: ``"argument"``,
    ``"$KATA_CONF_FILE"``, ``"default path"`` (Kata's look-up) or
    ``"shipped"`` (none found: the profile's shipped configuration).
    ``how`` says where the profile came from: ``"given"`` (``profile=``),
    ``"detected"`` (from the file, with each profile's ``scores``) or
    ``"default"`` (:data:`~kata_oci.profiles.DEFAULT_PROFILE`: no file found,
    or one that cannot be read, whose loader then says what is wrong).
    """

    # A frozen value class written out rather than a ``@dataclass``: importing
    # ``dataclasses`` costs ``kata-oci resolve`` ~1 ms (``inspect``, ``copy``).
    __slots__ = ("_path", "how", "profile", "scores", "source")
    _FIELDS = ("path", "profile", "source", "how", "scores")  # in the constructor's order

    _path: str | os.PathLike[str]
    profile: Profile
    source: str
    how: str
    scores: Mapping[str, int]

    def __init__(
        self,
        path: str | os.PathLike[str],
        profile: Profile,
        source: str,
        how: str = "given",
        scores: Mapping[str, int] | None = None,
    ) -> None:
        values = ("_path", path), ("profile", profile), ("source", source), ("how", how)
        for name, value in (*values, ("scores", {} if scores is None else scores)):
            object.__setattr__(self, name, value)

    @property
    def path(self) -> Path:
        """The file, a :class:`pathlib.Path` (built on first use: ``resolve`` needs only :attr:`filename`)."""
        from pathlib import Path

        if not isinstance(self._path, Path):
            object.__setattr__(self, "_path", Path(self._path))
        return self._path  # type: ignore[return-value]

    @property
    def filename(self) -> str:
        """The file as text: ``str(choice.path)``, without importing :mod:`pathlib`."""
        return str(self._path) if isinstance(self._path, str) else str(self.path)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a ConfigChoice is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a ConfigChoice is frozen")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({inner})"

    @property
    def detected(self) -> bool:
        return self.how == "detected"

    def why(self) -> str:
        """Why this profile, in words: ``detected from the configuration``, ``--kata``..."""
        if self.how == "detected":
            return "detected from the configuration"
        if self.how == "given":
            return "given"
        if self.source == "shipped":
            return "default: no configuration found"
        return "default: the configuration could not be read"

    def describe(self) -> str:
        """One line for people: ``profile kata1 (detected from the configuration), file ... (argument)``."""
        return f"profile {self.profile.name} ({self.why()}), file {self.filename} ({self.source})"


def _skeleton(text: str) -> dict[str, Any]:
    """A document of the table headers alone, for a file the TOML parser refuses."""
    import re

    doc: dict[str, Any] = {}
    for m in re.finditer(r"(?m)^[ \t]*\[\[?[ \t]*([A-Za-z0-9_.\- \t]+?)[ \t]*\]\]?", text):
        where: dict[str, Any] = doc
        for part in m.group(1).split("."):
            node = where.setdefault(part.strip(), {})
            if not isinstance(node, dict):  # pragma: no cover - headers only make tables
                break
            where = node
    return doc


def _detect_file(path: str, engine: Engine) -> tuple[Profile, Mapping[str, int]] | None:
    """The profile detected from the file, or ``None`` when it cannot be read as TOML at all."""
    from .files import MAX_TOML_SIZE, parse_toml, read_regular_file

    try:
        data = read_regular_file(path, MAX_TOML_SIZE)
    except (OSError, ValueError):
        return None
    # Detection needs the structure only: bytes Go's TOML parser takes and
    # tomllib refuses (invalid UTF-8 in a comment, a leading-zero integer)
    # fall back to the table headers.
    text = data.decode("utf-8", errors="replace")
    try:
        doc: Mapping[str, Any] = parse_toml(text, file=str(path))
    except ConfigError:
        doc = _skeleton(text)
        if not doc:
            return None
    scores = detection_scores(doc, engine=engine)
    return detect_profile(doc, engine=engine, file=str(path)), scores


def find_runtime_config(
    path: str | os.PathLike[str] | None = None,
    *,
    profile: ProfileArg = None,
    env: Mapping[str, str] | None = None,
    engine: Engine | None = None,
) -> ConfigChoice:
    """Decide which configuration file to read and under which profile (see :class:`ConfigChoice`).

    ``path`` ``None`` means Kata's look-up (``$KATA_CONF_FILE``, then
    ``/etc/kata-containers/configuration.toml``, then
    ``/usr/share/defaults/kata-containers/configuration.toml``; the same in
    Kata 1.x and 4.1), and with no file found, the shipped configuration of
    ``profile`` or of :data:`~kata_oci.profiles.DEFAULT_PROFILE`. Without
    ``profile``, the profile is detected from the file
    (:func:`kata_oci.detect_profile`): a tie or no match is a
    :class:`~kata_oci.ConfigError`.
    """
    eng = _engine(engine)
    chosen = None if profile is None else get_profile(profile, engine=eng)
    if path is not None:
        from .readfile import path_text

        file, source = path_text(path), "argument"
    else:
        found = find_config_path(env, chosen.config_paths if chosen else DEFAULT_CONFIG_PATHS)
        if found is None:
            fallback = chosen or get_profile(DEFAULT_PROFILE, engine=eng)
            shipped = fallback.shipped_config_file()
            if shipped is None:
                raise ConfigError(
                    f"no configuration file found (${CONFIG_FILE_ENV} unset, none of "
                    f"{', '.join(fallback.config_paths)} exists) and profile {fallback.name!r} ships none"
                )
            return ConfigChoice(shipped, fallback, "shipped", "given" if chosen else "default")
        file, source = found
    if chosen is not None:
        return ConfigChoice(file, chosen, source)
    detected = _detect_file(file, eng)
    if detected is None:
        log.debug("runtime_profile_default", file=str(file), profile=DEFAULT_PROFILE, reason="unreadable")
        return ConfigChoice(file, get_profile(DEFAULT_PROFILE, engine=eng), source, "default")
    log.debug("runtime_profile_detected", file=str(file), profile=detected[0].name, scores=detected[1])
    return ConfigChoice(file, detected[0], source, "detected", detected[1])


def load_runtime_config(
    path: str | os.PathLike[str] | None = None,
    *,
    profile: ProfileArg = None,
    strict: bool = False,
    host_checks: Any = _UNSET,
    builtin: bool = False,
    env: Mapping[str, str] | None = None,
    engine: Engine | None = None,
) -> Any:
    """Load a Kata ``configuration.toml`` under its profile's rules; the result names its profile.

    The file and profile are chosen by :func:`find_runtime_config` (``path``
    ``None``: Kata's look-up; ``profile`` ``None``: detected from the file).
    ``strict`` makes unknown keys errors; ``host_checks`` (a
    :class:`~kata_oci.HostChecks`, or ``None``) turns on the checks Kata's
    loader makes of the host; left out, the profile's default (``kata1``: the
    seed's rule, host checks exactly when ``strict``). ``builtin`` (``kata1``
    only) applies containerd-shim-kata-v2's rules. Raises
    :class:`~kata_oci.ConfigError`.
    """
    choice = find_runtime_config(path, profile=profile, env=env, engine=engine)
    options: dict[str, Any] = {"strict": strict}
    if host_checks is not _UNSET:
        options["host_checks"] = host_checks
    if builtin:
        options["builtin"] = True
    return choice.profile.load_runtime_config(choice.path, **options)


def runtime_config_from_toml(
    data: str | bytes,
    *,
    file: str | None = None,
    strict: bool = False,
    builtin: bool = False,
    host_checks: Any = _UNSET,
    engine: Engine | None = None,
) -> RuntimeConfig:
    """Kata 1.x configuration text as a :class:`~kata_oci.RuntimeConfig`.

    :func:`kata_oci.profiles.kata1.loader.runtime_config_from_toml`, ``experimental``
    naming the default engine's experimental features (or ``engine``'s).
    """
    from .profiles.kata1.loader import runtime_config_from_toml as kata1_from_toml

    options: dict[str, Any] = {} if host_checks is _UNSET else {"host_checks": host_checks}
    return kata1_from_toml(
        data, file=file, strict=strict, builtin=builtin, features=_engine(engine).features, **options
    )


# -- conversion -----------------------------------------------------------------------------


def sandbox_config(
    spec: Spec,
    runtime_config: Any,
    bundle_path: str,
    cid: str,
    console: str = "",
    detach: bool = False,
    systemd_cgroup: bool = False,
    *,
    engine: Engine | None = None,
    strict_annotations: bool = False,
    profile: ProfileArg = None,
) -> Any:
    """Convert a spec into the sandbox configuration of ``runtime_config``'s profile.

    For ``kata1``, :func:`kata_oci.convert.sandbox_config` (Go's
    ``oci.SandboxConfig``): the container configuration, ``/dev/shm`` size,
    network, then every ``io.katacontainers.config.*`` override or none
    (:class:`~kata_oci.AnnotationError`). ``strict_annotations`` rejects
    unknown ``io.katacontainers.`` keys. ``profile`` must agree with the
    runtime configuration's (:class:`~kata_oci.ProfileError` otherwise).
    """
    eng = engine or _engine_module._default or default_engine()
    # The configuration's own profile, found with one look-up once the engine has collected
    # them (the usual call); anything else goes through runtime_profile, which says why not.
    found = _registered(getattr(runtime_config, "profile", None), eng) if profile is None else None
    chosen = found if found is not None else runtime_profile(runtime_config, profile, engine=eng)
    return chosen.sandbox_config(
        spec,
        runtime_config,
        bundle_path,
        cid,
        engine=eng,
        console=console,
        detach=detach,
        systemd_cgroup=systemd_cgroup,
        strict=strict_annotations,
    )


def plan_sandbox_config(
    spec: Spec,
    runtime_config: Any,
    bundle_path: str,
    cid: str,
    console: str = "",
    detach: bool = False,
    systemd_cgroup: bool = False,
    *,
    engine: Engine | None = None,
    strict_annotations: bool = False,
    profile: ProfileArg = None,
) -> SandboxPlan:
    """The sandbox configuration before overrides, and each override's decision.

    Unpacks as ``base, plan``; ``plan.apply(base)`` (or ``.sandbox``) is
    :func:`sandbox_config`'s result.
    """
    eng = _engine(engine)
    return runtime_profile(runtime_config, profile, engine=eng).plan_sandbox_config(
        spec,
        runtime_config,
        bundle_path,
        cid,
        engine=eng,
        console=console,
        detach=detach,
        systemd_cgroup=systemd_cgroup,
        strict=strict_annotations,
    )


def plan_annotations(
    annotations: Mapping[str, str] | None,
    runtime_config: Any,
    *,
    strict: bool = False,
    engine: Engine | None = None,
    profile: ProfileArg = None,
) -> OverridePlan:
    """Each annotation's verdict under ``runtime_config``'s profile, without a bundle.

    What a pod manifest's annotations would do once they reach Kata: the
    decisions :func:`plan_sandbox_config` makes, against the sandbox the
    runtime configuration alone gives.
    """
    eng = _engine(engine)
    return runtime_profile(runtime_config, profile, engine=eng).plan_annotations(
        annotations, runtime_config, engine=eng, strict=strict
    )


def plan_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    *,
    features: Mapping[str, Feature] | None = None,
    strict: bool = False,
    key_index: KeyIndex | None = None,
    table: AnnotationTable | None = None,
    engine: Engine | None = None,
) -> OverridePlan:
    """:func:`kata_oci.overrides.plan_overrides`, ``features`` defaulting to the default engine's.

    (Or ``engine``'s.) The applier beneath takes the features it is given.
    """
    from . import overrides

    feats = _engine(engine).features if features is None else features
    return overrides.plan_overrides(
        annotations, sandbox, runtime_config, features=feats, strict=strict, key_index=key_index, table=table
    )


def apply_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    *,
    features: Mapping[str, Feature] | None = None,
    strict: bool = False,
    key_index: KeyIndex | None = None,
    table: AnnotationTable | None = None,
    engine: Engine | None = None,
) -> Any:
    """:func:`kata_oci.overrides.apply_overrides`, ``features`` defaulting to the default engine's.

    (Or ``engine``'s.) The applier beneath takes the features it is given.
    """
    from . import overrides

    feats = _engine(engine).features if features is None else features
    return overrides.apply_overrides(
        annotations, sandbox, runtime_config, features=feats, strict=strict, key_index=key_index, table=table
    )


def container_config(
    spec: Spec,
    bundle_path: str,
    cid: str,
    console: str = "",
    detach: bool = False,
    *,
    engine: Engine | None = None,
    profile: ProfileArg = None,
) -> Any:
    """The container configuration of ``spec`` under ``profile`` (default ``kata1``)."""
    eng = _engine(engine)
    return _kata1(profile, eng).container_config(
        spec, bundle_path, cid, engine=eng, console=console, detach=detach
    )


# -- container type, sandbox ID, sizing ------------------------------------------------------


def container_type(
    spec: Spec | Mapping[str, str] | None,
    *,
    strict: bool | None = None,
    profile: ProfileArg = None,
    engine: Engine | None = None,
) -> ContainerType:
    """The container type from the CRI annotations (Go's ``oci.ContainerType``).

    The first CRI plugin (containerd, CRI-O, dockershim, then third-party
    ones) whose type key is present decides; a value that CRI does not write
    raises :class:`~kata_oci.ContainerTypeError`. No CRI key gives the
    profile's default: ``POD_SANDBOX`` for ``kata1`` (the default profile
    here), ``SINGLE_CONTAINER`` for Kata 2.0 and later. ``strict`` turns
    disagreeing CRI keys into an error (default: the engine's setting).
    """
    eng = engine or _engine_module._default
    if eng is not None and type(spec) is Spec and (ann := spec.annotations):
        # The common case in a few look-ups, the engine's first row (Engine._shortcuts).
        try:
            row = eng._type_shortcuts.get(profile)
        except TypeError:  # a profile= that is not a name: get_profile says why
            row = None
        if row is not None:
            key, values, a, b = row
            ctype: ContainerType | None = values.get(ann.get(key))
            if ctype is not None and a not in ann and b not in ann:
                return ctype
    eng = eng or default_engine()
    if profile is None:  # kata1's rule, which is the engine's: no profile look-up on the hot path
        return eng.container_type(spec) if strict is None else eng.container_type(spec, strict=strict)
    found = _registered(profile, eng)
    return (found or get_profile(profile, engine=eng)).container_type(spec, engine=eng, strict=strict)


def sandbox_id(
    spec: Spec | Mapping[str, str] | None,
    *,
    strict: bool | None = None,
    profile: ProfileArg = None,
    engine: Engine | None = None,
) -> str:
    """The sandbox ID from the CRI annotations (Go's ``oci.SandboxID``).

    The first CRI sandbox-ID key present gives its value, even ``""``; none
    raises :class:`~kata_oci.SandboxIDError`.
    """
    eng = engine or _engine_module._default
    if eng is not None and type(spec) is Spec and (ann := spec.annotations):
        try:  # as in container_type
            row = eng._sid_shortcuts.get(profile)
        except TypeError:
            row = None
        if row is not None:
            key, _, a, b = row
            value = ann.get(key)
            if value is not None and a not in ann and b not in ann:
                return value
    eng = eng or default_engine()
    if profile is None:  # kata1's rule, which is the engine's
        return eng.sandbox_id(spec) if strict is None else eng.sandbox_id(spec, strict=strict)
    found = _registered(profile, eng)
    return (found or get_profile(profile, engine=eng)).sandbox_id(spec, engine=eng, strict=strict)


def calculate_sandbox_sizing(
    spec: Spec | Mapping[str, str] | None,
    *,
    strict: bool | None = None,
    profile: ProfileArg = None,
    engine: Engine | None = None,
) -> Sizing:
    """The pod sandbox's resources from its CRI's annotations (Go's ``CalculateSandboxSizing``).

    See :func:`kata_oci.sizing.calculate_sandbox_sizing` for the rules
    (``kata1`` applies Kata 2.x's arithmetic, the only one Kata has had).
    """
    eng = _engine(engine)
    return _kata1(profile, eng).calculate_sandbox_sizing(spec, engine=eng, strict=strict)


def pod_identity(
    spec: Spec | Mapping[str, str] | None, *, strict: bool | None = None, engine: Engine | None = None
) -> PodIdentity:
    """The pod and container names from the CRI annotations, asking the default engine's plugins.

    The first CRI plugin, in Kata's order, that finds any of its identity
    annotations answers, and :attr:`~kata_oci.PodIdentity.plugin` names it;
    none gives an empty :class:`~kata_oci.PodIdentity`. Disagreeing later
    plugins are logged (``cri_conflict``) and listed in
    :attr:`~kata_oci.PodIdentity.conflicts`, or with ``strict`` raise
    :class:`~kata_oci.CRIConflictError`. ``engine`` asks its plugins instead.
    """
    return _engine(engine).pod_identity(spec, strict=strict)


def calculate_container_sizing(
    spec: Spec | None, *, profile: ProfileArg = None, engine: Engine | None = None
) -> Sizing:
    """A container's resources from its ``linux.resources`` (Go's ``CalculateContainerSizing``)."""
    if profile is None or profile == "kata1":
        from .sizing import calculate_container_sizing as kata1_sizing

        return kata1_sizing(spec)  # no engine needed: no plugin is involved
    return get_profile(profile, engine=_engine(engine)).calculate_container_sizing(spec)
