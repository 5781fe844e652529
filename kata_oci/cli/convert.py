"""``kata-oci convert``: the SandboxConfig (or ContainerConfig) Kata would boot from a bundle."""

from __future__ import annotations

import argparse
from typing import Any

from . import common, output

HELP = (
    "Print the SandboxConfig (or, with --container, the ContainerConfig) Kata would boot from, "
    "in the profile's own types (-v names the configuration and profile on stderr)."
)
EXAMPLE = "kata-oci convert examples/bundles/containerd-pod-sandbox --kata kata1 --id mypod"
EPILOG = common.CONFIG_HELP


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_bundle(p)
    common.add_config(p)
    p.add_argument("--id", metavar="ID", help="container/sandbox ID (default: the bundle directory's name)")
    p.add_argument("--console", metavar="PATH", default="", help="console path")
    p.add_argument("--detach", action="store_true", help="detached container")
    p.add_argument("--systemd-cgroup", action="store_true", help="systemd cgroup manager")
    p.add_argument("--container", action="store_true", help="print the ContainerConfig only")
    p.add_argument("--strict", action="store_true", help=common.STRICT_HELP)
    p.add_argument("--host-checks", action="store_true", help=common.HOST_CHECKS_HELP)
    p.add_argument("--json", action="store_true", help="JSON output (what convert always prints)")
    p.add_argument("--compact", action="store_true", help="compact JSON on one line")


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
