"""``kata-oci annotations``: every supported annotation, and whether the configuration enables it."""

from __future__ import annotations

import argparse

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


def run(args: argparse.Namespace) -> int:
    choice, rc = common.runtime_choice(args.config, kata=args.kata, engine=common.engine(False))
    config_path, profile = str(choice.path), choice.profile
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
