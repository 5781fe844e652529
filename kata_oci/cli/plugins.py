"""``kata-oci plugins``: the registered plugins, their distributions, CRI keys and hooks."""

from __future__ import annotations

import argparse
from typing import Any

from . import common, output

HELP = "List the registered plugins: distribution, version, CRI keys, runtime profiles and hooks."
EXAMPLE = "kata-oci plugins --json"
EPILOG = ""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument(
        "--kata",
        metavar="{kata1,go,rs}",
        help="only the plugin that declares this runtime profile (exit 2 when none does)",
    )


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """(field, key) pairs as field -> keys in order of preference."""
    out: dict[str, list[str]] = {}
    for field, key in pairs:
        out.setdefault(field, []).append(key)
    return out


def rows(engine: Any) -> list[dict[str, Any]]:
    """One row per registered plugin, CRI plugins first in the engine's order."""
    pm = engine.plugin_manager
    cris = dict(engine.cris)
    declared: dict[str, list[dict[str, str]]] = {}
    for profile in engine.profiles.values():
        owner = engine.profile_plugin(profile.name)
        if owner is not None:
            declared.setdefault(owner, []).append(
                {"name": profile.name, "version": profile.version, "title": profile.title}
            )
    found = []
    for name, plugin in pm.list_name_plugin():
        info = engine.plugin_infos.get(name)
        hooks = sorted(caller.name for caller in (pm.get_hookcallers(plugin) or ()))
        decl = cris.get(name)
        found.append(
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
                "profiles": declared.get(name),
                "hooks": hooks,
            }
        )
    order = {name: i for i, (name, _) in enumerate(engine.cris)}
    found.sort(key=lambda r: (order.get(r["name"], len(order)), r["name"]))
    return found


def run(args: argparse.Namespace) -> int:
    engine = common.engine(False, plugins=True)
    found = rows(engine)
    if args.kata is not None:
        owner = engine.profile_plugin(engine.profile(args.kata).name)  # ProfileError: exit 2
        found = [row for row in found if row["name"] == owner]
    if args.json:
        output.write_json(found)
    else:
        output.write_lines(render(found))
    return common.EXIT_OK


def render(found: list[dict[str, Any]]) -> list[str]:
    """The text form of :func:`rows`: a plugin's name line, then only what it declares."""
    lines = []
    for row in found:
        dist = f"{row['distribution']} {row['version']}" if row["distribution"] else "(built in)"
        lines.append(f"{row['name']}  {dist}  [{row['module']}]")
        if row["cri"]:  # only what the plugin declares
            if row["container_type_key"]:
                values = ", ".join(f"{k}={v}" for k, v in (row["container_types"] or {}).items())
                lines.append(
                    f"  container type: {row['container_type_key']}" + (f" ({values})" if values else "")
                )
            if row["sandbox_id_key"]:
                lines.append(f"  sandbox id:     {row['sandbox_id_key']}")
            for label, field in (("identity:", "identity_keys"), ("sizing:", "sizing_keys")):
                if row[field]:
                    keys = ", ".join(f"{k}={' or '.join(v)}" for k, v in row[field].items())
                    lines.append(f"  {label:<16}{keys}")
            if row["hook_keys"]:
                lines.append(f"  hook keys:      {', '.join(row['hook_keys'])}")
        if row.get("profiles"):
            said = ", ".join(f"{p['name']} (Kata {p['version']})" for p in row["profiles"])
            lines.append(f"  profiles:       {said}")
        lines.append(f"  hooks:          {', '.join(row['hooks'])}")
    return lines
