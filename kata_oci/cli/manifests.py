"""``kata-oci check`` on Kubernetes manifests: each pod's Kata annotations, layer by layer.

A path is a manifest rather than a bundle when it is a directory without a
``config.json``, a ``*.yaml``/``*.yml`` file (``.in`` templates too), or a file
(or standard input) whose content is YAML or a JSON object with ``kind`` or
``apiVersion``; a JSON object with ``ociVersion``, ``process``, ``root`` or
``linux`` is a bundle's ``config.json``.

The cluster is kata-deploy 4.1.0's defaults unless ``--containerd-config``,
``--crio-config``, ``--runtime-classes`` or ``--kata-config-dir`` say
otherwise (:class:`kata_oci.k8s.Cluster`). Output: text (one line per
annotation: verdict, layer, object, key, value, reason, and the fix), ``json``
(the records and each pod's report), ``sarif`` (SARIF 2.1.0, for code
scanning) or ``github`` (workflow commands, shown inline on a pull request).
Every untrusted string goes out through :mod:`.output`'s escaping.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable
from typing import Any

from kata_oci.errors import cut

from . import common, output

FORMATS = ("text", "json", "sarif", "github")
_YAML_NAMES = re.compile(r".*\.(ya?ml)(\.in)?$", re.IGNORECASE)
_BUNDLE_KEYS = ("ociVersion", "process", "root", "linux", "mounts", "hooks")
_OPTIONS = ("containerd_config", "crio_config", "runtime_classes", "kata_config_dir", "handler")
_SHOWN = 120
_LEVEL = {"rejected": "error", "dropped": "warning", "unknown": "warning", "ignored": "note"}
_GITHUB = {"error": "error", "warning": "warning", "note": "notice"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The manifest options of ``check``."""
    g = p.add_argument_group(
        "Kubernetes manifests (defaults: kata-deploy 4.1.0's RuntimeClasses, containerd configuration "
        "and Kata configuration files)"
    )
    g.add_argument(
        "--containerd-config",
        metavar="FILE",
        action="append",
        help="containerd's config.toml (version 1, 2 or 3); repeat to merge drop-ins in order",
    )
    g.add_argument(
        "--crio-config",
        metavar="FILE|DIR",
        action="append",
        help="CRI-O's crio.conf or a crio.conf.d directory; repeat to merge in order",
    )
    g.add_argument(
        "--runtime-classes",
        metavar="FILE|DIR",
        action="append",
        help="RuntimeClass manifests (instead of kata-deploy's); repeatable",
    )
    g.add_argument(
        "--kata-config-dir",
        metavar="DIR",
        action="append",
        help="where the handlers' Kata configuration files are (a copy of /opt/kata, or a directory of "
        "configuration-*.toml); repeatable, searched in order",
    )
    g.add_argument("--handler", metavar="NAME", help="check every pod as if it ran on this CRI handler")
    # --config FILE (one Kata configuration for every Kata handler) and --kata PROFILE[,PROFILE]
    # (the rules; several: one check each) are check's own options, shared with bundles.
    g.add_argument("-R", "--recursive", action="store_true", help="read directories recursively")
    g.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default text; --json is --format json)",
    )


def _json_kind(data: bytes) -> str | None:
    """``"manifest"``, ``"bundle"`` or ``None`` (not a JSON object) for JSON text."""
    import msgspec

    head = data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if head == b"[":
        return "manifest"
    if head != b"{":
        return None
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    except RecursionError:  # an object that starts like a manifest: read_manifests reports the depth
        return "manifest"
    if not isinstance(doc, dict):
        return None
    if "kind" in doc or "apiVersion" in doc:
        return "manifest"
    if any(k in doc for k in _BUNDLE_KEYS):
        return "bundle"
    return None


def _file_kind(path: str) -> str:
    if os.path.isdir(path):
        return "bundle" if os.path.exists(os.path.join(path, "config.json")) else "manifest"
    name = os.path.basename(path)
    if name == "config.json":
        return "bundle"
    if _YAML_NAMES.fullmatch(name):
        return "manifest"
    from kata_oci.files import read_regular_file
    from kata_oci.k8s.documents import MAX_MANIFEST_BYTES

    try:
        data = read_regular_file(path, MAX_MANIFEST_BYTES)
    except (OSError, ValueError):
        return "bundle"  # let the bundle reader say what is wrong with it
    kind = _json_kind(data)
    return kind if kind is not None else "manifest"


def wanted(args: argparse.Namespace) -> bool:
    """Whether ``check``'s paths are manifests (reads standard input when it is one of them)."""
    paths: list[str] = args.bundle
    kinds = []
    for path in paths:
        if path == common.STDIN:
            data = common.read_stdin("spec")
            kind = _json_kind(data) or "manifest"
            args.stdin_data = data
        else:
            kind = _file_kind(path)
        kinds.append(kind)
    if "manifest" not in kinds:
        given = [f"--{o.replace('_', '-')}" for o in _OPTIONS if getattr(args, o, None)]
        if given:
            raise common.Failure(f"{', '.join(given)} apply to Kubernetes manifests, and no path is one")
        return False
    if "bundle" in kinds:
        raise common.Failure("give either bundles or Kubernetes manifests to one check, not both")
    return True


def _cluster(args: argparse.Namespace, profile: str | None) -> Any:
    from kata_oci.k8s import Cluster

    if getattr(args, "config", None) == common.STDIN:
        raise common.Failure("with manifests, --config names a file (standard input holds no manifest here)")
    return Cluster.from_files(
        containerd_config=args.containerd_config,
        crio_config=args.crio_config,
        runtime_classes=args.runtime_classes,
        kata_config_dir=args.kata_config_dir,
        handler=args.handler,
        strict=args.strict,
        profile=profile,
        kata_config=getattr(args, "config", None),
    )


def _profiles(args: argparse.Namespace) -> list[str | None]:
    """The profiles ``--kata`` names (``go,rs``: one check each); ``[None]``: each handler's own."""
    value = getattr(args, "kata", None)
    if not value:
        return [None]
    return [p.strip() for p in str(value).split(",") if p.strip()] or [None]


def _documents(args: argparse.Namespace) -> Iterable[Any]:
    from kata_oci.k8s import parse_documents, read_documents

    for path in args.bundle:
        if path == common.STDIN:
            yield from parse_documents(args.stdin_data, source=common.STDIN_NAME)
        else:
            yield from read_documents(path, recursive=args.recursive)


def _shown(value: str | None) -> str:
    return "" if value is None else repr(cut(value, _SHOWN))


def _where(ref: Any) -> str:
    place = ref.source or ""
    if ref.document is not None and place:
        place += f"#{ref.document}"
    if ref.item is not None:
        place += f" items[{ref.item}]"
    return place


def _text(report: Any, cluster: Any) -> list[str]:
    node = cluster.node
    classes = sorted({rc.ref.source or "manifests" for rc in cluster.runtime_classes.values()})
    dirs = cluster.kata_config or ", ".join(str(d) for d in cluster.kata_config_dirs) or "the handlers' paths"
    lines = [
        f"# cri: {node.cri} ({node.schema}); RuntimeClasses: {', '.join(classes) or 'none'}; "
        f"Kata configuration: {dirs}"
    ]
    lines.extend(f"# note: {n}" for n in node.notes)
    seen: set[str] = set()  # a note shown once, at the first pod it concerns
    for pod in report.pods:
        head = f"{pod.object}  ({_where(pod.object)})"
        if pod.handler is not None:
            head += f"  handler {pod.handler}"
        if pod.kata_config is not None:
            head += f", {os.path.basename(pod.kata_config)}, profile {pod.profile}"
        lines.append(head)
        for r in pod.records:
            what = cut(r.key) if r.key is not None else "(the pod)"
            value = f" = {_shown(r.value)}" if r.key is not None else ""
            lines.append(f"  {r.verdict:<9}{r.layer:<13}{what}{value}: {r.reason}")
            if r.fix:
                lines.append(f"  {'':<9}{'':<13}fix: {r.fix}")
        s = pod.sizing
        if s is not None and s.workload is not None and (s.workload.vcpus or s.workload.memory_mb):
            lines.append(
                f"  sizing   {s.workload.vcpus:g} vCPUs, {s.workload.memory_mb} MiB from the pod's resources"
                + (", added to the VM's defaults" if s.static_sandbox_resource_mgmt else "")
            )
        for n in dict.fromkeys(pod.notes):
            if n not in seen:
                seen.add(n)
                lines.append(f"  note     {n}")
    counts: dict[str, int] = {}
    for r in report.records:
        counts[str(r.verdict)] = counts.get(str(r.verdict), 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "no Kata annotations"
    lines.append(f"# {len(report.pods)} pods: {summary}; {len(report.notes)} objects skipped")
    lines.extend(f"# skipped {_where(n.object) if n.object else ''}: {n.message}" for n in report.notes)
    return lines


# -- SARIF and GitHub ---------------------------------------------------------------------------


class _Lines:
    """Best-effort line numbers: where a key first appears in its YAML document."""

    def __init__(self) -> None:
        self._docs: dict[str, list[list[str]]] = {}

    def _split(self, source: str) -> list[list[str]]:
        docs = self._docs.get(source)
        if docs is None:
            docs = [[]]
            try:
                with open(source, encoding="utf-8", errors="replace") as f:
                    text = f.read(64 << 20)
            except OSError:
                text = ""
            for offset, line in enumerate(text.splitlines()):
                if line.startswith("---") and line[3:].strip() == "" and docs[-1]:
                    docs.append([])
                docs[-1].append(f"{offset}\0{line}")
            self._docs[source] = docs
        return docs

    def line(self, ref: Any, key: str | None) -> int | None:
        if not ref.source or ref.source.startswith("<"):
            return None
        docs = self._split(ref.source)
        doc = docs[ref.document] if ref.document is not None and ref.document < len(docs) else None
        if not doc:
            return None
        needle = key or "runtimeClassName"
        first = None
        for entry in doc:
            n, _, text = entry.partition("\0")
            if first is None:
                first = int(n) + 1
            if needle in text:
                return int(n) + 1
        return first


def _message(r: Any) -> str:
    head = f"{r.object}: {cut(r.key) if r.key is not None else 'the pod'}" + (
        f" = {_shown(r.value)}" if r.key is not None else ""
    )
    return f"{head}: {r.verdict} by {r.layer}: {r.reason}" + (f" Fix: {r.fix}" if r.fix else "")


def _sarif(report: Any) -> dict[str, Any]:
    from kata_oci import __version__

    lines = _Lines()
    rules = [
        {"id": f"kata-oci/{v}", "shortDescription": {"text": f"a Kata annotation {v} before it reaches Kata"}}
        for v in _LEVEL
    ]
    results = []
    for r in report.records:
        level = _LEVEL.get(str(r.verdict))
        if level is None:
            continue
        result: dict[str, Any] = {
            "ruleId": f"kata-oci/{r.verdict}",
            "level": level,
            "message": {"text": output.escape(_message(r))},
            "properties": {"layer": str(r.layer), "key": r.key, "object": str(r.object)},
        }
        if r.object.source and not r.object.source.startswith("<"):
            loc: dict[str, Any] = {"artifactLocation": {"uri": r.object.source}}
            line = lines.line(r.object, r.key)
            if line is not None:
                loc["region"] = {"startLine": line}
            result["locations"] = [{"physicalLocation": loc}]
        results.append(result)
    run = {
        "tool": {
            "driver": {
                "name": "kata-oci",
                "version": __version__,
                "informationUri": "https://github.com/kata-containers/kata-containers",
                "rules": rules,
            }
        },
        "results": results,
    }
    return _sarif_document([run])


def _sarif_document(runs: list[Any]) -> dict[str, Any]:
    return {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": runs}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: Any) -> list[str]:
    lines = _Lines()
    out = []
    for r in report.records:
        level = _LEVEL.get(str(r.verdict))
        if level is None:
            continue
        props = []
        if r.object.source and not r.object.source.startswith("<"):
            props.append(f"file={_gh_property(r.object.source)}")
            line = lines.line(r.object, r.key)
            if line is not None:
                props.append(f"line={line}")
        props.append(f"title={_gh_property(f'kata-oci: {r.verdict} by {r.layer}')}")
        out.append(f"::{_GITHUB[level]} {','.join(props)}::{_gh_data(_message(r))}")
    return out


def run(args: argparse.Namespace) -> int:
    """Check the manifests; the exit status: 0 all applied, 1 rejected or dropped, 2 unusable.

    With ``--kata go,rs`` the manifests are checked once per profile, one
    report after the other (JSON: ``{"profiles": {name: report}}``).
    """
    from kata_oci.k8s import check_manifests

    docs = list(_documents(args))
    fmt = args.format or ("json" if args.json else "text")
    profiles = _profiles(args)
    status = common.EXIT_OK
    side_by_side: dict[str, Any] = {}
    sarif_runs: list[Any] = []
    for profile in profiles:
        cluster = _cluster(args, profile)
        report = check_manifests(docs, cluster)
        if fmt == "json":
            doc = {
                "ok": not report.failed,
                "cri": str(cluster.node.cri),
                "records": report.records,
                "pods": report.pods,
                "skipped": report.notes,
            }
            if len(profiles) == 1:
                output.write_json(doc)
            else:
                side_by_side[str(profile)] = doc
        elif fmt == "sarif":
            sarif_runs.extend(_sarif(report)["runs"])
        elif fmt == "github":
            output.write_lines(_github(report))
        else:
            if len(profiles) > 1:
                output.write_lines([f"## profile {profile}"])
            output.write_lines(_text(report, cluster))
        status = max(status, _status(report))
    if side_by_side:
        output.write_json({"profiles": side_by_side})
    if sarif_runs:
        sarif = _sarif_document(sarif_runs)
        output.write_json(sarif)
    elif fmt == "sarif":
        output.write_json(_sarif_document([]))
    return status


def _status(report: Any) -> int:
    if report.failed:
        return common.EXIT_REJECTED
    if any(r.reason.startswith("not checked:") for r in report.records):
        output.error_line(
            "some Kata annotations could not be checked: no Kata configuration file was found "
            "(give --kata-config-dir)"
        )
        return common.EXIT_UNUSABLE
    return common.EXIT_OK
