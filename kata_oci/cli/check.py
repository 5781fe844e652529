"""``kata-oci check``: what each io.katacontainers. annotation of a bundle does, and why."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import audit, common, manifests, output

HELP = (
    "Say what each io.katacontainers. annotation of a bundle does: applied (old -> new), rejected "
    "(why, and the configuration change that allows it), ignored, or unknown (closest known key). "
    "Given Kubernetes manifests (YAML or JSON files, directories, or - ; told from their content), "
    "say it for every pod, layer by layer: Kubernetes, RuntimeClass, the CRI's pass-through, Kata; "
    "also dropped, with the layer that decided and the fix."
)
EXAMPLE = (
    "kata-oci check examples/bundles/containerd-rejected --config kata_oci/data/configuration.toml\n"
    "  kata-oci check --all --containerd-root examples/node/containerd --crio-root examples/node/crio"
)
EPILOG = (
    common.CONFIG_HELP
    + "\n\nManifests: kata-oci check deploy.yaml --containerd-config /etc/containerd/config.toml "
    "--kata-config-dir /opt/kata"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "bundle",
        metavar="BUNDLE|MANIFEST",
        nargs="*",
        help="bundle directory or its config.json; or Kubernetes manifests (files, directories); - for stdin",
    )
    common.add_config(p)
    p.add_argument("--id", metavar="ID", help="container/sandbox ID (default: the bundle directory's name)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--strict", action="store_true", help=common.STRICT_HELP)
    p.add_argument("--host-checks", action="store_true", help=common.HOST_CHECKS_HELP)
    manifests.add_arguments(p)
    audit.add_arguments(p)


def _show(value: Any) -> str:
    """An old or new value for a text line: as JSON shows it (an enum by its value), cut when long."""
    import enum

    import msgspec

    from kata_oci.errors import cut
    from kata_oci.types import Param, serialize_params

    if isinstance(value, enum.Enum):  # a StrEnum is a str, whose repr() is the enum's
        value = value.value
    if isinstance(value, str):
        return repr(cut(value))
    if isinstance(value, list) and value and all(isinstance(v, Param) for v in value):
        return repr(cut(" ".join(serialize_params(value, "="))))
    try:
        return cut(msgspec.json.encode(value).decode())
    except (TypeError, msgspec.EncodeError, UnicodeEncodeError):
        return cut(repr(value))


def _config_notes(rc: Any) -> tuple[str, ...]:
    """What the configuration's loader noticed and Kata ignores (unknown keys), each cut for a line."""
    from kata_oci.errors import cut

    return tuple(cut(w, 1000) for w in getattr(rc, "warnings", ()))


def _short(value: str) -> str:
    return value if len(value) <= 120 else value[:117] + "..."


def run(args: argparse.Namespace) -> int:
    from kata_oci.api import plan_sandbox_config
    from kata_oci.errors import cut
    from kata_oci.overrides import Outcome

    if audit.wanted(args):
        if args.bundle:
            raise common.Failure(
                "give bundles or an audit option (--all, --containerd-root, --crio-root), not both"
            )
        return audit.run(args)
    if not args.bundle:
        raise common.Failure(
            "check wants a BUNDLE (or manifests), or --all to check every bundle on this node"
        )
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
    if args.kata and "," in args.kata:
        return _side_by_side(args, bundle, spec, engine)
    choice, rc = common.runtime_choice(
        args.config, args.strict, host_checks=args.host_checks, kata=args.kata, engine=engine
    )
    config_path = choice.filename
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
                "configuration_notes": list(_config_notes(rc)),
            }
        )
        return status
    lines = [common.config_line(choice)]
    lines.extend(f"# note: {n}" for n in _config_notes(rc))
    for d in plan.decisions:
        head = f"{d.outcome:<9}{cut(d.key)} = {_show(_short(d.value))}"
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


def _profile_names(kata: str) -> list[str]:
    names = [n.strip() for n in kata.split(",") if n.strip()]
    if len(set(names)) != len(names) or len(names) < 2:
        raise common.Failure(f"--kata {kata!r}: give two or more different profiles, comma-separated")
    return names


def _side_by_side(args: argparse.Namespace, bundle: str, spec: Any, engine: Any) -> int:
    """``check --kata go,rs``: each profile's verdict per annotation, and where they disagree.

    Each profile reads its own configuration (Kata's look-up, else the one kata-oci ships);
    ``--config FILE`` is used for the profile FILE is detected as (or, with one profile
    left, the first one named).
    """
    from kata_oci.api import find_runtime_config
    from kata_oci.compare import compare_profiles
    from kata_oci.errors import cut
    from kata_oci.overrides import Outcome

    names = _profile_names(args.kata)
    given = None
    if args.config is not None:
        given = find_runtime_config(args.config, engine=engine).profile.name
        if given not in names:
            raise common.Failure(f"--config {args.config} is a {given} configuration, not one of {args.kata}")
    choices, configs = {}, {}
    for name in names:
        path = args.config if name == given else None
        choices[name], configs[name] = common.runtime_choice(
            path, args.strict, host_checks=args.host_checks, kata=name, engine=engine
        )
    comparison = compare_profiles(spec.annotations or {}, configs, engine=engine, strict=args.strict)
    failed = any(comparison.fails(n) for n in names)
    status = common.EXIT_REJECTED if failed else common.EXIT_OK
    if args.json:
        doc = comparison.to_builtins()
        for name in names:
            doc["profiles"][name]["configuration"] = str(choices[name].path)
            doc["profiles"][name]["version"] = choices[name].profile.version
            doc["profiles"][name]["configuration_notes"] = list(_config_notes(configs[name]))
        output.write_json({"bundle": bundle, "ok": not failed, **doc})
        return status
    lines = []
    for n in names:
        lines.append(common.config_line(choices[n]))
        lines.extend(f"# note: {w}" for w in _config_notes(configs[n]))
    width = max(len(n) for n in names)
    for row in comparison.rows:
        mark = "  DIFFERS" if row.differs else ""
        lines.append(f"{cut(row.key)} = {_show(_short(row.value))}{mark}")
        for name, d in row.decisions.items():
            if d is None:
                lines.append(f"  {name:<{width}} not reported")
            elif d.outcome is Outcome.APPLIED:
                lines.append(f"  {name:<{width}} {d.outcome:<9}{d.target}: {_show(d.old)} -> {_show(d.new)}")
            else:
                tail = d.reason + (f"; {d.hint}" if d.hint else "")
                lines.append(f"  {name:<{width}} {d.outcome:<9}{tail}")
    for name in names:
        plan = comparison.plans[name]
        if plan.config_error is not None:
            lines.append(f"error    {name}: {output.one_line(str(plan.config_error))}")
    if not comparison.rows:
        lines.append("no io.katacontainers. annotations")
    verdicts = ", ".join(f"{n}: {'fails' if comparison.fails(n) else 'ok'}" for n in names)
    lines.append(f"# {len(comparison.rows)} annotations, {len(comparison.differences)} differ; {verdicts}")
    output.write_lines(lines)
    return status
