"""``kata-oci annotations``: every supported annotation, and whether the configuration enables it."""

from __future__ import annotations

import argparse
from typing import Any

from . import common, output

HELP = (
    "List every annotation the profile's Kata supports: its type, what it sets, and whether the "
    "configuration enables it."
)
EXAMPLE = "kata-oci annotations --config kata_oci/data/configuration.toml --json"
EPILOG = common.CONFIG_HELP


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_config(p)
    p.add_argument("--json", action="store_true", help="JSON output")


def _row(profile: Any, d: Any, rc: Any) -> dict[str, Any]:
    enabled, pattern = profile.annotation_enabled(d.key, rc)
    return {
        "key": d.key,
        "type": str(d.kind),
        "sets": d.target or ("sandbox_config.annotations" if getattr(d, "asset", False) else None),
        "description": d.description,
        "checks": d.checks(),
        "unsafe": d.unsafe,
        "enabled": enabled,
        "enabled_by": pattern,
    }


def _several(args: argparse.Namespace) -> int:
    """``annotations --kata go,rs``: every key any of the profiles knows, with each one's view."""
    names = [n.strip() for n in args.kata.split(",") if n.strip()]
    if len(set(names)) != len(names) or len(names) < 2:
        raise common.Failure(f"--kata {args.kata!r}: give two or more different profiles, comma-separated")
    engine = common.engine(False)
    choices, tables = {}, {}
    for name in names:
        choice, rc = common.runtime_choice(None, kata=name, engine=engine)
        choices[name] = choice
        tables[name] = {d.key: _row(choice.profile, d, rc) for d in choice.profile.declarations}
    keys = sorted({k for table in tables.values() for k in table})
    rows: list[dict[str, Any]] = []
    for key in keys:
        per: dict[str, Any] = {}
        for name in names:
            row = tables[name].get(key)
            if row is None:
                hint = choices[name].profile.removed_keys.get(key)
                per[name] = {"known": False, "hint": hint}
            else:
                per[name] = {"known": True, **{k: v for k, v in row.items() if k != "key"}}
        rows.append({"key": key, "profiles": per})
    if args.json:
        output.write_json(
            {
                "profiles": {
                    n: {"configuration": str(choices[n].path), "version": choices[n].profile.version}
                    for n in names
                },
                "annotations": rows,
            }
        )
        return common.EXIT_OK
    lines = [common.config_line(choices[n]) for n in names]
    width = max(len(n) for n in names)
    for row in rows:
        lines.append(str(row["key"]))
        for name, info in row["profiles"].items():
            if not info["known"]:
                lines.append(f"  {name:<{width}} -        {info['hint'] or 'not a key of this profile'}")
                continue
            state = "enabled" if info["enabled"] else "gated"
            lines.append(f"  {name:<{width}} {state:<8} {info['type']:<14} {info['sets'] or ''}")
    output.write_lines(lines)
    return common.EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.kata and "," in args.kata:
        return _several(args)
    choice, rc = common.runtime_choice(args.config, kata=args.kata, engine=common.engine(False))
    config_path, profile = choice.filename, choice.profile
    rows = []
    for d in profile.declarations:
        enabled, pattern = profile.annotation_enabled(d.key, rc)
        rows.append(
            {
                "key": d.key,
                "type": str(d.kind),
                "sets": d.target or ("sandbox_config.annotations" if getattr(d, "asset", False) else None),
                "description": d.description,
                "checks": d.checks(),
                "unsafe": d.unsafe,
                "enabled": enabled,
                "enabled_by": pattern,
            }
        )
    if args.json:
        output.write_json({"configuration": config_path, "profile": profile.name, "annotations": rows})
        return common.EXIT_OK
    lines = [common.config_line(choice)]
    lines.extend(
        output.table(
            ("enabled", "type", "annotation", "sets"),
            (
                ("yes" if row["enabled"] else "no", str(row["type"]), str(row["key"]), str(row["sets"] or ""))
                for row in rows
            ),
        )
    )
    output.write_lines(lines)
    return common.EXIT_OK
