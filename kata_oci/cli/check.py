"""``kata-oci check``: what each io.katacontainers. annotation of a bundle does, and why."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import common, manifests, output

HELP = (
    "Say what each io.katacontainers. annotation of a bundle does: applied (old -> new), rejected "
    "(why, and the configuration change that allows it), ignored, or unknown (closest known key). "
    "Given Kubernetes manifests (YAML or JSON files, directories, or - ; told from their content), "
    "say it for every pod, layer by layer: Kubernetes, RuntimeClass, the CRI's pass-through, Kata; "
    "also dropped, with the layer that decided and the fix."
)
EXAMPLE = "kata-oci check examples/bundles/containerd-rejected --config kata_oci/data/configuration.toml"
EPILOG = (
    common.CONFIG_HELP
    + "\n\nManifests: kata-oci check deploy.yaml --containerd-config /etc/containerd/config.toml "
    "--kata-config-dir /opt/kata"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "bundle",
        metavar="BUNDLE|MANIFEST",
        nargs="+",
        help="bundle directory or its config.json; or Kubernetes manifests (files, directories); - for stdin",
    )
    common.add_config(p)
    p.add_argument("--id", metavar="ID", help="container/sandbox ID (default: the bundle directory's name)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--strict", action="store_true", help=common.STRICT_HELP)
    p.add_argument("--host-checks", action="store_true", help=common.HOST_CHECKS_HELP)
    manifests.add_arguments(p)


def _show(value: Any) -> str:
    import msgspec

    from kata_oci.config import Param, serialize_params

    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list) and value and all(isinstance(v, Param) for v in value):
        return repr(" ".join(serialize_params(value, "=")))
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError, UnicodeEncodeError):
        return repr(value)


def _short(value: str) -> str:
    return value if len(value) <= 120 else value[:117] + "..."


def run(args: argparse.Namespace) -> int:
    from kata_oci.api import plan_sandbox_config
    from kata_oci.overrides import Outcome

    if manifests.wanted(args):
        return manifests.run(args)
    if len(args.bundle) > 1:
        raise common.Failure("check takes one bundle (several paths are for Kubernetes manifests)")
    if getattr(args, "stdin_data", None) is not None:
        from kata_oci.spec import decode_spec

        bundle, spec = os.getcwd(), decode_spec(args.stdin_data, source=common.STDIN_NAME)
    else:
        bundle, spec = common.load_spec(args.bundle[0])
    # Not a strict engine: CRI conflicts are reported below, and with --strict make the exit status 1.
    engine = common.engine(False, spec)
    choice, rc = common.runtime_choice(
        args.config, args.strict, host_checks=args.host_checks, kata=args.kata, engine=engine
    )
    config_path = str(choice.path)
    conflicts = common.cri_conflicts(engine, spec)
    unread = common.unread(engine, spec)
    _, plan = plan_sandbox_config(
        spec,
        rc,
        bundle,
        args.id or common.default_id(bundle),
        engine=engine,
        strict_annotations=args.strict,
    )
    rejected = any(d.outcome is Outcome.REJECTED for d in plan.decisions)
    failed = rejected or plan.config_error is not None or (args.strict and bool(conflicts or unread))
    status = common.EXIT_REJECTED if failed else common.EXIT_OK
    if args.json:
        output.write_json(
            {
                "bundle": bundle,
                "configuration": config_path,
                "profile": choice.profile.name,
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
                "unread_cri_keys": common.unread_json(unread),
                "configuration_error": str(plan.config_error) if plan.config_error else None,
            }
        )
        return status
    lines = [common.config_line(choice)]
    for d in plan.decisions:
        head = f"{d.outcome:<9}{d.key} = {_show(_short(d.value))}"
        if d.outcome is Outcome.APPLIED:
            lines.append(f"{head}: {d.target}: {_show(d.old)} -> {_show(d.new)}")
        else:
            tail = d.reason + (f"; {d.hint}" if d.hint else "")
            lines.append(f"{head}: {tail}")
    lines.extend(f"conflict {c}" for c in conflicts)
    lines.extend(f"not read {u}" for u in unread)
    if plan.config_error is not None:
        lines.append(f"error    {output.one_line(str(plan.config_error))}")
    if len(lines) == 1:
        lines.append("no io.katacontainers. annotations")
    output.write_lines(lines)
    return status
