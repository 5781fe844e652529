"""``kata-oci resolve``: container type, sandbox ID, pod identity and sizing, and who answered."""

from __future__ import annotations

from . import common, output

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the fast path imports this module
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

HELP = (
    "Show the container type, sandbox ID, pod identity and sizing of a bundle, and which CRI plugin answered."
)
EXAMPLE = "kata-oci resolve examples/bundles/crio-pod-container --json"
EPILOG = (
    "Sandbox sizing is what the CRI wrote for the pod (Kata sizes a pod sandbox's VM from it); "
    "container sizing is the spec's linux.resources (Kata's rule for every other container). "
    "vCPUs are fractional, as Kata computes them before rounding up. The container type without "
    "a CRI key is the profile's (kata1: pod_sandbox; Kata 2.0 and later: single_container); the "
    "configuration is read only to tell the profile. Of config.json, resolve reads only the "
    "annotations and linux.resources' cpu (quota, period, cpus, mems) and memory.limit: other "
    "members are not decoded, so a mistake there is convert's and check's to report. " + common.CONFIG_HELP
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


def run(args: argparse.Namespace) -> int:
    # Only what resolve reads of config.json (kata_oci.spec.ResolveView): a Spec as far as it goes.
    bundle, spec = common.load_resolve_view(args.bundle)
    ann = spec.annotations or {}
    # Not a strict engine: conflicts are shown, and with --strict make the exit status 1 (as check does).
    engine = common.engine(False, spec)
    choice = common.profile_for(args.kata, args.config, engine)
    profile = choice.profile
    found = engine.resolve(ann, strict=False, default=profile.default_container_type)
    identity = engine.pod_identity(ann, strict=False)
    sizing = engine.sandbox_sizing_answer(ann, strict=False)
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
    sid = found.sandbox_id_answer
    lines = text_lines(
        container_type=str(found.container_type),
        container_type_by=container_type_by(
            _triple(found.container_type_answer), profile.version, guessed=guessed
        ),
        sandbox_id=found.sandbox_id,
        sandbox_id_by=f"(plugin {sid.plugin}: {sid.key})" if sid else "(no CRI key)",
        identity_plugin=identity.plugin,
        names=identity.names(),
        sandbox_sizing=f"{sizing.sizing}",
        sandbox_sizing_by=f"(plugin {sizing.plugin})" if sizing.plugin else "(no CRI sizing key)",
        container_sizing=f"{container_sizing}",
        conflicts=[str(c) for c in conflicts],
        unread=[str(u) for u in unread],
        profile=common.profile_says(choice),
        configuration=choice.filename,
    )
    output.write_lines(lines)
    return _status(args, conflicts, unread)


def _triple(answer: Any) -> tuple[str, str, str] | None:
    return None if answer is None else (answer.plugin, answer.key, answer.value)


def container_type_by(answer: tuple[str, str, str] | None, version: str, *, guessed: bool) -> str:
    """The note after the container type: which plugin and key answered, or why it is the default."""
    if answer is not None:
        plugin, key, value = answer
        return f"(plugin {plugin}: {key}={value!r})"
    if guessed:
        return f"(Kata {version}'s default: no installed plugin reads the CRI key below)"
    return f"(no CRI key: Kata {version}'s default)"


def text_lines(
    *,
    container_type: str,
    container_type_by: str,
    sandbox_id: str | None,
    sandbox_id_by: str,
    identity_plugin: str | None,
    names: dict[str, str],
    sandbox_sizing: str,
    sandbox_sizing_by: str,
    container_sizing: str,
    conflicts: Sequence[str],
    unread: Sequence[str],
    profile: str,
    configuration: str,
) -> list[str]:
    """The text report (before escaping), from what was found: one layout for every path to it.

    The command's fast path (:mod:`kata_oci.cli.fastresolve`) writes through it too.
    """
    lines = [
        f"container type: {container_type}  {container_type_by}",
        f"sandbox id:     {sandbox_id if sandbox_id is not None else '-'}  {sandbox_id_by}",
        "pod identity:   " + (f"(plugin {identity_plugin})" if names else "-  (no CRI identity key)"),
    ]
    lines.extend(f"  {name.replace('_', ' ') + ':':<19}{value}" for name, value in names.items())
    lines.append(f"sandbox sizing: {sandbox_sizing}  {sandbox_sizing_by}")
    lines.append(f"container sizing: {container_sizing}  (linux.resources)")
    lines.extend(f"conflict:       {c}" for c in conflicts)
    lines.extend(f"not read:       {u}" for u in unread)
    lines.append(f"profile:        {profile}; configuration {configuration}")
    return lines


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
    ann = spec.annotations or {}  # the type and ID from the annotations; the sizing may read linux too
    try:
        sandbox_id: str | None = profile.sandbox_id(ann, engine=engine)
    except SandboxIDError:
        sandbox_id = None
    return {
        "container_type": str(profile.container_type(ann, engine=engine)),
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
    rules = f"({own['rules']})"
    lines = text_lines(
        container_type=own["container_type"],
        container_type_by=rules,
        sandbox_id=own["sandbox_id"],
        sandbox_id_by=rules,
        identity_plugin=identity.plugin,
        names=identity.names(),
        sandbox_sizing=f"{own['sandbox_sizing']}",
        sandbox_sizing_by=rules,
        container_sizing=f"{container_sizing}",
        conflicts=[str(c) for c in conflicts],
        unread=[str(u) for u in unread],
        profile=common.profile_says(choice),
        configuration=choice.filename,
    )
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
