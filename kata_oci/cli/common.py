"""What every subcommand reads: the bundle, the configuration, the engine; and the exit statuses.

Exit statuses are the same in every subcommand:

====  =====================================================================
0     ok: everything applies (or the question was answered)
1     rejected: an annotation is rejected, or dropped, or (with --strict)
      unknown, or CRI annotations conflict
2     unusable input: a missing or malformed bundle, configuration or option
====  =====================================================================
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: resolve's fast path imports this
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from kata_oci.spec import ResolveView, Spec

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2

EXIT_STATUS_HELP = (
    "exit status (every command):\n"
    "  0  ok: everything applies, or the question was answered\n"
    "  1  rejected: an annotation is rejected or dropped; with --strict also an unknown\n"
    "     io.katacontainers. key or conflicting CRI annotations\n"
    "  2  unusable input: missing or malformed bundle, configuration or option"
)

CONFIG_HELP = (
    "Without --config, the configuration is found as Kata finds it: $KATA_CONF_FILE, "
    "/etc/kata-containers/configuration.toml, /usr/share/defaults/kata-containers/configuration.toml, "
    "then the QEMU configuration kata-oci ships for the profile (--kata; else go: Kata 4.1's). "
    "Without --kata, the profile (kata1, go, rs) is detected from the configuration."
)


class Failure(Exception):
    """An error to print as one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.status = status


STDIN = "-"
STDIN_NAME = "<stdin>"
# As much as kata-oci reads of a file (kata_oci.spec.MAX_CONFIG_SIZE, configfile.MAX_CONFIG_FILE_SIZE).
_STDIN_LIMITS = {"spec": 64 << 20, "configuration": 16 << 20, "review": 6 << 20}
_stdin_used: list[str] = []


def read_stdin(what: str) -> bytes:
    """Standard input, bounded as a file would be; only one input of a command may be ``-``."""
    if _stdin_used:
        raise Failure(f"both the {_stdin_used[0]} and the {what} are '-': only one can come from stdin")
    _stdin_used.append(what)
    limit = _STDIN_LIMITS[what]
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise Failure(f"cannot read the {what} from stdin: no standard input")
    data: bytes = stream.read(limit + 1)
    if len(data) > limit:
        raise Failure(f"cannot read the {what} from stdin: more than {limit} bytes, the most kata-oci reads")
    return data


def bundle_paths(path: str) -> tuple[str, str]:
    """(bundle directory, config.json path) from a directory or a config.json path."""
    if os.path.isdir(path):
        return path, os.path.join(path, "config.json")
    return os.path.dirname(path) or ".", path


def load_spec(path: str) -> tuple[str, Spec]:
    """(bundle directory, spec) of a bundle directory or config.json path.

    ``-`` reads config.json from standard input; the bundle directory is then
    the current directory, as runc takes it without ``--bundle``.
    """
    from kata_oci.spec import decode_spec, parse_config_json

    if path == STDIN:
        return os.getcwd(), decode_spec(read_stdin("spec"), source=STDIN_NAME)
    bundle, config_json = bundle_paths(path)
    return bundle, parse_config_json(config_json)


def load_resolve_view(path: str) -> tuple[str, ResolveView]:
    """:func:`load_spec` for ``resolve``: only the members it reads (:class:`kata_oci.spec.ResolveView`)."""
    from kata_oci.spec import decode_resolve_view, read_config_json

    if path == STDIN:
        return os.getcwd(), decode_resolve_view(read_stdin("spec"), source=STDIN_NAME)
    bundle, config_json = bundle_paths(path)
    return bundle, decode_resolve_view(read_config_json(config_json), source=config_json)


def runtime_config(
    path: str | None, strict: bool = False, *, host_checks: bool = False, kata: str | None = None
) -> tuple[str, Any]:
    """(the configuration file used, its RuntimeConfig): :func:`runtime_choice` without the choice."""
    choice, rc = runtime_choice(path, strict, host_checks=host_checks, kata=kata)
    return choice.filename, rc


def runtime_choice(
    path: str | None,
    strict: bool = False,
    *,
    host_checks: bool = False,
    kata: str | None = None,
    engine: Any = None,
) -> tuple[Any, Any]:
    """(the :class:`~kata_oci.ConfigChoice`: file, profile and why; the RuntimeConfig it loads).

    ``-`` reads the configuration from standard input. ``kata`` (``--kata``)
    names the profile; without it, it is detected from the configuration.
    ``strict``: unknown configuration keys are errors; ``host_checks``: the
    files the configuration names must exist on this host, as Kata checks
    when it starts a VM.
    """
    from kata_oci.api import find_runtime_config

    checks = None
    if host_checks:  # kata_oci.hostchecks imports dataclasses (inspect, copy): only when asked
        from kata_oci.hostchecks import HostChecks

        checks = HostChecks()
    if path == STDIN:
        data = read_stdin("configuration")
        choice = _stdin_choice(data, kata, engine)
        rc = choice.profile.runtime_config_from_toml(data, file=STDIN_NAME, strict=strict, host_checks=checks)
        return choice, rc
    from kata_oci.readfile import path_text

    choice = find_runtime_config(path, profile=kata, engine=engine)
    # str(choice.path) without building the Path: pathlib costs start-up (urllib.parse, ipaddress)
    file = path_text(choice.filename)
    return choice, choice.profile.load_runtime_config(file, strict=strict, host_checks=checks)


def _stdin_choice(data: bytes, kata: str | None, engine: Any) -> Any:
    from pathlib import Path

    from kata_oci.api import ConfigChoice
    from kata_oci.files import parse_toml
    from kata_oci.profiles import DEFAULT_PROFILE, detect_profile, detection_scores, get_profile

    if kata is not None:
        return ConfigChoice(Path(STDIN_NAME), get_profile(kata, engine=engine), "stdin")
    try:
        doc = parse_toml(data.decode("utf-8", errors="replace"), file=STDIN_NAME)
    except Exception:  # the profile's own loader says what is wrong
        return ConfigChoice(Path(STDIN_NAME), get_profile(DEFAULT_PROFILE, engine=engine), "stdin", "default")
    scores = detection_scores(doc, engine=engine)
    found = detect_profile(doc, engine=engine, file=STDIN_NAME)
    return ConfigChoice(Path(STDIN_NAME), found, "stdin", "detected", scores)


def profile_for(kata: str | None, config: str | None, engine: Any = None) -> Any:
    """The profile of a command that reads no configuration: ``--kata``, else the configuration's.

    The configuration (``--config``, else Kata's look-up) is read only to
    detect its profile; with none found, :data:`kata_oci.profiles.DEFAULT_PROFILE`.
    """
    from kata_oci.api import find_runtime_config

    if config == STDIN:
        return _stdin_choice(read_stdin("configuration"), kata, engine)
    return find_runtime_config(config, profile=kata, engine=engine)


def config_line(choice: Any) -> str:
    """The header of a report: ``# configuration: FILE; profile: kata1 (Kata 1.13.0; detected ...)``."""
    return f"# configuration: {choice.filename}; profile: {profile_says(choice)}"


def profile_says(choice: Any) -> str:
    """``kata1 (Kata 1.13.0; detected from the configuration)``: the profile and why, for people."""
    why = "--kata" if choice.how == "given" else choice.why()
    return f"{choice.profile.name} (Kata {choice.profile.version}; {why})"


def engine(strict: bool, spec: Spec | ResolveView | None = None, *, plugins: bool = False) -> Any:
    """The engine for this command, as cheap to build as the question allows.

    With a current per-environment snapshot (kata_oci.snapshot), the engine
    comes from the cached CRI declarations when no plugin with hooks
    concerns ``spec`` (or, without a spec, none declares a profile: the
    built-in profiles need no plugin imported), else from the cached entry points
    (no metadata scan). ``plugins`` asks for the plugins themselves. Without
    a snapshot, the installed entry points are read and a snapshot saved.
    """
    from kata_oci import snapshot
    from kata_oci.engine import Engine

    snap = snapshot.load()
    if snap is not None:
        if not plugins and not snap.needs_hooks(spec.annotations if spec is not None else {}):
            return snap.engine(strict=strict)
        return Engine.from_entry_points(entry_point_source=snap.entry_point_source(), strict=strict)
    found = Engine.from_entry_points(strict=strict)
    snapshot.save(found)
    return found


def cri_conflicts(engine: Any, spec: Spec) -> list[Any]:
    """Where CRI annotations disagree (type, sandbox ID, identity, sizing): with --strict, exit 1."""
    return [
        *engine.resolve(spec, strict=False).conflicts,
        *engine.pod_identity(spec, strict=False).conflicts,
        *engine.sandbox_sizing_answer(spec, strict=False).conflicts,
    ]


def unread(engine: Any, spec: Spec) -> list[Any]:
    """Well-known CRI keys in the spec that no installed plugin reads: with --strict, exit 1."""
    return list(engine.unread_cri_keys(spec))


def unread_json(found: list[Any]) -> list[dict[str, str]]:
    return [
        {"key": u.key, "value": u.value, "decides": u.decides, "cri": u.cri, "distribution": u.distribution}
        for u in found
    ]


def default_id(bundle: str) -> str:
    """The container ID when none is given: the bundle directory's name.

    CRI-O and podman keep a container's bundle in ``.../<id>/userdata``: there
    the ID is the parent directory's name.
    """
    path = os.path.abspath(bundle)
    name = os.path.basename(path)
    if name == "userdata":
        name = os.path.basename(os.path.dirname(path))
    return name or "container"


def add_bundle(p: Any) -> None:
    """The BUNDLE argument every bundle command takes."""
    p.add_argument("bundle", metavar="BUNDLE", help="bundle directory, its config.json, or - for stdin")


def add_config(p: Any) -> None:
    """--config and --kata, for the commands that read a configuration."""
    for option, metavar, _, help_text in CONFIG_OPTIONS:
        p.add_argument(option, metavar=metavar, help=help_text)


def simple_args(words: list[str], options: Sequence[tuple[str, str | None, Any, str]]) -> Any:
    """The namespace argparse would make of a subcommand's ``words`` (BUNDLE and ``options``), or ``None``.

    ``options`` are (option, metavar or ``None`` for a flag, default, help). It
    answers only for a line argparse reads one way: one BUNDLE, options spelt
    in full, each value the next word and not starting with ``-`` (so
    ``-`` for stdin goes to argparse too); a repeated option keeps its last
    value, as argparse does. Anything else (``--help``, ``--opt=value``, an
    abbreviation, an unknown option, a missing value, ``--``) is ``None``:
    argparse then reads the line and says what is wrong.
    """
    import types

    flags = {"--debug": "debug", "-v": "verbose", "--verbose": "verbose"}
    takes: dict[str, str] = {}
    values: dict[str, Any] = {"debug": False, "verbose": False, "version": False}
    for option, metavar, default, _ in options:
        dest = option[2:].replace("-", "_")
        (flags if metavar is None else takes)[option] = dest
        values[dest] = default
    bundle: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("-"):
            bundle.append(word)
        elif word in flags:
            values[flags[word]] = True
        elif word in takes and i < len(words) and not words[i].startswith("-"):
            values[takes[word]] = words[i]
            i += 1
        else:
            return None
    if len(bundle) != 1:
        return None
    values["bundle"] = bundle[0]
    return types.SimpleNamespace(**values)


def add_kata(p: Any) -> None:
    """--kata: which Kata's rules (a profile name)."""
    option, metavar, _, help_text = CONFIG_OPTIONS[1]
    p.add_argument(option, metavar=metavar, help=help_text)


KATA_HELP = (
    "which Kata's rules: kata1 (Kata 1.13), go (Kata 4.1's Go runtime), rs (Kata 4.1's runtime-rs), "
    "or a plugin's profile; default: detected from the configuration"
)
#: --config and --kata, as :func:`simple_args` reads options: (option, metavar, default, help).
CONFIG_OPTIONS: tuple[tuple[str, str | None, Any, str], ...] = (
    ("--config", "FILE", None, "Kata configuration.toml, or - for stdin (see below)"),
    ("--kata", "{kata1,go,rs}", None, KATA_HELP),
)


HOST_CHECKS_HELP = (
    "also check this host as Kata does when it starts a VM: the files the configuration names "
    "(hypervisor, kernel, image) must exist"
)
STRICT_HELP = (
    "unknown io.katacontainers. annotations and conflicting CRI annotations are errors (exit 1); "
    "the host is not checked (see --host-checks)"
)


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
