"""``kata-oci convert``: the SandboxConfig (or ContainerConfig) Kata would boot from a bundle."""

from __future__ import annotations

import argparse
from typing import Any

from . import common, output

HELP = "Print the SandboxConfig (or, with --container, the ContainerConfig) Kata would boot from."
EXAMPLE = "kata-oci convert examples/bundles/containerd-pod-sandbox --id mypod"
EPILOG = common.CONFIG_HELP


def add_arguments(p: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    from kata_oci.spec import to_json

    bundle, spec = common.load_spec(args.bundle)
    engine = common.engine(args.strict, spec)
    cid = args.id or common.default_id(bundle)
    if args.container:
        result: Any = engine.container_config(spec, bundle, cid, args.console, args.detach)
    else:
        _, rc = common.runtime_config(args.config, strict=args.strict)
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
