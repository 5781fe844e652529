"""``kata-oci annotations``: every supported annotation, and whether the configuration enables it."""

from __future__ import annotations

import argparse

from . import common, output

HELP = "List every supported annotation: its type, what it sets, and whether the configuration enables it."
EXAMPLE = "kata-oci annotations --config kata_oci/data/configuration.toml --json"
EPILOG = common.CONFIG_HELP


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_config(p)
    p.add_argument("--json", action="store_true", help="JSON output")


def run(args: argparse.Namespace) -> int:
    from kata_oci import annotations as ka

    config_path, rc = common.runtime_config(args.config)
    rows = []
    for d in ka.DECLARATIONS:
        enabled, pattern = ka.is_enabled(d.key, rc)
        rows.append(
            {
                "key": d.key,
                "type": str(d.kind),
                "sets": d.target or ("sandbox_config.annotations" if d.asset else None),
                "description": d.description,
                "checks": d.checks(),
                "unsafe": d.unsafe,
                "enabled": enabled,
                "enabled_by": pattern,
            }
        )
    if args.json:
        output.write_json({"configuration": config_path, "annotations": rows})
        return common.EXIT_OK
    lines = [f"# configuration: {config_path}"]
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
