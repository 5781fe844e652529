"""What every subcommand reads: the bundle, the configuration, the engine; and the exit statuses.

Exit statuses are the same in every subcommand:

====  =====================================================================
0     ok: everything applies (or the question was answered)
1     rejected: an annotation is rejected, or dropped, or (with --strict)
      unknown, or CRI annotations conflict
2     unusable input: a missing or malformed bundle, configuration or option
====  =====================================================================
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kata_oci.config import RuntimeConfig
    from kata_oci.spec import Spec

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2

EXIT_STATUS_HELP = (
    "exit status (every command):\n"
    "  0  ok: everything applies, or the question was answered\n"
    "  1  rejected: an annotation is rejected or dropped; with --strict also an unknown\n"
    "     io.katacontainers. key or conflicting CRI annotations\n"
    "  2  unusable input: missing or malformed bundle, configuration or option"
)

CONFIG_HELP = (
    "Without --config, the configuration is found as Kata finds it: $KATA_CONF_FILE, "
    "/etc/kata-containers/configuration.toml, /usr/share/defaults/kata-containers/configuration.toml, "
    "then the Kata 1.x QEMU default shipped with kata-oci."
)


class Failure(Exception):
    """An error to print as one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.status = status


def bundle_paths(path: str) -> tuple[str, str]:
    """(bundle directory, config.json path) from a directory or a config.json path."""
    if os.path.isdir(path):
        return path, os.path.join(path, "config.json")
    return os.path.dirname(path) or ".", path


def load_spec(path: str) -> tuple[str, Spec]:
    """(bundle directory, spec) of a bundle directory or config.json path."""
    from kata_oci.spec import parse_config_json

    bundle, config_json = bundle_paths(path)
    return bundle, parse_config_json(config_json)


def runtime_config(path: str | None, strict: bool = False) -> tuple[str, RuntimeConfig]:
    """(the configuration file used, its RuntimeConfig)."""
    from kata_oci.configfile import find_config_file, load_runtime_config

    chosen = path if path is not None else str(find_config_file())
    return chosen, load_runtime_config(chosen, strict=strict)


def engine(strict: bool, spec: Spec | None = None, *, plugins: bool = False) -> Any:
    """The engine for this command, as cheap to build as the question allows.

    With a current per-environment snapshot (kata_oci.snapshot), the engine
    comes from the cached CRI declarations when no plugin with hooks
    concerns ``spec`` (no plugin imported), else from the cached entry points
    (no metadata scan). ``plugins`` asks for the plugins themselves. Without
    a snapshot, the installed entry points are read and a snapshot saved.
    """
    from kata_oci import snapshot
    from kata_oci.engine import Engine

    snap = snapshot.load()
    if snap is not None:
        if not plugins and spec is not None and not snap.needs_hooks(spec.annotations):
            return snap.engine(strict=strict)
        return Engine.from_entry_points(entry_point_source=snap.entry_point_source(), strict=strict)
    found = Engine.from_entry_points(strict=strict)
    snapshot.save(found)
    return found


def default_id(bundle: str) -> str:
    """The container ID when none is given: the bundle directory's name."""
    name = os.path.basename(os.path.abspath(bundle))
    return name or "container"


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
