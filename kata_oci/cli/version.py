"""``kata-oci --version``: kata-oci's version, the Kata versions it models, and the plugins installed."""

from __future__ import annotations

import sys
from typing import Any

from . import common, output


def _profiles() -> list[dict[str, str]]:
    """The registered profiles (name, Kata version, title), as kata_oci.list_profiles() lists them."""
    try:
        from kata_oci.profiles import list_profiles

        found: Any = list_profiles()
    except ImportError:
        found = None
    except Exception:  # a broken profile plugin must not hide the version
        found = None
    if found is None:  # before the profile registry: the Kata 1.x model is the only one
        return [
            {"name": "kata1", "version": "1.13.0", "title": "Kata Containers 1.x (virtcontainers/pkg/oci)"}
        ]
    if isinstance(found, dict):
        found = list(found.values())
    return [
        {
            "name": str(getattr(p, "name", p)),
            "version": str(getattr(p, "version", "")),
            "title": str(getattr(p, "title", "")),
        }
        for p in found
    ]


def version_document() -> dict[str, Any]:
    """What --version shows, as data."""
    import kata_oci

    from .plugins import rows

    try:
        plugins = [
            {"name": r["name"], "distribution": r["distribution"], "version": r["version"]}
            for r in rows(common.engine(False, plugins=True))
        ]
    except Exception as exc:  # say so, but still show the version
        plugins = [{"name": "?", "distribution": None, "version": None, "error": str(exc)}]
    return {
        "kata-oci": kata_oci.__version__,
        "python": sys.version.split()[0],
        "profiles": _profiles(),
        "plugins": plugins,
    }


def show_version(*, json: bool = False) -> int:
    doc = version_document()
    if json:
        output.write_json(doc)
        return common.EXIT_OK
    lines = [f"kata-oci {doc['kata-oci']} (Python {doc['python']})"]
    lines.append("profiles:")
    lines.extend(
        output.table(
            ("  name", "Kata", "models"),
            ((f"  {p['name']}", p["version"], p["title"]) for p in doc["profiles"]),
        )[1:]
    )
    lines.append("plugins:" if doc["plugins"] else "plugins: none installed (no CRI keys are read)")
    lines.extend(
        output.table(
            ("  name", "distribution"),
            (
                (
                    f"  {p['name']}",
                    f"{p['distribution']} {p['version']}" if p["distribution"] else "(built in)",
                )
                for p in doc["plugins"]
            ),
        )[1:]
    )
    output.write_lines(lines)
    return common.EXIT_OK
