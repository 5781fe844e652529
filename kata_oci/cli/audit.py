"""``kata-oci check --all``: every Kata bundle on a node, checked against its runtime handler's configuration.

A node's bundles are where its CRI's shim keeps them:

* containerd: ``/run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/``
  (``config.json``, and ``shim-binary-path`` naming the shim, ``options.json``
  the runtime options, with Kata's ``config_path`` when containerd's runtime
  handler sets ``ConfigPath``);
* CRI-O: ``/run/containers/storage/overlay-containers/<id>/userdata/``.

The runtime handler comes from the annotations the CRI writes
(``io.kubernetes.cri.runtime-handler``, ``io.kubernetes.cri-o.RuntimeHandler``);
``--handler-config NAME=FILE`` says which configuration a handler uses; else the
CRI's own configuration says (``--containerd-config``/``--crio-config``, or with
``--all`` the node's ``/etc/containerd/config.toml`` and ``/etc/crio/crio.conf``:
containerd's ``ConfigPath``, CRI-O's ``runtime_config_path``, and which Kata
runtime, so which profile, the handler runs); else containerd's
``config_path`` runtime option, else ``--config``, else the configuration Kata
would find. A bundle whose shim or handler is known not to be Kata's
(runc, crun) is skipped and counted.

Output: one line per problem (rejected, unknown, conflict, not read, error),
then a summary; with ``--json``, JSON lines (one object per problem, then
``{"summary": ...}``). The exit status is the worst bundle's, as ``check``
gives it for one bundle. A bundle that disappears while the walk runs (its
container exited) is not a problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

from kata_oci.errors import cut

from . import common, output

CONTAINERD_ROOT = "/run/containerd/io.containerd.runtime.v2.task"
CRIO_ROOT = "/run/containers/storage/overlay-containers"
# The node's CRI configuration, read with --all when no --containerd-config/--crio-config is given.
CONTAINERD_CONFIG = "/etc/containerd/config.toml"
CRIO_CONFIG = "/etc/crio/crio.conf"
HANDLER_KEYS = ("io.kubernetes.cri.runtime-handler", "io.kubernetes.cri-o.RuntimeHandler")
NOT_KATA = ("runc", "crun", "runsc", "youki")
PROGRESS_AFTER = 0.5  # seconds: only a slow audit shows progress (and only on a terminal)


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("node audit (instead of BUNDLE)")
    g.add_argument(
        "--all",
        action="store_true",
        help=f"check every bundle under the state roots of containerd ({CONTAINERD_ROOT}) "
        f"and CRI-O ({CRIO_ROOT})",
    )
    g.add_argument(
        "--containerd-root", metavar="DIR", help="containerd's task state root (implies the audit)"
    )
    g.add_argument("--crio-root", metavar="DIR", help="CRI-O's overlay-containers root (implies the audit)")
    g.add_argument(
        "--handler-config",
        metavar="NAME=FILE",
        action="append",
        default=[],
        help="the configuration of runtime handler NAME (repeatable)",
    )


def wanted(args: argparse.Namespace) -> bool:
    return bool(args.all or args.containerd_root or args.crio_root)


class Found(NamedTuple):
    """One bundle on the node: where it is, whose it is."""

    runtime: str  # "containerd", "cri-o" or "bundle"
    namespace: str
    cid: str
    path: str  # the bundle directory


def _dirs(path: str) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            yield from (e for e in it if e.is_dir(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return


def walk(root: str, kind: str) -> Iterator[Found]:
    """The bundles under a state root: ``<ns>/<id>/config.json`` or ``<id>/userdata/config.json``.

    ``kind`` "containerd" or "cri-o" names the layout; "auto" accepts both
    (and ``<id>/config.json``).
    """
    for first in sorted(_dirs(root), key=lambda e: e.name):
        if kind != "containerd" and os.path.exists(os.path.join(first.path, "userdata", "config.json")):
            yield Found("cri-o", "", first.name, os.path.join(first.path, "userdata"))
            continue
        if kind == "auto" and os.path.exists(os.path.join(first.path, "config.json")):
            yield Found("bundle", "", first.name, first.path)
            continue
        if kind == "cri-o":
            continue
        for second in sorted(_dirs(first.path), key=lambda e: e.name):
            if os.path.exists(os.path.join(second.path, "config.json")):
                yield Found("containerd", first.name, second.name, second.path)


def _read_small(path: str, limit: int = 1 << 16) -> str | None:
    from kata_oci.files import read_regular_file

    try:
        return read_regular_file(path, limit).decode("utf-8", "replace").strip()
    except (OSError, ValueError):
        return None


def _containerd_facts(bundle: str) -> tuple[str | None, str | None, str | None]:
    """(shim binary path, Kata config_path from the runtime options, a note) of a containerd task directory.

    The note says why options.json could not be read (its config_path is then not known).
    """
    shim = _read_small(os.path.join(bundle, "shim-binary-path"))
    options = _read_small(os.path.join(bundle, "options.json"))
    config_path = note = None
    if options:
        try:
            doc = json.loads(options)
        except ValueError as exc:
            doc, note = None, f"not JSON ({cut(exc, 200)})"
        except RecursionError:  # json.loads's own depth limit: not a ValueError
            doc, note = None, "not JSON (nested too deeply)"
        if isinstance(doc, dict):
            value = doc.get("config_path", doc.get("ConfigPath"))
            config_path = value if isinstance(value, str) and value else None
        if note is not None:
            note = f"options.json: {note}: its config_path is not read"
    return shim, config_path, note


def _handlers(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise common.Failure(f"--handler-config wants NAME=FILE, not {value!r}")
        out[name] = path
    return out


def _node_handlers(args: argparse.Namespace) -> dict[str, Any]:
    """The runtime handlers the node's CRI configuration declares (name -> k8s Handler)."""
    containerd = list(getattr(args, "containerd_config", None) or ())
    crio = list(getattr(args, "crio_config", None) or ())
    if args.all and not containerd and os.path.exists(CONTAINERD_CONFIG):
        containerd = [CONTAINERD_CONFIG]
    if args.all and not crio and os.path.exists(CRIO_CONFIG):
        crio = [CRIO_CONFIG]
    found: dict[str, Any] = {}
    if containerd:
        from kata_oci.k8s.containerd import load_containerd_config

        found.update(load_containerd_config(containerd).handlers)
    if crio:
        from kata_oci.k8s.crio import load_crio_config

        found.update(load_crio_config(crio).handlers)
    return found


class _Audit:
    """The shared state of one audit: the engine, the configurations loaded, the counts."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.handlers = _handlers(args.handler_config)
        self.node = _node_handlers(args)
        self.engine = common.engine(False, plugins=True)
        self.configs: dict[tuple[str | None, str | None], tuple[str, Any] | BaseException] = {}
        self.counts: Counter[str] = Counter()
        self.status = common.EXIT_OK
        self.problem_bundles = 0
        self.profiles: dict[str, str] = {}  # configuration file -> the profile it was read with

    def config(self, path: str | None, kata: str | None = None) -> tuple[str, Any]:
        if (path, kata) not in self.configs:
            try:
                choice, rc = common.runtime_choice(
                    path,
                    self.args.strict,
                    host_checks=self.args.host_checks,
                    kata=getattr(self.args, "kata", None) or kata,
                    engine=self.engine,
                )
                self.configs[path, kata] = (choice.filename, rc)
                self.profiles[choice.filename] = choice.profile.name
            except Exception as exc:
                from kata_oci.errors import KataOCIError

                if not isinstance(exc, KataOCIError | OSError):
                    raise
                self.configs[path, kata] = exc
        found = self.configs[path, kata]
        if isinstance(found, BaseException):
            raise found
        return found

    def problems(self, found: Found) -> tuple[str, str, list[dict[str, Any]]] | None:
        """(handler, configuration, problems) of one bundle; None when it is skipped or gone."""
        from kata_oci.api import plan_sandbox_config
        from kata_oci.errors import KataOCIError
        from kata_oci.overrides import Outcome
        from kata_oci.spec import parse_config_json

        shim, option_config, unreadable = (None, None, None)
        if found.runtime in ("containerd", "bundle"):
            shim, option_config, unreadable = _containerd_facts(found.path)
        try:
            spec = parse_config_json(os.path.join(found.path, "config.json"))
        except KataOCIError as exc:
            if not os.path.exists(os.path.join(found.path, "config.json")):
                return None  # the container went away during the walk
            self.status = max(self.status, common.EXIT_UNUSABLE)
            return "", "", [{"kind": "error", "reason": str(exc)}]
        ann = spec.annotations or {}
        handler = next((ann[k] for k in HANDLER_KEYS if k in ann), "")
        declared = self.node.get(handler) if handler else None
        if handler not in self.handlers and (
            (shim is not None and "kata" not in shim)
            or (declared is not None and not declared.kata)
            or (handler and "kata" not in handler and any(handler.startswith(n) for n in NOT_KATA))
        ):
            self.counts["skipped"] += 1
            return None
        config_path = (
            self.handlers.get(handler)
            or (declared.config_path if declared is not None else None)
            or option_config
            or self.args.config
        )
        runtime = declared.runtime if declared is not None else None  # "go" or "rs" when the CRI says
        # A note, not a failure: the bundle is checked with the configuration found without it.
        problems: list[dict[str, Any]] = [{"kind": "unreadable", "reason": unreadable}] if unreadable else []
        try:
            shown, rc = self.config(config_path, runtime)
        except (KataOCIError, OSError) as exc:
            self.status = max(self.status, common.EXIT_UNUSABLE)
            problems.append({"kind": "error", "reason": f"configuration: {exc}"})
            return handler, config_path or "", problems
        try:
            conflicts = common.cri_conflicts(self.engine, spec)
            unread = common.unread(self.engine, spec)
            _, plan = plan_sandbox_config(
                spec, rc, found.path, found.cid, engine=self.engine, strict_annotations=self.args.strict
            )
        except KataOCIError as exc:
            self.status = max(self.status, common.EXIT_UNUSABLE)
            problems.append({"kind": "error", "reason": str(exc)})
            return handler, shown, problems
        failed = False
        for d in plan.decisions:
            if d.outcome is Outcome.REJECTED or d.outcome is Outcome.UNKNOWN:
                failed = failed or d.outcome is Outcome.REJECTED
                problems.append(
                    {
                        "kind": str(d.outcome),
                        "key": d.key,
                        "value": d.value,
                        "reason": d.reason + (f"; {d.hint}" if d.hint else ""),
                    }
                )
        problems.extend({"kind": "conflict", "reason": str(c)} for c in conflicts)
        problems.extend(
            {"kind": "not read", "key": u.key, "value": u.value, "reason": str(u)} for u in unread
        )
        if plan.config_error is not None:
            failed = True
            problems.append({"kind": "error", "reason": str(plan.config_error)})
        if failed or (self.args.strict and (conflicts or unread)):
            self.status = max(self.status, common.EXIT_REJECTED)
        return handler, shown, problems


def _roots(args: argparse.Namespace) -> list[tuple[str, str]]:
    roots = []
    if args.all or args.containerd_root:
        roots.append((args.containerd_root or CONTAINERD_ROOT, "containerd"))
    if args.all or args.crio_root:
        roots.append((args.crio_root or CRIO_ROOT, "cri-o"))
    return roots


def run(args: argparse.Namespace, roots: list[tuple[str, str]] | None = None) -> int:
    """Audit the given state roots (default: those the options name)."""
    if args.id:
        raise common.Failure("--id names one bundle's ID: the audit takes each bundle's own")
    roots = _roots(args) if roots is None else roots
    missing = [root for root, _ in roots if not os.path.isdir(root)]
    if len(missing) == len(roots):
        raise common.Failure(f"no state directory to audit: {', '.join(missing)} not found")
    audit = _Audit(args)
    bundles = [found for root, kind in roots for found in walk(root, kind)]
    progress = _Progress(len(bundles))
    by_runtime: Counter[str] = Counter()
    for i, found in enumerate(bundles):
        progress.tick(i)
        result = audit.problems(found)
        if result is None:
            continue
        by_runtime[found.runtime] += 1
        handler, config_path, problems = result
        if problems:
            audit.problem_bundles += 1
        for problem in problems:
            audit.counts[problem["kind"]] += 1
            _show_problem(args, found, handler, config_path, problem)
    progress.done()
    checked = sum(by_runtime.values())
    summary: dict[str, Any] = {
        "bundles": checked,
        "by_runtime": dict(sorted(by_runtime.items())),
        "skipped_not_kata": audit.counts["skipped"],
        "with_problems": audit.problem_bundles,
        "problems": {k: v for k, v in sorted(audit.counts.items()) if k != "skipped"},
        "configurations": sorted(c[0] for c in audit.configs.values() if not isinstance(c, BaseException)),
        "profiles": audit.profiles,
        "roots": [root for root, _ in roots],
        "missing_roots": missing,
        "ok": audit.status == common.EXIT_OK,
    }
    if args.json:
        output.write_json({"summary": summary}, indent=None)
    else:
        runtimes = ", ".join(f"{k}: {v}" for k, v in summary["by_runtime"].items()) or "none"
        found_problems = ", ".join(f"{v} {k}" for k, v in summary["problems"].items()) or "no problems"
        lines = [
            f"checked {checked} bundles ({runtimes}); {summary['skipped_not_kata']} skipped (not Kata); "
            f"{audit.problem_bundles} with problems: {found_problems}"
        ]
        lines.extend(
            f"# configuration: {c}" + (f"; profile: {audit.profiles[c]}" if c in audit.profiles else "")
            for c in summary["configurations"]
        )
        lines.extend(f"# not found: {root}" for root in missing)
        output.write_lines(lines)
    return audit.status


def _show_problem(
    args: argparse.Namespace, found: Found, handler: str, config_path: str, problem: dict[str, Any]
) -> None:
    if args.json:
        output.write_json(
            {
                "bundle": found.path,
                "runtime": found.runtime,
                "namespace": found.namespace or None,
                "id": found.cid,
                "handler": handler or None,
                "configuration": config_path or None,
                **problem,
            },
            indent=None,
        )
        return
    where = f"{found.namespace}/{found.cid}" if found.namespace else found.cid
    key = f" {problem['key']} = {problem['value']!r}:" if "key" in problem else ""
    output.write_lines([f"{found.runtime} {where}: {problem['kind']}{key} {problem['reason']}"])


class _Progress:
    """``checked i/N`` on stderr, only on a terminal and only once the audit has taken a while."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.start = time.monotonic()
        try:
            self.tty = sys.stderr.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.shown = False

    def tick(self, i: int) -> None:
        if not self.tty or i % 16:
            return
        if time.monotonic() - self.start >= PROGRESS_AFTER:
            self.shown = True
            sys.stderr.write(f"\rkata-oci: checked {i}/{self.total} bundles")
            sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
