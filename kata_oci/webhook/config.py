"""The webhook's configuration file: where the cluster's files are, and what denies a pod.

A YAML (or JSON) mapping, usually a ConfigMap key mounted as
``/etc/kata-oci-webhook/webhook.yaml``; relative paths are relative to the
file's directory (so the other keys of the same ConfigMap are found beside it)::

    containerdConfig: [config.toml]        # or crioConfig: [crio.conf]; neither: kata-deploy's
    runtimeClasses: [runtimeclasses.yaml]  # default: kata-deploy 4.1.0's RuntimeClasses
    kataConfigDirs: [kata]                 # the nodes' /opt/kata (or flat configuration-*.toml)
    profile: go                            # force a Kata profile (default: each handler's own)
    exclusiveCPUs: false                   # nodes run kubelet's static CPU manager
    policy:                                # the cluster's policy
      deny: [rejected]                     # verdicts that deny the request
      warn: [dropped, unknown]             # verdicts returned as warnings
    namespaces:                            # per-namespace policy, replacing the cluster's
      payments: {deny: [rejected, dropped, unknown]}

Every key is optional: an empty file is kata-deploy's defaults with the
default policy. Unknown keys are an error (a misspelt ``namspaces`` must not
be a silent no-op). Errors are :class:`~kata_oci.errors.ConfigError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kata_oci.errors import ConfigError, KataOCIError
from kata_oci.k8s import Cluster, Verdict, parse_documents

__all__ = ["DEFAULT_POLICY", "MAX_CONFIG_BYTES", "Policy", "WebhookConfig", "load_config"]

MAX_CONFIG_BYTES = 1024 * 1024
_PATH_KEYS = {
    "containerdConfig": "containerd_config",
    "crioConfig": "crio_config",
    "runtimeClasses": "runtime_classes",
    "kataConfigDirs": "kata_config_dir",
}
_KEYS = frozenset({*_PATH_KEYS, "profile", "exclusiveCPUs", "policy", "namespaces", "kataConfig"})


@dataclass(frozen=True, slots=True)
class Policy:
    """Which verdicts deny a request and which become warnings (the rest are only logged)."""

    deny: frozenset[Verdict] = frozenset({Verdict.REJECTED})
    warn: frozenset[Verdict] = frozenset({Verdict.DROPPED, Verdict.UNKNOWN})


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class WebhookConfig:
    """A loaded configuration: the cluster (built once) and the policies.

    ``files`` are every file the configuration was read from (to watch);
    ``path`` the configuration file (``None``: the built-in defaults).
    """

    cluster: Cluster
    policy: Policy = DEFAULT_POLICY
    namespaces: Mapping[str, Policy] = field(default_factory=dict)
    path: str | None = None
    files: tuple[str, ...] = ()

    def policy_for(self, namespace: str | None) -> Policy:
        return self.namespaces.get(namespace or "", self.policy)


def _fail(path: str, reason: str) -> ConfigError:
    return ConfigError(f"{path}: {reason}")


def _verdicts(path: str, where: str, value: Any) -> frozenset[Verdict]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{where}: must be a list of verdicts ({', '.join(v.value for v in Verdict)})")
    out = set()
    for v in value:
        try:
            out.add(Verdict(v))
        except ValueError:
            raise _fail(
                path, f"{where}: {v[:60]!r} is not a verdict ({', '.join(x.value for x in Verdict)})"
            ) from None
    return frozenset(out)


def _policy(path: str, where: str, value: Any, base: Policy) -> Policy:
    if not isinstance(value, Mapping):
        raise _fail(path, f"{where}: must be a mapping with deny and warn")
    extra = set(value) - {"deny", "warn"}
    if extra:
        raise _fail(path, f"{where}: unknown key {sorted(map(str, extra))[0][:60]!r} (deny, warn)")
    deny = _verdicts(path, f"{where}.deny", value["deny"]) if "deny" in value else base.deny
    warn = _verdicts(path, f"{where}.warn", value["warn"]) if "warn" in value else base.warn
    return Policy(deny, warn - deny)


def _paths(path: str, key: str, value: Any, base: Path) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise _fail(path, f"{key}: must be a path or a list of paths")
    return [str(base / v) for v in items]


def _watched(paths: list[str]) -> list[str]:
    """The files a path names: itself, or a directory's files (one level, bounded)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".."))[:64]
                out.extend(os.path.join(root, n) for n in sorted(names)[:256] if not n.startswith("."))
                if len(out) > 4096:
                    break
        else:
            out.append(p)
    return out


def _loaded(cluster: Cluster) -> Cluster:
    """``cluster`` with every Kata handler's configuration file loaded now, not on a request."""
    for handler in cluster.node.handlers.values():
        if handler.kata:
            cluster.kata_target(handler)
    return cluster


def load_config(path: str | os.PathLike[str] | None) -> WebhookConfig:
    """Read the webhook's configuration file and build its cluster (``None``: the defaults)."""
    if path is None:
        return WebhookConfig(_loaded(Cluster()))
    from kata_oci.files import read_regular_file

    p = os.fspath(path)
    try:
        data = read_regular_file(p, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise _fail(p, f"cannot read: {exc.strerror or exc}") from None
    except KataOCIError as exc:
        raise _fail(p, str(exc)) from None
    docs = parse_documents(data, source=p)
    if len(docs) > 1:
        raise _fail(p, "holds more than one YAML document")
    doc: Any = docs[0].value if docs else {}
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise _fail(p, "must be a mapping")
    unknown = sorted(str(k) for k in doc if k not in _KEYS)
    if unknown:
        raise _fail(p, f"unknown key {unknown[0][:60]!r} (known: {', '.join(sorted(_KEYS))})")
    base = Path(p).parent
    kwargs: dict[str, Any] = {}
    files = [p]
    for key, arg in _PATH_KEYS.items():
        if key in doc:
            kwargs[arg] = _paths(p, key, doc[key], base)
            files.extend(_watched(kwargs[arg]))
    if "kataConfig" in doc:
        kwargs["kata_config"] = _paths(p, "kataConfig", doc["kataConfig"], base)[0]
        files.append(kwargs["kata_config"])
    profile = doc.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise _fail(p, "profile: must be a profile name (kata1, go, rs)")
    exclusive = doc.get("exclusiveCPUs", False)
    if not isinstance(exclusive, bool):
        raise _fail(p, "exclusiveCPUs: must be true or false")
    policy = _policy(p, "policy", doc["policy"], DEFAULT_POLICY) if "policy" in doc else DEFAULT_POLICY
    spaces = doc.get("namespaces", {}) or {}
    if not isinstance(spaces, Mapping):
        raise _fail(p, "namespaces: must map namespace names to policies")
    namespaces = {str(ns): _policy(p, f"namespaces.{ns}", v, policy) for ns, v in spaces.items()}
    cluster = _loaded(Cluster.from_files(profile=profile, exclusive_cpus=exclusive, **kwargs))
    return WebhookConfig(cluster, policy, namespaces, p, tuple(dict.fromkeys(files)))
