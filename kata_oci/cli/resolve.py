"""``kata-oci resolve``: container type, sandbox ID, pod identity and sizing, and who answered."""

from __future__ import annotations

import argparse
from typing import Any

from . import common, output

HELP = (
    "Show the container type, sandbox ID, pod identity and sizing of a bundle, and which CRI plugin answered."
)
EXAMPLE = "kata-oci resolve examples/bundles/crio-pod-container --json"
EPILOG = (
    "Sandbox sizing is what the CRI wrote for the pod (Kata sizes a pod sandbox's VM from it); "
    "container sizing is the spec's linux.resources (Kata's rule for every other container). "
    "vCPUs are fractional, as Kata computes them before rounding up. The container type without "
    "a CRI key is the profile's (kata1: pod_sandbox; Kata 2.0 and later: single_container); the "
    "configuration is read only to tell the profile. " + common.CONFIG_HELP
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_bundle(p)
    common.add_config(p)
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--strict", action="store_true", help=common.STRICT_HELP)


def _answer(answer: Any) -> dict[str, str] | None:
    if answer is None:
        return None
    return {"plugin": answer.plugin, "key": answer.key, "value": answer.value}


def _by(answer: Any, default: str) -> str:
    if answer is None:
        return f"  {default}"
    return f"  (plugin {answer.plugin}: {answer.key}={answer.value!r})"


def run(args: argparse.Namespace) -> int:
    bundle, spec = common.load_spec(args.bundle)
    # Not a strict engine: conflicts are shown, and with --strict make the exit status 1 (as check does).
    engine = common.engine(False, spec)
    choice = common.profile_for(args.kata, args.config, engine)
    profile = choice.profile
    found = engine.resolve(spec, strict=False, default=profile.default_container_type)
    identity = engine.pod_identity(spec, strict=False)
    sizing = engine.sandbox_sizing_answer(spec, strict=False)
    container_sizing = profile.calculate_container_sizing(spec)
    conflicts = [*found.conflicts, *identity.conflicts, *sizing.conflicts]
    unread = list(found.unread)
    own = _own_rules(profile, spec, engine)
    if own is not None:
        return _show_own(args, bundle, choice, own, identity, container_sizing, conflicts, unread)
    if args.json:
        doc: dict[str, Any] = {
            "bundle": bundle,
            "configuration": choice.filename,
            "profile": profile.name,
            "container_type": str(found.container_type),
            "container_type_from": _answer(found.container_type_answer),
            "sandbox_id": found.sandbox_id,
            "sandbox_id_from": _answer(found.sandbox_id_answer),
            "pod": identity,
            "sandbox_sizing": sizing.sizing,
            "sandbox_sizing_from": sizing.plugin,
            "container_sizing": container_sizing,
            "conflicts": conflicts,
            "unread_cri_keys": common.unread_json(unread),
        }
        output.write_json(doc)
        return _status(args, conflicts, unread)
    guessed = any(u.decides == "container type" for u in unread)
    lines = [
        f"container type: {found.container_type}"
        + _by(
            found.container_type_answer,
            f"(Kata {profile.version}'s default: no installed plugin reads the CRI key below)"
            if guessed
            else f"(no CRI key: Kata {profile.version}'s default)",
        )
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
    lines.extend(f"not read:       {u}" for u in unread)
    lines.append(f"profile:        {common.profile_says(choice)}; configuration {choice.filename}")
    output.write_lines(lines)
    return _status(args, conflicts, unread)


def _own_rules(profile: Any, spec: Any, engine: Any) -> dict[str, Any] | None:
    """The profile's own container type, sandbox ID and sizing, when it has rules of its own.

    runtime-rs (``rs``) asks the CRIs in another order (CRI-O first), skips values it does not
    know, and sizes the VM with its own ``InitialSize``; profiles that keep Kata's rules
    (``kata1``, ``go``) answer through the CRI plugins as before (None here).
    """
    from kata_oci.errors import SandboxIDError
    from kata_oci.profiles.base import Profile

    if type(profile).container_type is Profile.container_type:
        return None
    try:
        sandbox_id: str | None = profile.sandbox_id(spec, engine=engine)
    except SandboxIDError:
        sandbox_id = None
    return {
        "container_type": str(profile.container_type(spec, engine=engine)),
        "sandbox_id": sandbox_id,
        "sandbox_sizing": profile.calculate_sandbox_sizing(spec, engine=engine),
        "rules": f"{profile.name} profile's own rules (Kata {profile.version})",
    }


def _show_own(
    args: argparse.Namespace,
    bundle: str,
    choice: Any,
    own: dict[str, Any],
    identity: Any,
    container_sizing: Any,
    conflicts: list[Any],
    unread: list[Any],
) -> int:
    profile = choice.profile
    if args.json:
        output.write_json(
            {
                "bundle": bundle,
                "configuration": choice.filename,
                "profile": profile.name,
                "container_type": own["container_type"],
                "container_type_from": own["rules"],
                "sandbox_id": own["sandbox_id"],
                "sandbox_id_from": own["rules"],
                "pod": identity,
                "sandbox_sizing": own["sandbox_sizing"],
                "sandbox_sizing_from": own["rules"],
                "container_sizing": container_sizing,
                "conflicts": conflicts,
                "unread_cri_keys": common.unread_json(unread),
            }
        )
        return _status(args, conflicts, unread)
    lines = [
        f"container type: {own['container_type']}  ({own['rules']})",
        f"sandbox id:     {own['sandbox_id'] if own['sandbox_id'] is not None else '-'}  ({own['rules']})",
    ]
    names = identity.names()
    lines.append(
        "pod identity:   " + (f"(plugin {identity.plugin})" if names else "-  (no CRI identity key)")
    )
    lines.extend(f"  {name.replace('_', ' ') + ':':<19}{value}" for name, value in names.items())
    lines.append(f"sandbox sizing: {own['sandbox_sizing']}  ({own['rules']})")
    lines.append(f"container sizing: {container_sizing}  (linux.resources)")
    lines.extend(f"conflict:       {c}" for c in conflicts)
    lines.extend(f"not read:       {u}" for u in unread)
    lines.append(f"profile:        {common.profile_says(choice)}; configuration {choice.filename}")
    output.write_lines(lines)
    return _status(args, conflicts, unread)


def _status(args: argparse.Namespace, conflicts: list[Any], unread: list[Any]) -> int:
    if not args.strict:
        return common.EXIT_OK
    if conflicts:
        output.error_line(f"CRI annotations conflict (--strict): {'; '.join(map(str, conflicts))}")
    if unread:
        output.error_line(f"CRI keys no plugin reads (--strict): {'; '.join(map(str, unread))}")
    return common.EXIT_REJECTED if conflicts or unread else common.EXIT_OK
