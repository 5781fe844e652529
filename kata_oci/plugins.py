"""Building kata-oci's pluggy ``PluginManager``: entry points, order, validation.

Plugins are found through the entry-point group ``kata_oci``. Each entry point
names a module (or object) holding ``kata_oci.hookimpl`` functions::

    [project.entry-points.kata_oci]
    mycri = "kata_oci_mycri"

The built-in CRI plugins are registered so that pluggy consults them in Kata's
order (containerd, CRI-O, dockershim), and third-party plugins after them, by
entry-point name, unless a plugin asks otherwise with ``tryfirst``/``trylast``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import PluginError

if TYPE_CHECKING:
    import pluggy

__all__ = [
    "BUILTIN_PLUGINS",
    "BUILTIN_PROFILES",
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "make_plugin_manager",
]

ENTRY_POINT_GROUP = "kata_oci"

#: Entry-point names of the built-in CRI plugins, in Kata's order.
BUILTIN_PLUGINS: tuple[str, ...] = ("containerd", "crio", "dockershim")

#: Core modules registered in every engine: Kata's own experimental features, and
#: one plugin per built-in runtime profile (its ``kata_oci_declare_profile``).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "kata_oci.experimental",
    "kata_oci.profiles.kata1.plugin",
    "kata_oci.profiles.go.plugin",
    "kata_oci.profiles.rs.plugin",
)

#: The built-in runtime profiles: name -> the module whose ``PROFILE`` the core's
#: plugin declares. An engine built without plugins (from cached declarations)
#: takes its profiles from here, without importing pluggy.
BUILTIN_PROFILES: dict[str, str] = {
    "kata1": "kata_oci.profiles.kata1",
    "go": "kata_oci.profiles.go",
    "rs": "kata_oci.profiles.rs",
}

#: Every profile kata-oci is meant to have, for messages when one is missing.
KNOWN_PROFILES: dict[str, str] = {
    "kata1": "Kata Containers 1.13 (kata-runtime)",
    "go": "Kata Containers 4.1 Go runtime (containerd-shim-kata-v2)",
    "rs": "Kata Containers 4.1 runtime-rs",
}


class PluginInfo(msgspec.Struct, frozen=True):
    """Where a registered plugin came from."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _ordered(eps: Sequence[Any]) -> list[Any]:
    """Entry points in the order the engine should consult them."""
    by_name: dict[str, Any] = {}
    for ep in eps:
        other = by_name.get(ep.name)
        if other is not None and other.value != ep.value:
            raise PluginError(
                ep.name, f"two plugins use this entry-point name: {other.value!r} and {ep.value!r}"
            )
        by_name[ep.name] = ep
    builtin = [by_name[n] for n in BUILTIN_PLUGINS if n in by_name]
    others = sorted((ep for n, ep in by_name.items() if n not in BUILTIN_PLUGINS), key=lambda e: e.name)
    return builtin + others


def _load(ep: Any) -> Any:
    try:
        return ep.load()
    except Exception as exc:  # any import-time failure is the plugin's
        raise PluginError(ep.name, f"cannot load {ep.value!r}: {type(exc).__name__}: {exc}") from exc


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    import pluggy

    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(name, str(exc)) from exc
    except ValueError as exc:  # already registered / name taken
        raise PluginError(name, str(exc)) from exc


def plugin_name(plugin: object) -> str:
    """The default registration name of a plugin passed explicitly."""
    return getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{id(plugin):x}"


def make_plugin_manager(
    plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    entry_point_source: Iterable[Any] | None = None,
) -> tuple[pluggy.PluginManager, dict[str, PluginInfo]]:
    """Build a validated ``PluginManager``.

    ``plugins`` are registered explicitly, consulted in the order given and
    before any entry-point plugin. With ``entry_points`` true, the
    ``kata_oci`` entry-point group is loaded too (``entry_point_source``
    replaces the installed entry points, for tests). Returns the manager and
    a description of each registered plugin by name. Raises
    :class:`PluginError` when a plugin fails to import, implements an
    unknown hook (a misspelt ``kata_oci_*`` name) or uses wrong arguments.
    """
    import pluggy

    from . import hookspecs

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}

    loaded: list[tuple[str, object, PluginInfo]] = []
    for plugin in plugins:
        name = plugin_name(plugin)
        loaded.append((name, plugin, PluginInfo(name, getattr(plugin, "__name__", repr(plugin)))))
    if entry_points:
        eps = _ordered(list(entry_point_source) if entry_point_source is not None else _entry_points())
        for ep in eps:
            dist = getattr(ep, "dist", None)
            info = PluginInfo(
                ep.name,
                ep.value,
                getattr(dist, "name", None),
                getattr(dist, "version", None),
            )
            loaded.append((ep.name, _load(ep), info))

    # pluggy calls the most recently registered implementation first: register
    # in reverse so that the list order above is the order of consultation.
    # The core's own plugins go first, so they are consulted last.
    import importlib

    for module_name in DEFAULT_PLUGINS:
        _register(pm, importlib.import_module(module_name), module_name)
    for name, plugin, _info in reversed(loaded):
        _register(pm, plugin, name)
    infos.update((name, info) for name, _plugin, info in loaded)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        bad = pm.get_name(exc.plugin) or plugin_name(exc.plugin)
        raise PluginError(bad, str(exc)) from exc
    return pm, infos
