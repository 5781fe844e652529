"""``kata-oci convert``: the SandboxConfig (or ContainerConfig) Kata would boot from a bundle."""

from __future__ import annotations

from typing import Any

from . import common, output

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = (
    "Print the SandboxConfig (or, with --container, the ContainerConfig) Kata would boot from, "
    "in the profile's own types (-v names the configuration and profile on stderr)."
)
EXAMPLE = "kata-oci convert examples/bundles/containerd-pod-sandbox --kata kata1 --id mypod"
EPILOG = common.CONFIG_HELP


#: The options after --config and --kata: (option, value's metavar or None for a flag, default, help).
OPTIONS: tuple[tuple[str, str | None, Any, str], ...] = (
    ("--id", "ID", None, "container/sandbox ID (default: the bundle directory's name)"),
    ("--console", "PATH", "", "console path"),
    ("--detach", None, False, "detached container"),
    ("--systemd-cgroup", None, False, "systemd cgroup manager"),
    ("--container", None, False, "print the ContainerConfig only"),
    ("--strict", None, False, common.STRICT_HELP),
    ("--host-checks", None, False, common.HOST_CHECKS_HELP),
    ("--json", None, False, "JSON output (what convert always prints)"),
    ("--compact", None, False, "compact JSON on one line"),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_bundle(p)
    common.add_config(p)
    for option, metavar, default, help_text in OPTIONS:
        if metavar is None:
            p.add_argument(option, action="store_true", help=help_text)
        else:
            p.add_argument(option, metavar=metavar, default=default, help=help_text)


def simple_args(words: list[str]) -> Any:
    """What the parser would make of ``convert``'s words, without argparse (~0.2 P of start-up).

    Only for a line argparse reads one way: else ``None``, and argparse reads it.
    """
    args = common.simple_args(words, (*common.CONFIG_OPTIONS, *OPTIONS))
    if args is not None:
        args.command, args.func = "convert", run
    return args


def run(args: argparse.Namespace) -> int:
    from kata_oci.spec import to_json

    bundle, spec = common.load_spec(args.bundle)
    # Not a strict engine: every subcommand decides CRI conflicts the same way (exit 1 with --strict).
    engine = common.engine(False, spec)
    if args.strict and (conflicts := common.cri_conflicts(engine, spec)):
        raise common.Failure(
            f"CRI annotations conflict (--strict): {'; '.join(map(str, conflicts))}", common.EXIT_REJECTED
        )
    if unread := common.unread(engine, spec):  # never a silent default
        message = "; ".join(map(str, unread))
        if args.strict:
            raise common.Failure(f"CRI keys no plugin reads (--strict): {message}", common.EXIT_REJECTED)
        output.warning_line(message)
    cid = args.id or common.default_id(bundle)
    if args.container:
        choice = common.profile_for(args.kata, args.config, engine)
        if args.verbose:
            output.note(f"profile: {common.profile_says(choice)}")
        result: Any = engine.container_config(
            spec, bundle, cid, args.console, args.detach, profile=choice.profile
        )
    else:
        choice, rc = common.runtime_choice(
            args.config, args.strict, host_checks=args.host_checks, kata=args.kata, engine=engine
        )
        if args.verbose:
            output.note(f"configuration: {choice.filename}; profile: {common.profile_says(choice)}")
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
        try:
            raw = to_json(result)
        except UnicodeEncodeError:
            raw = output.json_bytes(result, indent=None)
        output.write_json_bytes(raw)
    else:
        output.write_json(result)
    return common.EXIT_OK
