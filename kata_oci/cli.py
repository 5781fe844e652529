"""The ``kata-oci`` command: convert, resolve and check OCI bundles as a Kata runtime would.

Each subcommand imports only what it uses, since the command runs in scripts
and per-pod hooks where start-up time counts.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .config import RuntimeConfig
    from .spec import Spec

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2

_EPILOG_CONFIG = (
    "Without --config, the configuration is found as Kata finds it: $KATA_CONF_FILE, "
    "/etc/kata-containers/configuration.toml, /usr/share/defaults/kata-containers/configuration.toml, "
    "then the Kata 1.x QEMU default shipped with kata-oci."
)


class _Failure(Exception):
    """An error to print as one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.status = status


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _write_json(value: Any) -> None:
    import msgspec

    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def _bundle(path: str) -> tuple[str, str]:
    """(bundle directory, config.json path) from a directory or a config.json path."""
    if os.path.isdir(path):
        return path, os.path.join(path, "config.json")
    return os.path.dirname(path) or ".", path


def _load_spec(path: str) -> tuple[str, Spec]:
    from .spec import parse_config_json

    bundle, config_json = _bundle(path)
    return bundle, parse_config_json(config_json)


def _runtime_config(path: str | None, strict: bool = False) -> tuple[str, RuntimeConfig]:
    from .configfile import find_config_file, load_runtime_config

    chosen = path if path is not None else str(find_config_file())
    return chosen, load_runtime_config(chosen, strict=strict)


def _engine(strict: bool, spec: Spec | None = None, *, plugins: bool = False) -> Any:
    """The engine for this command, as cheap to build as the question allows.

    With a current per-environment snapshot (kata_oci.snapshot), the engine
    comes from the cached CRI declarations when no plugin with hooks
    concerns ``spec`` (no plugin imported), else from the cached entry points
    (no metadata scan). ``plugins`` asks for the plugins themselves. Without
    a snapshot, the installed entry points are read and a snapshot saved.
    """
    from . import snapshot
    from .engine import Engine

    snap = snapshot.load()
    if snap is not None:
        if not plugins and spec is not None and not snap.needs_hooks(spec.annotations):
            return snap.engine(strict=strict)
        return Engine.from_entry_points(entry_point_source=snap.entry_point_source(), strict=strict)
    engine = Engine.from_entry_points(strict=strict)
    snapshot.save(engine)
    return engine


def _show(value: Any) -> str:
    import msgspec

    from .config import Param, serialize_params

    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list) and value and all(isinstance(v, Param) for v in value):
        return repr(" ".join(serialize_params(value, "=")))
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(value)


# -- subcommands ---------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    from .spec import to_json

    bundle, spec = _load_spec(args.bundle)
    engine = _engine(args.strict, spec)
    cid = args.id or _default_id(bundle, spec, engine)
    if args.container:
        result: Any = engine.container_config(spec, bundle, cid, args.console, args.detach)
    else:
        _, rc = _runtime_config(args.config, strict=args.strict)
        result = engine.sandbox_config(
            spec,
            rc,
            bundle,
            cid,
            args.console,
            args.detach,
            args.systemd_cgroup,
            strict_annotations=args.strict,
        )
    if args.compact:
        sys.stdout.write(to_json(result).decode() + "\n")
    else:
        _write_json(result)
    return EXIT_OK


def _default_id(bundle: str, spec: Spec, engine: Any) -> str:
    name = os.path.basename(os.path.abspath(bundle))
    return name or "container"


def cmd_resolve(args: argparse.Namespace) -> int:
    from .sizing import calculate_container_sizing

    bundle, spec = _load_spec(args.bundle)
    engine = _engine(args.strict, spec)
    found = engine.resolve(spec)
    identity = engine.pod_identity(spec)
    sizing = engine.sandbox_sizing_answer(spec)
    container_sizing = calculate_container_sizing(spec)
    conflicts = [*found.conflicts, *identity.conflicts, *sizing.conflicts]
    if args.json:
        doc: dict[str, Any] = {
            "bundle": bundle,
            "container_type": str(found.container_type),
            "container_type_from": _answer(found.container_type_answer),
            "sandbox_id": found.sandbox_id,
            "sandbox_id_from": _answer(found.sandbox_id_answer),
            "pod": identity,
            "sandbox_sizing": sizing.sizing,
            "sandbox_sizing_from": sizing.plugin,
            "container_sizing": container_sizing,
            "conflicts": conflicts,
        }
        _write_json(doc)
        return EXIT_OK
    lines = [
        f"container type: {found.container_type}"
        + _by(found.container_type_answer, "(no CRI key: Kata's default)")
    ]
    sid = found.sandbox_id_answer
    lines.append(
        f"sandbox id:     {found.sandbox_id if found.sandbox_id is not None else '-'}"
        + (f"  (plugin {sid.plugin}: {sid.key})" if sid else "  (no CRI key)")
    )
    names = identity.names()
    lines.append(
        "pod identity:   " + (f"(plugin {identity.plugin})" if names else "-  (no CRI identity key)")
    )
    lines.extend(f"  {name.replace('_', ' ') + ':':<19}{value}" for name, value in names.items())
    lines.append(
        f"sandbox sizing: {sizing.sizing}"
        + (f"  (plugin {sizing.plugin})" if sizing.plugin else "  (no CRI sizing key)")
    )
    lines.append(f"container sizing: {container_sizing}  (linux.resources)")
    lines.extend(f"conflict:       {c}" for c in conflicts)
    _write("\n".join(lines))
    return EXIT_OK


def _answer(answer: Any) -> dict[str, str] | None:
    if answer is None:
        return None
    return {"plugin": answer.plugin, "key": answer.key, "value": answer.value}


def _by(answer: Any, default: str) -> str:
    if answer is None:
        return f"  {default}"
    return f"  (plugin {answer.plugin}: {answer.key}={answer.value!r})"


def cmd_check(args: argparse.Namespace) -> int:
    from .convert import plan_sandbox_config
    from .overrides import Outcome

    bundle, spec = _load_spec(args.bundle)
    config_path, rc = _runtime_config(args.config)
    # Not a strict engine: CRI conflicts are reported below, and with --strict make the exit status 1.
    engine = _engine(False, spec)
    resolution = engine.resolve(spec, strict=False)
    identity = engine.pod_identity(spec, strict=False)
    sizing = engine.sandbox_sizing_answer(spec, strict=False)
    _, plan = plan_sandbox_config(
        spec,
        rc,
        bundle,
        args.id or _default_id(bundle, spec, engine),
        engine=engine,
        strict_annotations=args.strict,
    )
    rejected = any(d.outcome is Outcome.REJECTED for d in plan.decisions)
    conflicts = [*resolution.conflicts, *identity.conflicts, *sizing.conflicts]
    failed = rejected or plan.config_error is not None or (args.strict and bool(conflicts))
    if args.json:
        _write_json(
            {
                "bundle": bundle,
                "configuration": config_path,
                "ok": not failed,
                "annotations": [
                    {
                        "key": d.key,
                        "value": d.value,
                        "outcome": str(d.outcome),
                        "target": d.target,
                        "old": d.old,
                        "new": d.new,
                        "reason": d.reason or None,
                        "hint": d.hint,
                    }
                    for d in plan.decisions
                ],
                "cri_conflicts": conflicts,
                "configuration_error": str(plan.config_error) if plan.config_error else None,
            }
        )
        return EXIT_REJECTED if failed else EXIT_OK
    lines = []
    for d in plan.decisions:
        head = f"{d.outcome:<9}{d.key} = {_show(_short(d.value))}"
        if d.outcome is Outcome.APPLIED:
            lines.append(f"{head}: {d.target}: {_show(d.old)} -> {_show(d.new)}")
        else:
            tail = d.reason + (f"; {d.hint}" if d.hint else "")
            lines.append(f"{head}: {tail}")
    lines.extend(f"conflict {c}" for c in conflicts)
    if plan.config_error is not None:
        lines.append(f"error    {plan.config_error}")
    if not lines:
        lines.append("no io.katacontainers. annotations")
    _write("\n".join(lines))
    return EXIT_REJECTED if failed else EXIT_OK


def _short(value: str) -> str:
    return value if len(value) <= 120 else value[:117] + "..."


def cmd_annotations(args: argparse.Namespace) -> int:
    from . import annotations as ka

    config_path, rc = _runtime_config(args.config)
    rows = []
    for d in ka.DECLARATIONS:
        enabled, pattern = ka.is_enabled(d.key, rc)
        rows.append(
            {
                "key": d.key,
                "type": str(d.kind),
                "sets": d.target or ("sandbox annotations" if d.asset else None),
                "description": d.description,
                "checks": d.checks(),
                "unsafe": d.unsafe,
                "enabled": enabled,
                "enabled_by": pattern,
            }
        )
    if args.json:
        _write_json({"configuration": config_path, "annotations": rows})
        return EXIT_OK
    lines = [f"# configuration: {config_path}", f"{'enabled':<8}{'type':<14}{'annotation':<62}sets"]
    lines.extend(
        f"{'yes' if row['enabled'] else 'no':<8}{row['type']:<14}{row['key']:<62}{row['sets'] or '-'}"
        for row in rows
    )
    _write("\n".join(lines))
    return EXIT_OK


def cmd_features(args: argparse.Namespace) -> int:
    from .features import features_document

    config_path, rc = _runtime_config(args.config)
    _write_json(features_document(rc, config_path=config_path, engine=_engine(False, plugins=True)))
    return EXIT_OK


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """(field, key) pairs as field -> keys in order of preference."""
    out: dict[str, list[str]] = {}
    for field, key in pairs:
        out.setdefault(field, []).append(key)
    return out


def cmd_plugins(args: argparse.Namespace) -> int:
    engine = _engine(False, plugins=True)
    pm = engine.plugin_manager
    cris = dict(engine.cris)
    rows = []
    for name, plugin in pm.list_name_plugin():
        info = engine.plugin_infos.get(name)
        hooks = sorted(caller.name for caller in (pm.get_hookcallers(plugin) or ()))
        decl = cris.get(name)
        rows.append(
            {
                "name": name,
                "distribution": info.distribution if info else None,
                "version": info.version if info else None,
                "module": info.module if info else getattr(plugin, "__name__", repr(plugin)),
                "cri": decl.name if decl else None,
                "container_type_key": decl.container_type_key if decl else None,
                "container_types": {k: str(v) for k, v in decl.container_types.items()} if decl else None,
                "sandbox_id_key": decl.sandbox_id_key if decl else None,
                "identity_keys": _grouped(decl.identity.pairs()) if decl and decl.identity else None,
                "sizing_keys": _grouped(decl.sizing.pairs()) if decl and decl.sizing else None,
                "hook_keys": dict(decl.hook_keys) if decl and decl.hook_keys else None,
                "hooks": hooks,
            }
        )
    order = {name: i for i, (name, _) in enumerate(engine.cris)}
    rows.sort(key=lambda r: (order.get(r["name"], len(order)), r["name"]))
    if args.json:
        _write_json(rows)
        return EXIT_OK
    lines = []
    for row in rows:
        dist = f"{row['distribution']} {row['version']}" if row["distribution"] else "(built in)"
        lines.append(f"{row['name']}  {dist}  [{row['module']}]")
        if row["cri"]:
            values = ", ".join(f"{k}={v}" for k, v in row["container_types"].items())
            lines.append(f"  container type: {row['container_type_key']} ({values})")
            lines.append(f"  sandbox id:     {row['sandbox_id_key']}")
            for label, field in (("identity:", "identity_keys"), ("sizing:", "sizing_keys")):
                if row[field]:
                    keys = ", ".join(f"{k}={' or '.join(v)}" for k, v in row[field].items())
                    lines.append(f"  {label:<16}{keys}")
            if row["hook_keys"]:
                lines.append(f"  hook keys:      {', '.join(row['hook_keys'])}")
        lines.append(f"  hooks:          {', '.join(row['hooks'])}")
    _write("\n".join(lines))
    return EXIT_OK


# -- parser ---------------------------------------------------------------------------------


COMMANDS = ("convert", "resolve", "check", "annotations", "features", "plugins")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter without its ``import shutil`` (~2 ms) for the terminal width."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ):
        if width is None:
            try:
                width = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
                except (AttributeError, ValueError, OSError):
                    width = 80
            width -= 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Skipped:
    """Stands for the parser of a command this run does not use (building all costs ~2 ms)."""

    epilog = ""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        pass


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``only``, just that subcommand's."""
    fmt = _Formatter
    parser = argparse.ArgumentParser(
        prog="kata-oci",
        description="Convert, resolve and check OCI bundles as a Kata Containers runtime would.",
        formatter_class=fmt,
        epilog="Run 'kata-oci COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors, and debug logs")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log warnings (unknown annotations, conflicts) to stderr"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, example: str) -> Any:
        if only is not None and name != only:
            return _Skipped()
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            formatter_class=fmt,
            epilog=f"example:\n  {example}",
        )
        p.set_defaults(func=func)
        return p

    p = add(
        "convert",
        cmd_convert,
        "Print the SandboxConfig (or, with --container, the ContainerConfig) Kata would boot from.",
        "kata-oci convert examples/bundles/containerd-pod-sandbox --id mypod",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="bundle directory, or its config.json")
    p.add_argument("--config", metavar="FILE", help="Kata configuration.toml (see below)")
    p.add_argument("--id", metavar="ID", help="container/sandbox ID (default: the bundle directory's name)")
    p.add_argument("--console", metavar="PATH", default="", help="console path")
    p.add_argument("--detach", action="store_true", help="detached container")
    p.add_argument("--systemd-cgroup", action="store_true", help="systemd cgroup manager")
    p.add_argument("--container", action="store_true", help="print the ContainerConfig only")
    p.add_argument(
        "--strict", action="store_true", help="fail on unknown annotations, CRI conflicts, missing paths"
    )
    p.add_argument("--compact", action="store_true", help="compact JSON on one line")
    p.epilog = (p.epilog or "") + "\n\n" + _EPILOG_CONFIG

    p = add(
        "resolve",
        cmd_resolve,
        "Show the container type, sandbox ID, pod identity and sizing of a bundle, and which CRI "
        "plugin answered.",
        "kata-oci resolve examples/bundles/crio-pod-container --json",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="bundle directory, or its config.json")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--strict", action="store_true", help="disagreeing CRI annotations are an error")
    p.epilog = (p.epilog or "") + (
        "\n\nSandbox sizing is what the CRI wrote for the pod (Kata sizes a pod sandbox's VM from it); "
        "container sizing is the spec's linux.resources (Kata's rule for every other container). "
        "vCPUs are fractional, as Kata computes them before rounding up."
    )

    p = add(
        "check",
        cmd_check,
        "Say what each io.katacontainers. annotation of a bundle does: applied (old -> new), rejected "
        "(why, and the configuration change that allows it), ignored, or unknown (closest known key). "
        "Exit status: 0 when everything applies, 1 when anything is rejected, 2 on unusable input.",
        "kata-oci check examples/bundles/containerd-rejected --config configuration.toml",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="bundle directory, or its config.json")
    p.add_argument("--config", metavar="FILE", help="Kata configuration.toml (see below)")
    p.add_argument("--id", metavar="ID", help="container/sandbox ID (default: the bundle directory's name)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument(
        "--strict", action="store_true", help="unknown annotations and CRI conflicts count as rejected"
    )
    p.epilog = (p.epilog or "") + "\n\n" + _EPILOG_CONFIG

    p = add(
        "annotations",
        cmd_annotations,
        "List every supported annotation: its type, what it sets, and whether the configuration enables it.",
        "kata-oci annotations --config /etc/kata-containers/configuration.toml --json",
    )
    p.add_argument("--config", metavar="FILE", help="Kata configuration.toml (see below)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.epilog = (p.epilog or "") + "\n\n" + _EPILOG_CONFIG

    p = add(
        "features",
        cmd_features,
        "Print the OCI runtime-spec features document: the runtime-spec versions read, every known "
        "annotation and what it does, the potentially unsafe ones, and (under org.kata-oci.) what the "
        "configuration enables.",
        "kata-oci features --config /etc/kata-containers/configuration.toml",
    )
    p.add_argument("--config", metavar="FILE", help="Kata configuration.toml (see below)")
    p.epilog = (p.epilog or "") + "\n\n" + _EPILOG_CONFIG

    p = add(
        "plugins",
        cmd_plugins,
        "List the registered plugins: distribution, version, CRI keys and hooks.",
        "kata-oci plugins --json",
    )
    p.add_argument("--json", action="store_true", help="JSON output")
    return parser


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    only = first if first in COMMANDS and not {"-h", "--help"} & set(words[: words.index(first)]) else None
    args = _parser(only).parse_args(words)
    # The command is an application: it decides what the library's log shows.
    from . import log

    if args.debug:
        import logging

        logging.getLogger(log.LOGGER_NAME).setLevel(logging.DEBUG)
        logging.basicConfig(stream=sys.stderr, format="%(message)s")
    previous_level = log.set_level("error") if not (args.debug or args.verbose) else None
    try:
        status: int = args.func(args)
        return status
    except _Failure as exc:
        _error(args, exc, exc.status)
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_OK
    except Exception as exc:
        from .errors import AnnotationError, KataOCIError

        if isinstance(exc, AnnotationError):
            _error(args, exc, EXIT_REJECTED)
        if isinstance(exc, KataOCIError | OSError):
            _error(args, exc, EXIT_UNUSABLE)
        raise
    finally:
        if not (args.debug or args.verbose):
            log.set_level(previous_level)  # main() may run inside a larger program (and tests)


def _error(args: argparse.Namespace, exc: BaseException, status: int) -> NoReturn:
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.write(f"kata-oci: error: {_one_line(exc)}\n")
    raise SystemExit(status)


def run() -> NoReturn:
    """Console-script entry point.

    The command is short-lived, so after flushing its output it leaves with
    ``os._exit``, skipping the interpreter's teardown (module clean-up costs
    ~5 ms, an eighth of a ``resolve``). Nothing of kata-oci's needs atexit.
    """
    try:
        status = main()
    except SystemExit as exc:  # argparse's errors and --help, and _error()
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
